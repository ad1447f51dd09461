/**
 * deploy-approved in a promotion environment (STAGE=Production, STAGE_ORDER=Staging,Production), clients mocked:
 * the Stage question, the Deployed mark after a deployment, and rollback on a stage rejection.
 */
import { strict as assert } from "assert";
import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import {
    CreateModelCommand,
    DescribeEndpointCommand,
    DescribeModelPackageCommand,
    UpdateEndpointCommand,
    UpdateModelPackageCommand,
    type ModelLifeCycle,
} from "@aws-sdk/client-sagemaker";
import { PublishCommand } from "@aws-sdk/client-sns";
import { handleModelPackageEvent, isRejection } from "../../../lambdas/deploy-approved/deploy";
import { settingsFromEnv } from "../../../lambdas/deploy-approved/settings";
import { StageMarkError } from "../../../lambdas/deploy-approved/stageMark";
import { EnvironmentError } from "../../../lambdas/shared/env";
import { RetryableError } from "../../../lambdas/shared/errors";
import { stageHistoryKey } from "../../../policies/lib/approvalStage";
import { loadEvent } from "../../fixtures/events";
import { deploySettings, liveItem, mockedDeployClients } from "./mockedDeploy";

const world = mockedDeployClients();
const { sm, ddb, topic, bytes, deps } = world;

const STAGE = { stage: "Production", order: ["Staging", "Production"] } as const;
const settings = { ...deploySettings("prod"), stage: STAGE };
const base = loadEvent("model-package-approved");
const ARN: string = base.detail.ModelPackageArn;
const V1 = ARN.replace(/\/2$/, "/1");
const V0 = ARN.replace(/\/2$/, "/0");
const OLD_CONFIG = "sagemaker-approval-gate-prod-v1-aaaaaaaa";

/** The event SageMaker sends when the version's lifecycle becomes `lifeCycle` (status Approved unless said). */
function eventWith(lifeCycle: ModelLifeCycle | undefined, status = "Approved") {
    return { ...base, detail: { ...base.detail, ModelApprovalStatus: status, ...(lifeCycle ? { ModelLifeCycle: lifeCycle } : {}) } };
}
function described(arn: string, lifeCycle: ModelLifeCycle | undefined, status = "Approved") {
    return { ...base.detail, ModelPackageArn: arn, ModelPackageVersion: Number(arn.split("/").pop()), ModelApprovalStatus: status, ModelPackageStatus: "Completed", LastModifiedTime: new Date("2021-02-24T17:00:14Z"), CustomerMetadataProperties: { "approval-gate:stage:Production:Approved": "2021-02-24T17:00:14.000Z alice ok" }, ...(lifeCycle ? { ModelLifeCycle: lifeCycle } : {}) };
}
const approvedForProd: ModelLifeCycle = { Stage: "Production", StageStatus: "Approved", StageDescription: "beats live" };
const updatedConfig = () => sm.commandCalls(UpdateEndpointCommand)[0]?.args[0].input.EndpointConfigName;

