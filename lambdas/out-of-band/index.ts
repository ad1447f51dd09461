/**
 * out-of-band: EventBridge (infra/events/cloudTrailPatterns.ts: CloudTrail records of watched SageMaker calls on this
 * environment's resources by anyone but the gate's own principals) → this function, invoked asynchronously (retries,
 * then an on-failure DLQ). Thin: clients at module scope, env read once, logic in ./handle.ts.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { requireEnv } from "../shared/env";
import { consoleLogger } from "../shared/log";
import { snsPublisher } from "../shared/publish";
import { handleOutOfBandEvent, type OutOfBandResult } from "./handle";
import { settingsFromEnv } from "./settings";

const settings = settingsFromEnv(process.env);
const dynamodb = new DynamoDBClient({});
const publisher = snsPublisher(new SNSClient({}), requireEnv(process.env, "TOPIC_ARN"));
const emitMetric = (line: string) => void process.stdout.write(`${line}\n`);

export async function handler(event: unknown): Promise<OutOfBandResult> {
    const result = await handleOutOfBandEvent(event, settings, { dynamodb, publisher, logger: consoleLogger, emitMetric });
    consoleLogger.log("info", `result: ${result.outcome}`);
    return result;
}
