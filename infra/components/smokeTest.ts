/**
 * The post-deploy smoke test of one environment (issue 11, docs/smoke-test.md):
 *
 *   SageMaker Endpoint State Change (this endpoint, InService) → smoke-test Lambda (async: retries, then its own
 *   KMS-encrypted DLQ) → invokes the live version with its sample payloads → the ledger (SMOKE# records), one message
 *   to the approvals topic, and on a failure UpdateModelPackage Rejected, which the existing rejection rule and deploy
 *   queue turn into a rollback.
 *
 * plus alarms on a failed and on a skipped smoke test, the function's errors, its DLQ's depth and the rule's failed
 * deliveries, all to the approvals topic. It uses ApprovalEvents' topic, CMK, ledger and events DLQ; their policies
 * admit this component's rule, alarms and log group by exact name through `smokeTestCompanions(env)`.
 *
 * In an environment stack of the promotion layout (`promotion`), a failure rejects this environment's stage of the
 * registry's version (ModelLifeCycle {stage, Rejected}), not the version; the role may do only that there.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { endpointInServicePattern } from "../events/endpointPatterns";
import { lambdaAssumeRolePolicy } from "../lib/functionPolicies";
import type { AwsScope } from "../lib/arns";
import { lambdaArchive, LAMBDA_RUNTIME } from "../lib/bundle";
import {
    ASYNC_INVOCATION,
    deadLetterQueue,
    dlqDeliveryFailuresAlarmProps,
    dlqDepthAlarmProps,
    failedInvocationsAlarmProps,
    ruleToFunction,
    topicAlarm,
    type ChildContext,
    type TopicAlarmProps,
} from "../lib/functionResources";
import { resourceName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import type { SmokeTestSettings } from "../lib/smokeTestConfig";
import { smokeTestPolicy } from "../lib/smokeTestPolicies";
import { METRIC_NAMESPACE } from "../../lambdas/shared/log";
import { SMOKE_FAILED_METRIC, SMOKE_NOT_RUN_METRIC, SMOKE_TIMEOUT_SECONDS, type SmokeTestOptions } from "../../lambdas/smoke-test/settings";
import type { CompanionResources } from "./approvalEvents";
import { registryScope, stageVariables, type StagePromotion } from "./approvalFunction";

export interface SmokeTestArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The endpoint ApprovalEvents deploys to (its `endpointName`): the one tested, the only one the role may invoke. */
    readonly endpointName: string;
    /** The group this environment deploys from: the only versions the role may reject. */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /** The deployment ledger (CURRENT, and the SMOKE# results). */
    readonly ledgerTableName: pulumi.Input<string>;
    readonly ledgerTableArn: pulumi.Input<string>;
    /** The approvals topic and its CMK (which also encrypts this component's DLQ and log group). */
    readonly topicArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The events DLQ of ApprovalEvents: where the rule's failed deliveries go (its policy must admit this rule). */
    readonly eventsDlqArn: pulumi.Input<string>;
    /** The validated `smokeTest` stack key. */
    readonly settings: SmokeTestSettings;
    /** An environment stack's stage and registry: a failure rejects the stage on the registry's version. Defaults to none (all-in-one). */
    readonly promotion?: StagePromotion;
    /** Retention of the function's log group, in days. Defaults to 90. */
    readonly logRetentionDays?: number;
    /** Lambda retries of a failed async invocation before it goes to the DLQ (0-2). Defaults to 2. */
    readonly maximumRetryAttempts?: number;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** The function's name suffix (also its bundle in LAMBDA_ENTRIES). */
export const SMOKE_FUNCTION = "smoke-test";
/** The rule's name suffix. */
export const SMOKE_RULE = "endpoint-in-service";

export function smokeTestAlarmRoles(): string[] {
    return ["smoke-test-failed", "smoke-test-not-run", `${SMOKE_FUNCTION}-errors`, `${SMOKE_FUNCTION}-dlq-depth`, `${SMOKE_RULE}-failed-invocations`, `${SMOKE_RULE}-dlq-delivery-failures`];
}

export const smokeFunctionName = (environment: string) => resourceName(environment, SMOKE_FUNCTION);
export const smokeLogGroupName = (environment: string) => `/aws/lambda/${smokeFunctionName(environment)}`;

