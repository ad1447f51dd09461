/**
 * deploy-approved against moto: the registry, models, endpoint configs, endpoints, the ledger table
 * and the topic are moto's. UpdateEndpoint (not in moto) goes to an aws-sdk-client-mock client through
 * a router, as does DescribeEndpoint where a test needs a busy endpoint.
 */
import { strict as assert } from "assert";
import {
    DescribeEndpointCommand,
    DescribeEndpointConfigCommand,
    DescribeModelCommand,
    ListModelsCommand,
    ListTagsCommand,
    SageMakerClient,
    UpdateEndpointCommand,
    type UpdateEndpointCommandInput,
} from "@aws-sdk/client-sagemaker";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { PutImageCommand } from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { handleModelPackageEvent, PACKAGE_ARN_TAG, type DeployDeps, type DeploySettings } from "../../../lambdas/deploy-approved/deploy";
import { handleQueueBatch } from "../../../lambdas/deploy-approved/queue";
import { RetryableError } from "../../../lambdas/shared/errors";
import { currentDeployment, listDeployments } from "../../../lambdas/shared/ledger";
import { uniqueName } from "../../helpers/moto";
import { createWorld, packageEvent, publisherFor, readInbox, recordingLogger, registerVersion, setStatus, type World } from "../world";
import { artifactStore, manifest, registerPinnedVersion, type ArtifactStore } from "./pinnedVersions";
import { readPins } from "../../../policies/lib/pinStore";

const updateClient = new SageMakerClient({ region: "us-east-1" });
const updateMock = mockClient(updateClient);

function settingsFor(world: World, env: string): DeploySettings {
    return {
        environment: env,
        groupName: world.groupName,
        registryAccountId: "123456789012",
        endpointName: `sagemaker-approval-gate-${env}-endpoint`,
        resourcePrefix: `sagemaker-approval-gate-${env}`,
        ledgerTableName: world.tableName,
        modelExecutionRoleArn: "arn:aws:iam::123456789012:role/sagemaker-approval-gate-test-model-execution",
        instanceType: "ml.m5.large",
        initialInstanceCount: 1,
        rollbackAlarmNames: [`sagemaker-approval-gate-${env}-endpoint-5xx`, `sagemaker-approval-gate-${env}-endpoint-latency`, "team-slo-alarm"],
        terminationWaitSeconds: 120,
        pinWaitSeconds: 900,
    };
}

interface Harness {
    world: World;
    store: ArtifactStore;
    settings: DeploySettings;
    deps: DeployDeps & { logger: ReturnType<typeof recordingLogger> };
    calls: string[];
    /** Endpoint status DescribeEndpoint reports instead of moto's, when set. */
    fakeStatus?: string;
}

async function harness(env = uniqueName("t").replace(/-/g, "").slice(0, 12)): Promise<Harness> {
    const world = await createWorld();
    const store = await artifactStore(world);
    const h: Harness = {
        world,
        store,
        settings: settingsFor(world, env),
        calls: [],
        deps: undefined as never,
    };
    const router = {
        send: async (command: any, options?: any) => {
            h.calls.push(command.constructor.name);
            if (command instanceof UpdateEndpointCommand) return updateClient.send(command);
            if (command instanceof DescribeEndpointCommand && h.fakeStatus) {
                const real = await world.sagemaker.send(command);
                return { ...real, EndpointStatus: h.fakeStatus };
            }
            return world.sagemaker.send(command, options);
        },
    } as unknown as DeployDeps["sagemaker"];
    h.deps = { sagemaker: router, dynamodb: world.dynamodb, s3: world.s3, ecr: () => store.ecr, publisher: publisherFor(world), logger: recordingLogger(), now: () => new Date() };
    return h;
}

const run = (h: Harness, event: unknown) => handleModelPackageEvent(event, h.settings, h.deps);
const sagemakerWrites = (h: Harness) => h.calls.filter((c) => /^(Create|Update)/.test(c));

