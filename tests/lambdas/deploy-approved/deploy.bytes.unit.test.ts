/** deploy-approved and the Bytes question, every client mocked (aws-sdk-client-mock): what it does with each bytes verdict. */
import { strict as assert } from "assert";
import { GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetImageCommand } from "@aws-sdk/client-ecr";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import {
    CreateEndpointConfigCommand,
    CreateModelCommand,
    DescribeEndpointCommand,
    DescribeModelPackageCommand,
    UpdateEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { PublishCommand } from "@aws-sdk/client-sns";
import { handleModelPackageEvent, UnclassifiedFailureError } from "../../../lambdas/deploy-approved/deploy";
import { handleQueueBatch } from "../../../lambdas/deploy-approved/queue";
import { RetryableError } from "../../../lambdas/shared/errors";
import { loadEvent } from "../../fixtures/events";
import { recordingLogger } from "../world";
import { deploySettings, liveItem, mockedDeployClients } from "./mockedDeploy";

const NOW = new Date("2026-11-25T09:00:00Z");
const world = mockedDeployClients(NOW);
const { sm, ddb, topic, bytes, deps } = world;

const event = loadEvent("model-package-approved");
const ARN: string = event.detail.ModelPackageArn;
const V1 = ARN.replace(/\/2$/, "/1");
const V0 = ARN.replace(/\/2$/, "/0");
const settings = deploySettings("prod");
const described = (arn: string, status = "Approved") => ({ ...event.detail, ModelPackageArn: arn, ModelPackageVersion: Number(arn.split("/").pop()), ModelApprovalStatus: status, ModelPackageStatus: "Completed", CreationTime: new Date("2021-02-24T16:00:00Z"), LastModifiedTime: new Date("2021-02-24T17:00:14Z") });
const live = liveItem(V1);
const viaQueue = (e: unknown = event) => handleQueueBatch({ Records: [{ messageId: "m-1", body: JSON.stringify(e) }] }, (x) => handleModelPackageEvent(x, settings, deps()), recordingLogger());
const writes = () => sm.calls().map((c) => c.args[0].constructor.name).filter((n) => /^(Create|Update)/.test(n));
const puts = () => ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item!);
const tamperPuts = () => puts().filter((i) => i.sk.S!.startsWith("TAMPERED#"));
const OTHER_DIGEST = `sha256:${"9".repeat(64)}`;

