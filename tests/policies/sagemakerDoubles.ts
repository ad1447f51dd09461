/**
 * A small SageMaker registry for unit tests, answered through aws-sdk-client-mock: packages with their
 * approval status, and models whose containers name packages (or raw images).
 */
import { DescribeEndpointConfigCommand, DescribeModelCommand, DescribeModelPackageCommand, SageMakerClient, type ContainerDefinition, type ModelLifeCycle, type ProductionVariant } from "@aws-sdk/client-sagemaker";
import { DynamoDBClient, QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { BatchGetImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
import type { PackagePins } from "../../policies/lib/artifactPins";
import { pinsKey, serializePins } from "../../policies/lib/pinRecord";
import { RegistryLookup } from "../../policies/lib/registryLookup";
import { stackContext } from "./helpers";

export const ACCOUNT = "222222222222";
export const pkg = (group: string, version: number, account = ACCOUNT) => `arn:aws:sagemaker:us-east-1:${account}:model-package/${group}/${version}`;

export const APPROVED = pkg("abalone-prod", 3);
export const PENDING = pkg("abalone-prod", 4);
export const REJECTED = pkg("abalone-prod", 2);
export const OTHER_GROUP_APPROVED = pkg("churn-prod", 1);
export const OTHER_ACCOUNT_APPROVED = pkg("abalone-prod", 7, "999999999999");

/** The image every package of this registry declares. */
export const PACKAGE_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
/** The digest SageMaker recorded for it at registration (ImageDigest), and the tag's digest in ECR today. */
export const PACKAGE_IMAGE_DIGEST = `sha256:${"a".repeat(64)}`;
/** The model artifact of a package version: `s3://models/<group>/<version>/model.tar.gz`. */
export const artifactOf = (arn: string) => {
    const [, group, version] = arn.split(":")[5].split("/");
    return { uri: `s3://models/${group}/${version}/model.tar.gz`, bucket: "models", key: `${group}/${version}/model.tar.gz` };
};
/** The ledger table the pack derives for the stack "prod" (sagemaker-approval-gate-<environment>-deployments). */
export const PROD_LEDGER = "sagemaker-approval-gate-prod-deployments";

export const statuses: Record<string, string> = {
    [APPROVED]: "Approved",
    [PENDING]: "PendingManualApproval",
    [REJECTED]: "Rejected",
    [OTHER_GROUP_APPROVED]: "Approved",
    [OTHER_ACCOUNT_APPROVED]: "Approved",
};

/** ModelLifeCycle by package ARN, as DescribeModelPackage answers it; absent: none (every test starts without). */
export const lifecycles = new Map<string, ModelLifeCycle>();

export const models: Record<string, { PrimaryContainer?: ContainerDefinition; Containers?: ContainerDefinition[] }> = {
    "approved-model": { PrimaryContainer: { ModelPackageName: APPROVED } },
    "pending-model": { PrimaryContainer: { ModelPackageName: PENDING } },
    "rejected-model": { PrimaryContainer: { ModelPackageName: REJECTED } },
    "approved-model-echoing-env": { PrimaryContainer: { ModelPackageName: APPROVED, Environment: { SAGEMAKER_PROGRAM: "inference.py", SAGEMAKER_SUBMIT_DIRECTORY: "s3://models/approved/sourcedir.tar.gz" } } },
    "approved-model-swapped-code": { PrimaryContainer: { ModelPackageName: APPROVED, Environment: { SAGEMAKER_PROGRAM: "inference.py", SAGEMAKER_SUBMIT_DIRECTORY: "s3://elsewhere/evil.tar.gz" } } },
    "approved-model-echoing-image": { PrimaryContainer: { ModelPackageName: APPROVED, Image: PACKAGE_IMAGE } },
    "approved-model-swapped-image": { PrimaryContainer: { ModelPackageName: APPROVED, Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/evil:latest", ModelDataUrl: "s3://elsewhere/model.tar.gz" } },
    "approved-model-extra-adapter": { PrimaryContainer: { ModelPackageName: APPROVED, AdditionalModelDataSources: [{ ChannelName: "adapter", S3DataSource: { S3Uri: "s3://elsewhere/lora/", S3DataType: "S3Prefix", CompressionType: "None" } }] } },
    "approved-model-extra-inference-spec": { PrimaryContainer: { ModelPackageName: APPROVED, InferenceSpecificationName: "added-after-approval" } },
    "raw-model": { PrimaryContainer: { Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1", ModelDataUrl: "s3://bucket/model.tar.gz" } },
    "multi-container-model": { PrimaryContainer: {}, Containers: [{ ModelPackageName: APPROVED }, { ModelPackageName: PENDING }] },
    "other-group-model": { PrimaryContainer: { ModelPackageName: OTHER_GROUP_APPROVED } },
    "other-account-model": { PrimaryContainer: { ModelPackageName: OTHER_ACCOUNT_APPROVED } },
};

export const endpointConfigs: Record<string, { ProductionVariants: Partial<ProductionVariant>[]; ShadowProductionVariants?: Partial<ProductionVariant>[] }> = {
    "approved-config": { ProductionVariants: [{ VariantName: "primary", ModelName: "approved-model" }] },
    "shadow-pending-config": { ProductionVariants: [{ VariantName: "primary", ModelName: "approved-model" }], ShadowProductionVariants: [{ VariantName: "challenger", ModelName: "pending-model" }] },
    "dangling-config": { ProductionVariants: [{ VariantName: "primary", ModelName: "deleted-model" }] },
};

export function awsError(name: string, message: string): Error {
    const err = new Error(message);
    err.name = name;
    return err;
}

/**
 * aws-sdk-client-mock replaces `SageMakerClient.prototype.send` for the whole process, so the mock is installed
 * in a `before` hook and restored in `after` (see `useSageMakerDouble`), never at import time.
 */
export let sageMakerMock: AwsStub<any, any, any>;

/** Installs the mock for the enclosing describe block, answering like SageMaker for the registry above. */
export function useSageMakerDouble(): void {
    before(() => {
        sageMakerMock = mockClient(SageMakerClient);
    });
    beforeEach(answerLikeSageMaker);
    after(() => sageMakerMock.restore());
}

/** Resets the mock and answers like SageMaker for the registry above. */
export function answerLikeSageMaker(): void {
    sageMakerMock.reset();
    lifecycles.clear();
    sageMakerMock.on(DescribeModelPackageCommand).callsFake(async (input: { ModelPackageName: string }) => {
        const status = statuses[input.ModelPackageName];
        if (!status) throw awsError("ValidationException", `Model package ${input.ModelPackageName} not found`);
        const [, , , , , resource] = input.ModelPackageName.split(":");
        const [, group, version] = resource.split("/");
        return {
            ModelPackageArn: input.ModelPackageName, ModelPackageGroupName: group, ModelPackageVersion: Number(version), ModelApprovalStatus: status, ModelPackageStatus: "Completed",
            ...(lifecycles.has(input.ModelPackageName) ? { ModelLifeCycle: lifecycles.get(input.ModelPackageName) } : {}),
            InferenceSpecification: { Containers: [{ Image: PACKAGE_IMAGE, ImageDigest: PACKAGE_IMAGE_DIGEST, ModelDataUrl: artifactOf(input.ModelPackageName).uri, Environment: { SAGEMAKER_PROGRAM: "inference.py", SAGEMAKER_SUBMIT_DIRECTORY: "s3://models/approved/sourcedir.tar.gz" } }] },
        };
    });
    sageMakerMock.on(DescribeModelCommand).callsFake(async (input: { ModelName: string }) => {
        const model = models[input.ModelName];
        if (!model) throw awsError("ValidationException", `Could not find model "arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/${input.ModelName}".`);
        return { ModelName: input.ModelName, ...model };
    });
    sageMakerMock.on(DescribeEndpointConfigCommand).callsFake(async (input: { EndpointConfigName: string }) => {
        const config = endpointConfigs[input.EndpointConfigName];
        if (!config) throw awsError("ValidationException", `Could not find endpoint configuration "${input.EndpointConfigName}".`);
        return { EndpointConfigName: input.EndpointConfigName, ...config };
    });
}

/**
 * The fixture of the approval policies' unit tests: the SageMaker double, a fresh lookup (empty cache) and a
 * production stack context before each test. Tests change `state.context` / `state.lookup`; policies read
 * them through `state.deps`.
 */
export function useSageMakerFixture(defaults: { dryRun: boolean }) {
    useSageMakerDouble();
    useBytesDouble();
    const state = {
        lookup: newLookup(),
        context: stackContext({ stack: "prod", dryRun: defaults.dryRun }),
        deps: { context: () => state.context, lookup: () => state.lookup },
    };
    beforeEach(() => {
        state.lookup = newLookup();
        state.context = stackContext({ stack: "prod", dryRun: defaults.dryRun });
    });
    return state;
}

export function newLookup(): RegistryLookup {
    return new RegistryLookup({ clientFor: (region) => new SageMakerClient({ region: region ?? "us-east-1" }), timeoutMs: 2_000 });
}

export const callsOf = (command: typeof DescribeModelCommand | typeof DescribeModelPackageCommand | typeof DescribeEndpointConfigCommand) => sageMakerMock.commandCalls(command as any).length;

/**
 * The bytes side of the registry, through aws-sdk-client-mock: the ledger's pins (DynamoDB Query), the artifacts
 * (S3 HeadObject) and the image tags (ECR BatchGetImage). Every package is pinned at registration and untouched,
 * until a test changes one thing in `world`.
 */
export const world = {
    /** Ledger items by package ARN; absent: the pins of an untouched registration. */
    ledgerItems: new Map<string, Record<string, AttributeValue>[]>(),
    /** The S3 object at a URI now; absent: the version pinned at registration. `null`: deleted. */
    objects: new Map<string, { VersionId: string; ETag: string } | null>(),
    /** An error HeadObject answers for a URI. */
    headErrors: new Map<string, Error>(),
    /** The digest an image tag resolves to now; absent: the pinned one. */
    tags: new Map<string, string>(),
};
export let bytesMocks: { dynamodb: AwsStub<any, any, any>; s3: AwsStub<any, any, any>; ecr: AwsStub<any, any, any> };

/** The pins notify-approver records for a package of this registry at registration. */
export function registrationPins(arn: string, overrides: Partial<PackagePins> = {}): PackagePins {
    const artifact = artifactOf(arn);
    return {
        packageArn: arn,
        pinnedAt: "2026-11-30T10:00:00.000Z",
        artifacts: [{ ...artifact, versionId: "v1", etag: "etag-v1" }],
        images: [{ image: PACKAGE_IMAGE, digest: PACKAGE_IMAGE_DIGEST, digestSource: "sagemaker" }],
        ...overrides,
    };
}

export function pinItem(pins: PackagePins, raw?: string): Record<string, AttributeValue> {
    const key = pinsKey(pins.packageArn);
    return { pk: { S: key.pk }, sk: { S: key.sk }, packageArn: { S: pins.packageArn }, pins: { S: raw ?? serializePins(pins) }, pinnedAt: { S: pins.pinnedAt } };
}

export function useBytesDouble(): void {
    before(() => {
        bytesMocks = { dynamodb: mockClient(DynamoDBClient), s3: mockClient(S3Client), ecr: mockClient(ECRClient) };
    });
    beforeEach(answerLikeTheBytes);
    after(() => Object.values(bytesMocks).forEach((m) => m.restore()));
}

export function answerLikeTheBytes(): void {
    world.ledgerItems.clear();
    world.objects.clear();
    world.headErrors.clear();
    world.tags.clear();
    for (const m of Object.values(bytesMocks)) m.reset();
    bytesMocks.dynamodb.on(QueryCommand).callsFake(async (input: { ExpressionAttributeValues: Record<string, { S: string }> }) => {
        const arn = input.ExpressionAttributeValues[":pk"].S.replace(/^PINS#/, "");
        return { Items: world.ledgerItems.get(arn) ?? [pinItem(registrationPins(arn))] };
    });
    bytesMocks.s3.on(HeadObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
        const uri = `s3://${input.Bucket}/${input.Key}`;
        const error = world.headErrors.get(uri);
        if (error) throw error;
        const now = world.objects.has(uri) ? world.objects.get(uri) : { VersionId: "v1", ETag: "\"etag-v1\"" };
        if (now === null) throw Object.assign(new Error("Not Found"), { name: "NotFound", $fault: "client", $metadata: { httpStatusCode: 404 } });
        return now;
    });
    bytesMocks.ecr.on(BatchGetImageCommand).callsFake(async (input: { repositoryName: string; imageIds: { imageTag: string }[] }) => ({
        images: input.imageIds.map(({ imageTag }) => ({ imageId: { imageTag, imageDigest: world.tags.get(`${input.repositoryName}:${imageTag}`) ?? PACKAGE_IMAGE_DIGEST } })),
        failures: [],
    }));
}
