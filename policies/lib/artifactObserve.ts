/**
 * The live identities of a package's artifacts and images: one S3 HeadObject per distinct artifact and one ECR
 * BatchGetImage per distinct image repository, all in parallel, each under a time budget.
 *
 * BatchGetImage, not DescribeImages: it is the call a pull makes, which the repository policies of AWS-owned
 * registries (SageMaker's built-in images, Deep Learning Containers) exist to allow other accounts; DescribeImages is
 * a separate action those policies need not grant (docs/artifact-integrity.md, "Resolving tags and reading heads").
 *
 * Never throws and never guesses: a failed lookup (throttled, access denied, timeout, 5xx, anything unknown) is an
 * explicit `unverified` observation with its kind, which `verifyPins` never treats as intact. Error kinds are
 * decided by `name`, `$fault`, `$retryable` and HTTP status, never by message text.
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { BatchGetImageCommand, type BatchGetImageCommandOutput } from "@aws-sdk/client-ecr";
import type { ArtifactObservation, ArtifactTarget, ArtifactTargets, ImageObservation, ImageTarget, Observations } from "./artifactRefs";
import { normalizeEtag } from "./artifactRefs";
import { awsErrorKind, type AwsErrorKind } from "./awsErrors";

/** Anything that sends S3 / ECR commands: an S3Client / ECRClient, or a test double (aws-sdk-client-mock). */
export interface S3Sender {
    send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}
export interface EcrSender {
    send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

export interface ObserveOptions {
    /** Time budget per lookup, SDK retries included. Default 5 s. */
    readonly timeoutMs?: number;
    /**
     * The region of a plain `ecr` client. Images of ECR registries in another region are then `unverified`
     * (`other-region`) instead of being looked up in the wrong region, where they would look deleted.
     */
    readonly ecrRegion?: string;
    /**
     * Shares lookups between calls (answers and failures, in flight or settled): the policy pack keeps one per process,
     * which is one moment in time, so 500 configurations of a few packages cost one lookup per distinct artifact and
     * tag. Never keep one across Lambda invocations: a later deploy must look again.
     */
    readonly cache?: ObservationCache;
}

export interface ObservationCache {
    readonly artifacts: Map<string, Promise<ArtifactObservation>>;
    readonly images: Map<string, Promise<ImageObservation>>;
}

export function newObservationCache(): ObservationCache {
    return { artifacts: new Map(), images: new Map() };
}

export const DEFAULT_OBSERVE_TIMEOUT_MS = 5_000;

const S3_NOT_FOUND = new Set(["NotFound", "NoSuchKey", "NoSuchVersion"]);
// BatchGetImage reports a missing tag in failures[]; a missing repository is an error of the whole call.
const ECR_NOT_FOUND = new Set(["RepositoryNotFoundException"]);
interface AwsErrorLike {
    name?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string> };
}

function describeError(error: unknown): string {
    const e = (error ?? {}) as AwsErrorLike & { message?: string };
    const status = e.$metadata?.httpStatusCode;
    return `${e.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}${e.message ? `: ${e.message}` : ""}`;
}

/** Runs `call` with an abort signal, and rejects with a TimeoutError (awsErrors: timed-out) once `timeoutMs` is spent. */
export async function withTimeout<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            controller.abort();
            reject(Object.assign(new Error(`no answer within ${timeoutMs} ms, retries included`), { name: "TimeoutError" }));
        }, timeoutMs);
    });
    try {
        return await Promise.race([call(controller.signal), expired]);
    } finally {
        clearTimeout(timer);
    }
}

async function observeArtifact(s3: S3Sender, target: ArtifactTarget, timeoutMs: number): Promise<ArtifactObservation> {
    const { uri } = target;
    if (target.prefix) {
        return { uri, status: "unverified", kind: "prefix", detail: "an S3Prefix data source is many objects; one HeadObject cannot identify it (register an S3Object or a manifest)" };
    }
    try {
        const head = await withTimeout(timeoutMs, (abortSignal) => s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key }), { abortSignal }));
        const etag = normalizeEtag(head?.ETag);
        const lastModified = head?.LastModified instanceof Date && !Number.isNaN(head.LastModified.getTime()) ? head.LastModified.toISOString() : undefined;
        return { uri, status: "present", ...(head?.VersionId ? { versionId: head.VersionId } : {}), ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
    } catch (error) {
        const e = (error ?? {}) as AwsErrorLike;
        if (S3_NOT_FOUND.has(e.name ?? "") || (e.$metadata?.httpStatusCode === 404 && e.$fault === "client")) {
            return { uri, status: "deleted", deleteMarker: e.$response?.headers?.["x-amz-delete-marker"] === "true" };
        }
        return { uri, status: "unverified", kind: awsErrorKind(error), detail: `HeadObject ${uri} failed: ${describeError(error)}` };
    }
}

function repoKey(t: ImageTarget): string {
    return `${t.ref.ecr!.registryId}/${t.ref.ecr!.region}/${t.ref.repository}`;
}

/**
 * The manifest formats images are stored in today (AWS's ECR containerd resolver asks for these, and for the
 * deprecated schema 1, left out here). Accepting the stored format means ECR has no reason to convert the manifest,
 * so the digest answered is the pushed image's, as the pins recorded it, not a conversion's.
 */
export const ACCEPTED_MANIFEST_MEDIA_TYPES = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
] as const;

