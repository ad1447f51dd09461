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

export function settingsFromEnv(env: NodeJS.ProcessEnv): OutOfBandSettings {
    return {
        environment: requireEnv(env, "ENVIRONMENT"),
        ledgerTableName: requireEnv(env, "LEDGER_TABLE_NAME"),
        resources: {
            endpointName: requireEnv(env, "ENDPOINT_NAME"),
            deployedNamePrefix: requireEnv(env, "DEPLOYED_NAME_PREFIX"),
            modelPackageArnPrefix: requireEnv(env, "MODEL_PACKAGE_ARN_PREFIX"),
        },
        trusted: { deployRoleArn: requireEnv(env, "DEPLOY_ROLE_ARN"), packageUpdaterArns: listEnv(env, "PACKAGE_UPDATER_ARNS") },
    };
}
