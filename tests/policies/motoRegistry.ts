/**
 * Seeds moto's SageMaker with a small model registry for the integration tests: packages in every approval
 * state (and one approved then rejected), a package in another group, and models built from them, from a raw
 * image, with several containers, and from a package in another account.
 *
 * Every version is made of real bytes (a model.tar.gz in a versioned S3 bucket, an image tag in this account's ECR)
 * and pinned at registration into the given ledger tables with pinStore.writePins, as notify-approver does. Then two
 * Approved versions are tampered with: one's model.tar.gz is overwritten, one's image tag is re-pushed.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { ContainerDefinition } from "@aws-sdk/client-sagemaker";
import { artifactTargets, observeArtifacts, pinPackage } from "../../policies/lib/artifactPins";
import { writePins } from "../../policies/lib/pinStore";
import { createLedgerTable } from "../lambdas/ledgerTable";
import { motoClientConfig, uniqueName } from "../helpers/moto";

/** An image manifest; moto's digest is sha256 of the layer digests, so another layer means another digest. */
function manifest(layer: string): string {
    return JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1, digest: `sha256:${"c".repeat(64)}` },
        layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1, digest: `sha256:${layer.repeat(64).slice(0, 64)}` }],
    });
}

/**
 * One SageMaker call to moto over its wire protocol (JSON 1.1), without the SDK: other test files mock
 * `SageMakerClient` process-wide with aws-sdk-client-mock, and seeding must not depend on whether they
 * restored it. The Authorization header only tells moto the region; moto does not check signatures.
 */