/** What ApprovalEvents' events DLQ, topic and CMK policies must admit of this component, by exact name. */
export function smokeTestCompanions(environment: string): CompanionResources {
    return {
        ruleNames: [resourceName(environment, SMOKE_RULE)],
        alarmNames: smokeTestAlarmRoles().map((role) => resourceName(environment, role)),
        logGroupNames: [smokeLogGroupName(environment)],
    };
}

/** The function's role name (it rejects a failed version: the detective control trusts it by this name). */
export const smokeRoleName = smokeFunctionName;

/** The function's environment variables (lambdas/smoke-test/settings.ts reads them once). Pure. */
export function smokeFunctionEnvironment(input: {
    readonly environment: string;
    readonly endpointName: string;
    readonly groupName: string;
    readonly ledgerTableName: string;
    readonly topicArn: string;
    readonly settings: SmokeTestSettings;
    readonly promotion?: StagePromotion;
}): Record<string, string> {
    const { onFailure, payloads, check, maxPayloads } = input.settings;
    const options: SmokeTestOptions = { onFailure, payloads, check, maxPayloads };
    return {
        ENVIRONMENT: input.environment,
        ENDPOINT_NAME: input.endpointName,
        MODEL_PACKAGE_GROUP_NAME: input.groupName,
        LEDGER_TABLE_NAME: input.ledgerTableName,
        TOPIC_ARN: input.topicArn,
        SMOKE_TEST: JSON.stringify(options),
        ...stageVariables(input.promotion),
    };
}