describe("deploy-approved: the Bytes question (mocked clients)", () => {
    beforeEach(() => {
        world.reset();
        topic.on(PublishCommand).resolves({ MessageId: "m" });
        ddb.on(PutItemCommand).resolves({});
        sm.on(DescribeModelPackageCommand).callsFake((input: { ModelPackageName: string }) => described(input.ModelPackageName));
        ddb.on(GetItemCommand).resolves(live);
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: "old" });
        sm.on(UpdateEndpointCommand).resolves({});
        ddb.on(TransactWriteItemsCommand).resolves({});
        bytes.untouched(ddb, described(ARN), described(V1), described(V0));
    });

    it("deploys an untouched version after one HeadObject and one BatchGetImage", async () => {
        assert.equal((await handleModelPackageEvent(event, settings, deps())).outcome, "deployed");
        assert.equal(bytes.s3Mock.commandCalls(HeadObjectCommand).length, 1);
        assert.equal(bytes.ecrMock.commandCalls(BatchGetImageCommand).length, 1);
        assert.deepEqual(tamperPuts(), []);
    });

    it("refuses an overwritten artifact before creating anything: history refusal, TAMPERED (source deploy), a notice with old and new identity, not retried", async () => {
        bytes.s3Mock.on(HeadObjectCommand).resolves({ VersionId: "v2", ETag: '"e2"' });
        assert.deepEqual(await viaQueue(), { batchItemFailures: [] }, "not retried");
        assert.deepEqual(writes(), []);
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0);
        const history = puts().find((i) => i.outcome?.S === "refused");
        assert.match(history!.reason.S!, /overwritten: pinned version v1 etag "e1", now version v2 etag "e2"/);
        const [tamper] = tamperPuts();
        assert.equal(tamper.pk.S, `PINS#${ARN}`);
        assert.equal(tamper.source.S, "deploy");
        assert.equal(tamper.eventId.S, event.id);
        assert.deepEqual(JSON.parse(tamper.changes.S!).map((c: { what: string }) => c.what), ["overwritten"]);
        assert.match(tamper.summary.S!, /^model\.tar\.gz s3:\/\/.* overwritten: pinned version v1 etag "e1", now version v2 etag "e2"$/, "the one change message");
        const [notice] = topic.commandCalls(PublishCommand).map((c) => c.args[0].input);
        assert.match(notice.Subject!, /Refused to deploy .* v2: ITS BYTES CHANGED/);
        assert.match(notice.Message!, /pinned version v1 etag "e1", now version v2 etag "e2"/);
        assert.match(notice.Message!, /never deployed again/);
    });

    it("refuses a moved tag the same way, naming both digests", async () => {
        bytes.ecrMock.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageTag: "1.0-1-cpu-py3", imageDigest: OTHER_DIGEST } }], failures: [] });
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result);
        assert.match(result.reason, new RegExp(`tag moved: pinned sha256:4dc8a7e4[0-9a-f]+, now ${OTHER_DIGEST}`));
        assert.equal(tamperPuts().length, 1);
    });

    it("refuses a version with a TAMPERED record for good, even with its bytes restored, and does not record it again", async () => {
        bytes.tampered.set(ARN, [{ pk: { S: `PINS#${ARN}` }, sk: { S: "TAMPERED#2026-11-24T00:00:00.000Z#s3-evt" }, recordedAt: { S: "2026-11-24T00:00:00.000Z" }, eventId: { S: "s3-evt" }, source: { S: "s3-event" }, summary: { S: "model.tar.gz overwritten" }, changes: { S: "[]" } }]);
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result && /found by s3-event/.test(result.reason));
        assert.deepEqual(tamperPuts(), []);
        assert.equal(bytes.s3Mock.calls().length + bytes.ecrMock.calls().length, 0, "nothing to observe");
        assert.deepEqual(writes(), []);
    });

    it("waits (batch item failure) when the pin read or an observation fails transiently", async () => {
        ddb.on(QueryCommand).rejects(Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException", $fault: "client", $metadata: { httpStatusCode: 400 } }));
        assert.deepEqual(await viaQueue(), { batchItemFailures: [{ itemIdentifier: "m-1" }] });
        bytes.untouched(ddb, described(ARN));
        bytes.s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error("busy"), { name: "ServiceUnavailable", $fault: "server", $metadata: { httpStatusCode: 503 } }));
        assert.deepEqual(await viaQueue(), { batchItemFailures: [{ itemIdentifier: "m-1" }] });
        assert.deepEqual(writes(), []);
        assert.equal(topic.commandCalls(PublishCommand).length, 0);
    });

    it("refuses (final) when the artifacts may not be read, and throws an observation failure of unknown kind", async () => {
        bytes.s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error("denied"), { name: "Forbidden", $fault: "client", $metadata: { httpStatusCode: 403 } }));
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result && /could not be verified against the pins/.test(result.reason));
        bytes.s3Mock.on(HeadObjectCommand).rejects(new TypeError("boom"));
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), UnclassifiedFailureError);
    });

    it("waits for the pins of a version registered moments ago, and refuses one that was never pinned", async () => {
        bytes.pins.delete(ARN);
        sm.on(DescribeModelPackageCommand).resolves({ ...described(ARN), CreationTime: new Date(NOW.getTime() - 60_000) });
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), (e: Error) => e instanceof RetryableError && /no artifact pins.*registered 60 s ago; waiting up to 900 s/.test(e.message));
        assert.equal(puts().length, 0);
        sm.on(DescribeModelPackageCommand).resolves(described(ARN));
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result && /no artifact pins are recorded/.test(result.reason));
        assert.match(topic.commandCalls(PublishCommand)[0].args[0].input.Message!, /register the version again/);
    });

    it("skips a rollback candidate whose bytes changed (recording it), like a rejected one, and rolls back to the next", async () => {
        const rejected = { ...event, detail: { ...event.detail, ModelApprovalStatus: "Rejected" } };
        sm.on(DescribeModelPackageCommand).callsFake((input: { ModelPackageName: string }) => described(input.ModelPackageName, input.ModelPackageName === ARN ? "Rejected" : "Approved"));
        ddb.on(GetItemCommand).resolves({ Item: { ...live.Item, packageArn: { S: ARN }, version: { N: "2" }, eventId: { S: "e-2" } } });
        const history = (arn: string, v: number, at: string) => ({ pk: { S: "x" }, sk: { S: `H#${at}` }, packageArn: { S: arn }, version: { N: String(v) }, eventId: { S: at }, outcome: { S: "deployed" }, deployedAt: { S: at } });
        bytes.history = [history(ARN, 2, "t2"), history(V1, 1, "t1"), history(V0, 0, "t0")];
        let heads = 0;
        // v1 (looked at first) was overwritten; v0 is intact.
        bytes.s3Mock.on(HeadObjectCommand).callsFake(() => (heads++ === 0 ? { VersionId: "v9", ETag: '"e9"' } : { VersionId: "v1", ETag: '"e1"' }));
        const result = await handleModelPackageEvent(rejected, settings, deps());
        assert.equal(result.outcome, "rolled-back");
        assert.ok("record" in result && result.record.packageArn === V0);
        const [tamper] = tamperPuts();
        assert.equal(tamper.pk.S, `PINS#${V1}`);
        assert.equal(tamper.source.S, "deploy");
        const notice = topic.commandCalls(PublishCommand)[0].args[0].input.Message!;
        assert.match(notice, /Skipped, not deployable/);
        assert.match(notice, /\/1 \(status: Approved\) is not deployable: its bytes changed/);
        assert.equal(sm.commandCalls(CreateModelCommand).length, 1);
        assert.equal(sm.commandCalls(CreateEndpointConfigCommand).length, 1);
    });

    it("confirms a rejection on its status alone (no pin read for the rejected version)", async () => {
        const rejected = { ...event, detail: { ...event.detail, ModelApprovalStatus: "Rejected" } };
        sm.on(DescribeModelPackageCommand).resolves(described(ARN, "Rejected"));
        ddb.on(GetItemCommand).resolves(live);
        assert.equal((await handleModelPackageEvent(rejected, settings, deps())).outcome, "not-live");
        const pinReads = ddb.commandCalls(QueryCommand).filter((c) => c.args[0].input.ExpressionAttributeValues?.[":pk"]?.S?.startsWith("PINS#"));
        assert.equal(pinReads.length, 0);
    });
});
