/**
 * The training pipeline of one environment: an encrypted, versioned, private, TLS-only artifacts
 * bucket whose policy keeps the pipeline role's writes inside its executions; the pipeline execution
 * role scoped to that prefix (scripts read-only), the registry and the jobs a pipeline runs;
 * the example scripts uploaded under content-addressed keys; and the SageMaker Pipeline whose
 * definition `infra/pipeline/definition.ts` builds.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { PipelineSettings } from "../config";
import { pipelineArn } from "../lib/arns";
import { attachPolicyToPrincipals } from "../lib/attachments";
import { promotionArtifactsBucketPolicy, promotionArtifactsKeyPolicy, type EnvironmentAccount } from "../lib/promotionArtifactPolicies";
import { artifactsBucketPolicy, pipelineExecutionRolePolicy, reportReaderPolicy, sagemakerAssumeRolePolicy, SCRIPTS_KEY_PREFIX } from "../lib/iamDocuments";
import { currentScope } from "../lib/scope";
import { evaluationReportKeyPattern, pipelineDefinitionJson, SCRIPT_FILES } from "../pipeline/definition";

/** The repo's example scripts (scikit-learn preprocessing, XGBoost evaluation of the abalone data). */
export const EXAMPLE_SCRIPTS_DIR = path.resolve(__dirname, "../pipeline/scripts");

export interface TrainingPipelineArgs {
    /** Name of the SageMaker Pipeline (also the S3 prefix of its executions), e.g. sagemaker-approval-gate-dev-training. */
    readonly pipelineName: string;
    /** Name of the artifacts bucket. Defaults to `<pipelineName>-<account id>` (bucket names are global). */
    readonly bucketName?: pulumi.Input<string>;
    /** Name of the execution role (at most 64 characters). Defaults to `<pipelineName>-execution`. */
    readonly roleName?: string;
    /** Images, instance types, input data and the metric gate (validated stack config). */
    readonly settings: PipelineSettings;
    /** The group versions are registered into. */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /** The registry's registrar guardrail, attached to the execution role (see ModelRegistry). */
    readonly registrarPolicyArn: pulumi.Input<string>;
    /** Folder holding preprocess.py and evaluate.py. Defaults to the repo's example scripts. */
    readonly scriptsDir?: string;
    /**
     * Who may read the evaluation reports (the approvers, whose CLI shows them) and whether to attach the
     * reader policy to them (they must then exist in this account). Defaults to none: no reader policy.
     */
    readonly reportReaders?: { readonly principalArns: readonly string[]; readonly attach?: boolean };
    /**
     * Registry stack (issue 10): the environment accounts whose roles read the artifacts (bucket policy) and decrypt
     * them through S3 (key policy), promotionArtifactPolicies.ts. Defaults to none: AWS's default key policy, the
     * bucket for this account only.
     */
    readonly environmentAccounts?: readonly EnvironmentAccount[];
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** `scripts/<first 16 hex of sha256>/<file>`: a new key whenever the content changes, the same key otherwise. */
export function scriptObjectKey(fileName: string, content: string | Buffer): string {
    const digest = crypto.createHash("sha256").update(content).digest("hex").slice(0, 16);
    return `${SCRIPTS_KEY_PREFIX}${digest}/${fileName}`;
}

/** Reads one pipeline script; a missing file is a setup mistake, so say which file and what to do. */
export function readScript(scriptsDir: string, fileName: string): string {
    const file = path.join(scriptsDir, fileName);
    if (!fs.existsSync(file)) {
        // A RunError: Pulumi prints the message without a stack trace.
        throw new pulumi.RunError(
            `TrainingPipeline: ${file} does not exist. The pipeline runs ${Object.values(SCRIPT_FILES).join(" and ")} from scriptsDir ` +
                `(${scriptsDir}); add the file there, or point scriptsDir at the folder that has both (see docs/architecture.md, "Your own scripts and images").`,
        );
    }
    return fs.readFileSync(file, "utf8");
}

export class TrainingPipeline extends pulumi.ComponentResource {
    readonly kmsKey: aws.kms.Key;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly bucket: aws.s3.Bucket;
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    readonly role: aws.iam.Role;
    readonly roleArn: pulumi.Output<string>;
    readonly roleName: pulumi.Output<string>;
    readonly pipeline: aws.sagemaker.Pipeline;
    readonly pipelineName: pulumi.Output<string>;
    readonly pipelineArn: pulumi.Output<string>;
    /** The definition JSON given to SageMaker. */
    readonly pipelineDefinition: pulumi.Output<string>;
    /** Managed policy to read evaluation reports; undefined without `reportReaders`. */
    readonly reportReaderPolicyArn?: pulumi.Output<string>;
    /** s3:// URIs of the uploaded scripts. */
    readonly scriptUris: pulumi.Output<{ preprocess: string; evaluate: string }>;
    readonly tags: Readonly<Record<string, string>>;

