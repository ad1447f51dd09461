/**
 * The smoke test in the promotion layout, end to end against moto with three accounts (../promotionWorld.ts): the
 * staging environment deploys a version approved for Staging; Staging is marked Deployed (which asks Production's
 * approvers) only after the smoke test of that deployment passed; a failure rejects Staging on the registry's
 * version (ModelLifeCycle, never ModelApprovalStatus), staging rolls back, and Production is never asked.
 * SageMaker goes through the lifecycle double, told what the registry's group policy admits: each environment's
 * deploy role {its stage, Deployed} and its smoke role {its stage, Rejected}. InvokeEndpoint is answered by the
 * SageMaker Runtime double (tests/helpers/sagemakerRuntimeDouble.ts).
 */
import { strict as assert } from "assert";
import { randomUUID } from "crypto";
import { DescribeModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { handleModelPackageEvent, type DeploySettings } from "../../../lambdas/deploy-approved/deploy";
import { handlePendingEvent } from "../../../lambdas/notify-approver/notify";
import { RetryableError } from "../../../lambdas/shared/errors";
import { currentDeployment } from "../../../lambdas/shared/ledger";
import type { SmokeSettings } from "../../../lambdas/smoke-test/settings";
import { handleEndpointEvent, type SmokeDeps } from "../../../lambdas/smoke-test/smoke";
import { stageHistory } from "../../../policies/lib/approvalStage";
import { loadEvent } from "../../fixtures/events";
import { startRuntimeDouble, type RuntimeDouble } from "../../helpers/sagemakerRuntimeDouble";
import { createPromotionWorld, decide, eventNow, ORDER, registerVersion, type Environment, type PromotionWorld } from "../promotionWorld";
import { recordingLogger } from "../world";

describe("smoke test in a promotion environment (Staging 222222222222, registry 111111111111) against moto", function () {
    this.timeout(120_000);
    let world: PromotionWorld;
    let double: RuntimeDouble;
    let deploySettings: DeploySettings;
    let smoke: SmokeSettings;
    let deps: SmokeDeps;
    let v1: string;

    const staging = () => world.staging;
    /** The deploy function on an event: the given one (a redelivery), else the one SageMaker would send now. */
    const deploy = async (arn: string, event?: Record<string, unknown>) => handleModelPackageEvent(event ?? (await eventNow(world, arn)), deploySettings, staging().deployDeps);
    const notify = async (env: Environment, arn: string) => handlePendingEvent(await eventNow(world, arn), env.notifySettings, env.notifyDeps);
    const registryPackage = (arn: string) => world.registry.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    const lifeCycle = async (arn: string) => {
        const lc = (await registryPackage(arn)).ModelLifeCycle;
        return lc && `${lc.Stage}:${lc.StageStatus}`;
    };
    const live = async () => (await currentDeployment(staging().dynamodb, deploySettings.ledgerTableName, deploySettings.endpointName))?.packageArn;
    /** The documented "SageMaker Endpoint State Change" InService event for staging's endpoint. */
    const inService = () => {
        const event = loadEvent("endpoint-in-service");
        event.id = randomUUID();
        event.account = staging().accountId;
        event.detail.EndpointName = deploySettings.endpointName;
        return event;
    };
    /** Approved for Staging and deployed: the approved event deploys, then waits for the smoke result (a retry, no mark). Returns that event (the queue redelivers it). */
    async function approvedAndDeployed(arn: string): Promise<Record<string, unknown>> {
        assert.equal((await notify(staging(), arn)).outcome, "notified");
        assert.equal((await notify(world.prod, arn)).outcome, "pinned");
        await decide(world, arn, "approve", "Staging", "beats the holdout");
        const approved = await eventNow(world, arn);
        await assert.rejects(deploy(arn, approved), (e: Error) => e instanceof RetryableError && /Staging is marked Deployed once its smoke test passed/.test(e.message));
        assert.equal(await live(), arn, "deployed: the ledger says it is live");
        assert.equal(await lifeCycle(arn), "Staging:Approved", "not marked Deployed before the smoke test");
        return approved;
    }

    before(async () => {
        world = await createPromotionWorld();
        // The registry's group policy (infra/lib/promotionPolicies.ts): besides each deploy role's {stage, Deployed},
        // each environment's smoke role may set {its stage, Rejected}.
        const [group] = world.proxy.sharing;
        const smokeRejects = ORDER.map((stage) => ({ accountId: (stage === "Staging" ? world.staging : world.prod).accountId, actions: ["UpdateModelPackage"] as const, lifeCycle: { stage, stageStatus: "Rejected" } }));
        world.proxy.sharing = [{ ...group, admits: [...group.admits, ...smokeRejects] }];
        deploySettings = { ...staging().deploySettings, markDeployedAfterSmokeTest: true };
        double = await startRuntimeDouble(staging().sagemaker);
        // What a deployed function gets: the SDK's per-service endpoint variable.
        process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = double.url;
        const runtime = new SageMakerRuntimeClient({ region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
        smoke = {
            environment: "staging",
            ledgerTableName: deploySettings.ledgerTableName,
            endpointName: deploySettings.endpointName,
            groupName: world.groupName,
            onFailure: "reject",
            payloads: [{ contentType: "text/csv", accept: "text/csv", body: "0,0,0,0,0,0,0,0,1,0" }],
            check: { kind: "numeric", min: 1, max: 30 },
            maxPayloads: 5,
            stage: { stage: "Staging", order: ORDER },
        };
        const { sagemaker, dynamodb, s3 } = staging();
        const { publisher } = staging().deployDeps;
        deps = { sagemaker, runtime, s3, dynamodb, publisher, logger: recordingLogger(), emitMetric: () => undefined, now: () => new Date(), token: randomUUID };
        v1 = await registerVersion(world, 4.5);
    });
    after(async () => {
        delete process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME;
        await double?.close();
        await world?.proxy.close();
    });

    it("pass: Staging is marked Deployed only after the smoke test passed, and then Production's approvers are asked", async () => {
        const approved = await approvedAndDeployed(v1);
        assert.notEqual((await notify(world.prod, v1)).outcome, "notified", "Production is not asked before the smoke test");
        double.serve(() => ({ status: 200, contentType: "text/csv", body: "9.53" }));
        const result = await handleEndpointEvent(inService(), smoke, deps);
        assert.equal(result.outcome, "passed", JSON.stringify(result));
        assert.equal(double.invocations.at(-1)?.endpointName, deploySettings.endpointName);
        // The redelivered approved message (the deploy queue's retry) now marks the stage.
        const redelivered = await deploy(v1, approved);
        assert.ok(redelivered.outcome === "already-live" && redelivered.stageMark?.outcome === "marked", JSON.stringify(redelivered));
        assert.equal(await lifeCycle(v1), "Staging:Deployed");
        const asked = await notify(world.prod, v1);
        assert.ok(asked.outcome === "notified" && /Approval needed for Production/.test(asked.subject), JSON.stringify(asked));
    });

    it("fail: the smoke role rejects Staging on the registry's version (not its status), staging rolls back, Production is never asked", async () => {
        const v2 = await registerVersion(world, 3.9);
        const approved = await approvedAndDeployed(v2);
        await Promise.all([staging().inbox(), world.prod.inbox()]);
        double.serve(() => ({ status: 500, contentType: "text/plain", body: "could not parse input" }));
        const result = await handleEndpointEvent(inService(), smoke, deps);
        assert.equal(result.outcome, "failed", JSON.stringify(result));
        assert.deepEqual(result.outcome === "failed" && result.rejection, { kind: "rejected", what: "Staging" });

        const pkg = await registryPackage(v2);
        assert.equal(pkg.ModelApprovalStatus, "Approved", "the version's status is the approvers' to change, not the machine's");
        assert.deepEqual([pkg.ModelLifeCycle?.Stage, pkg.ModelLifeCycle?.StageStatus], ["Staging", "Rejected"]);
        const last = stageHistory(pkg.CustomerMetadataProperties).at(-1);
        assert.deepEqual([last?.stage, last?.status, last?.by], ["Staging", "Rejected", "smoke-test@staging"]);
        assert.match(last?.note ?? "", /smoke test/i, JSON.stringify(last));
        assert.match(pkg.ModelLifeCycle?.StageDescription ?? "", /could not parse input/, "the stage says why");
        assert.deepEqual(
            stageHistory(pkg.CustomerMetadataProperties).map((h) => `${h.stage}:${h.status}`),
            ["Staging:Approved", "Staging:Rejected"],
            "the trail is kept",
        );
        assert.ok((await staging().inbox()).some((s) => /SMOKE TEST FAILED/.test(s)));

        // The redelivered approved message never marks it; the rejection event rolls staging back to v1.
        const redelivered = await deploy(v2, approved);
        // (The deploy function re-reads the live lifecycle first: Staging is Rejected, so it refuses; nothing is marked.)
        assert.ok(redelivered.outcome === "refused" && /Staging: Rejected/.test(redelivered.reason), JSON.stringify(redelivered));
        assert.equal(await lifeCycle(v2), "Staging:Rejected");
        const rolledBack = await deploy(v2);
        assert.ok(rolledBack.outcome === "rolled-back" && rolledBack.record.packageArn === v1, JSON.stringify(rolledBack));
        assert.equal(await live(), v1);
        assert.notEqual((await notify(world.prod, v2)).outcome, "notified", "Production's approvers are not asked about a version that failed Staging's smoke test");
        assert.ok(!(await world.prod.inbox()).some((s) => /Approval needed/.test(s)));
    });

    it("the smoke role may set only {its stage, Rejected}: the registry refuses it anything else", async () => {
        const v3 = await registerVersion(world, 3.7);
        await decide(world, v3, "approve", "Staging", "for the refusal case");
        // As if the smoke function tried to approve the next stage: the group policy admits no such update.
        const { UpdateModelPackageCommand } = await import("@aws-sdk/client-sagemaker");
        await assert.rejects(
            deps.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: v3, ModelLifeCycle: { Stage: "Production", StageStatus: "Approved" } })),
            (e: Error) => e.name === "AccessDeniedException",
        );
        await assert.rejects(deps.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: v3, ModelApprovalStatus: "Rejected" })), (e: Error) => e.name === "AccessDeniedException");
        assert.equal(await lifeCycle(v3), "Staging:Approved");
        assert.equal((await registryPackage(v3)).ModelApprovalStatus, "Approved");
    });
});
