/** The one message approvers get for a tamper event (pure). */
import { describePinChanges, type PinChange } from "../../policies/lib/artifactPins";

export interface AffectedVersion {
    readonly packageArn: string;
    readonly change: PinChange;
}

export interface UnreadableVersion {
    readonly packageArn: string;
    readonly problem: string;
}

/** `…:model-package/abalone-dev/7` → `abalone-dev/7` (the group as the ARN spells it: lower case). */
export function versionLabel(packageArn: string): string {
    const match = /:model-package\/([^/]+)\/(\d+)$/.exec(packageArn);
    return match ? `${match[1]}/${match[2]}` : packageArn;
}

/** `abalone-dev/7` → `abalone-dev v7`, for the live subject. */
function versionWords(packageArn: string): string {
    const label = versionLabel(packageArn);
    const slash = label.lastIndexOf("/");
    return slash > 0 && label !== packageArn ? `${label.slice(0, slash)} v${label.slice(slash + 1)}` : label;
}

/**
 * Whether an affected version is what the endpoint serves, from the ledger's CURRENT: `live` names it,
 * `unknown` when CURRENT could not be read (treated as possibly live), `not-live` otherwise.
 */
export type LiveStatus =
    | { readonly kind: "live"; readonly endpointName: string; readonly packageArn: string }
    | { readonly kind: "unknown"; readonly endpointName: string; readonly problem: string }
    | { readonly kind: "not-live" };

function liveLines(live: LiveStatus, affected: readonly AffectedVersion[]): string[] {
    const what =
        "SageMaker reads the artifact and pulls the image again at every scale-out and instance replacement, so the changed bytes can start serving without any deploy. " +
        "What to do now: reject it (approvals reject) to roll the endpoint back to the last good approved version, or approve a good version to replace it.";
    if (live.kind === "live") return [`${versionLabel(live.packageArn)} is live on ${live.endpointName} (the ledger's CURRENT). ${what}`, ""];
    if (live.kind === "unknown") {
        const labels = affected.map((v) => versionLabel(v.packageArn)).join(", ");
        return [`Could not read what ${live.endpointName} serves (${live.problem}): check with approvals live. If it is ${labels}: ${what}`, ""];
    }
    return [];
}

export function tamperMessage(input: {
    readonly environment: string;
    readonly summary: string;
    readonly affected: readonly AffectedVersion[];
    readonly unreadable: readonly UnreadableVersion[];
    readonly live?: LiveStatus;
}): { subject: string; body: string } {
    const live = input.live ?? { kind: "not-live" };
    const labels = [...input.affected, ...input.unreadable].map((v) => versionLabel(v.packageArn));
    const subject =
        live.kind === "live"
            ? `[${input.environment}] LIVE VERSION TAMPERED: ${versionWords(live.packageArn)} on ${live.endpointName}`
            : live.kind === "unknown" && input.affected.length
              ? `[${input.environment}] LIVE VERSION MAY BE TAMPERED: ${input.affected.map((v) => versionWords(v.packageArn)).join(", ")} on ${live.endpointName}`
              : input.affected.length
                ? `[${input.environment}] TAMPERING: bytes of ${labels.join(", ")} changed`
                : `[${input.environment}] Tamper check failed for ${labels.join(", ")}`;
    const lines = [`[${input.environment}] ${input.summary}`, ""];
    if (input.affected.length) lines.push(...liveLines(live, input.affected));
    if (input.affected.length) {
        lines.push(
            `The bytes of ${input.affected.length} registered model version(s) changed after registration. They are recorded as TAMPERED in the deployment ledger and are never deployed again, even if the bytes are restored.`,
            "",
            ...input.affected.map((v) => `- ${versionLabel(v.packageArn)} (${v.packageArn}): ${describePinChanges([v.change])}`),
            "",
        );
    }
    if (input.unreadable.length) {
        lines.push(
            "These versions use what the event touched, but their pin record cannot be read, so the change could not be compared. Deploys refuse them until they are re-registered:",
            ...input.unreadable.map((v) => `- ${versionLabel(v.packageArn)} (${v.packageArn}): ${v.problem}`),
            "",
        );
    }
    lines.push(
        "What to do: find who wrote it (CloudTrail: PutObject/DeleteObject on the artifacts bucket, PutImage/BatchDeleteImage in ECR), then retrain or register the version again; a live endpoint keeps serving until you roll it back.",
    );
    return { subject, body: lines.join("\n") };
}