/** Per-image failure codes of BatchGetImage (API_ImageFailure) that have an error kind; any other code is `unknown`. */
const FAILURE_KINDS: Record<string, AwsErrorKind> = {
    UpstreamTooManyRequests: "throttled",
    UpstreamUnavailable: "unavailable",
    UpstreamAccessDenied: "access-denied",
};

async function pullTags(ecr: EcrSender, sample: ImageTarget, tags: string[], timeoutMs: number): Promise<BatchGetImageCommandOutput> {
    const input = { registryId: sample.ref.ecr!.registryId, repositoryName: sample.ref.repository, imageIds: tags.map((imageTag) => ({ imageTag })), acceptedMediaTypes: [...ACCEPTED_MANIFEST_MEDIA_TYPES] };
    return (await withTimeout(timeoutMs, (abortSignal) => ecr.send(new BatchGetImageCommand(input), { abortSignal }))) ?? {};
}

/** One BatchGetImage for all tags of one repository: a missing tag is a per-image failure, not an error of the call. */
async function observeRepository(ecr: EcrSender, targets: ImageTarget[], timeoutMs: number): Promise<ImageObservation[]> {
    const tags = [...new Set(targets.map((t) => t.ref.tag!))];
    const settle = (out: BatchGetImageCommandOutput) =>
        targets.map((t): ImageObservation => {
            const where = `${t.ref.repository}:${t.ref.tag}`;
            const found = out.images?.find((i) => i.imageId?.imageTag === t.ref.tag && i.imageId?.imageDigest);
            if (found) return { image: t.image, status: "resolved", digest: found.imageId!.imageDigest!.toLowerCase(), source: "ecr" };
            const failure = out.failures?.find((f) => f.imageId?.imageTag === t.ref.tag);
            if (failure?.failureCode === "ImageNotFound") return { image: t.image, status: "missing", detail: `tag ${t.ref.tag} is not in ${t.ref.repository}` };
            if (failure) {
                const kind = FAILURE_KINDS[failure.failureCode ?? ""] ?? "unknown";
                return { image: t.image, status: "unverified", kind, detail: `BatchGetImage ${where}: ${failure.failureReason ?? "no reason given"} (${failure.failureCode ?? "no failure code"})` };
            }
            // Neither an image nor a failure for a tag asked for: an answer we do not understand, never "missing".
            return { image: t.image, status: "unverified", kind: "unknown", detail: `BatchGetImage ${where}: the answer names neither an image nor a failure for this tag` };
        });
    try {
        return settle(await pullTags(ecr, targets[0], tags, timeoutMs));
    } catch (error) {
        const name = (error as AwsErrorLike)?.name ?? "";
        return targets.map((t): ImageObservation =>
            ECR_NOT_FOUND.has(name)
                ? { image: t.image, status: "missing", detail: describeError(error) }
                : { image: t.image, status: "unverified", kind: awsErrorKind(error), detail: `BatchGetImage ${t.ref.repository}:${t.ref.tag} failed: ${describeError(error)}` },
        );
    }
}

/**
 * Observes every target in parallel. `ecr` is a client per region, or one client (of `options.ecrRegion`: SageMaker
 * requires a model's images in its own region, so one client usually suffices); images outside ECR are `unverified`
 * (`not-ecr`), digest-pinned URIs need no lookup.
 */
export async function observeArtifacts(
    s3: S3Sender,
    ecr: EcrSender | ((region: string) => EcrSender),
    targets: ArtifactTargets,
    options: ObserveOptions = {},
): Promise<Observations> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_OBSERVE_TIMEOUT_MS;
    const clientFor = typeof ecr === "function" ? ecr : () => ecr;
    // Without a cache, a fresh one: the same de-duplication within this call.
    const cache = options.cache ?? newObservationCache();
    const byRepo = new Map<string, ImageTarget[]>();
    for (const t of targets.images) {
        if (cache.images.has(t.image)) continue;
        if (t.ref.digest) cache.images.set(t.image, Promise.resolve({ image: t.image, status: "resolved", digest: t.ref.digest, source: "uri" }));
        else if (!t.ref.ecr) {
            cache.images.set(t.image, Promise.resolve({ image: t.image, status: "unverified", kind: "not-ecr", detail: `${t.ref.registry} is not an Amazon ECR registry; its tags cannot be resolved here` }));
        } else if (typeof ecr !== "function" && options.ecrRegion && options.ecrRegion !== t.ref.ecr.region) {
            cache.images.set(t.image, Promise.resolve({ image: t.image, status: "unverified", kind: "other-region", detail: `${t.ref.registry} is in ${t.ref.ecr.region}, the ECR client in ${options.ecrRegion}` }));
        } else byRepo.set(repoKey(t), [...(byRepo.get(repoKey(t)) ?? []), t]);
    }
    for (const group of byRepo.values()) {
        const lookup = observeRepository(clientFor(group[0].ref.ecr!.region), group, timeoutMs);
        for (const t of group) cache.images.set(t.image, lookup.then((found) => found.find((o) => o.image === t.image)!));
    }
    for (const t of targets.artifacts) {
        if (!cache.artifacts.has(t.uri)) cache.artifacts.set(t.uri, observeArtifact(s3, t, timeoutMs));
    }
    const [artifacts, images] = await Promise.all([
        Promise.all(targets.artifacts.map((t) => cache.artifacts.get(t.uri)!)),
        Promise.all(targets.images.map((t) => cache.images.get(t.image)!)),
    ]);
    return { artifacts, images };
}
