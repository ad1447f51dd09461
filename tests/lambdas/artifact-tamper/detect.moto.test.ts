/**
 * artifact-tamper against moto: the deployment ledger (DynamoDB) with two versions pinned by pinStore.writePins,
 * sharing one image tag, their artifacts in a versioned S3 bucket; S3 and ECR events shaped like the documented
 * samples, carrying the real keys and version ids. Messages are read from the topic through an SQS subscription.
 */
import { strict as assert } from "assert";
import { PutBucketVersioningCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { handleTamperEvent } from "../../../lambdas/artifact-tamper/detect";
import { LIVE_TAMPER_METRIC } from "../../../lambdas/artifact-tamper/settings";
import { recordDeployment } from "../../../lambdas/shared/ledger";
import type { PackagePins } from "../../../policies/lib/artifactPins";
import { readPins, writePins } from "../../../policies/lib/pinStore";
import { loadEvent, type EventFixture } from "../../fixtures/events";
import { createWorld, publisherFor, readInbox, recordingLogger, type World } from "../world";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const REPOSITORY = "shared-serving";
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPOSITORY}:1.0`;
const PINNED_DIGEST = `sha256:${"a".repeat(64)}`;
const OTHER_DIGEST = `sha256:${"b".repeat(64)}`;

describe("artifact-tamper (against moto)", function () {
    this.timeout(60_000);
    let world: World;
    const arn = (v: number) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/abalone-test/${v}`;
    const key = (v: number) => `abalone-pipeline/exec-${v}/train/output/model.tar.gz`;
    const pinnedVersion: Record<number, string> = {};
    const ENDPOINT = "sagemaker-approval-gate-staging-endpoint";
    const settings = () => ({ environment: "staging", ledgerTableName: world.tableName, endpointName: ENDPOINT });
    let metrics: string[] = [];
    const deps = () => ({ dynamodb: world.dynamodb, publisher: publisherFor(world), logger: recordingLogger(), emitMetric: (line: string) => void metrics.push(line) });
    let counter = 0;

    async function putArtifact(v: number, body: string): Promise<{ versionId: string; etag: string }> {
        const out = await world.s3.send(new PutObjectCommand({ Bucket: world.bucket, Key: key(v), Body: body }));
        return { versionId: out.VersionId!, etag: out.ETag!.replace(/"/g, "") };
    }

    function s3Event(v: number, identity: { versionId: string; etag: string }, type: "Object Created" | "Object Deleted" = "Object Created"): EventFixture {
        const event = loadEvent(type === "Object Created" ? "s3-object-created" : "s3-object-deleted");
        event.id = `s3-${process.pid}-${++counter}`;
        event.detail.bucket.name = world.bucket;
        event.detail.object.key = key(v);
        event.detail.object["version-id"] = identity.versionId;
        event.detail.object.etag = identity.etag;
        return event;
    }

    function ecrEvent(action: "PUSH" | "DELETE", digest: string): EventFixture {
        const event = loadEvent(action === "PUSH" ? "ecr-image-push" : "ecr-image-delete");
        event.id = `ecr-${process.pid}-${++counter}`;
        event.account = ACCOUNT;
        event.region = REGION;
        event.detail["repository-name"] = REPOSITORY;
        event.detail["image-tag"] = "1.0";
        event.detail["image-digest"] = digest;
        return event;
    }

    const tamperedEvents = async (v: number) => (await readPins(world.dynamodb, world.tableName, arn(v))).tampered.map((t) => [t.source, t.eventId, t.changes[0]?.what]);

    before(async () => {
        world = await createWorld("Tamper-Test");
        await world.s3.send(new PutBucketVersioningCommand({ Bucket: world.bucket, VersioningConfiguration: { Status: "Enabled" } }));
        for (const v of [1, 2]) {
            const identity = await putArtifact(v, `model ${v}`);
            pinnedVersion[v] = identity.versionId;
            const pins: PackagePins = {
                packageArn: arn(v),
                pinnedAt: "2026-12-01T10:00:00.000Z",
                artifacts: [{ uri: `s3://${world.bucket}/${key(v)}`, bucket: world.bucket, key: key(v), ...identity }],
                images: [{ image: IMAGE, digest: PINNED_DIGEST, digestSource: "ecr" }],
            };
            assert.equal(await writePins(world.dynamodb, world.tableName, pins, `register-${v}`), "written");
        }
        await readInbox(world);
    });

    it("records nothing for the registration write itself, a push of the pinned digest, or an unrelated key", async () => {
        for (const event of [
            s3Event(1, { versionId: pinnedVersion[1], etag: "ignored" }),
            ecrEvent("PUSH", PINNED_DIGEST),
            s3Event(3, await putArtifact(3, "not registered")),
        ]) {
            assert.equal((await handleTamperEvent(event, settings(), deps())).outcome, "no-change", event.id);
        }
        assert.deepEqual(await tamperedEvents(1), []);
        assert.deepEqual(await tamperedEvents(2), []);
        assert.deepEqual(await readInbox(world), []);
    });

    it("an overwrite of version 1's model.tar.gz marks exactly version 1 TAMPERED and tells the approvers once, even when redelivered", async () => {
        const event = s3Event(1, await putArtifact(1, "someone else's model"));
        assert.equal((await handleTamperEvent(event, settings(), deps())).outcome, "alerted");
        assert.equal((await handleTamperEvent(event, settings(), deps())).outcome, "already-alerted");
        assert.deepEqual(await tamperedEvents(1), [["s3-event", event.id, "overwritten"]]);
        assert.deepEqual(await tamperedEvents(2), []);
        const inbox = await readInbox(world);
        assert.equal(inbox.length, 1);
        assert.equal(inbox[0].subject, "[staging] TAMPERING: bytes of abalone-test/1 changed");
        assert.match(inbox[0].message, new RegExp(`model\\.tar\\.gz s3://${world.bucket}/${key(1)} overwritten: pinned version ${pinnedVersion[1]}`));
        assert.doesNotMatch(inbox[0].message, /abalone-test\/2/);
    });

    it("a moved tag marks both versions that use it, in one message naming both; a redelivery adds nothing", async () => {
        const event = ecrEvent("PUSH", OTHER_DIGEST);
        assert.equal((await handleTamperEvent(event, settings(), deps())).outcome, "alerted");
        assert.equal((await handleTamperEvent(event, settings(), deps())).outcome, "already-alerted");
        assert.deepEqual((await tamperedEvents(2)), [["ecr-event", event.id, "tag-moved"]]);
        assert.equal((await tamperedEvents(1)).filter(([, id]) => id === event.id).length, 1);
        const inbox = await readInbox(world);
        assert.equal(inbox.length, 1);
        assert.match(inbox[0].subject, /TAMPERING: bytes of abalone-test\/[12], abalone-test\/[12] changed/);
        assert.match(inbox[0].message, new RegExp(`abalone-test/1 .*tag moved: pinned ${PINNED_DIGEST}, now ${OTHER_DIGEST}`));
        assert.match(inbox[0].message, new RegExp(`abalone-test/2 .*tag moved: pinned ${PINNED_DIGEST}, now ${OTHER_DIGEST}`));
    });

    it("a deleted artifact and a deleted tag are tampering too", async () => {
        const deleted = s3Event(2, { versionId: "delete-marker-id", etag: "d41d8cd98f00b204e9800998ecf8427e" }, "Object Deleted");
        assert.equal((await handleTamperEvent(deleted, settings(), deps())).outcome, "alerted");
        const untagged = ecrEvent("DELETE", PINNED_DIGEST);
        assert.equal((await handleTamperEvent(untagged, settings(), deps())).outcome, "alerted");
        const v2 = await tamperedEvents(2);
        assert.deepEqual(v2.filter(([, id]) => id === deleted.id || id === untagged.id).map(([, , what]) => what).sort(), ["deleted", "image-missing"]);
        assert.equal((await readInbox(world)).length, 2);
    });

    it("when the tampered version is the one the ledger says is live, the subject says LIVE VERSION TAMPERED and LiveVersionTampered is emitted", async () => {
        await recordDeployment(
            world.dynamodb,
            world.tableName,
            { endpointName: ENDPOINT, packageArn: arn(2), groupName: "abalone-test", version: 2, deployedAt: "2026-12-01T12:00:00.000Z", eventId: "deploy-2", kind: "deploy", outcome: "deployed", reason: "approved" },
            undefined,
        );
        metrics = [];
        const event = s3Event(2, await putArtifact(2, "replaced while live"));
        assert.equal((await handleTamperEvent(event, settings(), deps())).outcome, "alerted");
        const inbox = await readInbox(world);
        assert.equal(inbox.length, 1);
        assert.equal(inbox[0].subject, `[staging] LIVE VERSION TAMPERED: abalone-test v2 on ${ENDPOINT}`);
        assert.match(inbox[0].message, new RegExp(`abalone-test/2 is live on ${ENDPOINT}`));
        assert.match(inbox[0].message, /reject it \(approvals reject\) to roll the endpoint back .* or approve a good version/);
        assert.ok(metrics.some((line) => JSON.parse(line)[LIVE_TAMPER_METRIC] === 1), metrics.join("\n"));
    });
});
