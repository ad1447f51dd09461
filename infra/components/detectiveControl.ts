/**
 * The detective control for one environment (issue 11 part 2, docs/detective-control.md):
 *
 *   CloudTrail → EventBridge "AWS API Call via CloudTrail" (source aws.sagemaker) on the default bus
 *     oob-endpoint-calls: CreateModel/CreateEndpointConfig/CreateEndpoint/UpdateEndpoint/UpdateEndpointWeightsAndCapacities/
 *                         DeleteEndpoint on this endpoint or the deploy function's names, by anyone but the deploy role ─┐
 *     oob-package-calls:  UpdateModelPackage on this group, by anyone but the deploy role and the package updaters ───┴→
 *       out-of-band Lambda (async: retries, then its own KMS-encrypted DLQ)
 *         → AUDIT#out-of-band item in the deployment ledger, one message to the approvals topic, metric OutOfBandChange
 *
 * plus the OUT-OF-BAND CHANGE alarm on that metric, and alarms on the function's errors, its DLQ's depth and each
 * rule's failed deliveries, all to the approvals topic. It uses ApprovalEvents' topic, CMK, ledger and events DLQ;
 * their policies admit this component's rules, alarms and log group by exact name through
 * `detectiveControlCompanions(env)`, which the program passes to ApprovalEvents. Alerts only: nothing is reverted.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { outOfBandPatterns } from "../events/cloudTrailPatterns";
import { lambdaAssumeRolePolicy } from "../lib/functionPolicies";
import { modelPackageArnPattern, principalArnForCondition, type AwsScope } from "../lib/arns";
import { lambdaArchive, LAMBDA_RUNTIME } from "../lib/bundle";
import { outOfBandPolicy } from "../lib/detectiveControlPolicies";
import {
    ASYNC_INVOCATION,
    deadLetterQueue,
    dlqDeliveryFailuresAlarmProps,
    dlqDepthAlarmProps,
    failedInvocationsAlarmProps,
    TARGET_RETRY_POLICY,
    topicAlarm,
    type ChildContext,
    type TopicAlarmProps,
} from "../lib/functionResources";
import { deployedResourcePrefix, endpointName as defaultEndpointName, resourceName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import type { TrustedPrincipals, WatchedResources } from "../../lambdas/out-of-band/calls";
import { OUT_OF_BAND_METRIC, OUT_OF_BAND_TIMEOUT_SECONDS } from "../../lambdas/out-of-band/settings";
import { METRIC_NAMESPACE } from "../../lambdas/shared/log";
import type { CompanionResources } from "./approvalEvents";

export interface DetectiveControlArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The endpoint ApprovalEvents deploys to. Defaults to ApprovalEvents' default, `endpointName(environment)`. */
    readonly endpointName?: string;
    /** The model package group whose versions' UpdateModelPackage calls are watched (in this account). */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /**
     * Principals allowed to update this group's packages (the approvers, and e.g. a smoke-test role that rejects):
     * role or user ARNs; an assumed-role session ARN counts as its role. Defaults to none.
     */
    readonly packageUpdaterArns?: readonly string[];
    /** Roles of this account, by name, also allowed to update the group's packages (e.g. the smoke test's, which rejects a failed version). Defaults to none. */
    readonly packageUpdaterRoleNames?: readonly string[];
    /** The deployment ledger (audit items). */
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

/** The function's name suffix (also its bundle in LAMBDA_ENTRIES). */
export const OUT_OF_BAND_FUNCTION = "out-of-band";

/** Rules (name suffixes `sagemaker-approval-gate-<env>-<role>`, at most 64 characters), by the key outOfBandPatterns() gives their patterns. */
export const OUT_OF_BAND_RULE_ROLES = { endpointCalls: "oob-endpoint-calls", packageCalls: "oob-package-calls" } as const;

/** The alarm approvers get within minutes of an out-of-band call. */
export const OUT_OF_BAND_ALARM_ROLE = "out-of-band-change";

/** The deploy function's role: the one principal whose endpoint calls are the gate's own (ApprovalEvents names it after its function). */
export function deployRoleArn(scope: AwsScope, environment: string): string {
    return `arn:${scope.partition}:iam::${scope.accountId}:role/${resourceName(environment, "deploy-approved")}`;
}

