/**
 * May this caller approve or reject this version for one promotion stage, and what does SageMaker get told?
 * The transition itself is the project's one rule (`planStageChange`, policies/lib/approvalStage.ts), the same
 * the IAM conditions and the deploy function follow; this adds what a person's decision needs on top: a
 * registered package, separation of duties, and a rejected version staying rejected. Pure.
 */
import type { ModelLifeCycle, UpdateModelPackageCommandInput } from "@aws-sdk/client-sagemaker";
import { describeLifecycle, planStageChange, STAGE_STATUS, type StageContext } from "../../policies/lib/approvalStage";
import { checkSeparationOfDuties, type DutyCheck, type Identity } from "./identity";
import { shortName, type Decision, type DecisionOptions, type PackageDescription } from "./packages";

export type StageDecisionCheck =
    | {
        readonly allowed: true;
        readonly from: ModelLifeCycle | undefined;
        readonly update: Partial<UpdateModelPackageCommandInput>;
        readonly duties: DutyCheck;
        readonly warnings: string[];
    }
    | { readonly allowed: false; readonly reason: string; readonly hint?: string };

export interface StageNoteInput {
    readonly at: Date;
    readonly comment: string;
}

/** The stage a version awaits next, or why it awaits none. Pure. */
export function nextStage(lifecycle: ModelLifeCycle | undefined, order: readonly string[]): { stage?: string; why: string } {
    if (!lifecycle?.Stage) return { stage: order[0], why: `awaits approval for ${order[0]}` };
    const j = order.indexOf(lifecycle.Stage);
    if (j < 0) return { why: `its stage ${lifecycle.Stage} is not one of ${order.join(", ")}` };
    switch (lifecycle.StageStatus) {
        case STAGE_STATUS.approved: return { why: `approved for ${lifecycle.Stage}; awaits deployment there` };
        case STAGE_STATUS.rejected: return { why: `rejected for ${lifecycle.Stage}` };
        case STAGE_STATUS.deployed:
            return j + 1 < order.length ? { stage: order[j + 1], why: `deployed to ${lifecycle.Stage}; awaits approval for ${order[j + 1]}` } : { why: `deployed to ${lifecycle.Stage}, the last stage` };
        default: return { why: `its ${lifecycle.Stage} status is ${lifecycle.StageStatus ?? "missing"}` };
    }
}

function refusalHint(decision: Decision, lifecycle: ModelLifeCycle | undefined, ctx: StageContext): string | undefined {
    const k = ctx.order.indexOf(ctx.stage);
    const j = lifecycle?.Stage ? ctx.order.indexOf(lifecycle.Stage) : -1;
    if (decision === "reject" && j > k) return `Ask the approvers of ${lifecycle!.Stage} to reject it for ${lifecycle!.Stage} (\`--stage ${lifecycle!.Stage}\`).`;
    const next = nextStage(lifecycle, ctx.order);
    if (next.stage && next.stage !== ctx.stage) return `It ${next.why}: \`--stage ${next.stage}\`.`;
    if (!next.stage && lifecycle?.StageStatus === STAGE_STATUS.approved) return `Wait for the deploy function of ${lifecycle.Stage} to deploy it and mark it Deployed (\`approvals show\` says when).`;
    return undefined;
}

/**
 * The stage decision: refusals carry the rule's reason. Approving needs a Completed package, a registrar other than
 * the caller (as without stages), and a version not Rejected; rejecting is never blocked by who registered it.
 */
export function checkStageDecision(
    decision: Decision,
    pkg: PackageDescription,
    caller: Identity & { arn?: string },
    ctx: StageContext,
    note: StageNoteInput,
    options: DecisionOptions = {},
): StageDecisionCheck {
    const name = shortName(pkg);
    const lifecycle = pkg.ModelLifeCycle;
    const status = pkg.ModelApprovalStatus ?? "unknown";
    const registrar = pkg.CreatedBy?.IamIdentity ? { arn: pkg.CreatedBy.IamIdentity.Arn, principalId: pkg.CreatedBy.IamIdentity.PrincipalId } : undefined;
    const duties = checkSeparationOfDuties(registrar, caller);
    const warnings: string[] = [];
    if (status === "Rejected") {
        return { allowed: false, reason: `${name} is Rejected (ModelApprovalStatus); a rejected version is never promoted again.`, hint: "Retrain and register a new version." };
    }
    if (decision === "approve") {
        if (pkg.ModelPackageStatus !== "Completed") {
            return { allowed: false, reason: `${name} has ModelPackageStatus ${pkg.ModelPackageStatus ?? "unknown"}, not Completed; SageMaker has not finished registering it.`, hint: "Wait until `approvals show` reports Completed." };
        }
        if (duties.verdict === "same") {
            return {
                allowed: false,
                reason: `Separation of duties: you (${duties.caller}) registered ${name} (${duties.registrar}; ${duties.reason}). Someone else must approve it for ${ctx.stage}.`,
                hint: `Ask another approver of ${ctx.stage} to review and approve it.`,
            };
        }
        if (duties.verdict === "unknown") {
            if (!options.allowUnknownRegistrar) {
                return {
                    allowed: false,
                    reason: `Cannot verify separation of duties for ${name}: ${duties.reason}.`,
                    hint: "If you are sure you did not register it, re-run with --allow-unknown-registrar (the change still records you as LastModifiedBy and in the stage history).",
                };
            }
            warnings.push(`registrar unknown (${duties.reason}); approving because --allow-unknown-registrar was given.`);
        }
    }
    const plan = planStageChange(lifecycle, pkg.ModelApprovalStatus, decision, ctx, { at: note.at, by: caller.arn ?? "unknown", comment: note.comment }, pkg.CustomerMetadataProperties);
    if (!plan.ok) {
        return {
            allowed: false,
            reason: `${name} cannot be ${decision === "approve" ? "approved" : "rejected"} for ${ctx.stage}: ${plan.reason} (its lifecycle: ${describeLifecycle(lifecycle)}).`,
            hint: refusalHint(decision, lifecycle, ctx),
        };
    }
    if (decision === "reject" && lifecycle?.Stage === ctx.stage && lifecycle.StageStatus === STAGE_STATUS.deployed) {
        warnings.push(`${name} is deployed to ${ctx.stage}; rejecting it there rolls that endpoint back.`);
    }
    return { allowed: true, from: lifecycle, update: plan.update, duties, warnings };
}
