/**
 * The approval policies' documents for one example environment (dev, account 111111111111), shared by the
 * tests of deployerPolicies, notifierPolicies, functionPolicies, approvalsTopicPolicies and approvalRulesPolicies.
 */
import { deployApprovedPolicy, modelExecutionRolePolicy, operatorReadPolicy } from "../../../infra/lib/deployerPolicies";
import { notifyApproverPolicy } from "../../../infra/lib/notifierPolicies";
import type { PolicyDocument } from "../../../infra/lib/iamDocuments";

export const scope = { partition: "aws", region: "us-east-1", accountId: "111111111111" };
export const common = {
    scope,
    logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-deploy-approved",
    ledgerTableArn: "arn:aws:dynamodb:us-east-1:111111111111:table/sagemaker-approval-gate-dev-deployments",
    topicArn: "arn:aws:sns:us-east-1:111111111111:sagemaker-approval-gate-dev-approvals",
    kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/k",
    dlqArn: "arn:aws:sqs:us-east-1:111111111111:sagemaker-approval-gate-dev-deploy-approved-dlq",
};
export const MODEL_ROLE = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-model-execution";
export const REQUESTS = "arn:aws:sqs:us-east-1:111111111111:sagemaker-approval-gate-dev-deploy-requests.fifo";
export const deploy = deployApprovedPolicy({
    ...common,
    dlqArn: undefined,
    requestQueueArn: REQUESTS,
    groupName: "Abalone-Dev",
    environment: "dev",
    endpointName: "sagemaker-approval-gate-dev-endpoint",
    modelExecutionRoleArn: MODEL_ROLE,
    rollbackAlarmArns: ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:sagemaker-approval-gate-dev-endpoint-5xx"],
});
export const notify = notifyApproverPolicy({
    ...common,
    logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-notify-approver",
    reportBucketName: "artifacts",
    reportKeyPattern: "sagemaker-approval-gate-dev-training/*/Evaluate/output/evaluation/evaluation.json",
    reportKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/artifacts",
});
export const model = modelExecutionRolePolicy({
    scope,
    endpointName: "sagemaker-approval-gate-dev-endpoint",
    artifactsBucketName: "artifacts",
    modelArtifactsKeyPattern: "sagemaker-approval-gate-dev-training/*/Train/output/*",
    artifactsKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/artifacts",
    imageUris: ["683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"],
    rollbackAlarmArns: ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:sagemaker-approval-gate-dev-endpoint-5xx"],
});

export const APPROVER_SESSION = "arn:aws:sts::111111111111:assumed-role/ml-approver/alice";
export const APPROVER_USER = "arn:aws:iam::111111111111:user/bob";
export const operatorRead = operatorReadPolicy({
    scope,
    environment: "dev",
    endpointName: "sagemaker-approval-gate-dev-endpoint",
    ledgerTableArn: common.ledgerTableArn,
    ledgerKmsKeyArn: common.kmsKeyArn,
    readerPrincipalArns: [APPROVER_USER, APPROVER_SESSION, "arn:aws:iam::111111111111:role/ml-approver"],
});

export const allows = (doc: PolicyDocument) => doc.Statement.filter((s) => s.Effect === "Allow");
export const resourcesOf = (doc: PolicyDocument, action: string) => allows(doc).filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource ?? []);
