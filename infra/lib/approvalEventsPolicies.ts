/**
 * IAM and resource policies of the approval events (issue 3), as pure functions of plain strings.
 * Tests call them directly; `infra/components/approvalEvents.ts` calls them inside `apply`.
 *
 * Kept here: no wildcard actions in any Allow; each function's role names this environment's ARNs
 * only (its group's packages, its endpoint, models and endpoint configs by a name pattern no other
 * environment's names match, the ledger table, the topic, the evaluation reports, its own log group
 * and DLQ), and uses the key only through the services it calls; `iam:PassRole` only for the model
 * execution role and only to SageMaker. Whatever the stack names itself (rules, alarms, log groups)
 * is named by exact ARN.
 */
import {
    accountRootArn,
    bucketArns,
    cloudwatchAlarmArn,
    ecrRepositoryArns,
    environmentArn,
    logGroupArns,
    modelPackageArnPattern,
    sagemakerArn,
    type AwsScope,
} from "./arns";
import { deployedResourceNamePattern } from "./naming";
import { conditionPrincipals, policyDocument, serviceAssumeRolePolicy, type PolicyDocument, type PolicyStatement } from "./iamDocuments";

/**
 * Models and endpoint configs the deploy function creates (`sagemaker-approval-gate-<env>--*`, a pattern no other
 * environment's names match: see deployedResourcePrefix) and this environment's endpoint, lower-case as in ARNs.
 */
export function deployedResourceArns(scope: AwsScope, environment: string, endpointName: string) {
    const pattern = deployedResourceNamePattern(environment);
    return {
        models: sagemakerArn(scope, `model/${pattern}`),
        endpointConfigs: sagemakerArn(scope, `endpoint-config/${pattern}`),
        endpoint: sagemakerArn(scope, `endpoint/${endpointName.toLowerCase()}`),
    };
}

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

export interface NotifyPolicyInput extends FunctionPolicyInput {
    /** Bucket holding evaluation reports and the key pattern of the reports (pipelineKeyPatterns().evaluationReports). */
    readonly reportBucketName: string;
    readonly reportKeyPattern: string;
    /** The CMK of the report bucket, if it is not the approvals key. */
    readonly reportKmsKeyArn?: string;
}

