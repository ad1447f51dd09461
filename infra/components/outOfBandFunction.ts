/**
 * The detective control's function and what it runs with (children of DetectiveControl, names unchanged since the
 * component was one file): its KMS-encrypted on-failure DLQ and async-invocation settings, its encrypted log group,
 * and its own role holding exactly outOfBandPolicy.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { lambdaAssumeRolePolicy } from "../lib/functionPolicies";
import type { AwsScope } from "../lib/arns";
import { lambdaArchive, LAMBDA_RUNTIME } from "../lib/bundle";
import { outOfBandPolicy } from "../lib/detectiveControlPolicies";
import { ASYNC_INVOCATION, deadLetterQueue, type ChildContext } from "../lib/functionResources";
import type { TrustedPrincipals, WatchedResources } from "../../lambdas/out-of-band/calls";
import { OUT_OF_BAND_TIMEOUT_SECONDS } from "../../lambdas/out-of-band/settings";
import { OUT_OF_BAND_FUNCTION, outOfBandFunctionEnvironment, outOfBandFunctionName, outOfBandLogGroupName } from "./detectiveControlNames";

export interface OutOfBandFunctionInput {
    readonly children: ChildContext;
    readonly scope: pulumi.Output<AwsScope>;
    readonly watched: pulumi.Output<{ resources: WatchedResources; trusted: TrustedPrincipals }>;
    /** Where the audit items go (the deployment ledger; a registry stack's audit table). */
    readonly ledgerTableName: pulumi.Input<string>;
    readonly ledgerTableArn: pulumi.Input<string>;
    readonly topicArn: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    readonly maximumRetryAttempts: number;
}

export function outOfBandFunction(input: OutOfBandFunctionInput): { function: aws.lambda.Function; dlq: aws.sqs.Queue } {
    const { children, scope } = input;
    const { name, environment: env, tags, opts: parent } = children;
    const fnName = outOfBandFunctionName(env);
    const dlq = deadLetterQueue(children, `${OUT_OF_BAND_FUNCTION}-dlq`, input.kmsKeyArn);
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-${OUT_OF_BAND_FUNCTION}-logs`,
        { name: outOfBandLogGroupName(env), retentionInDays: input.logRetentionDays, kmsKeyId: input.kmsKeyArn, tags: { ...tags } },
        parent,
    );
    const role = new aws.iam.Role(
        `${name}-${OUT_OF_BAND_FUNCTION}-role`,
        { name: fnName, description: `Runs the ${fnName} function`, assumeRolePolicy: scope.apply((s) => JSON.stringify(lambdaAssumeRolePolicy(s))), tags: { ...tags } },
        parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
        `${name}-${OUT_OF_BAND_FUNCTION}-policy`,
        {
            role: role.name,
            policy: pulumi
                .all([scope, input.ledgerTableArn, input.topicArn, input.kmsKeyArn, dlq.arn])
                .apply(([s, ledgerTableArn, topicArn, kmsKeyArn, dlqArn]) => JSON.stringify(outOfBandPolicy({ scope: s, logGroupName: outOfBandLogGroupName(env), ledgerTableArn, topicArn, kmsKeyArn, dlqArn }))),
        },
        parent,
    );
    const fn = new aws.lambda.Function(
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
                    .all([input.ledgerTableName, input.topicArn, input.watched])
                    .apply(([ledgerTableName, topicArn, w]) => outOfBandFunctionEnvironment({ environment: env, ledgerTableName, topicArn, resources: w.resources, trusted: w.trusted })),
            },
            tags: { ...tags },
        },
        { ...parent, dependsOn: [logGroup, rolePolicy] },
    );
    new aws.lambda.FunctionEventInvokeConfig(
        `${name}-${OUT_OF_BAND_FUNCTION}-async`,
        {
            functionName: fn.name,
            maximumRetryAttempts: input.maximumRetryAttempts,
            maximumEventAgeInSeconds: ASYNC_INVOCATION.maximumEventAgeInSeconds,
            destinationConfig: { onFailure: { destination: dlq.arn } },
        },
        parent,
    );
    return { function: fn, dlq };
}
