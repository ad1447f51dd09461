import { strict as assert } from "assert";
import { approvalsKeyPolicy, approvalsTopicPolicy } from "../../../infra/lib/approvalsTopicPolicies";
import { logGroupName } from "../../../infra/components/approvalFunction";
import { allows, common, scope } from "./approvalPolicyInputs";

describe("infra/lib/approvalsTopicPolicies", () => {
    it("lets EventBridge and CloudWatch of this account use the key, and Logs only for this environment's log groups", () => {
        const key = approvalsKeyPolicy(scope, [logGroupName("dev", "notify-approver"), logGroupName("dev", "deploy-approved")]);
        const services = allows(key).flatMap((s) => (typeof s.Principal === "object" ? s.Principal.Service ?? [] : []));
        // No Lambda statement: a failed async invocation is delivered with the function's execution role.
        assert.deepEqual(services.sort(), ["cloudwatch.amazonaws.com", "events.amazonaws.com", "logs.us-east-1.amazonaws.com"]);
        const services_ = allows(key).filter((s) => typeof s.Principal === "object" && s.Principal.Service);
        // EventBridge gets AWS's documented statement (no source conditions, which its KMS requests are not documented to carry);
        // the topic and queue policies narrow it to this account's rules. Every other service grant is conditioned.
        for (const s of services_) assert.equal(!!s.Condition, s.Sid !== "EventBridgeDeliversEncrypted", s.Sid);
        assert.deepEqual(allows(key).find((s) => s.Sid === "EventBridgeDeliversEncrypted")!.Principal, { Service: ["events.amazonaws.com"] });
        const logs = allows(key).find((s) => s.Sid === "LogsEncryptThisEnvironmentsLogGroups")!;
        assert.deepEqual(logs.Condition, {
            ArnEquals: {
                "kms:EncryptionContext:aws:logs:arn": [
                    "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/sagemaker-approval-gate-dev-deploy-approved",
                    "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/sagemaker-approval-gate-dev-notify-approver",
                ],
            },
        });
    });

    it("lets only this account's rules and alarms publish to the topic, over TLS", () => {
        const topic = approvalsTopicPolicy(scope, common.topicArn, { ruleNames: ["sagemaker-approval-gate-dev-rejected"], alarmNames: ["b-alarm", "a-alarm"] });
        assert.deepEqual(allows(topic).map((s) => (s.Principal as { Service: string[] }).Service[0]), ["events.amazonaws.com", "cloudwatch.amazonaws.com"]);
        // This environment's rules and alarms, each by its exact ARN, not every rule and alarm in the account.
        assert.deepEqual(allows(topic).map((s) => s.Condition), [
            { ArnEquals: { "aws:SourceArn": ["arn:aws:events:us-east-1:111111111111:rule/sagemaker-approval-gate-dev-rejected"] } },
            { ArnEquals: { "aws:SourceArn": ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:a-alarm", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:b-alarm"] } },
        ]);
        assert.equal(topic.Statement.find((s) => s.Effect === "Deny")?.Condition?.Bool["aws:SecureTransport"], "false");
    });
});
