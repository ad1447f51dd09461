/**
 * The run-time half of the approval gate for one environment:
 *
 *   EventBridge (aws.sagemaker, this group / this pipeline)
 *     pending   → notify-approver Lambda ─┐
 *     approved  → deploy-approved Lambda ─┼→ approvals topic (KMS) → approvers' email
 *     rejected  → deploy-approved (rollback) + topic
 *     pipeline Failed → topic
 *
 * plus the deployment ledger (DynamoDB), the model execution role the deploy function passes to
 * SageMaker, the endpoint alarms a blue/green update rolls back on, a KMS-encrypted DLQ behind every
 * rule target and every function's async invocations, and alarms on DLQ depth, function errors, failed
 * target invocations, failed DLQ deliveries and "no rollback target", all routed to the topic.
 *
 * Names and documents come from pure functions (infra/events/patterns.ts,
 * infra/lib/approvalEventsPolicies.ts, and the exported helpers below) that tests call directly.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { MAX_ROLLBACK_ALARMS, type EndpointSettings } from "../config";
import {
    approvedPattern,
    pendingApprovalPattern,
    pipelineFailedNotification,
    pipelineFailedPattern,
    rejectedNotification,
    rejectedPattern,
    type InputTransformer,
} from "../events/patterns";
import {
    eventBridgeSendPolicy,
    eventTargetDlqPolicy,
    lambdaAssumeRolePolicy,
    modelExecutionRolePolicy,
} from "../lib/approvalEventsPolicies";
import { deployApprovedVerifyingPolicy, notifyApproverPinningPolicy, operatorReadVerifyingPolicy } from "../lib/artifactGuardPolicies";
import { cloudwatchAlarmArn, environmentArn } from "../lib/arns";
import { attachPolicyToPrincipals } from "../lib/attachments";
import { pipelineKeyPatterns, sagemakerAssumeRolePolicy } from "../lib/iamDocuments";
import { APPROVAL_FUNCTION_ROLES, lambdaArchive, LAMBDA_RUNTIME, type LambdaRole } from "../lib/bundle";
import {
    ASYNC_INVOCATION,
    deadLetterQueue as encryptedDeadLetterQueue,
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
import { ApprovalsTopic } from "./approvalsTopic";
import { METRIC_NAMESPACE } from "../../lambdas/shared/log";
import { NOTIFY_TIMEOUT_SECONDS } from "../../lambdas/notify-approver/settings";

export interface ApprovalEventsArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The model package group whose events this environment acts on. */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /** ARN of this environment's training pipeline (its Failed executions are reported). */
    readonly pipelineArn: pulumi.Input<string>;
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

/** Rules (name suffixes `sagemaker-approval-gate-<env>-<role>`), in declaration order. */
export const RULE_ROLES = { pending: "pending-approval", approved: "approved", rejected: "rejected", pipelineFailed: "pipeline-failed" } as const;

/** The alarm on a rule's permanently failed target invocations: `<rule>-failed-invocations`. */
export function ruleFailedInvocationsAlarmName(environment: string, rule: keyof typeof RULE_ROLES): string {
    return resourceName(environment, `${RULE_ROLES[rule]}-failed-invocations`);
}

/** The alarm on a rule's failed events that EventBridge could not put into the DLQ either: `<rule>-dlq-delivery-failures`. */
export function ruleDlqDeliveryFailuresAlarmName(environment: string, rule: keyof typeof RULE_ROLES): string {
    return resourceName(environment, `${RULE_ROLES[rule]}-dlq-delivery-failures`);
}

/** Every rule of the environment, by name: the topic policy names exactly these. */
export function ruleNames(environment: string): string[] {
    return Object.values(RULE_ROLES).map((role) => resourceName(environment, role));
}

/** Roles (name suffixes) of the stack's own endpoint alarms. */
const ENDPOINT_ALARM_ROLES = { errors5xx: "endpoint-5xx", latency: "endpoint-latency" } as const;

/** Alarms on the endpoint that roll a blue/green update back (the stack's own). */
export function endpointAlarmNames(environment: string): { errors5xx: string; latency: string } {
    return { errors5xx: resourceName(environment, ENDPOINT_ALARM_ROLES.errors5xx), latency: resourceName(environment, ENDPOINT_ALARM_ROLES.latency) };
}

