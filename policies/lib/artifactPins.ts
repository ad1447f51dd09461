/**
 * Artifact pins: the identities of the bytes a version is made of, recorded at registration and checked before
 * every deploy, so that "Approved" covers the bytes and not just the name (issue 9; docs/artifact-integrity.md).
 *
 * - `artifactTargets(package)`: every S3 artifact and every image a package points at.
 * - `pinPackage(arn, targets, observations, pinnedAt, { registeredAt })`: pins from live observations at registration
 *   (pure); refuses what changed after the package was registered.
 * - `verifyPins(pins, observations)`: pinned vs now (pure); anything not proven unchanged is not intact.
 * - `observeArtifacts(s3, ecr, targets)`: the live observations (one HeadObject per artifact, one BatchGetImage
 *   per image repository, in parallel; every failure is an explicit "could not verify").
 * - `describePinChanges(changes)`: the one message both enforcement points print.
 *
 * AWS documents no enforcement of ModelDataETag or ImageDigest, and no version-id field for model data, so pins are
 * ours and every check is ours. Lives in `policies/` so the pack stays self-contained; the deploy Lambda bundles it.
 */
import type { DescribeModelPackageCommandOutput, ModelPackageContainerDefinition } from "@aws-sdk/client-sagemaker";
import {
    isDigest,
    normalizeEtag,
    parseImageUri,
    parseS3Uri,
    type ArtifactObservation,
    type ArtifactRole,
    type ArtifactTarget,
    type ArtifactTargets,
    type ImageObservation,
    type ImageTarget,
    type Observations,
} from "./artifactRefs";
import { isTransientKind, type AwsErrorKind } from "./awsErrors";

export * from "./artifactRefs";
export { observeArtifacts, newObservationCache, type ObservationCache, type ObserveOptions, type S3Sender, type EcrSender } from "./artifactObserve";

export interface ArtifactPin {
    readonly uri: string;
    readonly bucket: string;
    readonly key: string;
    /** S3 version id at registration; absent when the bucket is not versioned (or the artifact is a prefix). */
    readonly versionId?: string;
    /** ETag at registration, unquoted. */
    readonly etag?: string;
}

/** Where an image's pinned digest came from: SageMaker's ImageDigest, an ECR lookup of the tag, the URI itself, or nowhere. */
export type DigestSource = "sagemaker" | "ecr" | "uri" | "none";

export interface ImagePin {
    readonly image: string;
    readonly digest?: string;
    readonly digestSource: DigestSource;
}

export interface PackagePins {
    readonly packageArn: string;
    /** ISO-8601 time of registration-time observation. */
    readonly pinnedAt: string;
    readonly artifacts: readonly ArtifactPin[];
    readonly images: readonly ImagePin[];
}

/**
 * Every S3 artifact and image of a package's InferenceSpecification, de-duplicated by URI, in container order.
 * Throws for a package whose bytes cannot all be named: no containers (nothing would be pinned, and an empty pin
 * set would verify as intact), or a source algorithm (its image and model data come from the algorithm resource).
 */
