/**
 * The Deployer of one environment: what puts exactly the approved version on its endpoint and takes a rejected
 * one off.
 *
 *   deploy-requests (FIFO, one message group per endpoint) → deploy-approved Lambda → SageMaker endpoint
 *
 * plus the deployment ledger (DynamoDB), the model execution role the function passes to SageMaker, the
 * endpoint alarms a blue/green update rolls back on, the queue's redrive DLQ, alarms on the function's errors,
 * the DLQ's depth, the queue's age and "no rollback target" (all to the approvals topic), and the approvers'
 * operator-read policy (`approvals live` / `history`).
 *
 * The queue's sender policy is ApprovalRules' (it names the rules that feed it).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { MAX_ROLLBACK_ALARMS, type EndpointSettings } from "../config";
import { modelExecutionRolePolicy } from "../lib/deployerPolicies";
import { deployApprovedVerifyingPolicy, operatorReadVerifyingPolicy } from "../lib/artifactGuardPolicies";
import { cloudwatchAlarmArn } from "../lib/arns";
import { attachPolicyToPrincipals } from "../lib/attachments";
import { pipelineKeyPatterns, sagemakerAssumeRolePolicy } from "../lib/iamDocuments";
import { deadLetterQueue, dlqDepthAlarmProps, topicAlarm, type ChildContext, type TopicAlarmProps } from "../lib/functionResources";
import { deployedResourcePrefix, endpointName as defaultEndpointName, resourceName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import { approvalFunction, childOptions, logGroupName, registryScope, stageVariables, withStatements, type StagePromotion } from "./approvalFunction";
import { environmentDeployRegistryStatements } from "../lib/promotionPolicies";
import { METRIC_NAMESPACE } from "../../lambdas/shared/log";

export interface DeployerArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The model package group whose approved versions this environment deploys. */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /** Bucket holding the model artifacts (the pipeline's artifacts bucket). */
    readonly artifactsBucketName: pulumi.Input<string>;
    /** CMK of that bucket. Defaults to none (S3-managed keys). */
    readonly artifactsKmsKeyArn?: pulumi.Input<string>;
    /** Name of the training pipeline writing into that bucket: the model role reads only its training outputs. */
    readonly pipelineName: pulumi.Input<string>;
    /** Inference images of the registered versions (the model role may pull only these repositories). */
    readonly modelImageUris: readonly string[];
    /** Endpoint instance type/count, extra rollback alarms and bake time (validated stack config). */
    readonly endpoint: EndpointSettings;
    /** The endpoint approved versions go to. Defaults to `sagemaker-approval-gate-<env>-endpoint`. */
    readonly endpointName?: string;
    /** ModelLatency (average, milliseconds) above which a blue/green update rolls back. Defaults to 1000. */
    readonly modelLatencyThresholdMs?: number;
    /** Retention of the function's log group, in days. Defaults to 90. */
    readonly logRetentionDays?: number;
    /** Protect the ledger table from deletion. Defaults to true. */
    readonly ledgerDeletionProtection?: boolean;
    /**
     * IAM role/user ARNs of the approvers: they get the operator-read policy (what `approvals live` and
     * `approvals history` read: this endpoint, its configs and models, the ledger). Defaults to none: no policy.
     */
    readonly approverPrincipalArns?: readonly string[];
    /**
     * Attach the operator-read policy to the approver roles/users (they must exist in the deploying account).
     * Set false when another stack manages their policies and attach `operatorReadPolicyArn` there. Defaults to true.
     */
    readonly attachOperatorReadPolicy?: boolean;
    /** The approvals topic its alarms notify and the function publishes to; its policy must admit deployerAlarmRoles(). */
    readonly topicArn: pulumi.Input<string>;
    /** The approvals CMK: ledger, queues and log group are encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Set in an environment stack: the function asks the Stage question, marks its stage Deployed, and reads the registry's versions. Defaults to none (all-in-one). */
    readonly promotion?: StagePromotion;
    /** Where the children were declared before the split (ApprovalEvents): they keep their URNs through aliases. Defaults to none. */
    readonly legacyParent?: pulumi.Resource;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** Roles (name suffixes) of the stack's own endpoint alarms. */
