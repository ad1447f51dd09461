/**
 * Seeding an emulated account (moto) the way the pipeline and the deploy Lambda leave a real one: versions
 * registered as PendingManualApproval with an evaluation report in S3, and an approved version served on the
 * environment's endpoint. The approver's day (docs/generated/approver-day.md) and the CLI tests both build their world with it.
 * Nothing here is used by the CLI itself.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateRepositoryCommand, PutImageCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    CreateModelPackageCommand,
    CreateModelPackageGroupCommand,
    SageMakerClient,
    DescribeModelPackageCommand,
    UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import { artifactTargets, observeArtifacts, parseImageUri, parseS3Uri, pinPackage } from "../../policies/lib/artifactPins";
import { writePins } from "../../policies/lib/pinStore";

export const XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

export interface VersionToRegister {
    readonly mse: number;
    /** Key of its evaluation report in the bucket. */
    readonly reportKey: string;
    /** The pipeline execution that registered it (MetadataProperties.GeneratedBy). */
    readonly executionArn: string;
    readonly modelDataUrl: string;
}

export interface RegisteredVersion {
    readonly arn: string;
    readonly version: number;
    readonly mse: number;
}

/**
 * Creates the (versioned) bucket and the group, then one PendingManualApproval version per entry, in order, each
 * with its evaluation report (`regression_metrics.mse`) as ModelQuality statistics and, when `modelDataUrl` is in
 * the bucket, its model artifact, as the training job leaves them.
 */
export async function registerVersions(
    clients: { readonly sagemaker: SageMakerClient; readonly s3: S3Client },
    registry: {
        readonly group: string;
        readonly bucket: string;
        readonly description?: string;
        readonly standardDeviation: number;
        readonly realtimeInstanceTypes?: string[];
    },
    versions: readonly VersionToRegister[],
): Promise<RegisteredVersion[]> {
    const { sagemaker, s3 } = clients;
    await s3.send(new CreateBucketCommand({ Bucket: registry.bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: registry.bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: registry.group }));
    const registered: RegisteredVersion[] = [];
    for (const [i, v] of versions.entries()) registered.push({ ...(await registerVersion(clients, registry, v)), version: i + 1 });
    return registered;
}

export type RegistryToSeed = Parameters<typeof registerVersions>[1];

/** Registers one more PendingManualApproval version in an existing group and bucket, as the pipeline's RegisterModel step does. */
export async function registerVersion(
    clients: { readonly sagemaker: SageMakerClient; readonly s3: S3Client },
    registry: RegistryToSeed,
    v: VersionToRegister,
): Promise<RegisteredVersion> {
    const { sagemaker, s3 } = clients;
    const report = { regression_metrics: { mse: { value: v.mse, standard_deviation: registry.standardDeviation } } };
    await s3.send(new PutObjectCommand({ Bucket: registry.bucket, Key: v.reportKey, Body: JSON.stringify(report) }));
    const model = parseS3Uri(v.modelDataUrl);
    if (model?.bucket === registry.bucket) await s3.send(new PutObjectCommand({ Bucket: model.bucket, Key: model.key, Body: `model weights, mse ${v.mse}` }));
    const out = await sagemaker.send(new CreateModelPackageCommand({
        ModelPackageGroupName: registry.group,
        ...(registry.description ? { ModelPackageDescription: registry.description } : {}),
        ModelApprovalStatus: "PendingManualApproval",
        MetadataProperties: { GeneratedBy: v.executionArn },
        ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: `s3://${registry.bucket}/${v.reportKey}` } } },
        InferenceSpecification: {
            Containers: [{ Image: XGBOOST_IMAGE, ModelDataUrl: v.modelDataUrl }],
            SupportedContentTypes: ["text/csv"],
            SupportedResponseMIMETypes: ["text/csv"],
            ...(registry.realtimeInstanceTypes ? { SupportedRealtimeInferenceInstanceTypes: registry.realtimeInstanceTypes as never } : {}),
        },
    }));
    const arn = out.ModelPackageArn!;
    return { arn, version: Number(arn.split("/").pop()), mse: v.mse };
}

/** Approves `arn` and serves it on `endpointName` through a model and an endpoint config named `modelName`, as the deploy Lambda would. */
export async function serveApprovedVersion(
    sagemaker: SageMakerClient,
    live: { readonly endpointName: string; readonly arn: string; readonly modelName: string; readonly executionRoleArn: string; readonly approvalDescription: string },
): Promise<void> {
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: live.arn, ModelApprovalStatus: "Approved", ApprovalDescription: live.approvalDescription }));
    await sagemaker.send(new CreateModelCommand({ ModelName: live.modelName, ExecutionRoleArn: live.executionRoleArn, PrimaryContainer: { ModelPackageName: live.arn } }));
    await sagemaker.send(new CreateEndpointConfigCommand({
        EndpointConfigName: live.modelName,
        ProductionVariants: [{ VariantName: "AllTraffic", ModelName: live.modelName, InstanceType: "ml.m5.large", InitialInstanceCount: 1 }],
    }));
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: live.endpointName, EndpointConfigName: live.modelName }));
}

/** A manifest whose digest (moto: sha256 of the layer digests) is set by `layer`. */
function imageManifest(layer: string): string {
    return JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1, digest: `sha256:${"c".repeat(64)}` },
        layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1, digest: `sha256:${layer.repeat(64).slice(0, 64)}` }],
    });
}

/**
 * Makes an ECR image URI (`<registry id>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`) resolvable in the emulator:
 * its repository (under the URI's registry id) and the tag. Pushing again with another `layer` moves the tag.
 */
export async function publishImage(ecr: ECRClient, image: string, layer = "a"): Promise<void> {
    const ref = parseImageUri(image);
    if (!ref?.ecr || !ref.tag) throw new Error(`${image} is not an ECR image URI with a tag`);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: ref.repository, registryId: ref.ecr.registryId })).catch((err: Error) => {
        if (err.name !== "RepositoryAlreadyExistsException") throw err;
    });
    await ecr.send(new PutImageCommand({ repositoryName: ref.repository, registryId: ref.ecr.registryId, imageManifest: imageManifest(layer), imageTag: ref.tag })).catch((err: Error) => {
        if (err.name !== "ImageAlreadyExistsException") throw err;
    });
}

/**
 * Records each version's artifact pins in the ledger `table` the way registration does: describe the package,
 * observe its artifacts and images, pin, write once. Throws when a version cannot be pinned.
 */
export async function pinVersions(
    clients: { readonly sagemaker: SageMakerClient; readonly s3: S3Client; readonly ecr: ECRClient; readonly dynamodb: DynamoDBClient },
    table: string,
    arns: readonly string[],
    /** Defaults to now, a moment after registration, as notify-approver pins. */
    pinnedAt?: string,
): Promise<void> {
    for (const arn of arns) {
        const description = await clients.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        const targets = artifactTargets(description);
        const region = await clients.ecr.config.region();
        const observed = await observeArtifacts(clients.s3, clients.ecr, targets, { ecrRegion: region });
        const outcome = pinPackage(arn, targets, observed, pinnedAt ?? new Date().toISOString(), { registeredAt: description.CreationTime });
        if (!outcome.pinned) throw new Error(`cannot pin ${arn}: ${outcome.problems.join("; ")}`);
        await writePins(clients.dynamodb, table, outcome.pins, `seed-${arn}`);
    }
}
