/**
 * The model registry of one environment: the model package group the pipeline registers into, an
 * optional cross-account read-only resource policy, and the two IAM guardrails of the approval gate:
 *
 * - `registrarPolicy` (attach to whoever registers versions, i.e. the pipeline role): create versions
 *   only as PendingManualApproval, never change a status;
 * - `approverPolicy` (attached to the approver roles/users in this account): set Approved or Rejected
 *   on this group's versions, and only when the caller is one of the configured approvers.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { modelPackageArnPattern } from "../lib/arns";
import { attachPolicyToPrincipals } from "../lib/attachments";
import { approvalGuardrailScp, approverPolicy, modelPackageGroupResourcePolicy, registrarPolicy } from "../lib/iamDocuments";
import { currentScope } from "../lib/scope";
import { promotionGroupResourcePolicy, type PromotionStage } from "../lib/promotionPolicies";
import { stageApproverPolicy } from "../lib/stageApproverPolicies";
import { stageApproversVerifyingPolicy } from "../lib/stageVerificationPolicies";

export interface ModelRegistryArgs {
    /** Name of the model package group (1-63 letters, digits, hyphens). */
    readonly modelPackageGroupName: string;
    /** Description of the group. Defaults to "Models trained by the <group> pipeline, pending manual approval". */
    readonly description?: string;
    /** IAM role/user ARNs that alone may set a version Approved or Rejected. At least one. */
    readonly approverPrincipalArns: readonly string[];
    /**
     * Attach the approver policy to the approver roles/users (they must exist in the deploying account).
     * Set false when another stack manages their policies and attach `approverPolicyArn` there. Approvers in
     * other accounts are not wired: the group's resource policy grants consumer accounts read only.
     * Defaults to true.
     */
    readonly attachApproverPolicy?: boolean;
    /**
     * The account the stack deploys into, as checked by the caller (e.g. against the config). The approver
     * attachments wait for it, so a failed check declares none; and a principal of any other account is
     * never attached (IAM would attach by name in the deploying account). Defaults to the caller identity.
     */
    readonly deployingAccountId?: pulumi.Input<string>;
    /** AWS accounts that may describe and list this group's versions (read only). Defaults to none: no resource policy. */
    readonly consumerAccountIds?: readonly string[];
    /**
     * Registry stack (issue 10): the stages. The group's policy then admits the environment accounts
     * (promotionGroupResourcePolicy), each stage's approvers get a policy of their own (stageApproverPolicy, attached
     * unless attachApproverPolicy is false), and the all-in-one approver policy, which sets ModelApprovalStatus with no
     * lifecycle condition, is not declared. Defaults to none (all-in-one).
     */
    readonly promotion?: {
        readonly stages: readonly PromotionStage[];
        readonly stageOrder: readonly string[];
        /**
         * What `approvals approve --stage` checks before approving (the registry's bytes; the stage ledgers are named
         * from the stages): each stage's approver policy becomes stageApproversVerifyingPolicy. Defaults to none:
         * the approval statements only, and approve refuses "could not verify".
         */
        readonly verification?: { readonly artifactsBucketName: pulumi.Input<string>; readonly pipelineName: string; readonly imageUris: readonly string[] };
    };
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

export class ModelRegistry extends pulumi.ComponentResource {
    /** The model package group. */
    readonly group: aws.sagemaker.ModelPackageGroup;
    /** Name of the group, as the pipeline and events use it. */
    readonly modelPackageGroupName: pulumi.Output<string>;
    /** ARN of the group (`…:model-package-group/<name>`). */
    readonly modelPackageGroupArn: pulumi.Output<string>;
    /** ARN pattern of every version in the group (`…:model-package/<name lower-cased>/*`). */
    readonly modelPackageArnPattern: pulumi.Output<string>;
    /** Cross-account read policy; undefined when there is no consumer account. */
    readonly groupPolicy?: aws.sagemaker.ModelPackageGroupPolicy;
    /** Managed policy for the identity that registers versions (the pipeline role). */
    readonly registrarPolicy: aws.iam.Policy;
    readonly registrarPolicyArn: pulumi.Output<string>;
    /** Managed policy that lets the approvers approve or reject; undefined in a registry stack (stage approver policies instead). */
    readonly approverPolicy?: aws.iam.Policy;
    readonly approverPolicyArn?: pulumi.Output<string>;
    /** Registry stack: each stage's approver policy, by stage name. */
    readonly stageApproverPolicies: Record<string, aws.iam.Policy> = {};
    /** SCP document (JSON) for the management account: only the approvers may approve or reject. */
    readonly approvalGuardrailScp: pulumi.Output<string>;
    /** The approver principal ARNs, as configured. */
    readonly approverPrincipalArns: readonly string[];
    readonly tags: Readonly<Record<string, string>>;

