/**
 * Every IAM document of the registry and the training pipeline, as pure functions of plain strings.
 * Tests call them directly; the components call them inside `pulumi.all(...).apply(...)`.
 *
 * Rules kept here: no wildcard actions in any Allow; every Allow names this environment's ARNs
 * (the exceptions are `ecr:GetAuthorizationToken`, `sagemaker:ListModelPackages` and
 * `cloudwatch:PutMetricData`, which IAM defines on `*` only; the last is bound to SageMaker's job namespaces).
 */
import {
    accountRootArn,
    AwsScope,
    bucketArns,
    ecrRepositoryArns,
    modelPackageArnPatterns,
    modelPackageGroupArn,
    parseS3Uri,
    principalArnForCondition,
    processingJobArnPattern,
    sagemakerJobLogGroupArns,
    trainingJobArnPattern,
} from "./arns";
import { evaluationReportKeyPattern, STEP_NAMES } from "../pipeline/definition";

export interface PolicyStatement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: { readonly AWS?: string[]; readonly Service?: string[] } | "*";
    readonly Action: string[];
    readonly Resource?: string[];
    readonly NotResource?: string[];
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: PolicyStatement[];
}

/** The only status a pipeline may register a version with. */
export const PENDING_MANUAL_APPROVAL = "PendingManualApproval";
/** The statuses an approver may set. */
export const APPROVER_STATUSES = ["Approved", "Rejected"] as const;

/** Read-only registry actions (the set AWS documents for cross-account model package group policies). */
export const REGISTRY_READ_ACTIONS = [
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:ListModelPackages",
];

/**
 * The ModelLifeCycle condition keys, spelled as AWS's Service Authorization Reference ("Actions, resources, and condition
 * keys for Amazon SageMaker AI") spells them (IAM compares key names case-insensitively; the developer guide's
 * "Set up Staging Construct Examples" writes `…:stage`/`…:stageStatus`). The request keys carry the lifecycle the
 * request sets (UpdateModelPackage, CreateModelPackage); the `Current…` keys, defined on the model-package resource,
 * carry the version's lifecycle before the request.
 */
export const LIFECYCLE_KEYS = {
    stage: "sagemaker:ModelLifeCycle:Stage",
    stageStatus: "sagemaker:ModelLifeCycle:StageStatus",
    currentStage: "sagemaker:CurrentModelLifeCycleStage",
    currentStageStatus: "sagemaker:CurrentModelLifeCycleStageStatus",
    approvalStatus: "sagemaker:ModelApprovalStatus",
} as const;

/** The CloudWatch namespaces SageMaker training and processing jobs publish their metrics to. */
export const SAGEMAKER_JOB_METRIC_NAMESPACES = ["/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TrainingJobs"] as const;

/** The read actions IAM can scope to a group and its versions in an identity policy. */
export const REGISTRY_DESCRIBE_ACTIONS = ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup"];

/** A policy document of these statements; an `undefined` (a statement that does not apply here) is left out. */
export function policyDocument(...statements: (PolicyStatement | undefined)[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements.filter((s): s is PolicyStatement => s !== undefined) };
}

/**
 * The `aws:PrincipalArn` values of a document bound to its principals: each once, an assumed-role session
 * as its role, sorted. Throws when there is none: the document would grant (or deny) nobody.
 */
export function conditionPrincipals(documentName: string, principalKind: string, principalArns: readonly string[]): string[] {
    if (principalArns.length === 0) throw new Error(`${documentName}: at least one ${principalKind} principal ARN is required`);
    return [...new Set(principalArns.map(principalArnForCondition))].sort();
}

/** The group and every version in it (both spellings of a capitalised name): what registry statements name. */
export function groupResources(scope: AwsScope, groupName: string): string[] {
    return [modelPackageGroupArn(scope, groupName), ...modelPackageArnPatterns(scope, groupName)];
}

export interface GroupPolicyInput {
    readonly scope: AwsScope;
    readonly groupName: string;
}

/**
 * Resource policy of the model package group: the listed consumer accounts may describe and list its
 * packages, nothing more. Returns undefined when there is no consumer (no policy is attached then).
 */
