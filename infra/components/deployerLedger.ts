/**
 * The deployment ledger (children of the Deployer): what was deployed, pinned and rolled back, per environment
 * (DynamoDB, pk/sk, encrypted with the approvals CMK, point-in-time recovery); and the approvers' operator-read
 * policy over it and the endpoint (`approvals live` / `history`, and the bytes `approve` / `show` check).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { operatorReadVerifyingPolicy } from "../lib/artifactGuardPolicies";
import type { AwsScope } from "../lib/arns";
import { attachPolicyToPrincipals } from "../lib/attachments";
import type { ChildContext } from "../lib/functionResources";
import { resourceName } from "../lib/naming";

/** `<name>-ledger`, table `sagemaker-approval-gate-<env>-deployments`; protected from deletion unless `deletionProtection` is false. */
export function ledgerTable(ctx: ChildContext, keyArn: pulumi.Input<string>, deletionProtection: boolean): aws.dynamodb.Table {
    return new aws.dynamodb.Table(
        `${ctx.name}-ledger`,
        {
            name: resourceName(ctx.environment, "deployments"),
            billingMode: "PAY_PER_REQUEST",
            hashKey: "pk",
            rangeKey: "sk",
            attributes: [
                { name: "pk", type: "S" },
                { name: "sk", type: "S" },
            ],
            serverSideEncryption: { enabled: true, kmsKeyArn: keyArn },
            pointInTimeRecovery: { enabled: true },
            deletionProtectionEnabled: deletionProtection,
            tags: ctx.tags,
        },
        ctx.opts,
    );
}

export interface OperatorReadInput {
    readonly scope: pulumi.Output<AwsScope>;
    readonly endpointName: string;
    readonly ledgerTable: aws.dynamodb.Table;
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The approvers: the policy's readers (none: no policy). */
    readonly readerPrincipalArns: readonly string[];
    /** Attach it to the readers (false: another stack manages their policies). */
    readonly attach: boolean;
    readonly artifactsBucketName: pulumi.Input<string>;
    readonly pipelineName: pulumi.Input<string>;
    readonly modelImageUris: readonly string[];
}

/** `<name>-operator-read-policy`, attached to each reader as `<name>-operator-read-…`; undefined without readers. */
export function operatorReadPolicy(ctx: ChildContext, input: OperatorReadInput): aws.iam.Policy | undefined {
    const readers = input.readerPrincipalArns;
    if (readers.length === 0) return undefined;
    const env = ctx.environment;
    const policy = new aws.iam.Policy(
        `${ctx.name}-operator-read-policy`,
        {
            description: `Read ${input.endpointName}, its configs and models, and the deployment ledger (approvals live/history); approvers only.`,
            policy: pulumi.all([input.scope, input.ledgerTable.arn, input.kmsKeyArn, input.artifactsBucketName, input.pipelineName]).apply(([s, tableArn, kArn, bucket, pipelineName]) =>
                JSON.stringify(
                    // Issue 9: `approvals approve` / `show` check the bytes the approver is shown (cli/approvals/pins.ts).
                    operatorReadVerifyingPolicy({
                        scope: s,
                        environment: env,
                        endpointName: input.endpointName,
                        ledgerTableArn: tableArn,
                        ledgerKmsKeyArn: kArn,
                        readerPrincipalArns: readers,
                        artifactsBucketName: bucket,
                        pipelineName,
                        imageUris: input.modelImageUris,
                    }),
                ),
            ),
            tags: ctx.tags,
        },
        ctx.opts,
    );
    if (input.attach) attachPolicyToPrincipals(`${ctx.name}-operator-read`, readers, policy.arn, ctx.opts);
    return policy;
}
