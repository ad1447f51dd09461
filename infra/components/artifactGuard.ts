/**
 * Tamper detection for one environment (issue 9 item 4, docs/artifact-integrity.md "Detection"):
 *
 *   S3 Object Created/Deleted under the pipeline's outputs (artifacts bucket, EventBridge delivery on) ─┐
 *   ECR Image Action PUSH/DELETE SUCCESS in this account ────────────────────────────────────────────┴→
 *     artifact-tamper Lambda (async: retries, then its own KMS-encrypted DLQ)
 *       → TAMPERED records in the deployment ledger, one message to the approvals topic, metric ArtifactTampered
 *
 * plus alarms on the tamper metric, the function's errors, its DLQ's depth and each rule's failed deliveries, all to
 * the approvals topic. It uses ApprovalEvents' topic, CMK, ledger and events DLQ; their policies admit this
 * component's rules, alarms and log group by exact name through `artifactGuardCompanions(env)`, which the program
 * passes to ApprovalEvents (the names are pure, so neither component waits for the other).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { tamperPatterns } from "../events/tamperPatterns";
import { lambdaAssumeRolePolicy } from "../lib/functionPolicies";
import type { AwsScope } from "../lib/arns";
import { artifactTamperPolicy } from "../lib/artifactGuardPolicies";
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
import { endpointName as defaultEndpointName, resourceName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import { METRIC_NAMESPACE } from "../../lambdas/shared/log";
import { LIVE_TAMPER_METRIC, TAMPER_METRIC, TAMPER_TIMEOUT_SECONDS } from "../../lambdas/artifact-tamper/settings";
import type { CompanionResources } from "./approvalEvents";

export interface ArtifactGuardArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The artifacts bucket (it must send its events to EventBridge: TrainingPipeline turns that on). */
    readonly artifactsBucketName: pulumi.Input<string>;
    /** The training pipeline's name: its outputs are under `<pipelineName>/` in the bucket, the prefix watched. */
    readonly pipelineName: pulumi.Input<string>;
    /** The deployment ledger (pins, reverse index, TAMPERED records). */
    readonly ledgerTableName: pulumi.Input<string>;
    readonly ledgerTableArn: pulumi.Input<string>;
    /** The approvals topic and its CMK (which also encrypts this component's DLQ and log group). */
    readonly topicArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    /**
     * The endpoint ApprovalEvents deploys to (its `endpointName`): the function reads its ledger CURRENT to tell the
     * approvers when a tampered version is live. Defaults to ApprovalEvents' default, `endpointName(environment)`.
     */
    readonly endpointName?: string;
    /** The events DLQ of ApprovalEvents: where the rules' failed deliveries go (its policy must admit these rules). */
    readonly eventsDlqArn: pulumi.Input<string>;
    /**
     * The account whose bucket and ECR events are watched. In an environment stack (issue 10) the registry's: its
     * forwarded events keep their account. Defaults to this stack's account.
     */
    readonly watchedAccountId?: string;
    /** Retention of the function's log group, in days. Defaults to 90. */
    readonly logRetentionDays?: number;
    /** Lambda retries of a failed async invocation before it goes to the DLQ (0-2). Defaults to 2. */
    readonly maximumRetryAttempts?: number;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** The function's name suffix (also its bundle in LAMBDA_ENTRIES). */
export const TAMPER_FUNCTION = "artifact-tamper";

/** Rules (name suffixes `sagemaker-approval-gate-<env>-<role>`), by the key tamperPatterns() gives their patterns. */
export const TAMPER_RULE_ROLES = { artifactChanged: "artifact-changed", imageChanged: "image-changed" } as const;

/** Roles (name suffixes) of every alarm the component makes; the topic policy admits exactly these (through the companions). */
export function artifactGuardAlarmRoles(): string[] {
    return [
        "artifact-tampered",
        "live-version-tampered",
        `${TAMPER_FUNCTION}-errors`,
        `${TAMPER_FUNCTION}-dlq-depth`,
        ...Object.values(TAMPER_RULE_ROLES).flatMap((rule) => [`${rule}-failed-invocations`, `${rule}-dlq-delivery-failures`]),
    ];
}

