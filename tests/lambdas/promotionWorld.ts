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
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ECRClient } from "@aws-sdk/client-ecr";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateModelPackageGroupCommand, DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import type { DeployDeps, DeploySettings } from "../../lambdas/deploy-approved/deploy";
import type { NotifyDeps, NotifySettings } from "../../lambdas/notify-approver/notify";
import { snsPublisher } from "../../lambdas/shared/publish";
import { s3ReportReader } from "../../lambdas/shared/reports";
import { planStageChange, type StageAction } from "../../policies/lib/approvalStage";
import { motoEndpoint, uniqueName } from "../helpers/moto";
import { actAs, startLifecycleProxy, type LifecycleProxy } from "../helpers/sagemakerLifecycleProxy";
import { createLedgerAndTopic, motoClients, putReport, readInbox, recordingLogger, registerPinnableVersion, type AccountClients } from "./world";

export const REGISTRY = "111111111111";
export const ORDER = ["Staging", "Production"] as const;
const ACCOUNTS = { Staging: "222222222222", Production: "333333333333" } as const;

export interface Environment {
    readonly stage: (typeof ORDER)[number];
    readonly accountId: string;
    readonly sagemaker: SageMakerClient;
    readonly dynamodb: DynamoDBClient;
    readonly s3: S3Client;
    readonly deploySettings: DeploySettings;
    readonly notifySettings: NotifySettings;
    readonly deployDeps: DeployDeps;
    readonly notifyDeps: NotifyDeps;
    /** Subjects published to the environment's topic since the last call. */
    inbox(): Promise<string[]>;
}

export interface PromotionWorld {
    readonly proxy: LifecycleProxy;
    /** The registry account's clients and its reports bucket (evaluation reports). */
    readonly registry: { readonly sagemaker: SageMakerClient; readonly s3: S3Client; readonly ecr: ECRClient; readonly bucket: string };
    readonly groupName: string;
    readonly staging: Environment;
    readonly prod: Environment;
}

export async function createPromotionWorld(): Promise<PromotionWorld> {
    const moto = await motoEndpoint();
    const proxy = await startLifecycleProxy(moto);
    /** An account's clients, SageMaker through the lifecycle double. */
    const at = (accountId: string): AccountClients => {
        const c = motoClients(moto, proxy.endpoint);
        return { sagemaker: actAs(c.sagemaker, accountId), dynamodb: actAs(c.dynamodb, accountId), s3: actAs(c.s3, accountId), ecr: actAs(c.ecr, accountId), sns: actAs(c.sns, accountId), sqs: actAs(c.sqs, accountId) };
    };
    const registryClients = at(REGISTRY);
    const bucket = uniqueName("registry-reports").toLowerCase();
    await registryClients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const registry = { sagemaker: registryClients.sagemaker, s3: registryClients.s3, ecr: registryClients.ecr, bucket };
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
        const clients = at(accountId);
        const { sagemaker, dynamodb, s3 } = clients;
        const { tableName, topicArn, inboxUrl } = await createLedgerAndTopic(clients, name);
        const prefix = uniqueName(`sagemaker-approval-gate-${name}`);
        const stageCtx = { stage, order: ORDER };
        const publisher = snsPublisher(clients.sns, topicArn);
        const common = { sagemaker, dynamodb, s3, publisher, logger: recordingLogger(), now: () => new Date() };
        const ecr = registry.ecr;
        return {
            stage,
            accountId,
            sagemaker,
            dynamodb,
            s3,
            deploySettings: {
                environment: name, groupName, registryAccountId: REGISTRY, endpointName: `${prefix}-endpoint`, resourcePrefix: prefix, ledgerTableName: tableName,
                modelExecutionRoleArn: `arn:aws:iam::${accountId}:role/${prefix}-model-execution`, instanceType: "ml.m5.large", initialInstanceCount: 1,
                rollbackAlarmNames: [], terminationWaitSeconds: 300, pinWaitSeconds: 900, stage: stageCtx,
            },
            notifySettings: { environment: name, groupName, endpointName: `${prefix}-endpoint`, ledgerTableName: tableName, region: "us-east-1", stage: stageCtx },
            deployDeps: { ...common, ecr: () => ecr },
            notifyDeps: { ...common, ecr, reports: s3ReportReader(s3) },
            async inbox() {
                return (await readInbox({ sqs: clients.sqs, inboxUrl })).map((m) => m.subject);
            },
        };
    };
    return { proxy, registry, groupName, staging: await environment("Staging", "staging"), prod: await environment("Production", "prod") };
}

/** Registers a version as the registry's pipeline would (world.ts registerPinnableVersion, in the registry account) with a report of this mse. */
export async function registerVersion(world: PromotionWorld, mse: number): Promise<string> {
    const metricsKey = `${uniqueName("evaluation")}.json`;
    await putReport(world.registry, metricsKey, { regression_metrics: { mse: { value: mse } } });
    const version = await registerPinnableVersion(
        { ...world.registry, groupName: world.groupName },
        { metricsKey, weights: `weights ${mse}`, generatedBy: `arn:aws:sagemaker:us-east-1:${REGISTRY}:pipeline/p/execution/abc123` },
    );
    return version.arn;
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
