/** notify-approver against moto: reports in S3, the ledger in DynamoDB, the topic in SNS (read through SQS). */
import { strict as assert } from "assert";
import { handlePendingEvent, type NotifyDeps, type NotifySettings } from "../../../lambdas/notify-approver/notify";
import { claimNotification, recordDeployment } from "../../../lambdas/shared/ledger";
import { NOTIFICATION_LEASE_SECONDS } from "../../../lambdas/notify-approver/settings";
import { s3ReportReader } from "../../../lambdas/shared/reports";
import { createWorld, packageEvent, publisherFor, putReport, readInbox, recordingLogger, registerVersion, type World } from "../world";

describe("notify-approver against moto", function () {
    this.timeout(60_000);
    let world: World;
    let settings: NotifySettings;
    let deps: NotifyDeps & { logger: ReturnType<typeof recordingLogger> };

    beforeEach(async () => {
        world = await createWorld();
        settings = { environment: "dev", groupName: world.groupName, endpointName: "sagemaker-approval-gate-dev-endpoint", ledgerTableName: world.tableName };
        deps = { dynamodb: world.dynamodb, reports: s3ReportReader(world.s3), publisher: publisherFor(world), logger: recordingLogger(), now: () => new Date() };
    });

    it("publishes one readable message with metrics next to the live version's, the exact commands and a console link", async () => {
        await putReport(world, "live/evaluation.json", { regression_metrics: { mse: { value: 4.8, standard_deviation: 1.5 } } });
        await putReport(world, "v2/evaluation.json", { regression_metrics: { mse: { value: 4.123456789, standard_deviation: 1.2 } } });
        const live = await registerVersion(world, "Approved", "live/evaluation.json");
        await recordDeployment(world.dynamodb, world.tableName, {
            endpointName: settings.endpointName, packageArn: live, version: 1, deployedAt: "2026-01-01T00:00:00.000Z", eventId: "e0",
            kind: "deploy", outcome: "deployed", metricsS3Uri: `s3://${world.bucket}/live/evaluation.json`,
        }, undefined);
        const pending = await registerVersion(world, "PendingManualApproval", "v2/evaluation.json");
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