const ENDPOINT_ALARM_ROLES = { errors5xx: "endpoint-5xx", latency: "endpoint-latency" } as const;

/** Alarms on the endpoint that roll a blue/green update back (the stack's own). */
export function endpointAlarmNames(environment: string): { errors5xx: string; latency: string } {
    return { errors5xx: resourceName(environment, ENDPOINT_ALARM_ROLES.errors5xx), latency: resourceName(environment, ENDPOINT_ALARM_ROLES.latency) };
}

/** Roles (name suffixes) of every alarm the Deployer makes; the topic's policy must admit each by name. */
export function deployerAlarmRoles(): string[] {
    return [ENDPOINT_ALARM_ROLES.errors5xx, ENDPOINT_ALARM_ROLES.latency, "deploy-approved-errors", "deploy-approved-dlq-depth", "deploy-requests-age", "no-rollback-target"];
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

export interface DeployerEnvironmentInput {
    readonly environment: string;
    readonly groupName: string;
    readonly endpointName: string;
    readonly ledgerTableName: string;
    readonly topicArn: string;
    /** The account whose registry holds the group (the deploying account in the all-in-one layout). */
    readonly accountId: string;
    readonly modelExecutionRoleArn: string;
    readonly endpoint: EndpointSettings;
    /** An environment stack's stage (STAGE, STAGE_ORDER). Defaults to none. */
    readonly promotion?: StagePromotion;
}

/** Environment variables of deploy-approved (read once by lambdas/deploy-approved/settings.ts). Pure. */
export function deployerEnvironment(input: DeployerEnvironmentInput): Record<string, string> {
    return {
        ENVIRONMENT: input.environment,
        MODEL_PACKAGE_GROUP_NAME: input.groupName,
        ENDPOINT_NAME: input.endpointName,
        LEDGER_TABLE_NAME: input.ledgerTableName,
        TOPIC_ARN: input.topicArn,
        REGISTRY_ACCOUNT_ID: input.accountId,
        RESOURCE_PREFIX: deployedResourcePrefix(input.environment),
        MODEL_EXECUTION_ROLE_ARN: input.modelExecutionRoleArn,
        INSTANCE_TYPE: input.endpoint.instanceType,
        INITIAL_INSTANCE_COUNT: String(input.endpoint.initialInstanceCount),
        ROLLBACK_ALARM_NAMES: rollbackAlarmNames(input.environment, input.endpoint.rollbackAlarmNames).join(","),
        TERMINATION_WAIT_SECONDS: String(input.endpoint.terminationWaitSeconds),
        ...stageVariables(input.promotion),
    };
}

/**
 * The deploy queue: a message becomes visible again 6 minutes after a failed attempt (six times the
 * 60 s function timeout), and moves to the DLQ after 20 receives, i.e. about two hours of retries while
 * the endpoint is busy.
 */
export const DEPLOY_QUEUE = { functionTimeoutSeconds: 60, visibilityTimeoutSeconds: 360, maxReceiveCount: 20 };

export class Deployer extends pulumi.ComponentResource {
    readonly ledgerTable: aws.dynamodb.Table;
    readonly ledgerTableName: pulumi.Output<string>;
    readonly modelExecutionRole: aws.iam.Role;
    readonly modelExecutionRoleArn: pulumi.Output<string>;
    readonly function: aws.lambda.Function;
    /** FIFO queue between the approved/rejected rules and the deploy function. */
    readonly deployRequests: aws.sqs.Queue;
    /** The deploy queue's redrive DLQ (FIFO). */
    readonly dlq: aws.sqs.Queue;
    readonly endpointName: string;
    /** Managed policy that lets the approvers run `approvals live` / `history`; undefined without approvers. */
    readonly operatorReadPolicy?: aws.iam.Policy;
    readonly operatorReadPolicyArn?: pulumi.Output<string>;

    constructor(name: string, args: DeployerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:approvals:Deployer", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const scope = currentScope({ parent: this });
        const endpointName = args.endpointName ?? defaultEndpointName(env);
        this.endpointName = endpointName;
        const groupName = pulumi.output(args.modelPackageGroupName);
        const parent = childOptions(this, args.legacyParent);
        const children: ChildContext = { name, environment: env, tags, opts: parent };
        const keyArn = args.kmsKeyArn;
        const alarmRoles = new Set(deployerAlarmRoles());
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, args.topicArn, alarmRoles, role, props);

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

        // Approved/Rejected events reach the deploy function through a FIFO queue with one message group per
        // endpoint: one deployment at a time, in order, and a busy endpoint is retried for hours, not minutes.
        this.dlq = deadLetterQueue(children, "deploy-approved-dlq", keyArn, true);
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
                redrivePolicy: this.dlq.arn.apply((arn) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: DEPLOY_QUEUE.maxReceiveCount })),
                tags,
            },
            parent,
        );

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
        const alarmNames = rollbackAlarmNames(env, args.endpoint.rollbackAlarmNames);
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
        const endpointDimensions = { EndpointName: endpointName, VariantName: "AllTraffic" };
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

        const policy = pulumi
            .all([scope, this.ledgerTable.arn, args.topicArn, keyArn, this.deployRequests.arn, groupName, this.modelExecutionRole.arn, pulumi.all([rollbackAlarmArns, args.artifactsBucketName, args.pipelineName])])
            .apply(([s, tableArn, topicArn, kArn, requestQueueArn, g, modelRoleArn, [alarmArns, bucket, pipelineName]]) =>
                JSON.stringify(withStatements(
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
                    // Issue 10: in an environment stack the versions are the registry's (describe, create models, mark Deployed).
                    args.promotion ? environmentDeployRegistryStatements({ registryScope: registryScope(s, args.promotion), groupName: g, stage: args.promotion.stage }) : [],
                )),
            );
        // One deployment at a time per endpoint: the FIFO message group (Lambda delivers one group's messages in
        // order, the next only after the last is done) and the ledger's conditional write behind it.
        // No reserved concurrency: accounts with the new-account concurrency quota refuse any reservation.
        this.function = approvalFunction(children, {
            role: "deploy-approved",
            description: "Deploys exactly the approved version; rolls back a rejected live version",
            scope,
            policy,
            variables: pulumi
                .all([groupName, this.ledgerTable.name, args.topicArn, scope, this.modelExecutionRole.arn])
                .apply(([g, table, topicArn, s, modelRoleArn]) =>
                    deployerEnvironment({
                        environment: env,
                        groupName: g,
                        endpointName,
                        ledgerTableName: table,
                        topicArn,
                        accountId: args.promotion?.registryAccountId ?? s.accountId,
                        modelExecutionRoleArn: modelRoleArn,
                        endpoint: args.endpoint,
                        promotion: args.promotion,
                    }),
                ),
            timeoutSeconds: DEPLOY_QUEUE.functionTimeoutSeconds,
            kmsKeyArn: keyArn,
            logRetentionDays: args.logRetentionDays ?? 90,
            dlq: this.dlq,
            alarm,
            topicArn: args.topicArn,
        });
        new aws.lambda.EventSourceMapping(
            `${name}-deploy-requests-to-deploy-approved`,
            {
                eventSourceArn: this.deployRequests.arn,
                functionName: this.function.name,
                batchSize: 1,
                functionResponseTypes: ["ReportBatchItemFailures"],
                tags,
            },
            parent,
        );

        alarm(
            "deploy-approved-dlq-depth",
            dlqDepthAlarmProps(this.dlq.name, `Events wait in ${resourceName(env, "deploy-approved-dlq")}: an approval, deployment or notification did not go through. Inspect and redrive.`),
        );
        alarm("deploy-requests-age", {
            alarmDescription: `An approval or rejection has waited over an hour for ${endpointName} (endpoint busy or failing). See the deploy function's logs.`,
            namespace: "AWS/SQS",
            metricName: "ApproximateAgeOfOldestMessage",
            dimensions: { QueueName: this.deployRequests.name },
            statistic: "Maximum",
            period: 300,
            threshold: 3600,
        });
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
            ledgerTableName: this.ledgerTableName,
            modelExecutionRoleArn: this.modelExecutionRoleArn,
            endpointName,
            operatorReadPolicyArn: this.operatorReadPolicyArn,
        });
    }
}
