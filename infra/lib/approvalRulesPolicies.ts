/**
 * The queue policies of the approval rules (infra/components/approvalRules.ts), pure: only the named EventBridge
 * rules may send to the deploy queue or the events DLQ.
 */
import { policyDocument, type PolicyDocument } from "./iamDocuments";

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
