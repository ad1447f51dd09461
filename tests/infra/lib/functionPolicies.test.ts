import { strict as assert } from "assert";
import { approvalsKeyPolicy, approvalsTopicPolicy, KEY_ADMIN_ACTIONS } from "../../../infra/lib/approvalsTopicPolicies";
import { eventTargetDlqPolicy } from "../../../infra/lib/approvalRulesPolicies";
import { lambdaAssumeRolePolicy } from "../../../infra/lib/functionPolicies";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { allows, common, deploy, model, notify, operatorRead, resourcesOf, REQUESTS, scope } from "./approvalPolicyInputs";

describe("infra/lib/functionPolicies", () => {
    it("grants no wildcard action anywhere (key admin included: explicit actions, not kms:*)", () => {
        for (const doc of [deploy, notify, model, operatorRead, approvalsKeyPolicy(scope, ["/aws/lambda/x"]), approvalsTopicPolicy(scope, common.topicArn, { ruleNames: ["r"], alarmNames: ["a"] }), lambdaAssumeRolePolicy(scope), eventTargetDlqPolicy("q", ["r"])]) {
            assert.deepEqual(wildcardAllowActions(doc), []);
        }
        assert.ok(!KEY_ADMIN_ACTIONS.includes("kms:*"));
    });

    it("gives each function only the ledger actions it uses, the topic, its own DLQ and log group", () => {
        assert.deepEqual(resourcesOf(deploy, "dynamodb:Query"), [common.ledgerTableArn]);
        assert.equal(resourcesOf(notify, "dynamodb:Query").length, 0, "notify never lists history");
        assert.deepEqual(resourcesOf(notify, "dynamodb:DeleteItem"), [common.ledgerTableArn]);
        assert.equal(resourcesOf(deploy, "dynamodb:DeleteItem").length, 0, "the ledger's history is append-only for the deployer");
        assert.deepEqual(resourcesOf(deploy, "sns:Publish"), [common.topicArn]);
        assert.deepEqual(resourcesOf(notify, "sqs:SendMessage"), [common.dlqArn], "notify's async on-failure destination");
        assert.deepEqual(resourcesOf(deploy, "sqs:SendMessage"), [], "the deploy queue's redrive moves failures, not the function");
        assert.deepEqual(resourcesOf(deploy, "sqs:ReceiveMessage"), [REQUESTS]);
        assert.deepEqual(resourcesOf(deploy, "sqs:DeleteMessage"), [REQUESTS]);
        assert.deepEqual(resourcesOf(deploy, "logs:PutLogEvents"), [common.logGroupName.replace(/^/, "arn:aws:logs:us-east-1:111111111111:log-group:"), `arn:aws:logs:us-east-1:111111111111:log-group:${common.logGroupName}:log-stream:*`]);
        assert.equal(resourcesOf(deploy, "s3:GetObject").length, 0);
    });

    it("lets each function use the approvals key only through the services it calls with it", () => {
        for (const [doc, services] of [
            [notify, ["dynamodb", "sns", "sqs"]],
            [deploy, ["dynamodb", "sns", "sqs"]],
        ] as const) {
            const key = allows(doc).find((s) => s.Sid === "UseTheApprovalsKey")!;
            assert.deepEqual(key.Resource, [common.kmsKeyArn]);
            assert.deepEqual(key.Condition, { StringEquals: { "kms:ViaService": services.map((sv) => `${sv}.us-east-1.amazonaws.com`) } });
        }
    });
});
