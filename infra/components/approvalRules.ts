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
 * another layout can declare its own set; allInOneRules() is the set of the all-in-one stack (approvalRuleSpecs.ts,
 * re-exported here).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
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
import { approvalRulesAlarmRoles, type ApprovalRuleSpec } from "./approvalRuleSpecs";

export {
    allInOneRules,
    approvalRulesAlarmRoles,
    ENVIRONMENT_RULE_ROLES,
    environmentRuleRoles,
    environmentRules,
    RULE_ROLES,
    ruleDlqDeliveryFailuresAlarmName,
    ruleFailedInvocationsAlarmName,
    ruleNames,
    type ApprovalRuleSpec,
} from "./approvalRuleSpecs";

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
