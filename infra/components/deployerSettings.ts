/**
 * The Deployer's names and settings, pure: its alarms (the topic policy admits them by name), the rollback alarms
 * SageMaker watches, the deploy queue's timings, and deploy-approved's environment variables.
 */
import { MAX_ROLLBACK_ALARMS, type EndpointSettings } from "../config";
import { deployedResourcePrefix, resourceName } from "../lib/naming";
import { stageVariables, type StagePromotion } from "./approvalFunction";

/** Roles (name suffixes) of the stack's own endpoint alarms. */
export const ENDPOINT_ALARM_ROLES = { errors5xx: "endpoint-5xx", latency: "endpoint-latency" } as const;

/** Alarms on the endpoint that roll a blue/green update back (the stack's own). */
export function endpointAlarmNames(environment: string): { errors5xx: string; latency: string } {
    return { errors5xx: resourceName(environment, ENDPOINT_ALARM_ROLES.errors5xx), latency: resourceName(environment, ENDPOINT_ALARM_ROLES.latency) };
}

/** Roles (name suffixes) of every alarm the Deployer makes; the topic's policy must admit each by name. */
export function deployerAlarmRoles(): string[] {
    return [ENDPOINT_ALARM_ROLES.errors5xx, ENDPOINT_ALARM_ROLES.latency, "deploy-approved-errors", "deploy-approved-dlq-depth", "deploy-requests-age", "no-rollback-target"];
}

export { MAX_ROLLBACK_ALARMS };

/**
 * Every rollback alarm: the stack's own plus the configured ones, each once, in a stable order. The config
 * reader already caps the configured ones (a clear error); this throw guards callers that skip it.
 */
export function rollbackAlarmNames(environment: string, configured: readonly string[]): string[] {
    const own = endpointAlarmNames(environment);
    const names = [...new Set([own.errors5xx, own.latency, ...configured])];
    if (names.length > MAX_ROLLBACK_ALARMS) {
        throw new Error(
            `endpoint.rollbackAlarmNames has ${configured.length} alarms; with the stack's own 2 that is ${names.length}, ` +
                `but SageMaker's AutoRollbackConfiguration takes at most ${MAX_ROLLBACK_ALARMS}. Keep at most ${MAX_ROLLBACK_ALARMS - 2} (e.g. a composite alarm).`,
        );
    }
    return names;
}

export interface DeployerEnvironmentInput {
    readonly environment: string;
    readonly groupName: string;
    readonly endpointName: string;
    readonly ledgerTableName: string;
    readonly topicArn: string;
    /** The account whose registry holds the group (the deploying account in the all-in-one layout). */
    readonly accountId: string;
    readonly modelExecutionRoleArn: string;
    readonly endpoint: EndpointSettings;
    /** An environment stack's stage (STAGE, STAGE_ORDER). Defaults to none. */
    readonly promotion?: StagePromotion;
}

/** Environment variables of deploy-approved (read once by lambdas/deploy-approved/settings.ts). Pure. */
export function deployerEnvironment(input: DeployerEnvironmentInput): Record<string, string> {
    return {
        ENVIRONMENT: input.environment,
        MODEL_PACKAGE_GROUP_NAME: input.groupName,
        ENDPOINT_NAME: input.endpointName,
        LEDGER_TABLE_NAME: input.ledgerTableName,
        TOPIC_ARN: input.topicArn,
        REGISTRY_ACCOUNT_ID: input.accountId,
        RESOURCE_PREFIX: deployedResourcePrefix(input.environment),
        MODEL_EXECUTION_ROLE_ARN: input.modelExecutionRoleArn,
        INSTANCE_TYPE: input.endpoint.instanceType,
        INITIAL_INSTANCE_COUNT: String(input.endpoint.initialInstanceCount),
        ROLLBACK_ALARM_NAMES: rollbackAlarmNames(input.environment, input.endpoint.rollbackAlarmNames).join(","),
        TERMINATION_WAIT_SECONDS: String(input.endpoint.terminationWaitSeconds),
        ...stageVariables(input.promotion),
        ...(input.promotion?.markDeployedAfterSmokeTest ? { MARK_DEPLOYED_AFTER_SMOKE_TEST: "true" } : {}),
    };
}

/**
 * The deploy queue: a message becomes visible again 6 minutes after a failed attempt (six times the
 * 60 s function timeout), and moves to the DLQ after 20 receives, i.e. about two hours of retries while
 * the endpoint is busy.
 */
export const DEPLOY_QUEUE = { functionTimeoutSeconds: 60, visibilityTimeoutSeconds: 360, maxReceiveCount: 20 };