export function modelPackageGroupResourcePolicy(input: GroupPolicyInput & { readonly consumerAccountIds: readonly string[] }): PolicyDocument | undefined {
    if (input.consumerAccountIds.length === 0) return undefined;
    const accounts = [...new Set(input.consumerAccountIds)].sort();
    return policyDocument({
        Sid: "ConsumerAccountsReadOnly",
        Effect: "Allow",
        Principal: { AWS: accounts.map((id) => accountRootArn(input.scope.partition, id)) },
        Action: REGISTRY_READ_ACTIONS,
        Resource: groupResources(input.scope, input.groupName),
    });
}

/**
 * Guardrail for the identity that registers versions (the pipeline's execution role): it may create
 * packages in this group only as PendingManualApproval, and it may never change a package's status.
 * The Denies hold even if someone later attaches a broad policy (e.g. AmazonSageMakerFullAccess) to the role.
 */
export function registrarPolicy(input: GroupPolicyInput): PolicyDocument {
    const packages = modelPackageArnPatterns(input.scope, input.groupName);
    return policyDocument(
        {
            Sid: "RegisterOnlyAsPendingManualApproval",
            Effect: "Allow",
            Action: ["sagemaker:CreateModelPackage"],
            Resource: groupResources(input.scope, input.groupName),
            Condition: { StringEquals: { "sagemaker:ModelApprovalStatus": PENDING_MANUAL_APPROVAL } },
        },
        {
            Sid: "ReadThisRegistry",
            Effect: "Allow",
            Action: REGISTRY_DESCRIBE_ACTIONS,
            Resource: groupResources(input.scope, input.groupName),
        },
        {
            // StringNotEquals also matches a request without the key, so an omitted status is denied too.
            Sid: "DenySelfApprovalAtRegistration",
            Effect: "Deny",
            Action: ["sagemaker:CreateModelPackage"],
            Resource: groupResources(input.scope, input.groupName),
            Condition: { StringNotEquals: { "sagemaker:ModelApprovalStatus": PENDING_MANUAL_APPROVAL } },
        },
        {
            Sid: "DenyStatusChanges",
            Effect: "Deny",
            Action: ["sagemaker:UpdateModelPackage"],
            Resource: packages,
        },
        denyRegisteringWithALifecycle("DenyRegisteringWithALifecycleStage", input),
    );
}

/**
 * A version is registered with no lifecycle: only a stage's approvers put it on a stage. ModelLifeCycle requires Stage
 * (API reference), so "the request carries a Stage" is "the request carries a lifecycle".
 */
function denyRegisteringWithALifecycle(sid: string, input: GroupPolicyInput): PolicyStatement {
    return {
        Sid: sid,
        Effect: "Deny",
        Action: ["sagemaker:CreateModelPackage"],
        Resource: groupResources(input.scope, input.groupName),
        Condition: { Null: { [LIFECYCLE_KEYS.stage]: "false" } },
    };
}

/**
 * The approvers' policy: set Approved or Rejected on this group's versions, and read the registry.
 * The Allow also requires `aws:PrincipalArn` to be one of the configured approvers, so the policy grants
 * nothing if it is ever attached to anyone else (e.g. a same-named role in another account).
 */
export function approverPolicy(input: GroupPolicyInput & { readonly approverPrincipalArns: readonly string[] }): PolicyDocument {
    const principals = conditionPrincipals("approverPolicy", "approver", input.approverPrincipalArns);
    return policyDocument(
        {
            Sid: "ApproveOrRejectThisGroupsVersions",
            Effect: "Allow",
            Action: ["sagemaker:UpdateModelPackage"],
            Resource: modelPackageArnPatterns(input.scope, input.groupName),
            Condition: {
                StringEquals: { "sagemaker:ModelApprovalStatus": [...APPROVER_STATUSES] },
                ArnEquals: { "aws:PrincipalArn": principals },
            },
        },
        ...approverReadStatements(input, principals),
    );
}

/** What every approver reads: the group and its versions, and the list of versions; bound to `aws:PrincipalArn`. */
export function approverReadStatements(input: GroupPolicyInput, principals: readonly string[]): PolicyStatement[] {
    return [
        {
            Sid: "ReadThisRegistry",
            Effect: "Allow",
            Action: REGISTRY_DESCRIBE_ACTIONS,
            Resource: groupResources(input.scope, input.groupName),
            Condition: { ArnEquals: { "aws:PrincipalArn": [...principals] } },
        },
        {
            // IAM defines ListModelPackages on no resource type, so it can only be granted on "*"; it lists
            // names and statuses, and every detail still needs DescribeModelPackage on this group.
            Sid: "ListVersions",
            Effect: "Allow",
            Action: ["sagemaker:ListModelPackages"],
            Resource: ["*"],
            Condition: { ArnEquals: { "aws:PrincipalArn": [...principals] } },
        },
    ];
}

