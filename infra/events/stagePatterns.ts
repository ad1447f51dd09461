/**
 * EventBridge patterns of the multi-account layout (issue 10, docs/approval-events.md): what an environment's rules
 * match among the events the registry forwards, per stage, and what the registry forwards. Pure: tests run them
 * through the faithful matcher and moto's EventBridge against the documented samples with a ModelLifeCycle added.
 *
 * - Forwarded events keep their `account` (the registry's: EventBridge delivers a forwarded event unchanged), so every
 *   environment rule names the registry account; no other account's events, forwarded or not, match.
 * - Assumed (not documented): SageMaker's "Model Package State Change" detail carries `ModelLifeCycle` as
 *   DescribeModelPackage does (the documented sample predates the field; detail mirrors DescribeModelPackage). If it
 *   did not, the stage rules would match nothing: no deployment, never a wrong one (the deploy function re-reads the
 *   live package and asks the rule with the stage).
 * - Rejected is one rule with `$or` (EventBridge "Or matching", which moto's matcher also implements): a rejection
 *   of the version (ModelApprovalStatus, any lifecycle) or of this stage. One rule, so a first-stage rejection, which
 *   sets both, is delivered once.
 */
import { MODEL_PACKAGE_STATE_CHANGE } from "../../lambdas/shared/events";
import { pendingApprovalPattern, SAGEMAKER_SOURCE } from "./patterns";
import { artifactChangePattern, imageChangePattern, type PrefixFilter } from "./tamperPatterns";

/** The StageStatus values the promotion writes (policies/lib/approvalStage.ts STAGE_STATUS). */
const APPROVED = "Approved";
const REJECTED = "Rejected";
const DEPLOYED = "Deployed";

/** FilteredEventPattern plus EventBridge's `$or`: any of its sub-patterns matches at the level it sits in. */
export type StagePattern = { readonly [field: string]: readonly (string | number | boolean | PrefixFilter)[] | StagePattern | readonly StagePattern[] };

export interface StageRuleContext {
    /** The registry's group (its own spelling: `detail.ModelPackageGroupName`). */
    readonly groupName: string;
    /** The account the events come from (the registry's), 12 digits. */
    readonly registryAccountId: string;
    /** This environment's stage and the promotion order (config `promotion.stage`, `stageOrder`). */
    readonly stage: string;
    readonly stageOrder: readonly string[];
}

function checkAccount(accountId: string): void {
    if (!/^\d{12}$/.test(accountId)) throw new Error(`registry account id ${JSON.stringify(accountId)} is not 12 digits; pass promotion.registry.accountId`);
}

function stageIndex(ctx: StageRuleContext): number {
    checkAccount(ctx.registryAccountId);
    const index = ctx.stageOrder.indexOf(ctx.stage);
    if (index < 0) throw new Error(`stage ${JSON.stringify(ctx.stage)} is not in the stage order ${JSON.stringify(ctx.stageOrder)}; set promotion.stage to one of them`);
    return index;
}

/** The group's package events, from the registry account only. */
function packageEvents(groupName: string, registryAccountId: string, detail: Record<string, StagePattern[string]> = {}): StagePattern {
    return {
        source: [SAGEMAKER_SOURCE],
        "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
        account: [registryAccountId],
        detail: { ModelPackageGroupName: [groupName], ...detail },
    };
}

const lifecycle = (stage: string, status: string) => ({ ModelLifeCycle: { Stage: [stage], StageStatus: [status] } });

/** The environment's rules: pending (pin; notify at the first stage), approved and rejected for its stage, awaiting (notify at a later stage). */
export interface EnvironmentStagePatterns {
    /** Registration finished, approval pending: every environment pins the version's bytes then. */
    readonly pending: StagePattern;
    /** Approved for this stage (and ModelApprovalStatus Approved): deploy. */
    readonly approved: StagePattern;
    /** Rejected (the version, or for this stage): roll back if live, tell the approvers. */
    readonly rejected: StagePattern;
    /** The previous stage serves it: this stage's approvers are asked. Absent at the first stage (pending asks them). */
    readonly awaiting?: StagePattern;
}

export function environmentStagePatterns(ctx: StageRuleContext): EnvironmentStagePatterns {
    const index = stageIndex(ctx);
    const previous = index > 0 ? ctx.stageOrder[index - 1] : undefined;
    const events = (detail: Record<string, StagePattern[string]>) => packageEvents(ctx.groupName, ctx.registryAccountId, detail);
    return {
        // Today's pending pattern (PendingManualApproval and Completed), from the registry.
        pending: { ...pendingApprovalPattern(ctx.groupName), account: [ctx.registryAccountId] },
        approved: events({ ModelApprovalStatus: [APPROVED], ...lifecycle(ctx.stage, APPROVED) }),
        rejected: events({ $or: [{ ModelApprovalStatus: [REJECTED] }, lifecycle(ctx.stage, REJECTED)] }),
        // ModelApprovalStatus Approved too: a version rejected as a whole awaits nobody.
        ...(previous ? { awaiting: events({ ModelApprovalStatus: [APPROVED], ...lifecycle(previous, DEPLOYED) }) } : {}),
    };
}

export interface ForwardingInput {
    readonly groupName: string;
    readonly registryAccountId: string;
    /** The registry's artifacts bucket and its pipeline's output folder (the tamper events the environments act on). */
    readonly artifactsBucketName: string;
    readonly outputFolder: string;
}

/**
 * What the registry forwards to every environment account: all of the group's package events (the environment's rules
 * pick their stage), and the tamper events of its artifacts bucket and ECR (docs/artifact-integrity.md "Detection").
 */
export function forwardingPatterns(input: ForwardingInput): Record<"modelPackages" | "artifactChanges" | "imageChanges", StagePattern> {
    checkAccount(input.registryAccountId);
    return {
        modelPackages: packageEvents(input.groupName, input.registryAccountId),
        artifactChanges: { ...artifactChangePattern(input.artifactsBucketName, input.outputFolder), account: [input.registryAccountId] },
        imageChanges: imageChangePattern(input.registryAccountId),
    };
}

/** The three as one pattern (`$or` at the top level): one forwarding rule, one target, per environment account. */
export function forwardingPattern(input: ForwardingInput): { readonly $or: readonly StagePattern[] } {
    return { $or: Object.values(forwardingPatterns(input)) };
}
