/**
 * Three AWS accounts in one moto server for the promotion end-to-end test: the registry (111111111111: the group,
 * its versions, their artifacts, images and reports) and two environments (222222222222 Staging,
 * 333333333333 Production: each with its own ledger, topic, models and endpoint). SageMaker goes through the
 * lifecycle double (tests/helpers/sagemakerLifecycleProxy.ts), told the group policy the registry stack writes:
 * each environment account may describe the group's versions and set only {its stage, Deployed}.
 *
 * One moto gap is bridged on purpose: moto's ECR ignores `registryId` and answers from the caller's own account,
 * so an environment's ECR client acts in the registry account (AWS: the repository policy admits the environment).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    CreateModelPackageCommand,
    CreateModelPackageGroupCommand,
    DescribeModelPackageCommand,
    SageMakerClient,
    UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { DeployDeps, DeploySettings } from "../../lambdas/deploy-approved/deploy";
import type { NotifyDeps, NotifySettings } from "../../lambdas/notify-approver/notify";
import { snsPublisher } from "../../lambdas/shared/publish";
import { s3ReportReader } from "../../lambdas/shared/reports";
import { planStageChange, type StageAction } from "../../policies/lib/approvalStage";
import { motoClientConfig, motoEndpoint, uniqueName } from "../helpers/moto";
import { actAs, startLifecycleProxy, type LifecycleProxy } from "../helpers/sagemakerLifecycleProxy";
import { createLedgerTable } from "./ledgerTable";
import { imageManifest, recordingLogger } from "./world";

export const REGISTRY = "111111111111";
export const ORDER = ["Staging", "Production"] as const;
const ACCOUNTS = { Staging: "222222222222", Production: "333333333333" } as const;

export interface Environment {
    readonly stage: (typeof ORDER)[number];
    readonly accountId: string;
    readonly sagemaker: SageMakerClient;
    readonly dynamodb: DynamoDBClient;
    readonly deploySettings: DeploySettings;
    readonly notifySettings: NotifySettings;
    readonly deployDeps: DeployDeps;
    readonly notifyDeps: NotifyDeps;
    /** Subjects published to the environment's topic since the last call. */
    inbox(): Promise<string[]>;
}

export interface PromotionWorld {
    readonly proxy: LifecycleProxy;
    readonly registry: { readonly sagemaker: SageMakerClient; readonly s3: S3Client; readonly ecr: ECRClient };
    readonly groupName: string;
    readonly staging: Environment;
    readonly prod: Environment;
}

