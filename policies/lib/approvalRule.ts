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
import { DescribeModelPackageCommand, type DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { awsErrorKind, describeAwsError } from "./awsErrors";
import { startBytesCheck, type PinsContext } from "./approvalBytes";
import { judgeStage, stageNextStep } from "./approvalStage";
import { refuse, stageApproveCommand, type ApprovalRuleOptions, type ApprovalVerdict, type LookupFailureCause, type RefusalCause, type RefusedVerdict } from "./approvalVerdict";

export * from "./approvalBytes";
export { describeVerdict, stageApproveCommand } from "./approvalVerdict";
export type { ApprovalRuleOptions, ApprovalVerdict, ApprovedVerdict, LookupFailureCause, ModelApprovalStatus, RefusalCause, RefusedVerdict } from "./approvalVerdict";

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
