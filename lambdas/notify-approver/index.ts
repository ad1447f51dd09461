/**
 * notify-approver: EventBridge → this function for new versions of this environment's group that are
 * PendingManualApproval and Completed. Thin: clients at module scope, env read once, logic in ./notify.ts.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { requireEnv } from "../shared/env";
import { consoleLogger } from "../shared/log";
import { snsPublisher } from "../shared/publish";
import { s3ReportReader } from "../shared/reports";
import { handlePendingEvent, type NotifyResult } from "./notify";
import { settingsFromEnv } from "./settings";

const settings = settingsFromEnv(process.env);
const dynamodb = new DynamoDBClient({});
const reports = s3ReportReader(new S3Client({}));
const publisher = snsPublisher(new SNSClient({}), requireEnv(process.env, "TOPIC_ARN"));

export async function handler(event: unknown): Promise<NotifyResult> {
    const result = await handlePendingEvent(event, settings, { dynamodb, reports, publisher, logger: consoleLogger, now: () => new Date() });
    consoleLogger.log("info", `result: ${result.outcome}`);
    return result;
}
