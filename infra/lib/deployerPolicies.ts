/**
 * IAM policies of the Deployer (infra/components/deployer.ts), as pure functions of plain strings: the deploy
 * function's role, the model execution role it passes to SageMaker, and the approvers' operator-read policy.
 *
 * Kept here: no wildcard actions in any Allow; each names this environment's ARNs only (its group's packages, its
 * endpoint, models and endpoint configs by a name pattern no other environment's names match, the ledger table,
 * the topic, its own log group and queue); `iam:PassRole` only for the model execution role and only to SageMaker.
 */
import { bucketArns, ecrRepositoryArns, logGroupArns, modelPackageArnPattern, sagemakerArn, type AwsScope } from "./arns";
import { deployedResourceNamePattern } from "./naming";
import { conditionPrincipals, policyDocument, type PolicyDocument } from "./iamDocuments";
import { commonStatements, LEDGER_PARTITIONS, type FunctionPolicyInput } from "./functionPolicies";

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