/** Queues whose depth is alarmed on: the rule targets' DLQ and each function's. */
const DLQ_ROLES = ["events-dlq", "notify-approver-dlq", "deploy-approved-dlq"] as const;

/**
 * Roles (name suffixes) of every alarm the component makes. Each notifies the topic, whose policy admits
 * exactly these alarms by ARN, so an alarm made under any other role is refused at construction.
 */
export function ownAlarmRoles(): string[] {
    return [
        ENDPOINT_ALARM_ROLES.errors5xx,
        ENDPOINT_ALARM_ROLES.latency,
        ...APPROVAL_FUNCTION_ROLES.map((role) => `${role}-errors`),
        ...DLQ_ROLES.map((queue) => `${queue}-depth`),
        "deploy-requests-age",
        ...Object.values(RULE_ROLES).flatMap((rule) => [`${rule}-failed-invocations`, `${rule}-dlq-delivery-failures`]),
        "no-rollback-target",
    ];
}

export function ownAlarmNames(environment: string): string[] {
    return ownAlarmRoles().map((role) => resourceName(environment, role));
}

export { MAX_ROLLBACK_ALARMS };

/**
 * Every rollback alarm: the stack's own plus the configured ones, each once, in a stable order. The config
 * reader already caps the configured ones (a clear error); this throw guards callers that skip it.
 */
export function rollbackAlarmNames(environment: string, configured: readonly string[]): string[] {
    const own = endpointAlarmNames(environment);
    const names = [...new Set([own.errors5xx, own.latency, ...configured])];
    if (names.length > MAX_ROLLBACK_ALARMS) {
        throw new Error(
            `endpoint.rollbackAlarmNames has ${configured.length} alarms; with the stack's own 2 that is ${names.length}, ` +
                `but SageMaker's AutoRollbackConfiguration takes at most ${MAX_ROLLBACK_ALARMS}. Keep at most ${MAX_ROLLBACK_ALARMS - 2} (e.g. a composite alarm).`,
        );
    }
    return names;
}

export function functionName(environment: string, role: LambdaRole): string {
    return resourceName(environment, role);
}

export function logGroupName(environment: string, role: LambdaRole): string {
    return `/aws/lambda/${functionName(environment, role)}`;
}

export interface FunctionEnvironmentInput {
    readonly environment: string;
    readonly groupName: string;
    readonly endpointName: string;
    readonly ledgerTableName: string;
    readonly topicArn: string;
    readonly accountId: string;
    readonly modelExecutionRoleArn: string;
    readonly endpoint: EndpointSettings;
}

/** Environment variables of each function (read once by lambdas/<fn>/index.ts). Pure. */
export function functionEnvironment(role: LambdaRole, input: FunctionEnvironmentInput): Record<string, string> {
    const common = {
        ENVIRONMENT: input.environment,
        MODEL_PACKAGE_GROUP_NAME: input.groupName,
        ENDPOINT_NAME: input.endpointName,
        LEDGER_TABLE_NAME: input.ledgerTableName,
        TOPIC_ARN: input.topicArn,
    };
    if (role === "notify-approver") return common;
    return {
        ...common,
        REGISTRY_ACCOUNT_ID: input.accountId,
        RESOURCE_PREFIX: deployedResourcePrefix(input.environment),
        MODEL_EXECUTION_ROLE_ARN: input.modelExecutionRoleArn,
        INSTANCE_TYPE: input.endpoint.instanceType,
        INITIAL_INSTANCE_COUNT: String(input.endpoint.initialInstanceCount),
        ROLLBACK_ALARM_NAMES: rollbackAlarmNames(input.environment, input.endpoint.rollbackAlarmNames).join(","),
        TERMINATION_WAIT_SECONDS: String(input.endpoint.terminationWaitSeconds),
    };
}

/** The code archive of a function: one index.js from a StringAsset (no zip timestamps). */
export function functionCode(role: LambdaRole): pulumi.asset.AssetArchive {
    return lambdaArchive(role);
}

/**
 * The deploy queue: a message becomes visible again 6 minutes after a failed attempt (six times the
 * 60 s function timeout), and moves to the DLQ after 20 receives, i.e. about two hours of retries while
 * the endpoint is busy.
 */
export const DEPLOY_QUEUE = { functionTimeoutSeconds: 60, visibilityTimeoutSeconds: 360, maxReceiveCount: 20 };

