/**
 * The detective control (issue 11 part 2, docs/detective-control.md):
 *
 *   CloudTrail → EventBridge "AWS API Call via CloudTrail" (source aws.sagemaker) on the default bus
 *     oob-endpoint-calls: CreateModel/CreateEndpointConfig/CreateEndpoint/UpdateEndpoint/UpdateEndpointWeightsAndCapacities/
 *                         DeleteEndpoint on this endpoint or the deploy function's names, by anyone but the deploy role ─┐
 *     oob-package-calls:  UpdateModelPackage on this account's group, by anyone but the deploy role and the package updaters ┴→
 *       out-of-band Lambda (async: retries, then its own KMS-encrypted DLQ)
 *         → AUDIT#out-of-band item in the audit table, one message to the approvals topic, metric OutOfBandChange
 *
 * plus the OUT-OF-BAND CHANGE alarm on that metric, and alarms on the function's errors, its DLQ's depth and each
 * rule's failed deliveries, all to the approvals topic. A stack declares the rules its account needs (`watch`):
 * all-in-one both, an environment stack of the promotion layout the endpoint calls, a registry stack the package calls.
 * It uses the stack's topic, CMK, audit table (the ledger) and events DLQ; their policies admit this component's rules,
 * alarms and log group by exact name through `detectiveControlCompanions(env, watch)`. Alerts only: nothing is reverted.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { outOfBandPatterns } from "../events/cloudTrailPatterns";
import {
    ASYNC_INVOCATION,
    dlqDeliveryFailuresAlarmProps,
    dlqDepthAlarmProps,
    failedInvocationsAlarmProps,
    TARGET_RETRY_POLICY,
    topicAlarm,
    type ChildContext,
    type TopicAlarmProps,
} from "../lib/functionResources";
import { endpointName as defaultEndpointName, resourceName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import { OUT_OF_BAND_METRIC } from "../../lambdas/out-of-band/settings";
import { METRIC_NAMESPACE } from "../../lambdas/shared/log";
import {
    detectiveControlAlarmRoles,
    OUT_OF_BAND_ALARM_ROLE,
    OUT_OF_BAND_FUNCTION,
    OUT_OF_BAND_RULE_DESCRIPTIONS,
    OUT_OF_BAND_RULE_KEYS,
    OUT_OF_BAND_RULE_ROLES,
    outOfBandFunctionName,
    watchScope,
    type OutOfBandRuleKey,
    type PackageUpdaterEnvironment,
} from "./detectiveControlNames";
import { outOfBandFunction } from "./outOfBandFunction";

export * from "./detectiveControlNames";

export interface DetectiveControlArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /**
     * The rules to declare: `endpointCalls` (this account's endpoint, models and configs) and `packageCalls` (this
     * account's group). Defaults to both (all-in-one); an environment stack of the promotion layout watches endpoint
     * calls (its group is the registry's), a registry stack package calls (it has no endpoint).
     */
    readonly watch?: readonly OutOfBandRuleKey[];
    /** The endpoint ApprovalEvents deploys to. Defaults to ApprovalEvents' default, `endpointName(environment)`. Ignored without endpointCalls. */
    readonly endpointName?: string;
    /** The model package group whose versions' UpdateModelPackage calls are watched (in this account); required with packageCalls. */
    readonly modelPackageGroupName?: pulumi.Input<string>;
    /**
     * Principals allowed to update this group's packages (the approvers, and e.g. a smoke-test role that rejects):
     * role or user ARNs; an assumed-role session ARN counts as its role. Defaults to none.
     */
    readonly packageUpdaterArns?: readonly string[];
    /** Roles of this account, by name, also allowed to update the group's packages (e.g. the smoke test's, which rejects a failed version). Defaults to none. */
    readonly packageUpdaterRoleNames?: readonly string[];
    /** Environment stacks (other accounts) whose deploy and smoke roles update the group's versions: a registry stack's stages. Defaults to none. */
    readonly packageUpdaterEnvironments?: readonly PackageUpdaterEnvironment[];
    /** Where the audit items go: the deployment ledger (a registry stack: its audit table). */
    readonly ledgerTableName: pulumi.Input<string>;
    readonly ledgerTableArn: pulumi.Input<string>;
    /** The approvals topic and its CMK (which also encrypts this component's DLQ and log group). */
    readonly topicArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The events DLQ of ApprovalEvents: where the rules' failed deliveries go (its policy must admit these rules). */
    readonly eventsDlqArn: pulumi.Input<string>;
    /** Retention of the function's log group, in days. Defaults to 90. */
    readonly logRetentionDays?: number;
    /** Lambda retries of a failed async invocation before it goes to the DLQ (0-2). Defaults to 2. */
    readonly maximumRetryAttempts?: number;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

