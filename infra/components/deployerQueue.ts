/**
 * The Deployer's queue (children of the Deployer): approved/rejected events reach the deploy function through a
 * FIFO queue with one message group per endpoint, so one deployment at a time, in order, and a busy endpoint is
 * retried for hours, not minutes; then a FIFO DLQ. Alarms on the DLQ's depth and the queue's age.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { deadLetterQueue, dlqDepthAlarmProps, type ChildContext, type TopicAlarmProps } from "../lib/functionResources";
import { resourceName } from "../lib/naming";
import { DEPLOY_QUEUE } from "./deployerSettings";

export interface DeployQueues {
    /** FIFO queue between the approved/rejected rules and the deploy function. */
    readonly deployRequests: aws.sqs.Queue;
    /** The deploy queue's redrive DLQ (FIFO). */
    readonly dlq: aws.sqs.Queue;
}

/** `<name>-deploy-requests` (`…-deploy-requests.fifo`) and its redrive DLQ `<name>-deploy-approved-dlq`, encrypted with `keyArn`. */
export function deployQueues(ctx: ChildContext, keyArn: pulumi.Input<string>): DeployQueues {
    const dlq = deadLetterQueue(ctx, "deploy-approved-dlq", keyArn, true);
    const deployRequests = new aws.sqs.Queue(
        `${ctx.name}-deploy-requests`,
        {
            name: `${resourceName(ctx.environment, "deploy-requests")}.fifo`,
            fifoQueue: true,
            contentBasedDeduplication: true,
            kmsMasterKeyId: keyArn,
            kmsDataKeyReusePeriodSeconds: 300,
            // Lambda's guidance: at least six times the function timeout.
            visibilityTimeoutSeconds: DEPLOY_QUEUE.visibilityTimeoutSeconds,
            messageRetentionSeconds: 4 * 24 * 3600,
            redrivePolicy: dlq.arn.apply((arn) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: DEPLOY_QUEUE.maxReceiveCount })),
            tags: ctx.tags,
        },
        ctx.opts,
    );
    return { deployRequests, dlq };
}

/** `<name>-deploy-requests-to-deploy-approved`: one message per invocation, failures reported per item. */
export function deployRequestsSource(ctx: ChildContext, queues: DeployQueues, fn: aws.lambda.Function): aws.lambda.EventSourceMapping {
    return new aws.lambda.EventSourceMapping(
        `${ctx.name}-deploy-requests-to-deploy-approved`,
        { eventSourceArn: queues.deployRequests.arn, functionName: fn.name, batchSize: 1, functionResponseTypes: ["ReportBatchItemFailures"], tags: ctx.tags },
        ctx.opts,
    );
}

/** Events waiting in the DLQ; an approval or rejection waiting over an hour. */
export function deployQueueAlarms(alarm: (role: string, props: TopicAlarmProps) => unknown, env: string, endpointName: string, queues: DeployQueues): void {
    alarm(
        "deploy-approved-dlq-depth",
        dlqDepthAlarmProps(queues.dlq.name, `Events wait in ${resourceName(env, "deploy-approved-dlq")}: an approval, deployment or notification did not go through. Inspect and redrive.`),
    );
    alarm("deploy-requests-age", {
        alarmDescription: `An approval or rejection has waited over an hour for ${endpointName} (endpoint busy or failing). See the deploy function's logs.`,
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: queues.deployRequests.name },
        statistic: "Maximum",
        period: 300,
        threshold: 3600,
    });
}
