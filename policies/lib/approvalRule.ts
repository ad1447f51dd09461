/**
 * The one rule of this project, written once:
 *
 *   a model reaches a production endpoint only from a model package whose live status is Approved,
 *   and whose artifacts and images are still the ones pinned when it was registered.
 *
 * Questions asked, in one place, in this order: Status (here), Stage (approvalStage.ts; asked when the caller
 * passes `stage`, i.e. in an environment of a promotion: has the version been promoted to this environment's
 * stage?) and Bytes (approvalBytes.ts, re-exported here; asked when the caller passes `pins`). A verdict's
 * `cause` names the question that failed and why.
 *
 * `judgeModelPackage` is pure (a DescribeModelPackage answer in, a verdict out). `checkModelPackageApproval`
 * adds the lookup and turns every failure (not found, access denied, throttled past retries, timeout,
 * network) into a "not approved" verdict that says approval could not be verified, and why.
 *
 * Both enforcement points call this module: the policy pack at deploy time (`policies/`) and the deploy
 * Lambda at run time (`lambdas/deploy-approved/`, which bundles it). It lives inside `policies/` so the pack
 * stays self-contained when published with `pulumi policy publish`.
 */
import { DescribeModelPackageCommand, type DescribeModelPackageCommandOutput, type ModelLifeCycle } from "@aws-sdk/client-sagemaker";
import { awsErrorKind, describeAwsError } from "./awsErrors";
import { startBytesCheck, type BytesCause, type BytesFinding, type PinsContext } from "./approvalBytes";
import type { PackagePins } from "./artifactPins";
import { describeLifecycle, judgeStage, stageNextStep, type StageCause, type StageContext } from "./approvalStage";

export * from "./approvalBytes";

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

/** Anything that can send a DescribeModelPackageCommand: a SageMakerClient, or a test double. */
export interface DescribeModelPackageSender {
    send(command: DescribeModelPackageCommand, options?: { abortSignal?: AbortSignal }): Promise<DescribeModelPackageCommandOutput>;
}

const VERSIONED_PACKAGE_ARN =
    /^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]+):(\d{12}):model-package\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/(\d+)$/;

export interface ParsedPackageArn {
    readonly partition: string;
    readonly region: string;
    readonly account: string;
    /** Lower-cased by SageMaker inside ARNs; compare case-insensitively. */
    readonly groupInArn: string;
    readonly version: number;
}

/** Parses a versioned model package ARN; undefined for anything else (unversioned packages, names, junk). */
export function parseModelPackageArn(arn: string): ParsedPackageArn | undefined {
    const m = VERSIONED_PACKAGE_ARN.exec(arn);
    if (!m) return undefined;
    return { partition: m[1], region: m[2], account: m[3], groupInArn: m[4], version: Number(m[5]) };
}

/** Causes under which the package's status was never read. */
const UNVERIFIED_CAUSES: ReadonlySet<RefusalCause> = new Set<RefusalCause>(["not-a-versioned-arn", "unverified", "not-found", "access-denied", "throttled", "timed-out", "lookup-failed", "unclassified", "bytes-unverified"]);

type RefusalExtras = Partial<Pick<RefusedVerdict, "bytes" | "lifecycle" | "stage" | "fix">>;

function refuse(cause: RefusalCause, packageArn: string, groupName: string | undefined, status: string, reason: string, extras: RefusalExtras = {}): RefusedVerdict {
    const verified = !UNVERIFIED_CAUSES.has(cause);
    const defined = Object.fromEntries(Object.entries(extras).filter(([, v]) => v !== undefined));
    return { approved: false, cause, packageArn, groupName, status, verified, reason, ...defined };
}

