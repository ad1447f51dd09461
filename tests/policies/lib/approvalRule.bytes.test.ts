/** The rule's Bytes question (approvalBytes.ts through checkModelPackageApproval), every client mocked with aws-sdk-client-mock. */
import * as assert from "assert";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeModelPackageCommand, SageMakerClient, type DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import {
    checkApprovedBytes,
    checkModelPackageApproval,
    describeVerdict,
    ledgerPinReader,
    type PinsContext,
    type RefusedVerdict,
} from "../../../policies/lib/approvalRule";
import { newObservationCache, type PackagePins } from "../../../policies/lib/artifactPins";
import { serializePins } from "../../../policies/lib/pinRecord";

const ARN = "arn:aws:sagemaker:us-east-1:222222222222:model-package/abalone-prod/3";
const IMAGE = "222222222222.dkr.ecr.us-east-1.amazonaws.com/serve:v1";
const SIDECAR = "222222222222.dkr.ecr.us-east-1.amazonaws.com/sidecar:v1";
const MODEL = "s3://artifacts/pipelines/exec-1/TrainModel/output/model.tar.gz";
const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const TABLE = "sagemaker-approval-gate-prod-deployments";

const sagemaker = new SageMakerClient({ region: "us-east-1" });
const dynamodb = new DynamoDBClient({ region: "us-east-1" });
const s3 = new S3Client({ region: "us-east-1" });
const ecr = new ECRClient({ region: "us-east-1" });
const sm = mockClient(sagemaker);
const ddb = mockClient(dynamodb);
const s3m = mockClient(s3);
const ecrm = mockClient(ecr);

const description = (containers = [{ Image: IMAGE, ModelDataUrl: MODEL }]): DescribeModelPackageCommandOutput => ({
    $metadata: {},
    ModelPackageArn: ARN,
    ModelPackageGroupName: "abalone-prod",
    ModelPackageVersion: 3,
    ModelApprovalStatus: "Approved",
    ModelPackageStatus: "Completed",
    InferenceSpecification: { Containers: containers, SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
    CreationTime: new Date("2026-12-01T00:00:00Z"),
}) as DescribeModelPackageCommandOutput;
const pins: PackagePins = {
    packageArn: ARN,
    pinnedAt: "2026-12-01T00:00:05.000Z",
    artifacts: [{ uri: MODEL, bucket: "artifacts", key: "pipelines/exec-1/TrainModel/output/model.tar.gz", versionId: "v1", etag: "e1" }],
    images: [{ image: IMAGE, digest: D1, digestSource: "ecr" }],
};
const pinItem = (p: PackagePins = pins) => ({ pk: { S: `PINS#${ARN}` }, sk: { S: "PINS" }, pins: { S: serializePins(p) } });
const tamperItem = {
    pk: { S: `PINS#${ARN}` },
    sk: { S: "TAMPERED#2026-12-01T10:00:00.000Z#evt-s3" },
    recordedAt: { S: "2026-12-01T10:00:00.000Z" },
    eventId: { S: "evt-s3" },
    source: { S: "s3-event" },
    summary: { S: 'model.tar.gz s3://artifacts/… overwritten: pinned version v1 etag "e1", now version v2 etag "e2"' },
    changes: { S: "[]" },
};
const awsError = (name: string, extra: object = {}) => Object.assign(new Error(`${name} happened`), { name, ...extra });

const ctx = (over: Partial<PinsContext> = {}): PinsContext => ({ readPins: ledgerPinReader(dynamodb, TABLE), s3, ecr, ecrRegion: "us-east-1", ...over });
const check = (over: Partial<PinsContext> = {}) => checkModelPackageApproval(sagemaker, ARN, { allowedAccounts: ["222222222222"], pins: ctx(over) });
const refusal = (v: Awaited<ReturnType<typeof check>>): RefusedVerdict => {
    assert.strictEqual(v.approved, false, describeVerdict(v));
    return v as RefusedVerdict;
};

/** Every answer as on an untouched version. */
function untouched(): void {
    sm.on(DescribeModelPackageCommand).resolves(description());
    ddb.on(QueryCommand).resolves({ Items: [pinItem()] });
    s3m.on(HeadObjectCommand).resolves({ VersionId: "v1", ETag: '"e1"' });
    ecrm.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: "v1", imageDigest: D1 } }], failures: [] });
}

