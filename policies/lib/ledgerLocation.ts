/**
 * Where the pack reads artifact pins: the environment's deployment ledger, the DynamoDB table the approval-events
 * stack declares (`sagemaker-approval-gate-<environment>-deployments`, infra/lib/naming.ts) in the stack's region.
 *
 * The environment is learned the way infra/config.ts learns it: the stack config `environment` (in this project's
 * namespace, or ours), else the stack name. The policy config `ledgerTableName` overrides the derived name (a
 * ledger of another project, or a stack whose environment is named otherwise). Pure.
 */
import type { StackContext } from "./environment";
import type { ApprovalGateConfig } from "./gateConfig";

export const PROJECT_NAME = "sagemaker-approval-gate";

/** infra/config.ts's rule for environment names (bucket names embed them): at most 17 characters, no "--". */
const ENVIRONMENT_NAME = /^(?=.{1,17}$)[a-z0-9](-?[a-z0-9])*$/;

export type LedgerLocation =
    | { readonly known: true; readonly table: string; readonly region: string | undefined; readonly derivedFrom: string }
    | { readonly known: false; readonly problem: string };

const FIX = "Fix: set the policy config option ledgerTableName (approved-model-packages-only and approved-model-packages-only-stack) to the environment's ledger table, the stack output deploymentsTableName";

/** `sagemaker-approval-gate-<environment>-deployments`: cli/approvals/ledger.ts and the infra name it the same way. */
export function ledgerTableName(environment: string): string {
    return `${PROJECT_NAME}-${environment}-deployments`;
}

/** The ledger of the stack being deployed, or why it cannot be named (the caller fails closed with it). */
export function ledgerLocation(context: StackContext, config: Pick<ApprovalGateConfig, "ledgerTableName">): LedgerLocation {
    const region = context.region || context.environmentRegion || undefined;
    if (config.ledgerTableName) return { known: true, table: config.ledgerTableName, region, derivedFrom: "policy config ledgerTableName" };
    const namespaces = [...new Set([context.project, PROJECT_NAME].filter(Boolean))];
    const configured = namespaces.map((ns) => [`${ns}:environment`, context.config[`${ns}:environment`]] as const).find(([, v]) => v !== undefined && v !== "");
    const [source, environment] = configured ?? [`stack name`, context.stack];
    if (!environment) {
        return { known: false, problem: `the deployment ledger holding the artifact pins cannot be named: the stack has no name and no stack config ${PROJECT_NAME}:environment. ${FIX}.` };
    }
    if (!ENVIRONMENT_NAME.test(environment)) {
        return {
            known: false,
            problem: `the deployment ledger holding the artifact pins cannot be named: ${source} is ${JSON.stringify(environment)}, not an environment name (1-17 lower-case letters, digits or single hyphens). ${FIX}, or set the stack config ${PROJECT_NAME}:environment.`,
        };
    }
    return { known: true, table: ledgerTableName(environment), region, derivedFrom: `${source} "${environment}"` };
}
