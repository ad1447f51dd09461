/**
 * IAM and resource policies of the multi-account layout (issue 10, docs/security-model.md "Cross-account grants"):
 * the registry's group policy for the environment accounts and the statements an environment's functions need on the
 * registry's ARNs. Pure functions of plain strings, as in iamDocuments.ts. The per-stage approver policies are in
 * stageApproverPolicies.ts, the artifacts bucket and key grants in promotionArtifactPolicies.ts, the event hop in
 * promotionEventPolicies.ts.
 *
 * What is documented and what is assumed:
 * - The group policy's actions are those of the SageMaker developer guide's cross-account example ("Deploy a Model
 *   Version from a Different Account"): DescribeModelPackageGroup on the group; DescribeModelPackage,
 *   ListModelPackages, UpdateModelPackage and CreateModel on `model-package/<group>/*`. (The Service Authorization
 *   Reference lists CreateModel on `model*` only; SageMaker evidently also authorises the package a cross-account
 *   CreateModel names, hence the guide's grant. The environment's deploy role gets the same on its side.)
 * - The condition keys are the Service Authorization Reference's (LIFECYCLE_KEYS). That SageMaker evaluates the
 *   `Current…` resource keys in a group's resource policy as it does in identity policies is assumed, not documented:
 *   if it did not, the conditioned Allows would grant nothing (fail closed), never too much.
 * The order of stages is also enforced by the approvals CLI and by the rule (policies/lib/approvalStage.ts); these
 * conditions are defence in depth against a caller who skips the CLI.
 */
import { accountRootArn, modelPackageArnPatterns, type AwsScope } from "./arns";
import {
    groupResources,
    LIFECYCLE_KEYS,
    modelPackageGroupResourcePolicy,
    policyDocument,
    REGISTRY_READ_ACTIONS,
    type GroupPolicyInput,
    type PolicyDocument,
    type PolicyStatement,
} from "./iamDocuments";
import { resourceName } from "./naming";

/** The StageStatus the deploy function sets once its stage serves the version (policies/lib/approvalStage.ts STAGE_STATUS). */
export const DEPLOYED = "Deployed";
/** The StageStatus an environment's smoke test sets on its own stage when the version failed there. */
export const STAGE_REJECTED = "Rejected";

/** One stage of the promotion, as the registry stack's config gives it (infra/config.ts StageTarget). */
export interface PromotionStage {
    readonly name: string;
    /** The environment stack of the stage's account: its role names carry it. */
    readonly environment: string;
    readonly accountId: string;
    /** Principals of the registry account who approve or reject for this stage. */
    readonly approverArns: readonly string[];
}

/** The roles an environment stack makes (physical names of infra/components: `sagemaker-approval-gate-<env>-<role>`). */
export function environmentRoleArns(partition: string, accountId: string, environment: string) {
    const role = (name: string) => `arn:${partition}:iam::${accountId}:role/${resourceName(environment, name)}`;
    // smoke-test: infra/components/smokeTest.ts smokeRoleName (the function's name).
    return { modelExecution: role("model-execution"), notifyApprover: role("notify-approver"), deployApproved: role("deploy-approved"), smokeTest: role("smoke-test") };
}

/** A Sid part from a stage name (EntityName: letters, digits, hyphens), made unique by its index. */
function sidPart(index: number, stage: string): string {
    return `Stage${index}${stage.replace(/-/g, "")}`;
}

/** `Deployed` for `stage`, only from `{stage, Approved}`, and never a change of ModelApprovalStatus. */
export function markDeployedCondition(stage: string): Required<PolicyStatement>["Condition"] {
    return {
        StringEquals: {
            [LIFECYCLE_KEYS.stage]: stage,
            [LIFECYCLE_KEYS.stageStatus]: DEPLOYED,
            [LIFECYCLE_KEYS.currentStage]: stage,
            [LIFECYCLE_KEYS.currentStageStatus]: "Approved",
        },
        Null: { [LIFECYCLE_KEYS.approvalStatus]: "true" },
    };
}

/**
 * `Rejected` for `stage`, only while the version is at `stage` (Approved or Deployed: planStageChange "reject-stage"),
 * and never a change of ModelApprovalStatus: a failure in one stage's environment takes the version out of that stage,
 * never out of a later one, never out of the registry, and never puts it anywhere.
 */
export function smokeRejectCondition(stage: string): Required<PolicyStatement>["Condition"] {
    return {
        StringEquals: {
            [LIFECYCLE_KEYS.stage]: stage,
            [LIFECYCLE_KEYS.stageStatus]: STAGE_REJECTED,
            [LIFECYCLE_KEYS.currentStage]: stage,
            [LIFECYCLE_KEYS.currentStageStatus]: ["Approved", DEPLOYED],
        },
        Null: { [LIFECYCLE_KEYS.approvalStatus]: "true" },
    };
}

export interface PromotionGroupPolicyInput extends GroupPolicyInput {
    readonly stages: readonly PromotionStage[];
    /** Read-only consumers (config `consumerAccountIds`), as in the all-in-one layout. Defaults to none. */
    readonly consumerAccountIds?: readonly string[];
}

/**
 * Resource policy of the registry's group: every environment account reads the group and its versions and creates
 * models from them; each stage's deploy role (and nobody else of its account) may mark its own stage Deployed, from
 * `{stage, Approved}` only, without touching ModelApprovalStatus; each stage's smoke-test role may reject its own stage
 * (smokeRejectCondition) and nothing else. Read-only consumers keep their statement.
 */
