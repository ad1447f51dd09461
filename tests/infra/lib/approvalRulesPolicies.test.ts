import { strict as assert } from "assert";
import { eventBridgeSendPolicy, eventTargetDlqPolicy } from "../../../infra/lib/approvalRulesPolicies";

describe("infra/lib/approvalRulesPolicies", () => {
    it("lets only the listed rules send failed deliveries to the events DLQ", () => {
        const dlq = eventTargetDlqPolicy("arn:q", ["arn:r1", "arn:r2"]);
        assert.deepEqual(dlq.Statement[0].Condition, { ArnEquals: { "aws:SourceArn": ["arn:r1", "arn:r2"] } });
        assert.deepEqual(dlq.Statement[0].Principal, { Service: ["events.amazonaws.com"] });
        assert.deepEqual(dlq.Statement[0].Action, ["sqs:SendMessage"]);
        assert.equal(dlq.Statement[0].Sid, "RulesSendFailedDeliveries");
    });

    it("lets only the listed rules send events to the deploy queue, on that queue only", () => {
        const queue = eventBridgeSendPolicy("arn:aws:sqs:us-east-1:111111111111:q.fifo", ["arn:r-approved"]);
        assert.deepEqual(queue.Statement.map((s) => [s.Sid, s.Effect, s.Resource]), [["RulesSendEvents", "Allow", ["arn:aws:sqs:us-east-1:111111111111:q.fifo"]]]);
        assert.deepEqual(queue.Statement[0].Condition, { ArnEquals: { "aws:SourceArn": ["arn:r-approved"] } });
    });
});
