/**
 * The approvals topic of one environment: an SNS topic encrypted with its own CMK, the approvers'
 * emails subscribed, and a topic policy that lets the listed EventBridge rules and CloudWatch
 * alarms of this account publish. The same CMK encrypts the approval events' DLQs and log groups (see ApprovalEvents).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { environmentLedgerKeyStatement } from "../lib/stageVerificationPolicies";
import { approvalsKeyPolicy, approvalsTopicPolicy, type TopicPublishers } from "../lib/approvalsTopicPolicies";
import { currentScope } from "../lib/scope";

export interface ApprovalsTopicArgs {
    /** Name of the SNS topic, e.g. sagemaker-approval-gate-dev-approvals. */
    readonly topicName: string;
    /** Emails subscribed to the topic (each must confirm its subscription). Defaults to none. */
    readonly approverEmails?: readonly string[];
    /** The log groups the CMK may encrypt for CloudWatch Logs, by exact name, e.g. /aws/lambda/sagemaker-approval-gate-dev-notify-approver. */
    readonly logGroupNames: readonly string[];
    /** The EventBridge rules and CloudWatch alarms that may publish, by exact name (a prefix would admit other environments'). */
    readonly publishers: TopicPublishers;
    /**
     * The registry account whose stage approvers read the ledger this key encrypts (environment stack;
     * environmentLedgerKeyStatement: kms:Decrypt through DynamoDB only). Defaults to none: no such statement.
     */
    readonly ledgerReaderAccountId?: string;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** A Pulumi name for an email subscription that does not change when the list is reordered. */
export function subscriptionSuffix(email: string): string {
    return email.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

export class ApprovalsTopic extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly topic: aws.sns.Topic;
    readonly topicArn: pulumi.Output<string>;
    readonly subscriptions: aws.sns.TopicSubscription[];

    constructor(name: string, args: ApprovalsTopicArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:approvals:ApprovalsTopic", name, {}, opts);
        const tags = { ...(args.tags ?? {}) };
        const scope = currentScope({ parent: this });

        this.key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts the ${args.topicName} topic, the approval events' DLQs and logs`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: scope.apply((s) =>
                    JSON.stringify(
                        approvalsKeyPolicy(s, args.logGroupNames, args.ledgerReaderAccountId ? [environmentLedgerKeyStatement({ scope: s, registryAccountId: args.ledgerReaderAccountId })] : []),
                    ),
                ),
                tags,
            },
            { parent: this },
        );
        this.kmsKeyArn = this.key.arn;
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${args.topicName}`, targetKeyId: this.key.keyId }, { parent: this });

        this.topic = new aws.sns.Topic(`${name}-topic`, { name: args.topicName, kmsMasterKeyId: this.key.arn, tags }, { parent: this });
        this.topicArn = this.topic.arn;
        new aws.sns.TopicPolicy(
            `${name}-topic-policy`,
            { arn: this.topic.arn, policy: pulumi.all([scope, this.topic.arn]).apply(([s, arn]) => JSON.stringify(approvalsTopicPolicy(s, arn, args.publishers))) },
            { parent: this },
        );

        const emails = [...new Set(args.approverEmails ?? [])].sort();
        this.subscriptions = emails.map(
            (email) =>
                new aws.sns.TopicSubscription(
                    `${name}-email-${subscriptionSuffix(email)}`,
                    { topic: this.topic.arn, protocol: "email", endpoint: email },
                    { parent: this },
                ),
        );

        this.registerOutputs({ topicArn: this.topicArn, kmsKeyArn: this.kmsKeyArn });
    }
}