export function promotionGroupResourcePolicy(input: PromotionGroupPolicyInput): PolicyDocument {
    if (input.stages.length === 0) throw new Error("promotionGroupResourcePolicy: at least one stage is required");
    const { scope } = input;
    const accounts = [...new Set(input.stages.map((s) => s.accountId))].sort().map((id) => accountRootArn(scope.partition, id));
    const packages = modelPackageArnPatterns(scope, input.groupName);
    const consumers = modelPackageGroupResourcePolicy({ ...input, consumerAccountIds: input.consumerAccountIds ?? [] });
    return policyDocument(
        ...(consumers?.Statement ?? []),
        { Sid: "EnvironmentAccountsRead", Effect: "Allow", Principal: { AWS: accounts }, Action: REGISTRY_READ_ACTIONS, Resource: groupResources(scope, input.groupName) },
        { Sid: "EnvironmentAccountsCreateModels", Effect: "Allow", Principal: { AWS: accounts }, Action: ["sagemaker:CreateModel"], Resource: packages },
        ...input.stages.map(
            (stage, i): PolicyStatement => ({
                Sid: `${sidPart(i, stage.name)}DeployRoleMarksDeployed`,
                Effect: "Allow",
                Principal: { AWS: [accountRootArn(scope.partition, stage.accountId)] },
                Action: ["sagemaker:UpdateModelPackage"],
                Resource: packages,
                Condition: {
                    ...markDeployedCondition(stage.name),
                    ArnEquals: { "aws:PrincipalArn": [environmentRoleArns(scope.partition, stage.accountId, stage.environment).deployApproved] },
                },
            }),
        ),
        // Granted whether or not the environment runs a smoke test: the ARN condition admits one role, which may not exist.
        ...input.stages.map(
            (stage, i): PolicyStatement => ({
                Sid: `${sidPart(i, stage.name)}SmokeRoleRejectsStage`,
                Effect: "Allow",
                Principal: { AWS: [accountRootArn(scope.partition, stage.accountId)] },
                Action: ["sagemaker:UpdateModelPackage"],
                Resource: packages,
                Condition: {
                    ...smokeRejectCondition(stage.name),
                    ArnEquals: { "aws:PrincipalArn": [environmentRoleArns(scope.partition, stage.accountId, stage.environment).smokeTest] },
                },
            }),
        ),
    );
}

/** The registry's versions of the group, as an environment's roles name them. */
export interface RegistryGroupInput {
    /** The registry account's partition, region and account. */
    readonly registryScope: AwsScope;
    readonly groupName: string;
}

/** What an environment's notify function reads in the registry: its versions (pinning describes them). */
export function environmentNotifyRegistryStatements(input: RegistryGroupInput): PolicyStatement[] {
    const packages = modelPackageArnPatterns(input.registryScope, input.groupName);
    return [{ Sid: "DescribeRegistryVersions", Effect: "Allow", Action: ["sagemaker:DescribeModelPackage"], Resource: packages }];
}

/** Denies of any UpdateModelPackage of the registry's versions but `{stage, stageStatus}` without ModelApprovalStatus. */
function onlyLifecycleDenies(packages: string[], stage: string, stageStatus: string): PolicyStatement[] {
    const deny = (sid: string, condition: Required<PolicyStatement>["Condition"]): PolicyStatement => ({
        Sid: sid,
        Effect: "Deny",
        Action: ["sagemaker:UpdateModelPackage"],
        Resource: packages,
        Condition: condition,
    });
    return [
        // StringNotEquals also matches a request without the key: an update without a lifecycle is denied too.
        deny("DenyOtherStages", { StringNotEquals: { [LIFECYCLE_KEYS.stage]: stage } }),
        deny("DenyOtherStageStatuses", { StringNotEquals: { [LIFECYCLE_KEYS.stageStatus]: stageStatus } }),
        deny("DenyApprovalStatusChanges", { Null: { [LIFECYCLE_KEYS.approvalStatus]: "false" } }),
    ];
}

/**
 * What an environment's smoke test does in the registry: describe the versions and reject its own stage of one that
 * failed there (the group policy's condition, repeated on this side). The Denies hold whatever else is attached.
 */
export function environmentSmokeRegistryStatements(input: RegistryGroupInput & { readonly stage: string }): PolicyStatement[] {
    const packages = modelPackageArnPatterns(input.registryScope, input.groupName);
    return [
        ...environmentNotifyRegistryStatements(input),
        { Sid: "RejectThisStageOnly", Effect: "Allow", Action: ["sagemaker:UpdateModelPackage"], Resource: packages, Condition: smokeRejectCondition(input.stage) },
        ...onlyLifecycleDenies(packages, input.stage, STAGE_REJECTED),
    ];
}

/**
 * What an environment's deploy function does in the registry: describe the versions, create models from them, and mark
 * its own stage Deployed (the group policy's condition, repeated on this side). The Denies hold whatever else is ever
 * attached to the role: no other stage, no other status, no ModelApprovalStatus.
 */
export function environmentDeployRegistryStatements(input: RegistryGroupInput & { readonly stage: string }): PolicyStatement[] {
    const packages = modelPackageArnPatterns(input.registryScope, input.groupName);
    return [
        ...environmentNotifyRegistryStatements(input),
        { Sid: "CreateModelsFromRegistryVersions", Effect: "Allow", Action: ["sagemaker:CreateModel"], Resource: packages },
        { Sid: "MarkThisStageDeployed", Effect: "Allow", Action: ["sagemaker:UpdateModelPackage"], Resource: packages, Condition: markDeployedCondition(input.stage) },
        ...onlyLifecycleDenies(packages, input.stage, DEPLOYED),
    ];
}
