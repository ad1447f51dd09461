/**
 * IAM document of the detective control's function (issue 11 part 2, infra/components/detectiveControl.ts), a pure
 * function of plain strings. Same rules as deployerPolicies.ts: no wildcard action, this environment's ARNs only,
 * the approvals key only through the services the function calls.
 */
import { OUT_OF_BAND_AUDIT_PK } from "../../lambdas/shared/auditTrail";
import { commonStatements, type FunctionPolicyInput, type LedgerWriteGrant } from "./functionPolicies";
import { policyDocument, type PolicyDocument } from "./iamDocuments";

/** What the function reads in the ledger: GetItem of its own audit item (was it alerted?). */
export const OUT_OF_BAND_LEDGER_READS = ["dynamodb:GetItem"];

/** What it writes: its audit items (PutItem in `AUDIT#out-of-band` only); it deletes nothing. */
export const OUT_OF_BAND_LEDGER_WRITES: readonly LedgerWriteGrant[] = [{ sid: "LedgerAuditTrail", actions: ["dynamodb:PutItem"], partitionKeys: [OUT_OF_BAND_AUDIT_PK] }];

/**
 * out-of-band: its log group, the ledger (read and write its audit items), publish to the approvals topic, its own
 * on-failure DLQ, the approvals key via DynamoDB, SNS and SQS. No SageMaker and no CloudTrail access: the event
 * carries everything the alert says.
 */
export function outOfBandPolicy(input: FunctionPolicyInput & { readonly dlqArn: string }): PolicyDocument {
    return policyDocument(...commonStatements(input, OUT_OF_BAND_LEDGER_READS, OUT_OF_BAND_LEDGER_WRITES));
}

