/**
 * deploy-approved (children of the Deployer): its role's policy (it verifies the bytes before it creates anything;
 * in an environment stack it also reaches the registry's versions as its stage), its settings, and the alarm on a
 * rejected live version with nothing to roll back to.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EndpointSettings } from "../config";
import { deployApprovedVerifyingPolicy } from "../lib/artifactGuardPolicies";
import type { AwsScope } from "../lib/arns";
import type { ChildContext, TopicAlarmProps } from "../lib/functionResources";
import { environmentDeployRegistryStatements } from "../lib/promotionPolicies";
import { METRIC_NAMESPACE } from "../../lambdas/shared/log";
import { approvalFunction, logGroupName, registryScope, withStatements, type StagePromotion } from "./approvalFunction";
import { DEPLOY_QUEUE, deployerEnvironment } from "./deployerSettings";

export interface DeployFunctionInput {
    readonly scope: pulumi.Output<AwsScope>;
    readonly groupName: pulumi.Output<string>;
    readonly endpointName: string;
    readonly endpoint: EndpointSettings;
    readonly ledgerTable: aws.dynamodb.Table;
    readonly topicArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly deployRequests: aws.sqs.Queue;
    /** The deploy queue's redrive DLQ (where a failed request ends up). */
    readonly dlq: aws.sqs.Queue;
    readonly modelExecutionRole: aws.iam.Role;
    readonly rollbackAlarmArns: pulumi.Output<string[]>;
    readonly artifactsBucketName: pulumi.Input<string>;
    readonly pipelineName: pulumi.Input<string>;
    readonly modelImageUris: readonly string[];
    readonly logRetentionDays: number;
    readonly promotion?: StagePromotion;
    readonly alarm: (role: string, props: TopicAlarmProps) => aws.cloudwatch.MetricAlarm;
}

export function deployFunction(ctx: ChildContext, input: DeployFunctionInput): aws.lambda.Function {
    const env = ctx.environment;
    const { scope, groupName, endpointName, promotion } = input;
    const policy = pulumi
        .all([scope, input.ledgerTable.arn, input.topicArn, input.kmsKeyArn, input.deployRequests.arn, groupName, input.modelExecutionRole.arn, pulumi.all([input.rollbackAlarmArns, input.artifactsBucketName, input.pipelineName])])
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
                    imageUris: input.modelImageUris,
                }),
                // Issue 10: in an environment stack the versions are the registry's (describe, create models, mark Deployed).
                promotion ? environmentDeployRegistryStatements({ registryScope: registryScope(s, promotion), groupName: g, stage: promotion.stage }) : [],
            )),
        );
    // One deployment at a time per endpoint: the FIFO message group (Lambda delivers one group's messages in
    // order, the next only after the last is done) and the ledger's conditional write behind it.
    // No reserved concurrency: accounts with the new-account concurrency quota refuse any reservation.
    const fn = approvalFunction(ctx, {
        role: "deploy-approved",
        description: "Deploys exactly the approved version; rolls back a rejected live version",
        scope,
        policy,
        variables: pulumi
            .all([groupName, input.ledgerTable.name, input.topicArn, scope, input.modelExecutionRole.arn])
            .apply(([g, table, topicArn, s, modelRoleArn]) =>
                deployerEnvironment({
                    environment: env,
                    groupName: g,
                    endpointName,
                    ledgerTableName: table,
                    topicArn,
                    accountId: promotion?.registryAccountId ?? s.accountId,
                    modelExecutionRoleArn: modelRoleArn,
                    endpoint: input.endpoint,
                    promotion,
                }),
            ),
        timeoutSeconds: DEPLOY_QUEUE.functionTimeoutSeconds,
        kmsKeyArn: input.kmsKeyArn,
        logRetentionDays: input.logRetentionDays,
        dlq: input.dlq,
        alarm: input.alarm,
        topicArn: input.topicArn,
    });
    return fn;
}

/** A rejected version is live and the ledger has nothing approved to roll back to (metric NoRollbackTarget). */
export function noRollbackTargetAlarm(alarm: (role: string, props: TopicAlarmProps) => unknown, env: string, endpointName: string): void {
    alarm("no-rollback-target", {
        alarmDescription: `A rejected version is live on ${endpointName} and the ledger has no approved version to roll back to. Approve a good version or take the endpoint down.`,
        namespace: METRIC_NAMESPACE,
        metricName: "NoRollbackTarget",
        dimensions: { Environment: env },
        statistic: "Sum",
        period: 60,
    });
}
