/**
 * smoke-test: EventBridge ("SageMaker Endpoint State Change" of this environment's endpoint, InService:
 * infra/events/endpointPatterns.ts) → this function, invoked asynchronously (retries, then an on-failure DLQ).
 * Thin: clients at module scope, env read once, logic in ./smoke.ts.
 */
import { randomUUID } from "crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { SNSClient } from "@aws-sdk/client-sns";
import { requireEnv } from "../shared/env";
import { consoleLogger } from "../shared/log";
import { snsPublisher } from "../shared/publish";
import { settingsFromEnv } from "./settings";
import { handleEndpointEvent, type SmokeResult } from "./smoke";

const settings = settingsFromEnv(process.env);
const sagemaker = new SageMakerClient({});
// SageMaker's model invocation timeout is 60 s: a socket that waits longer is a fault, retried by the SDK, then by Lambda.
const runtime = new SageMakerRuntimeClient({ requestHandler: { requestTimeout: 65_000 } });
const s3 = new S3Client({});
const dynamodb = new DynamoDBClient({});
const publisher = snsPublisher(new SNSClient({}), requireEnv(process.env, "TOPIC_ARN"));
const emitMetric = (line: string) => void process.stdout.write(`${line}\n`);

export async function handler(event: unknown): Promise<SmokeResult> {
    const result = await handleEndpointEvent(event, settings, {
        sagemaker,
        runtime,
        s3,
        dynamodb,
        publisher,
        logger: consoleLogger,
        emitMetric,
        now: () => new Date(),
        token: randomUUID,
    });
    consoleLogger.log("info", `result: ${result.outcome}`, { result });
    return result;
}
