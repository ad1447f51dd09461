/** artifact-tamper with mocked clients (DynamoDB, SNS), and its pure event reader and message. */
import { strict as assert } from "assert";
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { alertKey } from "../../../lambdas/artifact-tamper/alerts";
import { handleTamperEvent } from "../../../lambdas/artifact-tamper/detect";
import { readTamperEvent } from "../../../lambdas/artifact-tamper/event";
import { versionLabel } from "../../../lambdas/artifact-tamper/message";
import { LIVE_TAMPER_METRIC, settingsFromEnv, TAMPER_METRIC } from "../../../lambdas/artifact-tamper/settings";
import type { PackagePins } from "../../../policies/lib/artifactPins";
import { serializePins } from "../../../policies/lib/pinRecord";
import { RetryableError } from "../../../lambdas/shared/errors";
import { snsPublisher } from "../../../lambdas/shared/publish";
import { loadEvent } from "../../fixtures/events";
import { recordingLogger } from "../world";

const dynamodb = new DynamoDBClient({ region: "us-west-2" });
const sns = new SNSClient({ region: "us-west-2" });
const ddb = mockClient(dynamodb);
const topic = mockClient(sns);
const settings = { environment: "prod", ledgerTableName: "ledger", endpointName: "sagemaker-approval-gate-prod-endpoint" };
const ARN = "arn:aws:sagemaker:us-west-2:123456789012:model-package/abalone-prod/7";
const BUCKET = "DOC-EXAMPLE-BUCKET1";
const KEY = "abalone/exec-1/model.tar.gz";
const PIN: PackagePins = {
    packageArn: ARN,
    pinnedAt: "2026-12-01T10:00:00.000Z",
    artifacts: [{ uri: `s3://${BUCKET}/${KEY}`, bucket: BUCKET, key: KEY, versionId: "pinned-version", etag: "aaa" }],
    images: [{ image: "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name:latest", digest: `sha256:${"a".repeat(64)}`, digestSource: "sagemaker" }],
};

function s3Event(versionId = "new-version") {
    const event = loadEvent("s3-object-created");
    event.detail.object.key = KEY;
    event.detail.object["version-id"] = versionId;
    return event;
}

let metrics: string[];
const deps = () => ({ dynamodb, publisher: snsPublisher(sns, "arn:aws:sns:us-west-2:123456789012:approvals"), logger: recordingLogger(), emitMetric: (l: string) => metrics.push(l) });

/** The reverse index answers ARN for every index key, the pin Query answers PIN. */
function ledgerWith(pins: PackagePins | undefined, alertSent = false) {
    ddb.on(QueryCommand).callsFake((input) => {
        const pk: string = input.ExpressionAttributeValues[":pk"].S;
        if (pk.startsWith("PINS#")) return { Items: pins ? [{ pk: { S: pk }, sk: { S: "PINS" }, pins: { S: serializePins(pins) } }] : [] };
        return { Items: pins ? [{ pk: { S: pk }, sk: { S: `PKG#${ARN}` }, packageArn: { S: ARN } }] : [] };
    });
    ddb.on(GetItemCommand).resolves(alertSent ? { Item: alertKey("x") } : {});
    ddb.on(PutItemCommand).resolves({});
}

const tamperPuts = () => ddb.commandCalls(PutItemCommand).filter((c) => c.args[0].input.Item?.sk.S?.startsWith("TAMPERED#"));