describe("deploy-approved in a promotion environment (mocked clients)", () => {
    beforeEach(() => {
        world.reset();
        bytes.untouched(ddb, ...[ARN, V1, V0].map((arn) => described(arn, undefined)));
        topic.on(PublishCommand).resolves({ MessageId: "m" });
        ddb.on(PutItemCommand).resolves({});
        ddb.on(TransactWriteItemsCommand).resolves({});
        ddb.on(GetItemCommand).resolves(liveItem(V1));
        sm.on(UpdateEndpointCommand).resolves({});
        sm.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
    });

    it("refuses a version approved only up to Staging, with the stage reason and the approver's next step; nothing created or marked", async () => {
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, { Stage: "Staging", StageStatus: "Deployed" }));
        const result = await handleModelPackageEvent(eventWith({ Stage: "Staging", StageStatus: "Deployed" }), settings, deps());
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result);
        assert.match(result.reason, /approved only up to Staging.*not yet for Production/);
        assert.match(result.reason, /--stage Production/);
        assert.equal(sm.commandCalls(CreateModelCommand).length, 0);
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
        assert.match(topic.commandCalls(PublishCommand)[0].args[0].input.Message!, /approved only up to Staging/);
    });

    it("deploys a version approved for Production, then marks Production Deployed on the registry's ARN (lifecycle and history only)", async () => {
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, approvedForProd));
        sm.on(DescribeEndpointCommand).resolvesOnce({ EndpointStatus: "InService", EndpointConfigName: OLD_CONFIG }).callsFake(() => ({ EndpointStatus: "InService", EndpointConfigName: updatedConfig() }));
        const result = await handleModelPackageEvent(eventWith(approvedForProd), settings, deps());
        assert.equal(result.outcome, "deployed");
        assert.ok(result.outcome === "deployed" && result.stageMark?.outcome === "marked");
        const [mark] = sm.commandCalls(UpdateModelPackageCommand);
        const input = mark.args[0].input;
        assert.equal(input.ModelPackageArn, ARN);
        assert.deepEqual({ Stage: input.ModelLifeCycle?.Stage, StageStatus: input.ModelLifeCycle?.StageStatus }, { Stage: "Production", StageStatus: "Deployed" });
        assert.match(input.ModelLifeCycle!.StageDescription!, new RegExp(`deployed to ${settings.endpointName}`));
        assert.equal(input.ModelApprovalStatus, undefined, "the deploy function never sets the approval status");
        assert.match(input.CustomerMetadataProperties![stageHistoryKey("Production", "Deployed")], /^2026-11-25T09:00:00.000Z deploy-approved@prod /);
        assert.equal(input.CustomerMetadataProperties!["approval-gate:stage:Production:Approved"], "2021-02-24T17:00:14.000Z alice ok", "the earlier trace is written back");
    });

    it("waits (retry) while the endpoint is still updating, and marks once the redelivery finds it InService on this deployment", async () => {
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, approvedForProd));
        sm.on(DescribeEndpointCommand).resolvesOnce({ EndpointStatus: "InService", EndpointConfigName: OLD_CONFIG }).resolves({ EndpointStatus: "Updating", EndpointConfigName: OLD_CONFIG });
        const event = eventWith(approvedForProd);
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), (e: Error) => e instanceof RetryableError && /rolling out \(endpoint Updating\).*marked Deployed once it is InService/.test(e.message));
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 1, "the deployment itself is recorded");
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
        const config = updatedConfig();
        ddb.on(GetItemCommand).resolves({ Item: { ...liveItem(ARN).Item, endpointConfigName: { S: config! }, eventId: { S: base.id } } });
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: config });
        const again = await handleModelPackageEvent(event, settings, deps());
        assert.equal(again.outcome, "already-live");
        assert.ok(again.outcome === "already-live" && again.stageMark?.outcome === "marked");
        assert.equal(sm.commandCalls(UpdateEndpointCommand).length, 1, "deployed once");
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 1);
    });

    it("writes nothing for a duplicate of a version already marked Deployed", async () => {
        const config = "sagemaker-approval-gate-prod-v2-bbbbbbbb";
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, { Stage: "Production", StageStatus: "Deployed" }));
        ddb.on(GetItemCommand).resolves({ Item: { ...liveItem(ARN).Item, endpointConfigName: { S: config } } });
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: config });
        const result = await handleModelPackageEvent(eventWith(approvedForProd), settings, deps());
        assert.ok(result.outcome === "already-live" && result.stageMark?.outcome === "already");
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
    });

    it("does not mark a deployment SageMaker rolled back (the endpoint runs another config), and says so", async () => {
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, approvedForProd));
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: OLD_CONFIG });
        const result = await handleModelPackageEvent(eventWith(approvedForProd), settings, deps());
        assert.ok(result.outcome === "deployed" && result.stageMark?.outcome === "not-held");
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
        assert.ok(topic.commandCalls(PublishCommand).some((c) => /did not stay live: Production not marked Deployed/.test(c.args[0].input.Subject!)));
    });

    it("retries a throttled mark, and turns a denied one into a final error naming the policy to fix", async () => {
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, approvedForProd));
        sm.on(DescribeEndpointCommand).resolvesOnce({ EndpointStatus: "InService", EndpointConfigName: OLD_CONFIG }).callsFake(() => ({ EndpointStatus: "InService", EndpointConfigName: updatedConfig() }));
        sm.on(UpdateModelPackageCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
        await assert.rejects(handleModelPackageEvent(eventWith(approvedForProd), settings, deps()), RetryableError);
        world.reset();
        bytes.untouched(ddb, described(ARN, undefined));
        ddb.on(GetItemCommand).resolves(liveItem(V1));
        ddb.on(TransactWriteItemsCommand).resolves({});
        topic.on(PublishCommand).resolves({ MessageId: "m" });
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, approvedForProd));
        sm.on(UpdateEndpointCommand).resolves({});
        sm.on(DescribeEndpointCommand).resolvesOnce({ EndpointStatus: "InService", EndpointConfigName: OLD_CONFIG }).callsFake(() => ({ EndpointStatus: "InService", EndpointConfigName: updatedConfig() }));
        sm.on(UpdateModelPackageCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
        await assert.rejects(
            handleModelPackageEvent(eventWith(approvedForProd), settings, deps()),
            (e: Error) => e instanceof StageMarkError && !(e instanceof RetryableError) && /NOT marked Deployed/.test(e.message) && /ModelLifeCycle \{Production, Deployed\}/.test(e.message),
        );
    });

    it("rolls back on a stage rejection of the live version, to the newest earlier version still deployable for Production", async () => {
        const rejected: ModelLifeCycle = { Stage: "Production", StageStatus: "Rejected", StageDescription: "latency" };
        sm.on(DescribeModelPackageCommand, { ModelPackageName: ARN }).resolves(described(ARN, rejected));
        // v1 got only as far as Staging: not deployable in Production, skipped. v0 passed Production.
        sm.on(DescribeModelPackageCommand, { ModelPackageName: V1 }).resolves(described(V1, { Stage: "Staging", StageStatus: "Deployed" }));
        sm.on(DescribeModelPackageCommand, { ModelPackageName: V0 }).resolves(described(V0, { Stage: "Production", StageStatus: "Deployed" }));
        ddb.on(GetItemCommand).resolves({ Item: { ...liveItem(ARN).Item, version: { N: "2" }, eventId: { S: "e-2" } } });
        const history = (arn: string, v: number, at: string) => ({ pk: { S: "x" }, sk: { S: `H#${at}` }, packageArn: { S: arn }, version: { N: String(v) }, eventId: { S: at }, outcome: { S: "deployed" }, deployedAt: { S: at } });
        bytes.history = [history(ARN, 2, "t2"), history(V1, 1, "t1"), history(V0, 0, "t0")];
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: "cfg-v2" });
        const result = await handleModelPackageEvent(eventWith(rejected), settings, deps());
        assert.equal(result.outcome, "rolled-back");
        assert.ok(result.outcome === "rolled-back" && result.record.packageArn === V0);
        assert.match(result.record.reason!, /was rejected for Production \("latency"\)/);
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0, "a rollback marks nothing");
        const notice = topic.commandCalls(PublishCommand).map((c) => c.args[0].input.Message!).join("\n");
        assert.match(notice, /Skipped, not deployable: [\s\S]*approved only up to Staging/);
    });

    it("ignores a stage rejection the package no longer has (re-approved since)", async () => {
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, approvedForProd));
        const result = await handleModelPackageEvent(eventWith({ Stage: "Production", StageStatus: "Rejected" }), settings, deps());
        assert.equal(result.outcome, "ignored");
        assert.ok("reason" in result && /deployable for Production now/.test(result.reason));
        assert.equal(sm.commandCalls(CreateModelCommand).length, 0);
    });

    it("acts on its own stage's rejection only; all-in-one acts on the status alone", () => {
        const lc = (Stage: string, StageStatus: string) => ({ stage: Stage, stageStatus: StageStatus });
        assert.equal(isRejection({ approvalStatus: "Approved", lifeCycle: lc("Production", "Rejected") }, settings), true);
        assert.equal(isRejection({ approvalStatus: "Approved", lifeCycle: lc("Staging", "Rejected") }, settings), false, "another stage's rejection");
        assert.equal(isRejection({ approvalStatus: "Rejected", lifeCycle: lc("Staging", "Approved") }, settings), true);
        assert.equal(isRejection({ approvalStatus: "Approved", lifeCycle: lc("Production", "Rejected") }, {}), false, "all-in-one: no Stage question");
    });

    it("never marks anything in the all-in-one layout", async () => {
        const allInOne = deploySettings("dev");
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, approvedForProd));
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: OLD_CONFIG });
        const result = await handleModelPackageEvent(eventWith(approvedForProd), allInOne, deps());
        assert.ok(result.outcome === "deployed" && result.stageMark === undefined);
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
    });

    it("reads STAGE and STAGE_ORDER, and fails loudly on a half or inconsistent stage configuration", () => {
        const env = {
            ENVIRONMENT: "prod", MODEL_PACKAGE_GROUP_NAME: "g", ENDPOINT_NAME: "e", RESOURCE_PREFIX: "p", LEDGER_TABLE_NAME: "t", REGISTRY_ACCOUNT_ID: "111111111111",
            MODEL_EXECUTION_ROLE_ARN: "r", INSTANCE_TYPE: "ml.m5.large",
        };
        assert.equal(settingsFromEnv(env).stage, undefined);
        assert.deepEqual(settingsFromEnv({ ...env, STAGE: "Production", STAGE_ORDER: "Staging, Production" }).stage, { stage: "Production", order: ["Staging", "Production"] });
        const fails = (extra: Record<string, string>, pattern: RegExp) => assert.throws(() => settingsFromEnv({ ...env, ...extra }), (e: Error) => e instanceof EnvironmentError && pattern.test(e.message));
        fails({ STAGE: "Production" }, /STAGE_ORDER is not set/);
        fails({ STAGE_ORDER: "Staging,Production" }, /STAGE is not set/);
        fails({ STAGE: "QA", STAGE_ORDER: "Staging,Production" }, /"QA", which is not in STAGE_ORDER/);
        fails({ STAGE: "Staging", STAGE_ORDER: "Staging,Production,Staging" }, /names "Staging" twice/);
    });
});