async function sageMaker(endpoint: string, operation: string, input: Record<string, unknown>): Promise<any> {
    const res = await fetch(endpoint, {
        method: "POST",
        headers: {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": `SageMaker.${operation}`,
            Authorization: "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=0",
        },
        body: JSON.stringify(input),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`moto ${operation} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : {};
}

export interface SeededRegistry {
    readonly group: string;
    readonly otherGroup: string;
    readonly packages: { approved: string; pending: string; rejected: string; approvedThenRejected: string; otherGroupApproved: string; otherAccount: string; overwrittenArtifact: string; movedTag: string };
    /** Model names, by what they are built from. */
    readonly models: { approved: string; swappedArtifacts: string; pending: string; rejected: string; approvedThenRejected: string; raw: string; multiContainer: string; otherGroup: string; otherAccount: string; overwrittenArtifact: string; movedTag: string };
    /** Where the bytes are, and what the tampering changed. */
    readonly bytes: { bucket: string; repository: string; overwrittenKey: string; movedImage: string };
    /** Endpoint configurations made outside any Pulumi program. */
    readonly endpointConfigs: { approved: string; secondVariantPending: string };
}

const ROLE = "arn:aws:iam::123456789012:role/sagemaker-execution";

/** Creates the ledger tables (as the approval-events stack declares them) the pins are written to. */
export async function createLedgerTables(endpoint: string, tables: readonly string[]): Promise<void> {
    const dynamodb = new DynamoDBClient(motoClientConfig(endpoint));
    for (const table of tables) await createLedgerTable(dynamodb, table);
}

export async function seedRegistry(endpoint: string, ledgerTables: readonly string[] = []): Promise<SeededRegistry> {
    const group = uniqueName("policy-it");
    const otherGroup = uniqueName("policy-it-other");
    for (const g of [group, otherGroup]) await sageMaker(endpoint, "CreateModelPackageGroup", { ModelPackageGroupName: g });
    const config = motoClientConfig(endpoint);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const ecr = new ECRClient(config);
    const dynamodb = new DynamoDBClient(config);
    const bucket = uniqueName("policy-it-artifacts");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    const repositoryName = uniqueName("policy-it-serve");
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest("1"), imageTag: "v1" }));
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest("2"), imageTag: "moving" }));
    let trained = 0;

    const register = async (g: string, ...statuses: ("Approved" | "Rejected")[]) => registerWithTag(g, "v1", ...statuses);
    const registerWithTag = async (g: string, tag: string, ...statuses: ("Approved" | "Rejected")[]) => {
        const key = `pipelines/${g}/exec-${(trained += 1)}/TrainModel/output/model.tar.gz`;
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `approved weights ${trained}` }));
        const { ModelPackageArn } = await sageMaker(endpoint, "CreateModelPackage", {
            ModelPackageGroupName: g,
            ModelApprovalStatus: "PendingManualApproval",
            InferenceSpecification: {
                Containers: [{ Image: `${repository!.repositoryUri}:${tag}`, ModelDataUrl: `s3://${bucket}/${key}` }],
                SupportedContentTypes: ["text/csv"],
                SupportedResponseMIMETypes: ["text/csv"],
            },
        });
        // Pinned at registration, before anyone can approve (notify-approver's job).
        const description = await sageMaker(endpoint, "DescribeModelPackage", { ModelPackageName: ModelPackageArn });
        const targets = artifactTargets(description);
        const outcome = pinPackage(ModelPackageArn, targets, await observeArtifacts(s3, ecr, targets), new Date().toISOString());
        if (!outcome.pinned) throw new Error(`could not pin ${ModelPackageArn}: ${outcome.problems.join("; ")}`);
        for (const table of ledgerTables) await writePins(dynamodb, table, outcome.pins, `registration-${ModelPackageArn}`);
        for (const status of statuses) await sageMaker(endpoint, "UpdateModelPackage", { ModelPackageArn, ModelApprovalStatus: status });
        return ModelPackageArn as string;
    };
    const packages = {
        approved: await register(group, "Approved"),
        pending: await register(group),
        rejected: await register(group, "Rejected"),
        approvedThenRejected: await register(group, "Approved", "Rejected"),
        otherGroupApproved: await register(otherGroup, "Approved"),
        // moto's account is 123456789012; this version lives in an account the deployer cannot see.
        otherAccount: `arn:aws:sagemaker:us-east-1:999999999999:model-package/${group.toLowerCase()}/1`,
        overwrittenArtifact: await register(group, "Approved"),
        movedTag: await registerWithTag(group, "moving", "Approved"),
    };
    // After approval, someone who can write the bucket or push the repository changes what those versions serve.
    const overwritten = await sageMaker(endpoint, "DescribeModelPackage", { ModelPackageName: packages.overwrittenArtifact });
    const overwrittenKey = (overwritten.InferenceSpecification.Containers[0].ModelDataUrl as string).replace(`s3://${bucket}/`, "");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: overwrittenKey, Body: "other weights" }));
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest("3"), imageTag: "moving" }));

    const model = async (suffix: string, containers: { PrimaryContainer?: ContainerDefinition; Containers?: ContainerDefinition[] }) => {
        const name = `${group}-${suffix}`;
        await sageMaker(endpoint, "CreateModel", { ModelName: name, ExecutionRoleArn: ROLE, ...containers });
        return name;
    };
    const models = {
        approved: await model("approved", { PrimaryContainer: { ModelPackageName: packages.approved } }),
        // Built from the Approved package, but with its own image and model data: not what was approved.
        swappedArtifacts: await model("swapped", { PrimaryContainer: { ModelPackageName: packages.approved, Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/custom:latest", ModelDataUrl: "s3://anywhere/model.tar.gz" } }),
        pending: await model("pending", { PrimaryContainer: { ModelPackageName: packages.pending } }),
        rejected: await model("rejected", { PrimaryContainer: { ModelPackageName: packages.rejected } }),
        approvedThenRejected: await model("flipped", { PrimaryContainer: { ModelPackageName: packages.approvedThenRejected } }),
        raw: await model("raw", { PrimaryContainer: { Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/custom:latest", ModelDataUrl: "s3://anywhere/model.tar.gz" } }),
        multiContainer: await model("multi", { Containers: [{ ModelPackageName: packages.approved }, { ModelPackageName: packages.pending }] }),
        otherGroup: await model("other-group", { PrimaryContainer: { ModelPackageName: packages.otherGroupApproved } }),
        otherAccount: await model("other-account", { PrimaryContainer: { ModelPackageName: packages.otherAccount } }),
        overwrittenArtifact: await model("overwritten", { PrimaryContainer: { ModelPackageName: packages.overwrittenArtifact } }),
        movedTag: await model("moved-tag", { PrimaryContainer: { ModelPackageName: packages.movedTag } }),
    };
    // moto keeps ProductionVariants only (it drops ShadowProductionVariants), so the challenger is a second variant.
    const endpointConfig = async (suffix: string, ...modelNames: string[]) => {
        const name = `${group}-${suffix}`;
        await sageMaker(endpoint, "CreateEndpointConfig", {
            EndpointConfigName: name,
            ProductionVariants: modelNames.map((ModelName, i) => ({ VariantName: i === 0 ? "primary" : "challenger", ModelName, InitialInstanceCount: 1, InstanceType: "ml.m5.large" })),
        });
        return name;
    };
    const endpointConfigs = {
        approved: await endpointConfig("config-approved", models.approved),
        secondVariantPending: await endpointConfig("config-second-pending", models.approved, models.pending),
    };
    [s3, ecr, dynamodb].forEach((c) => c.destroy());
    return { group, otherGroup, packages, models, endpointConfigs, bytes: { bucket, repository: repositoryName, overwrittenKey, movedImage: `${repository!.repositoryUri}:moving` } };
}
