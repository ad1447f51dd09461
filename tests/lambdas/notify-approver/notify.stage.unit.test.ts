/**
 * notify-approver in promotion environments (clients mocked): every environment pins at registration; the first
 * stage's approvers are asked then, a later stage's once the previous stage has deployed the version.
 */
import { strict as assert } from "assert";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeModelPackageCommand, SageMakerClient, type DescribeModelPackageCommandOutput, type ModelLifeCycle } from "@aws-sdk/client-sagemaker";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { handlePendingEvent, type NotifySettings } from "../../../lambdas/notify-approver/notify";
import { TransientPinningError } from "../../../lambdas/notify-approver/pinning";
import { settingsFromEnv } from "../../../lambdas/notify-approver/settings";
import { snsPublisher } from "../../../lambdas/shared/publish";
import { FIXTURE_GROUP, loadEvent } from "../../fixtures/events";
import { pinItem, pinsOf } from "../deploy-approved/bytesDoubles";
import { liveItem } from "../deploy-approved/mockedDeploy";
import { recordingLogger } from "../world";

const dynamodb = new DynamoDBClient({ region: "us-east-2" });
const s3 = new S3Client({ region: "us-east-2" });
const sns = new SNSClient({ region: "us-east-2" });
const sagemaker = new SageMakerClient({ region: "us-east-2" });
const ecr = new ECRClient({ region: "us-east-2" });
const [ddb, bucket, topic, registry, images] = [mockClient(dynamodb), mockClient(s3), mockClient(sns), mockClient(sagemaker), mockClient(ecr)];

const ORDER = ["Staging", "Production"];
const settingsFor = (environment: string, stage: string): NotifySettings => ({
    environment, groupName: FIXTURE_GROUP, endpointName: `sagemaker-approval-gate-${environment}-endpoint`, ledgerTableName: "t", region: "us-east-2", stage: { stage, order: ORDER },
});
const staging = settingsFor("staging", "Staging");
const prod = settingsFor("prod", "Production");
const REPORTS: Record<string, string> = {
    "s3://reports/v2.json": JSON.stringify({ regression_metrics: { mse: { value: 3.5 } } }),
    "s3://reports/v1.json": JSON.stringify({ regression_metrics: { mse: { value: 4.25 } } }),
};
const reports = { read: async (uri: string) => REPORTS[uri] ?? Promise.reject(new Error(`no report at ${uri}`)) };
const deps = () => ({ dynamodb, reports, publisher: snsPublisher(sns, "arn:aws:sns:us-east-2:111111111111:t"), sagemaker, s3, ecr, logger: recordingLogger(), now: () => new Date("2026-12-02T12:00:00Z") });

const pending = loadEvent("model-package-pending");
const ARN: string = pending.detail.ModelPackageArn;
const V1 = ARN.replace(/\/2$/, "/1");
const IMAGE = "111111111111.dkr.ecr.us-east-2.amazonaws.com/serve:v1";
const MODEL_DATA = "s3://registry-artifacts/pipelines/exec-1/TrainModel/output/model.tar.gz";
const deployedToStaging: ModelLifeCycle = { Stage: "Staging", StageStatus: "Deployed", StageDescription: "deployed to staging" };

function livePackage(overrides: Partial<DescribeModelPackageCommandOutput> = {}): DescribeModelPackageCommandOutput {
    return {
        $metadata: {},
        ModelPackageArn: ARN,
        ModelPackageGroupName: FIXTURE_GROUP,
        ModelApprovalStatus: "PendingManualApproval",
        ModelPackageStatus: "Completed",
        CreationTime: new Date("2026-12-02T10:00:00.500Z"),
        InferenceSpecification: { Containers: [{ Image: IMAGE, ModelDataUrl: MODEL_DATA }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
        ...overrides,
    } as DescribeModelPackageCommandOutput;
}

/** Staging's Deployed mark, as SageMaker reports it (the event mirrors DescribeModelPackage). */
function awaitingEvent(lifeCycle: ModelLifeCycle = deployedToStaging) {
    return { ...pending, id: "evt-deployed-staging", detail: { ...pending.detail, ModelApprovalStatus: "Approved", ModelLifeCycle: lifeCycle, ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: "s3://reports/v2.json" } } } } };
}

const published = () => topic.commandCalls(PublishCommand).map((c) => c.args[0].input);

