/**
 * The rule's verdicts: what a caller allows (ApprovalRuleOptions), what comes back (approved, or refused with a
 * cause), and the one line a person reads (describeVerdict). approvalRule.ts asks the questions and re-exports this.
 */
import type { ModelLifeCycle } from "@aws-sdk/client-sagemaker";
import type { BytesCause, BytesFinding } from "./approvalBytes";
import type { PackagePins } from "./artifactPins";
import { describeLifecycle, type StageCause, type StageContext } from "./approvalStage";

export type ModelApprovalStatus = "Approved" | "Rejected" | "PendingManualApproval";

/** What the caller allows beyond "Approved". Empty lists mean "any". */
export interface ApprovalRuleOptions {
    /** Model package group names production may deploy from (compared case-insensitively). */
    readonly allowedGroups?: readonly string[];
    /** AWS account IDs whose registries production may deploy from. */
    readonly allowedAccounts?: readonly string[];
    /**
     * Ask the Stage question too (after Status): the version's ModelLifeCycle must have reached this stage of the
     * order (approvalStage.ts judgeStage). Absent: no Stage question (the all-in-one layout).
     */
    readonly stage?: StageContext;
}

export interface ApprovedVerdict {
    readonly approved: true;
    readonly packageArn: string;
    readonly groupName: string;
    readonly version: number | undefined;
    readonly status: "Approved";
    readonly reason: string;
    /** The pins its bytes were verified against (when the caller asked the Bytes question). */
    readonly pins?: PackagePins;
    /** The version's ModelLifeCycle as DescribeModelPackage answered it. */
    readonly lifecycle?: ModelLifeCycle;
    /** The stage the Stage question was asked for. */
    readonly stage?: string;
}

/**
 * Why DescribeModelPackage itself failed (`judgeLookupFailure`): the package is not there, the caller may
 * not read it, SageMaker throttled past the SDK's retries, the lookup ran out of time, SageMaker or the network
 * failed (a 5xx, a reset connection: `lookup-failed`), or an error of no known kind (`unclassified`). Callers
 * decide on these, never on the reason's wording.
 */
export type LookupFailureCause = "not-found" | "access-denied" | "throttled" | "timed-out" | "lookup-failed" | "unclassified";

/** Why a package was refused, so callers can name the right fix. */
export type RefusalCause =
    | "not-a-versioned-arn"
    | "unverified"
    | LookupFailureCause
    | "account-not-allowed"
    | "group-not-allowed"
    | "not-approved"
    | "not-completed"
    | StageCause
    | BytesCause;

export interface RefusedVerdict {
    readonly approved: false;
    /** Why it was refused (always set by this module; optional so hand-made verdicts stay valid). */
    readonly cause?: RefusalCause;
    readonly packageArn: string;
    readonly groupName: string | undefined;
    /** The package's real ModelApprovalStatus, or "unknown" when it could not be read. */
    readonly status: string;
    /** True when the status was read and is simply not Approved; false when approval could not be verified. */
    readonly verified: boolean;
    readonly reason: string;
    /** Set when the Bytes question refused it: what changed, whether it is tampering, whether waiting helps. */
    readonly bytes?: BytesFinding;
    /** The version's ModelLifeCycle, when DescribeModelPackage answered. */
    readonly lifecycle?: ModelLifeCycle;
    /** The stage the Stage question was (or would have been) asked for. */
    readonly stage?: string;
    /** For a Stage refusal: what must happen next, with the approver CLI command to run in the registry account. */
    readonly fix?: string;
}

export type ApprovalVerdict = ApprovedVerdict | RefusedVerdict;

/** Causes under which the package's status was never read. */
const UNVERIFIED_CAUSES: ReadonlySet<RefusalCause> = new Set<RefusalCause>(["not-a-versioned-arn", "unverified", "not-found", "access-denied", "throttled", "timed-out", "lookup-failed", "unclassified", "bytes-unverified"]);

type RefusalExtras = Partial<Pick<RefusedVerdict, "bytes" | "lifecycle" | "stage" | "fix">>;

/** A refusal, `verified` derived from its cause. For the rule's questions only: approvalRule.ts does not re-export it. */
export function refuse(cause: RefusalCause, packageArn: string, groupName: string | undefined, status: string, reason: string, extras: RefusalExtras = {}): RefusedVerdict {
    const verified = !UNVERIFIED_CAUSES.has(cause);
    const defined = Object.fromEntries(Object.entries(extras).filter(([, v]) => v !== undefined));
    return { approved: false, cause, packageArn, groupName, status, verified, reason, ...defined };
}

/** The approver CLI command that takes a version one stage further; run in the registry account, by that stage's approvers. */
export function stageApproveCommand(groupName: string, version: number, stage: string): string {
    return `approvals approve ${groupName}/${version} --stage ${stage} --comment "<why>"`;
}

const STAGE_CAUSES: ReadonlySet<RefusalCause> = new Set<RefusalCause>(["stage-pending", "stage-rejected", "stage-unknown"]);

/** One line a person can act on, for policy violations, deploy refusals and notifications. */
export function describeVerdict(verdict: ApprovalVerdict): string {
    const lifecycle = verdict.stage !== undefined || verdict.lifecycle ? `lifecycle: ${describeLifecycle(verdict.lifecycle)}` : "";
    if (verdict.approved) {
        const stage = verdict.stage !== undefined ? `, promoted to ${verdict.stage}: ${lifecycle}` : "";
        return `${verdict.packageArn} is Approved (group ${verdict.groupName}, version ${verdict.version ?? "?"})${stage}`;
    }
    const head = `${verdict.packageArn} (status: ${verdict.status}${lifecycle ? `, ${lifecycle}` : ""})`;
    const stage = verdict.stage !== undefined && STAGE_CAUSES.has(verdict.cause ?? "unverified") ? ` for stage ${verdict.stage}` : "";
    return `${head} is not deployable${stage}: ${verdict.reason}${verdict.fix ? `. Next: ${verdict.fix}` : ""}`;
}
