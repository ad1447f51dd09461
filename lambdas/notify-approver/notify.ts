/**
 * notify-approver logic: one message per version and state, after the version's bytes are pinned (./pinning.ts).
 * Clients are injected.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { describeAwsError, isTransientAwsError } from "../../policies/lib/awsErrors";
import type { StageSettings } from "../shared/env";
import { MalformedEventError } from "../shared/errors";
import { claimNotification, confirmNotification, currentDeployment, releaseNotification, type NotificationClaim } from "../shared/ledger";
import type { Logger } from "../shared/log";
import { parseOrReport } from "../shared/malformed";
import type { Publisher } from "../shared/publish";
import type { ReportReader } from "../shared/reports";
import { approvalMessage, parseReport, type LiveVersion, type MetricsResult } from "./message";
import { DESCRIBE_TIMEOUT_MS, pinAtRegistration, TransientPinningError, type PinningDeps, type RegistrationIntegrity } from "./pinning";
import { awaitingIntegrity, momentOf, noLongerAwaiting } from "./stage";
import { NOTIFICATION_LEASE_SECONDS } from "./settings";

export interface NotifySettings {
    readonly environment: string;
    readonly groupName: string;
    readonly endpointName: string;
    readonly ledgerTableName: string;
    /** The function's region (AWS_REGION): its ECR is where image tags are resolved. */
    readonly region: string;
    /** Promotion layout: this environment's stage and the stage order (STAGE, STAGE_ORDER); absent in all-in-one. */
    readonly stage?: StageSettings;
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
    /** A later stage's environment at registration: pinned, nobody asked yet (./stage.ts). */
    | { readonly outcome: "pinned"; readonly pinWrite: RegistrationIntegrity["pinWrite"]; readonly problems: readonly string[] }
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
    const moment = momentOf(evt, settings.stage);
    if (moment.kind === "none") {
        deps.logger.log("info", `ignored: ${moment.reason}`, { eventId: evt.eventId });
        return { outcome: "ignored", reason: moment.reason };
    }
    if (moment.kind === "registration" && !moment.notify) {
        // Pinned here too (this environment's deploys check its own pins); its approvers are asked after the previous stage deploys it.
        const integrity = await pinAtRegistration(evt.packageArn, evt.eventId, settings, deps);
        deps.logger.log(integrity.problems.length ? "warn" : "info", `pinned ${evt.packageArn} (${integrity.pinWrite}); approvers of ${settings.stage!.stage} are asked once the previous stage has deployed it`, { eventId: evt.eventId, problems: integrity.problems });
        return { outcome: "pinned", pinWrite: integrity.pinWrite, problems: integrity.problems };
    }
    const confirmProblem = moment.kind === "awaiting" ? await confirmAwaiting(evt.packageArn, moment.previous, deps) : undefined;
    if (confirmProblem?.stale) {
        deps.logger.log("info", `ignored: ${confirmProblem.stale}`, { eventId: evt.eventId });
        return { outcome: "ignored", reason: confirmProblem.stale };
    }
    // One notification per version and moment: registration (its status), or awaiting this stage.
    const state = moment.kind === "awaiting" ? `AwaitingStage:${settings.stage!.stage}` : evt.approvalStatus;
    const claim: NotificationClaim = { packageArn: evt.packageArn, approvalStatus: state, packageStatus: evt.packageStatus, eventId: evt.eventId };
    const claimed = await claimNotification(deps.dynamodb, settings.ledgerTableName, claim, deps.now(), NOTIFICATION_LEASE_SECONDS);
    if (!claimed) {
        const reason = `approvers were already notified about ${evt.packageArn} in state ${state}/${evt.packageStatus}`;
        deps.logger.log("info", `duplicate: ${reason}`, { eventId: evt.eventId });
        return { outcome: "duplicate", reason };
    }
    try {
        // Pins first: a transient failure throws here, before anything is sent.
        const [integrity, metrics, current] = await Promise.all([
            moment.kind === "awaiting" ? awaitingIntegrity(deps.dynamodb, settings.ledgerTableName, evt.packageArn) : pinAtRegistration(evt.packageArn, evt.eventId, settings, deps),
            readMetrics(deps.reports, evt.metricsS3Uri),
            currentDeployment(deps.dynamodb, settings.ledgerTableName, settings.endpointName),
        ]);
        const live: LiveVersion | undefined = current
            ? { packageArn: current.packageArn, version: current.version, metrics: current.metricsS3Uri ? await readMetrics(deps.reports, current.metricsS3Uri) : undefined }
            : undefined;
        const withCheck = confirmProblem?.unconfirmed ? { ...integrity, problems: [...integrity.problems, confirmProblem.unconfirmed] } : integrity;
        const stage = settings.stage ? { ...settings.stage, ...(moment.kind === "awaiting" ? { previous: moment.previous } : {}) } : undefined;
        const { subject, body } = approvalMessage({ environment: settings.environment, event: evt, metrics, live, integrity: withCheck, stage });
        await deps.publisher.publish(subject, body);
        await confirmNotification(deps.dynamodb, settings.ledgerTableName, claim, deps.now());
        const approvable = withCheck.problems.length === 0;
        deps.logger.log(approvable ? "info" : "warn", `notified approvers about ${evt.packageArn}${approvable ? "" : " (NOT APPROVABLE)"}`, {
            eventId: evt.eventId,
            pinWrite: withCheck.pinWrite,
            problems: withCheck.problems,
        });
        return { outcome: "notified", subject, body, approvable, problems: withCheck.problems, pinWrite: withCheck.pinWrite };
    } catch (error) {
        // Give the claim back so Lambda's retry can pin and notify: no notification is lost silently.
        await releaseNotification(deps.dynamodb, settings.ledgerTableName, claim);
        throw error;
    }
}

/**
 * The live package, re-read: an "awaiting" event may be late (the version was approved or rejected for this stage
 * since). `stale`: do not ask. `unconfirmed`: it could not be read for a final reason; the approvers are asked
 * anyway, and told (a lost request for approval is worse than one too many). A transient failure is retried.
 */
async function confirmAwaiting(packageArn: string, previous: string, deps: NotifyDeps): Promise<{ stale?: string; unconfirmed?: string }> {
    try {
        const live = await deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }), { abortSignal: AbortSignal.timeout(DESCRIBE_TIMEOUT_MS) });
        const stale = noLongerAwaiting(live, previous, packageArn);
        return stale ? { stale } : {};
    } catch (error) {
        if (isTransientAwsError(error)) throw new TransientPinningError(`DescribeModelPackage ${packageArn} failed transiently: ${describeAwsError(error)}`);
        return { unconfirmed: `its live state could not be confirmed (DescribeModelPackage failed: ${describeAwsError(error)})` };
    }
}