export { TARGET_RETRY_POLICY };

export class ApprovalEvents extends pulumi.ComponentResource {
    readonly topic: ApprovalsTopic;
    readonly topicArn: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly ledgerTable: aws.dynamodb.Table;
    readonly ledgerTableName: pulumi.Output<string>;
    readonly modelExecutionRole: aws.iam.Role;
    readonly modelExecutionRoleArn: pulumi.Output<string>;
    readonly functions: Record<LambdaRole, aws.lambda.Function>;
    readonly rules: Record<"pending" | "approved" | "rejected" | "pipelineFailed", aws.cloudwatch.EventRule>;
    readonly targetsDlq: aws.sqs.Queue;
    /** Where each function's failed events end up: notify's async on-failure DLQ, the deploy queue's redrive DLQ. */
    readonly functionDlqs: Record<LambdaRole, aws.sqs.Queue>;
    /** FIFO queue between the approved/rejected rules and the deploy function. */
    readonly deployRequests: aws.sqs.Queue;
    readonly endpointName: string;
    /** Managed policy that lets the approvers run `approvals live` / `history`; undefined without approvers. */
    readonly operatorReadPolicy?: aws.iam.Policy;
    readonly operatorReadPolicyArn?: pulumi.Output<string>;

    constructor(name: string, args: ApprovalEventsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:approvals:ApprovalEvents", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const scope = currentScope({ parent: this });
        const endpointName = args.endpointName ?? defaultEndpointName(env);
        this.endpointName = endpointName;
        const alarmNames = rollbackAlarmNames(env, args.endpoint.rollbackAlarmNames);
        const groupName = pulumi.output(args.modelPackageGroupName);
        const parent = { parent: this };
        const companions: CompanionResources = args.companions ?? { ruleNames: [], alarmNames: [], logGroupNames: [] };
        const children: ChildContext = { name, environment: env, tags, opts: parent };

        this.topic = new ApprovalsTopic(
            `${name}-notifications`,
            {
                topicName: resourceName(env, "approvals"),
                approverEmails: args.approverEmails,
                logGroupNames: [...APPROVAL_FUNCTION_ROLES.map((role) => logGroupName(env, role)), ...companions.logGroupNames],
                publishers: { ruleNames: ruleNames(env), alarmNames: [...ownAlarmNames(env), ...companions.alarmNames] },
                tags,
            },
            parent,
        );
        this.topicArn = this.topic.topicArn;
        this.kmsKeyArn = this.topic.kmsKeyArn;
        const keyArn = this.topic.kmsKeyArn;

        this.ledgerTable = new aws.dynamodb.Table(
            `${name}-ledger`,
            {
                name: resourceName(env, "deployments"),
                billingMode: "PAY_PER_REQUEST",
                hashKey: "pk",
                rangeKey: "sk",
                attributes: [
                    { name: "pk", type: "S" },
                    { name: "sk", type: "S" },
                ],
                serverSideEncryption: { enabled: true, kmsKeyArn: keyArn },
                pointInTimeRecovery: { enabled: true },
                deletionProtectionEnabled: args.ledgerDeletionProtection ?? true,
                tags,
            },
            parent,
        );
        this.ledgerTableName = this.ledgerTable.name;

        const deadLetterQueue = (role: string, fifo = false) => encryptedDeadLetterQueue(children, role, keyArn, fifo);
        this.targetsDlq = deadLetterQueue("events-dlq");
        // Approved/Rejected events reach the deploy function through a FIFO queue with one message group per
        // endpoint: one deployment at a time, in order, and a busy endpoint is retried for hours, not minutes.
        const deployDlq = deadLetterQueue("deploy-approved-dlq", true);
        this.deployRequests = new aws.sqs.Queue(
            `${name}-deploy-requests`,
            {
                name: `${resourceName(env, "deploy-requests")}.fifo`,
                fifoQueue: true,
                contentBasedDeduplication: true,
                kmsMasterKeyId: keyArn,
                kmsDataKeyReusePeriodSeconds: 300,
                // Lambda's guidance: at least six times the function timeout.
                visibilityTimeoutSeconds: DEPLOY_QUEUE.visibilityTimeoutSeconds,
                messageRetentionSeconds: 4 * 24 * 3600,
                redrivePolicy: deployDlq.arn.apply((arn) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: DEPLOY_QUEUE.maxReceiveCount })),
                tags,
            },
            parent,
        );
        this.functionDlqs = { "notify-approver": deadLetterQueue("notify-approver-dlq"), "deploy-approved": deployDlq };

        this.modelExecutionRole = new aws.iam.Role(
            `${name}-model-role`,
            {
                name: resourceName(env, "model-execution"),
                description: `Serves approved model versions on ${endpointName}`,
                assumeRolePolicy: scope.apply((s) => JSON.stringify(sagemakerAssumeRolePolicy(s))),
                tags,
            },
            parent,
        );
        this.modelExecutionRoleArn = this.modelExecutionRole.arn;
        const rollbackAlarmArns = scope.apply((s) => alarmNames.map((a) => cloudwatchAlarmArn(s, a)));
        new aws.iam.RolePolicy(
            `${name}-model-role-policy`,
            {
                role: this.modelExecutionRole.name,
                policy: pulumi
                    .all([scope, args.artifactsBucketName, args.pipelineName, args.artifactsKmsKeyArn, rollbackAlarmArns])
                    .apply(([s, bucket, pipelineName, artifactsKey, alarmArns]) =>
                        JSON.stringify(
                            modelExecutionRolePolicy({
                                scope: s,
                                endpointName,
                                artifactsBucketName: bucket,
                                modelArtifactsKeyPattern: pipelineKeyPatterns(pipelineName).modelArtifacts,
                                artifactsKmsKeyArn: artifactsKey,
                                imageUris: args.modelImageUris,
                                rollbackAlarmArns: alarmArns,
                            }),
                        ),
                    ),
            },
            parent,
        );

        // The stack's own rollback alarms on the endpoint (it is created by the deploy function, at run time).
        const alarmActions = [this.topicArn];
        const endpointDimensions = { EndpointName: endpointName, VariantName: "AllTraffic" };
        const alarmRoles = new Set(ownAlarmRoles());
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, this.topicArn, alarmRoles, role, props);
        alarm(ENDPOINT_ALARM_ROLES.errors5xx, {
            alarmDescription: `${endpointName} answers with 5XX errors: a blue/green update in progress rolls back`,
            namespace: "AWS/SageMaker",
            metricName: "Invocation5XXErrors",
            dimensions: endpointDimensions,
            statistic: "Sum",
            period: 60,
            evaluationPeriods: 2,
        });
        alarm(ENDPOINT_ALARM_ROLES.latency, {
            alarmDescription: `${endpointName} model latency above ${args.modelLatencyThresholdMs ?? 1000} ms: a blue/green update in progress rolls back`,
            namespace: "AWS/SageMaker",
            metricName: "ModelLatency",
            dimensions: endpointDimensions,
            statistic: "Average",
            period: 60,
            evaluationPeriods: 3,
            // ModelLatency is reported in microseconds.
            threshold: (args.modelLatencyThresholdMs ?? 1000) * 1000,
            comparisonOperator: "GreaterThanThreshold",
        });

        const makeFunction = (role: LambdaRole, policy: pulumi.Output<string>, extra: { timeout: number; asyncInvocations: boolean }) => {
            const fnName = functionName(env, role);
            const logGroup = new aws.cloudwatch.LogGroup(
                `${name}-${role}-logs`,
                { name: logGroupName(env, role), retentionInDays: args.logRetentionDays ?? 90, kmsKeyId: keyArn, tags },
                parent,
            );
            const roleResource = new aws.iam.Role(
                `${name}-${role}-role`,
                { name: fnName, description: `Runs the ${fnName} function`, assumeRolePolicy: scope.apply((s) => JSON.stringify(lambdaAssumeRolePolicy(s))), tags },
                parent,
            );
            const rolePolicy = new aws.iam.RolePolicy(`${name}-${role}-policy`, { role: roleResource.name, policy }, parent);
            const fn = new aws.lambda.Function(
                `${name}-${role}`,
                {
                    name: fnName,
                    description: role === "notify-approver" ? "Tells approvers a model version waits for them" : "Deploys exactly the approved version; rolls back a rejected live version",
                    runtime: LAMBDA_RUNTIME,
                    architectures: ["arm64"],
                    handler: "index.handler",
                    code: functionCode(role),
                    role: roleResource.arn,
                    memorySize: 256,
                    timeout: extra.timeout,
                    loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
                    environment: {
                        variables: pulumi
                            .all([groupName, this.ledgerTable.name, this.topicArn, scope, this.modelExecutionRole.arn])
                            .apply(([g, table, topicArn, s, modelRoleArn]) =>
                                functionEnvironment(role, {
                                    environment: env,
                                    groupName: g,
                                    endpointName,
                                    ledgerTableName: table,
                                    topicArn,
                                    accountId: s.accountId,
                                    modelExecutionRoleArn: modelRoleArn,
                                    endpoint: args.endpoint,
                                }),
                            ),
                    },
                    tags,
                },
                { parent: this, dependsOn: [logGroup, rolePolicy] },
            );
            if (extra.asyncInvocations) {
                new aws.lambda.FunctionEventInvokeConfig(
                    `${name}-${role}-async`,
                    {
                        functionName: fn.name,
                        maximumRetryAttempts: args.maximumRetryAttempts ?? ASYNC_INVOCATION.maximumRetryAttempts,
                        maximumEventAgeInSeconds: ASYNC_INVOCATION.maximumEventAgeInSeconds,
                        destinationConfig: { onFailure: { destination: this.functionDlqs[role].arn } },
                    },
                    parent,
                );
            }
            alarm(`${role}-errors`, {
                alarmDescription: pulumi.interpolate`${fnName} failed; failed events are retried, then kept in ${this.functionDlqs[role].name}`,
                namespace: "AWS/Lambda",
                metricName: "Errors",
                dimensions: { FunctionName: fnName },
                statistic: "Sum",
                period: 300,
                okActions: alarmActions,
            });
            return fn;
        };

        const notifyPolicy = pulumi
            .all([scope, this.ledgerTable.arn, this.topicArn, keyArn, this.functionDlqs["notify-approver"].arn, args.artifactsBucketName, pulumi.all([args.pipelineName, groupName]), args.artifactsKmsKeyArn])
            .apply(([s, tableArn, topicArn, kArn, dlqArn, bucket, [pipelineName, g], reportKey]) =>
                JSON.stringify(
                    // Issue 9: notify-approver pins the version's bytes at registration (artifactGuardPolicies.ts).
                    notifyApproverPinningPolicy({
                        scope: s,
                        logGroupName: logGroupName(env, "notify-approver"),
                        ledgerTableArn: tableArn,
                        topicArn,
                        kmsKeyArn: kArn,
                        dlqArn,
                        reportBucketName: bucket,
                        reportKeyPattern: pipelineKeyPatterns(pipelineName).evaluationReports,
                        reportKmsKeyArn: reportKey,
                        groupName: g,
                        artifactsBucketName: bucket,
                        pipelineName,
                        imageUris: args.modelImageUris,
                    }),
                ),
            );
        const deployPolicy = pulumi
            .all([scope, this.ledgerTable.arn, this.topicArn, keyArn, this.deployRequests.arn, groupName, this.modelExecutionRole.arn, pulumi.all([rollbackAlarmArns, args.artifactsBucketName, args.pipelineName])])
            .apply(([s, tableArn, topicArn, kArn, requestQueueArn, g, modelRoleArn, [alarmArns, bucket, pipelineName]]) =>
                JSON.stringify(
                    // Issue 9: deploy-approved verifies the bytes before it creates anything (artifactGuardPolicies.ts).
                    deployApprovedVerifyingPolicy({
                        scope: s,
                        logGroupName: logGroupName(env, "deploy-approved"),
                        ledgerTableArn: tableArn,
                        topicArn,
                        kmsKeyArn: kArn,
                        requestQueueArn,
                        groupName: g,
                        environment: env,
                        endpointName,
                        modelExecutionRoleArn: modelRoleArn,
                        rollbackAlarmArns: alarmArns,
                        artifactsBucketName: bucket,
                        pipelineName,
                        imageUris: args.modelImageUris,
                    }),
                ),
            );
        this.functions = {
            "notify-approver": makeFunction("notify-approver", notifyPolicy, { timeout: NOTIFY_TIMEOUT_SECONDS, asyncInvocations: true }),
            // One deployment at a time per endpoint: the FIFO message group (Lambda delivers one group's
            // messages in order, the next only after the last is done) and the ledger's conditional write behind it.
            // No reserved concurrency: accounts with the new-account concurrency quota refuse any reservation.
            "deploy-approved": makeFunction("deploy-approved", deployPolicy, { timeout: DEPLOY_QUEUE.functionTimeoutSeconds, asyncInvocations: false }),
        };
        new aws.lambda.EventSourceMapping(
            `${name}-deploy-requests-to-deploy-approved`,
            {
                eventSourceArn: this.deployRequests.arn,
                functionName: this.functions["deploy-approved"].name,
                batchSize: 1,
                functionResponseTypes: ["ReportBatchItemFailures"],
                tags,
            },
            parent,
        );

        const rule = (role: string, description: string, pattern: pulumi.Input<string>) =>
            new aws.cloudwatch.EventRule(`${name}-${role}`, { name: resourceName(env, role), description, eventPattern: pattern, tags }, parent);
        this.rules = {
            pending: rule(RULE_ROLES.pending, "A new version of this environment's group waits for approval", groupName.apply((g) => JSON.stringify(pendingApprovalPattern(g)))),
            approved: rule(RULE_ROLES.approved, "A version of this environment's group was approved", groupName.apply((g) => JSON.stringify(approvedPattern(g)))),
            rejected: rule(RULE_ROLES.rejected, "A version of this environment's group was rejected", groupName.apply((g) => JSON.stringify(rejectedPattern(g)))),
            pipelineFailed: rule(
                RULE_ROLES.pipelineFailed,
                "An execution of this environment's training pipeline failed",
                pulumi.output(args.pipelineArn).apply((arn) => JSON.stringify(pipelineFailedPattern(arn))),
            ),
        };

        const deadLetterConfig = { arn: this.targetsDlq.arn };
        const lambdaTarget = (ruleKey: keyof ApprovalEvents["rules"], role: LambdaRole) => {
            const fn = this.functions[role];
            const permission = new aws.lambda.Permission(
                `${name}-${ruleKey}-invokes-${role}`,
                { action: "lambda:InvokeFunction", function: fn.name, principal: "events.amazonaws.com", sourceArn: this.rules[ruleKey].arn },
                parent,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${ruleKey}-to-${role}`,
                { rule: this.rules[ruleKey].name, targetId: role, arn: fn.arn, deadLetterConfig, retryPolicy: TARGET_RETRY_POLICY },
                { parent: this, dependsOn: [permission] },
            );
        };
        const topicTarget = (ruleKey: keyof ApprovalEvents["rules"], transformer: InputTransformer) =>
            new aws.cloudwatch.EventTarget(
                `${name}-${ruleKey}-to-topic`,
                { rule: this.rules[ruleKey].name, targetId: "approvals-topic", arn: this.topicArn, inputTransformer: transformer, deadLetterConfig, retryPolicy: TARGET_RETRY_POLICY },
                parent,
            );
        const deployTarget = (ruleKey: "approved" | "rejected") =>
            new aws.cloudwatch.EventTarget(
                `${name}-${ruleKey}-to-deploy-requests`,
                {
                    rule: this.rules[ruleKey].name,
                    targetId: "deploy-requests",
                    arn: this.deployRequests.arn,
                    sqsTarget: { messageGroupId: endpointName },
                    deadLetterConfig,
                    retryPolicy: TARGET_RETRY_POLICY,
                },
                parent,
            );
        lambdaTarget("pending", "notify-approver");
        deployTarget("approved");
        deployTarget("rejected");
        new aws.sqs.QueuePolicy(
            `${name}-deploy-requests-policy`,
            {
                queueUrl: this.deployRequests.url,
                policy: pulumi
                    .all([this.deployRequests.arn, this.rules.approved.arn, this.rules.rejected.arn])
                    .apply(([queueArn, ...ruleArns]) => JSON.stringify(eventBridgeSendPolicy(queueArn, ruleArns))),
            },
            parent,
        );
        topicTarget("rejected", rejectedNotification(env));
        topicTarget("pipelineFailed", pipelineFailedNotification(env));

        new aws.sqs.QueuePolicy(
            `${name}-events-dlq-policy`,
            {
                queueUrl: this.targetsDlq.url,
                policy: pulumi
                    .all([this.targetsDlq.arn, scope, pulumi.all(Object.values(this.rules).map((r) => r.arn))])
                    .apply(([queueArn, s, ruleArns]) =>
                        JSON.stringify(eventTargetDlqPolicy(queueArn, [...ruleArns, ...companions.ruleNames.map((rule) => environmentArn(s, "events", `rule/${rule}`))])),
                    ),
            },
            parent,
        );

        const dlqs: Record<(typeof DLQ_ROLES)[number], aws.sqs.Queue> = {
            "events-dlq": this.targetsDlq,
            "notify-approver-dlq": this.functionDlqs["notify-approver"],
            "deploy-approved-dlq": this.functionDlqs["deploy-approved"],
        };
        for (const role of DLQ_ROLES) {
            alarm(
                `${role}-depth`,
                dlqDepthAlarmProps(dlqs[role].name, `Events wait in ${resourceName(env, role)}: an approval, deployment or notification did not go through. Inspect and redrive.`),
            );
        }
        alarm("deploy-requests-age", {
            alarmDescription: `An approval or rejection has waited over an hour for ${endpointName} (endpoint busy or failing). See the deploy function's logs.`,
            namespace: "AWS/SQS",
            metricName: "ApproximateAgeOfOldestMessage",
            dimensions: { QueueName: this.deployRequests.name },
            statistic: "Maximum",
            period: 300,
            threshold: 3600,
        });
        // A target EventBridge gave up on without reaching its DLQ: the approval, rejection or notice is gone.
        for (const key of Object.keys(RULE_ROLES) as (keyof typeof RULE_ROLES)[]) {
            alarm(
                `${RULE_ROLES[key]}-failed-invocations`,
                failedInvocationsAlarmProps(
                    this.rules[key].name,
                    `EventBridge could not deliver events of ${resourceName(env, RULE_ROLES[key])} to a target: an approval, rejection or notice may be lost. Check the targets and ${resourceName(env, "events-dlq")}.`,
                ),
            );
            // Every target of every rule has the DLQ: a failed event EventBridge cannot put there either is gone.
            alarm(
                `${RULE_ROLES[key]}-dlq-delivery-failures`,
                dlqDeliveryFailuresAlarmProps(
                    this.rules[key].name,
                    `EventBridge could not put failed events of ${resourceName(env, RULE_ROLES[key])} into ${resourceName(env, "events-dlq")} (permissions, KMS or size): an approval, rejection or notice is lost. Check the DLQ's policy and key.`,
                ),
            );
        }
        alarm("no-rollback-target", {
            alarmDescription: `A rejected version is live on ${endpointName} and the ledger has no approved version to roll back to. Approve a good version or take the endpoint down.`,
            namespace: METRIC_NAMESPACE,
            metricName: "NoRollbackTarget",
            dimensions: { Environment: env },
            statistic: "Sum",
            period: 60,
        });

        const readers = args.approverPrincipalArns ?? [];
        if (readers.length > 0) {
            this.operatorReadPolicy = new aws.iam.Policy(
                `${name}-operator-read-policy`,
                {
                    description: `Read ${endpointName}, its configs and models, and the deployment ledger (approvals live/history); approvers only.`,
                    policy: pulumi.all([scope, this.ledgerTable.arn, keyArn, args.artifactsBucketName, args.pipelineName]).apply(([s, tableArn, kArn, bucket, pipelineName]) =>
                        JSON.stringify(
                            // Issue 9: `approvals approve` / `show` check the bytes the approver is shown (cli/approvals/pins.ts).
                            operatorReadVerifyingPolicy({
                                scope: s,
                                environment: env,
                                endpointName,
                                ledgerTableArn: tableArn,
                                ledgerKmsKeyArn: kArn,
                                readerPrincipalArns: readers,
                                artifactsBucketName: bucket,
                                pipelineName,
                                imageUris: args.modelImageUris,
                            }),
                        ),
                    ),
                    tags,
                },
                parent,
            );
            this.operatorReadPolicyArn = this.operatorReadPolicy.arn;
            if (args.attachOperatorReadPolicy ?? true) {
                attachPolicyToPrincipals(`${name}-operator-read`, readers, this.operatorReadPolicy.arn, parent);
            }
        }

        this.registerOutputs({
            operatorReadPolicyArn: this.operatorReadPolicyArn,
            topicArn: this.topicArn,
            kmsKeyArn: this.kmsKeyArn,
            ledgerTableName: this.ledgerTableName,
            modelExecutionRoleArn: this.modelExecutionRoleArn,
            endpointName,
        });
    }
}
