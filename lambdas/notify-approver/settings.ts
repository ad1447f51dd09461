/** The notify function's settings, from its environment variables (set by infra/components/notifier.ts, notifierEnvironment). */
import { requireEnv, stageEnv } from "../shared/env";
import type { NotifySettings } from "./notify";

/** The notify function's timeout (infra/components/notifier.ts sets it on the function). */
export const NOTIFY_TIMEOUT_SECONDS = 30;

/**
 * How long a claim to notify stays with the invocation that made it. Longer than the function's timeout,
 * so a live invocation is never overtaken; shorter than the gap before Lambda's first async retry (about
 * a minute after the failure), so the retry of an invocation that timed out can take the claim over.
 */
export const NOTIFICATION_LEASE_SECONDS = 2 * NOTIFY_TIMEOUT_SECONDS;

export function settingsFromEnv(env: NodeJS.ProcessEnv): NotifySettings {
    const stage = stageEnv(env);
    return {
        environment: requireEnv(env, "ENVIRONMENT"),
        groupName: requireEnv(env, "MODEL_PACKAGE_GROUP_NAME"),
        endpointName: requireEnv(env, "ENDPOINT_NAME"),
        ledgerTableName: requireEnv(env, "LEDGER_TABLE_NAME"),
        // Set by the Lambda runtime; the ECR client resolves image tags in this region.
        region: requireEnv(env, "AWS_REGION"),
        ...(stage ? { stage } : {}),
    };
}