/** The approver CLI command that takes a version one stage further; run in the registry account, by that stage's approvers. */
export function stageApproveCommand(groupName: string, version: number, stage: string): string {
    return `approvals approve ${groupName}/${version} --stage ${stage} --comment "<why>"`;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Judges a package from its DescribeModelPackage answer. Pure.
 * Refuses unless: the ARN is a versioned group package, the answer is about that very ARN, its
 * ModelApprovalStatus is exactly "Approved", its ModelPackageStatus is "Completed", group and account
 * are allowed, and (with `options.stage`) its ModelLifeCycle has reached that stage.
 */
export function judgeModelPackage(
    packageArn: string,
    description: Partial<DescribeModelPackageCommandOutput> | undefined,
    options: ApprovalRuleOptions = {},
): ApprovalVerdict {
    const parsed = parseModelPackageArn(packageArn);
    if (!parsed) {
        return refuse("not-a-versioned-arn", packageArn, undefined, "unknown",
            `"${packageArn}" is not a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>); only versions registered in a model package group carry an approval status`);
    }
    if (!description) {
        return refuse("unverified", packageArn, undefined, "unknown", "approval could not be verified: DescribeModelPackage returned nothing");
    }
    const groupName = description.ModelPackageGroupName ?? parsed.groupInArn;
    const status = description.ModelApprovalStatus ?? "unknown";
    if (!description.ModelPackageArn || !sameName(description.ModelPackageArn, packageArn)) {
        return refuse("unverified", packageArn, groupName, status,
            `approval could not be verified: DescribeModelPackage answered for ${JSON.stringify(description.ModelPackageArn)}, not for the requested ARN`);
    }
    const lifecycle = description.ModelLifeCycle;
    const seen = { lifecycle, stage: options.stage?.stage };
    const refuseSeen = (cause: RefusalCause, reason: string, fix?: string) => refuse(cause, packageArn, groupName, status, reason, { ...seen, fix });
    if (options.allowedAccounts?.length && !options.allowedAccounts.includes(parsed.account)) {
        return refuseSeen("account-not-allowed",
            `account ${parsed.account} is not an allowed registry account (allowed: ${options.allowedAccounts.join(", ")})`);
    }
    if (options.allowedGroups?.length && !options.allowedGroups.some((g) => sameName(g, groupName))) {
        return refuseSeen("group-not-allowed",
            `model package group "${groupName}" is not an allowed group (allowed: ${options.allowedGroups.join(", ")})`);
    }
    if (status !== "Approved") {
        return refuseSeen("not-approved", `its ModelApprovalStatus is ${status}, not Approved`);
    }
    if (description.ModelPackageStatus !== "Completed") {
        return refuseSeen("not-completed",
            `it is Approved but its ModelPackageStatus is ${description.ModelPackageStatus ?? "unknown"}, not Completed`);
    }
    const version = description.ModelPackageVersion ?? parsed.version;
    let stageReason = "";
    if (options.stage) {
        const stage = judgeStage(lifecycle, options.stage);
        if (!stage.ok) {
            const next = stageNextStep(lifecycle, options.stage);
            const command = next.approveStage
                ? ` (\`${stageApproveCommand(groupName, version, next.approveStage)}\`, run in the registry account ${parsed.account} by a ${next.approveStage} approver)`
                : "";
            return refuseSeen(stage.cause, stage.reason, `${next.text}${command}`);
        }
        stageReason = `; ${stage.reason}`;
    }
    return {
        approved: true,
        packageArn,
        groupName,
        version,
        status: "Approved",
        reason: `Approved${description.ApprovalDescription ? ` ("${description.ApprovalDescription}")` : ""}${stageReason}`,
        ...(lifecycle ? { lifecycle } : {}),
        ...(options.stage ? { stage: options.stage.stage } : {}),
    };
}

/** Turns a failed lookup into a fail-closed verdict whose reason says what went wrong. Pure; decides on the error's kind (awsErrors.ts), never its message. */
export function judgeLookupFailure(packageArn: string, error: unknown): RefusedVerdict {
    const text = describeAwsError(error);
    let cause: LookupFailureCause;
    let why: string;
    switch (awsErrorKind(error)) {
        // For a well-formed versioned ARN (checked before the lookup), SageMaker answers "does not exist" with ValidationException.
        case "invalid":
        case "not-found":
            cause = "not-found";
            why = `the package was not found (${text})`;
            break;
        case "access-denied":
            cause = "access-denied";
            why = `the caller may not describe it (${text}); grant sagemaker:DescribeModelPackage`;
            break;
        case "throttled":
            cause = "throttled";
            why = `SageMaker throttled the lookup past its retries (${text})`;
            break;
        case "timed-out":
            cause = "timed-out";
            why = `the lookup timed out (${text})`;
            break;
        case "unavailable":
            cause = "lookup-failed";
            why = `the lookup failed (${text})`;
            break;
        case "unknown":
            cause = "unclassified";
            why = `the lookup failed with an error of unknown kind (${text})`;
            break;
    }
    return refuse(cause, packageArn, parseModelPackageArn(packageArn)?.groupInArn, "unknown", `approval could not be verified: ${why}`);
}

/** Default time budget for one lookup, retries included. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 10_000;

export interface CheckOptions extends ApprovalRuleOptions {
    /** Budget of the DescribeModelPackage lookup, retries included. */
    readonly timeoutMs?: number;
    /**
     * Ask the Bytes question too: read the version's pins beside DescribeModelPackage, observe the pinned artifacts
     * and images, and refuse an Approved package whose bytes changed, are not pinned, or could not be verified.
     */
    readonly pins?: PinsContext;
}

/**
 * Reads the package's live status (and, with `options.pins`, its pins) and judges it. Never throws: every
 * failure is a refusal. Rounds: DescribeModelPackage ∥ the pin read, then (for an Approved version) the observations.
 */
export async function checkModelPackageApproval(
    client: DescribeModelPackageSender,
    packageArn: string,
    options: CheckOptions = {},
): Promise<ApprovalVerdict> {
    if (!parseModelPackageArn(packageArn)) return judgeModelPackage(packageArn, undefined, options);
    const bytes = options.pins ? startBytesCheck(options.pins, packageArn) : undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS);
    let description: DescribeModelPackageCommandOutput;
    try {
        description = await client.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }), {
            abortSignal: controller.signal,
        });
    } catch (error) {
        return judgeLookupFailure(packageArn, error);
    } finally {
        clearTimeout(timer);
    }
    const verdict = judgeModelPackage(packageArn, description, options);
    if (!verdict.approved || !bytes) return verdict;
    const answer = await bytes.judge(description);
    if (answer.intact) return { ...verdict, pins: answer.pins };
    return refuse(answer.cause, packageArn, verdict.groupName, verdict.status, answer.reason, { bytes: answer.finding, lifecycle: verdict.lifecycle, stage: verdict.stage });
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
