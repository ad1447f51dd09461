/**
 * A small AWS world in moto for the handler integration tests: a model package group with versions,
 * the ledger table, the approvals topic with an SQS queue subscribed (to read what was published), and
 * a bucket for evaluation reports. Every name is unique to the test run.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import {
    CreateModelPackageCommand,
    CreateModelPackageGroupCommand,
    SageMakerClient,
    UpdateModelPackageCommand,
    type ModelApprovalStatus,
} from "@aws-sdk/client-sagemaker";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { loadEvent, type EventFixture } from "../fixtures/events";
import { motoClientConfig, motoEndpoint, uniqueName } from "../helpers/moto";
import { createLedgerTable } from "./ledgerTable";
import type { Logger, LogLevel } from "../../lambdas/shared/log";
import { snsPublisher } from "../../lambdas/shared/publish";

export const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

export interface World {
    readonly endpoint: string;
    readonly sagemaker: SageMakerClient;
    readonly dynamodb: DynamoDBClient;
    readonly s3: S3Client;
    readonly ecr: ECRClient;
    readonly sns: SNSClient;
    readonly sqs: SQSClient;
    readonly groupName: string;
    readonly tableName: string;
    readonly topicArn: string;
    readonly inboxUrl: string;
    readonly bucket: string;
}

/** One account's clients against moto (SageMaker through `sagemakerEndpoint` when given: the lifecycle double). */
export interface AccountClients {
    readonly sagemaker: SageMakerClient;
    readonly dynamodb: DynamoDBClient;
    readonly s3: S3Client;
    readonly ecr: ECRClient;
    readonly sns: SNSClient;
    readonly sqs: SQSClient;
}

export function motoClients(endpoint: string, sagemakerEndpoint = endpoint): AccountClients {
    const cfg = motoClientConfig(endpoint);
    return {
        sagemaker: new SageMakerClient(motoClientConfig(sagemakerEndpoint)),
        dynamodb: new DynamoDBClient(cfg),
        s3: new S3Client({ ...cfg, forcePathStyle: true }),
        ecr: new ECRClient(cfg),
        sns: new SNSClient(cfg),
        sqs: new SQSClient(cfg),
    };
}

/** An environment's ledger and approvals topic, with an SQS inbox subscribed to the topic; names `<name>-…`, unique to the run. */
export async function createLedgerAndTopic(clients: Pick<AccountClients, "dynamodb" | "sns" | "sqs">, name?: string): Promise<Pick<World, "tableName" | "topicArn" | "inboxUrl">> {
    const named = (role: string) => uniqueName(name ? `${name}-${role}` : role);
    const tableName = named("deployments");
    await createLedgerTable(clients.dynamodb, tableName);
    const topicArn = (await clients.sns.send(new CreateTopicCommand({ Name: named("approvals") }))).TopicArn!;
    const inboxUrl = (await clients.sqs.send(new CreateQueueCommand({ QueueName: named("inbox") }))).QueueUrl!;
    const inboxArn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: inboxUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
    await clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: inboxArn, Attributes: { RawMessageDelivery: "false" } }));
    return { tableName, topicArn, inboxUrl };
}

export async function createWorld(groupPrefix = "Abalone-Test"): Promise<World> {
    const endpoint = await motoEndpoint();
    const clients = motoClients(endpoint);
    const groupName = uniqueName(groupPrefix);
    await clients.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: groupName }));
    const notifications = await createLedgerAndTopic(clients);
    const bucket = uniqueName("reports").toLowerCase();
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return { endpoint, ...clients, groupName, ...notifications, bucket };
}

/** Registers a version as the pipeline does (PendingManualApproval), then sets its status if asked. */
export async function registerVersion(world: World, status: ModelApprovalStatus = "PendingManualApproval", metricsKey?: string): Promise<string> {
    const out = await world.sagemaker.send(
        new CreateModelPackageCommand({
            ModelPackageGroupName: world.groupName,
            ModelApprovalStatus: "PendingManualApproval",
            InferenceSpecification: {
                Containers: [{ Image: IMAGE, ModelDataUrl: `s3://${world.bucket}/model.tar.gz` }],
                SupportedContentTypes: ["text/csv"],
                SupportedResponseMIMETypes: ["text/csv"],
            },
            ModelMetrics: metricsKey ? { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: `s3://${world.bucket}/${metricsKey}` } } } : undefined,
            MetadataProperties: { GeneratedBy: "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc123" },
        }),
    );
    if (status !== "PendingManualApproval") await setStatus(world, out.ModelPackageArn!, status);
    return out.ModelPackageArn!;
}

export async function setStatus(world: World, arn: string, status: ModelApprovalStatus, why = `set ${status} by the test`): Promise<void> {
    await world.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status, ApprovalDescription: why }));
}

export async function putReport(world: Pick<World, "s3" | "bucket">, key: string, report: unknown): Promise<void> {
    await world.s3.send(new PutObjectCommand({ Bucket: world.bucket, Key: key, Body: typeof report === "string" ? report : JSON.stringify(report) }));
}

