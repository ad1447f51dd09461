/**
 * One approval function (notify-approver in Notifier, deploy-approved in Deployer) with what each needs the same
 * way: a KMS-encrypted log group, a role of its own with its policy, the deterministic bundle, optionally Lambda's
 * async-invocation settings with an on-failure DLQ, and an alarm on its errors. Not a component: it declares the
 * children of the component that calls it, under that component's options.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { lambdaAssumeRolePolicy } from "../lib/functionPolicies";
import { lambdaArchive, LAMBDA_RUNTIME, type LambdaRole } from "../lib/bundle";
import { ASYNC_INVOCATION, type ChildContext, type TopicAlarmProps } from "../lib/functionResources";
import { resourceName } from "../lib/naming";
import type { AwsScope } from "../lib/arns";

export function functionName(environment: string, role: LambdaRole): string {
    return resourceName(environment, role);
}

export function logGroupName(environment: string, role: LambdaRole): string {
    return `/aws/lambda/${functionName(environment, role)}`;
}

/** The code archive of a function: one index.js from a StringAsset (no zip timestamps). */
export function functionCode(role: LambdaRole): pulumi.asset.AssetArchive {
    return lambdaArchive(role);
}

export interface ApprovalFunctionArgs {
    readonly role: LambdaRole;
    readonly description: string;
    readonly scope: pulumi.Output<AwsScope>;
    /** The role's policy document (JSON). */
    readonly policy: pulumi.Output<string>;
    readonly variables: pulumi.Input<Record<string, pulumi.Input<string>>>;
    readonly timeoutSeconds: number;
    /** The approvals CMK: the log group is encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    /** Where a failed event ends up: the async on-failure destination (with `asyncRetryAttempts`) or the feeding queue's redrive DLQ. */
    readonly dlq: aws.sqs.Queue;
    /** Set for an asynchronously invoked function: Lambda's retries before the DLQ (0-2). */
    readonly asyncRetryAttempts?: number;
    /** The calling component's alarm maker (the topic admits its alarms by name). */
    readonly alarm: (role: string, props: TopicAlarmProps) => aws.cloudwatch.MetricAlarm;
    readonly topicArn: pulumi.Input<string>;
}

export function approvalFunction(ctx: ChildContext, args: ApprovalFunctionArgs): aws.lambda.Function {
    const { name, environment: env, tags, opts } = ctx;
    const role = args.role;
    const fnName = functionName(env, role);
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-${role}-logs`,
        { name: logGroupName(env, role), retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn, tags: { ...tags } },
        opts,
    );
    const roleResource = new aws.iam.Role(
        `${name}-${role}-role`,
        { name: fnName, description: `Runs the ${fnName} function`, assumeRolePolicy: args.scope.apply((s) => JSON.stringify(lambdaAssumeRolePolicy(s))), tags: { ...tags } },
        opts,
    );
    const rolePolicy = new aws.iam.RolePolicy(`${name}-${role}-policy`, { role: roleResource.name, policy: args.policy }, opts);
    const fn = new aws.lambda.Function(
        `${name}-${role}`,
        {
            name: fnName,
            description: args.description,
            runtime: LAMBDA_RUNTIME,
            architectures: ["arm64"],
            handler: "index.handler",
            code: functionCode(role),
            role: roleResource.arn,
            memorySize: 256,
            timeout: args.timeoutSeconds,
            loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
            environment: { variables: args.variables },
            tags: { ...tags },
        },
        { ...opts, dependsOn: [logGroup, rolePolicy] },
    );
    if (args.asyncRetryAttempts !== undefined) {
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-${role}-async`,
            {
                functionName: fn.name,
                maximumRetryAttempts: args.asyncRetryAttempts,
                maximumEventAgeInSeconds: ASYNC_INVOCATION.maximumEventAgeInSeconds,
                destinationConfig: { onFailure: { destination: args.dlq.arn } },
            },
            opts,
        );
    }
    args.alarm(`${role}-errors`, {
        alarmDescription: pulumi.interpolate`${fnName} failed; failed events are retried, then kept in ${args.dlq.name}`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fnName },
        statistic: "Sum",
        period: 300,
        okActions: [args.topicArn],
    });
    return fn;
}

/** An environment stack's place in the promotion (absent in the all-in-one layout: no Stage question). */
export interface StagePromotion {
    /** This environment's ModelLifeCycle stage and the promotion order. */
    readonly stage: string;
    readonly stageOrder: readonly string[];
    /** The registry account: the group's versions, artifacts and images are its. */
    readonly registryAccountId: string;
    /**
     * The environment runs the smoke test: the deploy function marks its stage Deployed only once the smoke test of
     * that deployment passed (MARK_DEPLOYED_AFTER_SMOKE_TEST; lambdas/deploy-approved/smokeGate.ts). Defaults to false.
     */
    readonly markDeployedAfterSmokeTest?: boolean;
}

/** STAGE and STAGE_ORDER (lambdas/shared/env.ts stageEnv), none in the all-in-one layout. Pure. */
export function stageVariables(promotion: StagePromotion | undefined): Record<string, string> {
    return promotion ? { STAGE: promotion.stage, STAGE_ORDER: promotion.stageOrder.join(",") } : {};
}

/** The registry's scope: its account in this stack's partition and region. */
export function registryScope(scope: AwsScope, promotion: StagePromotion): AwsScope {
    return { ...scope, accountId: promotion.registryAccountId };
}

/** A policy document with more statements. */
export function withStatements<D extends { Statement: readonly unknown[] }>(doc: D, extra: readonly unknown[]): D {
    return { ...doc, Statement: [...doc.Statement, ...extra] };
}

/**
 * Options of a moved component's children: under `parent`, and aliased to the same name under `legacyParent`,
 * where the all-in-one stack declared them before the split (ApprovalEvents), so an existing stack updates them
 * in place instead of replacing them (the ledger included).
 *
 * The alias names the legacy parent by its URN, which the engine is told either way: given the resource itself,
 * the SDK walks that resource's whole object graph looking for unknown values (`containsUnknowns` on the alias),
 * about 1,400 objects per child, a tenth of a program run.
 */
export function childOptions(parent: pulumi.Resource, legacyParent?: pulumi.Resource): pulumi.CustomResourceOptions {
    return legacyParent ? { parent, aliases: [{ parent: legacyParent.urn }] } : { parent };
}