/** What the rules and the function watch and trust, from plain strings (pure). */
export function watchScope(input: { readonly scope: AwsScope; readonly environment: string; readonly endpointName: string; readonly groupName: string; readonly packageUpdaterArns: readonly string[]; readonly packageUpdaterRoleNames?: readonly string[] }): {
    resources: WatchedResources;
    trusted: TrustedPrincipals;
} {
    return {
        resources: {
            endpointName: input.endpointName,
            deployedNamePrefix: `${deployedResourcePrefix(input.environment)}-`,
            modelPackageArnPrefix: modelPackageArnPattern(input.scope, input.groupName).replace(/\*$/, ""),
        },
        trusted: { deployRoleArn: deployRoleArn(input.scope, input.environment), packageUpdaterArns: [
                ...new Set([
                    ...input.packageUpdaterArns.map(principalArnForCondition),
                    ...(input.packageUpdaterRoleNames ?? []).map((role) => `arn:${input.scope.partition}:iam::${input.scope.accountId}:role/${role}`),
                ]),
            ].sort(),
        },
    };
}

/** Roles (name suffixes) of every alarm the component makes; the topic policy admits exactly these (through the companions). */
export function detectiveControlAlarmRoles(): string[] {
    return [
        OUT_OF_BAND_ALARM_ROLE,
        `${OUT_OF_BAND_FUNCTION}-errors`,
        `${OUT_OF_BAND_FUNCTION}-dlq-depth`,
        ...Object.values(OUT_OF_BAND_RULE_ROLES).flatMap((rule) => [`${rule}-failed-invocations`, `${rule}-dlq-delivery-failures`]),
    ];
}

export function outOfBandFunctionName(environment: string): string {
    return resourceName(environment, OUT_OF_BAND_FUNCTION);
}

export function outOfBandLogGroupName(environment: string): string {
    return `/aws/lambda/${outOfBandFunctionName(environment)}`;
}

/** What ApprovalEvents' events DLQ, topic and CMK policies must admit of this component, by exact name. */
export function detectiveControlCompanions(environment: string): CompanionResources {
    return {
        ruleNames: Object.values(OUT_OF_BAND_RULE_ROLES).map((role) => resourceName(environment, role)),
        alarmNames: detectiveControlAlarmRoles().map((role) => resourceName(environment, role)),
        logGroupNames: [outOfBandLogGroupName(environment)],
    };
}

/** Several companions as one (the program passes ApprovalEvents a single set). */
export function mergeCompanions(...all: readonly CompanionResources[]): CompanionResources {
    return { ruleNames: all.flatMap((c) => c.ruleNames), alarmNames: all.flatMap((c) => c.alarmNames), logGroupNames: all.flatMap((c) => c.logGroupNames) };
}

/** The function's environment variables (lambdas/out-of-band/settings.ts reads them once). Pure. */
export function outOfBandFunctionEnvironment(input: {
    readonly environment: string;
    readonly ledgerTableName: string;
    readonly topicArn: string;
    readonly resources: WatchedResources;
    readonly trusted: TrustedPrincipals;
}): Record<string, string> {
    return {
        ENVIRONMENT: input.environment,
        LEDGER_TABLE_NAME: input.ledgerTableName,
        TOPIC_ARN: input.topicArn,
        ENDPOINT_NAME: input.resources.endpointName,
        DEPLOYED_NAME_PREFIX: input.resources.deployedNamePrefix,
        MODEL_PACKAGE_ARN_PREFIX: input.resources.modelPackageArnPrefix,
        DEPLOY_ROLE_ARN: input.trusted.deployRoleArn,
        PACKAGE_UPDATER_ARNS: input.trusted.packageUpdaterArns.join(","),
    };
}

