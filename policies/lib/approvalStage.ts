/**
 * The rule's Stage question, and the only transitions this project makes between stages. Pure.
 *
 * A version's ModelLifeCycle {Stage, StageStatus, StageDescription} (documented on CreateModelPackage,
 * UpdateModelPackage and DescribeModelPackage) says how far it has been promoted through an ordered list of
 * stages, e.g. [Staging, Production]. The environment of stage S deploys a version only when its lifecycle
 * has reached S with S approved (or deployed), or has gone past S. Stage names are compared exactly, as IAM's
 * `sagemaker:ModelLifeCycle:stage` condition and EventBridge patterns compare them.
 *
 * SageMaker keeps only the current lifecycle, so every transition also writes one CustomerMetadataProperties
 * entry `approval-gate:stage:<Stage>:<status>` = `<ISO time> <who> <note>`: a trace for people. The rule judges
 * the lifecycle, never that trace.
 */
import type { ModelLifeCycle, UpdateModelPackageCommandInput } from "@aws-sdk/client-sagemaker";
import { formatStageHistoryValue, stageHistoryKey, type StageNote } from "./stageHistory";

export * from "./stageHistory";

/** The StageStatus values this project writes. */
export const STAGE_STATUS = { approved: "Approved", rejected: "Rejected", deployed: "Deployed" } as const;

/** The environment's stage and the stage order it belongs to (first stage first). */
export interface StageContext {
    readonly stage: string;
    readonly order: readonly string[];
}

export type StageCause = "stage-pending" | "stage-rejected" | "stage-unknown";

export type StageJudgement =
    | { readonly ok: true; readonly reason: string }
    | { readonly ok: false; readonly cause: StageCause; readonly reason: string };

/**
 * `reject-stage` is a machine's rejection (the smoke test of this stage's environment): this stage only, never the
 * version's ModelApprovalStatus, even for the first stage.
 */
export type StageAction = "approve" | "reject" | "deployed" | "reject-stage";

export type StagePlan =
    | { readonly ok: true; readonly update: Partial<UpdateModelPackageCommandInput> }
    /** `already`: the version is already in the requested state; nothing needs writing (a retry is not an error). */
    | { readonly ok: false; readonly reason: string; readonly already?: true };

/** SageMaker's limits: StageDescription and ApprovalDescription hold up to 1024 characters, one line. */
const MAX_DESCRIPTION = 1024;

const lifecycleText = (l: ModelLifeCycle) => `${l.Stage}: ${l.StageStatus ?? "no status"}${l.StageDescription ? ` ("${l.StageDescription}")` : ""}`;

/** "Staging: Approved" etc., or "none" for a version without lifecycle; for messages. */
export function describeLifecycle(lifecycle: ModelLifeCycle | undefined): string {
    return lifecycle?.Stage ? lifecycleText(lifecycle) : "none";
}

/**
 * Is the version promoted far enough for the environment of `ctx.stage`? Fail closed: no lifecycle, a stage
 * outside the order, an earlier stage, or the stage itself in any status but Approved/Deployed is a refusal.
 */
export function judgeStage(lifecycle: ModelLifeCycle | undefined, ctx: StageContext): StageJudgement {
    const S = ctx.stage;
    const i = ctx.order.indexOf(S);
    const order = ctx.order.join(" → ");
    if (i < 0) return { ok: false, cause: "stage-unknown", reason: `this environment's stage "${S}" is not in its stage order (${order || "empty"}); fix the stage configuration` };
    if (!lifecycle) return { ok: false, cause: "stage-pending", reason: `it is not yet approved for ${S} (it has no ModelLifeCycle)` };
    if (!lifecycle.Stage) return { ok: false, cause: "stage-unknown", reason: `its ModelLifeCycle has no Stage, so it is not approved for ${S}` };
    const j = ctx.order.indexOf(lifecycle.Stage);
    const now = lifecycleText(lifecycle);
    if (j < 0) return { ok: false, cause: "stage-unknown", reason: `its ModelLifeCycle stage "${lifecycle.Stage}" is not one of the stages ${order}, so it is not approved for ${S}` };
    if (j < i) {
        const passed = lifecycle.StageStatus === STAGE_STATUS.approved || lifecycle.StageStatus === STAGE_STATUS.deployed;
        return { ok: false, cause: "stage-pending", reason: passed ? `it is approved only up to ${lifecycle.Stage} (${now}), not yet for ${S}` : `it is not yet approved for ${S}: its lifecycle is ${now}` };
    }
    if (j > i) return { ok: true, reason: `it passed ${S} on its way to ${lifecycle.Stage} (${now})` };
    switch (lifecycle.StageStatus) {
        case STAGE_STATUS.approved: return { ok: true, reason: `approved for ${S} (${now})` };
        case STAGE_STATUS.deployed: return { ok: true, reason: `approved for ${S} and deployed there (${now})` };
        case STAGE_STATUS.rejected: return { ok: false, cause: "stage-rejected", reason: `it was rejected for ${S} (${now})` };
        default: return { ok: false, cause: "stage-pending", reason: `its ${S} stage status is ${lifecycle.StageStatus ?? "missing"}, not Approved (${now})` };
    }
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, MAX_DESCRIPTION);