    constructor(name: string, args: TrainingPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:pipeline:TrainingPipeline", name, {}, opts);
        const tags = { ...(args.tags ?? {}) };
        this.tags = tags;
        const scope = currentScope({ parent: this });
        const settings = args.settings;

        this.kmsKey = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts the artifacts of the ${args.pipelineName} pipeline`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                ...(args.environmentAccounts?.length ? { policy: scope.apply((s) => JSON.stringify(promotionArtifactsKeyPolicy({ scope: s, environments: args.environmentAccounts! }))) } : {}),
                tags,
            },
            { parent: this },
        );
        this.kmsKeyArn = this.kmsKey.arn;
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${args.pipelineName}`, targetKeyId: this.kmsKey.arn }, { parent: this });

        const bucketName = args.bucketName ?? scope.apply((s) => `${args.pipelineName}-${s.accountId}`);
        this.bucket = new aws.s3.Bucket(`${name}-artifacts`, { bucket: bucketName, forceDestroy: false, tags }, { parent: this });
        this.bucketName = this.bucket.bucket;
        this.bucketArn = this.bucket.arn;

        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-artifacts-encryption`,
            {
                bucket: this.bucket.bucket,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKey.arn },
                        bucketKeyEnabled: true,
                    },
                ],
            },
            { parent: this },
        );
        new aws.s3.BucketVersioning(
            `${name}-artifacts-versioning`,
            { bucket: this.bucket.bucket, versioningConfiguration: { status: "Enabled" } },
            { parent: this },
        );
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-artifacts-public-access-block`,
            { bucket: this.bucket.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { parent: this },
        );

        this.role = new aws.iam.Role(
            `${name}-execution-role`,
            {
                name: args.roleName ?? `${args.pipelineName}-execution`,
                description: `Runs the ${args.pipelineName} SageMaker Pipeline and its jobs`,
                assumeRolePolicy: scope.apply((s) => JSON.stringify(sagemakerAssumeRolePolicy(s))),
                maxSessionDuration: 3600,
                tags,
            },
            { parent: this },
        );
        this.roleArn = this.role.arn;
        this.roleName = this.role.name;

