/**
 * Per-stage approver policies of the registry account (issue 10; docs/security-model.md "Cross-account grants").
 * Each stage's approvers may put a version on their own stage only, in the order of policies/lib/approvalStage.ts's
 * transitions, expressed with the Service Authorization Reference's condition keys (LIFECYCLE_KEYS): the request's
 * `sagemaker:ModelLifeCycle:Stage`/`StageStatus` and the version's `sagemaker:CurrentModelLifeCycleStage`/`…StageStatus`.
 * The CLI and the rule enforce the same order; these conditions are defence in depth against a caller who skips the CLI.
 */
import { modelPackageArnPatterns } from "./arns";
import {
    APPROVER_STATUSES,
    approverReadStatements,
    conditionPrincipals,
    LIFECYCLE_KEYS,
    policyDocument,
    type GroupPolicyInput,
    type PolicyDocument,
    type PolicyStatement,
} from "./iamDocuments";
import { DEPLOYED } from "./promotionPolicies";

export interface StageApproverPolicyInput extends GroupPolicyInput {
    /** The stage names in promotion order (config `stageOrder`). */
    readonly stageOrder: readonly string[];
    readonly stage: string;
    readonly approverPrincipalArns: readonly string[];
}

/**
 * A stage's approvers (registry account) may set ModelLifeCycle `{<their stage>, Approved|Rejected}` and nothing else:
 * - the first stage, from no lifecycle or its own stage, setting ModelApprovalStatus with it (Approved with Approved,
 *   Rejected with Rejected: the CLI's one call);
 * - a later stage, once the previous stage is Deployed, or again at its own stage, never touching ModelApprovalStatus.
 * A version past this stage cannot be taken back to it (its current stage is neither). Bound to `aws:PrincipalArn`.
 */
export function stageApproverPolicy(input: StageApproverPolicyInput): PolicyDocument {
    const index = input.stageOrder.indexOf(input.stage);
    if (index < 0) throw new Error(`stageApproverPolicy: stage ${JSON.stringify(input.stage)} is not in the stage order ${JSON.stringify(input.stageOrder)}`);
    const principals = conditionPrincipals(`stageApproverPolicy (${input.stage})`, "approver", input.approverPrincipalArns);
    const update = (sid: string, condition: Required<PolicyStatement>["Condition"]): PolicyStatement => ({
        Sid: sid,
        Effect: "Allow",
        Action: ["sagemaker:UpdateModelPackage"],
        Resource: modelPackageArnPatterns(input.scope, input.groupName),
        Condition: { ...condition, ArnEquals: { "aws:PrincipalArn": principals } },
    });
    const sets = (statuses: readonly string[]) => ({ [LIFECYCLE_KEYS.stage]: input.stage, [LIFECYCLE_KEYS.stageStatus]: [...statuses] });
    const firstStage = (status: (typeof APPROVER_STATUSES)[number]) =>
        update(`FirstStage${status === "Approved" ? "Approve" : "Reject"}`, {
            StringEquals: { ...sets([status]), [LIFECYCLE_KEYS.approvalStatus]: status },
            StringEqualsIfExists: { [LIFECYCLE_KEYS.currentStage]: input.stage },
        });
    const statusUntouched = { Null: { [LIFECYCLE_KEYS.approvalStatus]: "true" } };
    const decisions =
        index === 0
            ? [firstStage("Approved"), firstStage("Rejected")]
            : [
                  update("DecideOncePreviousStageDeployed", {
                      StringEquals: { ...sets(APPROVER_STATUSES), [LIFECYCLE_KEYS.currentStage]: input.stageOrder[index - 1], [LIFECYCLE_KEYS.currentStageStatus]: DEPLOYED },
                      ...statusUntouched,
                  }),
                  update("DecideAgainAtThisStage", { StringEquals: { ...sets(APPROVER_STATUSES), [LIFECYCLE_KEYS.currentStage]: input.stage }, ...statusUntouched }),
              ];
    return policyDocument(...decisions, ...approverReadStatements(input, principals));
}
