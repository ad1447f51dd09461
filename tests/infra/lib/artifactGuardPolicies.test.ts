/** The tamper function's role document (pure): least privilege, this environment's ARNs, the key through its services only. */
import { strict as assert } from "assert";
import { artifactTamperPolicy, notifyApproverPinningPolicy, TAMPER_LEDGER_ACTIONS } from "../../../infra/lib/artifactGuardPolicies";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { evaluate } from "./policyEvaluator";

const scope = { partition: "aws", region: "eu-west-1", accountId: "111111111111" };
const input = {
    scope,
    logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-artifact-tamper",
    ledgerTableArn: "arn:aws:dynamodb:eu-west-1:111111111111:table/sagemaker-approval-gate-dev-deployments",
    topicArn: "arn:aws:sns:eu-west-1:111111111111:sagemaker-approval-gate-dev-approvals",
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/abcd",
    dlqArn: "arn:aws:sqs:eu-west-1:111111111111:sagemaker-approval-gate-dev-artifact-tamper-dlq",
};

describe("infra/lib/artifactGuardPolicies: artifactTamperPolicy", () => {
    const doc = artifactTamperPolicy(input);
    const role = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-artifact-tamper";
    const may = (action: string, resource: string, context?: Record<string, string>) => evaluate({ principalArn: role, action, resource, context }, { identity: [doc] });

    it("grants no wildcard action, and names only this environment's ARNs", () => {
        assert.deepEqual(wildcardAllowActions(doc), []);
        for (const s of doc.Statement) for (const r of s.Resource ?? []) assert.match(r, /^arn:aws:[a-z]+:eu-west-1:111111111111:/, r);
    });

    it("writes its own logs, reads and records in the ledger (Query, GetItem, PutItem: nothing else), publishes, sends to its DLQ", () => {
        assert.deepEqual(TAMPER_LEDGER_ACTIONS, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]);
        for (const action of TAMPER_LEDGER_ACTIONS) assert.equal(may(action, input.ledgerTableArn), "allowed", action);
        for (const action of ["dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Scan"]) assert.equal(may(action, input.ledgerTableArn), "implicit-deny", action);
        assert.equal(may("logs:PutLogEvents", `arn:aws:logs:eu-west-1:111111111111:log-group:${input.logGroupName}:log-stream:2026/12/02/x`), "allowed");
        assert.equal(may("logs:PutLogEvents", "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/other:log-stream:x"), "implicit-deny");
        assert.equal(may("sns:Publish", input.topicArn), "allowed");
        assert.equal(may("sqs:SendMessage", input.dlqArn), "allowed");
        assert.equal(may("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111111111111:sagemaker-approval-gate-dev-events-dlq"), "implicit-deny");
    });

    it("uses the approvals key only through DynamoDB, SNS and SQS in this region, and reads nothing in S3 or ECR", () => {
        for (const service of ["dynamodb", "sns", "sqs"]) {
            assert.equal(may("kms:GenerateDataKey", input.kmsKeyArn, { "kms:ViaService": `${service}.eu-west-1.amazonaws.com` }), "allowed", service);
        }
        assert.equal(may("kms:Decrypt", input.kmsKeyArn, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }), "implicit-deny");
        assert.equal(may("kms:Decrypt", input.kmsKeyArn), "implicit-deny", "not directly");
        assert.equal(may("s3:GetObject", "arn:aws:s3:::b/k"), "implicit-deny");
        assert.equal(may("ecr:DescribeImages", "arn:aws:ecr:eu-west-1:111111111111:repository/r"), "implicit-deny");
    });
});

describe("infra/lib/artifactGuardPolicies: notify-approver's pinning reads (notifyApproverPinningPolicy)", () => {
    const bucket = "sagemaker-approval-gate-dev-training-111111111111";
    const pipeline = "sagemaker-approval-gate-dev-training";
    const doc = notifyApproverPinningPolicy({
        ...input,
        logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-notify-approver",
        dlqArn: "arn:aws:sqs:eu-west-1:111111111111:sagemaker-approval-gate-dev-notify-approver-dlq",
        reportBucketName: bucket,
        reportKeyPattern: `${pipeline}/*/Evaluate/output/evaluation/evaluation.json`,
        reportKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/artifacts",
        groupName: "Abalone-Dev",
        artifactsBucketName: bucket,
        pipelineName: pipeline,
        imageUris: ["111111111111.dkr.ecr.eu-west-1.amazonaws.com/serve:v1", "683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"],
    });
    const role = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-notify-approver";
    const may = (action: string, resource: string, context?: Record<string, string>) => evaluate({ principalArn: role, action, resource, context }, { identity: [doc] });
    const artifact = `arn:aws:s3:::${bucket}/${pipeline}/exec-1/Train/output/pipelines-exec-1-Train/output/model.tar.gz`;

    it("describes this group's versions (either spelling of the group), and no other group's", () => {
        assert.equal(may("sagemaker:DescribeModelPackage", "arn:aws:sagemaker:eu-west-1:111111111111:model-package/abalone-dev/7"), "allowed");
        assert.equal(may("sagemaker:DescribeModelPackage", "arn:aws:sagemaker:eu-west-1:111111111111:model-package/Abalone-Dev/7"), "allowed");
        assert.equal(may("sagemaker:DescribeModelPackage", "arn:aws:sagemaker:eu-west-1:111111111111:model-package/other/7"), "implicit-deny");
    });

    it("heads the training outputs (s3:GetObject) and lists only the pipeline's prefix, so a missing artifact is a 404", () => {
        assert.equal(may("s3:GetObject", artifact), "allowed");
        assert.equal(may("s3:GetObject", `arn:aws:s3:::${bucket}/scripts/x/preprocess.py`), "implicit-deny");
        assert.equal(may("s3:GetObject", `arn:aws:s3:::${bucket}/${pipeline}/exec-1/Preprocess/output/train/train.csv`), "implicit-deny", "not the training data");
        assert.equal(may("s3:ListBucket", `arn:aws:s3:::${bucket}`, { "s3:prefix": `${pipeline}/exec-1/Train/output/pipelines-exec-1-Train/output/model.tar.gz` }), "allowed");
        assert.equal(may("s3:ListBucket", `arn:aws:s3:::${bucket}`, { "s3:prefix": "scripts/" }), "implicit-deny");
        assert.equal(may("s3:ListBucket", `arn:aws:s3:::${bucket}`), "implicit-deny", "no listing of the whole bucket");
    });

    it("resolves tags only in the serving images' repositories; reads the pins (Query) and writes them (PutItem) in the ledger", () => {
        assert.equal(may("ecr:DescribeImages", "arn:aws:ecr:eu-west-1:111111111111:repository/serve"), "allowed");
        assert.equal(may("ecr:DescribeImages", "arn:aws:ecr:eu-west-1:683313688378:repository/sagemaker-xgboost"), "allowed");
        assert.equal(may("ecr:DescribeImages", "arn:aws:ecr:eu-west-1:111111111111:repository/other"), "implicit-deny");
        for (const action of ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"]) assert.equal(may(action, input.ledgerTableArn), "allowed", action);
        assert.equal(may("dynamodb:UpdateItem", input.ledgerTableArn), "implicit-deny");
        assert.deepEqual(wildcardAllowActions(doc), []);
    });
});
