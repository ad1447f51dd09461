/**
 * The sandbox's world: the dev environment (Pulumi.dev.yaml) as its stack and functions would leave an account,
 * built in moto through the real APIs. Its registry holds a version in each state: v1 Approved and live on the
 * endpoint (with its ledger record), v2 Rejected, v3 PendingManualApproval; every version pinned as
 * registration pins it. The approvals topic has a queue subscribed, standing in for the approvers' inbox.
 * The Lambdas' settings come from the same functions the stack uses to set their environment variables.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { deployerEnvironment } from "../../../infra/components/deployer";
import { notifierEnvironment } from "../../../infra/components/notifier";
import { layoutOf } from "../../../infra/config";
import { resourceName } from "../../../infra/lib/naming";
import { settingsFromEnv as deploySettingsFromEnv } from "../../../lambdas/deploy-approved/settings";
import type { DeploySettings } from "../../../lambdas/deploy-approved/deploy";
import { settingsFromEnv as notifySettingsFromEnv } from "../../../lambdas/notify-approver/settings";
import type { NotifySettings } from "../../../lambdas/notify-approver/notify";
import { recordDeployment } from "../../../lambdas/shared/ledger";
import { loadEnvironment, type Environment } from "../../approvals/environment";
import { ledgerTableName } from "../../approvals/ledger";
import { pinVersions, publishImage, registerVersions, serveApprovedVersion, XGBOOST_IMAGE, type RegistryToSeed, type VersionToRegister } from "../registrySeed";

export const SANDBOX_ENV = "dev";
export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const CREDENTIALS = { accessKeyId: "sandbox", secretAccessKey: "sandbox" };

export interface Clients {
    readonly sagemaker: SageMakerClient;
    readonly s3: S3Client;
    readonly dynamodb: DynamoDBClient;
    readonly ecr: ECRClient;
    readonly sns: SNSClient;
    readonly sqs: SQSClient;
}

export interface World {
    readonly environment: Environment;
    readonly clients: Clients;
    readonly bucket: string;
    readonly registry: RegistryToSeed;
    readonly table: string;
    readonly topicArn: string;
    readonly inboxUrl: string;
    /** Package ARNs by version number. */
    readonly versions: Map<number, string>;
    readonly deploy: DeploySettings;
    readonly notify: NotifySettings;
}

export function sandboxClients(endpoint: string): Clients {
    const config = { endpoint, region: REGION, credentials: CREDENTIALS };
    return {
        sagemaker: new SageMakerClient(config),
        s3: new S3Client({ ...config, forcePathStyle: true }),
        dynamodb: new DynamoDBClient(config),
        ecr: new ECRClient(config),
        sns: new SNSClient(config),
        sqs: new SQSClient(config),
    };
}

/** A version as the training pipeline registers it: its execution, evaluation report and model.tar.gz. */
export function pipelineVersion(bucket: string, execution: string, mse: number): VersionToRegister {
    const pipeline = resourceName(SANDBOX_ENV, "training");
    return {
        mse,
        reportKey: `${pipeline}/${execution}/evaluation/evaluation.json`,
        executionArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:pipeline/${pipeline}/execution/${execution}`,
        modelDataUrl: `s3://${bucket}/${pipeline}/${execution}/model/model.tar.gz`,
    };
}

async function createInbox(clients: Clients, topicArn: string): Promise<string> {
    const inboxUrl = (await clients.sqs.send(new CreateQueueCommand({ QueueName: "sandbox-approvers-inbox" }))).QueueUrl!;
    const inboxArn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: inboxUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
    await clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: inboxArn }));
    return inboxUrl;
}

/** What reached the approvers' inbox since the last read (SNS → SQS). */
export async function readInbox(world: World): Promise<{ subject: string; message: string }[]> {
    const out: { subject: string; message: string }[] = [];
    for (;;) {
        const batch = await world.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: world.inboxUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 43_200 }));
        if (!batch.Messages?.length) return out;
        for (const m of batch.Messages) {
            const envelope = JSON.parse(m.Body!) as { Subject: string; Message: string };
            out.push({ subject: envelope.Subject, message: envelope.Message });
        }
    }
}

export async function seedWorld(endpoint: string, projectDir: string): Promise<World> {
    const environment = loadEnvironment(SANDBOX_ENV, projectDir);
    const clients = sandboxClients(endpoint);
    const env = environment.config.environment;
    const bucket = `${resourceName(env, "training")}-${ACCOUNT}`;
    const table = ledgerTableName(env);
    await clients.dynamodb.send(new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
    }));
    const topicArn = (await clients.sns.send(new CreateTopicCommand({ Name: resourceName(env, "approvals") }))).TopicArn!;
    const inboxUrl = await createInbox(clients, topicArn);

    const registry: RegistryToSeed = { group: environment.groupName, bucket, description: "XGBoost abalone age regressor", standardDeviation: 2.1, realtimeInstanceTypes: ["ml.m5.large", "ml.m5.xlarge"] };
    const seeded = [pipelineVersion(bucket, "k2v9x1q7d3ab", 4.71), pipelineVersion(bucket, "p8c4m2z6w1ef", 4.92), pipelineVersion(bucket, "t5r7y3n9h2cd", 4.18)];
    const registered = await registerVersions({ sagemaker: clients.sagemaker, s3: clients.s3 }, registry, seeded);
    const versions = new Map(registered.map((v) => [v.version, v.arn]));
    await publishImage(clients.ecr, XGBOOST_IMAGE);
    await pinVersions(clients, table, registered.map((v) => v.arn));
    const modelExecutionRoleArn = `arn:aws:iam::${ACCOUNT}:role/${resourceName(env, "model-execution")}`;
    const model = `${resourceName(env, "v1")}-3f9a2c1d`;
    const description = "first model for dev; mse 4.71 within the gate";
    await serveApprovedVersion(clients.sagemaker, { endpointName: environment.endpointName, arn: versions.get(1)!, modelName: model, executionRoleArn: modelExecutionRoleArn, approvalDescription: description });
    await recordDeployment(clients.dynamodb, table, {
        endpointName: environment.endpointName, packageArn: versions.get(1)!, groupName: environment.groupName, version: 1,
        endpointConfigName: model, modelName: model, deployedAt: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        eventId: "sandbox-seed-v1", kind: "deploy", outcome: "deployed", reason: `Approved ("${description}")`,
        approvedBy: `arn:aws:sts::${ACCOUNT}:assumed-role/ml-approver/alice`, approvalDescription: description,
        // As deploy-approved records it: the notification compares a new version with the live one's report.
        metricsS3Uri: `s3://${bucket}/${seeded[0].reportKey}`,
    }, undefined);
    await clients.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: versions.get(2)!, ModelApprovalStatus: "Rejected", ApprovalDescription: "mse 4.92 is worse than live 4.71" }));

    const endpointSettings = layoutOf(environment.config, "all-in-one").endpoint;
    const common = { environment: env, groupName: environment.groupName, endpointName: environment.endpointName, ledgerTableName: table, topicArn };
    const deploy = deploySettingsFromEnv(deployerEnvironment({ ...common, accountId: ACCOUNT, modelExecutionRoleArn, endpoint: endpointSettings }));
    const notify = notifySettingsFromEnv({ ...notifierEnvironment(common), AWS_REGION: environment.region ?? REGION });
    return { environment, clients, bucket, registry, table, topicArn, inboxUrl, versions, deploy, notify };
}
