/**
 * Options of the approval policies: the JSON schema the CLI shows and validates, and the same defaults in code,
 * because `args.getConfig()` returns `{}` when no `Configure` call arrived (no CLI, or no config file).
 *
 * A value of the wrong shape is a `PolicyConfigError`; the policies report it as a violation (fail closed)
 * naming the option, the value and the fix, rather than guessing.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

export type EnvironmentSetting = "auto" | "production" | "non-production";

export interface ApprovalGateConfig {
    /** "auto" decides from the stack (name, config); "production"/"non-production" pin it. Default "auto". */
    readonly environment: EnvironmentSetting;
    /** Stack names (globs, `*` only, case-insensitive) that are production. */
    readonly productionStackPatterns: readonly string[];
    /** Stack names that are not production. A name matching neither list cannot be told: production. */
    readonly nonProductionStackPatterns: readonly string[];
    /** Model package groups production may deploy from (case-insensitive). Empty: any group. */
    readonly allowedModelPackageGroups: readonly string[];
    /** AWS account IDs whose registries production may deploy from. Empty: any account. */
    readonly allowedAccounts: readonly string[];
    /** Time budget of one AWS lookup, retries included. */
    readonly lookupTimeoutMs: number;
    /** AWS lookups in flight at once, per pack process. */
    readonly maxConcurrentLookups: number;
    /** SDK attempts per lookup (adaptive retry mode: throttling is retried with client-side rate limiting). */
    readonly maxAttempts: number;
    /**
     * The deployment ledger that holds the artifact pins (DynamoDB table, in the stack's region). Empty: derived
     * from the environment, `sagemaker-approval-gate-<environment>-deployments` (ledgerLocation.ts).
     */
    readonly ledgerTableName: string;
    /**
     * This environment's stage in a promotion (e.g. "Production"): production then also asks the rule's Stage
     * question, so a version must have been promoted to this stage (its ModelLifeCycle). Empty: no Stage
     * question (the all-in-one layout).
     */
    readonly stage: string;
    /** The promotion's stages, first first (e.g. ["Staging", "Production"]); must contain `stage`. */
    readonly stageOrder: readonly string[];
}

export const DEFAULT_APPROVAL_GATE_CONFIG: ApprovalGateConfig = {
    environment: "auto",
    productionStackPatterns: ["prod", "prod-*", "*-prod", "production", "production-*", "*-production", "prd", "live"],
    nonProductionStackPatterns: [
        "dev", "dev-*", "*-dev", "development", "test", "test-*", "*-test", "qa", "qa-*", "*-qa",
        "staging", "staging-*", "*-staging", "stage", "sandbox", "sandbox-*", "*-sandbox", "ci-*", "pr-*", "preview-*",
    ],
    allowedModelPackageGroups: [],
    allowedAccounts: [],
    lookupTimeoutMs: 10_000,
    maxConcurrentLookups: 16,
    maxAttempts: 4,
    ledgerTableName: "",
    stage: "",
    stageOrder: [],
};

/** SageMaker's pattern for ModelLifeCycle.Stage (an EntityName). */
const STAGE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

const stringList = (description: string, defaults: readonly string[]) => ({
    type: "array" as const,
    items: { type: "string" as const },
    default: [...defaults],
    description,
});

export const approvalGateConfigSchema: PolicyConfigSchema = {
    properties: {
        environment: {
            type: "string",
            enum: ["auto", "production", "non-production"],
            default: DEFAULT_APPROVAL_GATE_CONFIG.environment,
            description: "\"auto\": decide from the stack name and stack config (production unless something says otherwise). \"production\" / \"non-production\" pin it; a stack whose name matches productionStackPatterns stays production.",
        },
        productionStackPatterns: stringList("Stack names that are production (globs with *).", DEFAULT_APPROVAL_GATE_CONFIG.productionStackPatterns),
        nonProductionStackPatterns: stringList("Stack names that are not production (globs with *). Names matching neither list are production.", DEFAULT_APPROVAL_GATE_CONFIG.nonProductionStackPatterns),
        allowedModelPackageGroups: stringList("Model package groups production may deploy from. Empty: any group.", []),
        allowedAccounts: {
            type: "array",
            items: { type: "string", pattern: "^\\d{12}$" },
            default: [],
            description: "AWS account IDs whose model registries production may deploy from. Empty: any account.",
        },
        lookupTimeoutMs: { type: "integer", minimum: 100, default: DEFAULT_APPROVAL_GATE_CONFIG.lookupTimeoutMs, description: "Time budget of one SageMaker lookup, retries included; past it, approval is not verified." },
        maxConcurrentLookups: { type: "integer", minimum: 1, maximum: 64, default: DEFAULT_APPROVAL_GATE_CONFIG.maxConcurrentLookups, description: "SageMaker lookups in flight at once." },
        maxAttempts: { type: "integer", minimum: 1, maximum: 10, default: DEFAULT_APPROVAL_GATE_CONFIG.maxAttempts, description: "SDK attempts per lookup (adaptive retries)." },
        ledgerTableName: {
            type: "string",
            pattern: "^$|^[a-zA-Z0-9_.-]{3,255}$",
            default: DEFAULT_APPROVAL_GATE_CONFIG.ledgerTableName,
            description: "The DynamoDB deployment ledger holding the artifact pins, read in the stack's region. Empty: sagemaker-approval-gate-<environment>-deployments, the environment being the stack config sagemaker-approval-gate:environment, else the stack name (as infra/config.ts derives it).",
        },
        stage: {
            type: "string",
            pattern: "^$|^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",
            default: "",
            description: "This environment's stage of a promotion, e.g. \"Production\": a version must also have been promoted to it (ModelLifeCycle Stage at or past it, Approved or Deployed there). Needs stageOrder and allowedAccounts (the registry account). Empty: no Stage question.",
        },
        stageOrder: {
            type: "array",
            items: { type: "string", pattern: "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$" },
            default: [],
            description: "The promotion's stages, first first, e.g. [\"Staging\", \"Production\"] (the registry stack's promotion.stages order). Must contain stage.",
        },
    },
};

