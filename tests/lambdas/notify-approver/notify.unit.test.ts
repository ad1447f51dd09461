/** notify-approver with mocked clients, and its pure message builder. */
import { strict as assert } from "assert";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeModelPackageCommand, SageMakerClient, type DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { approvalMessage, flattenMetrics, integrityLines, notApprovableLine, parseReport } from "../../../lambdas/notify-approver/message";
import { handlePendingEvent, type NotifySettings } from "../../../lambdas/notify-approver/notify";
import { livePackageProblem, transientObservationFailures, TransientPinningError, type RegistrationIntegrity } from "../../../lambdas/notify-approver/pinning";
import { parseModelPackageEvent } from "../../../lambdas/shared/events";
import { snsPublisher, snsSubject } from "../../../lambdas/shared/publish";
import { s3ReportReader } from "../../../lambdas/shared/reports";
import { FIXTURE_GROUP, loadEvent } from "../../fixtures/events";
import { recordingLogger } from "../world";

const dynamodb = new DynamoDBClient({ region: "us-east-2" });
const s3 = new S3Client({ region: "us-east-2" });
const sns = new SNSClient({ region: "us-east-2" });
const sagemaker = new SageMakerClient({ region: "us-east-2" });
const ecr = new ECRClient({ region: "us-east-2" });
const ddb = mockClient(dynamodb);
const bucket = mockClient(s3);
const topic = mockClient(sns);
const registry = mockClient(sagemaker);
const images = mockClient(ecr);
const settings: NotifySettings = { environment: "prod", groupName: FIXTURE_GROUP, endpointName: "sagemaker-approval-gate-prod-endpoint", ledgerTableName: "t", region: "us-east-2" };
const deps = () => ({ dynamodb, reports: s3ReportReader(s3), publisher: snsPublisher(sns, "arn:aws:sns:us-east-2:123456789012:t"), sagemaker, s3, ecr, logger: recordingLogger(), now: () => new Date() });

const PACKAGE_ARN: string = loadEvent("model-package-pending").detail.ModelPackageArn;
const OWN_IMAGE = "123456789012.dkr.ecr.us-east-2.amazonaws.com/serve:v1";
const DIGEST = `sha256:${"1".repeat(64)}`;
const MODEL_DATA = "s3://artifacts-bucket/pipelines/exec-1/TrainModel/output/model.tar.gz";
const throttled = () => Object.assign(new Error("Slow Down"), { name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 } });

