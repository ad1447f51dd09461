/**
 * deploy-approved: Approved (deploy) and Rejected (roll back) model package events of this environment's
 * group, delivered by EventBridge through a FIFO queue (one message group per endpoint). Thin: clients at
 * module scope, env read once, logic in ./deploy.ts and ./queue.ts. A busy endpoint or a transient AWS
 * fault (throttling, timeout, 5xx, network) is a batch item failure (redelivered later); malformed events,
 * refusals and stale approvals are logged, published and not retried.
 * A direct invocation with an EventBridge event (e.g. a console test) is handled too.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SNSClient } from "@aws-sdk/client-sns";
import { requireEnv } from "../shared/env";
import { consoleLogger } from "../shared/log";
import { snsPublisher } from "../shared/publish";
import { handleModelPackageEvent, type DeployResult } from "./deploy";
import { handleQueueBatch, isQueueEvent, type BatchResponse } from "./queue";
import { settingsFromEnv } from "./settings";

const settings = settingsFromEnv(process.env);
const sagemaker = new SageMakerClient({});
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});
/** Images are looked up in their own region's ECR (SageMaker requires them in the endpoint's region, so usually one client). */
const ecrClients = new Map<string, ECRClient>();
const ecr = (region: string): ECRClient => {
    let client = ecrClients.get(region);
    if (!client) ecrClients.set(region, (client = new ECRClient({ region })));
    return client;
};
const publisher = snsPublisher(new SNSClient({}), requireEnv(process.env, "TOPIC_ARN"));

async function handleOne(event: unknown): Promise<DeployResult> {
    const result = await handleModelPackageEvent(event, settings, { sagemaker, dynamodb, s3, ecr, publisher, logger: consoleLogger, now: () => new Date() });
    consoleLogger.log("info", `result: ${result.outcome}`, { result });
    return result;
}

export async function handler(event: unknown): Promise<BatchResponse | DeployResult> {
    return isQueueEvent(event) ? handleQueueBatch(event, handleOne, consoleLogger) : handleOne(event);
}
