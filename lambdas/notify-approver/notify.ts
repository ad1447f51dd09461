/**
 * notify-approver logic: one message per version and state, after the version's bytes are pinned (./pinning.ts).
 * Clients are injected.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MalformedEventError } from "../shared/errors";
import { claimNotification, confirmNotification, currentDeployment, releaseNotification, type NotificationClaim } from "../shared/ledger";
import type { Logger } from "../shared/log";
import { parseOrReport } from "../shared/malformed";
import type { Publisher } from "../shared/publish";
import type { ReportReader } from "../shared/reports";
import { approvalMessage, parseReport, type LiveVersion, type MetricsResult } from "./message";
import { pinAtRegistration, type PinningDeps, type RegistrationIntegrity } from "./pinning";
import { NOTIFICATION_LEASE_SECONDS } from "./settings";

export interface NotifySettings {
    readonly environment: string;
    readonly groupName: string;
    readonly endpointName: string;
    readonly ledgerTableName: string;
    /** The function's region (AWS_REGION): its ECR is where image tags are resolved. */
    readonly region: string;
}

export interface NotifyDeps extends PinningDeps {
    readonly dynamodb: DynamoDBClient;
    readonly reports: ReportReader;
    readonly publisher: Publisher;
    readonly logger: Logger;
    readonly now: () => Date;
}

export type NotifyResult =
    | {
          readonly outcome: "notified";
          readonly subject: string;
          readonly body: string;
          /** False when production will refuse this version (`problems` says why); the message says so too. */
          readonly approvable: boolean;
          readonly problems: readonly string[];
          readonly pinWrite: RegistrationIntegrity["pinWrite"];
      }
    | { readonly outcome: "duplicate" | "ignored"; readonly reason: string };

async function readMetrics(reports: ReportReader, s3Uri: string | undefined): Promise<MetricsResult> {
    if (!s3Uri) return { error: "the version has no ModelMetrics.ModelQuality.Statistics.S3Uri" };
    try {
        return parseReport(await reports.read(s3Uri), s3Uri);
    } catch (error) {
        const e = error as Error;
        return { error: `the report at ${s3Uri} could not be read (${e.name}: ${e.message})`, s3Uri };
    }
}

export async function handlePendingEvent(event: unknown, settings: NotifySettings, deps: NotifyDeps): Promise<NotifyResult> {
    const evt = await parseOrReport(event, settings.environment, deps);
    if (evt instanceof MalformedEventError) return { outcome: "ignored", reason: evt.message };
    if (evt.groupName.toLowerCase() !== settings.groupName.toLowerCase()) {
        const reason = `group "${evt.groupName}" is not this environment's group "${settings.groupName}"`;
        deps.logger.log("warn", `ignored: ${reason}`, { eventId: evt.eventId });
        return { outcome: "ignored", reason };
    }
    if (evt.approvalStatus !== "PendingManualApproval" || evt.packageStatus !== "Completed") {
        const reason = `${evt.packageArn} is ${evt.approvalStatus}/${evt.packageStatus}; approvers are asked only about PendingManualApproval/Completed versions`;
        deps.logger.log("info", `ignored: ${reason}`, { eventId: evt.eventId });
        return { outcome: "ignored", reason };
    }
    const claim: NotificationClaim = { packageArn: evt.packageArn, approvalStatus: evt.approvalStatus, packageStatus: evt.packageStatus, eventId: evt.eventId };
    const claimed = await claimNotification(deps.dynamodb, settings.ledgerTableName, claim, deps.now(), NOTIFICATION_LEASE_SECONDS);
    if (!claimed) {
        const reason = `approvers were already notified about ${evt.packageArn} in state ${evt.approvalStatus}/${evt.packageStatus}`;
        deps.logger.log("info", `duplicate: ${reason}`, { eventId: evt.eventId });
        return { outcome: "duplicate", reason };
    }
    try {
        // Pins first: a transient failure throws here, before anything is sent.
        const [integrity, metrics, current] = await Promise.all([
            pinAtRegistration(evt.packageArn, evt.eventId, settings, deps),
            readMetrics(deps.reports, evt.metricsS3Uri),
            currentDeployment(deps.dynamodb, settings.ledgerTableName, settings.endpointName),
        ]);
        const live: LiveVersion | undefined = current
            ? { packageArn: current.packageArn, version: current.version, metrics: current.metricsS3Uri ? await readMetrics(deps.reports, current.metricsS3Uri) : undefined }
            : undefined;
        const { subject, body } = approvalMessage({ environment: settings.environment, event: evt, metrics, live, integrity });
        await deps.publisher.publish(subject, body);
        await confirmNotification(deps.dynamodb, settings.ledgerTableName, claim, deps.now());
        const approvable = integrity.problems.length === 0;
        deps.logger.log(approvable ? "info" : "warn", `notified approvers about ${evt.packageArn}${approvable ? "" : " (NOT APPROVABLE)"}`, {
            eventId: evt.eventId,
            pinWrite: integrity.pinWrite,
            problems: integrity.problems,
        });
        return { outcome: "notified", subject, body, approvable, problems: integrity.problems, pinWrite: integrity.pinWrite };
    } catch (error) {
        // Give the claim back so Lambda's retry can pin and notify: no notification is lost silently.
        await releaseNotification(deps.dynamodb, settings.ledgerTableName, claim);
        throw error;
    }
}
