/**
 * What the endpoint serves with and rolls back on (children of the Deployer): the model execution role the deploy
 * function passes to SageMaker (it reads only the training outputs, pulls only the registered images) and the
 * stack's own rollback alarms on the endpoint, which the deploy function creates at run time.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { cloudwatchAlarmArn, type AwsScope } from "../lib/arns";
import { modelExecutionRolePolicy } from "../lib/deployerPolicies";
import type { ChildContext, TopicAlarmProps } from "../lib/functionResources";
import { pipelineKeyPatterns, sagemakerAssumeRolePolicy } from "../lib/iamDocuments";
import { resourceName } from "../lib/naming";
import { ENDPOINT_ALARM_ROLES, rollbackAlarmNames } from "./deployerSettings";

export interface ModelExecutionInput {
    readonly scope: pulumi.Output<AwsScope>;
    readonly endpointName: string;
    /** endpoint.rollbackAlarmNames of the stack config (the stack's own are added). */
    readonly configuredRollbackAlarms: readonly string[];
    readonly artifactsBucketName: pulumi.Input<string>;
    readonly artifactsKmsKeyArn?: pulumi.Input<string>;
    readonly pipelineName: pulumi.Input<string>;
    readonly modelImageUris: readonly string[];
}

export interface ModelExecution {
    readonly role: aws.iam.Role;
    /** Every rollback alarm's ARN (rollbackAlarmNames). */
    readonly rollbackAlarmArns: pulumi.Output<string[]>;
}

/** `<name>-model-role` (`sagemaker-approval-gate-<env>-model-execution`) and `<name>-model-role-policy`. */
export function modelExecutionRole(ctx: ChildContext, input: ModelExecutionInput): ModelExecution {
    const { scope, endpointName } = input;
    const role = new aws.iam.Role(
        `${ctx.name}-model-role`,
        {
            name: resourceName(ctx.environment, "model-execution"),
            description: `Serves approved model versions on ${endpointName}`,
            assumeRolePolicy: scope.apply((s) => JSON.stringify(sagemakerAssumeRolePolicy(s))),
            tags: ctx.tags,
        },
        ctx.opts,
    );
    const alarmNames = rollbackAlarmNames(ctx.environment, input.configuredRollbackAlarms);
    const rollbackAlarmArns = scope.apply((s) => alarmNames.map((a) => cloudwatchAlarmArn(s, a)));
    new aws.iam.RolePolicy(
        `${ctx.name}-model-role-policy`,
        {
            role: role.name,
            policy: pulumi
                .all([scope, input.artifactsBucketName, input.pipelineName, input.artifactsKmsKeyArn, rollbackAlarmArns])
                .apply(([s, bucket, pipelineName, artifactsKey, alarmArns]) =>
                    JSON.stringify(
                        modelExecutionRolePolicy({
                            scope: s,
                            endpointName,
                            artifactsBucketName: bucket,
                            modelArtifactsKeyPattern: pipelineKeyPatterns(pipelineName).modelArtifacts,
                            artifactsKmsKeyArn: artifactsKey,
                            imageUris: input.modelImageUris,
                            rollbackAlarmArns: alarmArns,
                        }),
                    ),
                ),
        },
        ctx.opts,
    );
    return { role, rollbackAlarmArns };
}

/** The stack's own rollback alarms: 5XX errors, and ModelLatency above `latencyThresholdMs`. */
export function endpointAlarms(alarm: (role: string, props: TopicAlarmProps) => unknown, endpointName: string, latencyThresholdMs: number): void {
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
        alarmDescription: `${endpointName} model latency above ${latencyThresholdMs} ms: a blue/green update in progress rolls back`,
        namespace: "AWS/SageMaker",
        metricName: "ModelLatency",
        dimensions: endpointDimensions,
        statistic: "Average",
        period: 60,
        evaluationPeriods: 3,
        // ModelLatency is reported in microseconds.
        threshold: latencyThresholdMs * 1000,
        comparisonOperator: "GreaterThanThreshold",
    });
}
