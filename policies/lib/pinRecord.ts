/**
 * How pins are stored in the deployment ledger (keys `pk`/`sk`, strings), without depending on a DynamoDB client:
 * the keys, and the pins as one JSON string attribute that is validated field by field when read back, because a
 * pin read wrongly is a deploy allowed wrongly. See docs/artifact-integrity.md.
 *
 * - `pk=PINS#<package ARN>`, `sk=PINS`: the pins, written once (`attribute_not_exists(pk)`).
 * - `pk=PINS#<package ARN>`, `sk=TAMPERED#<time>#<event id>`: a change found; the version is never deployed again.
 * - `pk=<index key>` (`ARTIFACT#…`, `IMAGE#…`, see tamperEvents), `sk=PKG#<package ARN>`: reverse index.
 */
import type { ArtifactPin, DigestSource, ImagePin, PackagePins } from "./artifactPins";
import { isDigest } from "./artifactRefs";

export const PIN_SCHEMA_VERSION = 1;

export function pinsKey(packageArn: string): { pk: string; sk: string } {
    return { pk: `PINS#${packageArn}`, sk: "PINS" };
}

export function tamperedKey(packageArn: string, recordedAt: string, eventId: string): { pk: string; sk: string } {
    return { pk: `PINS#${packageArn}`, sk: `TAMPERED#${recordedAt}#${eventId}` };
}

export function reverseIndexKey(indexKey: string, packageArn: string): { pk: string; sk: string } {
    return { pk: indexKey, sk: `PKG#${packageArn}` };
}

/** Deterministic JSON (fixed field order) of the pins, tagged with the schema version. */
export function serializePins(pins: PackagePins): string {
    return JSON.stringify({
        schema: PIN_SCHEMA_VERSION,
        packageArn: pins.packageArn,
        pinnedAt: pins.pinnedAt,
        artifacts: pins.artifacts.map((a) => ({ uri: a.uri, bucket: a.bucket, key: a.key, versionId: a.versionId, etag: a.etag })),
        images: pins.images.map((i) => ({ image: i.image, digest: i.digest, digestSource: i.digestSource })),
    });
}

export class PinRecordError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PinRecordError";
    }
}

const SOURCES: readonly DigestSource[] = ["sagemaker", "ecr", "uri", "none"];

/** Reads pins back; throws PinRecordError naming the field, the value and the fix. Callers treat that as "not verified". */
export function parsePins(json: string, expectedPackageArn: string): PackagePins {
    const fail = (field: string, value: unknown, expected: string): never => {
        throw new PinRecordError(`pin record of ${expectedPackageArn}: ${field} is ${JSON.stringify(value)}, expected ${expected}; the record is corrupt: record the version as tampered and re-register it`);
    };
    let raw: any;
    try {
        raw = JSON.parse(json);
    } catch {
        return fail("the record", json.slice(0, 40), "JSON");
    }
    if (raw?.schema !== PIN_SCHEMA_VERSION) fail("schema", raw?.schema, String(PIN_SCHEMA_VERSION));
    if (raw.packageArn !== expectedPackageArn) fail("packageArn", raw.packageArn, `"${expectedPackageArn}"`);
    if (typeof raw.pinnedAt !== "string") fail("pinnedAt", raw.pinnedAt, "an ISO-8601 string");
    if (!Array.isArray(raw.artifacts)) fail("artifacts", raw.artifacts, "a list");
    if (!Array.isArray(raw.images)) fail("images", raw.images, "a list");
    const optional = (field: string, value: unknown) => (value === undefined || typeof value === "string" ? value : fail(field, value, "a string or absent"));
    const artifacts: ArtifactPin[] = raw.artifacts.map((a: any, i: number) => {
        for (const f of ["uri", "bucket", "key"]) if (typeof a?.[f] !== "string" || !a[f]) fail(`artifacts[${i}].${f}`, a?.[f], "a non-empty string");
        const versionId = optional(`artifacts[${i}].versionId`, a.versionId);
        const etag = optional(`artifacts[${i}].etag`, a.etag);
        return { uri: a.uri, bucket: a.bucket, key: a.key, ...(versionId !== undefined ? { versionId } : {}), ...(etag !== undefined ? { etag } : {}) };
    });
    const images: ImagePin[] = raw.images.map((m: any, i: number) => {
        if (typeof m?.image !== "string" || !m.image) fail(`images[${i}].image`, m?.image, "a non-empty string");
        if (!SOURCES.includes(m.digestSource)) fail(`images[${i}].digestSource`, m.digestSource, SOURCES.join(" | "));
        if (m.digestSource === "none" ? m.digest !== undefined : !isDigest(m.digest)) {
            fail(`images[${i}].digest`, m.digest, m.digestSource === "none" ? "absent (digestSource none)" : "sha256:<64 hex digits>");
        }
        return { image: m.image, ...(m.digest !== undefined ? { digest: m.digest } : {}), digestSource: m.digestSource };
    });
    return { packageArn: raw.packageArn, pinnedAt: raw.pinnedAt, artifacts, images };
}
