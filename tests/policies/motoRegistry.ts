/**
 * Seeds moto's SageMaker with a small model registry for the integration tests: packages in every approval
 * state (and one approved then rejected), a package in another group, and models built from them, from a raw
 * image, with several containers, and from a package in another account.
 */
import type { ContainerDefinition } from "@aws-sdk/client-sagemaker";
import { uniqueName } from "../helpers/moto";

/**
 * One SageMaker call to moto over its wire protocol (JSON 1.1), without the SDK: other test files mock
 * `SageMakerClient` process-wide with aws-sdk-client-mock, and seeding must not depend on whether they
 * restored it. The Authorization header only tells moto the region; moto does not check signatures.
 */
async function sageMaker(endpoint: string, operation: string, input: Record<string, unknown>): Promise<any> {
    const res = await fetch(endpoint, {
        method: "POST",
        headers: {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": `SageMaker.${operation}`,
            Authorization: "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=0",
        },
        body: JSON.stringify(input),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`moto ${operation} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : {};
}

export interface SeededRegistry {
    readonly group: string;
    readonly otherGroup: string;
    readonly packages: { approved: string; pending: string; rejected: string; approvedThenRejected: string; otherGroupApproved: string; otherAccount: string };
    /** Model names, by what they are built from. */
    readonly models: { approved: string; swappedArtifacts: string; pending: string; rejected: string; approvedThenRejected: string; raw: string; multiContainer: string; otherGroup: string; otherAccount: string };
    /** Endpoint configurations made outside any Pulumi program. */
    readonly endpointConfigs: { approved: string; secondVariantPending: string };
}

const ROLE = "arn:aws:iam::123456789012:role/sagemaker-execution";

export async function seedRegistry(endpoint: string): Promise<SeededRegistry> {
    const group = uniqueName("policy-it");
    const otherGroup = uniqueName("policy-it-other");
    for (const g of [group, otherGroup]) await sageMaker(endpoint, "CreateModelPackageGroup", { ModelPackageGroupName: g });

    const register = async (g: string, ...statuses: ("Approved" | "Rejected")[]) => {
        const { ModelPackageArn } = await sageMaker(endpoint, "CreateModelPackage", {
            ModelPackageGroupName: g,
            ModelApprovalStatus: "PendingManualApproval",
            InferenceSpecification: {
                Containers: [{ Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", ModelDataUrl: `s3://models/${g}/model.tar.gz` }],
                SupportedContentTypes: ["text/csv"],
                SupportedResponseMIMETypes: ["text/csv"],
            },
        });
        for (const status of statuses) await sageMaker(endpoint, "UpdateModelPackage", { ModelPackageArn, ModelApprovalStatus: status });
        return ModelPackageArn as string;
    };
    const packages = {
        approved: await register(group, "Approved"),
        pending: await register(group),
        rejected: await register(group, "Rejected"),
        approvedThenRejected: await register(group, "Approved", "Rejected"),
        otherGroupApproved: await register(otherGroup, "Approved"),
        // moto's account is 123456789012; this version lives in an account the deployer cannot see.
        otherAccount: `arn:aws:sagemaker:us-east-1:999999999999:model-package/${group.toLowerCase()}/1`,
    };

    const model = async (suffix: string, containers: { PrimaryContainer?: ContainerDefinition; Containers?: ContainerDefinition[] }) => {
        const name = `${group}-${suffix}`;
        await sageMaker(endpoint, "CreateModel", { ModelName: name, ExecutionRoleArn: ROLE, ...containers });
        return name;
    };
    const models = {
        approved: await model("approved", { PrimaryContainer: { ModelPackageName: packages.approved } }),
        // Built from the Approved package, but with its own image and model data: not what was approved.
        swappedArtifacts: await model("swapped", { PrimaryContainer: { ModelPackageName: packages.approved, Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/custom:latest", ModelDataUrl: "s3://anywhere/model.tar.gz" } }),
        pending: await model("pending", { PrimaryContainer: { ModelPackageName: packages.pending } }),
        rejected: await model("rejected", { PrimaryContainer: { ModelPackageName: packages.rejected } }),
        approvedThenRejected: await model("flipped", { PrimaryContainer: { ModelPackageName: packages.approvedThenRejected } }),
        raw: await model("raw", { PrimaryContainer: { Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/custom:latest", ModelDataUrl: "s3://anywhere/model.tar.gz" } }),
        multiContainer: await model("multi", { Containers: [{ ModelPackageName: packages.approved }, { ModelPackageName: packages.pending }] }),
        otherGroup: await model("other-group", { PrimaryContainer: { ModelPackageName: packages.otherGroupApproved } }),
        otherAccount: await model("other-account", { PrimaryContainer: { ModelPackageName: packages.otherAccount } }),
    };
    // moto keeps ProductionVariants only (it drops ShadowProductionVariants), so the challenger is a second variant.
    const endpointConfig = async (suffix: string, ...modelNames: string[]) => {
        const name = `${group}-${suffix}`;
        await sageMaker(endpoint, "CreateEndpointConfig", {
            EndpointConfigName: name,
            ProductionVariants: modelNames.map((ModelName, i) => ({ VariantName: i === 0 ? "primary" : "challenger", ModelName, InitialInstanceCount: 1, InstanceType: "ml.m5.large" })),
        });
        return name;
    };
    const endpointConfigs = {
        approved: await endpointConfig("config-approved", models.approved),
        secondVariantPending: await endpointConfig("config-second-pending", models.approved, models.pending),
    };
    return { group, otherGroup, packages, models, endpointConfigs };
}