export class DetectiveControl extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly functionName: pulumi.Output<string>;
    /** Where the function's failed async invocations end up (malformed records included). */
    readonly dlq: aws.sqs.Queue;
    /** The declared rules, by key (only those `watch` asks for). */
    readonly rules: Partial<Record<OutOfBandRuleKey, aws.cloudwatch.EventRule>>;
    /** OUT-OF-BAND CHANGE: metric OutOfBandChange > 0 in a minute. */
    readonly outOfBandAlarm: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: DetectiveControlArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:detective:DetectiveControl", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const parent = { parent: this };
        const children: ChildContext = { name, environment: env, tags, opts: parent };
        const scope = currentScope(parent);
        const fnName = outOfBandFunctionName(env);
        const watch = args.watch ?? OUT_OF_BAND_RULE_KEYS;
        const watched = pulumi.all([scope, args.modelPackageGroupName]).apply(([s, groupName]) =>
            watchScope({ scope: s, environment: env, endpointName: args.endpointName ?? defaultEndpointName(env), groupName, packageUpdaterArns: args.packageUpdaterArns ?? [], packageUpdaterRoleNames: args.packageUpdaterRoleNames, packageUpdaterEnvironments: args.packageUpdaterEnvironments, rules: watch }),
        );

        const fn = outOfBandFunction({
            children,
            scope,
            watched,
            ledgerTableName: args.ledgerTableName,
            ledgerTableArn: args.ledgerTableArn,
            topicArn: args.topicArn,
            kmsKeyArn: args.kmsKeyArn,
            logRetentionDays: args.logRetentionDays ?? 90,
            maximumRetryAttempts: args.maximumRetryAttempts ?? ASYNC_INVOCATION.maximumRetryAttempts,
        });
        this.function = fn.function;
        this.dlq = fn.dlq;
        this.functionName = this.function.name;

        const patterns = watched.apply((w) => outOfBandPatterns(w.resources, w.trusted, watch));
        const rule = (key: OutOfBandRuleKey, description: string) => {
            const ruleResource = new aws.cloudwatch.EventRule(
                `${name}-${OUT_OF_BAND_RULE_ROLES[key]}`,
                { name: resourceName(env, OUT_OF_BAND_RULE_ROLES[key]), description, eventPattern: patterns.apply((p) => JSON.stringify(p[key])), tags },
                parent,
            );
            const permission = new aws.lambda.Permission(
                `${name}-${key}-invokes-${OUT_OF_BAND_FUNCTION}`,
                { action: "lambda:InvokeFunction", function: this.function.name, principal: "events.amazonaws.com", sourceArn: ruleResource.arn },
                parent,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${key}-to-${OUT_OF_BAND_FUNCTION}`,
                { rule: ruleResource.name, targetId: OUT_OF_BAND_FUNCTION, arn: this.function.arn, deadLetterConfig: { arn: args.eventsDlqArn }, retryPolicy: TARGET_RETRY_POLICY },
                { parent: this, dependsOn: [permission] },
            );
            return ruleResource;
        };
        this.rules = Object.fromEntries(watch.map((key) => [key, rule(key, OUT_OF_BAND_RULE_DESCRIPTIONS[key])]));

        const alarmRoles = new Set(detectiveControlAlarmRoles(watch));
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, args.topicArn, alarmRoles, role, props);
        this.outOfBandAlarm = alarm(OUT_OF_BAND_ALARM_ROLE, {
            alarmDescription: `OUT-OF-BAND CHANGE in ${env}: a SageMaker endpoint or model package change that did not go through the approval gate. See the message on the approvals topic (who, what, which resource) and the ledger's AUDIT#out-of-band items.`,
            namespace: METRIC_NAMESPACE,
            metricName: OUT_OF_BAND_METRIC,
            dimensions: { Environment: env },
            statistic: "Sum",
            period: 60,
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
        });
        alarm(`${OUT_OF_BAND_FUNCTION}-errors`, {
            alarmDescription: pulumi.interpolate`${fnName} failed; failed events are retried, then kept in ${this.dlq.name}: an out-of-band change may be unreported`,
            namespace: "AWS/Lambda",
            metricName: "Errors",
            dimensions: { FunctionName: fnName },
            statistic: "Sum",
            period: 300,
            okActions: [args.topicArn],
        });
        alarm(
            `${OUT_OF_BAND_FUNCTION}-dlq-depth`,
            dlqDepthAlarmProps(this.dlq.name, `CloudTrail records wait in ${resourceName(env, `${OUT_OF_BAND_FUNCTION}-dlq`)}: an out-of-band SageMaker call was not reported (or its record could not be read). Inspect and redrive.`),
        );
        for (const key of watch) {
            const ruleName = resourceName(env, OUT_OF_BAND_RULE_ROLES[key]);
            const declared = this.rules[key]!;
            alarm(`${OUT_OF_BAND_RULE_ROLES[key]}-failed-invocations`, failedInvocationsAlarmProps(declared.name, `EventBridge could not deliver events of ${ruleName} to ${fnName}: an out-of-band change may be unreported. Check ${resourceName(env, "events-dlq")}.`));
            alarm(`${OUT_OF_BAND_RULE_ROLES[key]}-dlq-delivery-failures`, dlqDeliveryFailuresAlarmProps(declared.name, `EventBridge could not put failed events of ${ruleName} into ${resourceName(env, "events-dlq")}: an out-of-band change report is lost. Check the DLQ's policy and key.`));
        }

        this.registerOutputs({ functionName: this.functionName, dlqArn: this.dlq.arn, outOfBandAlarmName: this.outOfBandAlarm.name });
    }
}
