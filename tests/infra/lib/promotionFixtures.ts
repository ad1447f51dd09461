/** The multi-account layout the promotion policy tests share: a registry account and two stages in their own accounts. */
import type { AwsScope } from "../../../infra/lib/arns";
import { LIFECYCLE_KEYS } from "../../../infra/lib/iamDocuments";
import type { PromotionStage } from "../../../infra/lib/promotionPolicies";

export const REGISTRY = "111111111111";
export const STAGING = "222222222222";
export const PROD = "333333333333";
export const OTHER = "444444444444";
export const registryScope: AwsScope = { partition: "aws", region: "us-east-1", accountId: REGISTRY };
export const groupName = "Abalone";
/** A version of the group, as SageMaker's ARNs spell it (the group lower-cased). */
export const version = `arn:aws:sagemaker:us-east-1:${REGISTRY}:model-package/abalone/7`;
export const groupArn = `arn:aws:sagemaker:us-east-1:${REGISTRY}:model-package-group/Abalone`;

export const stagingApprover = `arn:aws:iam::${REGISTRY}:role/ml-staging-approver`;
export const releaseManager = `arn:aws:iam::${REGISTRY}:role/ml-release-manager`;
export const pipelineRole = `arn:aws:iam::${REGISTRY}:role/sagemaker-approval-gate-shared-pipeline`;

export const STAGES: readonly PromotionStage[] = [
    { name: "Staging", environment: "staging", accountId: STAGING, approverArns: [stagingApprover] },
    { name: "Production", environment: "prod", accountId: PROD, approverArns: [releaseManager] },
];
export const stageOrder = STAGES.map((s) => s.name);

/** An environment's role by its physical name. */
export const envRole = (accountId: string, environment: string, role: string) => `arn:aws:iam::${accountId}:role/sagemaker-approval-gate-${environment}-${role}`;

export interface Lifecycle {
    readonly Stage: string;
    readonly StageStatus: string;
}

/** The condition keys of an UpdateModelPackage: the lifecycle it sets, the version's current one, the approval status it sets. */
export function updateContext(change: { set?: Lifecycle; current?: Lifecycle; approval?: string }): Record<string, string> {
    return {
        ...(change.set ? { [LIFECYCLE_KEYS.stage]: change.set.Stage, [LIFECYCLE_KEYS.stageStatus]: change.set.StageStatus } : {}),
        ...(change.current ? { [LIFECYCLE_KEYS.currentStage]: change.current.Stage, [LIFECYCLE_KEYS.currentStageStatus]: change.current.StageStatus } : {}),
        ...(change.approval ? { [LIFECYCLE_KEYS.approvalStatus]: change.approval } : {}),
    };
}
