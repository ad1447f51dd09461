/**
 * What a model package is made of, and what we saw of it: S3 artifact and container image references,
 * parsed once, and the observation shapes that `observeArtifacts` produces and `pinPackage`/`verifyPins` consume.
 * Pure; no AWS calls. See docs/artifact-integrity.md.
 */
import type { AwsErrorKind } from "./awsErrors";

/** Where an S3 artifact sits in a package's container definition. */
export type ArtifactRole = "ModelDataUrl" | "ModelDataSource" | "AdditionalModelDataSource" | "AdditionalS3DataSource";

export interface ArtifactTarget {
    readonly uri: string;
    readonly bucket: string;
    readonly key: string;
    /** True for an S3Prefix data source: a key prefix, not one object (one HeadObject cannot pin it). */
    readonly prefix: boolean;
    readonly role: ArtifactRole;
    /** Index of the container in InferenceSpecification.Containers. */
    readonly container: number;
    readonly channel?: string;
    /** The ETag the package itself records for it (ModelDataETag, S3DataSource.ETag), unquoted. */
    readonly recordedEtag?: string;
}

export interface ImageTarget {
    readonly image: string;
    readonly container: number;
    /** ImageDigest as SageMaker recorded it on the package's container. */
    readonly recordedDigest?: string;
    readonly ref: ImageRef;
}

export interface ArtifactTargets {
    readonly artifacts: readonly ArtifactTarget[];
    readonly images: readonly ImageTarget[];
}

export interface ImageRef {
    readonly registry: string;
    readonly repository: string;
    /** The tag (`latest` when the URI names neither tag nor digest); absent for a digest-only reference. */
    readonly tag?: string;
    /** `sha256:…` when the URI itself is digest-pinned (`…@sha256:…`). */
    readonly digest?: string;
    /** Set when the registry is Amazon ECR (`<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`). */
    readonly ecr?: { readonly registryId: string; readonly region: string };
}

/** Why a lookup failed: the one classification of AWS errors (awsErrors.ts), by name, `$fault` and HTTP status, never by message text. */
export type ObservationErrorKind = AwsErrorKind;

export type ArtifactObservation =
    | {
          readonly uri: string;
          readonly status: "present";
          readonly versionId?: string;
          readonly etag?: string;
          /** HeadObject's LastModified (whole seconds), ISO-8601; compared with the registration time when pinning, never pinned. */
          readonly lastModified?: string;
      }
    | { readonly uri: string; readonly status: "deleted"; readonly deleteMarker: boolean }
    | { readonly uri: string; readonly status: "unverified"; readonly kind: ObservationErrorKind | "prefix"; readonly detail: string };

export type ImageObservation =
    | { readonly image: string; readonly status: "resolved"; readonly digest: string; readonly source: "uri" | "ecr" }
    | { readonly image: string; readonly status: "missing"; readonly detail: string }
    | { readonly image: string; readonly status: "unverified"; readonly kind: ObservationErrorKind | "not-ecr" | "other-region"; readonly detail: string };

export interface Observations {
    readonly artifacts: readonly ArtifactObservation[];
    readonly images: readonly ImageObservation[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/i;
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** `s3://bucket/key` → bucket and key; undefined for anything else (https:// URLs included: SageMaker accepts them, we do not pin them). */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
    if (!match || match[2] === "") return undefined;
    return { bucket: match[1], key: match[2] };
}

/** `registry/repository[:tag][@digest]` → its parts; undefined when there is no registry host or repository. */
export function parseImageUri(image: string): ImageRef | undefined {
    const [name, digest] = image.split("@", 2);
    const slash = name.indexOf("/");
    if (slash <= 0) return undefined;
    const registry = name.slice(0, slash);
    let repository = name.slice(slash + 1);
    let tag: string | undefined;
    const colon = repository.lastIndexOf(":");
    if (colon >= 0) {
        tag = repository.slice(colon + 1);
        repository = repository.slice(0, colon);
    }
    if (!repository || (digest !== undefined && !DIGEST.test(digest))) return undefined;
    const ecrMatch = ECR_HOST.exec(registry);
    return {
        registry,
        repository,
        ...(digest ? { digest: digest.toLowerCase() } : { tag: tag ?? "latest" }),
        ...(tag && digest ? { tag } : {}),
        ...(ecrMatch ? { ecr: { registryId: ecrMatch[1], region: ecrMatch[2] } } : {}),
    };
}

/** S3 returns ETags quoted (`"abc"`), SageMaker's fields may hold them bare: compare them bare. */
export function normalizeEtag(etag: string | undefined): string | undefined {
    if (etag === undefined) return undefined;
    return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

/** True for a well-formed `sha256:<64 hex>` digest. */
export function isDigest(value: string | undefined): value is string {
    return value !== undefined && DIGEST.test(value);
}
