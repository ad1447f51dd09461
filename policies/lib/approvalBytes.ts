/**
 * The rule's third question, Bytes: are a version's artifacts and images still the ones pinned when it was
 * registered? Asked by `checkModelPackageApproval` (approvalRule.ts, which re-exports this module) for every
 * caller that passes a `PinsContext`, so the deploy function and the policy pack give the same answer, with the
 * same words, for the same package state. See docs/artifact-integrity.md ("Verification at deploy").
 *
 * Cost: the pin read (one Query) runs beside DescribeModelPackage; the observations of the pinned targets (one
 * HeadObject per artifact, one BatchGetImage per repository, in parallel) are the next round, once the version
 * is known to be Approved.
 * A version with a TAMPERED record needs no observation: it is refused for good.
 */
import type { DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import {
    artifactTargets,
    describePinChanges,
    observeArtifacts,
    parseImageUri,
    verifyPins,
    type ArtifactObservation,
    type ArtifactTargets,
    type EcrSender,
    type ImageObservation,
    type ImageTarget,
    type ObservationCache,
    type Observations,
    type PackagePins,
    type PinChange,
    type S3Sender,
} from "./artifactPins";
import { awsErrorKind, describeAwsError, isTransientKind } from "./awsErrors";
import { readPins, type StoredPins, type TamperRecord } from "./pinStore";

/**
 * - `bytes-changed`: evidence the bytes changed (found now, or recorded before: TAMPERED). Final, for good.
 * - `bytes-unpinned`: pins exist, but something the package uses has no identity (a mutable tag without digest,
 *   an S3 prefix, a container or artifact added after registration). Final.
 * - `not-pinned`: no pin record for the version (registered before pinning existed, pinning failed, or the
 *   registration handler has not finished yet).
 * - `bytes-unverified`: the pins or a live identity could not be read; `finding.retry` says whether waiting helps.
 */
export type BytesCause = "bytes-changed" | "bytes-unpinned" | "not-pinned" | "bytes-unverified";

/** How the rule reaches the pins and the live artifacts. The pack passes its own per-process caches here. */
export interface PinsContext {
    /** The version's pins and tamper records: `ledgerPinReader(dynamodb, table)`, or a memoized copy of it. Throws AWS errors. */
    readonly readPins: (packageArn: string) => Promise<StoredPins>;
    readonly s3: S3Sender;
    /** One ECR client (of `ecrRegion`) or a client per region. */
    readonly ecr: EcrSender | ((region: string) => EcrSender);
    readonly ecrRegion?: string;
    /** Shares observations between checks (the pack: one per process; never across Lambda invocations). */
    readonly observationCache?: ObservationCache;
    /** Time budget per observation, SDK retries included (observeArtifacts' default otherwise). */
    readonly timeoutMs?: number;
}

/** `readPins` over the deployment ledger: one consistent Query per version. */
export function ledgerPinReader(dynamodb: Parameters<typeof readPins>[0], tableName: string): (packageArn: string) => Promise<StoredPins> {
    return (packageArn) => readPins(dynamodb, tableName, packageArn);
}

/** Whether asking again can change the answer: `transient` (throttled, timeout, 5xx), `unclassified` (an error of no known kind), or `never`. */
export type BytesRetry = "transient" | "unclassified" | "never";

export interface BytesFinding {
    /** What differs from the pins now (empty when only earlier TAMPERED records decide). */
    readonly changes: readonly PinChange[];
    /** Evidence that the bytes changed, now or before: never deploy this version again. */
    readonly tampered: boolean;
    /** Tampering found by this check and not yet in the ledger: the caller records it (pinStore.recordTampering). */
    readonly unrecorded: boolean;
    /** The TAMPERED records already in the ledger. */
    readonly recorded: readonly TamperRecord[];
    readonly retry: BytesRetry;
    /** When the pins were taken, if there are pins. */
    readonly pinnedAt?: string;
}

export type BytesAnswer =
    | { readonly intact: true; readonly pins: PackagePins }
    | { readonly intact: false; readonly cause: BytesCause; readonly reason: string; readonly finding: BytesFinding };

export interface BytesCheck {
    /** The answer for the package as DescribeModelPackage describes it now (its live targets must all be pinned). */
    judge(description: Pick<DescribeModelPackageCommandOutput, "InferenceSpecification">): Promise<BytesAnswer>;
}

/** A read that may have failed: its value, or the error it threw. */
export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

const settle = <T>(p: Promise<T>): Promise<Settled<T>> => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

/**
 * Starts the pin read now, so it runs beside DescribeModelPackage; `judge` then observes the pinned targets (the
 * next round). Observing only once the status is known to be Approved costs no extra round and no lookups for a
 * version nobody approved. Never rejects.
 */
export function startBytesCheck(ctx: PinsContext, packageArn: string): BytesCheck {
    const stored = settle(Promise.resolve().then(() => ctx.readPins(packageArn)));
    return {
        async judge(description) {
            const s = await stored;
            const observed = s.ok && s.value.pins && !s.value.problem && s.value.tampered.length === 0 ? await observePinned(ctx, s.value.pins) : undefined;
            return judgeBytes(packageArn, description, s, observed);
        },
    };
}

/** The bytes question for a caller that already holds the package's description. Never rejects. */
export function checkApprovedBytes(ctx: PinsContext, packageArn: string, description: Pick<DescribeModelPackageCommandOutput, "InferenceSpecification">): Promise<BytesAnswer> {
    return startBytesCheck(ctx, packageArn).judge(description);
}

/** The pinned targets, as observeArtifacts takes them. Pins without identity need no lookup: they are unpinned whatever is there. */
function pinnedTargets(pins: PackagePins): { targets: ArtifactTargets; unparsable: ImageObservation[] } {
    const unparsable: ImageObservation[] = [];
    const images: ImageTarget[] = [];
    for (const pin of pins.images) {
        if (!pin.digest) continue;
        const ref = parseImageUri(pin.image);
        if (ref) images.push({ image: pin.image, container: 0, ref });
        else unparsable.push({ image: pin.image, status: "unverified", kind: "invalid", detail: "the pinned image reference is not registry/repository[:tag][@sha256:digest]" });
    }
    const artifacts = pins.artifacts
        .filter((a) => a.versionId !== undefined || a.etag !== undefined)
        .map((a) => ({ uri: a.uri, bucket: a.bucket, key: a.key, prefix: false, role: "ModelDataUrl" as const, container: 0 }));
    return { targets: { artifacts, images }, unparsable };
}

async function observePinned(ctx: PinsContext, pins: PackagePins): Promise<Observations> {
    const { targets, unparsable } = pinnedTargets(pins);
    const observed = await observeArtifacts(ctx.s3, ctx.ecr, targets, {
        ...(ctx.timeoutMs !== undefined ? { timeoutMs: ctx.timeoutMs } : {}),
        ...(ctx.ecrRegion ? { ecrRegion: ctx.ecrRegion } : {}),
        ...(ctx.observationCache ? { cache: ctx.observationCache } : {}),
    });
    return { artifacts: observed.artifacts, images: [...observed.images, ...unparsable] };
}

const FOR_GOOD = "a version whose bytes changed is never deployed again, even if they are restored; register a new version from a trusted training run and have it approved";

function refused(cause: BytesCause, reason: string, finding: Partial<BytesFinding> & Pick<BytesFinding, "retry">): BytesAnswer {
    return { intact: false, cause, reason, finding: { changes: [], tampered: false, unrecorded: false, recorded: [], ...finding } };
}

/**
 * The answer from what was read. Pure. `observed` holds the observations of the pinned targets; the live
 * package's targets that are not among the pins are refused as unpinned without a lookup.
 */
export function judgeBytes(
    packageArn: string,
    description: Pick<DescribeModelPackageCommandOutput, "InferenceSpecification">,
    stored: Settled<StoredPins>,
    observed: Observations | undefined,
): BytesAnswer {
    if (!stored.ok) {
        const kind = awsErrorKind(stored.error);
        const retry: BytesRetry = isTransientKind(kind) ? "transient" : kind === "unknown" ? "unclassified" : "never";
        const fix = kind === "access-denied" ? "; grant dynamodb:Query on the deployment ledger" : "";
        return refused("bytes-unverified", `its artifact pins could not be read from the deployment ledger (${describeAwsError(stored.error)})${fix}`, { retry });
    }
    const { pins, tampered, problem } = stored.value;
    if (tampered.length > 0) {
        const found = tampered.map((t) => `${t.summary} (found by ${t.source} at ${t.recordedAt})`).join("; ");
        return refused("bytes-changed", `its bytes changed after registration: ${found}; ${FOR_GOOD}`, {
            tampered: true,
            recorded: tampered,
            retry: "never",
            ...(pins ? { pinnedAt: pins.pinnedAt } : {}),
        });
    }
    if (problem) return refused("bytes-unverified", `its artifact pins are unreadable: ${problem}`, { retry: "never" });
    if (!pins) {
        return refused(
            "not-pinned",
            "no artifact pins are recorded for it, so the bytes a person approved cannot be told from what is there now " +
                "(pins are taken when a version is registered, before anyone is asked to approve it); if it was registered moments ago, " +
                "its registration may still be in progress; otherwise register the version again and approve the new version",
            { retry: "never" },
        );
    }
    let live: ArtifactTargets;
    try {
        live = artifactTargets(description);
    } catch (error) {
        return refused("bytes-unpinned", `its artifacts cannot be pinned: ${(error as Error).message}`, { retry: "never", pinnedAt: pins.pinnedAt });
    }
    const verdict = verifyPins(pins, withUnpinned(pins, live, observed ?? { artifacts: [], images: [] }));
    if (verdict.intact) return { intact: true, pins };
    const { changes } = verdict;
    const summary = describePinChanges(changes);
    if (verdict.tampered) {
        return refused("bytes-changed", `its bytes changed since it was pinned at registration (${pins.pinnedAt}): ${summary}; ${FOR_GOOD}`, {
            changes,
            tampered: true,
            unrecorded: true,
            retry: "never",
            pinnedAt: pins.pinnedAt,
        });
    }
    if (changes.some((c) => c.what === "unpinned")) {
        return refused("bytes-unpinned", `part of it is not pinned, so its bytes cannot be verified: ${summary}`, { changes, retry: "never", pinnedAt: pins.pinnedAt });
    }
    const unclassified = [...(observed?.artifacts ?? []), ...(observed?.images ?? [])].some((o) => o.status === "unverified" && o.kind === "unknown");
    const retry: BytesRetry = verdict.retryable ? "transient" : unclassified ? "unclassified" : "never";
    return refused("bytes-unverified", `its bytes could not be verified against the pins: ${summary}`, { changes, retry, pinnedAt: pins.pinnedAt });
}

/**
 * The observations of the pinned targets, plus a placeholder for every live target that is not among the pins
 * (a container or data source added after registration), which verifyPins then reports as unpinned.
 */
function withUnpinned(pins: PackagePins, live: ArtifactTargets, observed: Observations): Observations {
    const note = "not among the pins, so not looked up";
    const extraArtifacts: ArtifactObservation[] = live.artifacts
        .filter((t) => !pins.artifacts.some((p) => p.uri === t.uri))
        .map((t) => ({ uri: t.uri, status: "unverified", kind: "invalid", detail: note }));
    const extraImages: ImageObservation[] = live.images
        .filter((t) => !pins.images.some((p) => p.image === t.image))
        .map((t) => ({ image: t.image, status: "unverified", kind: "invalid", detail: note }));
    return { artifacts: [...observed.artifacts, ...extraArtifacts], images: [...observed.images, ...extraImages] };
}
