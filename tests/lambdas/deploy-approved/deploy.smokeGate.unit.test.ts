/**
 * deploy-approved in a promotion environment with the smoke test on (MARK_DEPLOYED_AFTER_SMOKE_TEST): the stage is
 * marked Deployed only once the smoke test of this very deployment passed (lambdas/deploy-approved/smokeGate.ts), so
 * the next stage's approvers are asked only about a version that passed. Clients mocked.
 */
import { strict as assert } from "assert";
import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { DescribeEndpointCommand, DescribeModelPackageCommand, UpdateModelPackageCommand, type ModelLifeCycle } from "@aws-sdk/client-sagemaker";
import { PublishCommand } from "@aws-sdk/client-sns";
import { handleModelPackageEvent } from "../../../lambdas/deploy-approved/deploy";
import { settingsFromEnv } from "../../../lambdas/deploy-approved/settings";
import { EnvironmentError } from "../../../lambdas/shared/env";
import { RetryableError } from "../../../lambdas/shared/errors";
import { smokeKey } from "../../../lambdas/smoke-test/record";
import { loadEvent } from "../../fixtures/events";
import { deploySettings, liveItem, mockedDeployClients } from "./mockedDeploy";

const world = mockedDeployClients();
const { sm, ddb, topic, bytes, deps } = world;

const STAGE = { stage: "Staging", order: ["Staging", "Production"] } as const;
const settings = { ...deploySettings("staging"), stage: STAGE, markDeployedAfterSmokeTest: true };
const base = loadEvent("model-package-approved");
const ARN: string = base.detail.ModelPackageArn;
const CONFIG = "sagemaker-approval-gate-staging-v2-bbbbbbbb";
const approvedForStaging: ModelLifeCycle = { Stage: "Staging", StageStatus: "Approved", StageDescription: "beats live" };
const event = { ...base, detail: { ...base.detail, ModelLifeCycle: approvedForStaging } };

/** The ledger's smoke result of this deployment, as lambdas/smoke-test/record.ts writes it. */
function smokeItem(status: string, extra: Record<string, { S: string }> = {}) {
    return { Item: { ...smokeKey(ARN, CONFIG), status: { S: status }, packageArn: { S: ARN }, endpointConfigName: { S: CONFIG }, reason: { S: "1 payload(s) answered as expected" }, notified: { BOOL: true }, ...extra } };
}

describe("deploy-approved: Deployed only after the smoke test passed (mocked clients)", () => {
    beforeEach(() => {
        world.reset();
        bytes.untouched(ddb, { ...base.detail, ModelApprovalStatus: "Approved", ModelPackageStatus: "Completed", ModelLifeCycle: approvedForStaging });
        topic.on(PublishCommand).resolves({ MessageId: "m" });
        ddb.on(PutItemCommand).resolves({});
        ddb.on(TransactWriteItemsCommand).resolves({});
        // The version is live on this deployment (a redelivery after the rollout), the endpoint InService on it.
        ddb.on(GetItemCommand).resolves({ Item: { ...liveItem(ARN).Item, endpointConfigName: { S: CONFIG } } });
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: CONFIG });
        sm.on(DescribeModelPackageCommand).resolves({ ...base.detail, ModelApprovalStatus: "Approved", ModelLifeCycle: approvedForStaging });
        sm.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
    });

    it("waits (retry, no mark) while there is no smoke result, or a run holds the lease", async () => {
        for (const answer of [{}, smokeItem("testing")]) {
            ddb.on(GetItemCommand, { Key: smokeKey(ARN, CONFIG) }).resolves(answer);
            await assert.rejects(handleModelPackageEvent(event, settings, deps()), (e: Error) => e instanceof RetryableError && /Staging is marked Deployed once its smoke test passed/.test(e.message));
        }
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
        const smokeReads = ddb.commandCalls(GetItemCommand).filter((c) => c.args[0].input.Key?.pk?.S === `SMOKE#${ARN}`);
        assert.ok(smokeReads.length >= 2 && smokeReads.every((c) => c.args[0].input.ConsistentRead === true));
    });

    it("marks Deployed once the smoke test of this deployment passed", async () => {
        ddb.on(GetItemCommand, { Key: smokeKey(ARN, CONFIG) }).resolves(smokeItem("passed"));
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.ok(result.outcome === "already-live" && result.stageMark?.outcome === "marked", JSON.stringify(result));
        const [mark] = sm.commandCalls(UpdateModelPackageCommand);
        assert.deepEqual([mark.args[0].input.ModelLifeCycle?.Stage, mark.args[0].input.ModelLifeCycle?.StageStatus], ["Staging", "Deployed"]);
    });

    it("never marks a deployment whose smoke test failed or could not run, and lets the queue move on (no retry)", async () => {
        for (const [status, outcome, pattern] of [
            ["failed", "smoke-failed", /smoke test failed on .*NOT marked Deployed and the next stage is not asked/],
            ["not-run", "smoke-not-run", /could not run .*an untested version is not promoted/],
        ] as const) {
            ddb.on(GetItemCommand, { Key: smokeKey(ARN, CONFIG) }).resolves(smokeItem(status, { failingPayload: { S: "config[0]" } }));
            const result = await handleModelPackageEvent(event, settings, deps());
            assert.ok(result.outcome === "already-live" && result.stageMark?.outcome === outcome, JSON.stringify(result));
            assert.match(result.stageMark!.reason, pattern);
        }
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
    });

    it("without the setting (smoke test off) marks at InService, reading no smoke result", async () => {
        const result = await handleModelPackageEvent(event, { ...settings, markDeployedAfterSmokeTest: false }, deps());
        assert.ok(result.outcome === "already-live" && result.stageMark?.outcome === "marked");
        assert.equal(ddb.commandCalls(GetItemCommand).filter((c) => c.args[0].input.Key?.pk?.S?.startsWith("SMOKE#")).length, 0);
    });

    it("reads MARK_DEPLOYED_AFTER_SMOKE_TEST: true only with a stage; anything but true/false fails loudly", () => {
        const env = {
            ENVIRONMENT: "staging", MODEL_PACKAGE_GROUP_NAME: "g", ENDPOINT_NAME: "e", RESOURCE_PREFIX: "p", LEDGER_TABLE_NAME: "t", REGISTRY_ACCOUNT_ID: "111111111111",
            MODEL_EXECUTION_ROLE_ARN: "r", INSTANCE_TYPE: "ml.m5.large", STAGE: "Staging", STAGE_ORDER: "Staging,Production",
        };
        assert.equal(settingsFromEnv(env).markDeployedAfterSmokeTest, undefined);
        assert.equal(settingsFromEnv({ ...env, MARK_DEPLOYED_AFTER_SMOKE_TEST: "false" }).markDeployedAfterSmokeTest, undefined);
        assert.equal(settingsFromEnv({ ...env, MARK_DEPLOYED_AFTER_SMOKE_TEST: "true" }).markDeployedAfterSmokeTest, true);
        const fails = (extra: Record<string, string | undefined>, pattern: RegExp) => assert.throws(() => settingsFromEnv({ ...env, ...extra }), (e: Error) => e instanceof EnvironmentError && pattern.test(e.message));
        fails({ MARK_DEPLOYED_AFTER_SMOKE_TEST: "yes" }, /MARK_DEPLOYED_AFTER_SMOKE_TEST is "yes"; expected true or false/);
        fails({ MARK_DEPLOYED_AFTER_SMOKE_TEST: "true", STAGE: undefined, STAGE_ORDER: undefined }, /is true but STAGE is not set/);
    });
});