    constructor(name: string, args: ModelRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:registry:ModelRegistry", name, {}, opts);
        const groupName = args.modelPackageGroupName;
        const tags = { ...(args.tags ?? {}) };
        const scope = currentScope({ parent: this });
        this.tags = tags;
        this.approverPrincipalArns = [...args.approverPrincipalArns];

        this.group = new aws.sagemaker.ModelPackageGroup(
            `${name}-group`,
            {
                modelPackageGroupName: groupName,
                modelPackageGroupDescription: args.description ?? `Models trained by the ${groupName} pipeline, pending manual approval`,
                tags,
            },
            { parent: this },
        );
        this.modelPackageGroupName = this.group.modelPackageGroupName;
        this.modelPackageGroupArn = this.group.arn;
        this.modelPackageArnPattern = scope.apply((s) => modelPackageArnPattern(s, groupName));

        const consumers = args.consumerAccountIds ?? [];
        const promotion = args.promotion;
        if (promotion || consumers.length > 0) {
            this.groupPolicy = new aws.sagemaker.ModelPackageGroupPolicy(
                `${name}-group-policy`,
                {
                    modelPackageGroupName: this.group.modelPackageGroupName,
                    resourcePolicy: scope.apply((s) =>
                        JSON.stringify(
                            promotion
                                ? promotionGroupResourcePolicy({ scope: s, groupName, stages: promotion.stages, consumerAccountIds: consumers })
                                : modelPackageGroupResourcePolicy({ scope: s, groupName, consumerAccountIds: consumers }),
                        ),
                    ),
                },
                { parent: this },
            );
        }

        this.registrarPolicy = new aws.iam.Policy(
            `${name}-registrar-policy`,
            {
                description: `Register versions in ${groupName} only as PendingManualApproval; never change their status.`,
                policy: scope.apply((s) => JSON.stringify(registrarPolicy({ scope: s, groupName }))),
                tags,
            },
            { parent: this },
        );
        this.registrarPolicyArn = this.registrarPolicy.arn;

        // The guardrail SCP names every principal that may approve: the approvers, or in a registry stack every stage's.
        const allApprovers = [...new Set([...args.approverPrincipalArns, ...(promotion?.stages ?? []).flatMap((st) => st.approverArns)])];
        this.approvalGuardrailScp = scope.apply((s) => JSON.stringify(approvalGuardrailScp({ scope: s, groupName, approverPrincipalArns: allApprovers })));
        const waitForAccount = (arn: pulumi.Output<string>) =>
            args.deployingAccountId ? pulumi.all([args.deployingAccountId, arn]).apply(([, a]) => a) : arn;

        if (promotion) {
            for (const stage of promotion.stageOrder) {
                const approvers = [...new Set(promotion.stages.filter((st) => st.name === stage).flatMap((st) => st.approverArns))];
                const policy = new aws.iam.Policy(
                    `${name}-stage-approver-${stage}`,
                    {
                        description: `Approve or reject versions in ${groupName} for stage ${stage} only, in promotion order; only for its approvers.`,
                        policy: pulumi.all([scope, promotion.verification?.artifactsBucketName]).apply(([s, bucket]) => {
                            const approval = { scope: s, groupName, stageOrder: promotion.stageOrder, stage, approverPrincipalArns: approvers };
                            const v = promotion.verification;
                            if (!v || bucket === undefined) return JSON.stringify(stageApproverPolicy(approval));
                            const stageAccounts = promotion.stages.filter((st) => st.name === stage).map((st) => ({ accountId: st.accountId, environment: st.environment }));
                            return JSON.stringify(stageApproversVerifyingPolicy({ ...approval, stageAccounts, bytes: { artifactsBucketName: bucket, pipelineName: v.pipelineName, imageUris: v.imageUris } }));
                        }),
                        tags,
                    },
                    { parent: this },
                );
                this.stageApproverPolicies[stage] = policy;
                if (args.attachApproverPolicy ?? true) attachPolicyToPrincipals(`${name}-stage-approver-${stage}`, approvers, waitForAccount(policy.arn), { parent: this });
            }
        } else {
            this.approverPolicy = new aws.iam.Policy(
                `${name}-approver-policy`,
                {
                    description: `Approve or reject versions in ${groupName}; only for the configured approvers.`,
                    policy: scope.apply((s) =>
                        JSON.stringify(approverPolicy({ scope: s, groupName, approverPrincipalArns: args.approverPrincipalArns })),
                    ),
                    tags,
                },
                { parent: this },
            );
            this.approverPolicyArn = this.approverPolicy.arn;
            if (args.attachApproverPolicy ?? true) {
                // Waits for the caller's check (its message names the config keys); attachPolicyToPrincipals refuses
                // a principal of another account in any case.
                attachPolicyToPrincipals(`${name}-approver`, args.approverPrincipalArns, waitForAccount(this.approverPolicy.arn), { parent: this });
            }
        }

        this.registerOutputs({
            modelPackageGroupName: this.modelPackageGroupName,
            modelPackageGroupArn: this.modelPackageGroupArn,
            registrarPolicyArn: this.registrarPolicyArn,
            approverPolicyArn: this.approverPolicyArn,
        });
    }
}
