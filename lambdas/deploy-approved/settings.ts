/** The deploy function's settings, from its environment variables (set by infra/components/deployer.ts, deployerEnvironment). */
import { EnvironmentError, intEnv, listEnv, requireEnv, stageEnv } from "../shared/env";
import type { DeploySettings } from "./deploy";

/**
 * notify-approver pins a version within seconds of its registration event, or after Lambda's two async retries
 * (a few minutes); 15 minutes covers both, and bounds how long one unpinned version holds the endpoint's queue.
 */
export const DEFAULT_PIN_WAIT_SECONDS = 900;

export function settingsFromEnv(env: NodeJS.ProcessEnv): DeploySettings {
    const stage = stageEnv(env);
    return {
        environment: requireEnv(env, "ENVIRONMENT"),
        groupName: requireEnv(env, "MODEL_PACKAGE_GROUP_NAME"),
        // Required: without it the approval rule would accept a package from any account (fail open).
        registryAccountId: requireEnv(env, "REGISTRY_ACCOUNT_ID"),
        endpointName: requireEnv(env, "ENDPOINT_NAME"),
        resourcePrefix: requireEnv(env, "RESOURCE_PREFIX"),
        ledgerTableName: requireEnv(env, "LEDGER_TABLE_NAME"),
        modelExecutionRoleArn: requireEnv(env, "MODEL_EXECUTION_ROLE_ARN"),
        instanceType: requireEnv(env, "INSTANCE_TYPE"),
        initialInstanceCount: intEnv(env, "INITIAL_INSTANCE_COUNT", 1),
        rollbackAlarmNames: listEnv(env, "ROLLBACK_ALARM_NAMES"),
        terminationWaitSeconds: intEnv(env, "TERMINATION_WAIT_SECONDS", 300),
        pinWaitSeconds: intEnv(env, "PIN_WAIT_SECONDS", DEFAULT_PIN_WAIT_SECONDS),
        // Environment stacks of the promotion layout only; absent in all-in-one (no Stage question).
        ...(stage ? { stage } : {}),
        ...(afterSmokeTest(env, stage !== undefined) ? { markDeployedAfterSmokeTest: true } : {}),
    };
}

/** MARK_DEPLOYED_AFTER_SMOKE_TEST: "true" or absent/"false"; only meaningful with a stage (it gates the Deployed mark). */
function afterSmokeTest(env: NodeJS.ProcessEnv, staged: boolean): boolean {
    const raw = (env.MARK_DEPLOYED_AFTER_SMOKE_TEST ?? "").trim();
    if (raw === "" || raw === "false") return false;
    const fix = "the environment stack sets it when smokeTest is enabled; redeploy it";
    if (raw !== "true") throw new EnvironmentError(`environment variable MARK_DEPLOYED_AFTER_SMOKE_TEST is ${JSON.stringify(raw)}; expected true or false; ${fix}`);
    if (!staged) throw new EnvironmentError(`environment variable MARK_DEPLOYED_AFTER_SMOKE_TEST is true but STAGE is not set; ${fix}`);
    return true;
}