export function artifactTargets(description: Pick<DescribeModelPackageCommandOutput, "InferenceSpecification" | "SourceAlgorithmSpecification">): ArtifactTargets {
    const artifacts = new Map<string, ArtifactTarget>();
    const images = new Map<string, ImageTarget>();
    const containers: readonly ModelPackageContainerDefinition[] = description.InferenceSpecification?.Containers ?? [];
    const algorithms = description.SourceAlgorithmSpecification?.SourceAlgorithms ?? [];
    if (algorithms.length) {
        throw new Error(
            `the package is built on SourceAlgorithmSpecification (${algorithms.map((a) => a.AlgorithmName ?? "?").join(", ")}): the algorithm's image and model data cannot be pinned; ` +
                "register the model with InferenceSpecification containers (image and ModelDataUrl) instead",
        );
    }
    if (!containers.length) throw new Error("the package has no InferenceSpecification.Containers: there is nothing to pin, so its bytes cannot be verified");
    const addArtifact = (container: number, role: ArtifactRole, uri: string | undefined, prefix: boolean, etag?: string, channel?: string) => {
        if (!uri || artifacts.has(uri)) return;
        const parsed = parseS3Uri(uri);
        if (!parsed) throw new Error(`InferenceSpecification.Containers[${container}].${role} is "${uri}", which is not an s3://bucket/key URI; artifact pins need S3 locations`);
        const recordedEtag = normalizeEtag(etag);
        artifacts.set(uri, { uri, ...parsed, prefix, role, container, ...(channel ? { channel } : {}), ...(recordedEtag ? { recordedEtag } : {}) });
    };
    containers.forEach((c, i) => {
        addArtifact(i, "ModelDataUrl", c.ModelDataUrl, false, c.ModelDataETag);
        const source = c.ModelDataSource?.S3DataSource;
        if (source) {
            addArtifact(i, "ModelDataSource", source.S3Uri, source.S3DataType === "S3Prefix", source.ETag);
            if (source.ManifestS3Uri) addArtifact(i, "ModelDataSource", source.ManifestS3Uri, false, source.ManifestEtag, "manifest");
        }
        for (const extra of c.AdditionalModelDataSources ?? []) {
            const s = extra.S3DataSource;
            if (s) addArtifact(i, "AdditionalModelDataSource", s.S3Uri, s.S3DataType === "S3Prefix", s.ETag, extra.ChannelName);
        }
        const additional = c.AdditionalS3DataSource;
        if (additional) addArtifact(i, "AdditionalS3DataSource", additional.S3Uri, additional.S3DataType !== "S3Object", additional.ETag);
        if (c.Image && !images.has(c.Image)) {
            const ref = parseImageUri(c.Image);
            if (!ref) throw new Error(`InferenceSpecification.Containers[${i}].Image is "${c.Image}", which is not registry/repository[:tag][@sha256:digest]`);
            images.set(c.Image, { image: c.Image, container: i, ref, ...(isDigest(c.ImageDigest) ? { recordedDigest: c.ImageDigest.toLowerCase() } : {}) });
        }
    });
    return { artifacts: [...artifacts.values()], images: [...images.values()] };
}

export type PinOutcome =
    | { readonly pinned: true; readonly pins: PackagePins }
    | { readonly pinned: false; readonly problems: readonly string[] };

export interface PinOptions {
    /**
     * When the package was registered (DescribeModelPackage's CreationTime). Given, an S3 artifact last modified in a
     * later second is refused: pins are taken seconds to hours after registration, and without this a write in between
     * would be pinned as "what was registered". Omitted, no such check (callers that pin what they just wrote).
     */
    readonly registeredAt?: Date | string;
}

/**
 * Pins from registration-time observations. Refuses to pin (so nobody approves bytes nobody could identify) when an
 * observation failed, an artifact is missing, an artifact was written after `options.registeredAt`, or what the
 * package records (ModelDataETag, ImageDigest) disagrees with what is there now. An image with no digest anywhere is
 * pinned as `digestSource: "none"` and fails verification later as "unpinned"; a prefix artifact is pinned without
 * identity and fails the same way.
 */
