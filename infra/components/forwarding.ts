/**
 * The registry → environment hop (issue 10): in the registry account, one EventBridge rule per environment account
 * forwarding the group's SageMaker package events and the artifacts bucket's S3 / the account's ECR tamper events
 * (infra/events/stagePatterns.ts forwardingPattern) to that account's default bus, through a role EventBridge
 * assumes (promotionEventPolicies.ts: PutEvents on exactly those buses). Every target has a KMS-encrypted DLQ and
 * EventBridge's retry policy; alarms on the DLQ's depth, each rule's failed invocations and failed DLQ deliveries
 * notify the approvals topic (a hop that fails means an environment never hears of an approval).
 *
 * The environment side admits the registry account on its default bus (aws.cloudwatch.EventBusPolicy, environment stack).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { forwardingPattern } from "../events/stagePatterns";
import { eventTargetDlqPolicy } from "../lib/approvalRulesPolicies";
import {
    deadLetterQueue,
    dlqDeliveryFailuresAlarmProps,
    dlqDepthAlarmProps,
    failedInvocationsAlarmProps,
    TARGET_RETRY_POLICY,
    topicAlarm,
    type ChildContext,
    type TopicAlarmProps,
} from "../lib/functionResources";
import { resourceName } from "../lib/naming";
import { defaultBusArn, forwardingRoleAssumePolicy, forwardingRolePolicy } from "../lib/promotionEventPolicies";
import { currentScope } from "../lib/scope";

/** An environment stack the registry forwards to: its name (in the rule's) and its account. */
export interface ForwardingTarget {
    readonly environment: string;
    readonly accountId: string;
}

export interface ForwardingArgs {
    /** The registry stack's environment name, part of every name. */
    readonly environment: string;
    /** The environment accounts, one rule each (several stages in one account share it). At least one. */
    readonly targets: readonly ForwardingTarget[];
    /** The registry's group (its own spelling). */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /** The artifacts bucket and the pipeline whose outputs are watched (its name is the key prefix). */
    readonly artifactsBucketName: pulumi.Input<string>;
    readonly pipelineName: pulumi.Input<string>;
    /** The approvals topic the alarms notify; its policy must admit forwardingAlarmRoles(). */
    readonly topicArn: pulumi.Input<string>;
    /** The approvals CMK: the DLQ is encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** One rule per distinct account, named after the first environment in it: `forward-<environment>`. */
export function distinctTargets(targets: readonly ForwardingTarget[]): ForwardingTarget[] {
    const byAccount = new Map<string, ForwardingTarget>();
    for (const t of targets) if (!byAccount.has(t.accountId)) byAccount.set(t.accountId, t);
    return [...byAccount.values()];
}

/** Roles (name suffixes) of the forwarding rules. */
export function forwardingRuleRoles(targets: readonly ForwardingTarget[]): string[] {
    return distinctTargets(targets).map((t) => `forward-${t.environment}`);
}

/** Roles of every alarm Forwarding makes; the topic's policy must admit each by name. */
export function forwardingAlarmRoles(targets: readonly ForwardingTarget[]): string[] {
    return ["forwarding-dlq-depth", ...forwardingRuleRoles(targets).flatMap((rule) => [`${rule}-failed-invocations`, `${rule}-dlq-delivery-failures`])];
}

export class Forwarding extends pulumi.ComponentResource {
    readonly rules: aws.cloudwatch.EventRule[];
    readonly role: aws.iam.Role;
    readonly dlq: aws.sqs.Queue;

    constructor(name: string, args: ForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:promotion:Forwarding", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const scope = currentScope({ parent: this });
        const parent = { parent: this };
        const children: ChildContext = { name, environment: env, tags, opts: parent };
        const targets = distinctTargets(args.targets);
        if (targets.length === 0) throw new Error("Forwarding: at least one environment account is required (promotion.stages)");
        const alarmRoles = new Set(forwardingAlarmRoles(targets));
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, args.topicArn, alarmRoles, role, props);

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: resourceName(env, "forwarding"),
                description: "EventBridge puts the registry's events on the environment accounts' default buses",
                assumeRolePolicy: scope.apply((s) => JSON.stringify(forwardingRoleAssumePolicy(s))),
                tags,
            },
            parent,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-role-policy`,
            {
                role: this.role.name,
                policy: scope.apply((s) => JSON.stringify(forwardingRolePolicy({ partition: s.partition, region: s.region, environmentAccountIds: targets.map((t) => t.accountId) }))),
            },
            parent,
        );
        this.dlq = deadLetterQueue(children, "forwarding-dlq", args.kmsKeyArn);

        const pattern = pulumi
            .all([scope, args.modelPackageGroupName, args.artifactsBucketName, args.pipelineName])
            .apply(([s, groupName, bucket, pipelineName]) =>
                JSON.stringify(forwardingPattern({ groupName, registryAccountId: s.accountId, artifactsBucketName: bucket, outputFolder: pipelineName })),
            );
        this.rules = targets.map((target) => {
            const role = `forward-${target.environment}`;
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${role}`,
                { name: resourceName(env, role), description: `Forwards the group's package events and the artifacts' tamper events to account ${target.accountId} (${target.environment})`, eventPattern: pattern, tags },
                parent,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${role}-to-bus`,
                {
                    rule: rule.name,
                    targetId: `bus-${target.accountId}`,
                    arn: scope.apply((s) => defaultBusArn(s.partition, s.region, target.accountId)),
                    roleArn: this.role.arn,
                    deadLetterConfig: { arn: this.dlq.arn },
                    retryPolicy: TARGET_RETRY_POLICY,
                },
                { parent: this, dependsOn: [rolePolicy] },
            );
            alarm(
                `${role}-failed-invocations`,
                failedInvocationsAlarmProps(rule.name, `EventBridge could not forward events to account ${target.accountId} (${target.environment}): it may never hear of an approval. Check its bus policy and ${resourceName(env, "forwarding-dlq")}.`),
            );
            alarm(
                `${role}-dlq-delivery-failures`,
                dlqDeliveryFailuresAlarmProps(rule.name, `EventBridge could not put failed forwards to account ${target.accountId} into ${resourceName(env, "forwarding-dlq")}: an approval is lost for ${target.environment}. Check the DLQ's policy and key.`),
            );
            return rule;
        });
        new aws.sqs.QueuePolicy(
            `${name}-forwarding-dlq-policy`,
            { queueUrl: this.dlq.url, policy: pulumi.all([this.dlq.arn, ...this.rules.map((r) => r.arn)]).apply(([queueArn, ...ruleArns]) => JSON.stringify(eventTargetDlqPolicy(queueArn, ruleArns))) },
            parent,
        );
        alarm("forwarding-dlq-depth", dlqDepthAlarmProps(this.dlq.name, `Forwarded events wait in ${resourceName(env, "forwarding-dlq")}: an environment did not get an approval or tamper event. Inspect and redrive.`));

        this.registerOutputs({ ruleNames: this.rules.map((r) => r.name), roleArn: this.role.arn });
    }
}