describe("artifact-tamper with mocked clients", () => {
    beforeEach(() => {
        ddb.reset();
        topic.reset();
        topic.on(PublishCommand).resolves({});
        metrics = [];
    });

    it("records a write to a pinned key, publishes one message naming the version, and emits the metric", async () => {
        ledgerWith(PIN);
        const result = await handleTamperEvent(s3Event(), settings, deps());
        assert.equal(result.outcome, "alerted");
        const [put] = tamperPuts();
        assert.equal(put.args[0].input.Item?.pk.S, `PINS#${ARN}`);
        assert.equal(put.args[0].input.Item?.sk.S, `TAMPERED#2021-11-12T00:00:00.000Z#${loadEvent("s3-object-created").id}`);
        assert.equal(put.args[0].input.Item?.source.S, "s3-event");
        const publishes = topic.commandCalls(PublishCommand);
        assert.equal(publishes.length, 1);
        assert.equal(publishes[0].args[0].input.Subject, "[prod] TAMPERING: bytes of abalone-prod/7 changed");
        assert.match(publishes[0].args[0].input.Message!, /abalone-prod\/7 .*overwritten: pinned version pinned-version etag "?aaa"?, now version new-version/);
        assert.match(publishes[0].args[0].input.Message!, /never deployed again/);
        assert.equal(metrics.length, 1);
        assert.equal(JSON.parse(metrics[0])[TAMPER_METRIC], 1);
        const marker = ddb.commandCalls(PutItemCommand).find((c) => c.args[0].input.Item?.pk.S?.startsWith("TAMPER-ALERT#"));
        assert.ok(marker, "alert marker written after the message");
    });

    it("records nothing and publishes nothing for a replay of the pinned version", async () => {
        ledgerWith(PIN);
        assert.equal((await handleTamperEvent(s3Event("pinned-version"), settings, deps())).outcome, "no-change");
        assert.equal(tamperPuts().length, 0);
        assert.equal(topic.commandCalls(PublishCommand).length, 0);
        assert.equal(metrics.length, 0);
    });

    it("logs only for a key no version uses", async () => {
        ledgerWith(undefined);
        const result = await handleTamperEvent(s3Event(), settings, deps());
        assert.equal(result.outcome, "no-change");
        assert.equal(ddb.commandCalls(PutItemCommand).length, 0);
        assert.equal(topic.commandCalls(PublishCommand).length, 0);
    });

    it("does not publish again when the alert for this event was already sent (redelivery)", async () => {
        ledgerWith(PIN, true);
        assert.equal((await handleTamperEvent(s3Event(), settings, deps())).outcome, "already-alerted");
        assert.equal(topic.commandCalls(PublishCommand).length, 0);
        assert.equal(tamperPuts().length, 1, "the record is rewritten idempotently, in case the first attempt failed before it");
    });

    it("throws a RetryableError on throttling, and the original error otherwise, so the event is retried then kept in the DLQ", async () => {
        ddb.on(QueryCommand).rejects(Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException", $fault: "client" }));
        await assert.rejects(handleTamperEvent(s3Event(), settings, deps()), (e: Error) => e instanceof RetryableError && /throttled/.test(e.message));
        ddb.reset();
        ledgerWith(PIN);
        topic.on(PublishCommand).rejects(Object.assign(new Error("denied"), { name: "AuthorizationError", $fault: "client" }));
        await assert.rejects(handleTamperEvent(s3Event(), settings, deps()), (e: Error) => e.name === "AuthorizationError");
        assert.equal(tamperPuts().length, 1, "recorded before the message failed");
        assert.ok(!ddb.commandCalls(PutItemCommand).some((c) => c.args[0].input.Item?.pk.S?.startsWith("TAMPER-ALERT#")), "no marker: the retry sends it");
    });

    it("reports a malformed event once, names the field, and does not retry", async () => {
        const event = s3Event();
        delete event.detail.object.key;
        const result = await handleTamperEvent(event, settings, deps());
        assert.equal(result.outcome, "ignored");
        assert.match((result as { reason: string }).reason, /detail\.object\.key is missing; expected the object's key/);
        const [publish] = topic.commandCalls(PublishCommand);
        assert.equal(publish.args[0].input.Subject, "[prod] Ignored a malformed S3/ECR event");
        assert.equal(ddb.commandCalls(QueryCommand).length, 0);
    });

    it("ignores a failed push without a lookup", async () => {
        const event = loadEvent("ecr-image-push");
        event.detail.result = "FAILURE";
        assert.equal((await handleTamperEvent(event, settings, deps())).outcome, "ignored");
        assert.equal(ddb.commandCalls(QueryCommand).length, 0);
        assert.equal(topic.commandCalls(PublishCommand).length, 0);
    });

    /** CURRENT of the endpoint names `packageArn` (GetItem on ENDPOINT#…), the alert marker is absent. */
    function liveIs(packageArn: string | undefined) {
        ddb.on(GetItemCommand).callsFake((input) => {
            if (input.Key.pk.S !== `ENDPOINT#${settings.endpointName}` || !packageArn) return {};
            return { Item: { pk: input.Key.pk, sk: { S: "CURRENT" }, endpointName: { S: settings.endpointName }, packageArn: { S: packageArn }, deployedAt: { S: "2026-12-01T11:00:00.000Z" }, eventId: { S: "e" }, kind: { S: "deploy" }, outcome: { S: "deployed" } } };
        });
    }

    it("says LIVE VERSION TAMPERED, what to do, and emits LiveVersionTampered when the tampered version is what the endpoint serves", async () => {
        ledgerWith(PIN);
        liveIs(ARN.toUpperCase().replace("ARN:AWS:SAGEMAKER", "arn:aws:sagemaker"));
        const result = await handleTamperEvent(s3Event(), settings, deps());
        assert.equal(result.outcome, "alerted");
        const [publish] = topic.commandCalls(PublishCommand);
        assert.equal(publish.args[0].input.Subject, "[prod] LIVE VERSION TAMPERED: abalone-prod v7 on sagemaker-approval-gate-prod-endpoint");
        assert.match(publish.args[0].input.Message!, /abalone-prod\/7 is live on sagemaker-approval-gate-prod-endpoint/);
        assert.match(publish.args[0].input.Message!, /reject it .* to roll the endpoint back/i);
        assert.match(publish.args[0].input.Message!, /approve a good version/i);
        const lines = metrics.map((l) => JSON.parse(l));
        assert.equal(lines.find((l) => LIVE_TAMPER_METRIC in l)?.[LIVE_TAMPER_METRIC], 1);
        assert.equal(lines.find((l) => TAMPER_METRIC in l)?.[TAMPER_METRIC], 1);
        const current = ddb.commandCalls(GetItemCommand).filter((c) => c.args[0].input.Key?.pk.S === `ENDPOINT#${settings.endpointName}`);
        assert.equal(current.length, 1, "one GetItem of CURRENT");
    });

    it("keeps the usual subject and emits no live metric when another version is live, or nothing is", async () => {
        for (const live of ["arn:aws:sagemaker:us-west-2:123456789012:model-package/abalone-prod/6", undefined]) {
            ddb.reset();
            topic.resetHistory();
            metrics = [];
            ledgerWith(PIN);
            liveIs(live);
            await handleTamperEvent(s3Event(), settings, deps());
            assert.equal(topic.commandCalls(PublishCommand)[0].args[0].input.Subject, "[prod] TAMPERING: bytes of abalone-prod/7 changed", String(live));
            assert.ok(!metrics.some((l) => LIVE_TAMPER_METRIC in JSON.parse(l)), String(live));
        }
    });

    it("when CURRENT cannot be read, still alerts, says it could not tell, and counts it as live (fail closed)", async () => {
        ledgerWith(PIN);
        ddb.on(GetItemCommand).callsFake((input) => {
            if (input.Key.pk.S?.startsWith("ENDPOINT#")) throw Object.assign(new Error("denied"), { name: "AccessDeniedException", $fault: "client" });
            return {};
        });
        const result = await handleTamperEvent(s3Event(), settings, deps());
        assert.equal(result.outcome, "alerted");
        const [publish] = topic.commandCalls(PublishCommand);
        assert.match(publish.args[0].input.Subject!, /^\[prod\] LIVE VERSION MAY BE TAMPERED: abalone-prod v7 on sagemaker-approval-gate-prod-endpoint/);
        assert.match(publish.args[0].input.Message!, /could not read what sagemaker-approval-gate-prod-endpoint serves/i);
        assert.ok(metrics.some((l) => JSON.parse(l)[LIVE_TAMPER_METRIC] === 1));
    });

    it("tells the approvers when a version's pin record cannot be read, without recording TAMPERED", async () => {
        ddb.on(QueryCommand).callsFake((input) => {
            const pk: string = input.ExpressionAttributeValues[":pk"].S;
            if (pk.startsWith("PINS#")) return { Items: [{ pk: { S: pk }, sk: { S: "PINS" }, pins: { S: "{not json" } }] };
            return { Items: [{ pk: { S: pk }, sk: { S: `PKG#${ARN}` }, packageArn: { S: ARN } }] };
        });
        ddb.on(GetItemCommand).resolves({});
        ddb.on(PutItemCommand).resolves({});
        const result = await handleTamperEvent(s3Event(), settings, deps());
        assert.equal(result.outcome, "alerted");
        assert.equal(tamperPuts().length, 0);
        assert.match(topic.commandCalls(PublishCommand)[0].args[0].input.Subject!, /Tamper check failed for abalone-prod\/7/);
    });
});

describe("artifact-tamper event reader and message (pure)", () => {
    it("reads the documented samples", () => {
        const s3 = readTamperEvent(loadEvent("s3-object-deleted"));
        assert.ok(!("ignored" in s3));
        assert.equal(s3.source, "s3-event");
        assert.match(s3.summary, /S3 Object Deleted s3:\/\/DOC-EXAMPLE-BUCKET1\/example-key \(DeleteObject\) by 123456789012/);
        const ecr = readTamperEvent(loadEvent("ecr-image-push"));
        assert.ok(!("ignored" in ecr));
        assert.equal(ecr.source, "ecr-event");
        assert.deepEqual(ecr.change.indexKeys, ["IMAGE#123456789012/us-west-2/my-repository-name:latest"]);
    });

    it("names the field of a malformed event", () => {
        assert.throws(() => readTamperEvent("x"), /event is "x"; expected an EventBridge event object/);
        assert.throws(() => readTamperEvent({ ...loadEvent("ecr-image-push"), time: "yesterday" }), /time is "yesterday"; expected an ISO 8601 time/);
        assert.throws(() => readTamperEvent({ ...loadEvent("ecr-image-push"), source: "aws.sagemaker" }), /source is "aws.sagemaker"; expected aws.s3 or aws.ecr/);
        const noRepo = loadEvent("ecr-image-push");
        delete noRepo.detail["repository-name"];
        assert.throws(() => readTamperEvent(noRepo), /detail\.repository-name is missing/);
    });

    it("labels versions by group and number", () => {
        assert.equal(versionLabel(ARN), "abalone-prod/7");
        assert.equal(versionLabel("not-an-arn"), "not-an-arn");
    });

    it("reads its settings from the environment, naming a missing variable", () => {
        assert.deepEqual(settingsFromEnv({ ENVIRONMENT: "dev", LEDGER_TABLE_NAME: "t", ENDPOINT_NAME: "e" }), { environment: "dev", ledgerTableName: "t", endpointName: "e" });
        assert.throws(() => settingsFromEnv({ ENVIRONMENT: "dev" }), /LEDGER_TABLE_NAME is not set/);
        assert.throws(() => settingsFromEnv({ ENVIRONMENT: "dev", LEDGER_TABLE_NAME: "t" }), /ENDPOINT_NAME is not set/);
    });
});
