/**
 * notify-approver: EventBridge → this function (asynchronous invocation) for new versions of this environment's
 * group that are PendingManualApproval and Completed. Pins the version's bytes, then tells the approvers.
 * A thrown error (a transient AWS fault) is retried by Lambda, then kept in the function's on-failure DLQ.
 * Thin: clients at module scope, env read once, logic in ./notify.ts and ./pinning.ts.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SNSClient } from "@aws-sdk/client-sns";
import { requireEnv } from "../shared/env";
import { consoleLogger } from "../shared/log";
import { snsPublisher } from "../shared/publish";
import { s3ReportReader } from "../shared/reports";
import { handlePendingEvent, type NotifyResult } from "./notify";
import { settingsFromEnv } from "./settings";

const settings = settingsFromEnv(process.env);
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});
const reports = s3ReportReader(s3);
const sagemaker = new SageMakerClient({});
// This account's registry in this region: the only ECR the function's role may describe.
const ecr = new ECRClient({ region: settings.region });
const publisher = snsPublisher(new SNSClient({}), requireEnv(process.env, "TOPIC_ARN"));

export async function handler(event: unknown): Promise<NotifyResult> {
    const result = await handlePendingEvent(event, settings, { dynamodb, reports, publisher, sagemaker, s3, ecr, logger: consoleLogger, now: () => new Date() });
    consoleLogger.log("info", `result: ${result.outcome}${result.outcome === "notified" && !result.approvable ? " (NOT APPROVABLE)" : ""}`);
    return result;
}
