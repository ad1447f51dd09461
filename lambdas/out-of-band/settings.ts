/** The out-of-band function's settings, from its environment variables (set by infra/components/detectiveControl.ts). */
import { listEnv, requireEnv } from "../shared/env";
import type { TrustedPrincipals, WatchedResources } from "./calls";

/** The function's timeout: a GetItem, two PutItems and one SNS Publish per event. */
export const OUT_OF_BAND_TIMEOUT_SECONDS = 30;

/** The EMF metric (namespace METRIC_NAMESPACE, dimension Environment) the OUT-OF-BAND CHANGE alarm watches. */
export const OUT_OF_BAND_METRIC = "OutOfBandChange";

export interface OutOfBandSettings {
    readonly environment: string;
    readonly ledgerTableName: string;
    readonly resources: WatchedResources;
    readonly trusted: TrustedPrincipals;
}

const isSet = (env: NodeJS.ProcessEnv, name: string) => (env[name] ?? "").trim() !== "";

/**
 * What the stack watches decides which variables it sets (infra/components/detectiveControlNames.ts): the endpoint
 * (ENDPOINT_NAME, DEPLOYED_NAME_PREFIX and DEPLOY_ROLE_ARN, all three), the group (MODEL_PACKAGE_ARN_PREFIX), or both.
 * Half an endpoint watch, or no watch at all, is a misconfiguration that would stay silent: it throws, naming the variable.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): OutOfBandSettings {
    const watchesEndpoint = ["ENDPOINT_NAME", "DEPLOYED_NAME_PREFIX", "DEPLOY_ROLE_ARN"].some((name) => isSet(env, name));
    const watchesPackages = isSet(env, "MODEL_PACKAGE_ARN_PREFIX");
    if (!watchesEndpoint && !watchesPackages) requireEnv(env, "MODEL_PACKAGE_ARN_PREFIX");
    return {
        environment: requireEnv(env, "ENVIRONMENT"),
        ledgerTableName: requireEnv(env, "LEDGER_TABLE_NAME"),
        resources: {
            ...(watchesEndpoint ? { endpointName: requireEnv(env, "ENDPOINT_NAME"), deployedNamePrefix: requireEnv(env, "DEPLOYED_NAME_PREFIX") } : {}),
            ...(watchesPackages ? { modelPackageArnPrefix: requireEnv(env, "MODEL_PACKAGE_ARN_PREFIX") } : {}),
        },
        trusted: { ...(watchesEndpoint ? { deployRoleArn: requireEnv(env, "DEPLOY_ROLE_ARN") } : {}), packageUpdaterArns: listEnv(env, "PACKAGE_UPDATER_ARNS") },
    };
}
