/**
 * The registry's artifacts bucket and key, opened to the environment accounts (issue 10): each environment's model
 * execution role reads the model artifacts (what its endpoint serves) and nothing else; its deploy and notify roles
 * HeadObject them (pinning and verifying, policies/lib/artifactObserve.ts) and list the pipeline's prefix (a deleted
 * artifact then answers 404, not 403); its notify role reads the evaluation reports (the metrics its approvers get).
 *
 * Principals are the environment accounts with `aws:PrincipalArn` naming the roles: S3 and KMS refuse a policy naming a
 * role that does not exist yet, and the registry stack is deployed before the environments'. Naming the account only
 * delegates (the role's own policy must allow too: cross-account evaluation), and the condition narrows it to the roles.
 */
import { accountRootArn, bucketArns, type AwsScope } from "./arns";
import { KEY_ADMIN_ACTIONS } from "./approvalsTopicPolicies";
import { artifactsBucketPolicy, pipelineKeyPatterns, policyDocument, type ArtifactsBucketPolicyInput, type PolicyDocument, type PolicyStatement } from "./iamDocuments";
import { environmentRoleArns } from "./promotionPolicies";

/** An environment account and the environment stack in it (its roles' names carry it). */
export interface EnvironmentAccount {
    readonly environment: string;
    readonly accountId: string;
}

type EnvironmentRole = keyof ReturnType<typeof environmentRoleArns>;

/** The environment accounts as principals, narrowed to these roles of their environments. */
function principals(partition: string, environments: readonly EnvironmentAccount[], role: readonly EnvironmentRole[]) {
    if (environments.length === 0) throw new Error("promotion artifact policies: at least one environment account is required");
    const accounts = [...new Set(environments.map((e) => accountRootArn(partition, e.accountId)))].sort();
    const roles = environments.flatMap((e) => role.map((r) => environmentRoleArns(partition, e.accountId, e.environment)[r]));
    return { Principal: { AWS: accounts }, Condition: { ArnEquals: { "aws:PrincipalArn": [...new Set(roles)].sort() } } };
}

export interface EnvironmentArtifactsInput {
    readonly partition: string;
    readonly bucketName: string;
    readonly pipelineName: string;
    readonly environments: readonly EnvironmentAccount[];
}

/** The bucket policy statements for the environment accounts (see the module comment). HeadObject is authorised as s3:GetObject. */
export function environmentArtifactStatements(input: EnvironmentArtifactsInput): PolicyStatement[] {
    const bucket = bucketArns(input.partition, input.bucketName).bucket;
    const keys = pipelineKeyPatterns(input.pipelineName);
    const of = (...roles: EnvironmentRole[]) => principals(input.partition, input.environments, roles);
    const functions = of("deployApproved", "notifyApprover");
    return [
        { Sid: "EnvironmentModelRolesReadModelArtifacts", Effect: "Allow", ...of("modelExecution"), Action: ["s3:GetObject"], Resource: [`${bucket}/${keys.modelArtifacts}`] },
        { Sid: "EnvironmentFunctionsHeadModelArtifacts", Effect: "Allow", ...functions, Action: ["s3:GetObject"], Resource: [`${bucket}/${keys.modelArtifacts}`] },
        {
            Sid: "EnvironmentFunctionsListThePipelinesOutputs",
            Effect: "Allow",
            Principal: functions.Principal,
            Action: ["s3:ListBucket"],
            Resource: [bucket],
            Condition: { ...functions.Condition, StringLike: { "s3:prefix": keys.executions } },
        },
        { Sid: "EnvironmentNotifiersReadEvaluationReports", Effect: "Allow", ...of("notifyApprover"), Action: ["s3:GetObject"], Resource: [`${bucket}/${keys.evaluationReports}`] },
    ];
}

/** The registry's artifacts bucket policy (artifactsBucketPolicy: TLS only, the pipeline role alone writes) plus the environment grants. */
export function promotionArtifactsBucketPolicy(input: ArtifactsBucketPolicyInput & { readonly environments: readonly EnvironmentAccount[] }): PolicyDocument {
    return policyDocument(
        ...artifactsBucketPolicy(input).Statement,
        ...environmentArtifactStatements({ partition: input.partition, bucketName: input.bucketName, pipelineName: input.pipelineName, environments: input.environments }),
    );
}

/**
 * Key policy of the registry's artifacts key: the account administers it and delegates its use to IAM (the pipeline
 * role, the report readers: their policies name the key); the environments' model execution and notify roles may
 * decrypt through S3 in this region only (what reading an SSE-KMS object takes; a HeadObject without checksum mode
 * needs no key, so the deploy role gets none).
 */
export function promotionArtifactsKeyPolicy(input: { readonly scope: AwsScope; readonly environments: readonly EnvironmentAccount[] }): PolicyDocument {
    const { scope } = input;
    const readers = principals(scope.partition, input.environments, ["modelExecution", "notifyApprover"]);
    return policyDocument(
        { Sid: "AccountAdministersAndDelegatesToIam", Effect: "Allow", Principal: { AWS: [accountRootArn(scope.partition, scope.accountId)] }, Action: KEY_ADMIN_ACTIONS, Resource: ["*"] },
        {
            Sid: "EnvironmentRolesDecryptThroughS3",
            Effect: "Allow",
            Principal: readers.Principal,
            Action: ["kms:Decrypt"],
            Resource: ["*"],
            Condition: { ...readers.Condition, StringEquals: { "kms:ViaService": `s3.${scope.region}.amazonaws.com` } },
        },
    );
}
