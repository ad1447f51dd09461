/**
 * Detection of what cannot be prevented: S3 `Object Created`/`Object Deleted` and ECR `ECR Image Action` events
 * (EventBridge) turned into the pin index keys they touch and, against a pinned identity, into the same `PinChange`
 * that deploy-time verification reports. Pure. Event shapes: tests/fixtures/events/s3-object-*.json, ecr-image-*.json.
 *
 * Index keys are the reverse index of the pins (docs/artifact-integrity.md): `ARTIFACT#s3://bucket/key` and
 * `IMAGE#<registry id>/<region>/<repository>:<tag>` (registry id and region rather than the host name, which differs
 * between partitions and FIPS endpoints).
 */
import type { ArtifactPin, ImagePin, PackagePins, PinChange } from "./artifactPins";
import { parseImageUri } from "./artifactRefs";

export type TamperEvent =
    | {
          readonly kind: "artifact";
          /** Look up every one: the key as sent and URL-decoded (see parseTamperEvent). */
          readonly indexKeys: readonly string[];
          readonly uri: string;
          readonly change: "created" | "deleted";
          readonly versionId?: string;
          readonly etag?: string;
          /** PutObject, CopyObject, CompleteMultipartUpload, DeleteObject, Lifecycle Expiration. */
          readonly reason?: string;
          /** "Delete Marker Created" or "Permanently Deleted". */
          readonly deletionType?: string;
      }
    | {
          readonly kind: "image";
          readonly indexKeys: readonly string[];
          readonly repository: string;
          readonly tag: string;
          readonly digest: string;
          readonly action: "PUSH" | "DELETE";
      };

export function artifactIndexKey(uri: string): string {
    return `ARTIFACT#${uri}`;
}

export function imageIndexKey(registryId: string, region: string, repository: string, tag: string): string {
    return `IMAGE#${registryId}/${region}/${repository}:${tag}`;
}

/** The reverse-index keys of a version's pins: every artifact, and every ECR image referenced by tag (a digest cannot move). */
export function pinIndexKeys(pins: PackagePins): string[] {
    const keys = pins.artifacts.map((a) => artifactIndexKey(a.uri));
    for (const image of pins.images) {
        const ref = parseImageUri(image.image);
        if (ref?.ecr && ref.tag && !ref.digest) keys.push(imageIndexKey(ref.ecr.registryId, ref.ecr.region, ref.repository, ref.tag));
    }
    return keys;
}

type Json = Record<string, any>;

function decodeKey(key: string): string | undefined {
    try {
        return decodeURIComponent(key.replace(/\+/g, " "));
    } catch {
        return undefined; // not valid URL encoding: the key was sent as is
    }
}

/** The object or tag an event touched; undefined for events that cannot change a pinned identity (failed pushes, untagged pushes, other types). */
export function parseTamperEvent(event: Json): TamperEvent | undefined {
    const detail: Json = event?.detail ?? {};
    if (event?.source === "aws.s3" && (event["detail-type"] === "Object Created" || event["detail-type"] === "Object Deleted")) {
        const bucket = detail.bucket?.name;
        const key = detail.object?.key;
        if (typeof bucket !== "string" || typeof key !== "string") return undefined;
        // Classic S3 notifications URL-encode keys ("red flower.jpg" → "red+flower.jpg"); the EventBridge page does not
        // say. A missed match is an undetected tamper, an extra lookup costs nothing: index both readings.
        const uri = `s3://${bucket}/${key}`;
        const decoded = decodeKey(key);
        return {
            kind: "artifact",
            indexKeys: [...new Set([uri, ...(decoded ? [`s3://${bucket}/${decoded}`] : [])])].map(artifactIndexKey),
            uri,
            change: event["detail-type"] === "Object Created" ? "created" : "deleted",
            ...(typeof detail.object["version-id"] === "string" ? { versionId: detail.object["version-id"] } : {}),
            ...(typeof detail.object.etag === "string" ? { etag: detail.object.etag } : {}),
            ...(typeof detail.reason === "string" ? { reason: detail.reason } : {}),
            ...(typeof detail["deletion-type"] === "string" ? { deletionType: detail["deletion-type"] } : {}),
        };
    }
    if (event?.source === "aws.ecr" && event["detail-type"] === "ECR Image Action") {
        const { "repository-name": repository, "image-tag": tag, "image-digest": digest, "action-type": action, result } = detail;
        if (result !== "SUCCESS" || (action !== "PUSH" && action !== "DELETE")) return undefined;
        if (typeof repository !== "string" || typeof tag !== "string" || !tag || typeof digest !== "string") return undefined;
        if (typeof event.account !== "string" || typeof event.region !== "string") return undefined;
        return { kind: "image", indexKeys: [imageIndexKey(event.account, event.region, repository, tag)], repository, tag, digest: digest.toLowerCase(), action };
    }
    return undefined;
}

/**
 * Whether the event changed the pinned identity, as the `PinChange` verification would report. A replay of the
 * registration write (same version id) or a push of the pinned digest is no change; a permanent delete of some
 * other version leaves the pinned one in place.
 */
export function tamperChange(event: TamperEvent, pin: ArtifactPin | ImagePin): PinChange | undefined {
    if (event.kind === "artifact") {
        const a = pin as ArtifactPin;
        const pinned = { ...(a.versionId !== undefined ? { versionId: a.versionId } : {}), ...(a.etag !== undefined ? { etag: a.etag } : {}) };
        if (event.change === "created") {
            const same = a.versionId !== undefined ? event.versionId === a.versionId : event.etag === a.etag;
            if (same) return undefined;
            return { what: "overwritten", uri: event.uri, pinned, now: { ...(event.versionId ? { versionId: event.versionId } : {}), ...(event.etag ? { etag: event.etag } : {}) }, detail: `by ${event.reason ?? "a write"}` };
        }
        if (event.deletionType === "Permanently Deleted" && a.versionId !== undefined && event.versionId !== a.versionId) return undefined;
        return { what: "deleted", uri: event.uri, pinned, detail: `${event.reason ?? "delete"} (${event.deletionType ?? "deleted"})` };
    }
    const i = pin as ImagePin;
    if (event.action === "DELETE") return { what: "image-missing", uri: i.image, ...(i.digest ? { pinned: { digest: i.digest } } : {}), detail: `tag ${event.tag} deleted` };
    if (i.digest !== undefined && event.digest === i.digest) return undefined;
    return { what: "tag-moved", uri: i.image, ...(i.digest ? { pinned: { digest: i.digest } } : {}), now: { digest: event.digest } };
}