let eventCounter = 0;
/** A model package state change event for one of the world's versions, shaped like the documented sample. */
export function packageEvent(world: World, arn: string, status: string, overrides: { id?: string; packageStatus?: string; metricsKey?: string; groupName?: string; approvedAt?: Date } = {}): EventFixture {
    const event = loadEvent("model-package-approved");
    eventCounter += 1;
    event.id = overrides.id ?? `evt-${process.pid}-${eventCounter}`;
    event.region = "us-east-1";
    event.resources = [arn];
    event.detail.ModelPackageGroupName = overrides.groupName ?? world.groupName;
    event.detail.ModelPackageArn = arn;
    event.detail.ModelPackageVersion = Number(arn.split("/").pop());
    event.detail.ModelApprovalStatus = status;
    event.detail.ModelPackageStatus = overrides.packageStatus ?? "Completed";
    if (overrides.approvedAt) {
        // SageMaker's time of the change, and EventBridge's time of the event (a moment later in real events).
        event.detail.LastModifiedTime = overrides.approvedAt.toISOString();
        event.time = overrides.approvedAt.toISOString().replace(/\.\d{3}Z$/, "Z");
    }
    event.detail.ModelMetrics.ModelQuality.Statistics.S3Uri = `s3://${world.bucket}/${overrides.metricsKey ?? "missing/evaluation.json"}`;
    return event;
}

/** Messages published to the topic since the last call (SNS → SQS in moto). */
export async function readInbox(world: Pick<World, "sqs" | "inboxUrl">): Promise<{ subject: string; message: string }[]> {
    const out: { subject: string; message: string }[] = [];
    for (;;) {
        const batch = await world.sqs.send(new ReceiveMessageCommand({ QueueUrl: world.inboxUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (!batch.Messages?.length) return out;
        for (const m of batch.Messages) {
            const envelope = JSON.parse(m.Body!);
            out.push({ subject: envelope.Subject, message: envelope.Message });
        }
        // Received messages stay invisible (visibility timeout) for the rest of the test, so the loop ends.
    }
}

/** A logger that keeps lines for assertions. */
export function recordingLogger(): Logger & { lines: { level: LogLevel; message: string; fields: Record<string, unknown> }[] } {
    const lines: { level: LogLevel; message: string; fields: Record<string, unknown> }[] = [];
    return { lines, log: (level, message, fields = {}) => lines.push({ level, message, fields }) };
}

export function publisherFor(world: World) {
    return snsPublisher(world.sns, world.topicArn);
}

/** An image manifest with one layer of its own: moto's digest is sha256 of the layer digests, so other layers give another digest. */
export function imageManifest(layer: string): string {
    return JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1, digest: `sha256:${"c".repeat(64)}` },
        layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1, digest: `sha256:${layer.repeat(64).slice(0, 64)}` }],
    });
}

export interface PinnableVersion {
    readonly arn: string;
    readonly bucket: string;
    readonly key: string;
    readonly modelDataUrl: string;
    /** S3's answer to the training job's PutObject of model.tar.gz (ETag unquoted). */
    readonly versionId: string;
    readonly etag: string;
    readonly repository: string;
    readonly image: string;
    /** What the image's tag resolved to in ECR when it was pushed. */
    readonly digest: string;
}

/**
 * Registers a version as a real pipeline would leave it: model.tar.gz in a versioned bucket, the serving image pushed
 * to an ECR repository of this account, and a package pointing at both, its report in `world.bucket`. `image` overrides
 * the package's image; `weights` the bytes of model.tar.gz; `generatedBy` the pipeline execution.
 */
export async function registerPinnableVersion(
    world: Pick<World, "sagemaker" | "s3" | "ecr" | "groupName" | "bucket">,
    options: { metricsKey?: string; image?: string; imageDigest?: string; weights?: string; generatedBy?: string } = {},
): Promise<PinnableVersion> {
    const bucket = uniqueName("artifacts").toLowerCase();
    const key = "pipelines/exec-1/TrainModel/output/model.tar.gz";
    await world.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await world.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    const put = await world.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: options.weights ?? "approved weights" }));
    const repository = uniqueName("serve");
    const { repository: repo } = await world.ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
    const pushed = await world.ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: imageManifest("a"), imageTag: "v1" }));
    const image = options.image ?? `${repo!.repositoryUri}:v1`;
    const modelDataUrl = `s3://${bucket}/${key}`;
    const out = await world.sagemaker.send(
        new CreateModelPackageCommand({
            ModelPackageGroupName: world.groupName,
            ModelApprovalStatus: "PendingManualApproval",
            InferenceSpecification: {
                Containers: [{ Image: image, ModelDataUrl: modelDataUrl, ...(options.imageDigest ? { ImageDigest: options.imageDigest } : {}) }],
                SupportedContentTypes: ["text/csv"],
                SupportedResponseMIMETypes: ["text/csv"],
            },
            ModelMetrics: options.metricsKey ? { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: `s3://${world.bucket}/${options.metricsKey}` } } } : undefined,
            MetadataProperties: { GeneratedBy: options.generatedBy ?? "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc123" },
        }),
    );
    return {
        arn: out.ModelPackageArn!,
        bucket,
        key,
        modelDataUrl,
        versionId: put.VersionId!,
        etag: put.ETag!.replace(/"/g, ""),
        repository,
        image,
        digest: pushed.image!.imageId!.imageDigest!,
    };
}