function livePackage(overrides: Partial<DescribeModelPackageCommandOutput> = {}): DescribeModelPackageCommandOutput {
    return {
        $metadata: {},
        ModelPackageArn: PACKAGE_ARN,
        ModelPackageGroupName: FIXTURE_GROUP,
        ModelApprovalStatus: "PendingManualApproval",
        ModelPackageStatus: "Completed",
        CreationTime: new Date("2026-12-02T10:00:00.500Z"),
        InferenceSpecification: { Containers: [{ Image: OWN_IMAGE, ModelDataUrl: MODEL_DATA }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
        ...overrides,
    } as DescribeModelPackageCommandOutput;
}

describe("notify-approver with mocked clients", () => {
    beforeEach(() => {
        for (const mock of [ddb, bucket, topic, registry, images]) mock.reset();
        ddb.on(PutItemCommand).resolves({});
        ddb.on(GetItemCommand).resolves({});
        ddb.on(QueryCommand).resolves({ Items: [] });
        ddb.on(TransactWriteItemsCommand).resolves({});
        bucket.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
        bucket.on(HeadObjectCommand).resolves({ VersionId: "v-1", ETag: '"etag-1"', LastModified: new Date("2026-12-02T10:00:00Z") });
        registry.on(DescribeModelPackageCommand).resolves(livePackage());
        images.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: "v1", imageDigest: DIGEST } }], failures: [] });
        topic.on(PublishCommand).resolves({});
    });

    it("gives the idempotency claim back when publishing fails, and throws so Lambda retries", async () => {
        topic.on(PublishCommand).rejects(Object.assign(new Error("KMS key disabled"), { name: "KMSDisabledException" }));
        await assert.rejects(handlePendingEvent(loadEvent("model-package-pending"), settings, deps()), /KMS key disabled/);
        const [release] = ddb.commandCalls(DeleteItemCommand);
        assert.equal(release.args[0].input.Key?.pk.S, `NOTIFY#${PACKAGE_ARN}`);
        assert.equal(release.args[0].input.Key?.sk.S, "STATE#PendingManualApproval#Completed");
    });

    it("says the report could not be read (access denied) and still notifies", async () => {
        const result = await handlePendingEvent(loadEvent("model-package-pending"), settings, deps());
        assert.equal(result.outcome, "notified");
        const [publish] = topic.commandCalls(PublishCommand);
        assert.match(publish.args[0].input.Message!, /could not be read \(AccessDenied: Access Denied\)/);
        assert.equal(publish.args[0].input.Subject, `[prod] Approval needed: ${FIXTURE_GROUP} v2`);
    });

    it("pins the live package (not the event's copy) before publishing, and shows the pins", async () => {
        const result = await handlePendingEvent(loadEvent("model-package-pending"), settings, deps());
        assert.ok(result.outcome === "notified" && result.approvable && result.pinWrite === "written", JSON.stringify(result));
        assert.deepEqual(registry.commandCalls(DescribeModelPackageCommand).map((c) => c.args[0].input.ModelPackageName), [PACKAGE_ARN]);
        assert.deepEqual(bucket.commandCalls(HeadObjectCommand).map((c) => c.args[0].input), [{ Bucket: "artifacts-bucket", Key: "pipelines/exec-1/TrainModel/output/model.tar.gz" }]);
        const [write] = ddb.commandCalls(TransactWriteItemsCommand);
        const pins = JSON.parse(write.args[0].input.TransactItems![0].Put!.Item!.pins.S!);
        assert.deepEqual(pins.artifacts, [{ uri: MODEL_DATA, bucket: "artifacts-bucket", key: "pipelines/exec-1/TrainModel/output/model.tar.gz", versionId: "v-1", etag: "etag-1" }]);
        assert.deepEqual(pins.images, [{ image: OWN_IMAGE, digest: DIGEST, digestSource: "ecr" }]);
        const body = topic.commandCalls(PublishCommand)[0].args[0].input.Message!;
        assert.ok(body.includes(`  model.tar.gz ${MODEL_DATA}: version v-1 etag "etag-1"`), body);
        assert.ok(body.includes(`  image ${OWN_IMAGE}: ${DIGEST} (from ecr)`), body);
        assert.ok(!body.includes("257758044811"), "the event's image must not be what is pinned or shown");
        assert.doesNotMatch(body, /NOT APPROVABLE/);
    });

    it("throws on a throttled HeadObject (Lambda retries the event): nothing pinned, nothing sent, the claim given back", async () => {
        bucket.on(HeadObjectCommand).rejects(throttled());
        await assert.rejects(handlePendingEvent(loadEvent("model-package-pending"), settings, deps()), (e: Error) => e instanceof TransientPinningError && /SlowDown/.test(e.message));
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0);
        assert.equal(topic.commandCalls(PublishCommand).length, 0);
        assert.equal(ddb.commandCalls(DeleteItemCommand).length, 1);
    });

    it("throws on a throttled DescribeModelPackage; an access-denied one is final: notified, NOT APPROVABLE, nothing pinned", async () => {
        registry.on(DescribeModelPackageCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 400 } }));
        await assert.rejects(handlePendingEvent(loadEvent("model-package-pending"), settings, deps()), TransientPinningError);
        assert.equal(topic.commandCalls(PublishCommand).length, 0);

        registry.on(DescribeModelPackageCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 400 } }));
        const result = await handlePendingEvent(loadEvent("model-package-pending"), settings, deps());
        assert.ok(result.outcome === "notified" && !result.approvable && result.pinWrite === "not-pinned");
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0);
        const [publish] = topic.commandCalls(PublishCommand);
        assert.equal(publish.args[0].input.Subject, `[prod] NOT APPROVABLE: ${FIXTURE_GROUP} v2`);
        assert.match(publish.args[0].input.Message!, /NOT APPROVABLE: DescribeModelPackage .* failed: AccessDeniedException .*; production will refuse this version\./);
    });

    it("does not pin a version the registry no longer has pending (approved before it was pinned), and says so", async () => {
        registry.on(DescribeModelPackageCommand).resolves(livePackage({ ModelApprovalStatus: "Approved" }));
        const result = await handlePendingEvent(loadEvent("model-package-pending"), settings, deps());
        assert.ok(result.outcome === "notified" && !result.approvable);
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0);
        assert.match(result.problems[0], /is Approved\/Completed in the registry, not PendingManualApproval\/Completed, so it was not pinned/);
    });

    it("refuses to pin a package whose recorded ModelDataETag disagrees with the object", async () => {
        registry.on(DescribeModelPackageCommand).resolves(livePackage({ InferenceSpecification: { Containers: [{ Image: OWN_IMAGE, ModelDataUrl: MODEL_DATA, ModelDataETag: "registered-etag" }] } }));
        const result = await handlePendingEvent(loadEvent("model-package-pending"), settings, deps());
        assert.ok(result.outcome === "notified" && !result.approvable && result.pinWrite === "not-pinned");
        assert.match(result.body, /NOT APPROVABLE: .*has ETag "etag-1" but the package records "registered-etag"/);
        assert.match(result.body, /Nothing was pinned/);
    });

    it("refuses to pin a live package that answers no CreationTime (nothing to show the artifacts predate)", async () => {
        registry.on(DescribeModelPackageCommand).resolves(livePackage({ CreationTime: undefined }));
        const result = await handlePendingEvent(loadEvent("model-package-pending"), settings, deps());
        assert.ok(result.outcome === "notified" && !result.approvable && result.pinWrite === "not-pinned");
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0);
        assert.match(result.body, /NOT APPROVABLE: DescribeModelPackage .* answered no CreationTime/);
    });
});