describe("policies/lib/approvalRule: the Bytes question", () => {
    beforeEach(() => {
        sm.reset();
        ddb.reset();
        s3m.reset();
        ecrm.reset();
    });

    it("approves an untouched version with one Query, one HeadObject per artifact and one BatchGetImage per repository", async () => {
        untouched();
        const v = await check();
        assert.strictEqual(v.approved, true, describeVerdict(v));
        assert.deepStrictEqual(v.approved && v.pins, pins);
        assert.strictEqual(ddb.commandCalls(QueryCommand).length, 1);
        assert.strictEqual(s3m.commandCalls(HeadObjectCommand).length, 1);
        assert.strictEqual(ecrm.commandCalls(BatchGetImageCommand).length, 1);
        assert.deepStrictEqual(s3m.commandCalls(HeadObjectCommand)[0].args[0].input, { Bucket: "artifacts", Key: "pipelines/exec-1/TrainModel/output/model.tar.gz" });
    });

    it("reads the pins beside DescribeModelPackage, not after it", async () => {
        untouched();
        const order: string[] = [];
        sm.on(DescribeModelPackageCommand).callsFake(async () => {
            order.push("describe sent");
            await new Promise((r) => setTimeout(r, 30));
            order.push("describe answered");
            return description();
        });
        ddb.on(QueryCommand).callsFake(async () => {
            order.push("query sent");
            return { Items: [pinItem()] };
        });
        assert.strictEqual((await check()).approved, true);
        assert.ok(order.indexOf("query sent") < order.indexOf("describe answered"), order.join(", "));
    });

    it("without a pins context asks only the Status question (no Query, no observation)", async () => {
        untouched();
        assert.strictEqual((await checkModelPackageApproval(sagemaker, ARN)).approved, true);
        assert.strictEqual(ddb.commandCalls(QueryCommand).length, 0);
        assert.strictEqual(s3m.commandCalls(HeadObjectCommand).length, 0);
    });

    it("refuses an overwritten model.tar.gz as bytes-changed, naming the old and new version id and ETag, to be recorded", async () => {
        untouched();
        s3m.on(HeadObjectCommand).resolves({ VersionId: "v2", ETag: '"e2"' });
        const v = refusal(await check());
        assert.strictEqual(v.cause, "bytes-changed");
        assert.strictEqual(v.status, "Approved");
        assert.strictEqual(v.verified, true);
        assert.match(v.reason, /model\.tar\.gz s3:\/\/artifacts\/.* overwritten: pinned version v1 etag "e1", now version v2 etag "e2"/);
        assert.match(v.reason, /never deployed again/);
        assert.ok(v.bytes?.tampered && v.bytes.unrecorded && v.bytes.retry === "never");
        assert.deepStrictEqual(v.bytes?.changes.map((c) => c.what), ["overwritten"]);
    });

    it("refuses a deleted artifact and a moved tag as bytes-changed", async () => {
        untouched();
        s3m.on(HeadObjectCommand).rejects(awsError("NotFound", { $fault: "client", $metadata: { httpStatusCode: 404 } }));
        ecrm.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: "v1", imageDigest: D2 } }], failures: [] });
        const v = refusal(await check());
        assert.strictEqual(v.cause, "bytes-changed");
        assert.match(v.reason, /deleted: pinned version v1 etag "e1", now deleted/);
        assert.match(v.reason, new RegExp(`image ${IMAGE} tag moved: pinned ${D1}, now ${D2}`));
    });

    it("refuses a version with a TAMPERED record for good, without looking at its bytes (even if restored)", async () => {
        untouched();
        ddb.on(QueryCommand).resolves({ Items: [pinItem(), tamperItem] });
        const v = refusal(await check());
        assert.strictEqual(v.cause, "bytes-changed");
        assert.match(v.reason, /found by s3-event at 2026-12-01T10:00:00.000Z/);
        assert.ok(v.bytes?.tampered && !v.bytes.unrecorded, "already recorded");
        assert.strictEqual(s3m.commandCalls(HeadObjectCommand).length + ecrm.commandCalls(BatchGetImageCommand).length, 0);
    });

    it("refuses a version with no pin record as not-pinned", async () => {
        untouched();
        ddb.on(QueryCommand).resolves({ Items: [] });
        const v = refusal(await check());
        assert.strictEqual(v.cause, "not-pinned");
        assert.match(v.reason, /no artifact pins are recorded/);
        assert.strictEqual(v.bytes?.tampered, false);
    });

    it("refuses a container added after registration as bytes-unpinned (every live target must be pinned)", async () => {
        untouched();
        sm.on(DescribeModelPackageCommand).resolves(description([{ Image: IMAGE, ModelDataUrl: MODEL }, { Image: SIDECAR, ModelDataUrl: MODEL }]));
        const v = refusal(await check());
        assert.strictEqual(v.cause, "bytes-unpinned");
        assert.match(v.reason, new RegExp(`image ${SIDECAR} not pinned`));
        assert.strictEqual(v.bytes?.tampered, false);
    });

    it("says whether waiting helps when the pins or the bytes cannot be read, decided by awsErrors", async () => {
        const cases: [string, () => void, string][] = [
            ["Query throttled", () => ddb.on(QueryCommand).rejects(awsError("ProvisionedThroughputExceededException", { $fault: "client", $metadata: { httpStatusCode: 400 } })), "transient"],
            ["Query denied", () => ddb.on(QueryCommand).rejects(awsError("AccessDeniedException", { $fault: "client", $metadata: { httpStatusCode: 400 } })), "never"],
            ["Query failed oddly", () => ddb.on(QueryCommand).rejects(awsError("Weird")), "unclassified"],
            ["HeadObject 503", () => s3m.on(HeadObjectCommand).rejects(awsError("ServiceUnavailable", { $fault: "server", $metadata: { httpStatusCode: 503 } })), "transient"],
            ["BatchGetImage denied", () => ecrm.on(BatchGetImageCommand).rejects(awsError("AccessDeniedException", { $fault: "client", $metadata: { httpStatusCode: 400 } })), "never"],
        ];
        for (const [name, fail, retry] of cases) {
            sm.reset();
            ddb.reset();
            s3m.reset();
            ecrm.reset();
            untouched();
            fail();
            const v = refusal(await check());
            assert.strictEqual(v.cause, "bytes-unverified", name);
            assert.strictEqual(v.verified, false, name);
            assert.strictEqual(v.bytes?.retry, retry, name);
        }
        ddb.on(QueryCommand).rejects(awsError("AccessDeniedException", { $fault: "client", $metadata: { httpStatusCode: 400 } }));
        assert.match(refusal(await check()).reason, /grant dynamodb:Query on the deployment ledger/);
    });

    it("a status refusal stays a status refusal: the bytes of a version nobody approved are not the question", async () => {
        untouched();
        sm.on(DescribeModelPackageCommand).resolves({ ...description(), ModelApprovalStatus: "PendingManualApproval" });
        s3m.on(HeadObjectCommand).resolves({ VersionId: "v2", ETag: '"e2"' });
        assert.strictEqual(refusal(await check()).cause, "not-approved");
        assert.strictEqual(s3m.commandCalls(HeadObjectCommand).length + ecrm.commandCalls(BatchGetImageCommand).length, 0, "nothing observed for it");
    });

    it("gives both enforcement points the same message: a Lambda-style call and a pack-style call with its own caches", async () => {
        untouched();
        ecrm.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: "v1", imageDigest: D2 } }], failures: [] });
        const lambda = await check();
        const memo = new Map<string, ReturnType<PinsContext["readPins"]>>();
        const reader = ledgerPinReader(dynamodb, TABLE);
        const pack = ctx({ readPins: (arn) => memo.get(arn) ?? (memo.set(arn, reader(arn)), memo.get(arn)!), observationCache: newObservationCache() });
        const cached = { send: async () => description() };
        const [a, b] = await Promise.all([
            checkModelPackageApproval(cached, ARN, { allowedAccounts: ["222222222222"], pins: pack }),
            checkModelPackageApproval(cached, ARN, { allowedAccounts: ["222222222222"], pins: pack }),
        ]);
        assert.strictEqual(describeVerdict(a), describeVerdict(lambda));
        assert.strictEqual(describeVerdict(b), describeVerdict(lambda));
        assert.strictEqual(ddb.commandCalls(QueryCommand).length, 2, "one for the Lambda-style call, one for both pack-style calls");
        assert.strictEqual(ecrm.commandCalls(BatchGetImageCommand).length, 2);
        const direct = await checkApprovedBytes(pack, ARN, description());
        assert.ok(!direct.intact && direct.cause === "bytes-changed" && lambda.approved === false && lambda.reason === direct.reason);
    });
});
