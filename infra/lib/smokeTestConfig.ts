/**
 * The `smokeTest` stack key (issue 11, docs/smoke-test.md): what the post-deploy smoke test sends when a version
 * registered no SamplePayloadUrl, how it judges the answers, and what a failure does. Validated with the rest of the
 * stack config (infra/config.ts), so a bad value stops preview with the key, the value and the fix.
 */
import { z } from "zod";

/** Lambda's environment variables hold 4 KB in all; the smoke settings travel in one of them (SMOKE_TEST). */
export const MAX_SMOKE_SETTINGS_CHARS = 3072;

const mediaType = z.string().regex(/^[\w.+-]+\/[\w.+*-]+(\s*;.*)?$/, "a media type, e.g. text/csv or application/json");
const bound = z.number().finite();

/** The example pipeline's feature layout (7 standardised measurements, then sex one-hot F/I/M): an average infant abalone. */
export const DEFAULT_SMOKE_PAYLOAD = { contentType: "text/csv", accept: "text/csv", body: "0,0,0,0,0,0,0,0,1,0" } as const;

export const smokeTestSchema = z
    .object({
        /** Run the smoke test after every deployment and rollback. Defaults to true. */
        enabled: z.boolean().default(true),
        /** reject: set the failed version Rejected (the deploy function rolls back); alert: only tell the approvers. */
        onFailure: z.enum(["reject", "alert"]).default("reject"),
        /** Sent when the version has no SamplePayloadUrl. */
        payloads: z
            .array(z.object({ contentType: mediaType, accept: mediaType.optional(), body: z.string().min(1, "a request body, e.g. 0,0,0,0,0,0,0,0,1,0").max(2048) }).strict())
            .max(5, "at most 5 payloads (register a SamplePayloadUrl archive for more)")
            .default([DEFAULT_SMOKE_PAYLOAD]),
        check: z
            .discriminatedUnion("kind", [
                z.object({ kind: z.literal("numeric"), min: bound.optional(), max: bound.optional() }).strict(),
                z.object({ kind: z.literal("jsonPath"), path: z.string().regex(/^(\$\.?)?(\[\d+\]|[^.[\]]+)(\.[^.[\]]+|\[\d+\])*$/, "a JSON path such as predictions[0].score"), min: bound.optional(), max: bound.optional() }).strict(),
            ])
            .default({ kind: "numeric" }),
        /** Files taken from a SamplePayloadUrl archive, at most. */
        maxPayloads: z.number().int().min(1).max(10).default(5),
        /** Where versions' SamplePayloadUrl archives may be: the smoke role reads only under these. */
        samplePayloadS3Prefixes: z.array(z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.*$/, "an S3 prefix, e.g. s3://my-bucket/sample-payloads/")).max(5).default([]),
    })
    .strict()
    .refine((s) => JSON.stringify(s).length <= MAX_SMOKE_SETTINGS_CHARS, `at most ${MAX_SMOKE_SETTINGS_CHARS} characters of settings in all (they travel in one Lambda environment variable); register a SamplePayloadUrl archive for bigger payloads`);

export type SmokeTestSettings = z.infer<typeof smokeTestSchema>;