const refused = (reason: string): StagePlan => ({ ok: false, reason });

/**
 * The UpdateModelPackage fields (without ModelPackageArn) that make one transition for stage `ctx.stage`, or
 * why it is not allowed. These rules are what the per-stage IAM policies express, and what the CLI and the
 * deploy function both follow:
 * - approve stage k: k = 0 from no lifecycle or order[0] (also sets ModelApprovalStatus Approved); k > 0 from
 *   {order[k-1], Deployed} or order[k] (re-approval), and only while ModelApprovalStatus is Approved;
 * - reject stage k: from order[k], or (k > 0) from {order[k-1], Deployed}, or (k = 0) from no lifecycle; k = 0
 *   also sets ModelApprovalStatus Rejected. Never for a stage the version has passed: that would withdraw it
 *   from the later stage, whose approvers must reject it;
 * - deployed stage k (the deploy function): from {order[k], Approved}, while ModelApprovalStatus is Approved;
 * - reject-stage k (the smoke test in stage k's environment): from {order[k], Approved} or {order[k], Deployed}, while
 *   ModelApprovalStatus is Approved; the lifecycle only (k = 0 included), so the stage is rejected, not the version.
 * `existing` (the version's CustomerMetadataProperties) is written back beside the new history entry, so the
 * trace survives whether SageMaker merges the map (as ...ToRemove implies) or replaces it (as moto does).
 */