export async function createPromotionWorld(): Promise<PromotionWorld> {
    const moto = await motoEndpoint();
    const proxy = await startLifecycleProxy(moto);
    const at = (accountId: string) => ({
        sagemaker: actAs(new SageMakerClient(motoClientConfig(proxy.endpoint)), accountId),
        s3: actAs(new S3Client({ ...motoClientConfig(moto), forcePathStyle: true }), accountId),
        ecr: actAs(new ECRClient(motoClientConfig(moto)), accountId),
    });
    const registry = at(REGISTRY);
    const groupName = uniqueName("Abalone-Promo");
    await registry.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: groupName }));
    proxy.sharing = [
        {
            ownerAccountId: REGISTRY,
            groupName,
            admits: ORDER.map((stage) => ({ accountId: ACCOUNTS[stage], actions: ["DescribeModelPackage", "UpdateModelPackage"] as const, lifeCycle: { stage, stageStatus: "Deployed" } })),
        },
    ];
    const environment = async (stage: (typeof ORDER)[number], name: string): Promise<Environment> => {
        const accountId = ACCOUNTS[stage];
        const { sagemaker, s3 } = at(accountId);
        const cfg = motoClientConfig(moto);
        const dynamodb = actAs(new DynamoDBClient(cfg), accountId);
        const sns = actAs(new SNSClient(cfg), accountId);
        const sqs = actAs(new SQSClient(cfg), accountId);
        const tableName = uniqueName(`${name}-deployments`);
        await createLedgerTable(dynamodb, tableName);
        const topicArn = (await sns.send(new CreateTopicCommand({ Name: uniqueName(`${name}-approvals`) }))).TopicArn!;
        const inboxUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(`${name}-inbox`) }))).QueueUrl!;
        const inboxArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: inboxUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
        await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: inboxArn }));
        const prefix = uniqueName(`sagemaker-approval-gate-${name}`);
        const stageCtx = { stage, order: ORDER };
        const publisher = snsPublisher(sns, topicArn);
        const common = { sagemaker, dynamodb, s3, publisher, logger: recordingLogger(), now: () => new Date() };
        const ecr = registry.ecr;
        return {
            stage,
            accountId,
            sagemaker,
            dynamodb,
            deploySettings: {
                environment: name, groupName, registryAccountId: REGISTRY, endpointName: `${prefix}-endpoint`, resourcePrefix: prefix, ledgerTableName: tableName,
                modelExecutionRoleArn: `arn:aws:iam::${accountId}:role/${prefix}-model-execution`, instanceType: "ml.m5.large", initialInstanceCount: 1,
                rollbackAlarmNames: [], terminationWaitSeconds: 300, pinWaitSeconds: 900, stage: stageCtx,
            },
            notifySettings: { environment: name, groupName, endpointName: `${prefix}-endpoint`, ledgerTableName: tableName, region: "us-east-1", stage: stageCtx },
            deployDeps: { ...common, ecr: () => ecr },
            notifyDeps: { ...common, ecr, reports: s3ReportReader(s3) },
            async inbox() {
                const subjects: string[] = [];
                for (;;) {
                    const batch = await sqs.send(new ReceiveMessageCommand({ QueueUrl: inboxUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
                    if (!batch.Messages?.length) return subjects;
                    subjects.push(...batch.Messages.map((m) => JSON.parse(m.Body!).Subject as string));
                }
            },
        };
    };
    return { proxy, registry, groupName, staging: await environment("Staging", "staging"), prod: await environment("Production", "prod") };
}

/** Registers a version as the registry's pipeline would: model.tar.gz in a versioned bucket, an image in ECR, a report. */
export async function registerVersion(world: PromotionWorld, mse: number): Promise<string> {
    const { s3, ecr, sagemaker } = world.registry;
    const bucket = uniqueName("registry-artifacts").toLowerCase();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "model.tar.gz", Body: `weights ${mse}` }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "evaluation.json", Body: JSON.stringify({ regression_metrics: { mse: { value: mse } } }) }));
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: uniqueName("serve") }));
    await ecr.send(new PutImageCommand({ repositoryName: repository!.repositoryName!, imageManifest: imageManifest("a"), imageTag: "v1" }));
    const out = await sagemaker.send(
        new CreateModelPackageCommand({
            ModelPackageGroupName: world.groupName,
            ModelApprovalStatus: "PendingManualApproval",
            InferenceSpecification: { Containers: [{ Image: `${repository!.repositoryUri}:v1`, ModelDataUrl: `s3://${bucket}/model.tar.gz` }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
            ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: `s3://${bucket}/evaluation.json` } } },
        }),
    );
    return out.ModelPackageArn!;
}

/** A stage decision made as the approvals CLI makes it, in the registry account: planStageChange on the live package, then UpdateModelPackage. */
export async function decide(world: PromotionWorld, arn: string, action: Exclude<StageAction, "deployed">, stage: (typeof ORDER)[number], comment: string): Promise<void> {
    const sm = world.registry.sagemaker;
    const live = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    const plan = planStageChange(live.ModelLifeCycle, live.ModelApprovalStatus, action, { stage, order: ORDER }, { at: new Date(), by: "arn:aws:sts::111111111111:assumed-role/approver/alice", comment }, live.CustomerMetadataProperties);
    if (!plan.ok) throw new Error(`${action} ${stage}: ${plan.reason}`);
    await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ...plan.update }));
}

let counter = 0;
/** The state-change event SageMaker would send now (detail mirrors DescribeModelPackage), as forwarded: account = registry. */
export async function eventNow(world: PromotionWorld, arn: string): Promise<Record<string, unknown>> {
    const { $metadata: _, ...detail } = await world.registry.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    counter += 1;
    return {
        version: "0", id: `promo-${process.pid}-${counter}`, "detail-type": "SageMaker Model Package State Change", source: "aws.sagemaker",
        account: REGISTRY, time: new Date().toISOString(), region: "us-east-1", resources: [arn], detail: JSON.parse(JSON.stringify(detail)),
    };
}