export function pinPackage(packageArn: string, targets: ArtifactTargets, observed: Observations, pinnedAt: string, options: PinOptions = {}): PinOutcome {
    const problems: string[] = [];
    const artifacts: ArtifactPin[] = [];
    const registration = registrationSecond(options.registeredAt);
    if (registration && "problem" in registration) problems.push(registration.problem);
    for (const t of targets.artifacts) {
        const obs = observed.artifacts.find((o) => o.uri === t.uri);
        if (t.prefix) {
            artifacts.push({ uri: t.uri, bucket: t.bucket, key: t.key });
        } else if (!obs || obs.status === "unverified") {
            problems.push(`${t.uri} could not be observed${obs ? ` (${obs.kind}: ${obs.detail})` : ""}`);
        } else if (obs.status === "deleted") {
            problems.push(`${t.uri} does not exist`);
        } else if (t.recordedEtag !== undefined && obs.etag !== t.recordedEtag) {
            problems.push(`${t.uri} has ETag "${obs.etag}" but the package records "${t.recordedEtag}": it changed after it was registered`);
        } else {
            const late = registration && "second" in registration ? writtenAfter(t.uri, obs.lastModified, registration) : undefined;
            if (late) problems.push(late);
            else artifacts.push({ uri: t.uri, bucket: t.bucket, key: t.key, ...identity(obs) });
        }
    }
    const images: ImagePin[] = [];
    for (const t of targets.images) {
        const obs = observed.images.find((o) => o.image === t.image);
        const live = obs?.status === "resolved" ? obs.digest : undefined;
        if (t.ref.digest) {
            images.push({ image: t.image, digest: t.ref.digest, digestSource: "uri" });
        } else if (t.recordedDigest) {
            if (live && live !== t.recordedDigest) {
                problems.push(`${t.image} now resolves to ${live} but SageMaker recorded ${t.recordedDigest}: the tag moved after registration`);
            } else {
                images.push({ image: t.image, digest: t.recordedDigest, digestSource: "sagemaker" });
            }
        } else if (live) {
            images.push({ image: t.image, digest: live, digestSource: "ecr" });
        } else if (obs?.status === "unverified" && obs.kind !== "not-ecr") {
            // a tag we could not read (throttled, denied, other region) is not "a tag with no digest"
            problems.push(`${t.image} could not be resolved (${obs.kind}: ${obs.detail})`);
        } else if (obs?.status === "missing") {
            problems.push(`${t.image} does not exist (${obs.detail})`);
        } else {
            images.push({ image: t.image, digestSource: "none" });
        }
    }
    return problems.length ? { pinned: false, problems } : { pinned: true, pins: { packageArn, pinnedAt, artifacts, images } };
}

type RegistrationSecond = { readonly second: number; readonly iso: string } | { readonly problem: string };

function registrationSecond(registeredAt: Date | string | undefined): RegistrationSecond | undefined {
    if (registeredAt === undefined) return undefined;
    const time = registeredAt instanceof Date ? registeredAt : new Date(registeredAt);
    if (Number.isNaN(time.getTime())) return { problem: `the registration time "${String(registeredAt)}" is not a time, so no artifact can be shown to predate it` };
    return { second: Math.floor(time.getTime() / 1000), iso: time.toISOString() };
}

/**
 * Seconds a LastModified may pass the registration and still count as before it: S3's Last-Modified has whole
 * seconds (an emulator was seen rounding a write at .9 s up to the next second), and S3's and SageMaker's clocks are
 * not one clock. A write that lands within this second of the registration cannot be told from the pipeline's own.
 */
export const LAST_MODIFIED_SLACK_SECONDS = 1;

/**
 * Why an artifact may not be the registered bytes, if so. S3's Last-Modified has whole seconds, so both times are
 * floored, and LAST_MODIFIED_SLACK_SECONDS more are allowed (the pipeline writes the artifact, then registers).
 * A missing LastModified is refused: S3 sends Last-Modified on every successful HEAD, so an answer without it is one we
 * do not understand, and refusing costs one re-registration while accepting could pin foreign bytes.
 */
