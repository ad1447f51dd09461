/**
 * Test doubles for the Bytes question on the deploy path (aws-sdk-client-mock): the ledger's pin records (Query on
 * `PINS#<arn>`) beside its history (any other Query), HeadObject of the pinned artifacts, BatchGetImage of the
 * pinned images. `untouched` answers as for versions nobody tampered with.
 */
import { QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { BatchGetImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
import { artifactTargets, type PackagePins } from "../../../policies/lib/artifactPins";
import { serializePins } from "../../../policies/lib/pinRecord";

type Item = Record<string, AttributeValue>;
export const PINNED_VERSION_ID = "v1";
export const PINNED_ETAG = "e1";
export const FALLBACK_DIGEST = `sha256:${"1".repeat(64)}`;

/** Pins as registration would take them from an untouched package: every artifact at version v1, every image at its recorded digest. */
export function pinsOf(description: Partial<DescribeModelPackageCommandOutput> & { ModelPackageArn: string }): PackagePins {
    const targets = artifactTargets(description);
    return {
        packageArn: description.ModelPackageArn,
        pinnedAt: "2021-02-24T16:00:00.000Z",
        artifacts: targets.artifacts.map((t) => ({ uri: t.uri, bucket: t.bucket, key: t.key, versionId: PINNED_VERSION_ID, etag: t.recordedEtag ?? PINNED_ETAG })),
        images: targets.images.map((t) => ({ image: t.image, digest: t.recordedDigest ?? FALLBACK_DIGEST, digestSource: t.recordedDigest ? ("sagemaker" as const) : ("ecr" as const) })),
    };
}

export function pinItem(pins: PackagePins): Item {
    return { pk: { S: `PINS#${pins.packageArn}` }, sk: { S: "PINS" }, packageArn: { S: pins.packageArn }, pins: { S: serializePins(pins) } };
}

export interface BytesDoubles {
    readonly s3: S3Client;
    readonly ecr: (region: string) => ECRClient;
    readonly s3Mock: AwsStub<any, any, any>;
    readonly ecrMock: AwsStub<any, any, any>;
    /** Pin records by package ARN (absent: not pinned); extra items (TAMPERED) by ARN. */
    readonly pins: Map<string, PackagePins>;
    readonly tampered: Map<string, Item[]>;
    /** What a history Query (any pk but PINS#) answers. */
    history: Item[];
    reset(): void;
    /** Routes the ledger mock's Query by key, and answers HeadObject / BatchGetImage with the pinned identities. */
    untouched(ddb: AwsStub<any, any, any>, ...descriptions: (Partial<DescribeModelPackageCommandOutput> & { ModelPackageArn: string })[]): void;
}

export function bytesDoubles(region: string): BytesDoubles {
    const s3 = new S3Client({ region });
    const ecrClient = new ECRClient({ region });
    const doubles: BytesDoubles = {
        s3,
        ecr: () => ecrClient,
        s3Mock: mockClient(s3),
        ecrMock: mockClient(ecrClient),
        pins: new Map(),
        tampered: new Map(),
        history: [],
        reset() {
            doubles.s3Mock.reset();
            doubles.ecrMock.reset();
            doubles.pins.clear();
            doubles.tampered.clear();
            doubles.history = [];
        },
        untouched(ddb, ...descriptions) {
            for (const d of descriptions) doubles.pins.set(d.ModelPackageArn, pinsOf(d));
            ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues?: Record<string, { S?: string }> }) => {
                const pk = input.ExpressionAttributeValues?.[":pk"]?.S ?? "";
                if (!pk.startsWith("PINS#")) return { Items: doubles.history };
                const arn = pk.slice("PINS#".length);
                const pins = doubles.pins.get(arn);
                return { Items: [...(pins ? [pinItem(pins)] : []), ...(doubles.tampered.get(arn) ?? [])] };
            });
            doubles.s3Mock.on(HeadObjectCommand).resolves({ VersionId: PINNED_VERSION_ID, ETag: `"${PINNED_ETAG}"` });
            doubles.ecrMock.on(BatchGetImageCommand).callsFake((input: { repositoryName: string; imageIds: { imageTag: string }[] }) => ({
                images: input.imageIds.map(({ imageTag }) => {
                    const pinned = [...doubles.pins.values()].flatMap((p) => p.images).find((i) => i.image.endsWith(`/${input.repositoryName}:${imageTag}`));
                    return { imageId: { imageTag, imageDigest: pinned?.digest ?? FALLBACK_DIGEST } };
                }),
                failures: [],
            }));
        },
    };
    return doubles;
}
