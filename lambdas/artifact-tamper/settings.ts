/** The tamper function's settings, from its environment variables (set by the component that deploys it). */
import { requireEnv } from "../shared/env";

/** The function's timeout: a few DynamoDB Queries and one SNS Publish per event. */
export const TAMPER_TIMEOUT_SECONDS = 30;

/** The EMF metric (namespace METRIC_NAMESPACE, dimension Environment) an alarm on tampering watches: the number of versions affected. */
export const TAMPER_METRIC = "ArtifactTampered";

/**
 * The metric (same namespace and dimension) of a tampered version the endpoint serves, or may serve (CURRENT could not
 * be read): SageMaker reads the artifact again at every scale-out, so the changed bytes can go live without a deploy.
 */
export const LIVE_TAMPER_METRIC = "LiveVersionTampered";

export interface TamperSettings {
    readonly environment: string;
    readonly ledgerTableName: string;
    /** This environment's endpoint: its ledger CURRENT says which version is live. */
    readonly endpointName: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): TamperSettings {
    return { environment: requireEnv(env, "ENVIRONMENT"), ledgerTableName: requireEnv(env, "LEDGER_TABLE_NAME"), endpointName: requireEnv(env, "ENDPOINT_NAME") };
}
