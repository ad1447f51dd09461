/**
 * Versions registered in moto the way the pipeline and the registration handler leave them: model.tar.gz written
 * to a versioned bucket, the serving image pushed to this account's ECR, the package registered, and its pins
 * written with pinStore.writePins (as notify-approver does at registration). moto's image digest is sha256 of the
 * layer digests, so a re-push that must move a tag uses other layers.
 */
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateModelPackageCommand, DescribeModelPackageCommand, type ModelApprovalStatus } from "@aws-sdk/client-sagemaker";
import { artifactTargets, observeArtifacts, pinPackage, type PackagePins } from "../../../policies/lib/artifactPins";
import { writePins } from "../../../policies/lib/pinStore";
import { motoClientConfig, uniqueName } from "../../helpers/moto";
import { setStatus, type World } from "../world";

export function manifest(layer: string): string {
    return JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1, digest: `sha256:${"c".repeat(64)}` },
        layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1, digest: `sha256:${layer.repeat(64).slice(0, 64)}` }],
    });
}

export interface ArtifactStore {
    readonly s3: S3Client;
    readonly ecr: ECRClient;
    readonly bucket: string;
    readonly repository: string;
    readonly repositoryUri: string;
}

/** A versioned artifacts bucket and a serving-image repository for one test. */
export async function artifactStore(world: World): Promise<ArtifactStore> {
    const ecr = new ECRClient(motoClientConfig(world.endpoint));
    const bucket = uniqueName("artifacts").toLowerCase();
    await world.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await world.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    const repositoryName = uniqueName("serve").toLowerCase();
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    return { s3: world.s3, ecr, bucket, repository: repositoryName, repositoryUri: repository!.repositoryUri! };
}

export interface PinnedVersion {
    readonly arn: string;
    readonly key: string;
    readonly tag: string;
    readonly image: string;
    readonly pins: PackagePins;
}

let trainings = 0;

/** Trains (writes model.tar.gz), pushes the image tag, registers the version, pins it; then sets its status if asked. */
export async function registerPinnedVersion(world: World, store: ArtifactStore, status: ModelApprovalStatus = "PendingManualApproval"): Promise<PinnedVersion> {
    trainings += 1;
    const key = `pipelines/exec-${trainings}/TrainModel/output/model.tar.gz`;
    const tag = `build-${trainings}`;
    await world.s3.send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: `weights of training ${trainings}` }));
    await store.ecr.send(new PutImageCommand({ repositoryName: store.repository, imageManifest: manifest(String(trainings % 10)), imageTag: tag }));
    const image = `${store.repositoryUri}:${tag}`;
    const { ModelPackageArn } = await world.sagemaker.send(
        new CreateModelPackageCommand({
            ModelPackageGroupName: world.groupName,
            ModelApprovalStatus: "PendingManualApproval",
            InferenceSpecification: { Containers: [{ Image: image, ModelDataUrl: `s3://${store.bucket}/${key}` }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
            MetadataProperties: { GeneratedBy: "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc123" },
        }),
    );
    const arn = ModelPackageArn!;
    const description = await world.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    const targets = artifactTargets(description);
    const outcome = pinPackage(arn, targets, await observeArtifacts(world.s3, store.ecr, targets), new Date().toISOString());
    if (!outcome.pinned) throw new Error(`could not pin ${arn}: ${outcome.problems.join("; ")}`);
    await writePins(world.dynamodb, world.tableName, outcome.pins, `registration-of-${arn}`);
    if (status !== "PendingManualApproval") await setStatus(world, arn, status);
    return { arn, key, tag, image, pins: outcome.pins };
}
