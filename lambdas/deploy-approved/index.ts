/**
 * deploy-approved: EventBridge → this function for Approved (deploy) and Rejected (roll back) model
 * package events of this environment's group. Thin: clients at module scope, env read once, logic in
 * ./deploy.ts. Retryable failures are thrown (Lambda retries, then the on-failure DLQ + alarm);
 * malformed events and refusals return normally (logged and published, never a crash loop).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SNSClient } from "@aws-sdk/client-sns";
import { intEnv, listEnv, optionalEnv, requireEnv } from "../shared/env";
import { consoleLogger } from "../shared/log";
import { snsPublisher } from "../shared/publish";
import { handleModelPackageEvent, type DeployResult, type DeploySettings } from "./deploy";

export function settingsFromEnv(env: NodeJS.ProcessEnv): DeploySettings {
    return {
        environment: requireEnv(env, "ENVIRONMENT"),
        groupName: requireEnv(env, "MODEL_PACKAGE_GROUP_NAME"),
        registryAccountId: optionalEnv(env, "REGISTRY_ACCOUNT_ID", "") || undefined,
        endpointName: requireEnv(env, "ENDPOINT_NAME"),
        resourcePrefix: requireEnv(env, "RESOURCE_PREFIX"),
        ledgerTableName: requireEnv(env, "LEDGER_TABLE_NAME"),
        modelExecutionRoleArn: requireEnv(env, "MODEL_EXECUTION_ROLE_ARN"),
        instanceType: requireEnv(env, "INSTANCE_TYPE"),
        initialInstanceCount: intEnv(env, "INITIAL_INSTANCE_COUNT", 1),
        rollbackAlarmNames: listEnv(env, "ROLLBACK_ALARM_NAMES"),
        terminationWaitSeconds: intEnv(env, "TERMINATION_WAIT_SECONDS", 300),
    };
}

const settings = settingsFromEnv(process.env);
const sagemaker = new SageMakerClient({});
const dynamodb = new DynamoDBClient({});
const publisher = snsPublisher(new SNSClient({}), requireEnv(process.env, "TOPIC_ARN"));

export async function handler(event: unknown): Promise<DeployResult> {
    const result = await handleModelPackageEvent(event, settings, { sagemaker, dynamodb, publisher, logger: consoleLogger, now: () => new Date() });
    consoleLogger.log("info", `result: ${result.outcome}`, { result });
    return result;
}
