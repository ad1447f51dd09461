/**
 * The smoke test's settings, from its environment variables (set by infra/components/smokeTest.ts). The payloads
 * and the check come as one JSON document (SMOKE_TEST), validated by the stack config first and checked again here,
 * so a hand-edited function fails its first invocation with the variable's name rather than half-working.
 */
import { EnvironmentError, intEnv, requireEnv, stageEnv, type StageSettings } from "../shared/env";
import type { AnswerCheck } from "./checks";
import type { ConfiguredPayload } from "./payloads";

/** Each InvokeEndpoint may take SageMaker's 60 s model timeout; a few payloads, the reads and the writes fit in this. */
export const SMOKE_TIMEOUT_SECONDS = 300;
/** A lease older than a run can live belongs to a run that died (a timeout runs no catch block). */
export const SMOKE_LEASE_SECONDS = SMOKE_TIMEOUT_SECONDS + 60;
/** Payloads taken from a version's sample archive, at most (in name order). */
export const DEFAULT_MAX_PAYLOADS = 5;

/** EMF metrics (namespace METRIC_NAMESPACE, dimension Environment) the smoke test's alarms watch. */
export const SMOKE_FAILED_METRIC = "SmokeTestFailed";
export const SMOKE_NOT_RUN_METRIC = "SmokeTestNotRun";

/** What a failed smoke test does beyond recording it and telling the approvers. */
export type OnFailure = "reject" | "alert";

/** The part of the settings the stack config holds (`smokeTest`), passed as the SMOKE_TEST variable. */
export interface SmokeTestOptions {
    readonly onFailure: OnFailure;
    readonly payloads: readonly ConfiguredPayload[];
    readonly check: AnswerCheck;
    readonly maxPayloads: number;
}

export interface SmokeSettings extends SmokeTestOptions {
    readonly environment: string;
    readonly ledgerTableName: string;
    readonly endpointName: string;
    /** The group whose versions this environment deploys: a live version of another group is not rejected. */
    readonly groupName: string;
    /** Promotion layout (STAGE, STAGE_ORDER): a failure rejects this stage of the registry's version, not the version. Absent: all-in-one. */
    readonly stage?: StageSettings;
}

function parseOptions(raw: string): SmokeTestOptions {
    let value: Partial<SmokeTestOptions>;
    try {
        value = JSON.parse(raw);
    } catch {
        throw new EnvironmentError(`environment variable SMOKE_TEST is not JSON (${raw.slice(0, 80)}); the stack sets it from smokeTest; redeploy the stack`);
    }
    const ok =
        (value.onFailure === "reject" || value.onFailure === "alert") &&
        Array.isArray(value.payloads) &&
        value.payloads.every((p) => typeof p?.contentType === "string" && typeof p?.body === "string") &&
        (value.check?.kind === "numeric" || (value.check?.kind === "jsonPath" && typeof value.check.path === "string")) &&
        Number.isInteger(value.maxPayloads);
    if (!ok) throw new EnvironmentError(`environment variable SMOKE_TEST is ${raw.slice(0, 200)}; expected {onFailure, payloads, check, maxPayloads} as the stack writes it; redeploy the stack`);
    return value as SmokeTestOptions;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): SmokeSettings {
    const named = {
        environment: requireEnv(env, "ENVIRONMENT"),
        ledgerTableName: requireEnv(env, "LEDGER_TABLE_NAME"),
        endpointName: requireEnv(env, "ENDPOINT_NAME"),
        groupName: requireEnv(env, "MODEL_PACKAGE_GROUP_NAME"),
    };
    const options = parseOptions(requireEnv(env, "SMOKE_TEST"));
    const stage = stageEnv(env);
    return {
        ...named,
        ...(stage ? { stage } : {}),
        ...options,
        maxPayloads: intEnv({ MAX: String(options.maxPayloads) }, "MAX", DEFAULT_MAX_PAYLOADS),
    };
}
