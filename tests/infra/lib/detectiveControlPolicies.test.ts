/** The out-of-band function's role document (pure): least privilege, this environment's ARNs, its audit partition only. */
import { strict as assert } from "assert";
import { outOfBandPolicy } from "../../../infra/lib/detectiveControlPolicies";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { OUT_OF_BAND_AUDIT_PK } from "../../../lambdas/shared/auditTrail";
import { endpointKey, notificationKey } from "../../../lambdas/shared/ledger";
import { evaluate } from "./policyEvaluator";

const scope = { partition: "aws", region: "eu-west-1", accountId: "111111111111" };
const input = {
    scope,
    logGroupName: "/aws/lambda/sagemaker-approval-gate-prod-out-of-band",
    ledgerTableArn: "arn:aws:dynamodb:eu-west-1:111111111111:table/sagemaker-approval-gate-prod-deployments",
    topicArn: "arn:aws:sns:eu-west-1:111111111111:sagemaker-approval-gate-prod-approvals",
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/abcd",
    dlqArn: "arn:aws:sqs:eu-west-1:111111111111:sagemaker-approval-gate-prod-out-of-band-dlq",
};

describe("infra/lib/detectiveControlPolicies: outOfBandPolicy", () => {
    const doc = outOfBandPolicy(input);
    const role = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-prod-out-of-band";
    const may = (action: string, resource: string, context?: Record<string, string | string[]>) => evaluate({ principalArn: role, action, resource, context }, { identity: [doc] });

    it("grants no wildcard action, and names only this environment's ARNs", () => {
        assert.deepEqual(wildcardAllowActions(doc), []);
        for (const s of doc.Statement) for (const r of s.Resource ?? []) assert.match(r, /^arn:aws:[a-z]+:eu-west-1:111111111111:/, r);
    });

    it("reads its audit item (GetItem) and writes only its audit items: no other partition, no delete, no update, no query, no scan", () => {
        assert.equal(may("dynamodb:GetItem", input.ledgerTableArn, { "dynamodb:LeadingKeys": [OUT_OF_BAND_AUDIT_PK] }), "allowed");
        assert.equal(may("dynamodb:PutItem", input.ledgerTableArn, { "dynamodb:LeadingKeys": [OUT_OF_BAND_AUDIT_PK] }), "allowed");
        assert.equal(may("dynamodb:PutItem", input.ledgerTableArn, { "dynamodb:LeadingKeys": [endpointKey("sagemaker-approval-gate-prod-endpoint")] }), "implicit-deny", "never the deployment records");
        assert.equal(may("dynamodb:PutItem", input.ledgerTableArn, { "dynamodb:LeadingKeys": [notificationKey("arn:x")] }), "implicit-deny");
        assert.equal(may("dynamodb:PutItem", input.ledgerTableArn, { "dynamodb:LeadingKeys": ["AUDIT#something-else"] }), "implicit-deny");
        for (const action of ["dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:DeleteTable"]) assert.equal(may(action, input.ledgerTableArn), "implicit-deny", action);
        assert.equal(may("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:111111111111:table/other"), "implicit-deny");
    });

    it("publishes to the approvals topic, sends to its DLQ, writes its own logs, and uses the key only through DynamoDB, SNS and SQS", () => {
        assert.equal(may("sns:Publish", input.topicArn), "allowed");
        assert.equal(may("sns:Publish", "arn:aws:sns:eu-west-1:111111111111:other"), "implicit-deny");
        assert.equal(may("sqs:SendMessage", input.dlqArn), "allowed");
        assert.equal(may("logs:PutLogEvents", `arn:aws:logs:eu-west-1:111111111111:log-group:${input.logGroupName}:log-stream:x`), "allowed");
        assert.equal(may("kms:Decrypt", input.kmsKeyArn, { "kms:ViaService": "sns.eu-west-1.amazonaws.com" }), "allowed");
        assert.equal(may("kms:Decrypt", input.kmsKeyArn, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }), "implicit-deny");
    });

    it("cannot touch SageMaker or CloudTrail (the event carries what the alert says)", () => {
        for (const action of ["sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint", "cloudtrail:LookupEvents", "cloudtrail:StopLogging"]) assert.equal(may(action, "arn:aws:sagemaker:eu-west-1:111111111111:endpoint/x"), "implicit-deny", action);
    });
});
