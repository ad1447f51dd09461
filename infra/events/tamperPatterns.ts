/**
 * EventBridge patterns for tamper detection (issue 9 item 4, docs/artifact-integrity.md "Detection"). Pure: tests
 * run them through the faithful matcher (tests/infra/events/matcher.ts) and moto's EventBridge against the documented
 * S3 and ECR sample events (tests/fixtures/events).
 *
 * - S3: `Object Created` and `Object Deleted` of this environment's artifacts bucket, under its pipeline's output
 *   prefix only. The bucket must have EventBridge delivery enabled (`EventBridgeConfiguration`), or nothing is sent.
 * - ECR: `ECR Image Action` PUSH and DELETE with result SUCCESS in any repository of this account. A registered
 *   version's image repository is chosen at registration, not at deploy time, so the rule cannot name it; the
 *   handler keeps only tags that pinned versions use (the reverse index), which costs one Query per event.
 */
export const S3_SOURCE = "aws.s3";
export const ECR_SOURCE = "aws.ecr";
export const S3_OBJECT_CREATED = "Object Created";
export const S3_OBJECT_DELETED = "Object Deleted";
export const ECR_IMAGE_ACTION = "ECR Image Action";

/** EventBridge's prefix matching (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html). */
export interface PrefixFilter {
    readonly prefix: string;
}

/** `EventPattern` (infra/events/patterns.ts) plus the prefix filter these rules need; every EventPattern is one. */
export type FilteredEventPattern = { readonly [field: string]: readonly (string | number | boolean | PrefixFilter)[] | FilteredEventPattern };

/**
 * The pipeline's output folder as a key prefix: no leading slash, exactly one trailing slash, so the folder
 * `abalone` never matches `abalone-old/...`. Throws, naming the value, for an empty prefix (the whole bucket).
 */
export function keyPrefixOf(folder: string): string {
    const trimmed = folder.replace(/^\/+/, "").replace(/\/+$/, "");
    if (!trimmed) {
        throw new Error(`artifact key prefix ${JSON.stringify(folder)} is empty; pass the pipeline's output folder (its name, e.g. "abalone-pipeline-dev") so only registered artifacts are watched`);
    }
    return `${trimmed}/`;
}

/** A write or delete under the pipeline's outputs in the artifacts bucket: where registered versions' artifacts live. */
export function artifactChangePattern(bucketName: string, outputFolder: string): FilteredEventPattern {
    if (!bucketName.trim()) throw new Error(`artifacts bucket name ${JSON.stringify(bucketName)} is empty; pass the bucket the pipeline writes model artifacts to`);
    return {
        source: [S3_SOURCE],
        "detail-type": [S3_OBJECT_CREATED, S3_OBJECT_DELETED],
        detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: keyPrefixOf(outputFolder) }] } },
    };
}

/** A completed push or delete of an image in this account's ECR (any repository: see the module comment). */
export function imageChangePattern(accountId: string): FilteredEventPattern {
    if (!/^\d{12}$/.test(accountId)) throw new Error(`account id ${JSON.stringify(accountId)} is not 12 digits; pass this stack's AWS account id`);
    return {
        source: [ECR_SOURCE],
        "detail-type": [ECR_IMAGE_ACTION],
        account: [accountId],
        detail: { "action-type": ["PUSH", "DELETE"], result: ["SUCCESS"] },
    };
}

/** Both rules' patterns, by the rule role the component names them with. */
export function tamperPatterns(input: { readonly bucketName: string; readonly outputFolder: string; readonly accountId: string }): Record<"artifactChanged" | "imageChanged", FilteredEventPattern> {
    return { artifactChanged: artifactChangePattern(input.bucketName, input.outputFolder), imageChanged: imageChangePattern(input.accountId) };
}