function writtenAfter(uri: string, lastModified: string | undefined, registration: { second: number; iso: string }): string | undefined {
    const modified = lastModified === undefined ? Number.NaN : Date.parse(lastModified);
    if (Number.isNaN(modified)) {
        return `${uri}: S3 sent no Last-Modified${lastModified === undefined ? "" : ` it could read ("${lastModified}")`}, so it cannot be shown to predate the registration at ${registration.iso}; re-register the version from the pipeline's untouched output`;
    }
    if (Math.floor(modified / 1000) <= registration.second + LAST_MODIFIED_SLACK_SECONDS) return undefined;
    return (
        `${uri} was last modified at ${new Date(modified).toISOString()}, after the package was registered at ${registration.iso}: ` +
        "these may not be the bytes that were registered; re-register the version from the pipeline's untouched output"
    );
}

/** An artifact or image identity, as pinned or as seen now. */
export interface Identity {
    readonly versionId?: string;
    readonly etag?: string;
    readonly digest?: string;
}

/**
 * - overwritten / deleted / tag-moved / image-missing: evidence that the bytes changed (tampering).
 * - unpinned: nothing identifies it (no digest, a prefix, a target absent from the pins).
 * - unverified: the live identity could not be read (throttled, denied, timed out, not in ECR).
 */
export type PinChangeKind = "overwritten" | "deleted" | "tag-moved" | "image-missing" | "unpinned" | "unverified";

export interface PinChange {
    readonly what: PinChangeKind;
    readonly uri: string;
    readonly pinned?: Identity;
    readonly now?: Identity;
    readonly detail?: string;
}

export type PinVerdict =
    | { readonly intact: true }
    | {
          readonly intact: false;
          readonly changes: readonly PinChange[];
          /** Some change is evidence the bytes changed: final, record TAMPERED, never deploy this version again. */
          readonly tampered: boolean;
          /** Only transient lookup failures (throttled, timeout, 5xx): asking again may succeed. */
          readonly retryable: boolean;
      };

/** Throttled, timed out or unavailable (awsErrors' transient kinds): asking again may succeed. Prefixes and foreign registries never will. */
export function isTransientObservation(kind: UnverifiedKind): boolean {
    // "prefix", "not-ecr" and "other-region" are not AWS error kinds, so never transient.
    return isTransientKind(kind as AwsErrorKind);
}
export type UnverifiedKind = Extract<ArtifactObservation | ImageObservation, { status: "unverified" }>["kind"];

const TAMPER_KINDS: ReadonlySet<PinChangeKind> = new Set(["overwritten", "deleted", "tag-moved", "image-missing"]);

