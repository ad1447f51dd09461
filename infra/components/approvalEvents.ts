/**
 * The approval gate's run time for one all-in-one environment, composed of components that each own one thing:
 *
 *   ApprovalsTopic (KMS) ← alarms and notices of all of them → approvers' email
 *   ApprovalRules (EventBridge: pending → Notifier, approved/rejected → Deployer's queue, rejected and
 *                  pipeline Failed → topic; events DLQ; rule alarms)
 *   Notifier      (notify-approver, its DLQ and alarms)
 *   Deployer      (deploy queue, ledger, model execution role, deploy-approved, endpoint alarms, operator read)
 *
 * The topic is declared first: its policy admits, by exact name, every rule and alarm the three will make
 * (and the companions'), which their own alarm-role lists say before they exist.
 *
 * URNs: before the split every child was declared directly under this component. The three are named like it
 * (their types differ, so their URNs do too) and alias each child to the same name under this component, so an
 * existing stack updates them in place; tests/infra/components/approvalEvents.test.ts checks every URN of the
 * stack before the split is still answered.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EndpointSettings } from "../config";
import { APPROVAL_FUNCTION_ROLES } from "../lib/bundle";
import { resourceName } from "../lib/naming";
import { ApprovalsTopic } from "./approvalsTopic";
import { allInOneRules, ApprovalRules, approvalRulesAlarmRoles, environmentRuleRoles, environmentRules, RULE_ROLES, ruleNames, type ApprovalRuleSpec } from "./approvalRules";
import { Deployer, deployerAlarmRoles } from "./deployer";
import { Notifier, notifierAlarmRoles } from "./notifier";
import { logGroupName, type StagePromotion } from "./approvalFunction";

export interface ApprovalEventsArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The model package group whose events this environment acts on. */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /** ARN of this environment's training pipeline (its Failed executions are reported). Required without `promotion`. */
    readonly pipelineArn?: pulumi.Input<string>;
    /**
     * Set in an environment stack (issue 10): the rules match the registry's forwarded events for this stage
     * (environmentRules), the functions ask the Stage question and reach the registry's versions. Defaults to none (all-in-one).
     */
    readonly promotion?: StagePromotion;
    /** Bucket holding the evaluation reports and model artifacts (the pipeline's artifacts bucket). */
    readonly artifactsBucketName: pulumi.Input<string>;
    /** CMK of that bucket. Defaults to none (S3-managed keys). */
    readonly artifactsKmsKeyArn?: pulumi.Input<string>;
    /**
     * Name of the training pipeline writing into that bucket: notify reads only its evaluation reports and the
     * model role only its training outputs (pipelineKeyPatterns).
     */
    readonly pipelineName: pulumi.Input<string>;
    /** Inference images of the registered versions (the model role may pull only these repositories). */
    readonly modelImageUris: readonly string[];
    /** Emails subscribed to the approvals topic. Defaults to none. */
    readonly approverEmails?: readonly string[];
    /** Endpoint instance type/count, extra rollback alarms and bake time (validated stack config). */
    readonly endpoint: EndpointSettings;
    /** The endpoint approved versions go to. Defaults to `sagemaker-approval-gate-<env>-endpoint`. */
    readonly endpointName?: string;
    /** ModelLatency (average, milliseconds) above which a blue/green update rolls back. Defaults to 1000. */
    readonly modelLatencyThresholdMs?: number;
    /** Retention of the functions' log groups, in days. Defaults to 90. */
    readonly logRetentionDays?: number;
    /** Lambda retries of a failed async invocation before it goes to the DLQ (0-2). Defaults to 2. */
    readonly maximumRetryAttempts?: number;
    /** Protect the ledger table from deletion. Defaults to true. */
    readonly ledgerDeletionProtection?: boolean;
    /**
     * IAM role/user ARNs of the approvers: they get the operator-read policy (what `approvals live` and
     * `approvals history` read: this endpoint, its configs and models, the ledger). Defaults to none: no policy.
     */
    readonly approverPrincipalArns?: readonly string[];
    /**
     * Attach the operator-read policy to the approver roles/users (they must exist in the deploying account),
     * as the registry's approver policy is. Set false when another stack manages their policies and attach
     * `operatorReadPolicyArn` there. Defaults to true.
     */
    readonly attachOperatorReadPolicy?: boolean;
    /**
     * What companion components (ArtifactGuard) share of this one, by the names they will have: their rules'
     * targets use the events DLQ (its policy admits them), their alarms notify the topic (its policy names them),
     * their log groups use the approvals CMK (its policy names them). Defaults to none.
     */
    readonly companions?: CompanionResources;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** Names of a companion component's resources that use this component's events DLQ, topic and CMK. */
export interface CompanionResources {
    readonly ruleNames: readonly string[];
    readonly alarmNames: readonly string[];
    readonly logGroupNames: readonly string[];
}

/**
 * Roles (name suffixes) of every alarm the composed components make. Each notifies the topic, whose policy admits
 * exactly these alarms by ARN, so an alarm made under any other role is refused at construction.
 */
export function ownAlarmRoles(promotion?: Pick<StagePromotion, "stage" | "stageOrder">): string[] {
    return [...deployerAlarmRoles(), ...notifierAlarmRoles(), ...approvalRulesAlarmRoles(ruleRoles(promotion))];
}