/** What ApprovalEvents' events DLQ, topic and CMK policies must admit of this component, by exact name. */
export function artifactGuardCompanions(environment: string): CompanionResources {
    return {
        ruleNames: Object.values(TAMPER_RULE_ROLES).map((role) => resourceName(environment, role)),
        alarmNames: artifactGuardAlarmRoles().map((role) => resourceName(environment, role)),
        logGroupNames: [tamperLogGroupName(environment)],
    };
}

export function tamperFunctionName(environment: string): string {
    return resourceName(environment, TAMPER_FUNCTION);
}

export function tamperLogGroupName(environment: string): string {
    return `/aws/lambda/${tamperFunctionName(environment)}`;
}

/** The function's environment variables (lambdas/artifact-tamper/settings.ts and index.ts read them once). Pure. */
export function tamperFunctionEnvironment(input: {
    readonly environment: string;
    readonly ledgerTableName: string;
    readonly topicArn: string;
    readonly endpointName: string;
}): Record<string, string> {
    return { ENVIRONMENT: input.environment, LEDGER_TABLE_NAME: input.ledgerTableName, TOPIC_ARN: input.topicArn, ENDPOINT_NAME: input.endpointName };
}

export class ArtifactGuard extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly functionName: pulumi.Output<string>;
    /** Where the function's failed async invocations end up. */
    readonly dlq: aws.sqs.Queue;
    readonly rules: Record<keyof typeof TAMPER_RULE_ROLES, aws.cloudwatch.EventRule>;
    /** The alarm approvers get within a minute of a detected change (metric ArtifactTampered > 0). */
    readonly tamperAlarm: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: ArtifactGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:integrity:ArtifactGuard", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const parent = { parent: this };
        const children: ChildContext = { name, environment: env, tags, opts: parent };
        const scope = currentScope(parent);
        const fnName = tamperFunctionName(env);

        this.dlq = deadLetterQueue(children, `${TAMPER_FUNCTION}-dlq`, args.kmsKeyArn);
        this.function = this.tamperFunction(name, args, tags, scope);
        this.functionName = this.function.name;
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-${TAMPER_FUNCTION}-async`,
            {
                functionName: this.function.name,
                maximumRetryAttempts: args.maximumRetryAttempts ?? ASYNC_INVOCATION.maximumRetryAttempts,
                maximumEventAgeInSeconds: ASYNC_INVOCATION.maximumEventAgeInSeconds,
                destinationConfig: { onFailure: { destination: this.dlq.arn } },
            },
            parent,
        );

        const patterns = pulumi.all([scope, args.artifactsBucketName, args.pipelineName]).apply(([s, bucketName, outputFolder]) => tamperPatterns({ bucketName, outputFolder, accountId: args.watchedAccountId ?? s.accountId }));
        const rule = (key: keyof typeof TAMPER_RULE_ROLES, description: string) =>
            ruleToFunction(children, {
                key,
                role: TAMPER_RULE_ROLES[key],
                description,
                eventPattern: patterns.apply((p) => JSON.stringify(p[key])),
                function: this.function,
                targetId: TAMPER_FUNCTION,
                dlqArn: args.eventsDlqArn,
            });
        this.rules = {
            artifactChanged: rule("artifactChanged", "A write or delete under the training pipeline's outputs in this environment's artifacts bucket"),
            imageChanged: rule("imageChanged", "A completed push or delete of an image in this account's ECR"),
        };

        const alarmRoles = new Set(artifactGuardAlarmRoles());
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, args.topicArn, alarmRoles, role, props);
        this.tamperAlarm = alarm("artifact-tampered", {
            alarmDescription: `The bytes of a registered model version changed in ${env} (artifact overwritten or deleted, image tag moved): see the message on the approvals topic; the versions are recorded TAMPERED and never deployed again.`,
            namespace: METRIC_NAMESPACE,
            metricName: TAMPER_METRIC,
            dimensions: { Environment: env },
            statistic: "Sum",
            period: 60,
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
        });
        const servedOn = args.endpointName ?? defaultEndpointName(env);
        alarm("live-version-tampered", {
            alarmDescription: `The version live on ${servedOn} (the ledger's CURRENT) had its bytes changed, or what is live could not be read: SageMaker may serve the new bytes at the next scale-out. Reject it to roll back, or approve a good version.`,
            namespace: METRIC_NAMESPACE,
            metricName: LIVE_TAMPER_METRIC,
            dimensions: { Environment: env },
            statistic: "Sum",
            period: 60,
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
        });
        alarm(`${TAMPER_FUNCTION}-errors`, {
            alarmDescription: pulumi.interpolate`${fnName} failed; failed events are retried, then kept in ${this.dlq.name}: a tamper event may be unchecked`,
            namespace: "AWS/Lambda",
            metricName: "Errors",
            dimensions: { FunctionName: fnName },
            statistic: "Sum",
            period: 300,
            okActions: [args.topicArn],
        });
        alarm(`${TAMPER_FUNCTION}-dlq-depth`, dlqDepthAlarmProps(this.dlq.name, `S3/ECR events wait in ${resourceName(env, `${TAMPER_FUNCTION}-dlq`)}: a possible tampering was not checked. Inspect and redrive.`));
        for (const key of Object.keys(TAMPER_RULE_ROLES) as (keyof typeof TAMPER_RULE_ROLES)[]) {
            const ruleName = resourceName(env, TAMPER_RULE_ROLES[key]);
            alarm(`${TAMPER_RULE_ROLES[key]}-failed-invocations`, failedInvocationsAlarmProps(this.rules[key].name, `EventBridge could not deliver events of ${ruleName} to ${fnName}: a tamper event may be unchecked. Check ${resourceName(env, "events-dlq")}.`));
            alarm(`${TAMPER_RULE_ROLES[key]}-dlq-delivery-failures`, dlqDeliveryFailuresAlarmProps(this.rules[key].name, `EventBridge could not put failed events of ${ruleName} into ${resourceName(env, "events-dlq")}: a tamper event is lost. Check the DLQ's policy and key.`));
        }

        this.registerOutputs({ functionName: this.functionName, dlqArn: this.dlq.arn });
    }

    /** The function with its encrypted log group and its own role (scoped by artifactTamperPolicy). */
    private tamperFunction(name: string, args: ArtifactGuardArgs, tags: Record<string, string>, scope: pulumi.Output<AwsScope>): aws.lambda.Function {
        const env = args.environment;
        const fnName = tamperFunctionName(env);
        const parent = { parent: this };
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-${TAMPER_FUNCTION}-logs`,
            { name: tamperLogGroupName(env), retentionInDays: args.logRetentionDays ?? 90, kmsKeyId: args.kmsKeyArn, tags },
            parent,
        );
        const role = new aws.iam.Role(
            `${name}-${TAMPER_FUNCTION}-role`,
            { name: fnName, description: `Runs the ${fnName} function`, assumeRolePolicy: scope.apply((s) => JSON.stringify(lambdaAssumeRolePolicy(s))), tags },
            parent,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-${TAMPER_FUNCTION}-policy`,
            {
                role: role.name,
                policy: pulumi
                    .all([scope, args.ledgerTableArn, args.topicArn, args.kmsKeyArn, this.dlq.arn])
                    .apply(([s, ledgerTableArn, topicArn, kmsKeyArn, dlqArn]) =>
                        JSON.stringify(artifactTamperPolicy({ scope: s, logGroupName: tamperLogGroupName(env), ledgerTableArn, topicArn, kmsKeyArn, dlqArn })),
                    ),
            },
            parent,
        );
        return new aws.lambda.Function(
            `${name}-${TAMPER_FUNCTION}`,
            {
                name: fnName,
                description: "Finds the registered versions an S3 write or ECR push changed; records them TAMPERED and tells the approvers",
                runtime: LAMBDA_RUNTIME,
                architectures: ["arm64"],
                handler: "index.handler",
                code: lambdaArchive(TAMPER_FUNCTION),
                role: role.arn,
                memorySize: 256,
                timeout: TAMPER_TIMEOUT_SECONDS,
                loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
                environment: {
                    variables: pulumi
                        .all([args.ledgerTableName, args.topicArn])
                        .apply(([ledgerTableName, topicArn]) =>
                            tamperFunctionEnvironment({ environment: env, ledgerTableName, topicArn, endpointName: args.endpointName ?? defaultEndpointName(env) }),
                        ),
                },
                tags,
            },
            { parent: this, dependsOn: [logGroup, rolePolicy] },
        );
    }
}
