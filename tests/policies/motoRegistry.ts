/**
 * Seeds moto's SageMaker with a small model registry for the integration tests: packages in every approval
 * state (and one approved then rejected), a package in another group, and models built from them, from a raw
 * image, with several containers, and from a package in another account.
 */
import {
    CreateModelCommand,
    CreateModelPackageCommand,
    CreateModelPackageGroupCommand,
    SageMakerClient,
    UpdateModelPackageCommand,
    type ContainerDefinition,
} from "@aws-sdk/client-sagemaker";
import { motoClientConfig, uniqueName } from "../helpers/moto";

export interface SeededRegistry {
    readonly group: string;
    readonly otherGroup: string;
    readonly packages: { approved: string; pending: string; rejected: string; approvedThenRejected: string; otherGroupApproved: string; otherAccount: string };
    /** Model names, by what they are built from. */
    readonly models: { approved: string; pending: string; rejected: string; approvedThenRejected: string; raw: string; multiContainer: string; otherGroup: string; otherAccount: string };
}

const ROLE = "arn:aws:iam::123456789012:role/sagemaker-execution";

export async function seedRegistry(endpoint: string): Promise<SeededRegistry> {
    const sm = new SageMakerClient(motoClientConfig(endpoint));
    const group = uniqueName("policy-it");
    const otherGroup = uniqueName("policy-it-other");
    for (const g of [group, otherGroup]) await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: g }));

    const register = async (g: string, ...statuses: ("Approved" | "Rejected")[]) => {
        const { ModelPackageArn } = await sm.send(new CreateModelPackageCommand({
            ModelPackageGroupName: g,
            ModelApprovalStatus: "PendingManualApproval",
            InferenceSpecification: {
                Containers: [{ Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", ModelDataUrl: `s3://models/${g}/model.tar.gz` }],
                SupportedContentTypes: ["text/csv"],
                SupportedResponseMIMETypes: ["text/csv"],
            },
        }));
        for (const status of statuses) await sm.send(new UpdateModelPackageCommand({ ModelPackageArn, ModelApprovalStatus: status }));
        return ModelPackageArn!;
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
        await sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, ...containers }));
        return name;
    };
    const models = {
        approved: await model("approved", { PrimaryContainer: { ModelPackageName: packages.approved } }),
        pending: await model("pending", { PrimaryContainer: { ModelPackageName: packages.pending } }),
        rejected: await model("rejected", { PrimaryContainer: { ModelPackageName: packages.rejected } }),
        approvedThenRejected: await model("flipped", { PrimaryContainer: { ModelPackageName: packages.approvedThenRejected } }),
        raw: await model("raw", { PrimaryContainer: { Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/custom:latest", ModelDataUrl: "s3://anywhere/model.tar.gz" } }),
        multiContainer: await model("multi", { Containers: [{ ModelPackageName: packages.approved }, { ModelPackageName: packages.pending }] }),
        otherGroup: await model("other-group", { PrimaryContainer: { ModelPackageName: packages.otherGroupApproved } }),
        otherAccount: await model("other-account", { PrimaryContainer: { ModelPackageName: packages.otherAccount } }),
    };
    sm.destroy();
    return { group, otherGroup, packages, models };
}
