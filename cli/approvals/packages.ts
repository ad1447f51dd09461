/**
 * Model package versions: naming them (`<arn | group/version | version>`), reading them, listing the ones
 * awaiting approval, and the pure rules for approving or rejecting one.
 */
import {
    DescribeModelPackageCommand,
    DescribeModelPackageGroupCommand,
    ListModelPackagesCommand,
    type DescribeModelPackageCommandOutput,
    type ModelApprovalStatus,
    type ModelPackageSummary,
    type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { parseModelPackageArn } from "../../policies/lib/approvalRule";
import { CliError, EXIT, isNotFound, toCliError, type Where } from "./errors";
import { checkSeparationOfDuties, type DutyCheck, type Identity } from "./identity";

export type VersionRef =
    | { readonly kind: "arn"; readonly arn: string; readonly region: string }
    | { readonly kind: "group"; readonly group: string; readonly version: number }
    | { readonly kind: "version"; readonly version: number };

const GROUP = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const REF_HINT = "Name a version as its ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>), as <group>/<version> (e.g. abalone-dev/3), or as a bare version number with --env/--group.";

/** Parses what the person typed. Pure; throws CliError(exit 2) with the accepted forms. */
export function parseVersionRef(input: string): VersionRef {
    const text = input.trim();
    if (text.startsWith("arn:")) {
        const parsed = parseModelPackageArn(text);
        if (!parsed) throw new CliError(EXIT.usage, `"${input}" is not a versioned model package ARN.`, REF_HINT);
        return { kind: "arn", arn: text, region: parsed.region };
    }
    const slash = /^([^/]+)\/(\d+)$/.exec(text);
    if (slash && GROUP.test(slash[1]) && Number(slash[2]) >= 1) return { kind: "group", group: slash[1], version: Number(slash[2]) };
    if (/^\d+$/.test(text) && Number(text) >= 1) return { kind: "version", version: Number(text) };
    throw new CliError(EXIT.usage, `"${input}" does not name a model package version.`, REF_HINT);
}

/** The versioned ARN of `group/version` in the caller's partition and account (or `account`: a registry's). Pure. */
export function packageArnFor(group: string, version: number, region: string, callerArn: string, account?: string): string {
    const m = /^arn:(aws[a-z-]*):[a-z]+::(\d{12}):/.exec(callerArn);
    if (!m) throw new CliError(EXIT.aws, `Cannot tell partition and account from the caller ARN "${callerArn}".`, "Pass the version's full ARN instead.");
    // SageMaker lower-cases the group inside package ARNs.
    return `arn:${m[1]}:sagemaker:${region}:${account ?? m[2]}:model-package/${group.toLowerCase()}/${version}`;
}

export type PackageDescription = Omit<DescribeModelPackageCommandOutput, "$metadata">;

export async function describePackage(sagemaker: SageMakerClient, arn: string, where: Where): Promise<PackageDescription> {
    const { region } = where;
    try {
        const { $metadata, ...description } = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        return description;
    } catch (err) {
        if (isNotFound(err)) {
            const parsed = parseModelPackageArn(arn);
            throw new CliError(EXIT.notFound, `No model package version ${arn}${region ? ` in ${region}` : ""}.`,
                `List the versions awaiting approval with \`approvals pending --group ${parsed?.groupInArn ?? "<group>"}\`; if the version exists elsewhere, pass --region or the full ARN.`);
        }
        throw toCliError(err, { ...where, action: `describe model package ${arn}` });
    }
}

/** Fails with exit 4 when the group does not exist in this region, so "no pending versions" is never a typo. */
export async function assertGroupExists(sagemaker: SageMakerClient, group: string, where: Where): Promise<void> {
    const { region } = where;
    try {
        await sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }));
    } catch (err) {
        if (isNotFound(err)) {
            throw new CliError(EXIT.notFound, `No model package group "${group}"${region ? ` in ${region}` : ""}.`,
                "Check --group / modelPackageGroupName in Pulumi.<env>.yaml, and the region (--region); the stack may not be deployed yet.");
        }
        throw toCliError(err, { ...where, action: `describe model package group ${group}` });
    }
}

/** Every version of `group` awaiting approval (or with another `status`), newest first; at most `limit` when given. */
export async function listPendingVersions(sagemaker: SageMakerClient, group: string, where: Where, status: ModelApprovalStatus = "PendingManualApproval", limit?: number): Promise<ModelPackageSummary[]> {
    const found: ModelPackageSummary[] = [];
    let NextToken: string | undefined;
    try {
        do {
            const page = await sagemaker.send(new ListModelPackagesCommand({
                ModelPackageGroupName: group,
                ModelApprovalStatus: status,
                SortBy: "CreationTime",
                SortOrder: "Descending",
                MaxResults: 100,
                NextToken,
            }));
            found.push(...(page.ModelPackageSummaryList ?? []));
            NextToken = limit !== undefined && found.length >= limit ? undefined : page.NextToken;
        } while (NextToken);
    } catch (err) {
        throw toCliError(err, { ...where, action: `list model packages of ${group}` });
    }
    // Sort ourselves too: emulators do not all honour SortBy.
    return found.sort((a, b) => (b.ModelPackageVersion ?? 0) - (a.ModelPackageVersion ?? 0));
}