export function planStageChange(
    current: ModelLifeCycle | undefined,
    approvalStatus: string | undefined,
    action: StageAction,
    ctx: StageContext,
    note: StageNote,
    existing?: Record<string, string>,
): StagePlan {
    const S = ctx.stage;
    const k = ctx.order.indexOf(S);
    const order = ctx.order.join(" → ");
    if (k < 0) return refused(`stage "${S}" is not in the stage order (${order || "empty"})`);
    if (!(note.at instanceof Date) || Number.isNaN(note.at.getTime())) return refused("the change's time is not a valid date");
    if (current && !current.Stage) return refused("its ModelLifeCycle has no Stage; set one in SageMaker before promoting it");
    const j = current ? ctx.order.indexOf(current.Stage!) : -1;
    if (current && j < 0) return refused(`its ModelLifeCycle stage "${current.Stage}" is not one of the stages ${order}`);
    const now = describeLifecycle(current);
    const prev = k > 0 ? ctx.order[k - 1] : undefined;
    const here = current?.Stage === S;
    const fromPrevDeployed = prev !== undefined && current?.Stage === prev && current.StageStatus === STAGE_STATUS.deployed;
    const status = approvalStatus ?? "unknown";

    const plan = (stageStatus: string, approval?: "Approved" | "Rejected"): StagePlan => {
        const comment = oneLine(note.comment);
        const description = stageStatus === STAGE_STATUS.deployed && !comment ? current?.StageDescription : comment;
        return {
            ok: true,
            update: {
                ModelLifeCycle: { Stage: S, StageStatus: stageStatus, ...(description ? { StageDescription: description } : {}) },
                ...(approval ? { ModelApprovalStatus: approval, ...(comment ? { ApprovalDescription: comment } : {}) } : {}),
                CustomerMetadataProperties: { ...existing, [stageHistoryKey(S, stageStatus)]: formatStageHistoryValue(note) },
            },
        };
    };

    switch (action) {
        case "approve": {
            if (j > k) return refused(`it is already at ${current!.Stage} (${now}); approving it for ${S} would withdraw it from ${current!.Stage}`);
            if (here && current!.StageStatus === STAGE_STATUS.deployed) return { ok: false, already: true, reason: `it is already approved for ${S} and deployed there (${now})` };
            if (k === 0) return plan(STAGE_STATUS.approved, "Approved");
            if (status !== "Approved") return refused(`its ModelApprovalStatus is ${status}, not Approved; approve it for ${ctx.order[0]} first`);
            if (here || fromPrevDeployed) return plan(STAGE_STATUS.approved);
            if (!current || current.Stage !== prev) return refused(`it is not yet approved for ${prev} (lifecycle: ${now})`);
            if (current.StageStatus === STAGE_STATUS.approved) return refused(`it is approved for ${prev} but not yet deployed there (${now})`);
            if (current.StageStatus === STAGE_STATUS.rejected) return refused(`it was rejected for ${prev} (${now})`);
            return refused(`its ${prev} status is ${current.StageStatus ?? "missing"}, not Deployed (${now})`);
        }
        case "reject": {
            if (j > k) {
                return refused(`it has passed ${S} and is at ${current!.Stage} (${now}); rejecting it for ${S} would withdraw it from ${current!.Stage}, so ${current!.Stage}'s approvers must reject it (--stage ${current!.Stage})`);
            }
            if (k === 0) return plan(STAGE_STATUS.rejected, "Rejected");
            if (here || fromPrevDeployed) return plan(STAGE_STATUS.rejected);
            return refused(`it has not reached ${S} (lifecycle: ${now}); reject it for ${current?.Stage ?? ctx.order[0]} instead`);
        }
        case "deployed": {
            if (status !== "Approved") return refused(`its ModelApprovalStatus is ${status}, not Approved`);
            if (here && current!.StageStatus === STAGE_STATUS.deployed) return { ok: false, already: true, reason: `it is already marked deployed for ${S} (${now})` };
            if (!here || current!.StageStatus !== STAGE_STATUS.approved) return refused(`it is not approved for ${S} (lifecycle: ${now}); only an approved stage can be marked deployed`);
            return plan(STAGE_STATUS.deployed);
        }
        case "reject-stage": {
            if (j > k) {
                return refused(`it has passed ${S} and is at ${current!.Stage} (${now}); a failure in ${S} cannot withdraw it from ${current!.Stage}, so ${current!.Stage}'s approvers must reject it (--stage ${current!.Stage})`);
            }
            if (status === "Rejected") return { ok: false, already: true, reason: `it is rejected as a whole already (ModelApprovalStatus Rejected; lifecycle: ${now})` };
            if (here && current!.StageStatus === STAGE_STATUS.rejected) return { ok: false, already: true, reason: `it is rejected for ${S} already (${now})` };
            if (status !== "Approved") return refused(`its ModelApprovalStatus is ${status}, not Approved`);
            if (!here || (current!.StageStatus !== STAGE_STATUS.approved && current!.StageStatus !== STAGE_STATUS.deployed)) {
                return refused(`it is not approved for ${S} (lifecycle: ${now}); only a version approved for ${S} can fail there`);
            }
            return plan(STAGE_STATUS.rejected);
        }
    }
}


/**
 * What must happen next for a version refused by judgeStage to reach `ctx.stage`, in words, and the stage to
 * approve when an approval is that next step (undefined when something else must happen first). Pure.
 */
export function stageNextStep(lifecycle: ModelLifeCycle | undefined, ctx: StageContext): { readonly text: string; readonly approveStage?: string } {
    const S = ctx.stage;
    const i = ctx.order.indexOf(S);
    if (i < 0) return { text: `set this environment's stage to one of the stage order (${ctx.order.join(", ") || "empty"})` };
    const first = ctx.order[0];
    const onTo = (stage: string) => (stage === S ? `approve it for ${S}` : `approve it for ${stage}, then promote it stage by stage up to ${S}`);
    if (!lifecycle?.Stage) return { text: onTo(first), approveStage: first };
    const j = ctx.order.indexOf(lifecycle.Stage);
    if (j < 0) return { text: `its lifecycle stage "${lifecycle.Stage}" is outside the stage order; a registry administrator must set it to one of ${ctx.order.join(", ")}` };
    const at = lifecycle.Stage;
    if (j <= i && lifecycle.StageStatus === STAGE_STATUS.rejected) {
        return { text: `it was rejected for ${at}: after a new review re-approve it for ${at}, or deploy another version`, approveStage: at };
    }
    if (j < i && lifecycle.StageStatus === STAGE_STATUS.approved) {
        return { text: `wait until it is deployed in ${at} (the deploy function there marks it Deployed), then approve it for ${ctx.order[j + 1]}` };
    }
    if (j < i && lifecycle.StageStatus === STAGE_STATUS.deployed) return { text: onTo(ctx.order[j + 1]), approveStage: ctx.order[j + 1] };
    return { text: onTo(at), approveStage: at };
}