/**
 * A service control policy for the organization's admins (an SCP Deny binds every principal of the account,
 * including roles with AmazonSageMakerFullAccess, whatever their IAM policies say):
 * - nobody but the approvers may update a version of this group at all: not its status, and not what it
 *   serves either (`AdditionalInferenceSpecificationsToAdd` or `InferenceSpecification` on an Approved
 *   version would let a model nobody approved run under its approval, through CreateModel's
 *   `InferenceSpecificationName`);
 * - nobody, approvers included, may register a version in this group as anything but PendingManualApproval
 *   (a version registered Approved was never approved by a person), nor with a lifecycle stage (one no stage's
 *   approvers set).
 * The stack cannot attach an SCP from a member account, so it exports this document
 * (`approvalGuardrailScp`) for the management account.
 */
export function approvalGuardrailScp(input: GroupPolicyInput & { readonly approverPrincipalArns: readonly string[] }): PolicyDocument {
    const principals = conditionPrincipals("approvalGuardrailScp", "approver", input.approverPrincipalArns);
    return policyDocument(
        {
            Sid: "OnlyApproversUpdateVersions",
            Effect: "Deny",
            Action: ["sagemaker:UpdateModelPackage"],
            Resource: modelPackageArnPatterns(input.scope, input.groupName),
            Condition: { ArnNotEquals: { "aws:PrincipalArn": principals } },
        },
        {
            // StringNotEquals also matches a request without the key, as in the registrar guardrail.
            Sid: "NoVersionRegisteredApproved",
            Effect: "Deny",
            Action: ["sagemaker:CreateModelPackage"],
            Resource: groupResources(input.scope, input.groupName),
            Condition: { StringNotEquals: { "sagemaker:ModelApprovalStatus": PENDING_MANUAL_APPROVAL } },
        },
        denyRegisteringWithALifecycle("NoVersionRegisteredWithAStage", input),
    );
}

/** Trust policy: only one AWS service, acting for this account (aws:SourceAccount), assumes the role. */
export function serviceAssumeRolePolicy(scope: AwsScope, service: "sagemaker" | "lambda" | "events", sid: string): PolicyDocument {
    return policyDocument({
        Sid: sid,
        Effect: "Allow",
        Principal: { Service: [`${service}.amazonaws.com`] },
        Action: ["sts:AssumeRole"],
        Condition: { StringEquals: { "aws:SourceAccount": scope.accountId } },
    });
}

/** Trust policy: only SageMaker (in this account) assumes the pipeline execution role. */
export function sagemakerAssumeRolePolicy(scope: AwsScope): PolicyDocument {
    return serviceAssumeRolePolicy(scope, "sagemaker", "SageMakerAssumesRole");
}

/** Where the uploaded scripts live in the artifacts bucket (Pulumi uploads them; the jobs only read them). */
export const SCRIPTS_KEY_PREFIX = "scripts/";

/**
 * Object key patterns in the artifacts bucket, from where the pipeline definition has each step write:
 * every execution of this pipeline, its evaluation reports, its training outputs (model.tar.gz), the scripts.
 */
export function pipelineKeyPatterns(pipelineName: string) {
    return {
        executions: `${pipelineName}/*`,
        evaluationReports: evaluationReportKeyPattern(pipelineName),
        modelArtifacts: `${pipelineName}/*/${STEP_NAMES.train}/output/*`,
        scripts: `${SCRIPTS_KEY_PREFIX}*`,
    };
}

export interface PipelineRolePolicyInput {
    readonly scope: AwsScope;
    /** The role itself: it passes only itself to SageMaker. */
    readonly roleArn: string;
    readonly artifactsBucketName: string;
    /** The pipeline's name: every step writes under `<pipelineName>/<execution id>/`. */
    readonly pipelineName: string;
    /** The CMK that encrypts the artifacts bucket; omit when the bucket uses S3-managed keys. */
    readonly kmsKeyArn?: string;
    /** Raw data the preprocess step reads (s3://bucket/key or prefix). */
    readonly inputDataS3Uri: string;
    /** Every image the jobs and the registered model use. */
    readonly imageUris: readonly string[];
}

