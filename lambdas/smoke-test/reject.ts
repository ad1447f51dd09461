/**
 * What a failed smoke test does to the version (smokeTest.onFailure: reject), through the events the deploy function
 * already acts on:
 * - all-in-one: ModelApprovalStatus Rejected on this account's version (the rejection rule rolls back);
 * - an environment of the promotion layout (STAGE): its own stage only, ModelLifeCycle {stage, Rejected} on the
 *   registry's version (cross-account ARN), planned by planStageChange "reject-stage" with the stage trail kept in
 *   CustomerMetadataProperties, as the approvals CLI and the deploy function write it. The environment's rejected rule
 *   ({stage, Rejected}) rolls this environment back; other stages and the version's status are untouched.
 * A refusal of the plan (the version passed this stage, or is not approved for it) is said, never forced: fail closed.
 */
import { DescribeModelPackageCommand, UpdateModelPackageCommand, type DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { planStageChange, STAGE_STATUS } from "../../policies/lib/approvalStage";
import { awsErrorKind, describeAwsError, isTransientKind } from "../../policies/lib/awsErrors";
import { rejectionComment } from "./message";
import type { SmokeRecord } from "./record";
import type { SmokeSettings } from "./settings";
import type { SmokeDeps } from "./smoke";

/** rejected: written now (`what`: "the version" or the stage); already: it was; not-rejected: refused, with why. */
export type Rejection =
    | { readonly kind: "rejected"; readonly what: string }
    | { readonly kind: "already" | "not-rejected"; readonly reason: string };

/** The identity written into the version's stage history for a rejection by this function. */
export function smokeTestBy(environment: string): string {
    return `smoke-test@${environment}`;
}

/** A rejection that cannot succeed by retrying as it is (access denied, an invalid update): said with the fix. */
export class SmokeRejectError extends Error {
    override readonly name = "SmokeRejectError";
}

export async function rejectFailed(record: SmokeRecord, settings: SmokeSettings, deps: Pick<SmokeDeps, "sagemaker" | "logger" | "now">): Promise<Rejection> {
    const pkg = await sagemakerCall(() => deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: record.packageArn })), `DescribeModelPackage ${record.packageArn}`);
    if ((pkg.ModelPackageGroupName ?? "").toLowerCase() !== settings.groupName.toLowerCase()) {
        const reason = `${record.packageArn} is in group ${pkg.ModelPackageGroupName}, not ${settings.groupName}`;
        deps.logger.log("error", `not rejected: ${reason}`, { eventId: record.eventId });
        return { kind: "not-rejected", reason };
    }
    return settings.stage ? rejectStage(record, pkg, settings, deps) : rejectVersion(record, pkg, settings, deps);
}

async function rejectVersion(record: SmokeRecord, pkg: DescribeModelPackageCommandOutput, settings: SmokeSettings, deps: Pick<SmokeDeps, "sagemaker">): Promise<Rejection> {
    if (pkg.ModelApprovalStatus !== "Approved") return { kind: "already", reason: `it is ${pkg.ModelApprovalStatus ?? "of unknown status"} already` };
    await sagemakerCall(
        () => deps.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: record.packageArn, ModelApprovalStatus: "Rejected", ApprovalDescription: rejectionComment(settings.environment, record) })),
        `UpdateModelPackage ${record.packageArn} (Rejected)`,
    );
    return { kind: "rejected", what: "the version" };
}

async function rejectStage(record: SmokeRecord, pkg: DescribeModelPackageCommandOutput, settings: SmokeSettings, deps: Pick<SmokeDeps, "sagemaker" | "logger" | "now">): Promise<Rejection> {
    const ctx = settings.stage!;
    const S = ctx.stage;
    const plan = planStageChange(
        pkg.ModelLifeCycle,
        pkg.ModelApprovalStatus,
        "reject-stage",
        ctx,
        { at: deps.now(), by: smokeTestBy(settings.environment), comment: rejectionComment(settings.environment, record, S) },
        pkg.CustomerMetadataProperties,
    );
    if (!plan.ok) {
        deps.logger.log(plan.already ? "info" : "error", `${S} not rejected for ${record.packageArn}: ${plan.reason}`, { eventId: record.eventId });
        return { kind: plan.already ? "already" : "not-rejected", reason: plan.reason };
    }
    await sagemakerCall(
        () => deps.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: record.packageArn, ...plan.update })),
        `UpdateModelPackage ${record.packageArn} (ModelLifeCycle {${S}, ${STAGE_STATUS.rejected}})`,
        `the registry's group policy and this function's role must allow sagemaker:UpdateModelPackage with ModelLifeCycle {${S}, ${STAGE_STATUS.rejected}}`,
    );
    deps.logger.log("info", `${S} set ${STAGE_STATUS.rejected} for ${record.packageArn}`, { eventId: record.eventId });
    return { kind: "rejected", what: S };
}

/** Transient failures are rethrown as they are (a retry); anything else says what failed and how to fix it (function error, alarm, DLQ). */
async function sagemakerCall<T>(call: () => Promise<T>, what: string, fix?: string): Promise<T> {
    try {
        return await call();
    } catch (error) {
        const kind = awsErrorKind(error);
        if (isTransientKind(kind)) throw error;
        const hint = kind === "access-denied" && fix ? `; ${fix}` : "";
        throw new SmokeRejectError(`${what} failed (${describeAwsError(error)})${hint}; the failed version is NOT rejected yet: this event is retried, then kept in the smoke test's DLQ`, { cause: error });
    }
}
