/** The tamper function's role document (pure): least privilege, this environment's ARNs, the key through its services only. */
import { strict as assert } from "assert";
import { artifactTamperPolicy, TAMPER_LEDGER_ACTIONS } from "../../../infra/lib/artifactGuardPolicies";
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
