/**
 * IAM documents of the tamper detection (issue 9 item 4, infra/components/artifactGuard.ts), as pure functions of
 * plain strings. Same rules as deployerPolicies.ts and notifierPolicies.ts: no wildcard action in any Allow, this environment's
 * ARNs only, the approvals key only through the services the function calls.
 */
import { commonStatements, LEDGER_PARTITIONS, type FunctionPolicyInput, type LedgerWriteGrant } from "./functionPolicies";
import { deployApprovedPolicy, operatorReadPolicy, type DeployPolicyInput, type OperatorReadPolicyInput } from "./deployerPolicies";
import { notifyApproverPolicy, type NotifyPolicyInput } from "./notifierPolicies";
import { bucketArns, ecrRepositoryArns, modelPackageArnPatterns, type AwsScope } from "./arns";
import { conditionPrincipals, pipelineKeyPatterns, policyDocument, type PolicyDocument, type PolicyStatement } from "./iamDocuments";

/**
 * What the artifact-tamper function reads in the ledger (lambdas/artifact-tamper, policies/lib/pinStore.ts):
 * Query (the reverse index, the pins and tamper records of a version), GetItem (the alert marker).
 */
export const TAMPER_LEDGER_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query"];

/** What it writes: the TAMPERED records (conditional Puts in `PINS#…`) and its alert marker; it deletes nothing. */
export const TAMPER_LEDGER_WRITES: readonly LedgerWriteGrant[] = [
    { sid: "LedgerTamperRecordsAndAlerts", actions: ["dynamodb:PutItem"], partitionKeys: [`${LEDGER_PARTITIONS.pins}*`, `${LEDGER_PARTITIONS.tamperAlert}*`] },
];

/**
 * artifact-tamper: its log group, the ledger (read pins and the reverse index, record tampering), publish to the
 * approvals topic, its own on-failure DLQ, the approvals key via DynamoDB, SNS and SQS. Nothing in S3 or ECR: the
 * events carry what it compares (version id, ETag, digest) with the pins.
 */
export function artifactTamperPolicy(input: FunctionPolicyInput & { readonly dlqArn: string }): PolicyDocument {
    return policyDocument(...commonStatements(input, TAMPER_LEDGER_ACTIONS, TAMPER_LEDGER_WRITES));
}

/** Where a version's bytes are: what the bytes check (policies/lib/artifactObserve.ts) reads, for every caller. */
export interface BytesReadInput {
    readonly scope: AwsScope;
    /** The artifacts bucket and the pipeline writing into it: the registered artifacts are its training outputs. */
    readonly artifactsBucketName: string;
    readonly pipelineName: string;
    /** The serving images of the registered versions: tags are resolved to digests in their repositories only. */
    readonly imageUris: readonly string[];
}

export interface PinReadInput extends BytesReadInput {
    /** The group whose versions are pinned and verified. */
    readonly groupName: string;
}

/**
 * What observing a version's bytes takes (policies/lib/artifactObserve.ts): HeadObject (authorised as s3:GetObject)
 * on the training outputs only; s3:ListBucket limited to the pipeline's prefix, so a deleted artifact answers 404
 * and not 403 (HeadObject API reference); ecr:BatchGetImage, the pull API, on the serving images' repositories
 * (AWS-owned ones included: their repository policies let every account pull). No kms:Decrypt: a HeadObject
 * without checksum mode needs none (docs/artifact-integrity.md). `condition` is added to every statement.
 */
export function bytesReadStatements(input: BytesReadInput, condition: PolicyStatement["Condition"] = {}): PolicyStatement[] {
    const artifacts = bucketArns(input.scope.partition, input.artifactsBucketName).bucket;
    const keys = pipelineKeyPatterns(input.pipelineName);
    const repositories = ecrRepositoryArns(input.scope.partition, input.imageUris);
    const when = (own: PolicyStatement["Condition"] = {}) => (Object.keys({ ...condition, ...own }).length ? { Condition: { ...condition, ...own } } : {});
    return [
        { Sid: "HeadRegisteredArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${artifacts}/${keys.modelArtifacts}`], ...when() },
        { Sid: "ListThePipelinesOutputs", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [artifacts], ...when({ StringLike: { "s3:prefix": keys.executions } }) },
        ...(repositories.length ? [{ Sid: "ResolveServingImageTags", Effect: "Allow" as const, Action: ["ecr:BatchGetImage"], Resource: repositories, ...when() }] : []),
    ];
}

/** Pinning at registration: DescribeModelPackage on this group's versions, then the bytes. */
export function pinReadStatements(input: PinReadInput): PolicyStatement[] {
    return [
        { Sid: "DescribeThisGroupsVersions", Effect: "Allow", Action: ["sagemaker:DescribeModelPackage"], Resource: modelPackageArnPatterns(input.scope, input.groupName) },
        ...bytesReadStatements(input),
    ];
}

/**
 * deploy-approved with verification at deploy (lambdas/deploy-approved, policies/lib/approvalBytes.ts): its
 * document (it already describes this group's packages, Queries the pins and PutItems refusals and TAMPERED
 * records in the ledger), plus the bytes reads.
 */
export function deployApprovedVerifyingPolicy(input: DeployPolicyInput & BytesReadInput): PolicyDocument {
    return policyDocument(...deployApprovedPolicy(input).Statement, ...bytesReadStatements(input));
}

/**
 * The approvers' read policy with what `approvals approve` / `show` check before a person approves
 * (cli/approvals/pins.ts: one Query of the pins, which the policy grants already, and the bytes reads), bound to
 * `aws:PrincipalArn` like the rest of it.
 */
export function operatorReadVerifyingPolicy(input: OperatorReadPolicyInput & BytesReadInput): PolicyDocument {
    const onlyReaders = { ArnEquals: { "aws:PrincipalArn": conditionPrincipals("operatorReadPolicy", "reader", input.readerPrincipalArns) } };
    return policyDocument(...operatorReadPolicy(input).Statement, ...bytesReadStatements(input, onlyReaders));
}

/**
 * notify-approver with pinning at registration (lambdas/notify-approver/pinning.ts): its document, plus `Query` on
 * the ledger (readPins; writePins' TransactWriteItems of Puts is authorised as PutItem) and the pin reads.
 */
export function notifyApproverPinningPolicy(input: NotifyPolicyInput & PinReadInput): PolicyDocument {
    const base = notifyApproverPolicy(input);
    const statements = base.Statement.map((s) => (s.Sid === "Ledger" ? { ...s, Action: [...new Set([...s.Action, "dynamodb:Query"])] } : s));
    return policyDocument(...statements, ...pinReadStatements(input));
}
