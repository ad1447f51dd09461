/**
 * The live identities of a package's artifacts and images: one S3 HeadObject per distinct artifact and one ECR
 * DescribeImages per distinct image repository, all in parallel, each under a time budget.
 *
 * Never throws and never guesses: a failed lookup (throttled, access denied, timeout, 5xx, anything unknown) is an
 * explicit `unverified` observation with its kind, which `verifyPins` never treats as intact. Error kinds are
 * decided by `name`, `$fault`, `$retryable` and HTTP status, never by message text.
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { DescribeImagesCommand, type ImageDetail } from "@aws-sdk/client-ecr";
import type { ArtifactObservation, ArtifactTarget, ArtifactTargets, ImageObservation, ImageTarget, Observations } from "./artifactRefs";
import { normalizeEtag } from "./artifactRefs";
import { awsErrorKind } from "./awsErrors";

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
const ECR_NOT_FOUND = new Set(["ImageNotFoundException", "RepositoryNotFoundException"]);
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

async function withTimeout<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            controller.abort();
            reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: "TimeoutError" }));
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
        return { uri, status: "present", ...(head?.VersionId ? { versionId: head.VersionId } : {}), ...(etag ? { etag } : {}) };
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

async function describeTags(ecr: EcrSender, sample: ImageTarget, tags: string[], timeoutMs: number): Promise<ImageDetail[]> {
    const out = await withTimeout(timeoutMs, (abortSignal) =>
        ecr.send(
            new DescribeImagesCommand({ registryId: sample.ref.ecr!.registryId, repositoryName: sample.ref.repository, imageIds: tags.map((imageTag) => ({ imageTag })) }),
            { abortSignal },
        ),
    );
    return out?.imageDetails ?? [];
}

/** One DescribeImages for all tags of one repository; per tag only when one of several tags is missing. */
async function observeRepository(ecr: EcrSender, targets: ImageTarget[], timeoutMs: number): Promise<ImageObservation[]> {
    const tags = [...new Set(targets.map((t) => t.ref.tag!))];
    const settle = (details: ImageDetail[]) =>
        targets.map((t): ImageObservation => {
            const found = details.find((d) => d.imageTags?.includes(t.ref.tag!));
            return found?.imageDigest
                ? { image: t.image, status: "resolved", digest: found.imageDigest.toLowerCase(), source: "ecr" }
                : { image: t.image, status: "missing", detail: `tag ${t.ref.tag} is not in ${t.ref.repository}` };
        });
    const failed = (t: ImageTarget, error: unknown): ImageObservation => {
        const name = (error as AwsErrorLike)?.name ?? "";
        if (ECR_NOT_FOUND.has(name)) return { image: t.image, status: "missing", detail: describeError(error) };
        return { image: t.image, status: "unverified", kind: awsErrorKind(error), detail: `DescribeImages ${t.ref.repository}:${t.ref.tag} failed: ${describeError(error)}` };
    };
    try {
        return settle(await describeTags(ecr, targets[0], tags, timeoutMs));
    } catch (error) {
        if ((error as AwsErrorLike)?.name !== "ImageNotFoundException" || tags.length === 1) return targets.map((t) => failed(t, error));
        return Promise.all(
            targets.map(async (t) => {
                try {
                    return settle(await describeTags(ecr, t, [t.ref.tag!], timeoutMs)).find((o) => o.image === t.image)!;
                } catch (inner) {
                    return failed(t, inner);
                }
            }),
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
