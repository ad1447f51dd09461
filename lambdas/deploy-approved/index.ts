/**
 * deploy-approved: EventBridge → this function for Approved (deploy) and Rejected (roll back) model
 * package events of this environment's group. Thin: clients at module scope, env read once, logic in
 * ./deploy.ts. Retryable failures are thrown (Lambda retries, then the on-failure DLQ + alarm);
 * malformed events and refusals return normally (logged and published, never a crash loop).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SNSClient } from "@aws-sdk/client-sns";
import { requireEnv } from "../shared/env";
import { consoleLogger } from "../shared/log";
import { snsPublisher } from "../shared/publish";
import { handleModelPackageEvent, type DeployResult } from "./deploy";
import { settingsFromEnv } from "./settings";

const settings = settingsFromEnv(process.env);
const sagemaker = new SageMakerClient({});
const dynamodb = new DynamoDBClient({});
const publisher = snsPublisher(new SNSClient({}), requireEnv(process.env, "TOPIC_ARN"));

export async function handler(event: unknown): Promise<DeployResult> {
    const result = await handleModelPackageEvent(event, settings, { sagemaker, dynamodb, publisher, logger: consoleLogger, now: () => new Date() });
    consoleLogger.log("info", `result: ${result.outcome}`, { result });
    return result;
}
