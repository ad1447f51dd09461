/** The smoke test's role document (pure), through the IAM evaluator: it may reject, never approve. */
import { strict as assert } from "assert";
import { SMOKE_LEDGER_ACTIONS, smokeTestPolicy } from "../../../infra/lib/smokeTestPolicies";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { endpointKey } from "../../../lambdas/shared/ledger";
import { smokeKey } from "../../../lambdas/smoke-test/record";
import { pinsKey } from "../../../policies/lib/pinRecord";
import { evaluate } from "./policyEvaluator";

const scope = { partition: "aws", region: "eu-west-1", accountId: "111111111111" };
const sm = (resource: string) => `arn:aws:sagemaker:eu-west-1:111111111111:${resource}`;
const input = {
    scope,
    environment: "dev",
    endpointName: "sagemaker-approval-gate-dev-endpoint",
    groupName: "abalone-dev",
    logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-smoke-test",
    ledgerTableArn: "arn:aws:dynamodb:eu-west-1:111111111111:table/sagemaker-approval-gate-dev-deployments",
    topicArn: "arn:aws:sns:eu-west-1:111111111111:sagemaker-approval-gate-dev-approvals",
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/abcd",
    dlqArn: "arn:aws:sqs:eu-west-1:111111111111:sagemaker-approval-gate-dev-smoke-test-dlq",
};
const role = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-smoke-test";
const doc = smokeTestPolicy(input);
const may = (action: string, resource: string, context?: Record<string, string | string[]>) => evaluate({ principalArn: role, action, resource, context }, { identity: [doc] });
const VERSION = sm("model-package/abalone-dev/3");

describe("infra/lib/smokeTestPolicies: smokeTestPolicy", () => {
    it("grants no wildcard action, and names only this environment's ARNs", () => {
        assert.deepEqual(wildcardAllowActions(doc), []);
        for (const s of doc.Statement) for (const r of s.Resource ?? []) assert.match(r, /^arn:aws:[a-z]+:eu-west-1:111111111111:/, r);
    });

    it("may set Rejected on this group's versions, and nothing else: not Approved, not PendingManualApproval, not without a status, not another group", () => {
        assert.equal(may("sagemaker:UpdateModelPackage", VERSION, { "sagemaker:ModelApprovalStatus": "Rejected" }), "allowed");
        assert.equal(may("sagemaker:UpdateModelPackage", VERSION, { "sagemaker:ModelApprovalStatus": "Approved" }), "implicit-deny", "the smoke role cannot approve");
        assert.equal(may("sagemaker:UpdateModelPackage", VERSION, { "sagemaker:ModelApprovalStatus": "PendingManualApproval" }), "implicit-deny");
        assert.equal(may("sagemaker:UpdateModelPackage", VERSION), "implicit-deny", "an update that sets no status (metadata, stages) is refused too");
        assert.equal(may("sagemaker:UpdateModelPackage", sm("model-package/abalone-prod/3"), { "sagemaker:ModelApprovalStatus": "Rejected" }), "implicit-deny");
        assert.equal(may("sagemaker:CreateModelPackage", sm("model-package/abalone-dev/4"), { "sagemaker:ModelApprovalStatus": "Approved" }), "implicit-deny");
    });

    it("invokes this environment's endpoint only, and reads only what is deployed on it", () => {
        assert.equal(may("sagemaker:InvokeEndpoint", sm("endpoint/sagemaker-approval-gate-dev-endpoint")), "allowed");
        assert.equal(may("sagemaker:InvokeEndpoint", sm("endpoint/sagemaker-approval-gate-prod-endpoint")), "implicit-deny");
        assert.equal(may("sagemaker:DescribeEndpoint", sm("endpoint/sagemaker-approval-gate-dev-endpoint")), "allowed");
        assert.equal(may("sagemaker:DescribeEndpointConfig", sm("endpoint-config/sagemaker-approval-gate-dev--v3-1a2b3c4d")), "allowed");
        assert.equal(may("sagemaker:DescribeModel", sm("model/sagemaker-approval-gate-dev--v3-1a2b3c4d")), "allowed");
        assert.equal(may("sagemaker:DescribeModel", sm("model/sagemaker-approval-gate-dev-eu--v3-1a2b3c4d")), "implicit-deny", "another environment's model");
        assert.equal(may("sagemaker:DescribeModelPackage", VERSION), "allowed");
        for (const action of ["sagemaker:UpdateEndpoint", "sagemaker:CreateEndpointConfig", "sagemaker:DeleteEndpoint", "iam:PassRole"]) {
            assert.equal(may(action, sm("endpoint/sagemaker-approval-gate-dev-endpoint")), "implicit-deny", action);
        }
    });

    it("ledger: reads CURRENT and its items (GetItem), writes only SMOKE# items (PutItem), deletes nothing", () => {
        assert.deepEqual(SMOKE_LEDGER_ACTIONS, ["dynamodb:GetItem"]);
        const keys = (k: ReturnType<typeof smokeKey>) => ({ "dynamodb:LeadingKeys": [k.pk.S!] });
        assert.equal(may("dynamodb:GetItem", input.ledgerTableArn, { "dynamodb:LeadingKeys": [endpointKey(input.endpointName)] }), "allowed");
        assert.equal(may("dynamodb:PutItem", input.ledgerTableArn, keys(smokeKey(VERSION, "cfg"))), "allowed");
        assert.equal(may("dynamodb:PutItem", input.ledgerTableArn, { "dynamodb:LeadingKeys": [endpointKey(input.endpointName)] }), "implicit-deny", "never CURRENT or the history");
        assert.equal(may("dynamodb:PutItem", input.ledgerTableArn, { "dynamodb:LeadingKeys": [pinsKey(VERSION).pk] }), "implicit-deny");
        for (const action of ["dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan"]) assert.equal(may(action, input.ledgerTableArn), "implicit-deny", action);
        assert.equal(may("sns:Publish", input.topicArn), "allowed");
        assert.equal(may("sqs:SendMessage", input.dlqArn), "allowed");
    });

    it("reads sample payload archives only under the configured prefixes (none by default)", () => {
        assert.equal(may("s3:GetObject", "arn:aws:s3:::samples/abalone/p.tar.gz"), "implicit-deny");
        const withSamples = smokeTestPolicy({ ...input, samplePayloadS3Prefixes: ["s3://samples/abalone/"] });
        const ask = (resource: string) => evaluate({ principalArn: role, action: "s3:GetObject", resource }, { identity: [withSamples] });
        assert.equal(ask("arn:aws:s3:::samples/abalone/p.tar.gz"), "allowed");
        assert.equal(ask("arn:aws:s3:::samples/other/p.tar.gz"), "implicit-deny");
    });
});
