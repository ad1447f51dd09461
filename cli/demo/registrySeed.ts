/**
 * Seeding an emulated account (moto) the way the pipeline and the deploy Lambda leave a real one: versions
 * registered as PendingManualApproval with an evaluation report in S3, and an approved version served on the
 * environment's endpoint. The README's approver's day and the CLI tests both build their world with it.
 * Nothing here is used by the CLI itself.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    CreateModelPackageCommand,
    CreateModelPackageGroupCommand,
    SageMakerClient,
    UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";

export const XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

export interface VersionToRegister {
    readonly mse: number;
    /** Key of its evaluation report in the bucket. */
    readonly reportKey: string;
    /** The pipeline execution that registered it (MetadataProperties.GeneratedBy). */
    readonly executionArn: string;
    readonly modelDataUrl: string;
}

export interface RegisteredVersion {
    readonly arn: string;
    readonly version: number;
    readonly mse: number;
}

/**
 * Creates the bucket and the group, then one PendingManualApproval version per entry, in order, each with
 * its evaluation report (`regression_metrics.mse`) as ModelQuality statistics.
 */
export async function registerVersions(
    clients: { readonly sagemaker: SageMakerClient; readonly s3: S3Client },
    registry: {
        readonly group: string;
        readonly bucket: string;
        readonly description?: string;
        readonly standardDeviation: number;
        readonly realtimeInstanceTypes?: string[];
    },
    versions: readonly VersionToRegister[],
): Promise<RegisteredVersion[]> {
    const { sagemaker, s3 } = clients;
    await s3.send(new CreateBucketCommand({ Bucket: registry.bucket }));
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: registry.group }));
    const registered: RegisteredVersion[] = [];
    for (const [i, v] of versions.entries()) {
        const report = { regression_metrics: { mse: { value: v.mse, standard_deviation: registry.standardDeviation } } };
        await s3.send(new PutObjectCommand({ Bucket: registry.bucket, Key: v.reportKey, Body: JSON.stringify(report) }));
        const out = await sagemaker.send(new CreateModelPackageCommand({
            ModelPackageGroupName: registry.group,
            ...(registry.description ? { ModelPackageDescription: registry.description } : {}),
            ModelApprovalStatus: "PendingManualApproval",
            MetadataProperties: { GeneratedBy: v.executionArn },
            ModelMetrics: { ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: `s3://${registry.bucket}/${v.reportKey}` } } },
            InferenceSpecification: {
                Containers: [{ Image: XGBOOST_IMAGE, ModelDataUrl: v.modelDataUrl }],
                SupportedContentTypes: ["text/csv"],
                SupportedResponseMIMETypes: ["text/csv"],
                ...(registry.realtimeInstanceTypes ? { SupportedRealtimeInferenceInstanceTypes: registry.realtimeInstanceTypes as never } : {}),
            },
        }));
        registered.push({ arn: out.ModelPackageArn!, version: i + 1, mse: v.mse });
    }
    return registered;
}

/** Approves `arn` and serves it on `endpointName` through a model and an endpoint config named `modelName`, as the deploy Lambda would. */
export async function serveApprovedVersion(
    sagemaker: SageMakerClient,
    live: { readonly endpointName: string; readonly arn: string; readonly modelName: string; readonly executionRoleArn: string; readonly approvalDescription: string },
): Promise<void> {
    await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: live.arn, ModelApprovalStatus: "Approved", ApprovalDescription: live.approvalDescription }));
    await sagemaker.send(new CreateModelCommand({ ModelName: live.modelName, ExecutionRoleArn: live.executionRoleArn, PrimaryContainer: { ModelPackageName: live.arn } }));
    await sagemaker.send(new CreateEndpointConfigCommand({
        EndpointConfigName: live.modelName,
        ProductionVariants: [{ VariantName: "AllTraffic", ModelName: live.modelName, InstanceType: "ml.m5.large", InitialInstanceCount: 1 }],
    }));
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: live.endpointName, EndpointConfigName: live.modelName }));
}
