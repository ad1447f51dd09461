/**
 * The approval rules of one environment: EventBridge rules on SageMaker's events and where each delivers.
 *
 *   pending   → notify-approver (Notifier)
 *   approved  → deploy-requests (Deployer)
 *   rejected  → deploy-requests (rollback) + approvals topic
 *   pipeline Failed → approvals topic
 *
 * Every target has the KMS-encrypted events DLQ and EventBridge's retry policy; the Lambda permission and the
 * queue policies name exactly the rules that may deliver; alarms on the DLQ's depth, each rule's failed
 * invocations and its failed DLQ deliveries notify the topic. Which rules exist is data (ApprovalRuleSpec), so
 * another layout can declare its own set; allInOneRules() is the set of the all-in-one stack.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import {
    approvedPattern,
    pendingApprovalPattern,
    pipelineFailedNotification,
    pipelineFailedPattern,
    rejectedNotification,
    rejectedPattern,
    type InputTransformer,
} from "../events/patterns";
import { environmentStagePatterns } from "../events/stagePatterns";
import type { StagePromotion } from "./approvalFunction";
import { eventBridgeSendPolicy, eventTargetDlqPolicy } from "../lib/approvalRulesPolicies";
import { environmentArn } from "../lib/arns";
import {
    deadLetterQueue,
    dlqDeliveryFailuresAlarmProps,
    dlqDepthAlarmProps,
    failedInvocationsAlarmProps,
    functionTarget,
    TARGET_RETRY_POLICY,
    topicAlarm,
    type ChildContext,
    type TopicAlarmProps,
} from "../lib/functionResources";
import { resourceName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import { childOptions } from "./approvalFunction";

/** One rule: its key (in child names), its role (its name `sagemaker-approval-gate-<env>-<role>`), its pattern and targets. */
export interface ApprovalRuleSpec {
    readonly key: string;
    readonly role: string;
    readonly description: string;
    /** The event pattern, JSON. */
    readonly pattern: pulumi.Input<string>;
    /** Invoke the Notifier's function. */
    readonly notify?: boolean;
    /** Put the event into the Deployer's FIFO queue (one message group per endpoint). */
    readonly deploy?: boolean;
    /** Publish to the approvals topic, with this transformer. */
    readonly topic?: InputTransformer;
}

/** Rules of the all-in-one layout (name suffixes `sagemaker-approval-gate-<env>-<role>`), in declaration order. */
export const RULE_ROLES = { pending: "pending-approval", approved: "approved", rejected: "rejected", pipelineFailed: "pipeline-failed" } as const;

/** The all-in-one layout's rules: this group's versions and this environment's pipeline. */
export function allInOneRules(environment: string, groupName: pulumi.Input<string>, pipelineArn: pulumi.Input<string>): ApprovalRuleSpec[] {
    const group = pulumi.output(groupName);
    return [
        { key: "pending", role: RULE_ROLES.pending, description: "A new version of this environment's group waits for approval", pattern: group.apply((g) => JSON.stringify(pendingApprovalPattern(g))), notify: true },
        { key: "approved", role: RULE_ROLES.approved, description: "A version of this environment's group was approved", pattern: group.apply((g) => JSON.stringify(approvedPattern(g))), deploy: true },
        {
            key: "rejected",
            role: RULE_ROLES.rejected,
            description: "A version of this environment's group was rejected",
            pattern: group.apply((g) => JSON.stringify(rejectedPattern(g))),
            deploy: true,
            topic: rejectedNotification(environment),
        },
        {
            key: "pipelineFailed",
            role: RULE_ROLES.pipelineFailed,
            description: "An execution of this environment's training pipeline failed",
            pattern: pulumi.output(pipelineArn).apply((arn) => JSON.stringify(pipelineFailedPattern(arn))),
            topic: pipelineFailedNotification(environment),
        },
    ];
}

/** Rules of an environment stack (issue 10), on the events the registry forwards: its stage's, from the registry account only. */
export const ENVIRONMENT_RULE_ROLES = { pending: "pending-approval", approved: "approved", rejected: "rejected", awaiting: "awaiting-approval" } as const;

/** The roles of an environment stack's rules: `awaiting` only after the first stage (at the first, pending asks the approvers). */
export function environmentRuleRoles(promotion: Pick<StagePromotion, "stage" | "stageOrder">): string[] {
    const roles: string[] = [ENVIRONMENT_RULE_ROLES.pending, ENVIRONMENT_RULE_ROLES.approved, ENVIRONMENT_RULE_ROLES.rejected];
    return promotion.stageOrder.indexOf(promotion.stage) > 0 ? [...roles, ENVIRONMENT_RULE_ROLES.awaiting] : roles;
}

