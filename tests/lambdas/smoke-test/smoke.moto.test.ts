/**
 * The smoke test end to end against moto: a version deployed by deploy-approved (registry, model, endpoint config,
 * endpoint, ledger and topic are moto's), the documented InService event, and InvokeEndpoint answered by a faithful
 * local HTTP double of SageMaker Runtime (tests/helpers/sagemakerRuntimeDouble.ts) reached through
 * AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME, as a deployed function would reach AWS.
 */
import { strict as assert } from "assert";
import { randomUUID } from "crypto";
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    DeleteEndpointCommand,
    DescribeModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { handleModelPackageEvent, type DeploySettings } from "../../../lambdas/deploy-approved/deploy";
import { RetryableError } from "../../../lambdas/shared/errors";
import { snsSubject } from "../../../lambdas/shared/publish";
import { readSmoke } from "../../../lambdas/smoke-test/record";
import type { SmokeSettings } from "../../../lambdas/smoke-test/settings";
import { handleEndpointEvent, type SmokeDeps } from "../../../lambdas/smoke-test/smoke";
import { loadEvent } from "../../fixtures/events";
import { startRuntimeDouble, type RuntimeDouble } from "../../helpers/sagemakerRuntimeDouble";
import { uniqueName } from "../../helpers/moto";
import { artifactStore, registerPinnedVersion, type ArtifactStore } from "../deploy-approved/pinnedVersions";
import { createWorld, packageEvent, publisherFor, readInbox, recordingLogger, type World } from "../world";

interface Harness {
    world: World;
    store: ArtifactStore;
    double: RuntimeDouble;
    deploy: DeploySettings;
    smoke: SmokeSettings;
    deps: SmokeDeps;
}

const doubles: RuntimeDouble[] = [];

