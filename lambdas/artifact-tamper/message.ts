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

export function tamperMessage(input: {
    readonly environment: string;
    readonly summary: string;
    readonly affected: readonly AffectedVersion[];
    readonly unreadable: readonly UnreadableVersion[];
}): { subject: string; body: string } {
    const labels = [...input.affected, ...input.unreadable].map((v) => versionLabel(v.packageArn));
    const subject = input.affected.length
        ? `[${input.environment}] TAMPERING: bytes of ${labels.join(", ")} changed`
        : `[${input.environment}] Tamper check failed for ${labels.join(", ")}`;
    const lines = [`[${input.environment}] ${input.summary}`, ""];
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
