/**
 * IAM documents of the tamper detection (issue 9 item 4, infra/components/artifactGuard.ts), as pure functions of
 * plain strings. Same rules as approvalEventsPolicies.ts: no wildcard action in any Allow, this environment's
 * ARNs only, the approvals key only through the services the function calls.
 */
import { commonStatements, notifyApproverPolicy, type FunctionPolicyInput, type NotifyPolicyInput } from "./approvalEventsPolicies";
import { bucketArns, ecrRepositoryArns, modelPackageArnPatterns, type AwsScope } from "./arns";
import { pipelineKeyPatterns, policyDocument, type PolicyDocument, type PolicyStatement } from "./iamDocuments";

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

export interface PinReadInput {
    readonly scope: AwsScope;
    /** The group whose versions are pinned and verified. */
    readonly groupName: string;
    /** The artifacts bucket and the pipeline writing into it: the registered artifacts are its training outputs. */
    readonly artifactsBucketName: string;
    readonly pipelineName: string;
    /** The serving images of the registered versions: tags are resolved to digests in their repositories only. */
    readonly imageUris: readonly string[];
}

/**
 * What observing a version's bytes takes (policies/lib/artifactObserve.ts): DescribeModelPackage on this group's
 * versions; HeadObject (authorised as s3:GetObject) on the training outputs only; s3:ListBucket limited to the
 * pipeline's prefix, so a deleted artifact answers 404 and not 403 (HeadObject API reference); DescribeImages on
 * the serving images' repositories.
 */
export function pinReadStatements(input: PinReadInput): PolicyStatement[] {
    const artifacts = bucketArns(input.scope.partition, input.artifactsBucketName).bucket;
    const keys = pipelineKeyPatterns(input.pipelineName);
    const repositories = ecrRepositoryArns(input.scope.partition, input.imageUris);
    return [
        { Sid: "DescribeThisGroupsVersions", Effect: "Allow", Action: ["sagemaker:DescribeModelPackage"], Resource: modelPackageArnPatterns(input.scope, input.groupName) },
        { Sid: "HeadRegisteredArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${artifacts}/${keys.modelArtifacts}`] },
        { Sid: "ListThePipelinesOutputs", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [artifacts], Condition: { StringLike: { "s3:prefix": keys.executions } } },
        ...(repositories.length ? [{ Sid: "ResolveServingImageTags", Effect: "Allow" as const, Action: ["ecr:DescribeImages"], Resource: repositories }] : []),
    ];
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