export class PolicyConfigError extends Error {
    constructor(readonly option: string, readonly value: unknown, readonly fix: string) {
        super(`policy config option "${option}" has the value ${JSON.stringify(value)}: ${fix}`);
        this.name = "PolicyConfigError";
    }
}

function list(raw: Record<string, unknown>, key: keyof ApprovalGateConfig, fallback: readonly string[], pattern?: RegExp): readonly string[] {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || (pattern && !pattern.test(v)))) {
        throw new PolicyConfigError(key, value, `expected a list of strings${pattern ? ` matching ${pattern}` : ""}, e.g. ${JSON.stringify(fallback.slice(0, 2))}`);
    }
    return value as string[];
}

function integer(raw: Record<string, unknown>, key: keyof ApprovalGateConfig, fallback: number, min: number, max: number): number {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new PolicyConfigError(key, value, `expected an integer from ${min} to ${max} (default ${fallback})`);
    }
    return value;
}

/** A DynamoDB table name (3-255 of letters, digits, `_`, `-`, `.`), or empty for "derive it". */
function tableName(raw: Record<string, unknown>, key: keyof ApprovalGateConfig, fallback: string): string {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "string" || (value !== "" && !/^[a-zA-Z0-9_.-]{3,255}$/.test(value))) {
        throw new PolicyConfigError(key, value, "expected a DynamoDB table name (3-255 letters, digits, _ - .), e.g. \"sagemaker-approval-gate-prod-deployments\" (the stack output deploymentsTableName), or \"\" to derive it from the environment");
    }
    return value;
}

/** Reads `args.getConfig()` into a complete config: defaults for what is missing, an error for what is wrong. */
export function readApprovalGateConfig(raw: Record<string, unknown> | undefined): ApprovalGateConfig {
    const r = raw ?? {};
    const d = DEFAULT_APPROVAL_GATE_CONFIG;
    const allowedAccounts = list(r, "allowedAccounts", d.allowedAccounts, /^\d{12}$/);
    const environment = r.environment ?? d.environment;
    if (environment !== "auto" && environment !== "production" && environment !== "non-production") {
        throw new PolicyConfigError("environment", environment, 'use "auto", "production" or "non-production"');
    }
    return {
        environment,
        productionStackPatterns: list(r, "productionStackPatterns", d.productionStackPatterns),
        nonProductionStackPatterns: list(r, "nonProductionStackPatterns", d.nonProductionStackPatterns),
        allowedModelPackageGroups: list(r, "allowedModelPackageGroups", d.allowedModelPackageGroups),
        allowedAccounts,
        lookupTimeoutMs: integer(r, "lookupTimeoutMs", d.lookupTimeoutMs, 100, 600_000),
        maxConcurrentLookups: integer(r, "maxConcurrentLookups", d.maxConcurrentLookups, 1, 64),
        maxAttempts: integer(r, "maxAttempts", d.maxAttempts, 1, 10),
        ledgerTableName: tableName(r, "ledgerTableName", d.ledgerTableName),
        ...stageSettings(r, allowedAccounts),
    };
}

/**
 * `stage` and `stageOrder`, checked together. A stage needs allowedAccounts: an environment account may create
 * model packages of its own and set any lifecycle on them, so only the registry account's lifecycles mean a
 * person of that stage approved.
 */
function stageSettings(r: Record<string, unknown>, allowedAccounts: readonly string[]): Pick<ApprovalGateConfig, "stage" | "stageOrder"> {
    const stage = r.stage ?? "";
    if (typeof stage !== "string" || (stage !== "" && !STAGE_NAME.test(stage))) {
        throw new PolicyConfigError("stage", stage, "expected a stage name (letters, digits and hyphens, at most 63, as SageMaker's ModelLifeCycle.Stage), e.g. \"Production\", or \"\" for no Stage question");
    }
    const stageOrder = list(r, "stageOrder", [], STAGE_NAME);
    const duplicate = stageOrder.find((s, i) => stageOrder.indexOf(s) !== i);
    if (duplicate) throw new PolicyConfigError("stageOrder", stageOrder, `names "${duplicate}" twice; list each stage once, first first, e.g. ["Staging", "Production"]`);
    if (stage === "") {
        if (stageOrder.length) throw new PolicyConfigError("stageOrder", stageOrder, "is set but stage is empty; set stage to this environment's stage (one of stageOrder), or remove stageOrder");
        return { stage, stageOrder };
    }
    if (!stageOrder.includes(stage)) {
        throw new PolicyConfigError("stage", stage, `is not in stageOrder ${JSON.stringify(stageOrder)}; set stageOrder to the promotion's stages, first first, including "${stage}" (e.g. ["Staging", "Production"])`);
    }
    if (!allowedAccounts.length) {
        throw new PolicyConfigError("allowedAccounts", allowedAccounts, `is empty but stage "${stage}" is set; list the registry account (e.g. ["111111111111"]): a lifecycle set in any other account proves no approval`);
    }
    return { stage, stageOrder };
}