/**
 * The pipeline execution role's own permissions: its bucket (writes only under its own pipeline's
 * prefix, no deletes, the scripts read-only), its input data, the processing and
 * training jobs a pipeline starts, their logs and metrics, pulling its images and passing itself to
 * SageMaker (the permissions AWS lists for a CreateTrainingJob/CreateProcessingJob execution role).
 * Registry permissions come from `registrarPolicy`, attached next to this one.
 */
export function pipelineExecutionRolePolicy(input: PipelineRolePolicyInput): PolicyDocument {
    const { scope } = input;
    const artifacts = bucketArns(scope.partition, input.artifactsBucketName);
    const keys = pipelineKeyPatterns(input.pipelineName);
    const executions = `${artifacts.bucket}/${keys.executions}`;
    const data = parseS3Uri(input.inputDataS3Uri);
    const dataBucket = bucketArns(scope.partition, data.bucket);
    // The input is an S3 prefix (a single file is the prefix of itself), so scope to that prefix.
    const dataObjects = `${dataBucket.bucket}/${data.key}*`;
    const repositories = ecrRepositoryArns(scope.partition, input.imageUris);
    const statements: PolicyStatement[] = [
        {
            Sid: "RunPipelineJobs",
            Effect: "Allow",
            Action: [
                "sagemaker:AddTags",
                "sagemaker:CreateProcessingJob",
                "sagemaker:CreateTrainingJob",
                "sagemaker:DescribeProcessingJob",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:StopProcessingJob",
                "sagemaker:StopTrainingJob",
            ],
            Resource: [processingJobArnPattern(scope), trainingJobArnPattern(scope)],
        },
        {
            Sid: "PassOnlyItselfToSageMaker",
            Effect: "Allow",
            Action: ["iam:PassRole"],
            Resource: [input.roleArn],
            Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
        },
        {
            // The jobs list their S3Prefix inputs: the artifacts and the input data buckets.
            Sid: "ListBuckets",
            Effect: "Allow",
            Action: ["s3:GetBucketLocation", "s3:ListBucket"],
            Resource: [...new Set([artifacts.bucket, dataBucket.bucket])],
        },
        {
            // Processing outputs, the training output path and the evaluation report are all under
            // <pipeline>/<execution id>/ (infra/pipeline/definition.ts); no step deletes anything.
            Sid: "WriteThisPipelinesExecutions",
            Effect: "Allow",
            Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
            Resource: [executions],
        },
        {
            Sid: "ReadScripts",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: [`${artifacts.bucket}/${keys.scripts}`],
        },
        {
            Sid: "ReadInputData",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: [dataObjects],
        },
        {
            Sid: "JobLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            Resource: sagemakerJobLogGroupArns(scope),
        },
        {
            Sid: "PullImages",
            Effect: "Allow",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Resource: repositories,
        },
        {
            // The jobs publish their metrics (e.g. XGBoost's validation:rmse) to CloudWatch. IAM defines
            // PutMetricData on "*" only, so the namespace condition is what scopes it.
            Sid: "JobMetrics",
            Effect: "Allow",
            Action: ["cloudwatch:PutMetricData"],
            Resource: ["*"],
            Condition: { StringEquals: { "cloudwatch:namespace": [...SAGEMAKER_JOB_METRIC_NAMESPACES] } },
        },
        {
            // IAM defines GetAuthorizationToken on "*" only; it grants no image access by itself.
            Sid: "EcrAuthorizationToken",
            Effect: "Allow",
            Action: ["ecr:GetAuthorizationToken"],
            Resource: ["*"],
        },
    ];
    if (input.kmsKeyArn) {
        statements.push({
            Sid: "UseArtifactsKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
            Resource: [input.kmsKeyArn],
        });
    }
    return policyDocument(...statements);
}

export interface ReportReaderPolicyInput {
    readonly scope: AwsScope;
    readonly artifactsBucketName: string;
    /** Object key pattern of the evaluation reports, e.g. `<pipeline>/<any execution>/Evaluate/output/evaluation/evaluation.json`. */
    readonly reportKeyPattern: string;
    readonly kmsKeyArn: string;
    /** Only these principals get anything from the policy, wherever it is attached. */
    readonly readerPrincipalArns: readonly string[];
}

