/**
 * IAM documents of the tamper detection (issue 9 item 4, infra/components/artifactGuard.ts), as pure functions of
 * plain strings. Same rules as approvalEventsPolicies.ts: no wildcard action in any Allow, this environment's
 * ARNs only, the approvals key only through the services the function calls.
 */
import { commonStatements, type FunctionPolicyInput } from "./approvalEventsPolicies";
import { policyDocument, type PolicyDocument } from "./iamDocuments";

/**
 * What the artifact-tamper function calls on the ledger (lambdas/artifact-tamper, policies/lib/pinStore.ts):
 * Query (the reverse index, the pins and tamper records of a version), GetItem (the alert marker),
 * PutItem (the TAMPERED records, conditional, and the alert marker).
 */
export const TAMPER_LEDGER_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"];

/**
 * artifact-tamper: its log group, the ledger (read pins and the reverse index, record tampering), publish to the
 * approvals topic, its own on-failure DLQ, the approvals key via DynamoDB, SNS and SQS. Nothing in S3 or ECR: the
 * events carry what it compares (version id, ETag, digest) with the pins.
 */
export function artifactTamperPolicy(input: FunctionPolicyInput & { readonly dlqArn: string }): PolicyDocument {
    return policyDocument(...commonStatements(input, TAMPER_LEDGER_ACTIONS));
}
