/**
 * The SageMaker double in front of moto: what it adds (ModelLifeCycle, merge-on-update, cross-account by group
 * policy, UpdateEndpoint) and that it answers as AWS does where it refuses.
 */
import { strict as assert } from "assert";
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    CreateModelPackageCommand,
    CreateModelPackageGroupCommand,
    DescribeEndpointCommand,
    DescribeModelPackageCommand,
    SageMakerClient,
    UpdateEndpointCommand,
    UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../../helpers/moto";
import { actAs, startLifecycleProxy, type LifecycleProxy } from "../../../../cli/demo/sagemakerDouble/lifecycleProxy";

const REGISTRY = "111111111111";
const STAGING = "222222222222";
const PROD = "333333333333";

describe("SageMaker lifecycle proxy (in front of moto)", function () {
    this.timeout(30_000);
    let proxy: LifecycleProxy;
    let group: string;
    const client = (account: string) => actAs(new SageMakerClient(motoClientConfig(proxy.endpoint)), account);

    async function register(): Promise<string> {
        const out = await client(REGISTRY).send(
            new CreateModelPackageCommand({
                ModelPackageGroupName: group,
                ModelApprovalStatus: "PendingManualApproval",
                InferenceSpecification: { Containers: [{ Image: "111111111111.dkr.ecr.us-east-1.amazonaws.com/serve:v1" }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
                CustomerMetadataProperties: { owner: "ml-team" },
            }),
        );
        return out.ModelPackageArn!;
    }

    before(async () => {
        proxy = await startLifecycleProxy(await motoEndpoint());
        group = uniqueName("Shared");
        await client(REGISTRY).send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
        proxy.sharing = [
            {
                ownerAccountId: REGISTRY,
                groupName: group,
                admits: [{ accountId: STAGING, actions: ["DescribeModelPackage", "UpdateModelPackage"], lifeCycle: { stage: "Staging", stageStatus: "Deployed" } }],
            },
        ];
    });
    after(() => proxy.close());

    it("keeps ModelLifeCycle, leaves unset fields as they were and merges metadata on UpdateModelPackage", async () => {
        const arn = await register();
        const sm = client(REGISTRY);
        await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: "Approved", ApprovalDescription: "ok", ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved", StageDescription: "first" }, CustomerMetadataProperties: { "approval-gate:stage:Staging:Approved": "t alice ok" } }));
        // moto alone would set the status and description to null here.
        await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelLifeCycle: { Stage: "Staging", StageStatus: "Deployed" }, CustomerMetadataProperties: { "approval-gate:stage:Staging:Deployed": "t deployer" } }));
        const described = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        assert.deepEqual(described.ModelLifeCycle, { Stage: "Staging", StageStatus: "Deployed" });
        assert.equal(described.ModelApprovalStatus, "Approved");
        assert.equal(described.ApprovalDescription, "ok");
        assert.deepEqual(described.CustomerMetadataProperties, { owner: "ml-team", "approval-gate:stage:Staging:Approved": "t alice ok", "approval-gate:stage:Staging:Deployed": "t deployer" });
        await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, CustomerMetadataPropertiesToRemove: ["owner"] }));
        assert.equal((await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).CustomerMetadataProperties?.owner, undefined);
    });

    it("validates ModelLifeCycle as AWS does and changes nothing on a refused update", async () => {
        const arn = await register();
        const sm = client(REGISTRY);
        const refused = async (lifeCycle: unknown, field: RegExp) => {
            await assert.rejects(sm.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: "Approved", ModelLifeCycle: lifeCycle as never })), (e: Error) => e.name === "ValidationException" && field.test(e.message));
        };
        await refused({ Stage: "Staging" }, /modelLifeCycle\.stageStatus.*must not be null/);
        await refused({ StageStatus: "Approved" }, /modelLifeCycle\.stage'.*must not be null/);
        await refused({ Stage: "Staging area", StageStatus: "Approved" }, /modelLifeCycle\.stage'.*pattern/);
        await refused({ Stage: "Staging", StageStatus: "-Approved" }, /stageStatus.*pattern/);
        await refused({ Stage: "Staging", StageStatus: "Approved", StageDescription: "x".repeat(1025) }, /stageDescription/);
        const described = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        assert.equal(described.ModelApprovalStatus, "PendingManualApproval");
        assert.equal(described.ModelLifeCycle, undefined);
    });

    it("serves an admitted account from the registry account and denies anyone else, as AWS does", async () => {
        const arn = await register();
        const staged = await client(STAGING).send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        assert.equal(staged.ModelPackageArn, arn);
        await assert.rejects(client(PROD).send(new DescribeModelPackageCommand({ ModelPackageName: arn })), (e: Error) => e.name === "AccessDeniedException" && /no resource-based policy/.test(e.message));
        // The policy's condition: staging may set only {Staging, Deployed}, never the approval status.
        await assert.rejects(client(STAGING).send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelLifeCycle: { Stage: "Production", StageStatus: "Deployed" } })), { name: "AccessDeniedException" });
        await assert.rejects(client(STAGING).send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Staging", StageStatus: "Deployed" } })), { name: "AccessDeniedException" });
        await client(STAGING).send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelLifeCycle: { Stage: "Staging", StageStatus: "Deployed" } }));
        assert.deepEqual(proxy.lifeCycleOf(arn), { Stage: "Staging", StageStatus: "Deployed" });
        await assert.rejects(client(PROD).send(new CreateModelCommand({ ModelName: uniqueName("m"), ExecutionRoleArn: `arn:aws:iam::${PROD}:role/x`, PrimaryContainer: { ModelPackageName: arn } })), { name: "AccessDeniedException" });
    });

    it("takes the account of assumed-role credentials from moto's STS", async () => {
        const arn = await register();
        const sts = new STSClient(motoClientConfig(await motoEndpoint()));
        const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${STAGING}:role/deployer`, RoleSessionName: "t" }));
        const asRole = new SageMakerClient({ ...motoClientConfig(proxy.endpoint), credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } });
        assert.equal((await asRole.send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).ModelPackageArn, arn);
        const { Credentials: p } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${PROD}:role/deployer`, RoleSessionName: "t" }));
        const asProd = new SageMakerClient({ ...motoClientConfig(proxy.endpoint), credentials: { accessKeyId: p!.AccessKeyId!, secretAccessKey: p!.SecretAccessKey!, sessionToken: p!.SessionToken! } });
        await assert.rejects(asProd.send(new DescribeModelPackageCommand({ ModelPackageName: arn })), { name: "AccessDeniedException" });
    });

    it("updates an InService endpoint to an existing config, and refuses a missing config", async () => {
        const sm = client(STAGING);
        const names = [uniqueName("cfg-a"), uniqueName("cfg-b")];
        for (const name of names) {
            await sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: `arn:aws:iam::${STAGING}:role/x`, PrimaryContainer: { Image: "img" } }));
            await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ VariantName: "AllTraffic", ModelName: name, InstanceType: "ml.m5.large", InitialInstanceCount: 1 }] }));
        }
        const endpointName = uniqueName("ep");
        await sm.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: names[0] }));
        await assert.rejects(sm.send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: "no-such-config" })), { name: "ValidationException" });
        await assert.rejects(sm.send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: names[1], DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: "ALL_AT_ONCE", WaitIntervalInSeconds: 0 }, MaximumExecutionTimeoutInSeconds: 100 } } })), /maximumExecutionTimeoutInSeconds/);
        await sm.send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: names[1] }));
        assert.equal((await sm.send(new DescribeEndpointCommand({ EndpointName: endpointName }))).EndpointConfigName, names[1]);
        // Another account's endpoint of that name does not exist.
        await assert.rejects(client(PROD).send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: names[1] })), { name: "ValidationException" });
        assert.deepEqual(proxy.endpointUpdates.map((u) => [u.accountId, u.request.EndpointConfigName]), [[STAGING, names[1]]]);
    });
});