export function ownAlarmNames(environment: string, promotion?: Pick<StagePromotion, "stage" | "stageOrder">): string[] {
    return ownAlarmRoles(promotion).map((role) => resourceName(environment, role));
}

/** The roles of the rules it declares: the all-in-one set, or an environment stack's. */
export function ruleRoles(promotion?: Pick<StagePromotion, "stage" | "stageOrder">): string[] {
    return promotion ? environmentRuleRoles(promotion) : Object.values(RULE_ROLES);
}

function rulesOf(args: ApprovalEventsArgs): ApprovalRuleSpec[] {
    if (args.promotion) return environmentRules(args.environment, args.modelPackageGroupName, args.promotion);
    if (args.pipelineArn === undefined) throw new Error("ApprovalEvents: pipelineArn is required in the all-in-one layout (its Failed executions are reported); pass the pipeline's ARN, or `promotion` for an environment stack");
    return allInOneRules(args.environment, args.modelPackageGroupName, args.pipelineArn);
}

export class ApprovalEvents extends pulumi.ComponentResource {
    readonly topic: ApprovalsTopic;
    readonly topicArn: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly deployer: Deployer;
    readonly notifier: Notifier;
    readonly approvalRules: ApprovalRules;
    readonly ledgerTable: Deployer["ledgerTable"];
    readonly ledgerTableName: pulumi.Output<string>;
    readonly modelExecutionRoleArn: pulumi.Output<string>;
    readonly targetsDlq: ApprovalRules["targetsDlq"];
    readonly endpointName: string;
    readonly operatorReadPolicyArn?: pulumi.Output<string>;

    constructor(name: string, args: ApprovalEventsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:approvals:ApprovalEvents", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const companions: CompanionResources = args.companions ?? { ruleNames: [], alarmNames: [], logGroupNames: [] };
        const parent = { parent: this };

        this.topic = new ApprovalsTopic(
            `${name}-notifications`,
            {
                topicName: resourceName(env, "approvals"),
                approverEmails: args.approverEmails,
                logGroupNames: [...APPROVAL_FUNCTION_ROLES.map((role) => logGroupName(env, role)), ...companions.logGroupNames],
                publishers: { ruleNames: ruleNames(env, ruleRoles(args.promotion)), alarmNames: [...ownAlarmNames(env, args.promotion), ...companions.alarmNames] },
                ledgerReaderAccountId: args.promotion?.registryAccountId,
                tags,
            },
            parent,
        );
        this.topicArn = this.topic.topicArn;
        this.kmsKeyArn = this.topic.kmsKeyArn;
        const shared = { environment: env, topicArn: this.topicArn, kmsKeyArn: this.kmsKeyArn, legacyParent: this, tags };
        const promotion = args.promotion;

        this.deployer = new Deployer(
            name,
            {
                ...shared,
                modelPackageGroupName: args.modelPackageGroupName,
                artifactsBucketName: args.artifactsBucketName,
                artifactsKmsKeyArn: args.artifactsKmsKeyArn,
                pipelineName: args.pipelineName,
                modelImageUris: args.modelImageUris,
                endpoint: args.endpoint,
                endpointName: args.endpointName,
                modelLatencyThresholdMs: args.modelLatencyThresholdMs,
                logRetentionDays: args.logRetentionDays,
                ledgerDeletionProtection: args.ledgerDeletionProtection,
                approverPrincipalArns: args.approverPrincipalArns,
                attachOperatorReadPolicy: args.attachOperatorReadPolicy,
                promotion,
            },
            parent,
        );
        this.endpointName = this.deployer.endpointName;
        this.notifier = new Notifier(
            name,
            {
                ...shared,
                modelPackageGroupName: args.modelPackageGroupName,
                endpointName: this.endpointName,
                ledgerTableName: this.deployer.ledgerTableName,
                ledgerTableArn: this.deployer.ledgerTable.arn,
                artifactsBucketName: args.artifactsBucketName,
                artifactsKmsKeyArn: args.artifactsKmsKeyArn,
                pipelineName: args.pipelineName,
                modelImageUris: args.modelImageUris,
                logRetentionDays: args.logRetentionDays,
                maximumRetryAttempts: args.maximumRetryAttempts,
                promotion,
            },
            parent,
        );
        this.approvalRules = new ApprovalRules(
            name,
            {
                ...shared,
                rules: rulesOf(args),
                notifyFunction: this.notifier.function,
                deployRequests: { queue: this.deployer.deployRequests, messageGroupId: this.endpointName },
                companionRuleNames: companions.ruleNames,
            },
            parent,
        );

        this.ledgerTable = this.deployer.ledgerTable;
        this.ledgerTableName = this.deployer.ledgerTableName;
        this.modelExecutionRoleArn = this.deployer.modelExecutionRoleArn;
        this.targetsDlq = this.approvalRules.targetsDlq;
        this.operatorReadPolicyArn = this.deployer.operatorReadPolicyArn;

        this.registerOutputs({
            operatorReadPolicyArn: this.operatorReadPolicyArn,
            topicArn: this.topicArn,
            kmsKeyArn: this.kmsKeyArn,
            ledgerTableName: this.ledgerTableName,
            modelExecutionRoleArn: this.modelExecutionRoleArn,
            endpointName: this.endpointName,
        });
    }
}