export type Decision = "approve" | "reject";

export interface DecisionOptions {
    /** Approve although the registrar's IAM identity is not recorded (the check cannot be made). */
    readonly allowUnknownRegistrar?: boolean;
}

export type DecisionCheck =
    | { readonly allowed: true; readonly from: string; readonly to: "Approved" | "Rejected"; readonly duties: DutyCheck; readonly warnings: string[] }
    | { readonly allowed: false; readonly reason: string; readonly hint?: string; readonly duties?: DutyCheck };

/**
 * May `caller` make this decision on this version? Pure.
 * - approve: only from PendingManualApproval, only a Completed package, never by the identity that
 *   registered it; an unrecorded registrar refuses unless explicitly allowed.
 * - reject: from PendingManualApproval or Approved (rejecting an Approved version is how a bad release is
 *   pulled back); rejecting your own version is allowed (it only takes power away).
 */
export function checkDecision(decision: Decision, pkg: PackageDescription, caller: Identity, options: DecisionOptions = {}): DecisionCheck {
    const status = pkg.ModelApprovalStatus ?? "unknown";
    const name = `${pkg.ModelPackageGroupName ?? "?"}/${pkg.ModelPackageVersion ?? "?"}`;
    const registrar = pkg.CreatedBy?.IamIdentity ? { arn: pkg.CreatedBy.IamIdentity.Arn, principalId: pkg.CreatedBy.IamIdentity.PrincipalId } : undefined;
    if (decision === "reject") {
        if (status === "Rejected") return { allowed: false, reason: `${name} is already Rejected; nothing to do.` };
        if (status !== "PendingManualApproval" && status !== "Approved") {
            return { allowed: false, reason: `${name} has approval status ${status}; only PendingManualApproval or Approved versions can be rejected.` };
        }
        const warnings = status === "Approved" ? [`${name} is Approved; rejecting it rolls the endpoint back if it is live.`] : [];
        return { allowed: true, from: status, to: "Rejected", duties: checkSeparationOfDuties(registrar, caller), warnings };
    }
    if (status !== "PendingManualApproval") {
        return {
            allowed: false,
            reason: `${name} is ${status}, not PendingManualApproval; only a version awaiting approval can be approved.`,
            hint: status === "Rejected" ? "A rejected version stays rejected: retrain and register a new version." : undefined,
        };
    }
    if (pkg.ModelPackageStatus !== "Completed") {
        return { allowed: false, reason: `${name} has ModelPackageStatus ${pkg.ModelPackageStatus ?? "unknown"}, not Completed; SageMaker has not finished registering it.`, hint: "Wait until `approvals show` reports Completed." };
    }
    const duties = checkSeparationOfDuties(registrar, caller);
    if (duties.verdict === "same") {
        return {
            allowed: false,
            duties,
            reason: `Separation of duties: you (${duties.caller}) registered ${name} (${duties.registrar}; ${duties.reason}). Someone else must approve it.`,
            hint: "Ask another approver (a principal in approvers.principalArns) to review and approve it.",
        };
    }
    if (duties.verdict === "unknown" && !options.allowUnknownRegistrar) {
        const profile = pkg.CreatedBy?.UserProfileName ? `; it names only the Studio user profile "${pkg.CreatedBy.UserProfileName}"` : "";
        return {
            allowed: false,
            duties,
            reason: `Cannot verify separation of duties for ${name}: ${duties.reason}${profile}.`,
            hint: "If you are sure you did not register it, re-run with --allow-unknown-registrar (the approval still records you as LastModifiedBy).",
        };
    }
    const warnings = duties.verdict === "unknown" ? [`registrar unknown (${duties.reason}); approving because --allow-unknown-registrar was given.`] : [];
    return { allowed: true, from: status, to: "Approved", duties, warnings };
}

/** The short name people use: `<group>/<version>`. */
export function shortName(pkg: Pick<PackageDescription, "ModelPackageGroupName" | "ModelPackageVersion" | "ModelPackageArn">): string {
    if (pkg.ModelPackageGroupName && pkg.ModelPackageVersion) return `${pkg.ModelPackageGroupName}/${pkg.ModelPackageVersion}`;
    return pkg.ModelPackageArn ?? "?";
}

/** `pipeline-name/execution-id` from a pipeline execution ARN; the input otherwise. Pure. */
export function shortExecution(generatedBy: string | undefined): string {
    if (!generatedBy) return "-";
    const m = /:pipeline\/([^/]+)\/execution\/([^/]+)$/.exec(generatedBy);
    return m ? `${m[1]}/${m[2]}` : generatedBy;
}

/** Who registered it, for display. */
export function registrarOf(pkg: Pick<PackageDescription, "CreatedBy">): string {
    return pkg.CreatedBy?.IamIdentity?.Arn ?? (pkg.CreatedBy?.UserProfileName ? `Studio user ${pkg.CreatedBy.UserProfileName}` : "unknown");
}
