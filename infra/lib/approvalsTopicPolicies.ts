/**
 * The approvals topic's key and topic policies (infra/components/approvalsTopic.ts), as pure functions of plain
 * strings. Whatever the stack names itself (rules, alarms, log groups) is named by exact ARN.
 */
import { accountRootArn, cloudwatchAlarmArn, environmentArn, type AwsScope } from "./arns";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "./iamDocuments";

/** Key administration without `kms:*`: the account keeps full control of the key through explicit actions. */
export const KEY_ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias", "kms:DescribeKey",
    "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Encrypt", "kms:GenerateDataKey",
    "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListResourceTags", "kms:PutKeyPolicy",
    "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:TagResource",
    "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
];

/** A service may encrypt into (and read back from) the topic and queues the key protects. */
function serviceDeliversEncrypted(sid: string, service: string, condition?: PolicyStatement["Condition"]): PolicyStatement {
    return { Sid: sid, Effect: "Allow", Principal: { Service: [service] }, Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: ["*"], ...(condition ? { Condition: condition } : {}) };
}

/**
 * Key policy of the approvals CMK (topic, DLQs, log groups). The account administers it and delegates
 * use to IAM (the functions' roles: a failed async invocation reaches its DLQ with the function's own
 * role, so Lambda needs no statement here); EventBridge and CloudWatch may use it to deliver into the
 * encrypted topic and queues from this account; CloudWatch Logs may use it for the listed log groups only;
 * `extraStatements` (an environment stack: environmentLedgerKeyStatement) are appended as given.
 */
export function approvalsKeyPolicy(scope: AwsScope, logGroupNames: readonly string[], extraStatements: readonly PolicyStatement[] = []): PolicyDocument {
    const root = accountRootArn(scope.partition, scope.accountId);
    const thisAccount = { StringEquals: { "aws:SourceAccount": scope.accountId } };
    return policyDocument(
        { Sid: "AccountAdministersAndDelegatesToIam", Effect: "Allow", Principal: { AWS: [root] }, Action: KEY_ADMIN_ACTIONS, Resource: ["*"] },
        // The statement AWS documents for EventBridge targets that are encrypted topics and queues, without
        // aws:SourceAccount/aws:SourceArn: those keys are not documented for EventBridge's KMS requests, and if
        // they are absent every delivery fails, the DLQ's included (same key), and approvals vanish silently.
        // What may send is narrowed where it is documented: the topic and queue policies name this account's rules.
        serviceDeliversEncrypted("EventBridgeDeliversEncrypted", "events.amazonaws.com"),
        serviceDeliversEncrypted("AlarmsDeliverEncrypted", "cloudwatch.amazonaws.com", thisAccount),
        // A registry stack has no functions: no log group, no statement (KMS refuses an empty condition list).
        logGroupNames.length === 0 ? undefined : {
            Sid: "LogsEncryptThisEnvironmentsLogGroups",
            Effect: "Allow",
            Principal: { Service: [`logs.${scope.region}.amazonaws.com`] },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: ["*"],
            Condition: {
                ArnEquals: { "kms:EncryptionContext:aws:logs:arn": [...new Set(logGroupNames)].sort().map((name) => environmentArn(scope, "logs", `log-group:${name}`)) },
            },
        },
        // The key also protects the ledger: an environment stack lets the registry's approvers decrypt it through DynamoDB.
        ...extraStatements,
    );
}

/** The rules and alarms that publish to the approvals topic, by name (the stack names them all). */
export interface TopicPublishers {
    readonly ruleNames: readonly string[];
    readonly alarmNames: readonly string[];
}

/**
 * Topic policy: this environment's EventBridge rules and CloudWatch alarms, each by its exact ARN, may
 * publish (a name prefix would also admit another environment whose name starts with this one's);
 * nothing else is granted.
 */
export function approvalsTopicPolicy(scope: AwsScope, topicArn: string, publishers: TopicPublishers): PolicyDocument {
    const sorted = (names: readonly string[]) => [...new Set(names)].sort();
    return policyDocument(
        {
            Sid: "EventBridgeRulesPublish",
            Effect: "Allow",
            Principal: { Service: ["events.amazonaws.com"] },
            Action: ["sns:Publish"],
            Resource: [topicArn],
            Condition: { ArnEquals: { "aws:SourceArn": sorted(publishers.ruleNames).map((name) => environmentArn(scope, "events", `rule/${name}`)) } },
        },
        {
            Sid: "AlarmsPublish",
            Effect: "Allow",
            Principal: { Service: ["cloudwatch.amazonaws.com"] },
            Action: ["sns:Publish"],
            Resource: [topicArn],
            Condition: { ArnEquals: { "aws:SourceArn": sorted(publishers.alarmNames).map((name) => cloudwatchAlarmArn(scope, name)) } },
        },
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: ["sns:Publish"],
            Resource: [topicArn],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    );
}