/**
 * An environment stack's rules (infra/events/stagePatterns.ts): pending → Notifier (it pins in every environment and
 * asks the first stage's approvers), approved for this stage → Deployer, rejected (the version or this stage) →
 * Deployer (rollback) + topic, awaiting (the previous stage serves it) → Notifier. No pipeline here: no pipeline rule.
 */
export function environmentRules(environment: string, groupName: pulumi.Input<string>, promotion: StagePromotion): ApprovalRuleSpec[] {
    const patterns = pulumi.output(groupName).apply((g) =>
        environmentStagePatterns({ groupName: g, registryAccountId: promotion.registryAccountId, stage: promotion.stage, stageOrder: promotion.stageOrder }),
    );
    const at = ` (forwarded from registry account ${promotion.registryAccountId})`;
    const specs: ApprovalRuleSpec[] = [
        { key: "pending", role: ENVIRONMENT_RULE_ROLES.pending, description: `A new version of the registry's group waits for approval${at}`, pattern: patterns.apply((p) => JSON.stringify(p.pending)), notify: true },
        { key: "approved", role: ENVIRONMENT_RULE_ROLES.approved, description: `A version was approved for ${promotion.stage}${at}`, pattern: patterns.apply((p) => JSON.stringify(p.approved)), deploy: true },
        {
            key: "rejected",
            role: ENVIRONMENT_RULE_ROLES.rejected,
            description: `A version was rejected, or rejected for ${promotion.stage}${at}`,
            pattern: patterns.apply((p) => JSON.stringify(p.rejected)),
            deploy: true,
            topic: rejectedNotification(environment),
        },
    ];
    if (environmentRuleRoles(promotion).includes(ENVIRONMENT_RULE_ROLES.awaiting)) {
        specs.push({
            key: "awaiting",
            role: ENVIRONMENT_RULE_ROLES.awaiting,
            description: `A version serves the stage before ${promotion.stage} and waits for ${promotion.stage}'s approvers${at}`,
            pattern: patterns.apply((p) => JSON.stringify(p.awaiting)),
            notify: true,
        });
    }
    return specs;
}

/** The alarm on a rule's permanently failed target invocations: `<rule>-failed-invocations`. */
export function ruleFailedInvocationsAlarmName(environment: string, rule: keyof typeof RULE_ROLES): string {
    return resourceName(environment, `${RULE_ROLES[rule]}-failed-invocations`);
}

/** The alarm on a rule's failed events that EventBridge could not put into the DLQ either: `<rule>-dlq-delivery-failures`. */
export function ruleDlqDeliveryFailuresAlarmName(environment: string, rule: keyof typeof RULE_ROLES): string {
    return resourceName(environment, `${RULE_ROLES[rule]}-dlq-delivery-failures`);
}

/** Every rule of the all-in-one environment, by name: the topic policy names exactly these. */
export function ruleNames(environment: string, roles: readonly string[] = Object.values(RULE_ROLES)): string[] {
    return roles.map((role) => resourceName(environment, role));
}

/** Roles (name suffixes) of every alarm ApprovalRules makes for rules of these roles; the topic's policy must admit each. */
export function approvalRulesAlarmRoles(ruleRoles: readonly string[] = Object.values(RULE_ROLES)): string[] {
    return ["events-dlq-depth", ...ruleRoles.flatMap((rule) => [`${rule}-failed-invocations`, `${rule}-dlq-delivery-failures`])];
}

export interface ApprovalRulesArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The rules, in declaration order (allInOneRules() for the all-in-one layout). */
    readonly rules: readonly ApprovalRuleSpec[];
    /** The Notifier's function: required when a rule notifies. */
    readonly notifyFunction?: aws.lambda.Function;
    /** The Deployer's FIFO queue and its endpoint (the message group): required when a rule deploys. */
    readonly deployRequests?: { readonly queue: aws.sqs.Queue; readonly messageGroupId: string };
    /** The approvals topic; its policy must admit these rules and approvalRulesAlarmRoles(). */
    readonly topicArn: pulumi.Input<string>;
    /** The approvals CMK: the events DLQ is encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Rules of companion components (ArtifactGuard) whose targets use the events DLQ: its policy admits them. Defaults to none. */
    readonly companionRuleNames?: readonly string[];
    /** Where the children were declared before the split (ApprovalEvents): they keep their URNs through aliases. Defaults to none. */
    readonly legacyParent?: pulumi.Resource;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

export class ApprovalRules extends pulumi.ComponentResource {
    /** The rules by key. */
    readonly rules: Record<string, aws.cloudwatch.EventRule>;
    /** The DLQ of every target. */
    readonly targetsDlq: aws.sqs.Queue;

