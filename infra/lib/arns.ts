/**
 * ARNs of this environment's resources, built from plain strings. Pure, so the IAM documents that use
 * them can be tested without Pulumi. SageMaker lower-cases the group name inside model package ARNs
 * (`…:model-package/abalone-dev/3`), so every package ARN goes through `modelPackageArnPattern`; IAM
 * statements use `modelPackageArnPatterns`, which also names a capitalised group as written.
 */

/** Where an environment lives: the partition, region and account its resources are created in. */
export interface AwsScope {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`: a resource of this environment's region and account. */
export function environmentArn(scope: AwsScope, service: string, resource: string): string {
    return `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
}

/** `arn:…:sagemaker:<region>:<account>:<resource>`; the callers lower-case names where SageMaker does. */
export function sagemakerArn(scope: AwsScope, resource: string): string {
    return environmentArn(scope, "sagemaker", resource);
}

/** `arn:…:iam::<account>:root`: the account itself, as a principal. */
export function accountRootArn(partition: string, accountId: string): string {
    return `arn:${partition}:iam::${accountId}:root`;
}

/** `arn:…:cloudwatch:<region>:<account>:alarm:<name>` (a name prefix with `*` makes a pattern). */
export function cloudwatchAlarmArn(scope: AwsScope, alarmName: string): string {
    return environmentArn(scope, "cloudwatch", `alarm:${alarmName}`);
}

/** A log group and its streams: `arn:…:logs:…:log-group:<name>` and `…:log-stream:*`. */
export function logGroupArns(scope: AwsScope, logGroupName: string): string[] {
    const group = environmentArn(scope, "logs", `log-group:${logGroupName}`);
    return [group, `${group}:log-stream:*`];
}

/** `arn:…:model-package-group/<group>` (the group keeps its case here). */
export function modelPackageGroupArn(scope: AwsScope, groupName: string): string {
    return sagemakerArn(scope, `model-package-group/${groupName}`);
}

/** Every version in the group: `arn:…:model-package/<group lower-cased>/*`. */
export function modelPackageArnPattern(scope: AwsScope, groupName: string): string {
    return sagemakerArn(scope, `model-package/${groupName.toLowerCase()}/*`);
}

/**
 * The package patterns IAM statements name: the lower-cased one SageMaker's ARNs carry, and, for a group
 * whose name has capitals, the spelling as written too. IAM matches resource ARNs case-sensitively and
 * authorizes the ARN as the request spells it (AccessDenied messages show `model-package/MyGroup/1` for a
 * caller who wrote it so), so a statement that names only one spelling could miss a request (an Allow) or,
 * worse, let one through (a Deny). Both spellings name the same group.
 */
export function modelPackageArnPatterns(scope: AwsScope, groupName: string): string[] {
    return [...new Set([modelPackageArnPattern(scope, groupName), sagemakerArn(scope, `model-package/${groupName}/*`)])];
}

/** `arn:…:pipeline/<name lower-cased>` (SageMaker lower-cases pipeline names in ARNs too). */
export function pipelineArn(scope: AwsScope, pipelineName: string): string {
    return sagemakerArn(scope, `pipeline/${pipelineName.toLowerCase()}`);
}

/**
 * Jobs a SageMaker Pipeline starts are named `pipelines-<execution id>-<step>-<suffix>`; the prefix is
 * the only part of the name known in advance, so job permissions are scoped to it.
 */
export const PIPELINE_JOB_NAME_PREFIX = "pipelines-";

export function processingJobArnPattern(scope: AwsScope): string {
    return sagemakerArn(scope, `processing-job/${PIPELINE_JOB_NAME_PREFIX}*`);
}

export function trainingJobArnPattern(scope: AwsScope): string {
    return sagemakerArn(scope, `training-job/${PIPELINE_JOB_NAME_PREFIX}*`);
}

/** CloudWatch log groups SageMaker writes processing and training job logs to. */
export function sagemakerJobLogGroupArns(scope: AwsScope): string[] {
    return [...logGroupArns(scope, "/aws/sagemaker/ProcessingJobs"), ...logGroupArns(scope, "/aws/sagemaker/TrainingJobs")];
}

/** `arn:…:s3:::bucket` and `arn:…:s3:::bucket/*`. */
export function bucketArns(partition: string, bucketName: string): { bucket: string; objects: string } {
    return { bucket: `arn:${partition}:s3:::${bucketName}`, objects: `arn:${partition}:s3:::${bucketName}/*` };
}

/** Splits `s3://bucket/key/prefix` into bucket and key (key may be empty). */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match) throw new Error(`Not an S3 URI: ${JSON.stringify(uri)} (expected s3://bucket/key)`);
    return { bucket: match[1], key: match[2] };
}

/**
 * The ECR repository ARN of an image URI such as
 * `683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1` (registry account and region
 * come from the URI, not from this environment: built-in images live in AWS-owned accounts).
 */
export function ecrRepositoryArn(partition: string, imageUri: string): string {
    const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?:[:@].*)?$/.exec(imageUri);
    if (!match) throw new Error(`Not an ECR image URI: ${JSON.stringify(imageUri)} (expected <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)`);
    const [, account, region, repository] = match;
    return `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
}

/** The repositories of these images, each once, sorted: what an image-pulling statement names. */
export function ecrRepositoryArns(partition: string, imageUris: readonly string[]): string[] {
    return [...new Set(imageUris.map((uri) => ecrRepositoryArn(partition, uri)))].sort();
}

/**
 * The IAM ARN that `aws:PrincipalArn` carries for a principal. An assumed-role session ARN
 * (`arn:aws:sts::1:assumed-role/R/session`) is matched by its role ARN (`arn:aws:iam::1:role/R`);
 * a role with a path keeps it.
 */
export function principalArnForCondition(arn: string): string {
    const assumed = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
    if (assumed) return `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
    return arn;
}

/** A role or user an IAM policy can be attached to, parsed from its ARN. */
export interface AttachablePrincipal {
    readonly kind: "role" | "user";
    readonly accountId: string;
    /** The name without its path, as RolePolicyAttachment/UserPolicyAttachment expect. */
    readonly name: string;
    readonly arn: string;
}

/** Parses an IAM role/user (or assumed-role session) ARN into what a policy attachment needs. */
export function attachablePrincipal(arn: string): AttachablePrincipal {
    const roleArn = principalArnForCondition(arn);
    const match = /^arn:[a-z-]+:iam::(\d{12}):(role|user)\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(roleArn);
    if (!match) throw new Error(`Not an IAM role or user ARN: ${JSON.stringify(arn)} (expected arn:aws:iam::123456789012:role/name)`);
    return { kind: match[2] as "role" | "user", accountId: match[1], name: match[3], arn: roleArn };
}