/** notify-approver: read the evaluation reports (nothing else in the bucket), claim/release notifications, read what is live, publish. */
export function notifyApproverPolicy(input: NotifyPolicyInput): PolicyDocument {
    const reports = bucketArns(input.scope.partition, input.reportBucketName).bucket;
    const pattern = input.reportKeyPattern.replace(/^\/+/, "");
    return policyDocument(
        ...commonStatements(input, ["dynamodb:GetItem"], [
            // Claims, confirms and releases its notification leases: the only deletes any function makes.
            { sid: "LedgerNotificationClaims", actions: ["dynamodb:PutItem", "dynamodb:DeleteItem"], partitionKeys: [`${LEDGER_PARTITIONS.notification}*`] },
            // writePins: the pins and their reverse index, in one TransactWriteItems of conditional Puts.
            {
                sid: "LedgerPinsAtRegistration",
                actions: ["dynamodb:PutItem"],
                partitionKeys: [LEDGER_PARTITIONS.pins, LEDGER_PARTITIONS.artifactIndex, LEDGER_PARTITIONS.imageIndex].map((p) => `${p}*`),
            },
        ]),
        { Sid: "ReadEvaluationReports", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${reports}/${pattern}`] },
        input.reportKmsKeyArn
            ? {
                  Sid: "DecryptEvaluationReports",
                  Effect: "Allow",
                  Action: ["kms:Decrypt"],
                  Resource: [input.reportKmsKeyArn],
                  Condition: { StringEquals: { "kms:ViaService": `s3.${input.scope.region}.amazonaws.com` } },
              }
            : undefined,
    );
}

export interface DeployPolicyInput extends FunctionPolicyInput {
    readonly groupName: string;
    /** The environment: models and endpoint configs are created under its deployedResourcePrefix. */
    readonly environment: string;
    readonly endpointName: string;
    readonly modelExecutionRoleArn: string;
    /** Alarms named in the endpoint's AutoRollbackConfiguration. */
    readonly rollbackAlarmArns: readonly string[];
    /** The FIFO queue EventBridge puts Approved/Rejected events into, which the function consumes. */
    readonly requestQueueArn: string;
}

/** deploy-approved: describe this group's packages, create this environment's models/configs, create/update its endpoint. */
export function deployApprovedPolicy(input: DeployPolicyInput): PolicyDocument {
    const arns = deployedResourceArns(input.scope, input.environment, input.endpointName);
    return policyDocument(
        // The ledger's TransactWriteItems holds Put items only: PutItem covers them (no ConditionCheck item).
        ...commonStatements(input, ["dynamodb:GetItem", "dynamodb:Query"], [
            // CURRENT and the history of this environment's endpoint only: no other function writes ENDPOINT#.
            { sid: "LedgerThisEndpointsDeployments", actions: ["dynamodb:PutItem"], partitionKeys: [`${LEDGER_PARTITIONS.endpoint}${input.endpointName}`] },
            // recordTampering: TAMPERED records of a version whose bytes changed (conditional Puts).
            { sid: "LedgerTamperRecords", actions: ["dynamodb:PutItem"], partitionKeys: [`${LEDGER_PARTITIONS.pins}*`] },
        ]),
        {
            // What Lambda's SQS event source mapping calls with the execution role; the function itself calls no SQS.
            Sid: "ConsumeDeployRequests",
            Effect: "Allow",
            Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            Resource: [input.requestQueueArn],
        },
        {
            Sid: "ReadThisGroupsPackages",
            Effect: "Allow",
            Action: ["sagemaker:DescribeModelPackage"],
            Resource: [modelPackageArnPattern(input.scope, input.groupName)],
        },
        {
            Sid: "CreateModelsAndConfigsUnderThePrefix",
            Effect: "Allow",
            Action: ["sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:AddTags"],
            Resource: [arns.models, arns.endpointConfigs],
        },
        {
            Sid: "DeployThisEnvironmentsEndpoint",
            Effect: "Allow",
            Action: ["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:AddTags"],
            Resource: [arns.endpoint, arns.endpointConfigs],
        },
        input.rollbackAlarmArns.length
            ? { Sid: "ReadRollbackAlarms", Effect: "Allow", Action: ["cloudwatch:DescribeAlarms"], Resource: [...input.rollbackAlarmArns] }
            : undefined,
        {
            Sid: "PassOnlyTheModelRoleToSageMaker",
            Effect: "Allow",
            Action: ["iam:PassRole"],
            Resource: [input.modelExecutionRoleArn],
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
    );
}

export interface OperatorReadPolicyInput {
    readonly scope: AwsScope;
    /** The environment: the deploy function names models and endpoint configs under its deployedResourcePrefix. */
    readonly environment: string;
    readonly endpointName: string;
    readonly ledgerTableArn: string;
    /** The CMK the ledger table is encrypted with. */
    readonly ledgerKmsKeyArn: string;
    /** Only these principals get anything from the policy, wherever it is attached. */
    readonly readerPrincipalArns: readonly string[];
}

/**
 * What `approvals live` / `history` (and the "Live:" line of `pending` / `show`) read beyond the registry:
 * the environment's endpoint, its endpoint config and model (by the deploy function's name prefix), the
 * ledger items (GetItem for CURRENT, Query for the history), and the ledger's CMK only through DynamoDB.
 * Bound to `aws:PrincipalArn` like the approver policy, so it grants nothing to anyone else it is attached to.
 */
export function operatorReadPolicy(input: OperatorReadPolicyInput): PolicyDocument {
    const principals = conditionPrincipals("operatorReadPolicy", "reader", input.readerPrincipalArns);
    const onlyReaders = { ArnEquals: { "aws:PrincipalArn": principals } };
    const arns = deployedResourceArns(input.scope, input.environment, input.endpointName);
    return policyDocument(
        { Sid: "DescribeThisEnvironmentsEndpoint", Effect: "Allow", Action: ["sagemaker:DescribeEndpoint"], Resource: [arns.endpoint], Condition: onlyReaders },
        { Sid: "DescribeItsEndpointConfigs", Effect: "Allow", Action: ["sagemaker:DescribeEndpointConfig"], Resource: [arns.endpointConfigs], Condition: onlyReaders },
        { Sid: "DescribeItsModels", Effect: "Allow", Action: ["sagemaker:DescribeModel"], Resource: [arns.models], Condition: onlyReaders },
        { Sid: "ReadTheLedger", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query"], Resource: [input.ledgerTableArn], Condition: onlyReaders },
        {
            Sid: "DecryptTheLedgerThroughDynamoDB",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: [input.ledgerKmsKeyArn],
            Condition: { ...onlyReaders, StringEquals: { "kms:ViaService": `dynamodb.${input.scope.region}.amazonaws.com` } },
        },
    );
}

export interface ModelRolePolicyInput {
    readonly scope: AwsScope;
    readonly endpointName: string;
    /** Bucket (and CMK) holding the model artifacts the registered versions point at. */
    readonly artifactsBucketName: string;
    /** Key pattern of the training outputs (model.tar.gz) in it: pipelineKeyPatterns().modelArtifacts. */
    readonly modelArtifactsKeyPattern: string;
    readonly artifactsKmsKeyArn?: string;
    /** Inference images of the registered versions. */
    readonly imageUris: readonly string[];
    /** Alarms a blue/green update of the endpoint rolls back on. Defaults to none. */
    readonly rollbackAlarmArns?: readonly string[];
}

/** The model execution role: what a SageMaker model needs to serve (pull its image, read its training outputs and nothing else in the bucket, log). */
export function modelExecutionRolePolicy(input: ModelRolePolicyInput): PolicyDocument {
    const { scope } = input;
    const artifacts = bucketArns(scope.partition, input.artifactsBucketName);
    const repositories = ecrRepositoryArns(scope.partition, input.imageUris);
    return policyDocument(
        { Sid: "ReadModelArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${artifacts.bucket}/${input.modelArtifactsKeyPattern.replace(/^\/+/, "")}`] },
        input.artifactsKmsKeyArn
            ? {
                  Sid: "DecryptModelArtifacts",
                  Effect: "Allow",
                  Action: ["kms:Decrypt"],
                  Resource: [input.artifactsKmsKeyArn],
                  Condition: { StringEquals: { "kms:ViaService": `s3.${scope.region}.amazonaws.com` } },
              }
            : undefined,
        // IAM defines GetAuthorizationToken on "*" only; the action itself is not a wildcard.
        { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
        { Sid: "PullInferenceImages", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: repositories },
        {
            Sid: "EndpointLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: logGroupArns(scope, `/aws/sagemaker/Endpoints/${input.endpointName}`),
        },
        // SageMaker's deployment guardrails docs ask the execution role to read the auto-rollback alarms.
        input.rollbackAlarmArns?.length
            ? { Sid: "ReadRollbackAlarms", Effect: "Allow", Action: ["cloudwatch:DescribeAlarms"], Resource: [...input.rollbackAlarmArns] }
            : undefined,
        {
            Sid: "EndpointMetrics",
            Effect: "Allow",
            Action: ["cloudwatch:PutMetricData"],
            Resource: ["*"],
            Condition: { StringEquals: { "cloudwatch:namespace": ["/aws/sagemaker/Endpoints", "AWS/SageMaker"] } },
        },
    );
}

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
 * encrypted topic and queues from this account; CloudWatch Logs may use it for the listed log groups only.
 */
