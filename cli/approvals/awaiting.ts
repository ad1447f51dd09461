/**
 * The versions whose next step is a person's decision. Without stages: PendingManualApproval. With stages also
 * the Approved versions deployed to a stage that has a next one (they await that stage's approvers), and Approved
 * versions without a lifecycle (approved before stages; they await the first stage); SageMaker
 * cannot list by lifecycle, so the newest APPROVED_SCAN Approved versions are described and judged here.
 */
import type { Scope } from "./context";
import { mapLimit } from "./context";
import { describePackage, listPendingVersions, type PackageDescription } from "./packages";
import { nextStage } from "./stageDecision";
import type { StageSetup } from "./stages";

/** How many of the newest Approved versions are looked at for a later stage (older ones have long been promoted or superseded). */
export const APPROVED_SCAN = 50;

/** Newest first. */
export async function listAwaiting(scope: Scope, group: string, setup: StageSetup | undefined): Promise<PackageDescription[]> {
    const describe = (arn: string) => describePackage(scope.clients.sagemaker, arn, scope);
    const [pending, approved] = await Promise.all([
        listPendingVersions(scope.clients.sagemaker, group, scope),
        setup ? listPendingVersions(scope.clients.sagemaker, group, scope, "Approved", APPROVED_SCAN) : Promise.resolve([]),
    ]);
    const [pendingDescriptions, approvedDescriptions] = await Promise.all([
        mapLimit(pending, 4, (s) => describe(s.ModelPackageArn!)),
        mapLimit(approved.slice(0, APPROVED_SCAN), 4, (s) => describe(s.ModelPackageArn!)),
    ]);
    const later = approvedDescriptions.filter((d) => nextStage(d.ModelLifeCycle?.Stage ? d.ModelLifeCycle : undefined, setup!.order).stage !== undefined);
    return [...pendingDescriptions, ...later].sort((a, b) => (b.ModelPackageVersion ?? 0) - (a.ModelPackageVersion ?? 0));
}