        // The logical name predates the role statements; keeping it updates the policy in place instead of replacing it.
        const bucketPolicy = new aws.s3.BucketPolicy(
            `${name}-artifacts-tls-only`,
            {
                bucket: this.bucket.bucket,
                policy: pulumi.all([scope, this.bucket.bucket, this.role.arn]).apply(([s, b, roleArn]) =>
                    JSON.stringify(
                        args.environmentAccounts?.length
                            ? promotionArtifactsBucketPolicy({ partition: s.partition, bucketName: b, pipelineName: args.pipelineName, pipelineRoleArn: roleArn, environments: args.environmentAccounts })
                            : artifactsBucketPolicy({ partition: s.partition, bucketName: b, pipelineName: args.pipelineName, pipelineRoleArn: roleArn }),
                    ),
                ),
            },
            { parent: this, dependsOn: [publicAccessBlock] },
        );
        // Object Created/Deleted events to EventBridge: what the tamper rules (ArtifactGuard) watch.
        new aws.s3.BucketNotification(`${name}-artifacts-eventbridge`, { bucket: this.bucket.bucket, eventbridge: true }, { parent: this, dependsOn: [bucketPolicy] });

        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-execution-policy`,
            {
                role: this.role.name,
                policy: pulumi.all([scope, this.role.arn, this.bucket.bucket, this.kmsKey.arn]).apply(([s, roleArn, bucket, keyArn]) =>
                    JSON.stringify(
                        pipelineExecutionRolePolicy({
                            scope: s,
                            roleArn,
                            artifactsBucketName: bucket,
                            pipelineName: args.pipelineName,
                            kmsKeyArn: keyArn,
                            inputDataS3Uri: settings.inputDataS3Uri,
                            imageUris: [settings.processingImageUri, settings.trainingImageUri],
                        }),
                    ),
                ),
            },
            { parent: this },
        );
        const registrarAttachment = new aws.iam.RolePolicyAttachment(
            `${name}-registrar-attachment`,
            { role: this.role.name, policyArn: args.registrarPolicyArn },
            { parent: this },
        );

        const readers = args.reportReaders?.principalArns ?? [];
        if (readers.length > 0) {
            const readerPolicy = new aws.iam.Policy(
                `${name}-report-reader-policy`,
                {
                    description: `Read the evaluation reports of the ${args.pipelineName} pipeline (approvers only).`,
                    policy: pulumi.all([scope, this.bucket.bucket, this.kmsKey.arn]).apply(([s, bucket, keyArn]) =>
                        JSON.stringify(
                            reportReaderPolicy({
                                scope: s,
                                artifactsBucketName: bucket,
                                reportKeyPattern: evaluationReportKeyPattern(args.pipelineName),
                                kmsKeyArn: keyArn,
                                readerPrincipalArns: readers,
                            }),
                        ),
                    ),
                    tags,
                },
                { parent: this },
            );
            this.reportReaderPolicyArn = readerPolicy.arn;
            if (args.reportReaders?.attach ?? true) {
                attachPolicyToPrincipals(`${name}-report-reader`, readers, readerPolicy.arn, { parent: this });
            }
        }

        const scriptsDir = args.scriptsDir ?? EXAMPLE_SCRIPTS_DIR;
        const uploaded = Object.entries(SCRIPT_FILES).map(([role, fileName]) => {
            const content = readScript(scriptsDir, fileName);
            const key = scriptObjectKey(fileName, content);
            const object = new aws.s3.BucketObjectv2(
                `${name}-script-${role}`,
                {
                    bucket: this.bucket.bucket,
                    key,
                    content,
                    contentType: "text/x-python",
                    serverSideEncryption: "aws:kms",
                    kmsKeyId: this.kmsKey.arn,
                    tags,
                },
                { parent: this, dependsOn: [bucketPolicy] },
            );
            return { role, object, uri: pulumi.interpolate`s3://${object.bucket}/${object.key}` };
        });
        const uriOf = (role: string) => uploaded.find((u) => u.role === role)!.uri;
        this.scriptUris = pulumi.all([uriOf("preprocess"), uriOf("evaluate")]).apply(([preprocess, evaluate]) => ({ preprocess, evaluate }));

        this.pipelineDefinition = pulumi
            .all([this.role.arn, this.bucket.bucket, this.kmsKey.arn, args.modelPackageGroupName, this.scriptUris])
            .apply(([roleArn, bucket, keyArn, groupName, scripts]) =>
                pipelineDefinitionJson({
                    pipelineName: args.pipelineName,
                    roleArn,
                    artifactsBucket: bucket,
                    kmsKeyArn: keyArn,
                    modelPackageGroupName: groupName,
                    inputDataS3Uri: settings.inputDataS3Uri,
                    processingImageUri: settings.processingImageUri,
                    trainingImageUri: settings.trainingImageUri,
                    processingInstanceType: settings.processingInstanceType,
                    trainingInstanceType: settings.trainingInstanceType,
                    inferenceInstanceTypes: settings.inferenceInstanceTypes,
                    metric: settings.metric,
                    scripts,
                }),
            );

        this.pipeline = new aws.sagemaker.Pipeline(
            `${name}-pipeline`,
            {
                pipelineName: args.pipelineName,
                pipelineDisplayName: args.pipelineName,
                pipelineDescription: `Preprocess, train, evaluate; register as PendingManualApproval when ${settings.metric.name} ${settings.metric.comparison} ${settings.metric.threshold}`,
                roleArn: this.role.arn,
                pipelineDefinition: this.pipelineDefinition,
                tags,
            },
            // The role must hold its permissions before SageMaker validates the definition.
            { parent: this, dependsOn: [rolePolicy, registrarAttachment, ...uploaded.map((u) => u.object)] },
        );
        this.pipelineName = this.pipeline.pipelineName.apply((n) => n ?? args.pipelineName);
        this.pipelineArn = pulumi.all([this.pipeline.arn, scope]).apply(([arn, s]) => arn ?? pipelineArn(s, args.pipelineName));

        this.registerOutputs({
            bucketName: this.bucketName,
            kmsKeyArn: this.kmsKeyArn,
            roleArn: this.roleArn,
            pipelineName: this.pipelineName,
            pipelineArn: this.pipelineArn,
        });
    }
}
