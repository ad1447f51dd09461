/**
 * notify-approver against moto: reports and model artifacts in S3 (a versioned bucket), serving images in ECR, the
 * package in SageMaker, the ledger (notification claims and pins) in DynamoDB, the topic in SNS (read through SQS).
 */
import { strict as assert } from "assert";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { handlePendingEvent, type NotifyDeps, type NotifySettings } from "../../../lambdas/notify-approver/notify";
import { TransientPinningError } from "../../../lambdas/notify-approver/pinning";
import { claimNotification, recordDeployment } from "../../../lambdas/shared/ledger";
import { NOTIFICATION_LEASE_SECONDS } from "../../../lambdas/notify-approver/settings";
import { s3ReportReader } from "../../../lambdas/shared/reports";
import { readPins, recordTampering } from "../../../policies/lib/pinStore";
import { createWorld, packageEvent, publisherFor, putReport, readInbox, recordingLogger, registerPinnableVersion, registerVersion, type World } from "../world";

describe("notify-approver against moto", function () {
    this.timeout(60_000);
    let world: World;
    let settings: NotifySettings;
    let deps: NotifyDeps & { logger: ReturnType<typeof recordingLogger> };

    beforeEach(async () => {
        world = await createWorld();
        settings = { environment: "dev", groupName: world.groupName, endpointName: "sagemaker-approval-gate-dev-endpoint", ledgerTableName: world.tableName, region: "us-east-1" };
        deps = {
            dynamodb: world.dynamodb,
            reports: s3ReportReader(world.s3),
            publisher: publisherFor(world),
            sagemaker: world.sagemaker,
            s3: world.s3,
            ecr: world.ecr,
            logger: recordingLogger(),
            now: () => new Date(),
        };
    });

    it("publishes one readable message with metrics next to the live version's, the exact commands and a console link", async () => {
        await putReport(world, "live/evaluation.json", { regression_metrics: { mse: { value: 4.8, standard_deviation: 1.5 } } });
        await putReport(world, "v2/evaluation.json", { regression_metrics: { mse: { value: 4.123456789, standard_deviation: 1.2 } } });
        const live = await registerVersion(world, "Approved", "live/evaluation.json");
        await recordDeployment(world.dynamodb, world.tableName, {
            endpointName: settings.endpointName, packageArn: live, version: 1, deployedAt: "2026-01-01T00:00:00.000Z", eventId: "e0",
            kind: "deploy", outcome: "deployed", metricsS3Uri: `s3://${world.bucket}/live/evaluation.json`,
        }, undefined);
        const { arn: pending } = await registerPinnableVersion(world, { metricsKey: "v2/evaluation.json" });
        const event = packageEvent(world, pending, "PendingManualApproval", { metricsKey: "v2/evaluation.json" });

        const result = await handlePendingEvent(event, settings, deps);
        assert.equal(result.outcome, "notified");
        const [message, ...more] = await readInbox(world);
        assert.equal(more.length, 0);
        assert.equal(message.subject, `[dev] Approval needed: ${world.groupName} v2`);
        const body = message.message;
        for (const expected of [
            `Group:              ${world.groupName}`,
            "Version:            2",
            `Package ARN:        ${pending}`,
            "Pipeline execution: arn:aws:sagemaker:us-east-2:123456789012:pipeline/versionedmp-p-idy6c3e1fiqj/execution/4r83jejmhorv",
            `npm run approvals -- approve ${world.groupName}/2 --env dev --comment "<why>"`,
            `npm run approvals -- reject ${world.groupName}/2 --env dev --comment "<why>"`,
            `aws sagemaker update-model-package --model-package-arn ${pending} --model-approval-status Approved --approval-description "<why>"`,
            "https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/model-registry/",
            `Report: s3://${world.bucket}/v2/evaluation.json`,
        ]) {
            assert.ok(body.includes(expected), `missing ${expected}\n${body}`);
        }
        assert.match(body, /regression_metrics\.mse\.value\s+4\.12346\s+4\.8\n/);
        assert.match(body, /live \(v1\)/);
    });

    it("publishes again only when the version's state changes: duplicates are silent", async () => {
        const pending = await registerVersion(world, "PendingManualApproval");
        const event = packageEvent(world, pending, "PendingManualApproval");
        assert.equal((await handlePendingEvent(event, settings, deps)).outcome, "notified");
        assert.equal((await handlePendingEvent({ ...event, id: "a-second-event-for-the-same-state" }, settings, deps)).outcome, "duplicate");
        assert.equal((await handlePendingEvent(event, settings, deps)).outcome, "duplicate");
        assert.equal((await readInbox(world)).length, 1);
    });

    it("notifies on the retry of an invocation that timed out after claiming (no catch block ran)", async () => {
        const pending = await registerVersion(world, "PendingManualApproval");
        const event = packageEvent(world, pending, "PendingManualApproval");
        const claim = { packageArn: pending, approvalStatus: "PendingManualApproval", packageStatus: "Completed", eventId: event.id };
        const longAgo = new Date(Date.now() - (NOTIFICATION_LEASE_SECONDS + 30) * 1000);
        assert.equal(await claimNotification(world.dynamodb, world.tableName, claim, longAgo, NOTIFICATION_LEASE_SECONDS), true);
        assert.equal((await handlePendingEvent(event, settings, deps)).outcome, "notified");
        assert.equal((await readInbox(world)).length, 1);
        assert.equal((await handlePendingEvent(event, settings, deps)).outcome, "duplicate");
    });

    it("still notifies when the report is missing or unreadable, and says so; nothing live yet is said too", async () => {
        const missing = await registerVersion(world, "PendingManualApproval");
        await handlePendingEvent(packageEvent(world, missing, "PendingManualApproval", { metricsKey: "nope/evaluation.json" }), settings, deps);
        await putReport(world, "broken/evaluation.json", "{not json");
        const broken = await registerVersion(world, "PendingManualApproval");
        await handlePendingEvent(packageEvent(world, broken, "PendingManualApproval", { metricsKey: "broken/evaluation.json" }), settings, deps);
        const noMetrics = await registerVersion(world, "PendingManualApproval");
        const event = packageEvent(world, noMetrics, "PendingManualApproval");
        delete event.detail.ModelMetrics;
        await handlePendingEvent(event, settings, deps);
        const [a, b, c] = await readInbox(world);
        assert.match(a.message, /No metrics for this version: the report at s3:\/\/.*nope\/evaluation\.json could not be read \((NoSuchKey|NotFound)/);
        assert.match(b.message, /No metrics for this version: the report at .* is not valid JSON/);
        assert.match(c.message, /No metrics for this version: the version has no ModelMetrics/);
        assert.match(a.message, /Nothing is live in this environment yet/);
    });

    it("pins the live package's model.tar.gz (version id, ETag) and image digest before it notifies, and the message shows them", async () => {
        const v = await registerPinnableVersion(world);
        const event = packageEvent(world, v.arn, "PendingManualApproval");
        // The event's own copy of the containers names other bytes: only the registry's answer counts.
        event.detail.InferenceSpecification.Containers = [{ Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/forged:v1", ModelDataUrl: "s3://forged/model.tar.gz" }];

        const result = await handlePendingEvent(event, settings, deps);
        assert.ok(result.outcome === "notified" && result.approvable && result.pinWrite === "written", JSON.stringify(result));
        const stored = await readPins(world.dynamodb, world.tableName, v.arn);
        assert.deepEqual(stored.pins?.artifacts, [{ uri: v.modelDataUrl, bucket: v.bucket, key: v.key, versionId: v.versionId, etag: v.etag }]);
        assert.deepEqual(stored.pins?.images, [{ image: v.image, digest: v.digest, digestSource: "ecr" }]);
        const [message] = await readInbox(world);
        assert.equal(message.subject, `[dev] Approval needed: ${world.groupName} v${v.arn.split("/").pop()}`);
        assert.ok(message.message.includes(`  model.tar.gz ${v.modelDataUrl}: version ${v.versionId} etag "${v.etag}"`), message.message);
        assert.ok(message.message.includes(`  image ${v.image}: ${v.digest} (from ecr)`), message.message);
        assert.ok(!message.message.includes("forged"), message.message);
    });

    it("a duplicate event writes no new pins and sends nothing; a retry after a failed publish shows the pins of record", async () => {
        const v = await registerPinnableVersion(world);
        const event = packageEvent(world, v.arn, "PendingManualApproval");
        const failing = { ...deps, publisher: { publish: () => Promise.reject(Object.assign(new Error("topic unavailable"), { name: "InternalErrorException", $fault: "server" })) } };
        await assert.rejects(handlePendingEvent(event, settings, failing), /topic unavailable/);
        const first = await readPins(world.dynamodb, world.tableName, v.arn);
        assert.equal(first.pins?.artifacts[0].versionId, v.versionId);

        // The model changes between the failed attempt and the retry: the pins of record stand, and the change is reported.
        const overwrite = await world.s3.send(new PutObjectCommand({ Bucket: v.bucket, Key: v.key, Body: "other weights" }));
        const retried = await handlePendingEvent(event, settings, deps);
        assert.ok(retried.outcome === "notified" && retried.pinWrite === "already-pinned" && !retried.approvable, JSON.stringify(retried));
        assert.match(retried.body, /pinned earlier, at /);
        assert.match(retried.body, new RegExp(`NOT APPROVABLE: model.tar.gz s3://${v.bucket}/\\S+ overwritten: pinned version ${v.versionId} etag "${v.etag}", now version ${overwrite.VersionId}`));

        const duplicate = await handlePendingEvent({ ...event, id: "a-second-event-for-the-same-state" }, settings, deps);
        assert.equal(duplicate.outcome, "duplicate");
        assert.deepEqual(await readPins(world.dynamodb, world.tableName, v.arn), first);
        assert.equal((await readInbox(world)).length, 1);
    });

    it("an artifact overwritten after registration, before pinning, is not pinned and not approvable (LastModified later than CreationTime)", async () => {
        const v = await registerPinnableVersion(world);
        // Past LAST_MODIFIED_SLACK_SECONDS: S3's LastModified has whole seconds, and one more is allowed for rounding and clock skew.
        await new Promise((resolve) => setTimeout(resolve, 2_100));
        await world.s3.send(new PutObjectCommand({ Bucket: v.bucket, Key: v.key, Body: "other weights" }));
        const result = await handlePendingEvent(packageEvent(world, v.arn, "PendingManualApproval"), settings, deps);
        assert.ok(result.outcome === "notified" && !result.approvable && result.pinWrite === "not-pinned", JSON.stringify(result));
        const [message] = await readInbox(world);
        assert.equal(message.subject, `[dev] NOT APPROVABLE: ${world.groupName} v${v.arn.split("/").pop()}`);
        assert.match(message.message, new RegExp(`NOT APPROVABLE: ${v.modelDataUrl.replace(/[.]/g, "\\.")} was last modified at \\S+, after the package was registered at \\S+: .*re-register the version from the pipeline's untouched output`));
        assert.equal((await readPins(world.dynamodb, world.tableName, v.arn)).pins, undefined);
    });

    it("a throttled HeadObject throws so the event is retried: nothing pinned, nothing sent; the retry pins and notifies", async () => {
        const v = await registerPinnableVersion(world);
        const event = packageEvent(world, v.arn, "PendingManualApproval");
        const throttledS3 = {
            send: (command: unknown, options?: unknown) =>
                command instanceof HeadObjectCommand
                    ? Promise.reject(Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 } }))
                    : world.s3.send(command as never, options as never),
        };
        await assert.rejects(handlePendingEvent(event, settings, { ...deps, s3: throttledS3 }), TransientPinningError);
        assert.deepEqual(await readPins(world.dynamodb, world.tableName, v.arn), { tampered: [] });
        assert.deepEqual(await readInbox(world), []);

        const retried = await handlePendingEvent(event, settings, deps);
        assert.ok(retried.outcome === "notified" && retried.approvable && retried.pinWrite === "written");
        assert.equal((await readInbox(world)).length, 1);
    });

    it("an image with no digest anywhere (not in ECR, no ImageDigest) is pinned as such and announced NOT APPROVABLE", async () => {
        const v = await registerPinnableVersion(world, { image: "registry.example.com/team/serve:v1" });
        const result = await handlePendingEvent(packageEvent(world, v.arn, "PendingManualApproval"), settings, deps);
        assert.ok(result.outcome === "notified" && !result.approvable);
        const [message] = await readInbox(world);
        assert.equal(message.subject, `[dev] NOT APPROVABLE: ${world.groupName} v${v.arn.split("/").pop()}`);
        assert.match(message.message, /\nNOT APPROVABLE: image registry\.example\.com\/team\/serve:v1 not pinned: a mutable tag with no recorded digest.*; production will refuse this version\.\n/);
        assert.ok(message.message.includes("  image registry.example.com/team/serve:v1: NO DIGEST (refused in production)"), message.message);
        assert.deepEqual((await readPins(world.dynamodb, world.tableName, v.arn)).pins?.images, [{ image: "registry.example.com/team/serve:v1", digestSource: "none" }]);
    });

    it("a tag that moved away from the ImageDigest SageMaker recorded is not pinned and not approvable", async () => {
        const recorded = `sha256:${"d".repeat(64)}`;
        const v = await registerPinnableVersion(world, { imageDigest: recorded });
        const result = await handlePendingEvent(packageEvent(world, v.arn, "PendingManualApproval"), settings, deps);
        assert.ok(result.outcome === "notified" && !result.approvable && result.pinWrite === "not-pinned");
        assert.match(result.body, new RegExp(`NOT APPROVABLE: ${v.image} now resolves to ${v.digest} but SageMaker recorded ${recorded}`));
        assert.equal((await readPins(world.dynamodb, world.tableName, v.arn)).pins, undefined);
    });

    it("announces a version that already has TAMPERED records as tampered", async () => {
        const v = await registerPinnableVersion(world);
        await recordTampering(world.dynamodb, world.tableName, {
            packageArn: v.arn, recordedAt: "2026-12-02T09:00:00.000Z", eventId: "s3-evt-1", source: "s3-event", changes: [],
            summary: `model.tar.gz ${v.modelDataUrl} overwritten`,
        });
        const result = await handlePendingEvent(packageEvent(world, v.arn, "PendingManualApproval"), settings, deps);
        assert.ok(result.outcome === "notified" && !result.approvable);
        const [message] = await readInbox(world);
        assert.equal(message.subject, `[dev] TAMPERED, not approvable: ${world.groupName} v${v.arn.split("/").pop()}`);
        assert.ok(message.message.includes(`NOT APPROVABLE: TAMPERED (found by s3-event at 2026-12-02T09:00:00.000Z): model.tar.gz ${v.modelDataUrl} overwritten; production will refuse this version.`), message.message);
    });

    it("ignores another group's event, a version still InProgress, and other statuses, without publishing", async () => {
        const pending = await registerVersion(world, "PendingManualApproval");
        const outcomes = [
            await handlePendingEvent(packageEvent(world, pending, "PendingManualApproval", { packageStatus: "InProgress" }), settings, deps),
            await handlePendingEvent(packageEvent(world, pending, "Approved"), settings, deps),
            await handlePendingEvent(packageEvent(world, pending, "PendingManualApproval"), { ...settings, groupName: "someone-else" }, deps),
        ];
        assert.deepEqual(outcomes.map((o) => o.outcome), ["ignored", "ignored", "ignored"]);
        assert.deepEqual(await readInbox(world), []);
    });

    it("logs and publishes a malformed event once, without throwing", async () => {
        const result = await handlePendingEvent({ source: "aws.sagemaker", "detail-type": "SageMaker Model Package State Change", id: "x", detail: "oops" }, settings, deps);
        assert.equal(result.outcome, "ignored");
        assert.match(deps.logger.lines[0].message, /detail is "oops"; expected an object/);
        assert.equal((await readInbox(world)).length, 1);
    });
});
