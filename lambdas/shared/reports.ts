/** Reading evaluation reports (ModelMetrics.ModelQuality.Statistics.S3Uri) behind a small interface. */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { splitS3Uri } from "./events";

export interface ReportReader {
    /** The report's text; throws when it cannot be read. */
    read(s3Uri: string): Promise<string>;
}

/** Refuse reports larger than this: an evaluation.json is a few hundred bytes. */
export const MAX_REPORT_BYTES = 256 * 1024;

/**
 * Time budget of one report read, retries included: a stalled S3 call must not eat the notify function's
 * 30 s, because a report that cannot be read still notifies (and says so).
 */
export const REPORT_READ_TIMEOUT_MS = 5_000;

export function s3ReportReader(client: S3Client, timeoutMs = REPORT_READ_TIMEOUT_MS): ReportReader {
    return {
        async read(s3Uri) {
            const location = splitS3Uri(s3Uri);
            if (!location) throw new Error(`${JSON.stringify(s3Uri)} is not an s3://bucket/key URI`);
            const out = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal: AbortSignal.timeout(timeoutMs) });
            if ((out.ContentLength ?? 0) > MAX_REPORT_BYTES) throw new Error(`the report is ${out.ContentLength} bytes (limit ${MAX_REPORT_BYTES})`);
            const text = await out.Body?.transformToString("utf-8");
            if (text === undefined) throw new Error("the report has no body");
            return text;
        },
    };
}