/** Pinned vs observed now. Intact only if every pinned identity and every observed target is proven unchanged. */
export function verifyPins(pins: PackagePins, observed: Observations): PinVerdict {
    if (!pins.artifacts.length && !pins.images.length) {
        return { intact: false, changes: [{ what: "unpinned", uri: pins.packageArn, detail: "nothing was pinned at registration" }], tampered: false, retryable: false };
    }
    const changes: PinChange[] = [];
    let transientOnly = true;
    for (const pin of pins.artifacts) {
        const obs = observed.artifacts.find((o) => o.uri === pin.uri);
        const pinned = identity(pin);
        if (pin.versionId === undefined && pin.etag === undefined) {
            changes.push({ what: "unpinned", uri: pin.uri, detail: "no version id or ETag was recorded at registration" });
        } else if (!obs) {
            changes.push({ what: "unverified", uri: pin.uri, pinned, detail: "not observed" });
        } else if (obs.status === "unverified") {
            if (!isTransientObservation(obs.kind)) transientOnly = false;
            changes.push({ what: "unverified", uri: pin.uri, pinned, detail: `${obs.kind}: ${obs.detail}` });
        } else if (obs.status === "deleted") {
            changes.push({ what: "deleted", uri: pin.uri, pinned });
        } else if ((pin.versionId !== undefined && obs.versionId !== pin.versionId) || (pin.etag !== undefined && obs.etag !== pin.etag)) {
            changes.push({ what: "overwritten", uri: pin.uri, pinned, now: identity(obs) });
        }
    }
    for (const pin of pins.images) {
        const obs = observed.images.find((o) => o.image === pin.image);
        const pinned = pin.digest ? { digest: pin.digest } : undefined;
        if (!pin.digest) {
            changes.push({ what: "unpinned", uri: pin.image, detail: "a mutable tag with no recorded digest; reference the image by digest (…@sha256:…)" });
        } else if (pin.digestSource === "uri" && parseImageUri(pin.image)?.digest === pin.digest) {
            continue; // the URI is the pin: SageMaker pulls exactly this digest
        } else if (!obs) {
            changes.push({ what: "unverified", uri: pin.image, pinned, detail: "not observed" });
        } else if (obs.status === "unverified") {
            if (!isTransientObservation(obs.kind)) transientOnly = false;
            changes.push({ what: "unverified", uri: pin.image, pinned, detail: `${obs.kind}: ${obs.detail}` });
        } else if (obs.status === "missing") {
            changes.push({ what: "image-missing", uri: pin.image, pinned, detail: obs.detail });
        } else if (obs.digest !== pin.digest) {
            changes.push({ what: "tag-moved", uri: pin.image, pinned, now: { digest: obs.digest } });
        }
    }
    for (const obs of observed.artifacts) {
        if (!pins.artifacts.some((p) => p.uri === obs.uri)) changes.push({ what: "unpinned", uri: obs.uri, detail: "the package points at it but it was not pinned at registration" });
    }
    for (const obs of observed.images) {
        if (!pins.images.some((p) => p.image === obs.image)) changes.push({ what: "unpinned", uri: obs.image, detail: "the package points at it but it was not pinned at registration" });
    }
    if (changes.length === 0) return { intact: true };
    const tampered = changes.some((c) => TAMPER_KINDS.has(c.what));
    const retryable = !tampered && transientOnly && changes.every((c) => c.what === "unverified");
    return { intact: false, changes, tampered, retryable };
}

function identity(x: { versionId?: string; etag?: string }): Identity {
    return { ...(x.versionId !== undefined ? { versionId: x.versionId } : {}), ...(x.etag !== undefined ? { etag: x.etag } : {}) };
}

const VERB: Record<PinChangeKind, string> = {
    overwritten: "overwritten",
    deleted: "deleted",
    "tag-moved": "tag moved",
    "image-missing": "image no longer exists",
    unpinned: "not pinned",
    unverified: "could not be verified",
};

function label(uri: string): string {
    const s3 = parseS3Uri(uri);
    if (s3) return `${s3.key.split("/").filter(Boolean).pop() ?? s3.key} ${uri}`;
    return `image ${uri}`;
}

function show(id: Identity | undefined): string {
    if (!id) return "nothing";
    const parts = [id.versionId !== undefined ? `version ${id.versionId}` : "", id.etag !== undefined ? `etag "${id.etag}"` : "", id.digest ?? ""];
    return parts.filter(Boolean).join(" ") || "nothing";
}

/** One line per change, e.g. `model.tar.gz s3://b/k overwritten: pinned version v1 etag "x", now version v2 etag "y"`. */
export function describePinChanges(changes: readonly PinChange[]): string {
    return changes
        .map((c) => {
            const head = `${label(c.uri)} ${VERB[c.what]}`;
            const tail = [c.pinned ? `pinned ${show(c.pinned)}` : "", c.now ? `now ${show(c.now)}` : c.what === "deleted" ? "now deleted" : "", c.detail ?? ""];
            const rest = tail.filter(Boolean).join(", ");
            return rest ? `${head}: ${rest}` : head;
        })
        .join("; ");
}

/** What the approver approves, one line per artifact and image (notification, `approvals show`). */
export function describePins(pins: PackagePins): string[] {
    return [
        ...pins.artifacts.map((a) => `${label(a.uri)}: ${show(identity(a))}`),
        ...pins.images.map((i) => `image ${i.image}: ${i.digest ?? "NO DIGEST (refused in production)"}${i.digest ? ` (from ${i.digestSource})` : ""}`),
    ];
}