describe("notify-approver in promotion environments (mocked clients)", () => {
    beforeEach(() => {
        for (const mock of [ddb, bucket, topic, registry, images]) mock.reset();
        ddb.on(PutItemCommand).resolves({});
        ddb.on(GetItemCommand).resolves({});
        ddb.on(QueryCommand).resolves({ Items: [] });
        ddb.on(TransactWriteItemsCommand).resolves({});
        bucket.on(HeadObjectCommand).resolves({ VersionId: "v-1", ETag: '"etag-1"', LastModified: new Date("2026-12-02T10:00:00Z") });
        images.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: "v1", imageDigest: `sha256:${"1".repeat(64)}` } }], failures: [] });
        registry.on(DescribeModelPackageCommand).resolves(livePackage());
        topic.on(PublishCommand).resolves({});
    });

    it("first stage: pins and asks its approvers at registration, with the stage command run in the registry account", async () => {
        const result = await handlePendingEvent(pending, staging, deps());
        assert.ok(result.outcome === "notified" && result.approvable && result.pinWrite === "written", JSON.stringify(result));
        const [notice] = published();
        assert.equal(notice.Subject, `[staging] Approval needed for Staging: ${FIXTURE_GROUP} v2`);
        assert.match(notice.Message!, /waiting for your approval for Staging \(staging\)\./);
        assert.match(notice.Message!, new RegExp(`approvals -- approve ${FIXTURE_GROUP}/2 --stage Staging --comment "<why>" \\(in the registry account\\)`));
        // The first stage's approval sets the approval status too (planStageChange k = 0).
        assert.match(notice.Message!, /--model-life-cycle 'Stage=Staging,StageStatus=Approved,StageDescription="<why>"' --model-approval-status Approved/);
    });

    it("later stage: pins at registration and asks nobody yet", async () => {
        const result = await handlePendingEvent(pending, prod, deps());
        assert.deepEqual(result, { outcome: "pinned", pinWrite: "written", problems: [] });
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 1, "this environment's own pins");
        assert.equal(published().length, 0);
        assert.equal(ddb.commandCalls(PutItemCommand).length, 0, "no notification claimed");
    });

    it("later stage: asks its approvers once the previous stage has deployed it, with this stage's live version's metrics and the pins of record", async () => {
        registry.on(DescribeModelPackageCommand).resolves(livePackage({ ModelApprovalStatus: "Approved", ModelLifeCycle: deployedToStaging }));
        ddb.on(QueryCommand).resolves({ Items: [pinItem(pinsOf({ ...livePackage(), ModelPackageArn: ARN }))] });
        ddb.on(GetItemCommand).resolves({ Item: { ...liveItem(V1).Item, metricsS3Uri: { S: "s3://reports/v1.json" } } });
        const result = await handlePendingEvent(awaitingEvent(), prod, deps());
        assert.ok(result.outcome === "notified" && result.approvable && result.pinWrite === "already-pinned", JSON.stringify(result));
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0, "nothing pinned after approval");
        const [claim] = ddb.commandCalls(PutItemCommand);
        assert.equal(claim.args[0].input.Item!.sk.S, "STATE#AwaitingStage:Production#Completed");
        const [notice] = published();
        assert.equal(notice.Subject, `[prod] Approval needed for Production: ${FIXTURE_GROUP} v2`);
        assert.match(notice.Message!, /for Production \(prod\)\. It is live in Staging\./);
        assert.match(notice.Message!, /regression_metrics\.mse\.value\s+3\.5\s+4\.25/);
        assert.match(notice.Message!, /live \(v1\)/);
        assert.match(notice.Message!, /--stage Production/);
        assert.doesNotMatch(notice.Message!, /--model-approval-status/, "a later stage sets the lifecycle only");
        assert.match(notice.Message!, new RegExp(`model.tar.gz ${MODEL_DATA}: version v1`));
    });

    it("does not ask about a version that no longer awaits this stage (a late event), and retries a throttled check", async () => {
        registry.on(DescribeModelPackageCommand).resolves(livePackage({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Production", StageStatus: "Approved" } }));
        const late = await handlePendingEvent(awaitingEvent(), prod, deps());
        assert.ok(late.outcome === "ignored" && /no longer awaits approval after Staging.*Production: Approved/.test(late.reason), JSON.stringify(late));
        assert.equal(published().length, 0);
        registry.on(DescribeModelPackageCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
        await assert.rejects(handlePendingEvent(awaitingEvent(), prod, deps()), TransientPinningError);
        assert.equal(published().length, 0);
        assert.equal(ddb.commandCalls(DeleteItemCommand).length, 0, "nothing claimed before the check");
    });

    it("tells later-stage approvers when this environment has no pins of record: no deploy here will accept it", async () => {
        registry.on(DescribeModelPackageCommand).resolves(livePackage({ ModelApprovalStatus: "Approved", ModelLifeCycle: deployedToStaging }));
        const result = await handlePendingEvent(awaitingEvent(), prod, deps());
        assert.ok(result.outcome === "notified" && !result.approvable && result.pinWrite === "not-pinned");
        assert.match(published()[0].Subject!, /^\[prod\] NOT APPROVABLE for Production/);
        assert.match(result.problems.join(" "), /no pins of record/);
    });

    it("ignores lifecycle moments that are not its own", async () => {
        for (const [lc, settings] of [
            [{ Stage: "Production", StageStatus: "Approved" }, prod],
            [{ Stage: "Staging", StageStatus: "Approved" }, prod],
            [deployedToStaging, staging],
        ] as const) {
            const result = await handlePendingEvent(awaitingEvent(lc), settings, deps());
            assert.equal(result.outcome, "ignored", `${lc.Stage}/${lc.StageStatus} in ${settings.environment}`);
        }
        assert.equal(published().length, 0);
        assert.equal(registry.commandCalls(DescribeModelPackageCommand).length, 0);
    });

    it("reads STAGE and STAGE_ORDER (absent: all-in-one)", () => {
        const env = { ENVIRONMENT: "prod", MODEL_PACKAGE_GROUP_NAME: "g", ENDPOINT_NAME: "e", LEDGER_TABLE_NAME: "t", AWS_REGION: "us-east-1" };
        assert.equal(settingsFromEnv(env).stage, undefined);
        assert.deepEqual(settingsFromEnv({ ...env, STAGE: "Production", STAGE_ORDER: "Staging,Production" }).stage, { stage: "Production", order: ORDER });
        assert.throws(() => settingsFromEnv({ ...env, STAGE: "Production" }), /STAGE_ORDER is not set/);
    });
});
