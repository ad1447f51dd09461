/**
 * Artifact pins against moto: a versioned S3 bucket (version ids, ETags, delete markers), an ECR repository (tags and
 * digests; moto's digest is sha256 of the layer digests, so re-pushes use other layers) and a registered package.
 */
import * as assert from "assert";
import { CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, DescribeModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { artifactTargets, describePinChanges, observeArtifacts, pinPackage, verifyPins, type PackagePins } from "../../../policies/lib/artifactPins";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../helpers/moto";

function manifest(layer: string): string {
    return JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1, digest: `sha256:${"c".repeat(64)}` },
        layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1, digest: `sha256:${layer.repeat(64).slice(0, 64)}` }],
    });
}

describe("policies/lib/artifactPins against moto", function () {
    this.timeout(30_000);
    let s3: S3Client;
    let ecr: ECRClient;
    let sm: SageMakerClient;

    before(async () => {
        const config = motoClientConfig(await motoEndpoint());
        s3 = new S3Client({ ...config, forcePathStyle: true });
        ecr = new ECRClient(config);
        sm = new SageMakerClient(config);
    });

    /** Trains (writes model.tar.gz), pushes the serving image and registers a version, like the pipeline does. */
    async function registerVersion() {
        const bucket = uniqueName("pins-artifacts");
        const repo = uniqueName("pins-serve");
        const group = uniqueName("pins-group");
        const key = "pipelines/exec-1/TrainModel/output/model.tar.gz";
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "approved weights" }));
        const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
        await ecr.send(new PutImageCommand({ repositoryName: repo, imageManifest: manifest("a"), imageTag: "v1" }));
        await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
        const image = `${repository!.repositoryUri}:v1`;
        const { ModelPackageArn } = await sm.send(
            new CreateModelPackageCommand({
                ModelPackageGroupName: group,
                ModelApprovalStatus: "PendingManualApproval",
                InferenceSpecification: { Containers: [{ Image: image, ModelDataUrl: `s3://${bucket}/${key}` }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
            }),
        );
        const description = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }));
        const targets = artifactTargets(description);
        const outcome = pinPackage(ModelPackageArn!, targets, await observeArtifacts(s3, ecr, targets), new Date().toISOString());
        assert.ok(outcome.pinned, JSON.stringify(outcome));
        return { bucket, key, repo, image, targets, pins: outcome.pins as PackagePins };
    }

    it("pins what the version is made of at registration", async () => {
        const v = await registerVersion();
        assert.strictEqual(v.pins.artifacts.length, 1);
        assert.ok(v.pins.artifacts[0].versionId && v.pins.artifacts[0].etag);
        assert.deepStrictEqual(v.pins.images.map((i) => [i.image, i.digestSource]), [[v.image, "ecr"]]);
        assert.match(v.pins.images[0].digest!, /^sha256:[0-9a-f]{64}$/);
    });

    it("the digest BatchGetImage resolves a tag to is the one DescribeImages and the push report", async () => {
        const repositoryName = uniqueName("pins-digest");
        await ecr.send(new CreateRepositoryCommand({ repositoryName }));
        const { image } = await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest("d"), imageTag: "v1" }));
        const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: "v1" }] }));
        const { registryId } = image!;
        const ref = `${registryId}.dkr.ecr.us-east-1.amazonaws.com/${repositoryName}:v1`;
        const observed = await observeArtifacts(s3, ecr, { artifacts: [], images: artifactTargets({ InferenceSpecification: { Containers: [{ Image: ref }] } } as any).images });
        assert.deepStrictEqual(observed.images, [{ image: ref, status: "resolved", digest: imageDetails![0].imageDigest, source: "ecr" }]);
        assert.strictEqual(imageDetails![0].imageDigest, image!.imageId!.imageDigest);
    });

    it("an untouched version verifies intact", async () => {
        const v = await registerVersion();
        assert.deepStrictEqual(verifyPins(v.pins, await observeArtifacts(s3, ecr, v.targets)), { intact: true });
    });

    it("an overwritten model.tar.gz is tampering, with the old and the new version and ETag", async () => {
        const v = await registerVersion();
        const put = await s3.send(new PutObjectCommand({ Bucket: v.bucket, Key: v.key, Body: "other weights" }));
        const verdict = verifyPins(v.pins, await observeArtifacts(s3, ecr, v.targets));
        assert.ok(!verdict.intact && verdict.tampered && !verdict.retryable);
        assert.strictEqual(verdict.changes.length, 1);
        const pinned = v.pins.artifacts[0];
        assert.strictEqual(
            describePinChanges(verdict.changes),
            `model.tar.gz s3://${v.bucket}/${v.key} overwritten: pinned version ${pinned.versionId} etag "${pinned.etag}", now version ${put.VersionId} etag "${put.ETag!.replace(/"/g, "")}"`,
        );
    });

    it("a deleted artifact (delete marker) is tampering", async () => {
        const v = await registerVersion();
        await s3.send(new DeleteObjectCommand({ Bucket: v.bucket, Key: v.key }));
        const verdict = verifyPins(v.pins, await observeArtifacts(s3, ecr, v.targets));
        assert.ok(!verdict.intact && verdict.tampered);
        assert.deepStrictEqual(verdict.changes.map((c) => c.what), ["deleted"]);
        const observed = await observeArtifacts(s3, ecr, v.targets);
        assert.ok(observed.artifacts[0].status === "deleted" && observed.artifacts[0].deleteMarker);
    });

    it("a re-pushed image tag in this account's ECR is tampering, with both digests", async () => {
        const v = await registerVersion();
        const { image } = await ecr.send(new PutImageCommand({ repositoryName: v.repo, imageManifest: manifest("b"), imageTag: "v1" }));
        const verdict = verifyPins(v.pins, await observeArtifacts(s3, ecr, v.targets));
        assert.ok(!verdict.intact && verdict.tampered);
        assert.deepStrictEqual(verdict.changes, [{ what: "tag-moved", uri: v.image, pinned: { digest: v.pins.images[0].digest }, now: { digest: image!.imageId!.imageDigest } }]);
        assert.notStrictEqual(image!.imageId!.imageDigest, v.pins.images[0].digest);
    });

    it("an image whose repository no longer exists is reported missing, not intact", async () => {
        const v = await registerVersion();
        const targets = artifactTargets({ InferenceSpecification: { Containers: [{ Image: v.image.replace(v.repo, uniqueName("pins-gone")), ModelDataUrl: `s3://${v.bucket}/${v.key}` }] } } as any);
        const observed = await observeArtifacts(s3, ecr, targets);
        assert.strictEqual(observed.images[0].status, "missing");
    });
});
