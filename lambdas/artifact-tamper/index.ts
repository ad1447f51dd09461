/**
 * artifact-tamper: EventBridge (infra/events/tamperPatterns.ts: S3 writes under the pipeline's outputs, this
 * account's ECR pushes and deletes) → this function, invoked asynchronously (retries, then an on-failure DLQ).
 * Thin: clients at module scope, env read once, logic in ./detect.ts.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { requireEnv } from "../shared/env";
import { consoleLogger } from "../shared/log";
import { snsPublisher } from "../shared/publish";
import { handleTamperEvent, type TamperResult } from "./detect";
import { settingsFromEnv } from "./settings";

const settings = settingsFromEnv(process.env);
const dynamodb = new DynamoDBClient({});
const publisher = snsPublisher(new SNSClient({}), requireEnv(process.env, "TOPIC_ARN"));
const emitMetric = (line: string) => void process.stdout.write(`${line}\n`);

export async function handler(event: unknown): Promise<TamperResult> {
    const result = await handleTamperEvent(event, settings, { dynamodb, publisher, logger: consoleLogger, emitMetric });
    consoleLogger.log("info", `result: ${result.outcome}`);
    return result;
}
