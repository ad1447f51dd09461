/** notify-approver with mocked clients, and its pure message builder. */
import { strict as assert } from "assert";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { approvalMessage, flattenMetrics, parseReport } from "../../../lambdas/notify-approver/message";
import { handlePendingEvent, type NotifySettings } from "../../../lambdas/notify-approver/notify";
import { parseModelPackageEvent } from "../../../lambdas/shared/events";
import { snsPublisher, snsSubject } from "../../../lambdas/shared/publish";
import { s3ReportReader } from "../../../lambdas/shared/reports";
import { FIXTURE_GROUP, loadEvent } from "../../fixtures/events";
import { recordingLogger } from "../world";

const dynamodb = new DynamoDBClient({ region: "us-east-2" });
const s3 = new S3Client({ region: "us-east-2" });
const sns = new SNSClient({ region: "us-east-2" });
const ddb = mockClient(dynamodb);
const bucket = mockClient(s3);
const topic = mockClient(sns);
const settings: NotifySettings = { environment: "prod", groupName: FIXTURE_GROUP, endpointName: "sagemaker-approval-gate-prod-endpoint", ledgerTableName: "t" };
const deps = () => ({ dynamodb, reports: s3ReportReader(s3), publisher: snsPublisher(sns, "arn:aws:sns:us-east-2:123456789012:t"), logger: recordingLogger(), now: () => new Date() });

describe("notify-approver with mocked clients", () => {
    beforeEach(() => {
        ddb.reset();
        bucket.reset();
        topic.reset();
        ddb.on(PutItemCommand).resolves({});
        ddb.on(GetItemCommand).resolves({});
        bucket.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    });

    it("gives the idempotency claim back when publishing fails, and throws so Lambda retries", async () => {
        topic.on(PublishCommand).rejects(Object.assign(new Error("KMS key disabled"), { name: "KMSDisabledException" }));
        await assert.rejects(handlePendingEvent(loadEvent("model-package-pending"), settings, deps()), /KMS key disabled/);
        const [release] = ddb.commandCalls(DeleteItemCommand);
        assert.equal(release.args[0].input.Key?.pk.S, `NOTIFY#${loadEvent("model-package-pending").detail.ModelPackageArn}`);
        assert.equal(release.args[0].input.Key?.sk.S, "STATE#PendingManualApproval#Completed");
    });

    it("says the report could not be read (access denied) and still notifies", async () => {
        topic.on(PublishCommand).resolves({});
        const result = await handlePendingEvent(loadEvent("model-package-pending"), settings, deps());
        assert.equal(result.outcome, "notified");
        const [publish] = topic.commandCalls(PublishCommand);
        assert.match(publish.args[0].input.Message!, /could not be read \(AccessDenied: Access Denied\)/);
        assert.equal(publish.args[0].input.Subject, `[prod] Approval needed: ${FIXTURE_GROUP} v2`);
    });
});

describe("notify-approver message (pure)", () => {
    it("flattens numeric leaves of an evaluation report by path, ignoring text", () => {
        const metrics = flattenMetrics({ regression_metrics: { mse: { value: 4.2, standard_deviation: 0.5 }, name: "x" }, list: [1, 2] });
        assert.deepEqual([...metrics], [["regression_metrics.mse.value", 4.2], ["regression_metrics.mse.standard_deviation", 0.5], ["list.0", 1], ["list.1", 2]]);
        assert.ok("error" in parseReport('{"a": "text only"}', "s3://b/k"));
        assert.ok("error" in parseReport("not json", "s3://b/k"));
    });

    it("lists a live metric the new version lacks, and the other way round", () => {
        const event = parseModelPackageEvent(loadEvent("model-package-pending"));
        const { body } = approvalMessage({
            environment: "dev",
            event,
            metrics: { metrics: new Map([["mse", 3]]), s3Uri: "s3://b/new.json" },
            live: { packageArn: "arn:live", version: 1, metrics: { metrics: new Map([["rmse", 2]]), s3Uri: "s3://b/live.json" } },
        });
        assert.match(body, /mse\s+3\s+-\n/);
        assert.match(body, /rmse\s+-\s+2\n/);
        assert.match(body, /Pipeline execution: arn:aws:sagemaker:us-east-2:123456789012:pipeline\/versionedmp-p-idy6c3e1fiqj\/execution\/4r83jejmhorv/);
        assert.match(body, /https:\/\/us-east-2\.console\.aws\.amazon\.com\/sagemaker\/home\?region=us-east-2#\/model-registry\/model-package-groups\/versionedmp-p-idy6c3e1fiqj/);
    });

    it("keeps SNS subjects within 100 printable characters", () => {
        assert.equal(snsSubject("a".repeat(150)).length, 100);
        assert.equal(snsSubject("tab\there — ok"), "tab?here ? ok");
    });
});