describe("deploy-approved against moto", function () {
    this.timeout(60_000);

    beforeEach(() => {
        updateMock.reset();
        updateMock.on(UpdateEndpointCommand).resolves({ EndpointArn: "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mocked" });
    });

    it("deploys exactly the approved version, creates the endpoint, records and publishes it; a duplicate event deploys nothing", async () => {
        const h = await harness();
        const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const v2 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn; // a later approved version must NOT be picked instead
        const event = packageEvent(h.world, v1, "Approved");

        const result = await run(h, event);
        assert.equal(result.outcome, "deployed");
        assert.ok("record" in result);
        const name = result.record.endpointConfigName!;
        assert.match(name, new RegExp(`^${h.settings.resourcePrefix}-v1-[0-9a-f]{8}$`));

        const model = await h.world.sagemaker.send(new DescribeModelCommand({ ModelName: name }));
        assert.equal(model.PrimaryContainer?.ModelPackageName, v1);
        assert.equal(model.PrimaryContainer?.Image, undefined, "never a raw image");
        assert.equal(model.ExecutionRoleArn, h.settings.modelExecutionRoleArn);
        const config = await h.world.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
        assert.equal(config.ProductionVariants?.[0].ModelName, name);
        const endpoint = await h.world.sagemaker.send(new DescribeEndpointCommand({ EndpointName: h.settings.endpointName }));
        assert.equal(endpoint.EndpointConfigName, name);
        assert.equal(updateMock.commandCalls(UpdateEndpointCommand).length, 0, "a new endpoint is created, not updated");

        const live = await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName);
        assert.equal(live?.packageArn, v1);
        assert.equal(live?.eventId, event.id);
        assert.equal(live?.approvalDescription, "set Approved by the test");
        assert.ok(live?.approvedBy, "who approved is recorded");
        assert.equal(live?.replaced, undefined);

        const [message] = await readInbox(h.world);
        assert.match(message.subject, /Deploying .* v1 to/);
        assert.match(message.message, new RegExp(v1.replace(/[/]/g, "\\/")));

        // SageMaker may send the same change twice; EventBridge may replay. Nothing new happens.
        h.calls.length = 0;
        const again = await run(h, { ...event, id: "another-id-for-the-same-change" });
        assert.equal(again.outcome, "already-live");
        assert.deepEqual(sagemakerWrites(h), []);
        assert.equal((await run(h, event)).outcome, "already-live");
        assert.deepEqual(await readInbox(h.world), []);
        assert.notEqual(v2, v1);
        // moto ignores NameContains, so filter here (and page through everything other suites created).
        const names: string[] = [];
        let token: string | undefined;
        do {
            const page = await h.world.sagemaker.send(new ListModelsCommand({ NextToken: token, MaxResults: 100 }));
            names.push(...(page.Models ?? []).map((m) => m.ModelName!));
            token = page.NextToken;
        } while (token);
        assert.deepEqual(names.filter((m) => m.startsWith(`${h.settings.resourcePrefix}-v`)), [name], "one model, however many events");
    });

    it("updates a live endpoint blue/green with the stack's rollback alarms, tags the config with the package, records what it replaced", async () => {
        const h = await harness();
        const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const first = await run(h, packageEvent(h.world, v1, "Approved"));
        const v2 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const event = packageEvent(h.world, v2, "Approved");
        const result = await run(h, event);
        assert.equal(result.outcome, "deployed");
        assert.ok("record" in result && "record" in first);

        const [update] = updateMock.commandCalls(UpdateEndpointCommand);
        const input = update.args[0].input as UpdateEndpointCommandInput;
        assert.equal(input.EndpointName, h.settings.endpointName);
        assert.equal(input.EndpointConfigName, result.record.endpointConfigName);
        assert.ok(input.DeploymentConfig?.BlueGreenUpdatePolicy, "blue/green");
        assert.equal(input.DeploymentConfig?.BlueGreenUpdatePolicy?.TerminationWaitInSeconds, 120);
        assert.deepEqual(input.DeploymentConfig?.AutoRollbackConfiguration?.Alarms?.map((a) => a.AlarmName), h.settings.rollbackAlarmNames);

        const config = await h.world.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: result.record.endpointConfigName }));
        const tags = await h.world.sagemaker.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }));
        assert.deepEqual(tags.Tags?.find((t) => t.Key === PACKAGE_ARN_TAG)?.Value, v2);
        assert.deepEqual(tags.Tags?.find((t) => t.Key === "sagemaker-approval-gate:event-id")?.Value, event.id);
        const live = await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName);
        assert.equal(live?.packageArn, v2);
        assert.deepEqual(live?.replaced, { packageArn: v1, version: 1, endpointConfigName: first.record.endpointConfigName });
    });

    it("refuses a forged Approved event for a version that is still PendingManualApproval, touching nothing", async () => {
        const h = await harness();
        const pending = (await registerPinnedVersion(h.world, h.store, "PendingManualApproval")).arn;
        const result = await run(h, packageEvent(h.world, pending, "Approved"));
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result);
        assert.match(result.reason, /PendingManualApproval, not Approved/);
        assert.deepEqual(sagemakerWrites(h), []);
        assert.deepEqual(h.calls, ["DescribeModelPackageCommand"]);
        const [message] = await readInbox(h.world);
        assert.match(message.subject, /Refused to deploy/);
        assert.match(message.message, /PendingManualApproval/);
        const [audit] = await listDeployments(h.world.dynamodb, h.world.tableName, h.settings.endpointName);
        assert.equal(audit.outcome, "refused");
        assert.equal(await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName), undefined);
    });

    it("refuses another group's Approved event without any SageMaker call", async () => {
        const h = await harness();
        const other = await createWorld("Other-Team");
        const foreign = await registerVersion(other, "Approved");
        const result = await run(h, packageEvent(other, foreign, "Approved"));
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result);
        assert.match(result.reason, new RegExp(`deploys only from "${h.world.groupName}"`));
        assert.deepEqual(h.calls, []);
        assert.equal(await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName), undefined);
    });

    it("refuses an event whose package lives in our group's name but does not exist", async () => {
        const h = await harness();
        const real = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const ghost = real.replace(/\/1$/, "/99");
        const result = await run(h, packageEvent(h.world, ghost, "Approved"));
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result);
        assert.match(result.reason, /not found/);
        assert.deepEqual(sagemakerWrites(h), []);
    });

    for (const status of ["Updating", "Creating", "SystemUpdating", "RollingBack"]) {
        it(`throws a retryable error while the endpoint is ${status}, creating nothing`, async () => {
            const h = await harness();
            const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
            await run(h, packageEvent(h.world, v1, "Approved"));
            const v2 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
            h.fakeStatus = status;
            h.calls.length = 0;
            await assert.rejects(run(h, packageEvent(h.world, v2, "Approved")), (e: Error) => e instanceof RetryableError && e.message.includes(status));
            assert.deepEqual(sagemakerWrites(h), []);
            assert.equal((await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName))?.packageArn, v1);
            // Once the endpoint is InService again, the retried event goes through.
            h.fakeStatus = undefined;
            assert.equal((await run(h, packageEvent(h.world, v2, "Approved"))).outcome, "deployed");
        });
    }

    it("rolls a rejected live version back to the previous approved one (re-checked), never to a rejected one", async () => {
        const h = await harness();
        const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const r1 = await run(h, packageEvent(h.world, v1, "Approved"));
        const v2 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        await run(h, packageEvent(h.world, v2, "Approved"));
        const v3 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        await run(h, packageEvent(h.world, v3, "Approved"));
        // v2 was rejected after it was replaced: it must be skipped.
        await setStatus(h.world, v2, "Rejected", "bias found");
        await setStatus(h.world, v3, "Rejected", "latency regression");
        await readInbox(h.world);
        updateMock.resetHistory();

        const rejection = packageEvent(h.world, v3, "Rejected");
        const result = await run(h, rejection);
        assert.equal(result.outcome, "rolled-back");
        assert.ok("record" in result && "record" in r1);
        assert.equal(result.record.packageArn, v1);
        assert.notEqual(result.record.endpointConfigName, r1.record.endpointConfigName, "a fresh, traceable config for the rollback");
        const [update] = updateMock.commandCalls(UpdateEndpointCommand);
        assert.equal(update.args[0].input.EndpointConfigName, result.record.endpointConfigName);
        const model = await h.world.sagemaker.send(new DescribeModelCommand({ ModelName: result.record.modelName }));
        assert.equal(model.PrimaryContainer?.ModelPackageName, v1);

        const live = await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName);
        assert.equal(live?.packageArn, v1);
        assert.equal(live?.kind, "rollback");
        assert.equal(live?.eventId, rejection.id);
        assert.equal(live?.replaced?.packageArn, v3);
        const [message] = await readInbox(h.world);
        assert.match(message.subject, /Rolled back .* to v1/);
        assert.match(message.message, /Skipped, not deployable/);
        assert.match(message.message, /model-package\/[^/]+\/2 \(status: Rejected\)/);

        // The same rejection again: v3 is no longer live, nothing to do.
        assert.equal((await run(h, rejection)).outcome, "not-live");
    });

    it("says loudly when a rejected live version has no approved predecessor (publish, error log, EMF metric), and changes nothing", async () => {
        const h = await harness();
        const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        await run(h, packageEvent(h.world, v1, "Approved"));
        await setStatus(h.world, v1, "Rejected", "data leak");
        await readInbox(h.world);
        updateMock.resetHistory();
        const writes: string[] = [];
        const original = process.stdout.write.bind(process.stdout);
        process.stdout.write = ((chunk: string) => {
            writes.push(String(chunk));
            return true;
        }) as typeof process.stdout.write;
        let result;
        try {
            result = await run(h, packageEvent(h.world, v1, "Rejected"));
        } finally {
            process.stdout.write = original;
        }
        assert.equal(result.outcome, "no-rollback-target");
        assert.equal(updateMock.commandCalls(UpdateEndpointCommand).length, 0);
        const emf = writes.map((w) => JSON.parse(w)).find((w) => w._aws);
        assert.equal(emf.NoRollbackTarget, 1);
        assert.equal(emf._aws.CloudWatchMetrics[0].Namespace, "SageMakerApprovalGate");
        assert.ok(h.deps.logger.lines.some((l) => l.level === "error" && /NO ROLLBACK TARGET/.test(l.message)));
        const [message] = await readInbox(h.world);
        assert.match(message.subject, /ACTION NEEDED/);
        assert.match(message.message, /STILL SERVING/);
        const [audit] = await listDeployments(h.world.dynamodb, h.world.tableName, h.settings.endpointName);
        assert.equal(audit.outcome, "no-rollback-target");
        assert.equal((await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName))?.packageArn, v1);
    });

    it("ignores a forged Rejected event for a version that is Approved, and a rejection of a version that is not live", async () => {
        const h = await harness();
        const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        await run(h, packageEvent(h.world, v1, "Approved"));
        updateMock.resetHistory();
        await readInbox(h.world);
        const forged = await run(h, packageEvent(h.world, v1, "Rejected"));
        assert.equal(forged.outcome, "ignored");
        const [notice] = await readInbox(h.world);
        assert.match(notice.subject, /Ignored a rejection of .* v1: it is Approved now/);
        const v2 = (await registerPinnedVersion(h.world, h.store, "Rejected")).arn;
        assert.equal((await run(h, packageEvent(h.world, v2, "Rejected"))).outcome, "not-live");
        assert.equal(updateMock.commandCalls(UpdateEndpointCommand).length, 0);
        assert.equal((await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName))?.packageArn, v1);
    });

    it("refuses a stale Approved event (redriven from the DLQ) over a newer live version, and deploys the old version again once re-approved on purpose", async () => {
        const h = await harness();
        const hoursAgo = (n: number) => new Date(Date.now() - n * 3_600_000);
        const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const oldEvent = packageEvent(h.world, v1, "Approved", { approvedAt: hoursAgo(3) });
        assert.equal((await run(h, oldEvent)).outcome, "deployed");
        const v2 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const t2 = hoursAgo(2);
        assert.equal((await run(h, packageEvent(h.world, v2, "Approved", { approvedAt: t2 }))).outcome, "deployed");
        const v2Live = await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName);
        assert.equal(v2Live?.approvedAt, t2.toISOString(), "the live version's approval time is in the ledger");
        await readInbox(h.world);
        updateMock.resetHistory();
        h.calls.length = 0;

        // The DLQ redrive hands over v1's original message, body and all.
        const result = await run(h, oldEvent);
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result);
        assert.ok(
            result.reason.startsWith(`stale: v1 approved at ${oldEvent.detail.LastModifiedTime}, v2 live since ${v2Live!.deployedAt} (approved at ${t2.toISOString()})`),
            result.reason,
        );
        assert.deepEqual(sagemakerWrites(h), []);
        assert.equal((await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName))?.packageArn, v2);
        const [audit] = await listDeployments(h.world.dynamodb, h.world.tableName, h.settings.endpointName);
        assert.equal(audit.outcome, "refused");
        assert.match(audit.reason!, /^stale: v1 approved at .*, v2 live since/);
        const [notice] = await readInbox(h.world);
        assert.match(notice.subject, /Refused to deploy .* v1/);
        assert.match(notice.message, /stale: v1 approved at .*, v2 live since/);

        // On purpose: v1 goes back to PendingManualApproval and is approved again; that approval is the newest.
        await setStatus(h.world, v1, "PendingManualApproval", "back to review: v2 regressed for one segment");
        await setStatus(h.world, v1, "Approved", "put v1 back on purpose");
        const again = await run(h, packageEvent(h.world, v1, "Approved", { approvedAt: new Date() }));
        assert.equal(again.outcome, "deployed");
        assert.equal((await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName))?.packageArn, v1);
    });

    it("waits on a throttled UpdateEndpoint (batch item failure, no function error), then deploys on redelivery despite the model and config the first attempt made", async () => {
        const h = await harness();
        const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        await run(h, packageEvent(h.world, v1, "Approved"));
        const v2 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const event = packageEvent(h.world, v2, "Approved");
        updateMock.on(UpdateEndpointCommand).rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 400, attempts: 3 } }));
        const batch = { Records: [{ messageId: "m-2", body: JSON.stringify(event) }] };
        const handle = (e: unknown) => run(h, e);
        assert.deepEqual(await handleQueueBatch(batch, handle, h.deps.logger), { batchItemFailures: [{ itemIdentifier: "m-2" }] });
        assert.equal((await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName))?.packageArn, v1);
        assert.deepEqual(await handleQueueBatch(batch, handle, h.deps.logger), { batchItemFailures: [] });
        assert.equal((await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName))?.packageArn, v2);
    });

    it("logs a malformed event with its field, publishes it, and returns without throwing (no retry loop)", async () => {
        const h = await harness();
        const v1 = (await registerPinnedVersion(h.world, h.store, "Approved")).arn;
        const event = packageEvent(h.world, v1, "Approved");
        delete event.detail.ModelPackageArn;
        const result = await run(h, event);
        assert.equal(result.outcome, "ignored");
        assert.deepEqual(h.calls, []);
        const [line] = h.deps.logger.lines;
        assert.equal(line.level, "error");
        assert.match(line.message, /detail\.ModelPackageArn is missing/);
        assert.equal(line.fields.field, "detail.ModelPackageArn");
        const [message] = await readInbox(h.world);
        assert.match(message.subject, /malformed/);
        for (const bad of [null, "text", { source: "aws.sagemaker", "detail-type": "SageMaker Model Package State Change", id: "x", detail: { ModelPackageGroupName: h.world.groupName, ModelPackageArn: v1, ModelApprovalStatus: "Maybe", ModelPackageStatus: "Completed" } }]) {
            assert.equal((await run(h, bad)).outcome, "ignored");
        }
    });
    describe("the Bytes question (artifacts and images pinned at registration)", () => {
        /** Everything an operator would look at after a refused deploy. */
        async function aftermath(h: Harness, arn: string) {
            const [audit] = await listDeployments(h.world.dynamodb, h.world.tableName, h.settings.endpointName);
            const stored = await readPins(h.world.dynamodb, h.world.tableName, arn);
            const inbox = await readInbox(h.world);
            return { audit, stored, inbox };
        }

        it("refuses an approved version whose model.tar.gz was overwritten: no endpoint change, a refusal in the ledger, a TAMPERED record, a notice naming old and new version id and ETag", async () => {
            const h = await harness();
            const v1 = await registerPinnedVersion(h.world, h.store, "Approved");
            const first = await run(h, packageEvent(h.world, v1.arn, "Approved"));
            assert.equal(first.outcome, "deployed", "an untouched version deploys as before");
            const v2 = await registerPinnedVersion(h.world, h.store, "PendingManualApproval");
            const put = await h.world.s3.send(new PutObjectCommand({ Bucket: h.store.bucket, Key: v2.key, Body: "someone else's weights" }));
            await setStatus(h.world, v2.arn, "Approved");
            await readInbox(h.world);
            h.calls.length = 0;
            updateMock.resetHistory();

            const batch = { Records: [{ messageId: "m-t", body: JSON.stringify(packageEvent(h.world, v2.arn, "Approved")) }] };
            assert.deepEqual(await handleQueueBatch(batch, (e) => run(h, e), h.deps.logger), { batchItemFailures: [] }, "final: not retried");
            assert.deepEqual(sagemakerWrites(h), []);
            assert.equal(updateMock.commandCalls(UpdateEndpointCommand).length, 0);
            assert.equal((await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName))?.packageArn, v1.arn);

            const pinned = v2.pins.artifacts[0];
            const change = `overwritten: pinned version ${pinned.versionId} etag "${pinned.etag}", now version ${put.VersionId} etag "${put.ETag!.replace(/"/g, "")}"`;
            const { audit, stored, inbox } = await aftermath(h, v2.arn);
            assert.equal(audit.outcome, "refused");
            assert.equal(audit.packageArn, v2.arn);
            assert.ok(audit.reason!.includes(change), audit.reason);
            assert.equal(stored.tampered.length, 1);
            assert.equal(stored.tampered[0].source, "deploy");
            assert.deepEqual(stored.tampered[0].changes.map((c) => [c.what, c.pinned?.versionId, c.now?.versionId]), [["overwritten", pinned.versionId, put.VersionId]]);
            assert.equal(inbox.length, 1);
            assert.match(inbox[0].subject, /Refused to deploy .* v2: ITS BYTES CHANGED/);
            assert.ok(inbox[0].message.includes(change), inbox[0].message);

            // Restoring the bytes does not bring it back: a version whose bytes changed is never deployed again.
            await h.world.s3.send(new PutObjectCommand({ Bucket: h.store.bucket, Key: v2.key, Body: "weights of the original training" }));
            const again = await run(h, packageEvent(h.world, v2.arn, "Approved"));
            assert.equal(again.outcome, "refused");
            assert.ok("reason" in again && /found by deploy at/.test(again.reason));
            assert.equal((await readPins(h.world.dynamodb, h.world.tableName, v2.arn)).tampered.length, 1, "recorded once");
        });

        it("refuses an approved version whose image tag was re-pushed (another digest), naming both digests", async () => {
            const h = await harness();
            const v1 = await registerPinnedVersion(h.world, h.store, "Approved");
            const pushed = await h.store.ecr.send(new PutImageCommand({ repositoryName: h.store.repository, imageManifest: manifest("f"), imageTag: v1.tag }));
            const now = pushed.image!.imageId!.imageDigest!;
            assert.notEqual(now, v1.pins.images[0].digest, "moto moved the tag");

            const result = await run(h, packageEvent(h.world, v1.arn, "Approved"));
            assert.equal(result.outcome, "refused");
            assert.deepEqual(sagemakerWrites(h), []);
            assert.equal(await currentDeployment(h.world.dynamodb, h.world.tableName, h.settings.endpointName), undefined);
            const change = `image ${v1.image} tag moved: pinned ${v1.pins.images[0].digest}, now ${now}`;
            const { audit, stored, inbox } = await aftermath(h, v1.arn);
            assert.equal(audit.outcome, "refused");
            assert.ok(audit.reason!.includes(change), audit.reason);
            assert.deepEqual(stored.tampered.map((t) => [t.source, t.changes[0].what]), [["deploy", "tag-moved"]]);
            assert.ok(inbox[0].message.includes(change), inbox[0].message);
        });

        it("rolls back past a previous version whose artifact was deleted, like a rejected one", async () => {
            const h = await harness();
            const v1 = await registerPinnedVersion(h.world, h.store, "Approved");
            await run(h, packageEvent(h.world, v1.arn, "Approved"));
            const v2 = await registerPinnedVersion(h.world, h.store, "Approved");
            await run(h, packageEvent(h.world, v2.arn, "Approved"));
            const v3 = await registerPinnedVersion(h.world, h.store, "Approved");
            await run(h, packageEvent(h.world, v3.arn, "Approved"));
            await h.world.s3.send(new DeleteObjectCommand({ Bucket: h.store.bucket, Key: v2.key }));
            await setStatus(h.world, v3.arn, "Rejected", "latency regression");
            await readInbox(h.world);

            const result = await run(h, packageEvent(h.world, v3.arn, "Rejected"));
            assert.equal(result.outcome, "rolled-back");
            assert.ok("record" in result && result.record.packageArn === v1.arn);
            const [notice] = await readInbox(h.world);
            assert.match(notice.message, /\/2 \(status: Approved\) is not deployable: its bytes changed .* deleted/);
            assert.deepEqual((await readPins(h.world.dynamodb, h.world.tableName, v2.arn)).tampered.map((t) => t.changes[0].what), ["deleted"]);
        });

        it("waits for the pins of a version registered moments ago; refuses one never pinned, and names the fix", async () => {
            const h = await harness();
            const unpinned = await registerVersion(h.world, "Approved");
            await assert.rejects(run(h, packageEvent(h.world, unpinned, "Approved")), (e: Error) => e instanceof RetryableError && /waiting up to 900 s for its pins/.test(e.message));
            // An hour later the registration handler has long given up: a refusal, not a queue held until its DLQ.
            h.deps = { ...h.deps, now: () => new Date(Date.now() + 3_600_000) };
            const result = await run(h, packageEvent(h.world, unpinned, "Approved"));
            assert.equal(result.outcome, "refused");
            assert.ok("reason" in result && /no artifact pins are recorded .* register the version again/.test(result.reason));
            assert.deepEqual(sagemakerWrites(h), []);
        });
    });
});