    constructor(name: string, args: ApprovalRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:approvals:ApprovalRules", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const scope = currentScope({ parent: this });
        const parent = childOptions(this, args.legacyParent);
        const children: ChildContext = { name, environment: env, tags, opts: parent };
        const alarmRoles = new Set(approvalRulesAlarmRoles(args.rules.map((r) => r.role)));
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, args.topicArn, alarmRoles, role, props);
        const specs = args.rules;

        this.targetsDlq = deadLetterQueue(children, "events-dlq", args.kmsKeyArn);
        this.rules = Object.fromEntries(
            specs.map((spec) => [spec.key, new aws.cloudwatch.EventRule(`${name}-${spec.role}`, { name: resourceName(env, spec.role), description: spec.description, eventPattern: spec.pattern, tags }, parent)]),
        );

        const deadLetterConfig = { arn: this.targetsDlq.arn };
        for (const spec of specs) {
            const rule = this.rules[spec.key];
            if (spec.notify) {
                functionTarget(children, { key: spec.key, rule, function: required(args.notifyFunction, "notifyFunction", spec), targetId: "notify-approver", dlqArn: this.targetsDlq.arn });
            }
            if (spec.deploy) {
                const requests = required(args.deployRequests, "deployRequests", spec);
                new aws.cloudwatch.EventTarget(
                    `${name}-${spec.key}-to-deploy-requests`,
                    {
                        rule: rule.name,
                        targetId: "deploy-requests",
                        arn: requests.queue.arn,
                        sqsTarget: { messageGroupId: requests.messageGroupId },
                        deadLetterConfig,
                        retryPolicy: TARGET_RETRY_POLICY,
                    },
                    parent,
                );
            }
        }
        const deployRules = specs.filter((s) => s.deploy).map((s) => this.rules[s.key].arn);
        if (args.deployRequests && deployRules.length > 0) {
            const queue = args.deployRequests.queue;
            new aws.sqs.QueuePolicy(
                `${name}-deploy-requests-policy`,
                { queueUrl: queue.url, policy: pulumi.all([queue.arn, ...deployRules]).apply(([queueArn, ...ruleArns]) => JSON.stringify(eventBridgeSendPolicy(queueArn, ruleArns))) },
                parent,
            );
        }
        for (const spec of specs) {
            if (!spec.topic) continue;
            new aws.cloudwatch.EventTarget(
                `${name}-${spec.key}-to-topic`,
                { rule: this.rules[spec.key].name, targetId: "approvals-topic", arn: args.topicArn, inputTransformer: spec.topic, deadLetterConfig, retryPolicy: TARGET_RETRY_POLICY },
                parent,
            );
        }

        const companionRules = args.companionRuleNames ?? [];
        new aws.sqs.QueuePolicy(
            `${name}-events-dlq-policy`,
            {
                queueUrl: this.targetsDlq.url,
                policy: pulumi
                    .all([this.targetsDlq.arn, scope, pulumi.all(specs.map((s) => this.rules[s.key].arn))])
                    .apply(([queueArn, s, ruleArns]) => JSON.stringify(eventTargetDlqPolicy(queueArn, [...ruleArns, ...companionRules.map((rule) => environmentArn(s, "events", `rule/${rule}`))]))),
            },
            parent,
        );

        alarm(
            "events-dlq-depth",
            dlqDepthAlarmProps(this.targetsDlq.name, `Events wait in ${resourceName(env, "events-dlq")}: an approval, deployment or notification did not go through. Inspect and redrive.`),
        );
        for (const spec of specs) {
            const ruleName = resourceName(env, spec.role);
            // A target EventBridge gave up on without reaching its DLQ: the approval, rejection or notice is gone.
            alarm(
                `${spec.role}-failed-invocations`,
                failedInvocationsAlarmProps(
                    this.rules[spec.key].name,
                    `EventBridge could not deliver events of ${ruleName} to a target: an approval, rejection or notice may be lost. Check the targets and ${resourceName(env, "events-dlq")}.`,
                ),
            );
            // Every target of every rule has the DLQ: a failed event EventBridge cannot put there either is gone.
            alarm(
                `${spec.role}-dlq-delivery-failures`,
                dlqDeliveryFailuresAlarmProps(
                    this.rules[spec.key].name,
                    `EventBridge could not put failed events of ${ruleName} into ${resourceName(env, "events-dlq")} (permissions, KMS or size): an approval, rejection or notice is lost. Check the DLQ's policy and key.`,
                ),
            );
        }

        this.registerOutputs({ ruleNames: specs.map((s) => this.rules[s.key].name) });
    }
}

function required<T>(value: T | undefined, field: string, spec: ApprovalRuleSpec): T {
    if (value === undefined) throw new Error(`ApprovalRules: rule ${spec.role} delivers to ${field === "notifyFunction" ? "the Notifier" : "the Deployer"}, but args.${field} is not set; pass it, or drop the target from the rule`);
    return value;
}
