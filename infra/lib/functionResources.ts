/**
 * The operational pieces every event-driven function of the stack shares (ApprovalEvents, ArtifactGuard, ...): a
 * KMS-encrypted dead-letter queue, an alarm that notifies the approvals topic, the alarms on a rule's failed
 * deliveries, the async-invocation settings, a rule invoking a function, and EventBridge's retry policy for targets. One place, so all
 * components deliver, retry and alarm the same way.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { resourceName } from "./naming";

/** EventBridge's own retries before a delivery goes to the target DLQ. */
export const TARGET_RETRY_POLICY = { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 };

/** Lambda's handling of a failed async invocation: retries (0-2, default 2) within 6 hours, then the on-failure destination. */
export const ASYNC_INVOCATION = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 6 * 3600 };

/** Where a component's children go and what they carry. */
export interface ChildContext {
    /** The component's name: children are `<name>-<role>`. */
    readonly name: string;
    readonly environment: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly opts: pulumi.CustomResourceOptions;
}

/** A dead-letter queue `<prefix>-<role>` (`.fifo` behind a FIFO queue), encrypted with `keyArn`, kept 14 days. */
export function deadLetterQueue(ctx: ChildContext, role: string, keyArn: pulumi.Input<string>, fifo = false): aws.sqs.Queue {
    return new aws.sqs.Queue(
        `${ctx.name}-${role}`,
        {
            name: fifo ? `${resourceName(ctx.environment, role)}.fifo` : resourceName(ctx.environment, role),
            ...(fifo ? { fifoQueue: true } : {}),
            kmsMasterKeyId: keyArn,
            kmsDataKeyReusePeriodSeconds: 300,
            messageRetentionSeconds: 14 * 24 * 3600,
            tags: { ...ctx.tags },
        },
        ctx.opts,
    );
}

export type TopicAlarmProps = Omit<aws.cloudwatch.MetricAlarmArgs, "name" | "alarmActions" | "treatMissingData" | "tags">;

/**
 * An alarm `<prefix>-<role>` to the topic; missing data is not a breach; by default, once in one period is enough.
 * The topic policy admits alarms by exact ARN, so `allowedRoles` (what the component told the topic) must hold `role`.
 */
export function topicAlarm(ctx: ChildContext, topicArn: pulumi.Input<string>, allowedRoles: ReadonlySet<string>, role: string, props: TopicAlarmProps): aws.cloudwatch.MetricAlarm {
    if (!allowedRoles.has(role)) {
        throw new Error(`${ctx.name}: alarm role ${role} is not among the alarms the topic policy admits, so its notifications would be refused; add it there`);
    }
    return new aws.cloudwatch.MetricAlarm(
        `${ctx.name}-${role}`,
        {
            name: resourceName(ctx.environment, role),
            evaluationPeriods: 1,
            threshold: 1,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
            alarmActions: [topicArn],
            tags: { ...ctx.tags },
            ...props,
        },
        ctx.opts,
    );
}

/** A target EventBridge gave up on without reaching its DLQ (`<rule role>-failed-invocations`). */
export function failedInvocationsAlarmProps(ruleName: pulumi.Input<string>, description: string): TopicAlarmProps {
    return {
        alarmDescription: description,
        namespace: "AWS/Events",
        metricName: "FailedInvocations",
        dimensions: { RuleName: ruleName },
        statistic: "Sum",
        period: 300,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
    };
}

/** A failed event EventBridge could not put into the DLQ either (`<rule role>-dlq-delivery-failures`). */
export function dlqDeliveryFailuresAlarmProps(ruleName: pulumi.Input<string>, description: string): TopicAlarmProps {
    return { ...failedInvocationsAlarmProps(ruleName, description), metricName: "InvocationsFailedToBeSentToDlq" };
}

/** Events wait in a dead-letter queue (`<queue role>-depth`). */
export function dlqDepthAlarmProps(queueName: pulumi.Input<string>, description: string): TopicAlarmProps {
    return { alarmDescription: description, namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: queueName }, statistic: "Maximum", period: 60 };
}

/** A function an EventBridge rule invokes: `<name>-<key>-invokes-<targetId>` (the permission) and `<name>-<key>-to-<targetId>` (the target). */
export interface FunctionTargetInput {
    /** The rule's key in the children's names. */
    readonly key: string;
    readonly rule: aws.cloudwatch.EventRule;
    readonly function: aws.lambda.Function;
    /** The target's id on the rule, also in the children's names: the function's role (its name suffix). */
    readonly targetId: string;
    /** Where EventBridge puts the events it could not deliver (its policy must admit the rule). */
    readonly dlqArn: pulumi.Input<string>;
}

/**
 * The permission for a rule to invoke a function and the target that does, with the DLQ and TARGET_RETRY_POLICY.
 * The target waits for the permission: EventBridge's first delivery would otherwise be refused.
 */
export function functionTarget(ctx: ChildContext, input: FunctionTargetInput): aws.cloudwatch.EventTarget {
    const { key, rule, targetId } = input;
    const permission = new aws.lambda.Permission(
        `${ctx.name}-${key}-invokes-${targetId}`,
        { action: "lambda:InvokeFunction", function: input.function.name, principal: "events.amazonaws.com", sourceArn: rule.arn },
        ctx.opts,
    );
    return new aws.cloudwatch.EventTarget(
        `${ctx.name}-${key}-to-${targetId}`,
        { rule: rule.name, targetId, arn: input.function.arn, deadLetterConfig: { arn: input.dlqArn }, retryPolicy: TARGET_RETRY_POLICY },
        { ...ctx.opts, dependsOn: [permission] },
    );
}

/** A rule `<name>-<role>` (named `resourceName(environment, role)`) whose one target is a function. */
export interface RuleToFunctionInput extends Omit<FunctionTargetInput, "rule"> {
    readonly role: string;
    readonly description: pulumi.Input<string>;
    /** The event pattern, JSON. */
    readonly eventPattern: pulumi.Input<string>;
}

/** The rule, the permission and the target (functionTarget) of a rule that invokes one function. */
export function ruleToFunction(ctx: ChildContext, input: RuleToFunctionInput): aws.cloudwatch.EventRule {
    const rule = new aws.cloudwatch.EventRule(
        `${ctx.name}-${input.role}`,
        { name: resourceName(ctx.environment, input.role), description: input.description, eventPattern: input.eventPattern, tags: { ...ctx.tags } },
        ctx.opts,
    );
    functionTarget(ctx, { ...input, rule });
    return rule;
}
