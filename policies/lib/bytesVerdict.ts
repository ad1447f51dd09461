/**
 * The bytes question as the pack asks it: are the package's artifact and images still the ones pinned at
 * registration? What was read (pins, tamper records, live identities) in, a verdict with its cause, reason and fix
 * out. Pure. Every failure is "not verified" (fail closed): no pins, corrupt pins, a TAMPERED record, a change,
 * a lookup that failed. The wording of a change is `describePinChanges`, the one message deploy-approved prints too.
 */
import { describePinChanges, verifyPins } from "./artifactPins";
import { awsErrorKind, describeAwsError } from "./awsErrors";
import type { BytesObservation, PinLedger, PinsRead } from "./packageBytes";

export type BytesCause = "pins-unreadable" | "tampered" | "pins-corrupt" | "no-pins" | "changed" | "unpinned" | "unverified";

export type BytesVerdict =
    | { readonly intact: true }
    | { readonly intact: false; readonly cause: BytesCause; readonly reason: string; readonly fix: string };

const FIX_NEW_VERSION = "Fix: register a new version from trusted artifacts and have it approved; a version whose bytes changed is never deployed again (the approvers were told; `approvals show <ARN>` lists what changed).";

function refuse(cause: BytesCause, reason: string, fix: string): BytesVerdict {
    return { intact: false, cause, reason, fix };
}

/** Judges one package's bytes. `observation` is absent when the pins already decide (nothing to observe). */
export function judgePackageBytes(packageArn: string, ledger: PinLedger, pins: PinsRead, observation?: BytesObservation): BytesVerdict {
    const where = `ledger table ${ledger.table}${ledger.region ? ` in ${ledger.region}` : ""}`;
    if (!pins.ok) {
        const kind = awsErrorKind(pins.error);
        const reason = kind === "not-found"
            ? `its artifact pins could not be read: the ${where} does not exist (${describeAwsError(pins.error)})`
            : `its artifact pins could not be read from the ${where} (${describeAwsError(pins.error)})`;
        return refuse("pins-unreadable", reason,
            "Fix: deploy the environment's approval-events stack (it declares the ledger), point the policy config option ledgerTableName at it, and let the deployer call dynamodb:Query on it; then retry.");
    }
    const { stored } = pins;
    if (stored.tampered.length) {
        const records = stored.tampered.map((t) => `${t.recordedAt} from ${t.source}: ${t.summary}`).join("; ");
        return refuse("tampered", `its bytes changed after registration (TAMPERED in the ledger: ${records})`, FIX_NEW_VERSION);
    }
    if (stored.problem) return refuse("pins-corrupt", `its artifact pins cannot be trusted: ${stored.problem}`, FIX_NEW_VERSION);
    if (!stored.pins) {
        return refuse("no-pins", `no artifact pins are recorded for it in the ${where}, so nobody can tell whether its bytes are the ones approved`,
            "Fix: re-register the version (notify-approver pins its artifact and images at registration; versions registered before pinning have none), then have it approved.");
    }
    if (!observation) return refuse("unverified", "its artifacts and images were not observed", "Fix: retry.");
    if (!observation.ok) {
        return refuse("unpinned", `its artifacts cannot be identified: ${observation.problem}`,
            "Fix: register the version with s3:// model data and registry/repository images, then have it approved.");
    }
    const verdict = verifyPins(stored.pins, observation.observed);
    if (verdict.intact) return { intact: true };
    const message = describePinChanges(verdict.changes);
    if (verdict.tampered) return refuse("changed", `its bytes are not the ones pinned at registration: ${message}`, FIX_NEW_VERSION);
    if (verdict.changes.every((c) => c.what === "unpinned" || c.what === "unverified") && verdict.changes.some((c) => c.what === "unpinned")) {
        return refuse("unpinned", `not all of its bytes are pinned: ${message}`,
            "Fix: register the version with every image referenced by digest (registry/repository@sha256:…) and model data as S3 objects (not prefixes), then have it approved.");
    }
    return refuse("unverified", `its bytes could not be verified against the pins: ${message}`,
        "Fix: let the deployer call s3:GetObject (HeadObject) and s3:ListBucket on the artifacts and ecr:DescribeImages on the image repositories, then retry.");
}
