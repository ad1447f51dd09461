/**
 * Promotion end to end in moto with three accounts (./promotionWorld.ts): versions registered in the registry
 * account, approved per stage as the approvals CLI does it (planStageChange), deployed by each environment's deploy
 * function acting in its own account, marked Deployed in the registry, and rolled back on a stage rejection.
 * Events are built from the live package (SageMaker emits none in moto) and handed to the handlers' logic.
 */
import { strict as assert } from "assert";
import { DescribeEndpointCommand, DescribeModelCommand, DescribeModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { handleModelPackageEvent } from "../../lambdas/deploy-approved/deploy";
import { handlePendingEvent } from "../../lambdas/notify-approver/notify";
import { currentDeployment } from "../../lambdas/shared/ledger";
import { stageHistory } from "../../policies/lib/approvalStage";
import { createPromotionWorld, decide, eventNow, registerVersion, type Environment, type PromotionWorld } from "./promotionWorld";

describe("promotion across accounts (registry 111111111111 → Staging 222222222222 → Production 333333333333) against moto", function () {
    this.timeout(120_000);
    let world: PromotionWorld;
    let v1: string;
    let v2: string;
    const deploy = async (env: Environment, arn: string) => handleModelPackageEvent(await eventNow(world, arn), env.deploySettings, env.deployDeps);
    const notify = async (env: Environment, arn: string) => handlePendingEvent(await eventNow(world, arn), env.notifySettings, env.notifyDeps);
    const lifeCycle = async (arn: string) => {
        const lc = (await world.registry.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).ModelLifeCycle;
        return lc && `${lc.Stage}:${lc.StageStatus}`;
    };
    const live = async (env: Environment) => (await currentDeployment(env.dynamodb, env.deploySettings.ledgerTableName, env.deploySettings.endpointName))?.packageArn;

    /** A version all the way through: registered, pinned everywhere, approved and deployed stage by stage. */
    async function promoteThroughBothStages(arn: string): Promise<void> {
        assert.equal((await notify(world.staging, arn)).outcome, "notified");
        assert.equal((await notify(world.prod, arn)).outcome, "pinned");
        await decide(world, arn, "approve", "Staging", "good on the holdout set");
        assert.equal((await deploy(world.staging, arn)).outcome, "deployed");
        assert.equal(await lifeCycle(arn), "Staging:Deployed");
        assert.equal((await notify(world.prod, arn)).outcome, "notified");
        await decide(world, arn, "approve", "Production", "staging looked fine");
        const prod = await deploy(world.prod, arn);
        assert.ok(prod.outcome === "deployed" && prod.stageMark?.outcome === "marked", JSON.stringify(prod));
        assert.equal(await lifeCycle(arn), "Production:Deployed");
    }

    before(async () => {
        world = await createPromotionWorld();
        v1 = await registerVersion(world, 4.5);
        await promoteThroughBothStages(v1);
        await Promise.all([world.staging.inbox(), world.prod.inbox()]);
        v2 = await registerVersion(world, 3.9);
    });
    after(() => world.proxy.close());

    it("registration: Staging's approvers are asked, Production only pins", async () => {
        const staging = await notify(world.staging, v2);
        assert.ok(staging.outcome === "notified" && staging.approvable, JSON.stringify(staging));
        assert.match(staging.body, /--stage Staging/);
        assert.deepEqual(await notify(world.prod, v2), { outcome: "pinned", pinWrite: "written", problems: [] });
        assert.deepEqual((await world.prod.inbox()).length, 0);
    });

    it("Staging deploys a version approved for Staging, in its own account, and marks Staging Deployed in the registry", async () => {
        await decide(world, v2, "approve", "Staging", "mse 3.9 beats 4.5");
        assert.equal(await lifeCycle(v2), "Staging:Approved");
        const result = await deploy(world.staging, v2);
        assert.ok(result.outcome === "deployed" && result.stageMark?.outcome === "marked", JSON.stringify(result));
        assert.equal(await lifeCycle(v2), "Staging:Deployed");
        const { endpointName } = world.staging.deploySettings;
        const endpoint = await world.staging.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
        assert.equal(endpoint.EndpointConfigName, result.record.endpointConfigName, "the blue/green update went through");
        const model = await world.staging.sagemaker.send(new DescribeModelCommand({ ModelName: result.record.modelName! }));
        assert.equal(model.PrimaryContainer?.ModelPackageName, v2, "the registry's package, by ARN");
        await assert.rejects(world.prod.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })), "staging's endpoint is not in the prod account");
        assert.equal(await live(world.staging), v2);
        assert.deepEqual(world.proxy.endpointUpdates.map((u) => u.accountId).slice(-1), [world.staging.accountId]);
        // A duplicate event writes nothing more.
        const again = await deploy(world.staging, v2);
        assert.ok(again.outcome === "already-live" && again.stageMark?.outcome === "already", JSON.stringify(again));
    });

    it("Production refuses it until it is approved for Production, with the stage reason", async () => {
        const refused = await deploy(world.prod, v2);
        assert.equal(refused.outcome, "refused");
        assert.ok("reason" in refused && /approved only up to Staging.*not yet for Production/.test(refused.reason), JSON.stringify(refused));
        assert.equal(await live(world.prod), v1, "prod still runs v1");
        assert.ok((await world.prod.inbox()).some((s) => /Refused to deploy .* v2/.test(s)));
    });

    it("Staging's Deployed mark asks Production's approvers, beside Production's live version", async () => {
        const asked = await notify(world.prod, v2);
        assert.ok(asked.outcome === "notified" && asked.approvable, JSON.stringify(asked));
        assert.match(asked.subject, /^\[prod\] Approval needed for Production: /);
        assert.match(asked.body, /regression_metrics\.mse\.value\s+3\.9\s+4\.5/);
        assert.match(asked.body, /live \(v1\)/);
        assert.equal((await notify(world.prod, v2)).outcome, "duplicate");
    });

    it("approved for Production, it is deployed to prod and marked; the registry keeps the trail", async () => {
        await decide(world, v2, "approve", "Production", "staging looked fine");
        const result = await deploy(world.prod, v2);
        assert.ok(result.outcome === "deployed" && result.stageMark?.outcome === "marked", JSON.stringify(result));
        assert.equal(await live(world.prod), v2);
        assert.equal(await lifeCycle(v2), "Production:Deployed");
        const props = (await world.registry.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: v2 }))).CustomerMetadataProperties;
        assert.deepEqual(stageHistory(props).map((h) => `${h.stage}:${h.status}:${h.by}`), [
            "Staging:Approved:arn:aws:sts::111111111111:assumed-role/approver/alice",
            "Staging:Deployed:deploy-approved@staging",
            "Production:Approved:arn:aws:sts::111111111111:assumed-role/approver/alice",
            "Production:Deployed:deploy-approved@prod",
        ]);
    });

    it("rejected for Production: prod rolls back to v1, staging keeps v2", async () => {
        await decide(world, v2, "reject", "Production", "p99 latency regressed");
        assert.equal(await lifeCycle(v2), "Production:Rejected");
        const prod = await deploy(world.prod, v2);
        assert.equal(prod.outcome, "rolled-back");
        assert.ok(prod.outcome === "rolled-back" && prod.record.packageArn === v1, JSON.stringify(prod));
        assert.match(prod.record.reason!, /rejected for Production/);
        assert.equal(await live(world.prod), v1);
        const staging = await deploy(world.staging, v2);
        assert.equal(staging.outcome, "already-live", JSON.stringify(staging));
        assert.equal(await live(world.staging), v2, "another stage's rejection does not roll staging back");
    });
});
