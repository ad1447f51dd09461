/** The notify function's settings, from its environment variables (set by infra/components/approvalEvents.ts). */
import { requireEnv } from "../shared/env";
import type { NotifySettings } from "./notify";

export function settingsFromEnv(env: NodeJS.ProcessEnv): NotifySettings {
    return {
        environment: requireEnv(env, "ENVIRONMENT"),
        groupName: requireEnv(env, "MODEL_PACKAGE_GROUP_NAME"),
        endpointName: requireEnv(env, "ENDPOINT_NAME"),
        ledgerTableName: requireEnv(env, "LEDGER_TABLE_NAME"),
    };
}
