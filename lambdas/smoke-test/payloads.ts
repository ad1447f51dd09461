/**
 * Which payloads a smoke test sends: the version's own sample payloads when it registered some, else the
 * environment's configured ones.
 *
 * What AWS documents for a model package's `SamplePayloadUrl` (CreateModelPackage / DescribeModelPackage API
 * reference): "The Amazon Simple Storage Service (Amazon S3) path where the sample payload is stored. This path must
 * point to a single gzip compressed tar archive (.tar.gz suffix). This archive can hold multiple files that are all
 * equally used in the load test. Each file in the archive must satisfy the size constraints of the InvokeEndpoint
 * call." Its pattern also admits `https://`; only `s3://` is read here (an https URL is refused, with the fix). The
 * archive names no content type: the package's first `InferenceSpecification.SupportedContentTypes` is used, and its
 * first `SupportedResponseMIMETypes` is asked for (both are what the version declares it takes and answers).
 */
import { gunzipSync } from "zlib";

export interface Payload {
    /** Where it came from: `config[0]`, or `s3://bucket/key.tar.gz#inputs/row1.csv`. */
    readonly source: string;
    readonly contentType: string;
    /** The Accept header; undefined sends none (the endpoint's default). */
    readonly accept?: string;
    readonly body: Uint8Array;
}

/** One payload of the environment's config (`smokeTest.payloads[]`). */
export interface ConfiguredPayload {
    readonly contentType: string;
    readonly accept?: string;
    readonly body: string;
}

/** InvokeEndpoint's payload limit for real-time endpoints (6 MB). */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** The archive itself, and what it unpacks to: far above any sample set, well inside the function's memory. */
export const MAX_ARCHIVE_BYTES = 32 * 1024 * 1024;

/** A sample payload archive that cannot be used: the smoke test does not run on it, and says why (a refusal, not a failure of the model). */
export class PayloadSourceError extends Error {
    override readonly name = "PayloadSourceError";
}

const BLOCK = 512;

function field(header: Uint8Array, offset: number, length: number): string {
    const raw = Buffer.from(header.subarray(offset, offset + length)).toString("utf8");
    const nul = raw.indexOf("\0");
    return nul === -1 ? raw : raw.slice(0, nul);
}

/** pax `path=` record of an extended header, if any. */
function paxPath(data: Uint8Array): string | undefined {
    const text = Buffer.from(data).toString("utf8");
    return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1];
}

/**
 * The regular files of a tar archive (ustar, with pax and GNU long names), in archive order. Pure. Directories,
 * links and macOS `._*` metadata files are skipped; a truncated or corrupt archive throws PayloadSourceError.
 */
export function untar(archive: Uint8Array): { name: string; data: Uint8Array }[] {
    const files: { name: string; data: Uint8Array }[] = [];
    let offset = 0;
    let longName: string | undefined;
    while (offset + BLOCK <= archive.length) {
        const header = archive.subarray(offset, offset + BLOCK);
        if (header.every((b) => b === 0)) break;
        const sizeText = field(header, 124, 12).trim();
        if (!/^[0-7]+$/.test(sizeText)) throw new PayloadSourceError(`the archive is not a tar file (entry at byte ${offset} has size ${JSON.stringify(sizeText)})`);
        const size = parseInt(sizeText, 8);
        const type = String.fromCharCode(header[156] || 48);
        const start = offset + BLOCK;
        if (start + size > archive.length) throw new PayloadSourceError(`the archive is truncated (entry at byte ${offset} needs ${size} bytes)`);
        const data = archive.subarray(start, start + size);
        offset = start + Math.ceil(size / BLOCK) * BLOCK;
        if (type === "L") {
            longName = field(data, 0, data.length);
            continue;
        }
        if (type === "x") {
            longName = paxPath(data) ?? longName;
            continue;
        }
        if (type === "g") continue;
        const prefix = field(header, 345, 155);
        const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
        longName = undefined;
        const base = name.split("/").pop() ?? "";
        if ((type === "0" || type === "7") && base && !base.startsWith("._")) files.push({ name, data });
    }
    return files;
}

/** `s3://bucket/key` → parts; PayloadSourceError for anything else (https URLs included), naming the fix. */
export function parseSamplePayloadUrl(url: string): { bucket: string; key: string } {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
    if (!m) {
        throw new PayloadSourceError(
            `SamplePayloadUrl ${JSON.stringify(url)} is not an s3:// URI of a .tar.gz; only s3:// archives are read (upload it to S3 and register the version with that URI)`,
        );
    }
    return { bucket: m[1], key: m[2] };
}

/**
 * The payloads of a sample archive (gzip'd tar bytes), at most `max`, in name order so a re-run sends the same ones.
 * Throws PayloadSourceError when it is not a gzip'd tar, holds no file, or a file exceeds InvokeEndpoint's limit.
 */
export function archivePayloads(url: string, gz: Uint8Array, contentType: string, accept: string | undefined, max: number): Payload[] {
    let tar: Uint8Array;
    try {
        tar = gunzipSync(gz, { maxOutputLength: MAX_ARCHIVE_BYTES });
    } catch (error) {
        throw new PayloadSourceError(`SamplePayloadUrl ${url} is not a gzip'd tar archive within ${MAX_ARCHIVE_BYTES} bytes (${(error as Error).message})`);
    }
    const files = untar(tar).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!files.length) throw new PayloadSourceError(`SamplePayloadUrl ${url} holds no file`);
    const tooBig = files.find((f) => f.data.length > MAX_PAYLOAD_BYTES);
    if (tooBig) throw new PayloadSourceError(`${url}#${tooBig.name} is ${tooBig.data.length} bytes; InvokeEndpoint takes at most ${MAX_PAYLOAD_BYTES}`);
    return files.slice(0, max).map((f) => ({ source: `${url}#${f.name}`, contentType, accept, body: f.data }));
}

/** The configured payloads as Payloads. */
export function configuredPayloads(payloads: readonly ConfiguredPayload[]): Payload[] {
    return payloads.map((p, i) => ({ source: `config[${i}]`, contentType: p.contentType, accept: p.accept, body: Buffer.from(p.body, "utf8") }));
}
