/** What approvers read about a smoke test, and the rejection's comment (pure). */
import type { SmokeRecord } from "./record";
import type { Rejection } from "./reject";
import type { OnFailure } from "./settings";

/** ApprovalDescription holds at most 1024 characters (UpdateModelPackage API reference). */
export const MAX_APPROVAL_DESCRIPTION = 1024;

const label = (r: SmokeRecord) => `${r.groupName ?? "version"} v${r.version ?? "?"}`;

/** The comment the rejection carries: who rejected (for which stage, in a promotion environment), where, which payload, what failed. */
export function rejectionComment(environment: string, record: SmokeRecord, stage?: string): string {
    const text = `Rejected${stage ? ` for ${stage}` : ""} by the smoke test after its deployment to ${record.endpointName} (${environment}) at ${record.testedAt}: ${record.failingPayload ?? "a payload"}: ${record.reason}`;
    return text.length <= MAX_APPROVAL_DESCRIPTION ? text : `${text.slice(0, MAX_APPROVAL_DESCRIPTION - 1)}…`;
}

/** What a failure did to the version, in words (onFailure reject). */
function rejectionText(rejection: Rejection | undefined, stage: string | undefined): string {
    if (stage) {
        if (rejection?.kind === "rejected") {
            return `${stage} was set Rejected for this version (its ModelLifeCycle, with this reason; its ModelApprovalStatus and the other stages are unchanged). The deploy function rolls this environment back to the previous version deployable for ${stage}, and you get its message. ${stage} is not marked Deployed, so the next stage's approvers are not asked about it.`;
        }
        if (rejection?.kind === "already") return `It was not rejected again: ${rejection.reason}. The deploy function acts on that rejection.`;
        return `${stage} was NOT rejected: ${rejection?.reason ?? "unknown"}. The version is STILL SERVING here. If it must go, its current stage's approvers reject it (npm run approvals -- reject ... --stage <stage>).`;
    }
    if (rejection?.kind === "rejected") return "The version was set Rejected (with this reason as its comment); the deploy function rolls the endpoint back to the previous approved version, and you get its message.";
    if (rejection?.kind === "already") return `The version was not rejected again (${rejection.reason}); the deploy function rolls the endpoint back on that rejection.`;
    return `The version was NOT rejected: ${rejection?.reason ?? "unknown"}. It is STILL SERVING. Reject it (npm run approvals -- reject ...) to roll back.`;
}

/**
 * The message for a recorded result. `rejection`: what a failure did (absent with onFailure alert); `stage`: this
 * environment's stage in the promotion layout.
 */
export function smokeMessage(environment: string, record: SmokeRecord, onFailure: OnFailure, rejection?: Rejection, stage?: string): { subject: string; body: string } {
    const where = `${record.endpointName}`;
    if (record.status === "passed") {
        const next = stage ? ` The deploy function now marks ${stage} Deployed, which asks the next stage's approvers.` : "";
        return {
            subject: `[${environment}] Smoke test passed: ${label(record)} on ${where}`,
            body: `Smoke test passed: ${label(record)} answered ${record.payloadsSent ?? 0} payload(s) as expected on ${where} (deployment ${record.endpointConfigName}, ${record.packageArn}).${next}`,
        };
    }
    if (record.status === "not-run") {
        return {
            subject: `[${environment}] Smoke test NOT RUN: ${label(record)} on ${where}`,
            body: [
                `The smoke test did not run for ${label(record)} on ${where}: ${record.reason}`,
                `The version stays deployed, untested${stage ? `, and ${stage} is NOT marked Deployed (an untested version is not promoted)` : ""}. Fix the payloads (the version's SamplePayloadUrl, or smokeTest.payloads in the stack config), then run it again: reject and re-approve, or invoke the endpoint yourself.`,
                `Package: ${record.packageArn}`,
            ].join("\n"),
        };
    }
    const action =
        onFailure === "alert"
            ? `smokeTest.onFailure is alert: the version was NOT rejected and is STILL SERVING${stage ? ` (${stage} is not marked Deployed: a failed version is not promoted)` : ""}. Reject it (npm run approvals -- reject ...${stage ? ` --stage ${stage}` : ""}) to roll back.`
            : rejectionText(rejection, stage);
    return {
        subject: `[${environment}] SMOKE TEST FAILED: ${label(record)} on ${where}`,
        body: [
            `The smoke test of ${label(record)} on ${where} failed: ${record.failingPayload ?? "a payload"}: ${record.reason}`,
            record.failingRequest ? `Sent: ${record.failingRequest}` : undefined,
            record.failingAnswer ? `Answer: ${record.failingAnswer}` : undefined,
            action,
            "Recorded in the deployment ledger as a failed smoke test of this version.",
            `Package: ${record.packageArn}`,
            `Deployment: ${record.endpointConfigName}`,
        ].filter((l) => l !== undefined).join("\n"),
    };
}