describe("notify-approver message and pinning (pure)", () => {
    const event = parseModelPackageEvent(loadEvent("model-package-pending"));
    const pinned: RegistrationIntegrity = {
        pins: { packageArn: PACKAGE_ARN, pinnedAt: "2026-12-02T10:00:00.000Z", artifacts: [{ uri: MODEL_DATA, bucket: "artifacts-bucket", key: "k", versionId: "v-1", etag: "e" }], images: [{ image: OWN_IMAGE, digestSource: "none" }] },
        pinWrite: "already-pinned",
        problems: [],
        tampered: [],
    };

    it("flattens numeric leaves of an evaluation report by path, ignoring text", () => {
        const metrics = flattenMetrics({ regression_metrics: { mse: { value: 4.2, standard_deviation: 0.5 }, name: "x" }, list: [1, 2] });
        assert.deepEqual([...metrics], [["regression_metrics.mse.value", 4.2], ["regression_metrics.mse.standard_deviation", 0.5], ["list.0", 1], ["list.1", 2]]);
        assert.ok("error" in parseReport('{"a": "text only"}', "s3://b/k"));
        assert.ok("error" in parseReport("not json", "s3://b/k"));
    });

    it("lists a live metric the new version lacks, and the other way round", () => {
        const { body } = approvalMessage({
            environment: "dev",
            event,
            metrics: { metrics: new Map([["mse", 3]]), s3Uri: "s3://b/new.json" },
            live: { packageArn: "arn:live", version: 1, metrics: { metrics: new Map([["rmse", 2]]), s3Uri: "s3://b/live.json" } },
            integrity: pinned,
        });
        assert.match(body, /mse\s+3\s+-\n/);
        assert.match(body, /rmse\s+-\s+2\n/);
        assert.match(body, /Pipeline execution: arn:aws:sagemaker:us-east-2:123456789012:pipeline\/versionedmp-p-idy6c3e1fiqj\/execution\/4r83jejmhorv/);
        assert.match(body, /https:\/\/us-east-2\.console\.aws\.amazon\.com\/sagemaker\/home\?region=us-east-2#\/model-registry\/model-package-groups\/versionedmp-p-idy6c3e1fiqj/);
    });

    it("shows the pins of record, says when they were pinned earlier, and marks an image with no digest", () => {
        assert.deepEqual(integrityLines(pinned), [
            "  (pinned earlier, at 2026-12-02T10:00:00.000Z; a deploy refuses any other bytes)",
            `  model.tar.gz ${MODEL_DATA}: version v-1 etag "e"`,
            `  image ${OWN_IMAGE}: NO DIGEST (refused in production)`,
        ]);
    });

    it("says NOT APPROVABLE plainly, and TAMPERED in the subject of a tampered version", () => {
        assert.equal(notApprovableLine([]), undefined);
        assert.equal(notApprovableLine(["a", "b"]), "NOT APPROVABLE: a; b; production will refuse this version.");
        const tampered = { packageArn: PACKAGE_ARN, recordedAt: "t", eventId: "e", source: "s3-event" as const, changes: [], summary: "model.tar.gz overwritten" };
        const { subject, body } = approvalMessage({ environment: "prod", event, metrics: { error: "none" }, live: undefined, integrity: { ...pinned, tampered: [tampered], problems: ["TAMPERED (found by s3-event at t): model.tar.gz overwritten"] } });
        assert.equal(subject, `[prod] TAMPERED, not approvable: ${FIXTURE_GROUP} v2`);
        assert.ok(body.split("\n")[2].startsWith("NOT APPROVABLE: TAMPERED (found by s3-event at t): model.tar.gz overwritten; production"), body);
    });

    it("treats only throttling, timeouts and 5xx observations as transient", () => {
        const failures = transientObservationFailures({
            artifacts: [
                { uri: "s3://b/a", status: "unverified", kind: "throttled", detail: "HeadObject s3://b/a failed: SlowDown" },
                { uri: "s3://b/p", status: "unverified", kind: "prefix", detail: "prefix" },
                { uri: "s3://b/d", status: "unverified", kind: "access-denied", detail: "denied" },
            ],
            images: [
                { image: "i", status: "unverified", kind: "timed-out", detail: "BatchGetImage timed out" },
                { image: "k", status: "unverified", kind: "unavailable", detail: "BatchGetImage: 503" },
                { image: "j", status: "unverified", kind: "not-ecr", detail: "not ECR" },
            ],
        });
        assert.deepEqual(failures, ["HeadObject s3://b/a failed: SlowDown", "BatchGetImage timed out", "BatchGetImage: 503"]);
    });

    it("pins only a live package that is PendingManualApproval/Completed", () => {
        assert.equal(livePackageProblem({ ModelApprovalStatus: "PendingManualApproval", ModelPackageStatus: "Completed" }, "arn"), undefined);
        assert.match(livePackageProblem({ ModelApprovalStatus: "Rejected", ModelPackageStatus: "Completed" }, "arn")!, /arn is Rejected\/Completed/);
    });

    it("keeps SNS subjects within 100 printable characters", () => {
        assert.equal(snsSubject("a".repeat(150)).length, 100);
        assert.equal(snsSubject("tab\there — ok"), "tab?here ? ok");
    });
});
