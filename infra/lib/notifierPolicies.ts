/**
 * The notify function's IAM policy (Notifier, infra/components/notifier.ts), a pure function of plain strings.
 * The evaluation reports only, under the pipeline's prefix; the ledger's notification claims and pins; the topic.
 */
import { bucketArns } from "./arns";
import { policyDocument, type PolicyDocument } from "./iamDocuments";
import { commonStatements, LEDGER_PARTITIONS, type FunctionPolicyInput } from "./functionPolicies";

export interface NotifyPolicyInput extends FunctionPolicyInput {
    /** Bucket holding evaluation reports and the key pattern of the reports (pipelineKeyPatterns().evaluationReports). */
    readonly reportBucketName: string;
    readonly reportKeyPattern: string;
    /** The CMK of the report bucket, if it is not the approvals key. */
    readonly reportKmsKeyArn?: string;
}

/** notify-approver: read the evaluation reports (nothing else in the bucket), claim/release notifications, read what is live, publish. */
export function notifyApproverPolicy(input: NotifyPolicyInput): PolicyDocument {
    const reports = bucketArns(input.scope.partition, input.reportBucketName).bucket;
    const pattern = input.reportKeyPattern.replace(/^\/+/, "");
    return policyDocument(
        ...commonStatements(input, ["dynamodb:GetItem"], [
            // Claims, confirms and releases its notification leases: the only deletes any function makes.
            { sid: "LedgerNotificationClaims", actions: ["dynamodb:PutItem", "dynamodb:DeleteItem"], partitionKeys: [`${LEDGER_PARTITIONS.notification}*`] },
            // writePins: the pins and their reverse index, in one TransactWriteItems of conditional Puts.
            {
                sid: "LedgerPinsAtRegistration",
                actions: ["dynamodb:PutItem"],
                partitionKeys: [LEDGER_PARTITIONS.pins, LEDGER_PARTITIONS.artifactIndex, LEDGER_PARTITIONS.imageIndex].map((p) => `${p}*`),
            },
        ]),
        { Sid: "ReadEvaluationReports", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${reports}/${pattern}`] },
        input.reportKmsKeyArn
            ? {
                  Sid: "DecryptEvaluationReports",
                  Effect: "Allow",
                  Action: ["kms:Decrypt"],
                  Resource: [input.reportKmsKeyArn],
                  Condition: { StringEquals: { "kms:ViaService": `s3.${input.scope.region}.amazonaws.com` } },
              }
            : undefined,
    );
}