export class SmokeTest extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly functionName: pulumi.Output<string>;
    /** Where the function's failed async invocations end up. */
    readonly dlq: aws.sqs.Queue;
    readonly rule: aws.cloudwatch.EventRule;
    /** Goes off when a deployed version failed its smoke test (metric SmokeTestFailed > 0). */
    readonly failedAlarm: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: SmokeTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:smoke:SmokeTest", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const parent = { parent: this };
        const children: ChildContext = { name, environment: env, tags, opts: parent };
        const scope = currentScope(parent);
        const fnName = smokeFunctionName(env);

        this.dlq = deadLetterQueue(children, `${SMOKE_FUNCTION}-dlq`, args.kmsKeyArn);
        this.function = this.smokeFunction(name, args, tags, scope);
        this.functionName = this.function.name;
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-${SMOKE_FUNCTION}-async`,
            {
                functionName: this.function.name,
                maximumRetryAttempts: args.maximumRetryAttempts ?? ASYNC_INVOCATION.maximumRetryAttempts,
                maximumEventAgeInSeconds: ASYNC_INVOCATION.maximumEventAgeInSeconds,
                destinationConfig: { onFailure: { destination: this.dlq.arn } },
            },
            parent,
        );

        this.rule = ruleToFunction(children, {
            key: SMOKE_RULE,
            role: SMOKE_RULE,
            description: `${args.endpointName} reached InService (a deployment or rollback finished): smoke-test the live version`,
            eventPattern: JSON.stringify(endpointInServicePattern(args.endpointName)),
            function: this.function,
            targetId: SMOKE_FUNCTION,
            dlqArn: args.eventsDlqArn,
        });

        const alarmRoles = new Set(smokeTestAlarmRoles());
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, args.topicArn, alarmRoles, role, props);
        const metricAlarm = (metricName: string, alarmDescription: string): TopicAlarmProps => ({
            alarmDescription,
            namespace: METRIC_NAMESPACE,
            metricName,
            dimensions: { Environment: env },
            statistic: "Sum",
            period: 60,
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
        });
        this.failedAlarm = alarm(
            "smoke-test-failed",
            metricAlarm(
                SMOKE_FAILED_METRIC,
                `A version deployed to ${args.endpointName} failed its smoke test: see the message on the approvals topic (${args.settings.onFailure === "reject" ? "it was rejected; the endpoint rolls back" : "onFailure is alert: it is still serving"}).`,
            ),
        );
        alarm("smoke-test-not-run", metricAlarm(SMOKE_NOT_RUN_METRIC, `The smoke test could not run on ${args.endpointName} (no usable payloads): the live version is untested. See the message on the approvals topic.`));
        alarm(`${SMOKE_FUNCTION}-errors`, {
            alarmDescription: pulumi.interpolate`${fnName} failed; failed events are retried, then kept in ${this.dlq.name}: a deployment may be untested`,
            namespace: "AWS/Lambda",
            metricName: "Errors",
            dimensions: { FunctionName: fnName },
            statistic: "Sum",
            period: 300,
            okActions: [args.topicArn],
        });
        alarm(`${SMOKE_FUNCTION}-dlq-depth`, dlqDepthAlarmProps(this.dlq.name, `Endpoint events wait in ${resourceName(env, `${SMOKE_FUNCTION}-dlq`)}: a deployment was not smoke-tested. Inspect and redrive.`));
        const ruleName = resourceName(env, SMOKE_RULE);
        alarm(`${SMOKE_RULE}-failed-invocations`, failedInvocationsAlarmProps(this.rule.name, `EventBridge could not deliver events of ${ruleName} to ${fnName}: a deployment may be untested. Check ${resourceName(env, "events-dlq")}.`));
        alarm(`${SMOKE_RULE}-dlq-delivery-failures`, dlqDeliveryFailuresAlarmProps(this.rule.name, `EventBridge could not put failed events of ${ruleName} into ${resourceName(env, "events-dlq")}: a deployment went untested. Check the DLQ's policy and key.`));

        this.registerOutputs({ functionName: this.functionName, dlqArn: this.dlq.arn });
    }

    /** The function with its encrypted log group and its own role (scoped by smokeTestPolicy). */
    private smokeFunction(name: string, args: SmokeTestArgs, tags: Record<string, string>, scope: pulumi.Output<AwsScope>): aws.lambda.Function {
        const env = args.environment;
        const fnName = smokeFunctionName(env);
        const parent = { parent: this };
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-${SMOKE_FUNCTION}-logs`,
            { name: smokeLogGroupName(env), retentionInDays: args.logRetentionDays ?? 90, kmsKeyId: args.kmsKeyArn, tags },
            parent,
        );
        const role = new aws.iam.Role(
            `${name}-${SMOKE_FUNCTION}-role`,
            { name: smokeRoleName(env), description: `Runs the ${fnName} function`, assumeRolePolicy: scope.apply((s) => JSON.stringify(lambdaAssumeRolePolicy(s))), tags },
            parent,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-${SMOKE_FUNCTION}-policy`,
            {
                role: role.name,
                policy: pulumi
                    .all([scope, args.ledgerTableArn, args.topicArn, args.kmsKeyArn, this.dlq.arn, args.modelPackageGroupName])
                    .apply(([s, ledgerTableArn, topicArn, kmsKeyArn, dlqArn, groupName]) =>
                        JSON.stringify(
                            smokeTestPolicy({
                                scope: s,
                                environment: env,
                                endpointName: args.endpointName,
                                groupName,
                                logGroupName: smokeLogGroupName(env),
                                ledgerTableArn,
                                topicArn,
                                kmsKeyArn,
                                dlqArn,
                                samplePayloadS3Prefixes: args.settings.samplePayloadS3Prefixes,
                                ...(args.promotion ? { promotion: { registryScope: registryScope(s, args.promotion), stage: args.promotion.stage } } : {}),
                            }),
                        ),
                    ),
            },
            parent,
        );
        return new aws.lambda.Function(
            `${name}-${SMOKE_FUNCTION}`,
            {
                name: fnName,
                description: "Smoke-tests the live version after every deployment or rollback; a failure rejects it (rollback) and tells the approvers",
                runtime: LAMBDA_RUNTIME,
                architectures: ["arm64"],
                handler: "index.handler",
                code: lambdaArchive(SMOKE_FUNCTION),
                role: role.arn,
                memorySize: 256,
                timeout: SMOKE_TIMEOUT_SECONDS,
                loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
                environment: {
                    variables: pulumi
                        .all([args.ledgerTableName, args.topicArn, args.modelPackageGroupName])
                        .apply(([ledgerTableName, topicArn, groupName]) =>
                            smokeFunctionEnvironment({ environment: env, endpointName: args.endpointName, groupName, ledgerTableName, topicArn, settings: args.settings, promotion: args.promotion }),
                        ),
                },
                tags,
            },
            { parent: this, dependsOn: [logGroup, rolePolicy] },
        );
    }
}
