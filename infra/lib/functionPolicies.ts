/**
 * What the role of every event-driven function of the stack holds (Notifier, Deployer, ArtifactGuard), as pure
 * functions of plain strings: Lambda's trust policy, its log group, the ledger (each write limited to the
 * partitions it writes), the topic, its DLQ, and the approvals key only through the services it calls.
 */
import { logGroupArns, type AwsScope } from "./arns";
import { policyDocument, serviceAssumeRolePolicy, type PolicyDocument, type PolicyStatement } from "./iamDocuments";

/** Trust policy of a function's role: Lambda, in this account. */
export function lambdaAssumeRolePolicy(scope: AwsScope): PolicyDocument {
    return serviceAssumeRolePolicy(scope, "lambda", "LambdaAssumesRole");
}

/** What both functions share: their log group, their DLQ, the ledger, publishing to the topic, the CMK. */
export interface FunctionPolicyInput {
    readonly scope: AwsScope;
    readonly logGroupName: string;
    readonly ledgerTableArn: string;
    readonly topicArn: string;
    /** The CMK of the topic, DLQs and logs. */
    readonly kmsKeyArn: string;
    /** Where failed async invocations go (on-failure destination); omit for a queue-fed function (SQS redrives). */
    readonly dlqArn?: string;
}

/**
 * The services each function reaches the approvals key through: the ledger (DynamoDB), the topic (SNS) and
 * a queue (SQS: notify's on-failure DLQ, the deploy request queue). Log encryption is CloudWatch Logs' own use
 * of the key (the key policy), not the functions'.
 */
export const FUNCTION_KMS_SERVICES = ["dynamodb", "sns", "sqs"] as const;

/**
 * Partition-key prefixes of the ledger's items (lambdas/shared/ledger.ts, policies/lib/pinRecord.ts,
 * policies/lib/tamperEvents.ts, lambdas/artifact-tamper/alerts.ts); the policy tests check each against those modules.
 */
export const LEDGER_PARTITIONS = {
    endpoint: "ENDPOINT#",
    notification: "NOTIFY#",
    pins: "PINS#",
    artifactIndex: "ARTIFACT#",
    imageIndex: "IMAGE#",
    tamperAlert: "TAMPER-ALERT#",
} as const;

/** Writes a role may make, only to items whose partition key matches one of `partitionKeys` (IAM wildcards). */
export interface LedgerWriteGrant {
    readonly sid: string;
    readonly actions: readonly string[];
    readonly partitionKeys: readonly string[];
}

/**
 * A write grant limited by `dynamodb:LeadingKeys`. DynamoDB checks it against each item's partition key, the Puts
 * of a TransactWriteItems included (they are authorised as PutItem, one by one). `ForAllValues` passes an empty key
 * set, which no PutItem or DeleteItem has: each names one item.
 */
export function ledgerWriteStatement(ledgerTableArn: string, grant: LedgerWriteGrant): PolicyStatement {
    return {
        Sid: grant.sid,
        Effect: "Allow",
        Action: [...grant.actions],
        Resource: [ledgerTableArn],
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...grant.partitionKeys] } },
    };
}

/**
 * What every function's role holds: its logs, the ledger (reads with `ledgerReads` on the table, each write limited to
 * the partitions it writes), the topic, its DLQ, the approvals key through those services.
 */
export function commonStatements(input: FunctionPolicyInput, ledgerReads: string[], ledgerWrites: readonly LedgerWriteGrant[] = []): PolicyStatement[] {
    return [
        { Sid: "OwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: logGroupArns(input.scope, input.logGroupName) },
        { Sid: "Ledger", Effect: "Allow", Action: ledgerReads, Resource: [input.ledgerTableArn] },
        ...ledgerWrites.map((grant) => ledgerWriteStatement(input.ledgerTableArn, grant)),
        { Sid: "PublishResults", Effect: "Allow", Action: ["sns:Publish"], Resource: [input.topicArn] },
        ...(input.dlqArn ? [{ Sid: "FailedInvocationsToDlq", Effect: "Allow" as const, Action: ["sqs:SendMessage"], Resource: [input.dlqArn] }] : []),
        {
            Sid: "UseTheApprovalsKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: [input.kmsKeyArn],
            Condition: { StringEquals: { "kms:ViaService": FUNCTION_KMS_SERVICES.map((service) => `${service}.${input.scope.region}.amazonaws.com`) } },
        },
    ];
}
