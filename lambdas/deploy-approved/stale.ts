/**
 * The stale-approval rule: an Approved event older than the live deployment's own approval never
 * replaces it. A redriven DLQ message or a late replay for v3 must not put v3 back over v4, which was
 * approved after it. Putting an older version back on purpose takes a fresh decision (see
 * docs/approval-events.md, "Stale approvals"). Pure.
 */
import type { ModelPackageEvent } from "../shared/events";
import { approvalsCommand } from "../shared/approvals";
import type { StageSettings } from "../shared/env";
import type { DeploymentRecord } from "../shared/ledger";

function isoOrUndefined(value: string | Date | undefined): string | undefined {
    if (value === undefined || value === "") return undefined;
    const ms = value instanceof Date ? value.getTime() : Date.parse(value);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * When the event's version was approved: the event's `detail.LastModifiedTime` (SageMaker's time of the
 * change), else its EventBridge `time`. Never later than the package's own LastModifiedTime as
 * DescribeModelPackage reports it now, so an event cannot claim an approval newer than the package has.
 */
export function approvalTime(
    evt: Pick<ModelPackageEvent, "lastModifiedTime" | "time">,
    description?: { readonly LastModifiedTime?: Date },
): string | undefined {
    const fromEvent = isoOrUndefined(evt.lastModifiedTime) ?? isoOrUndefined(evt.time);
    const fromPackage = isoOrUndefined(description?.LastModifiedTime);
    if (fromEvent && fromPackage) return fromEvent < fromPackage ? fromEvent : fromPackage;
    return fromEvent ?? fromPackage;
}

/**
 * The live deployment's approval time. Records written before `approvedAt` existed fall back to
 * `deployedAt`, which is never earlier than the approval: the rule stays closed (an event approved between
 * that approval and that deployment is refused as stale, and says how to redo it) rather than open.
 */
export function liveApprovalTime(live: DeploymentRecord): { readonly at: string | undefined; readonly fromDeployedAt: boolean } {
    const approvedAt = isoOrUndefined(live.approvedAt);
    if (approvedAt) return { at: approvedAt, fromDeployedAt: false };
    return { at: isoOrUndefined(live.deployedAt), fromDeployedAt: true };
}

/**
 * Why the event is stale, or undefined when it may go ahead: nothing is live, the live version is the
 * event's own, or the event's approval is not older than the live one's (equal times are not "older").
 * An event whose approval time cannot be told, over a live deployment, is refused (fail closed).
 */
export function staleApprovalReason(
    evt: Pick<ModelPackageEvent, "packageArn" | "version" | "groupName">,
    eventApprovedAt: string | undefined,
    live: DeploymentRecord | undefined,
    fix: { readonly environment: string; readonly stage?: StageSettings },
): string | undefined {
    if (!live || live.packageArn.toLowerCase() === evt.packageArn.toLowerCase()) return undefined;
    const liveApproval = liveApprovalTime(live);
    const liveVersion = `v${live.version ?? "?"}`;
    const liveSince = isoOrUndefined(live.deployedAt) ?? "an unknown time";
    const howTo = fix.stage
        ? `To put v${evt.version} back on purpose, reject ${liveVersion} for ${fix.stage.stage} (${approvalsCommand("reject", { groupName: evt.groupName, version: live.version }, fix)}); ` +
          `the endpoint rolls back to the newest earlier version that is still deployable for ${fix.stage.stage}.`
        : `To put v${evt.version} back on purpose, either reject ${liveVersion} (${approvalsCommand("reject", { groupName: evt.groupName, version: live.version }, fix)}; ` +
          `the endpoint rolls back to the newest earlier version that is still Approved), or set v${evt.version} back to PendingManualApproval and approve it again ` +
          `(${approvalsCommand("approve", evt, fix)}), which makes its approval the newest.`;
    if (!eventApprovedAt || !liveApproval.at) {
        return `stale check impossible: the approval time of ${eventApprovedAt ? liveVersion : `v${evt.version}`} is unknown, so this event cannot be shown to be newer than ${liveVersion} live since ${liveSince}; nothing deployed. ${howTo}`;
    }
    if (eventApprovedAt >= liveApproval.at) return undefined;
    const basis = liveApproval.fromDeployedAt
        ? `its ledger record predates approval times, so its deployment time ${liveApproval.at} stands in`
        : `approved at ${liveApproval.at}`;
    return (
        `stale: v${evt.version} approved at ${eventApprovedAt}, ${liveVersion} live since ${liveSince} (${basis}); ` +
        `an approval older than the live version's never replaces it (a redriven or replayed event). ${howTo}`
    );
}
