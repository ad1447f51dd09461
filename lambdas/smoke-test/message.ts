/** What approvers read about a smoke test, and the rejection's comment (pure). */
import type { SmokeRecord } from "./record";
import type { OnFailure } from "./settings";

/** ApprovalDescription holds at most 1024 characters (UpdateModelPackage API reference). */
export const MAX_APPROVAL_DESCRIPTION = 1024;

const label = (r: SmokeRecord) => `${r.groupName ?? "version"} v${r.version ?? "?"}`;

/** The comment the rejection carries: who rejected, where, which payload, what failed. */
export function rejectionComment(environment: string, record: SmokeRecord): string {
    const text = `Rejected by the smoke test after its deployment to ${record.endpointName} (${environment}) at ${record.testedAt}: ${record.failingPayload ?? "a payload"}: ${record.reason}`;
    return text.length <= MAX_APPROVAL_DESCRIPTION ? text : `${text.slice(0, MAX_APPROVAL_DESCRIPTION - 1)}…`;
}

/** The message for a recorded result. `rejected`: whether this run set the version Rejected (false when it already was). */
export function smokeMessage(environment: string, record: SmokeRecord, onFailure: OnFailure, rejected: boolean): { subject: string; body: string } {
    const where = `${record.endpointName}`;
    if (record.status === "passed") {
        return {
            subject: `[${environment}] Smoke test passed: ${label(record)} on ${where}`,
            body: `Smoke test passed: ${label(record)} answered ${record.payloadsSent ?? 0} payload(s) as expected on ${where} (deployment ${record.endpointConfigName}, ${record.packageArn}).`,
        };
    }
    if (record.status === "not-run") {
        return {
            subject: `[${environment}] Smoke test NOT RUN: ${label(record)} on ${where}`,
            body: [
                `The smoke test did not run for ${label(record)} on ${where}: ${record.reason}`,
                "The version stays deployed, untested. Fix the payloads (the version's SamplePayloadUrl, or smokeTest.payloads in the stack config), then run it again: reject and re-approve, or invoke the endpoint yourself.",
                `Package: ${record.packageArn}`,
            ].join("\n"),
        };
    }
    const action =
        onFailure === "alert"
            ? "smokeTest.onFailure is alert: the version was NOT rejected and is STILL SERVING. Reject it (npm run approvals -- reject ...) to roll back."
            : rejected
              ? "The version was set Rejected (with this reason as its comment); the deploy function rolls the endpoint back to the previous approved version, and you get its message."
              : "The version was already Rejected; the deploy function rolls the endpoint back on that rejection.";
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