export class DetectiveControl extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly functionName: pulumi.Output<string>;
    /** Where the function's failed async invocations end up (malformed records included). */
    readonly dlq: aws.sqs.Queue;
    readonly rules: Record<keyof typeof OUT_OF_BAND_RULE_ROLES, aws.cloudwatch.EventRule>;
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
        const watched = pulumi.all([scope, args.modelPackageGroupName]).apply(([s, groupName]) =>
            watchScope({ scope: s, environment: env, endpointName: args.endpointName ?? defaultEndpointName(env), groupName, packageUpdaterArns: args.packageUpdaterArns ?? [], packageUpdaterRoleNames: args.packageUpdaterRoleNames }),
        );

        this.dlq = deadLetterQueue(children, `${OUT_OF_BAND_FUNCTION}-dlq`, args.kmsKeyArn);
        this.function = this.outOfBandFunction(name, args, tags, scope, watched);
        this.functionName = this.function.name;
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-${OUT_OF_BAND_FUNCTION}-async`,
            {
                functionName: this.function.name,
                maximumRetryAttempts: args.maximumRetryAttempts ?? ASYNC_INVOCATION.maximumRetryAttempts,
                maximumEventAgeInSeconds: ASYNC_INVOCATION.maximumEventAgeInSeconds,
                destinationConfig: { onFailure: { destination: this.dlq.arn } },
            },
            parent,
        );

        const patterns = watched.apply((w) => outOfBandPatterns(w.resources, w.trusted));
        const rule = (key: keyof typeof OUT_OF_BAND_RULE_ROLES, description: string) => {
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
        this.rules = {
            endpointCalls: rule("endpointCalls", "CloudTrail: a SageMaker call on this environment's endpoint, or on a model or endpoint config under the deploy function's names, by anyone but the deploy function"),
            packageCalls: rule("packageCalls", "CloudTrail: UpdateModelPackage on this environment's group by anyone but the deploy function and the approvers"),
        };

        const alarmRoles = new Set(detectiveControlAlarmRoles());
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
        for (const key of Object.keys(OUT_OF_BAND_RULE_ROLES) as (keyof typeof OUT_OF_BAND_RULE_ROLES)[]) {
            const ruleName = resourceName(env, OUT_OF_BAND_RULE_ROLES[key]);
            alarm(`${OUT_OF_BAND_RULE_ROLES[key]}-failed-invocations`, failedInvocationsAlarmProps(this.rules[key].name, `EventBridge could not deliver events of ${ruleName} to ${fnName}: an out-of-band change may be unreported. Check ${resourceName(env, "events-dlq")}.`));
            alarm(`${OUT_OF_BAND_RULE_ROLES[key]}-dlq-delivery-failures`, dlqDeliveryFailuresAlarmProps(this.rules[key].name, `EventBridge could not put failed events of ${ruleName} into ${resourceName(env, "events-dlq")}: an out-of-band change report is lost. Check the DLQ's policy and key.`));
        }

        this.registerOutputs({ functionName: this.functionName, dlqArn: this.dlq.arn, outOfBandAlarmName: this.outOfBandAlarm.name });
    }

    /** The function with its encrypted log group and its own role (scoped by outOfBandPolicy). */
    private outOfBandFunction(name: string, args: DetectiveControlArgs, tags: Record<string, string>, scope: pulumi.Output<AwsScope>, watched: pulumi.Output<ReturnType<typeof watchScope>>): aws.lambda.Function {
        const env = args.environment;
        const fnName = outOfBandFunctionName(env);
        const parent = { parent: this };
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-${OUT_OF_BAND_FUNCTION}-logs`,
            { name: outOfBandLogGroupName(env), retentionInDays: args.logRetentionDays ?? 90, kmsKeyId: args.kmsKeyArn, tags },
            parent,
        );
        const role = new aws.iam.Role(
            `${name}-${OUT_OF_BAND_FUNCTION}-role`,
            { name: fnName, description: `Runs the ${fnName} function`, assumeRolePolicy: scope.apply((s) => JSON.stringify(lambdaAssumeRolePolicy(s))), tags },
            parent,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-${OUT_OF_BAND_FUNCTION}-policy`,
            {
                role: role.name,
                policy: pulumi
                    .all([scope, args.ledgerTableArn, args.topicArn, args.kmsKeyArn, this.dlq.arn])
                    .apply(([s, ledgerTableArn, topicArn, kmsKeyArn, dlqArn]) => JSON.stringify(outOfBandPolicy({ scope: s, logGroupName: outOfBandLogGroupName(env), ledgerTableArn, topicArn, kmsKeyArn, dlqArn }))),
            },
            parent,
        );
        return new aws.lambda.Function(
            `${name}-${OUT_OF_BAND_FUNCTION}`,
            {
                name: fnName,
                description: "Reports SageMaker endpoint and model package changes made outside the approval gate (CloudTrail); records them in the ledger's audit trail",
                runtime: LAMBDA_RUNTIME,
                architectures: ["arm64"],
                handler: "index.handler",
                code: lambdaArchive(OUT_OF_BAND_FUNCTION),
                role: role.arn,
                memorySize: 256,
                timeout: OUT_OF_BAND_TIMEOUT_SECONDS,
                loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
                environment: {
                    variables: pulumi
                        .all([args.ledgerTableName, args.topicArn, watched])
                        .apply(([ledgerTableName, topicArn, w]) => outOfBandFunctionEnvironment({ environment: env, ledgerTableName, topicArn, resources: w.resources, trusted: w.trusted })),
                },
                tags,
            },
            { parent: this, dependsOn: [logGroup, rolePolicy] },
        );
    }
}
