/**
 * The Notifier of one environment: the notify-approver Lambda, which pins a new version's bytes at registration
 * and tells the approvers it waits for them (with its metrics and the live version's, from the ledger), invoked
 * asynchronously by ApprovalRules; its failed invocations go, after Lambda's retries, to a KMS-encrypted DLQ,
 * and alarms on its errors and the DLQ's depth notify the approvals topic.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { notifyApproverPinningPolicy } from "../lib/artifactGuardPolicies";
import { pipelineKeyPatterns } from "../lib/iamDocuments";
import { ASYNC_INVOCATION, deadLetterQueue, dlqDepthAlarmProps, topicAlarm, type ChildContext, type TopicAlarmProps } from "../lib/functionResources";
import { endpointName as defaultEndpointName, resourceName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import { approvalFunction, childOptions, logGroupName, registryScope, stageVariables, withStatements, type StagePromotion } from "./approvalFunction";
import { environmentNotifyRegistryStatements } from "../lib/promotionPolicies";
import { NOTIFY_TIMEOUT_SECONDS } from "../../lambdas/notify-approver/settings";

export interface NotifierArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The model package group whose new versions it announces. */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /** This environment's endpoint: the notice names the version live on it. Defaults to `sagemaker-approval-gate-<env>-endpoint`. */
    readonly endpointName?: string;
    /** The Deployer's ledger (live version, notification claims, pins). */
    readonly ledgerTableName: pulumi.Input<string>;
    readonly ledgerTableArn: pulumi.Input<string>;
    /** Bucket holding the evaluation reports and model artifacts (the pipeline's artifacts bucket). */
    readonly artifactsBucketName: pulumi.Input<string>;
    /** CMK of that bucket. Defaults to none (S3-managed keys). */
    readonly artifactsKmsKeyArn?: pulumi.Input<string>;
    /** Name of the training pipeline writing into that bucket: notify reads only its evaluation reports and training outputs. */
    readonly pipelineName: pulumi.Input<string>;
    /** Inference images of the registered versions (their tags are resolved to digests when pinning). */
    readonly modelImageUris: readonly string[];
    /** The approvals topic it publishes to and its alarms notify; its policy must admit notifierAlarmRoles(). */
    readonly topicArn: pulumi.Input<string>;
    /** The approvals CMK: the DLQ and log group are encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Retention of the function's log group, in days. Defaults to 90. */
    readonly logRetentionDays?: number;
    /** Lambda retries of a failed async invocation before it goes to the DLQ (0-2). Defaults to 2. */
    readonly maximumRetryAttempts?: number;
    /** Set in an environment stack: STAGE/STAGE_ORDER, and its role reads the registry's versions. Defaults to none (all-in-one). */
    readonly promotion?: StagePromotion;
    /** Where the children were declared before the split (ApprovalEvents): they keep their URNs through aliases. Defaults to none. */
    readonly legacyParent?: pulumi.Resource;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** Roles (name suffixes) of every alarm the Notifier makes; the topic's policy must admit each by name. */
export function notifierAlarmRoles(): string[] {
    return ["notify-approver-errors", "notify-approver-dlq-depth"];
}

export interface NotifierEnvironmentInput {
    readonly environment: string;
    readonly groupName: string;
    readonly endpointName: string;
    readonly ledgerTableName: string;
    readonly topicArn: string;
    /** An environment stack's stage (STAGE, STAGE_ORDER, REGISTRY_ACCOUNT_ID). Defaults to none. */
    readonly promotion?: StagePromotion;
}

/** Environment variables of notify-approver (read once by lambdas/notify-approver/settings.ts). Pure. */
export function notifierEnvironment(input: NotifierEnvironmentInput): Record<string, string> {
    return {
        ENVIRONMENT: input.environment,
        MODEL_PACKAGE_GROUP_NAME: input.groupName,
        ENDPOINT_NAME: input.endpointName,
        LEDGER_TABLE_NAME: input.ledgerTableName,
        TOPIC_ARN: input.topicArn,
        ...(input.promotion ? { REGISTRY_ACCOUNT_ID: input.promotion.registryAccountId } : {}),
        ...stageVariables(input.promotion),
    };
}

export class Notifier extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    /** Its async on-failure destination. */
    readonly dlq: aws.sqs.Queue;

    constructor(name: string, args: NotifierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:approvals:Notifier", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const scope = currentScope({ parent: this });
        const endpointName = args.endpointName ?? defaultEndpointName(env);
        const groupName = pulumi.output(args.modelPackageGroupName);
        const children: ChildContext = { name, environment: env, tags, opts: childOptions(this, args.legacyParent) };
        const alarmRoles = new Set(notifierAlarmRoles());
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, args.topicArn, alarmRoles, role, props);

        this.dlq = deadLetterQueue(children, "notify-approver-dlq", args.kmsKeyArn);
        const policy = pulumi
            .all([scope, args.ledgerTableArn, args.topicArn, args.kmsKeyArn, this.dlq.arn, args.artifactsBucketName, pulumi.all([args.pipelineName, groupName]), args.artifactsKmsKeyArn])
            .apply(([s, tableArn, topicArn, kArn, dlqArn, bucket, [pipelineName, g], reportKey]) =>
                JSON.stringify(withStatements(
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
                    // Issue 10: in an environment stack the versions it pins are the registry's.
                    args.promotion ? environmentNotifyRegistryStatements({ registryScope: registryScope(s, args.promotion), groupName: g }) : [],
                )),
            );
        this.function = approvalFunction(children, {
            role: "notify-approver",
            description: "Tells approvers a model version waits for them",
            scope,
            policy,
            variables: pulumi
                .all([groupName, args.ledgerTableName, args.topicArn])
                .apply(([g, table, topicArn]) => notifierEnvironment({ environment: env, groupName: g, endpointName, ledgerTableName: table, topicArn, promotion: args.promotion })),
            timeoutSeconds: NOTIFY_TIMEOUT_SECONDS,
            kmsKeyArn: args.kmsKeyArn,
            logRetentionDays: args.logRetentionDays ?? 90,
            dlq: this.dlq,
            asyncRetryAttempts: args.maximumRetryAttempts ?? ASYNC_INVOCATION.maximumRetryAttempts,
            alarm,
            topicArn: args.topicArn,
        });
        alarm(
            "notify-approver-dlq-depth",
            dlqDepthAlarmProps(this.dlq.name, `Events wait in ${resourceName(env, "notify-approver-dlq")}: an approval, deployment or notification did not go through. Inspect and redrive.`),
        );

        this.registerOutputs({ functionName: this.function.name });
    }
}