/**
 * Lets approvers read the evaluation reports they judge (the approver CLI shows them) and nothing else
 * in the artifacts bucket; the key may be used only through S3 in this region.
 */
export function reportReaderPolicy(input: ReportReaderPolicyInput): PolicyDocument {
    const principals = conditionPrincipals("reportReaderPolicy", "reader", input.readerPrincipalArns);
    const onlyReaders = { ArnEquals: { "aws:PrincipalArn": principals } };
    return policyDocument(
        {
            Sid: "ReadEvaluationReports",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: [`${bucketArns(input.scope.partition, input.artifactsBucketName).bucket}/${input.reportKeyPattern}`],
            Condition: onlyReaders,
        },
        {
            Sid: "DecryptReportsThroughS3",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: [input.kmsKeyArn],
            Condition: { ...onlyReaders, StringEquals: { "kms:ViaService": `s3.${input.scope.region}.amazonaws.com` } },
        },
    );
}

/** Bucket policy: refuse every request that does not use TLS. A wildcard action is right in a Deny. */
export function tlsOnlyBucketPolicy(partition: string, bucketName: string): PolicyDocument {
    const arns = bucketArns(partition, bucketName);
    return policyDocument({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: ["s3:*"],
        Resource: [arns.bucket, arns.objects],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
}

export interface ArtifactsBucketPolicyInput {
    readonly partition: string;
    readonly bucketName: string;
    readonly pipelineName: string;
    readonly pipelineRoleArn: string;
}

/**
 * What may change the bytes (or the retention) a key under the pipeline's outputs serves: writes, deletes of the
 * key or of a version, ACLs, and Object Lock's retention, legal hold and governance bypass (moot until Object Lock
 * is on, and then exactly what must not be open to others). CopyObject and CompleteMultipartUpload are PutObject.
 */
export const PIPELINE_OUTPUT_WRITE_ACTIONS = [
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
] as const;

/**
 * Bucket policy of the artifacts bucket (docs/artifact-integrity.md "Prevention"):
 * - TLS only;
 * - the pipeline role (whatever policy is ever attached to it) writes nothing outside its pipeline's executions
 *   and deletes nothing;
 * - nobody but the pipeline role (the role SageMaker's jobs write with) writes, deletes or re-ACLs anything
 *   under the pipeline's outputs: administrators and the deployer included (an explicit Deny beats every Allow);
 * Not tied to whoever runs `pulumi up`, on purpose: a statement naming the deploying identity changes with every
 * identity (CI, a person through IAM Identity Center, whose role ARN carries a path getCallerIdentity does not show),
 * which would give a diff on every other run and could lock a deployer out of its own scripts. The scripts, bucket
 * settings and this policy stay governed by IAM; the pins, not the bucket, prove the bytes (docs/security-model.md).
 */
export function artifactsBucketPolicy(input: ArtifactsBucketPolicyInput): PolicyDocument {
    const arns = bucketArns(input.partition, input.bucketName);
    const keys = pipelineKeyPatterns(input.pipelineName);
    const onlyThePipelineRole = { ArnEquals: { "aws:PrincipalArn": [input.pipelineRoleArn] } };
    return policyDocument(
        ...tlsOnlyBucketPolicy(input.partition, input.bucketName).Statement,
        {
            Sid: "DenyPipelineRoleWritesOutsideItsPrefix",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:PutObject"],
            NotResource: [`${arns.bucket}/${keys.executions}`],
            Condition: onlyThePipelineRole,
        },
        {
            Sid: "DenyPipelineRoleDeletes",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            Resource: [arns.objects],
            Condition: onlyThePipelineRole,
        },
        {
            // IAM cannot tell one training job from another of the same role: "the producing job" is its role.
            Sid: "OnlyThePipelineRoleWritesItsOutputs",
            Effect: "Deny",
            Principal: "*",
            Action: [...PIPELINE_OUTPUT_WRITE_ACTIONS],
            Resource: [`${arns.bucket}/${keys.executions}`],
            Condition: { ArnNotEquals: { "aws:PrincipalArn": [input.pipelineRoleArn] } },
        },
    );
}

/** Actions containing a wildcard in Allow statements: the least-privilege check tests and reviews use. */
export function wildcardAllowActions(document: PolicyDocument): string[] {
    return document.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action.filter((a) => a.includes("*")));
}