export function approvalsKeyPolicy(scope: AwsScope, logGroupNames: readonly string[]): PolicyDocument {
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
        {
            Sid: "LogsEncryptThisEnvironmentsLogGroups",
            Effect: "Allow",
            Principal: { Service: [`logs.${scope.region}.amazonaws.com`] },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: ["*"],
            Condition: {
                ArnEquals: { "kms:EncryptionContext:aws:logs:arn": [...new Set(logGroupNames)].sort().map((name) => environmentArn(scope, "logs", `log-group:${name}`)) },
            },
        },
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

/** DLQ policy: only the listed EventBridge rules may send failed deliveries to it. */
export function eventTargetDlqPolicy(queueArn: string, ruleArns: readonly string[]): PolicyDocument {
    return eventBridgeSendPolicy(queueArn, ruleArns, "RulesSendFailedDeliveries");
}

/** Queue policy: only the listed EventBridge rules may send to it (as a target or a DLQ). */
export function eventBridgeSendPolicy(queueArn: string, ruleArns: readonly string[], sid = "RulesSendEvents"): PolicyDocument {
    return policyDocument({
        Sid: sid,
        Effect: "Allow",
        Principal: { Service: ["events.amazonaws.com"] },
        Action: ["sqs:SendMessage"],
        Resource: [queueArn],
        Condition: { ArnEquals: { "aws:SourceArn": [...ruleArns] } },
    });
}