async function harness(): Promise<Harness> {
    const world = await createWorld();
    const store = await artifactStore(world);
    const env = uniqueName("s").replace(/-/g, "").slice(0, 12);
    const endpointName = `sagemaker-approval-gate-${env}-endpoint`;
    const double = await startRuntimeDouble(world.sagemaker);
    doubles.push(double);
    // What a deployed function gets: the SDK's per-service endpoint variable (read when the client resolves its endpoint).
    process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = double.url;
    const runtime = new SageMakerRuntimeClient({ region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    return {
        world,
        store,
        double,
        deploy: {
            environment: env,
            groupName: world.groupName,
            registryAccountId: "123456789012",
            endpointName,
            resourcePrefix: `sagemaker-approval-gate-${env}`,
            ledgerTableName: world.tableName,
            modelExecutionRoleArn: "arn:aws:iam::123456789012:role/sagemaker-approval-gate-test-model-execution",
            instanceType: "ml.m5.large",
            initialInstanceCount: 1,
            rollbackAlarmNames: [],
            terminationWaitSeconds: 120,
            pinWaitSeconds: 900,
        },
        smoke: {
            environment: env,
            ledgerTableName: world.tableName,
            endpointName,
            groupName: world.groupName,
            onFailure: "reject",
            payloads: [{ contentType: "text/csv", accept: "text/csv", body: "0,0,0,0,0,0,0,0,1,0" }],
            check: { kind: "numeric", min: 1, max: 30 },
            maxPayloads: 5,
        },
        deps: {
            sagemaker: world.sagemaker,
            runtime,
            s3: world.s3,
            dynamodb: world.dynamodb,
            publisher: publisherFor(world),
            logger: recordingLogger(),
            emitMetric: () => undefined,
            now: () => new Date(),
            token: randomUUID,
        },
    };
}

/** Registers and approves a version, and has deploy-approved deploy it (a new endpoint: CreateEndpoint in moto). */
async function deployed(h: Harness): Promise<{ arn: string; endpointConfigName: string }> {
    const { arn } = await registerPinnedVersion(h.world, h.store, "Approved");
    const result = await handleModelPackageEvent(packageEvent(h.world, arn, "Approved"), h.deploy, {
        sagemaker: h.world.sagemaker,
        dynamodb: h.world.dynamodb,
        s3: h.world.s3,
        ecr: () => h.store.ecr,
        publisher: publisherFor(h.world),
        logger: recordingLogger(),
        now: () => new Date(),
    });
    assert.equal(result.outcome, "deployed");
    await readInbox(h.world); // the deploy notice
    return { arn, endpointConfigName: (result as { record: { endpointConfigName: string } }).record.endpointConfigName };
}

function inService(h: Harness) {
    const event = loadEvent("endpoint-in-service");
    event.id = randomUUID();
    event.detail.EndpointName = h.smoke.endpointName;
    return event;
}

describe("smoke-test against moto and a SageMaker Runtime double", function () {
    this.timeout(60_000);
    after(async () => {
        delete process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME;
        await Promise.all(doubles.map((d) => d.close()));
    });

    it("pass: invokes the live version with the configured payload, records passed, tells the approvers in one line", async () => {
        const h = await harness();
        const { arn, endpointConfigName } = await deployed(h);
        h.double.serve(() => ({ status: 200, contentType: "text/csv; charset=utf-8", body: "9.53" }));
        const result = await handleEndpointEvent(inService(h), h.smoke, h.deps);
        assert.equal(result.outcome, "passed");
        assert.deepEqual(h.double.invocations, [{ endpointName: h.smoke.endpointName, contentType: "text/csv", accept: "text/csv", body: "0,0,0,0,0,0,0,0,1,0" }]);
        const stored = await readSmoke(h.world.dynamodb, h.world.tableName, arn, endpointConfigName);
        assert.equal(stored.status, "final");
        assert.equal(stored.status === "final" && stored.record.status, "passed");
        const inbox = await readInbox(h.world);
        // The group and environment names are random, so the subject may meet SNS's 100-character cap.
        assert.deepEqual(inbox.map((m) => m.subject), [snsSubject(`[${h.smoke.environment}] Smoke test passed: ${h.world.groupName} v1 on ${h.smoke.endpointName}`)]);
        assert.equal(inbox[0].message.split("\n").length, 1);
        const pkg = await h.world.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        assert.equal(pkg.ModelApprovalStatus, "Approved");
    });

    it("fail: a ModelError rejects the version with the reason, records the failing payload and answer, tells the approvers; the deploy function acts on the rejection", async () => {
        const h = await harness();
        const { arn, endpointConfigName } = await deployed(h);
        h.double.serve(() => ({ status: 500, body: "could not parse input" }));
        const result = await handleEndpointEvent(inService(h), h.smoke, h.deps);
        assert.equal(result.outcome, "failed");
        const pkg = await h.world.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        assert.equal(pkg.ModelApprovalStatus, "Rejected");
        assert.match(pkg.ApprovalDescription!, /^Rejected by the smoke test after its deployment to .*: config\[0\]: HTTP 424 \(ModelError: the model answered 500 "could not parse input"\)/);
        const stored = await readSmoke(h.world.dynamodb, h.world.tableName, arn, endpointConfigName);
        assert.ok(stored.status === "final" && stored.record.status === "failed");
        assert.ok(stored.status === "final" && /HTTP 424/.test(stored.record.failingAnswer ?? ""));
        const inbox = await readInbox(h.world);
        assert.equal(inbox.length, 1);
        assert.match(inbox[0].subject, /SMOKE TEST FAILED: .* v1 on /);
        assert.match(inbox[0].message, /could not parse input/);
        // The rejection rule delivers SageMaker's Rejected event to the deploy queue: the deploy function confirms it
        // live and rolls back (here there is no earlier version, so it says so loudly).
        const rollback = await handleModelPackageEvent(packageEvent(h.world, arn, "Rejected"), h.deploy, {
            sagemaker: h.world.sagemaker,
            dynamodb: h.world.dynamodb,
            s3: h.world.s3,
            ecr: () => h.store.ecr,
            publisher: publisherFor(h.world),
            logger: recordingLogger(),
            now: () => new Date(),
        });
        assert.equal(rollback.outcome, "no-rollback-target");
    });

    it("a duplicate event runs no second test", async () => {
        const h = await harness();
        await deployed(h);
        h.double.serve(() => ({ status: 200, contentType: "text/csv", body: "7" }));
        assert.equal((await handleEndpointEvent(inService(h), h.smoke, h.deps)).outcome, "passed");
        assert.equal((await handleEndpointEvent(inService(h), h.smoke, h.deps)).outcome, "duplicate");
        assert.equal(h.double.invocations.length, 1);
        assert.equal((await readInbox(h.world)).length, 1);
    });

    it("a stale event (the endpoint now runs another version) runs no test", async () => {
        const h = await harness();
        await deployed(h);
        // Someone put another version on the endpoint behind the ledger's back.
        const { arn: other } = await registerPinnedVersion(h.world, h.store, "Approved");
        const name = `${h.deploy.resourcePrefix}--other`;
        await h.world.sagemaker.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: h.deploy.modelExecutionRoleArn, PrimaryContainer: { ModelPackageName: other } }));
        await h.world.sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ VariantName: "AllTraffic", ModelName: name, InstanceType: "ml.m5.large", InitialInstanceCount: 1 }] }));
        await h.world.sagemaker.send(new DeleteEndpointCommand({ EndpointName: h.smoke.endpointName }));
        await h.world.sagemaker.send(new CreateEndpointCommand({ EndpointName: h.smoke.endpointName, EndpointConfigName: name }));
        const result = await handleEndpointEvent(inService(h), h.smoke, h.deps);
        assert.equal(result.outcome, "stale");
        assert.match((result as { reason: string }).reason, /runs .*--other, not the ledger's/);
        assert.equal(h.double.invocations.length, 0);
        assert.deepEqual(await readInbox(h.world), []);
    });

    it("ServiceUnavailable past the SDK's retries is retried later (RetryableError), then the retry tests", async () => {
        const h = await harness();
        const { arn } = await deployed(h);
        h.double.serve(() => ({ status: 200, contentType: "text/csv", body: "7" }));
        h.double.failNext("ServiceUnavailable", 3);
        await assert.rejects(handleEndpointEvent(inService(h), h.smoke, h.deps), RetryableError);
        assert.equal(h.double.invocations.length, 3, "the SDK's 3 attempts");
        assert.equal((await handleEndpointEvent(inService(h), h.smoke, h.deps)).outcome, "passed");
        const pkg = await h.world.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        assert.equal(pkg.ModelApprovalStatus, "Approved");
    });
});
