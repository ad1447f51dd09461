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
import { ASYNC_INVOCATION, ruleToFunction, type ChildContext } from "../lib/functionResources";
import { endpointName as defaultEndpointName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import {
    OUT_OF_BAND_FUNCTION,
    OUT_OF_BAND_RULE_DESCRIPTIONS,
    OUT_OF_BAND_RULE_KEYS,
    OUT_OF_BAND_RULE_ROLES,
    REGISTRY_PACKAGE_CALLS_DESCRIPTION,
    watchScope,
    type OutOfBandRuleKey,
    type PackageUpdaterEnvironment,
} from "./detectiveControlNames";
import { outOfBandAlarms } from "./outOfBandAlarms";
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
        const rule = (key: OutOfBandRuleKey) =>
            ruleToFunction(children, {
                key,
                role: OUT_OF_BAND_RULE_ROLES[key],
                description: key === "packageCalls" && !watch.includes("endpointCalls") ? REGISTRY_PACKAGE_CALLS_DESCRIPTION : OUT_OF_BAND_RULE_DESCRIPTIONS[key],
                eventPattern: patterns.apply((p) => JSON.stringify(p[key])),
                function: this.function,
                targetId: OUT_OF_BAND_FUNCTION,
                dlqArn: args.eventsDlqArn,
            });
        this.rules = Object.fromEntries(watch.map((key) => [key, rule(key)]));

        this.outOfBandAlarm = outOfBandAlarms(children, { topicArn: args.topicArn, watch, dlqName: this.dlq.name, rules: this.rules });

        this.registerOutputs({ functionName: this.functionName, dlqArn: this.dlq.arn, outOfBandAlarmName: this.outOfBandAlarm.name });
    }
}
