import * as assert from "assert";
import { DescribeEndpointConfigCommand, DescribeModelCommand, DescribeModelPackageCommand } from "@aws-sdk/client-sagemaker";
import {
    approvedModelPackagesOnlyPolicy,
    approvedModelPackagesOnlyStackPolicy,
} from "../../policies/approvedModelPackages";
import type { StackContext } from "../../policies/lib/environment";
import { RegistryLookup, type SageMakerSender } from "../../policies/lib/registryLookup";
import { ENDPOINT, ENDPOINT_CONFIGURATION, Endpoint, EndpointConfiguration, MODEL, Model } from "../../policies/lib/resourceTypes";
import { UNKNOWN } from "../../policies/lib/unknowns";
import {
    advisory,
    blocking,
    createResourceValidationArgs,
    createStackValidationArgs,
    runResourcePolicy,
    runStackPolicy,
    stackContext,
} from "./helpers";
import {
    APPROVED,
    artifactOf,
    OTHER_ACCOUNT_APPROVED,
    PACKAGE_IMAGE,
    PACKAGE_IMAGE_DIGEST,
    PENDING,
    REJECTED,
    awsError,
    callsOf,
    newLookup,
    sageMakerMock,
    useBytesDouble,
    useSageMakerFixture,
} from "./sagemakerDoubles";

const variant = (modelName: unknown, variantName = "primary") => ({ variantName, modelName, initialInstanceCount: 1, instanceType: "ml.m5.large" });

describe("approved-model-packages-only", () => {
    const state = useSageMakerFixture({ dryRun: false });
    const policy = () => approvedModelPackagesOnlyPolicy(state.deps);

    const endpointConfig = (props: Record<string, unknown>, config?: Record<string, unknown>) =>
        runResourcePolicy(policy(), createResourceValidationArgs(EndpointConfiguration, props, { name: "endpoint-config", config }));
    const model = (props: Record<string, unknown>, config?: Record<string, unknown>) =>
        runResourcePolicy(policy(), createResourceValidationArgs(Model, props, { name: "model", config }));

    describe("endpoint configurations", () => {
        it("accepts production and shadow variants whose models come from an Approved package", async () => {
            const reported = await endpointConfig({ productionVariants: [variant("approved-model")], shadowProductionVariants: [variant("approved-model", "shadow")] });
            assert.deepStrictEqual(reported, []);
        });

        it("blocks a shadow variant whose model's package is PendingManualApproval, naming resource, variant, model, package, status and fix", async () => {
            const reported = await endpointConfig({ productionVariants: [variant("approved-model")], shadowProductionVariants: [variant("pending-model", "challenger")] });
            assert.strictEqual(reported.length, 1);
            const [r] = blocking(reported);
            assert.match(r.message, /EndpointConfiguration urn:pulumi:prod::sagemaker-approval-gate::aws:sagemaker\/endpointConfiguration:EndpointConfiguration::endpoint-config/);
            assert.match(r.message, /variant "challenger" \(shadowProductionVariants\[0\]\)/);
            assert.match(r.message, /model "pending-model" PrimaryContainer/);
            assert.ok(r.message.includes(`${PENDING} (status: PendingManualApproval)`), r.message);
            assert.ok(r.message.includes(`Fix: have an approver approve this version (\`approvals approve ${PENDING} --comment "<why>"\`)`), r.message);
        });

        it("blocks an existing package-based model whose environment swaps in other code, not one that echoes the package's", async () => {
            assert.deepStrictEqual(await endpointConfig({ productionVariants: [variant("approved-model-echoing-env")] }), []);
            const reported = await endpointConfig({ productionVariants: [variant("approved-model-swapped-code")] });
            assert.strictEqual(blocking(reported).length, 1);
            assert.match(reported[0].message, /sets SAGEMAKER_SUBMIT_DIRECTORY in its environment to values the package does not declare/);
            assert.strictEqual(callsOf(DescribeModelPackageCommand), 1, "the package environment comes from the cached answer");
        });

        it("blocks an existing package-based model whose image or model data differ from the package's, not one that echoes them", async () => {
            assert.deepStrictEqual(await endpointConfig({ productionVariants: [variant("approved-model-echoing-image")] }), []);
            const reported = await endpointConfig({ productionVariants: [variant("approved-model-swapped-image")] });
            assert.strictEqual(blocking(reported).length, 1, JSON.stringify(reported));
            assert.match(reported[0].message, /model "approved-model-swapped-image" PrimaryContainer names package .*abalone-prod\/3 but its image, modelDataUrl differ from the package's/);
        });

        it("judges serverless and async-inference variants like any other (they still name a model)", async () => {
            const serverless = { variantName: "sls", modelName: "pending-model", serverlessConfig: { maxConcurrency: 5, memorySizeInMb: 2048 } };
            const reported = await endpointConfig({ productionVariants: [serverless], asyncInferenceConfig: { outputConfig: { s3OutputPath: "s3://b/out" } } });
            assert.match(blocking(reported)[0]?.message ?? "", /variant "sls" \(productionVariants\[0\]\) -> model "pending-model" .*status: PendingManualApproval/);
        });

        it("blocks a Rejected package", async () => {
            const reported = await endpointConfig({ productionVariants: [variant("rejected-model")] });
            assert.ok(blocking(reported)[0].message.includes(`${REJECTED} (status: Rejected)`));
        });

        it("checks every container of a multi-container model", async () => {
            const reported = await endpointConfig({ productionVariants: [variant("multi-container-model")] });
            assert.strictEqual(blocking(reported).length, 1);
            assert.match(reported[0].message, /model "multi-container-model" Containers\[1\] -> package .*abalone-prod\/4 \(status: PendingManualApproval\)/);
        });

        it("blocks a model built from a raw image with no package", async () => {
            const reported = await endpointConfig({ productionVariants: [variant("raw-model")] });
            assert.match(blocking(reported)[0].message, /model "raw-model" PrimaryContainer is built from image .* with no model package: it bypasses the model registry/);
        });

        it("blocks packages outside the allowed groups or accounts", async () => {
            let reported = await endpointConfig({ productionVariants: [variant("other-group-model")] }, { allowedModelPackageGroups: ["abalone-prod"] });
            assert.match(blocking(reported)[0].message, /model package group "churn-prod" is not an allowed group/);
            assert.match(reported[0].message, /Fix: reference an Approved version from an allowed group and account/);
            assert.doesNotMatch(reported[0].message, /approvals approve/, "an approval would not make another group's version deployable");
            state.lookup = newLookup();
            reported = await endpointConfig({ productionVariants: [variant("other-account-model")] }, { allowedAccounts: ["222222222222"] });
            assert.match(blocking(reported)[0].message, /account 999999999999 is not an allowed registry account/);
        });

        it("blocks a model name that does not exist (in an update)", async () => {
            const reported = await endpointConfig({ productionVariants: [variant("no-such-model")] });
            assert.match(blocking(reported)[0].message, /model "no-such-model": approval could not be verified: model "no-such-model" was not found/);
        });

        it("in preview, defers a model that does not exist yet with an advisory note (the stack join judges it)", async () => {
            state.context = stackContext({ stack: "prod", dryRun: true });
            const reported = await endpointConfig({ productionVariants: [variant("no-such-model")] });
            assert.strictEqual(blocking(reported).length, 0);
            assert.match(advisory(reported)[0].message, /does not exist yet .* judged by approved-model-packages-only-stack/);
        });

        it("in preview, defers an unknown model name with a note; outside preview it blocks", async () => {
            state.context = stackContext({ stack: "prod", dryRun: true });
            let reported = await endpointConfig({ productionVariants: [variant(UNKNOWN)] });
            assert.strictEqual(blocking(reported).length, 0);
            assert.match(advisory(reported)[0].message, /model name that is not known/);
            state.context = stackContext({ stack: "prod", dryRun: false });
            reported = await endpointConfig({ productionVariants: [variant(UNKNOWN)] });
            assert.match(blocking(reported)[0].message, /the model name is unknown outside preview/);
        });

        it("blocks a whole variant list that is unknown outside preview; notes it in preview", async () => {
            const up = await endpointConfig({ productionVariants: UNKNOWN });
            assert.match(blocking(up)[0]?.message ?? "", /productionVariants is unknown outside preview, so approval cannot be verified/);
            state.context = stackContext({ stack: "prod", dryRun: true });
            const preview = await endpointConfig({ shadowProductionVariants: UNKNOWN, productionVariants: [variant("approved-model")] });
            assert.strictEqual(blocking(preview).length, 0);
            assert.match(advisory(preview)[0]?.message ?? "", /shadowProductionVariants is not known during preview/);
        });

        it("blocks a variant that names no model (inference components cannot be verified)", async () => {
            const reported = await endpointConfig({ productionVariants: [{ variantName: "ic", instanceType: "ml.g5.xlarge" }] });
            assert.match(blocking(reported)[0].message, /names no model/);
        });

        it("fails closed when SageMaker throttles DescribeModel past the retries", async () => {
            sageMakerMock.on(DescribeModelCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));
            const reported = await endpointConfig({ productionVariants: [variant("approved-model")] });
            assert.match(blocking(reported)[0].message, /approval could not be verified: SageMaker throttled DescribeModel/);
        });

        it("in preview too, a failed lookup blocks: only \"not found\" is deferred to the stack join", async () => {
            state.context = stackContext({ stack: "prod", dryRun: true });
            sageMakerMock.on(DescribeModelCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));
            const reported = await endpointConfig({ productionVariants: [variant("approved-model")] });
            assert.strictEqual(blocking(reported).length, 1, JSON.stringify(reported));
            assert.match(reported[0].message, /approval could not be verified: SageMaker throttled DescribeModel\("approved-model"\) past its retries/);
        });

        it("fails closed when the deployer may not describe the package", async () => {
            sageMakerMock.on(DescribeModelPackageCommand).rejects(awsError("AccessDeniedException", "not authorized"));
            const reported = await endpointConfig({ productionVariants: [variant("approved-model")] });
            assert.match(blocking(reported)[0].message, /approval could not be verified: the caller may not describe it .*grant sagemaker:DescribeModelPackage/);
        });

        it("reports the same finding as advisory in a dev stack", async () => {
            state.context = stackContext({ stack: "dev", config: { "sagemaker-approval-gate:production": "false" } });
            const reported = await endpointConfig({ productionVariants: [variant("pending-model")] });
            assert.strictEqual(blocking(reported).length, 0);
            assert.strictEqual(advisory(reported).length, 1);
            assert.match(reported[0].message, /advisory: not a production stack .*stack name "dev"/);
        });

        it("blocks in a stack whose name it cannot classify (production by default)", async () => {
            state.context = stackContext({ stack: "eu-central", config: {} });
            const reported = await endpointConfig({ productionVariants: [variant("pending-model")] });
            assert.strictEqual(blocking(reported).length, 1);
        });

        it("describes each model and package once, however many variants refer to them", async () => {
            await endpointConfig({ productionVariants: [variant("approved-model", "a"), variant("approved-model", "b")], shadowProductionVariants: [variant("approved-model", "c")] });
            await endpointConfig({ productionVariants: [variant("approved-model")] });
            assert.strictEqual(callsOf(DescribeModelCommand), 1);
            assert.strictEqual(callsOf(DescribeModelPackageCommand), 1);
        });

        it("reports invalid policy config as a blocking violation naming the option", async () => {
            const reported = await endpointConfig({ productionVariants: [variant("approved-model")] }, { allowedAccounts: ["12"] });
            assert.match(blocking(reported)[0].message, /"allowedAccounts" has the value \["12"\]/);
        });
    });

    describe("endpoints (which may name a configuration made outside this program)", () => {
        const endpoint = (props: Record<string, unknown>) => runResourcePolicy(policy(), createResourceValidationArgs(Endpoint, props, { name: "endpoint" }));

        it("accepts an endpoint whose configuration serves Approved packages", async () => {
            assert.deepStrictEqual(await endpoint({ endpointConfigName: "approved-config" }), []);
        });

        it("blocks an endpoint whose existing configuration has a Pending shadow variant", async () => {
            const reported = await endpoint({ endpointConfigName: "shadow-pending-config" });
            assert.strictEqual(blocking(reported).length, 1);
            assert.match(reported[0].message, /Endpoint .*::endpoint -> endpoint configuration "shadow-pending-config" variant "challenger" \(ShadowProductionVariants\[0\]\) -> model "pending-model" PrimaryContainer -> package .*status: PendingManualApproval/);
        });

        it("blocks a configuration whose model no longer exists, even in preview", async () => {
            state.context = stackContext({ dryRun: true });
            assert.match(blocking(await endpoint({ endpointConfigName: "dangling-config" }))[0].message, /model "deleted-model" does not exist/);
        });

        it("blocks, even in preview, when the configuration cannot be described (access denied)", async () => {
            state.context = stackContext({ dryRun: true });
            sageMakerMock.on(DescribeEndpointConfigCommand).rejects(awsError("AccessDeniedException", "not authorized to perform sagemaker:DescribeEndpointConfig"));
            const reported = await endpoint({ endpointConfigName: "approved-config" });
            assert.strictEqual(blocking(reported).length, 1, JSON.stringify(reported));
            assert.match(reported[0].message, /approval could not be verified: the deployer may not describe endpoint configuration "approved-config" .*grant sagemaker:DescribeEndpointConfig/);
        });

        it("blocks an endpoint whose configuration name is still unknown in an update", async () => {
            assert.match(blocking(await endpoint({ endpointConfigName: UNKNOWN }))[0]?.message ?? "", /endpointConfigName is unknown outside preview, so approval cannot be verified/);
        });

        it("blocks an unknown configuration name in an update; notes it in preview", async () => {
            assert.match(blocking(await endpoint({ endpointConfigName: "nope" }))[0].message, /endpoint configuration "nope": approval could not be verified: endpoint configuration "nope" was not found/);
            state.context = stackContext({ dryRun: true });
            const preview = await endpoint({ endpointConfigName: UNKNOWN });
            assert.strictEqual(blocking(preview).length, 0);
            assert.match(advisory(preview)[0].message, /endpointConfigName is not known during preview/);
        });
    });

    describe("SageMaker resources of other providers", () => {
        const other = (type: string) => runResourcePolicy(policy(), createResourceValidationArgs({ __pulumiType: type }, { modelName: "x" }));

        it("refuses aws-native SageMaker models, endpoint configs, endpoints, inference components and inference experiments in production", async () => {
            // An inference experiment puts shadow models on a live endpoint.
            for (const type of ["aws-native:sagemaker:Model", "aws-native:sagemaker:EndpointConfig", "aws-native:sagemaker:Endpoint", "aws-native:sagemaker:InferenceComponent", "aws-native:sagemaker:InferenceExperiment"]) {
                assert.match(blocking(await other(type))[0]?.message ?? "", /cannot trace to an Approved model package version/, type);
            }
            state.context = stackContext({ stack: "dev" });
            assert.strictEqual(blocking(await other("aws-native:sagemaker:Model")).length, 0);
        });

        const resource = (type: string, props: Record<string, unknown>) => runResourcePolicy(policy(), createResourceValidationArgs({ __pulumiType: type }, props));

        it("refuses SageMaker models and endpoints created through AWS Cloud Control with the aws provider", async () => {
            for (const typeName of ["AWS::SageMaker::EndpointConfig", "aws::sagemaker::model", "AWS::SageMaker::InferenceComponent", "AWS::SageMaker::InferenceExperiment"]) {
                const reported = await resource("aws:cloudcontrol/resource:Resource", { typeName, desiredState: JSON.stringify({ ProductionVariants: [{ ModelName: "x" }] }) });
                assert.match(blocking(reported)[0]?.message ?? "", /through AWS Cloud Control, which this pack cannot trace/, typeName);
            }
            assert.deepStrictEqual(await resource("aws:cloudcontrol/resource:Resource", { typeName: "AWS::ECS::Cluster", desiredState: "{}" }), []);
        });

        it("refuses a program that registers or approves a model package itself (aws-native, Cloud Control)", async () => {
            const native = await resource("aws-native:sagemaker:ModelPackage", { modelPackageGroupName: "abalone-prod", modelApprovalStatus: "Approved" });
            assert.match(blocking(native)[0]?.message ?? "", /sets the model package's ModelApprovalStatus to "Approved": the program would approve a model itself/);
            assert.deepStrictEqual(await resource("aws-native:sagemaker:ModelPackage", { modelPackageGroupName: "abalone-prod", modelApprovalStatus: "PendingManualApproval" }), []);
            const cc = await resource("aws:cloudcontrol/resource:Resource", { typeName: "AWS::SageMaker::ModelPackage", desiredState: JSON.stringify({ ModelPackageGroupName: "g", ModelApprovalStatus: "Approved" }) });
            assert.strictEqual(blocking(cc).length, 1);
        });

        describe("CloudFormation templates (parsed, not searched as text)", () => {
            const STACK = "aws:cloudformation/stack:Stack";
            const NATIVE_STACK = "aws-native:cloudformation:Stack";
            const bucketTemplate = () => ({ AWSTemplateFormatVersion: "2010-09-09", Resources: { Logs: { Type: "AWS::S3::Bucket", Properties: { BucketName: "logs" } } } });
            const withResource = (logicalId: string, type: string) => {
                const t = bucketTemplate();
                return { ...t, Resources: { ...t.Resources, [logicalId]: { Type: type, Properties: {} } } };
            };
            /** Real CloudFormation YAML with short-form intrinsic functions (custom tags). */
            const yamlTemplate = (type: string) => [
                "AWSTemplateFormatVersion: '2010-09-09'",
                "Parameters:",
                "  Env: {Type: String, Default: prod}",
                "Conditions:",
                "  IsProd: !Equals [!Ref Env, prod]",
                "  NotDev: !Not [!Equals [!Ref Env, dev]]",
                "  Both: !And [!Condition IsProd, !Or [!Condition NotDev, !Equals [a, b]]]",
                "Mappings:",
                "  Sizes: {prod: {Instance: ml.m5.large}}",
                "Resources:",
                "  Logs:",
                "    Type: AWS::S3::Bucket",
                "    Properties:",
                "      BucketName: !Sub '${AWS::StackName}-logs'",
                "      Tags:",
                "        - Key: az",
                "          Value: !Select [0, !GetAZs '']",
                "        - Key: joined",
                "          Value: !Join ['-', !Split [',', 'a,b']]",
                "        - Key: size",
                "          Value: !FindInMap [Sizes, !Ref Env, Instance]",
                "        - Key: cidr",
                "          Value: !Select [0, !Cidr ['10.0.0.0/16', 4, 8]]",
                "        - Key: imported",
                "          Value: !If [IsProd, !ImportValue shared-vpc, !Ref 'AWS::NoValue']",
                "        - Key: b64",
                "          Value: !Base64 hello",
                "  Thing:",
                `    Type: ${type}`,
                "    Condition: Both",
                "Outputs:",
                "  Arn: {Value: !GetAtt Logs.Arn}",
                "  Name: {Value: !GetAtt [Logs, DomainName]}",
                "",
            ].join("\n");

            it("allows a harmless template, as a JSON string and as an object (the happy path)", async () => {
                assert.deepStrictEqual(await resource(STACK, { templateBody: JSON.stringify(bucketTemplate()) }), []);
                assert.deepStrictEqual(await resource(NATIVE_STACK, { templateBody: bucketTemplate() }), []);
            });

            it("blocks an object templateBody (aws-native Stack) that declares a SageMaker endpoint, naming the logical id and type", async () => {
                const reported = await resource(NATIVE_STACK, { templateBody: withResource("Serving", "AWS::SageMaker::Endpoint") });
                assert.strictEqual(blocking(reported).length, 1, JSON.stringify(reported));
                const message = reported[0].message;
                assert.match(message, /aws-native:cloudformation:Stack urn:pulumi:prod::/);
                assert.match(message, /"Serving" \(AWS::SageMaker::Endpoint\)/);
                assert.match(message, /cannot trace to an Approved model package version/);
                assert.match(message, /Fix: /);
            });

            it("is advisory for the same template in a dev stack", async () => {
                state.context = stackContext({ stack: "dev" });
                const reported = await resource(NATIVE_STACK, { templateBody: withResource("Serving", "AWS::SageMaker::Endpoint") });
                assert.strictEqual(blocking(reported).length, 0);
                assert.match(advisory(reported)[0]?.message ?? "", /advisory: not a production stack.*"Serving" \(AWS::SageMaker::Endpoint\)/s);
            });

            it("blocks a JSON template that spells the type with \\u escapes", async () => {
                const escaped = JSON.stringify(bucketTemplate()).replace('"Resources":{', '"Resources":{"M":{"Type":"AWS::SageMaker::\\u004dodel"},');
                assert.ok(!escaped.includes("AWS::SageMaker::Model"), "the type does not appear literally");
                const reported = await resource(STACK, { templateBody: escaped });
                assert.match(blocking(reported)[0]?.message ?? "", /"M" \(AWS::SageMaker::Model\)/);
            });

            it("parses YAML with short-form intrinsic functions: allows it with a harmless type, blocks it with a SageMaker one", async () => {
                assert.deepStrictEqual(await resource(STACK, { templateBody: yamlTemplate("AWS::SNS::Topic") }), []);
                const reported = await resource(STACK, { templateBody: yamlTemplate("AWS::SageMaker::EndpointConfig") });
                assert.match(blocking(reported)[0]?.message ?? "", /"Thing" \(AWS::SageMaker::EndpointConfig\)/);
            });

            it("refuses a template that cannot be parsed in production, and says so as advisory in dev", async () => {
                const broken = JSON.stringify(bucketTemplate()).slice(0, -2);
                const reported = await resource(STACK, { templateBody: broken });
                assert.match(blocking(reported)[0]?.message ?? "", /templateBody cannot be parsed as a CloudFormation template .*Fix: /);
                state.context = stackContext({ stack: "dev" });
                const dev = await resource(STACK, { templateBody: broken });
                assert.strictEqual(blocking(dev).length, 0);
                assert.match(advisory(dev)[0]?.message ?? "", /cannot be parsed/);
            });

            it("refuses a template with a duplicate key (CloudFormation's behaviour is undefined for it)", async () => {
                const duplicated = JSON.stringify(bucketTemplate()).replace('"Type":"AWS::S3::Bucket"', '"Type":"AWS::S3::Bucket","Type":"AWS::SageMaker::Model"');
                assert.match(blocking(await resource(STACK, { templateBody: duplicated }))[0]?.message ?? "", /cannot be parsed.*unique/s);
            });

            it("refuses a nested AWS::CloudFormation::Stack inside an inline template", async () => {
                const reported = await resource(NATIVE_STACK, { templateBody: withResource("Child", "AWS::CloudFormation::Stack") });
                assert.match(blocking(reported)[0]?.message ?? "", /"Child" \(AWS::CloudFormation::Stack\).*nested stack.*Fix: /s);
            });

            it("refuses a template with a Transform (macros create resources the pack cannot see)", async () => {
                const sam = { ...bucketTemplate(), Transform: "AWS::Serverless-2016-10-31" };
                assert.match(blocking(await resource(STACK, { templateBody: JSON.stringify(sam) }))[0]?.message ?? "", /Transform "AWS::Serverless-2016-10-31"/);
            });

            it("refuses a template read from a templateUrl, which the pack cannot read", async () => {
                const reported = await resource(STACK, { templateUrl: "https://s3.amazonaws.com/bucket/template.yaml" });
                assert.match(blocking(reported)[0]?.message ?? "", /templateUrl "https:\/\/s3.amazonaws.com\/bucket\/template.yaml".*Fix: /s);
            });

            it("blocks an unknown Type inside an object template in an update; notes it in preview", async () => {
                const body = withResource("Later", UNKNOWN);
                assert.match(blocking(await resource(NATIVE_STACK, { templateBody: body }))[0]?.message ?? "", /Resources\.Later\.Type is unknown outside preview/);
                state.context = stackContext({ dryRun: true });
                const preview = await resource(NATIVE_STACK, { templateBody: body });
                assert.strictEqual(blocking(preview).length, 0);
                assert.match(advisory(preview)[0]?.message ?? "", /not known during preview/);
            });

            it("covers every carrier: aws and aws-native stacks and stack sets", async () => {
                for (const type of [STACK, "aws:cloudformation/stackSet:StackSet", NATIVE_STACK, "aws-native:cloudformation:StackSet"]) {
                    assert.deepStrictEqual(await resource(type, { templateBody: JSON.stringify(bucketTemplate()) }), [], type);
                    assert.strictEqual(blocking(await resource(type, { templateBody: yamlTemplate("AWS::SageMaker::Model") })).length, 1, type);
                }
            });
        });

        it("blocks unknown typeName, desiredState or templateBody in an update; notes them in preview", async () => {
            const up = await resource("aws:cloudcontrol/resource:Resource", { typeName: UNKNOWN, desiredState: "{}" });
            assert.match(blocking(up)[0]?.message ?? "", /its typeName is unknown outside preview/);
            assert.strictEqual(blocking(await resource("aws:cloudformation/stack:Stack", { templateBody: UNKNOWN })).length, 1);
            state.context = stackContext({ dryRun: true });
            const preview = await resource("aws-native:sagemaker:ModelPackage", { modelApprovalStatus: UNKNOWN });
            assert.strictEqual(blocking(preview).length, 0);
            assert.match(advisory(preview)[0]?.message ?? "", /its ModelApprovalStatus is not known during preview/);
        });

        it("ignores unrelated resources", async () => {
            assert.deepStrictEqual(await other("aws:s3/bucketV2:BucketV2"), []);
        });
    });

    describe("models", () => {
        it("accepts a model built from an Approved package version", async () => {
            assert.deepStrictEqual(await model({ primaryContainer: { modelPackageName: APPROVED } }), []);
        });

        it("blocks a raw-image model in production, advisory in dev", async () => {
            const raw = { primaryContainer: { image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1", modelDataUrl: "s3://b/m.tar.gz" } };
            assert.match(blocking(await model(raw))[0].message, /Model urn:.*::model primaryContainer is built from image .*modelDataUrl "s3:\/\/b\/m.tar.gz" with no model package/);
            state.context = stackContext({ stack: "dev" });
            const dev = await model(raw);
            assert.strictEqual(blocking(dev).length, 0);
            assert.strictEqual(advisory(dev).length, 1);
        });

        it("blocks a package container that also overrides the image or model data", async () => {
            const reported = await model({ primaryContainer: { modelPackageName: APPROVED, image: "evil:latest" } });
            assert.match(blocking(reported)[0].message, /also sets image, which would replace the approved artifacts/);
        });

        it("blocks a package container that adds model artifacts of its own (additionalModelDataSources)", async () => {
            const extra = [{ channelName: "adapter", s3DataSource: { s3Uri: "s3://elsewhere/lora/", s3DataType: "S3Prefix", compressionType: "None" } }];
            const reported = await model({ primaryContainer: { modelPackageName: APPROVED, additionalModelDataSources: extra } });
            assert.match(blocking(reported)[0]?.message ?? "", /also sets additionalModelDataSources, which would replace the approved artifacts/);
            assert.deepStrictEqual(await model({ primaryContainer: { modelPackageName: APPROVED, additionalModelDataSources: [] } }), []);
            const live = await endpointConfig({ productionVariants: [variant("approved-model-extra-adapter")] });
            assert.match(blocking(live)[0]?.message ?? "", /its additionalModelDataSources differ from the package's/);
        });

        it("blocks a package container that selects an additional inference specification (added after approval)", async () => {
            const reported = await model({ primaryContainer: { modelPackageName: APPROVED, inferenceSpecificationName: "added-after-approval" } });
            assert.strictEqual(blocking(reported).length, 1);
            assert.match(blocking(reported)[0].message, /selects its inference specification "added-after-approval": .*the approval does not cover them/);
            const live = await endpointConfig({ productionVariants: [variant("approved-model-extra-inference-spec")] });
            assert.match(blocking(live)[0]?.message ?? "", /approved-model-extra-inference-spec.*selects its inference specification "added-after-approval"/);
        });

        it("blocks a package container whose environment chooses other code or model artifacts", async () => {
            const reported = await model({ primaryContainer: { modelPackageName: APPROVED, environment: { SAGEMAKER_SUBMIT_DIRECTORY: "s3://elsewhere/code.tar.gz", LOG_LEVEL: "info" } } });
            assert.strictEqual(blocking(reported).length, 1);
            assert.match(reported[0].message, /sets SAGEMAKER_SUBMIT_DIRECTORY in its environment/);
            assert.deepStrictEqual(await model({ primaryContainer: { modelPackageName: APPROVED, environment: { LOG_LEVEL: "info" } } }), []);
        });

        it("blocks a multi-model container", async () => {
            const reported = await model({ primaryContainer: { modelPackageName: APPROVED, mode: "MultiModel" } });
            assert.match(blocking(reported)[0].message, /multi-model container/);
        });

        it("checks every entry of containers[]", async () => {
            const reported = await model({ containers: [{ modelPackageName: APPROVED }, { image: "raw:1" }] });
            assert.strictEqual(blocking(reported).length, 1);
            assert.match(reported[0].message, /containers\[1\] is built from image "raw:1"/);
        });

        it("blocks an unversioned package name", async () => {
            const reported = await model({ primaryContainer: { modelPackageName: "abalone-prod" } });
            assert.match(blocking(reported)[0].message, /is not a versioned model package ARN/);
            assert.match(reported[0].message, /Fix: set modelPackageName to the full ARN of an Approved version/);
        });

        it("blocks a package from another account when accounts are restricted", async () => {
            const reported = await model({ primaryContainer: { modelPackageName: OTHER_ACCOUNT_APPROVED } }, { allowedAccounts: ["222222222222"] });
            assert.match(blocking(reported)[0].message, /account 999999999999 is not an allowed registry account/);
        });

        it("blocks an unknown package name in preview (a version created in this update cannot be approved yet)", async () => {
            state.context = stackContext({ dryRun: true });
            const reported = await model({ primaryContainer: { modelPackageName: UNKNOWN } });
            assert.match(blocking(reported)[0].message, /modelPackageName is not known during preview/);
        });

        it("blocks unknown containers and a model without containers", async () => {
            assert.match(blocking(await model({ primaryContainer: UNKNOWN }))[0].message, /not known during preview|no container/);
            assert.match(blocking(await model({}))[0].message, /has no container/);
        });

        it("fails closed when the package lookup fails", async () => {
            sageMakerMock.on(DescribeModelPackageCommand).rejects(awsError("InternalFailure", "boom"));
            const reported = await model({ primaryContainer: { modelPackageName: APPROVED } });
            assert.match(blocking(reported)[0].message, /approval could not be verified: the lookup failed \(InternalFailure: boom\)/);
        });
    });
});

describe("approved-model-packages-only: the region lookups go to", () => {
    // A registry where the same model name is approved in us-east-1 and pending in eu-west-1.
    const asked: string[] = [];
    const profiles: string[] = [];
    const answers = (region: string | undefined, profile?: string): SageMakerSender => ({
        async send(command: unknown) {
            asked.push(region ?? "(none)");
            profiles.push(profile ?? "(default)");
            if (command instanceof DescribeModelCommand) {
                return { ModelName: command.input.ModelName, PrimaryContainer: { ModelPackageName: region === "eu-west-1" ? PENDING : APPROVED } };
            }
            if (command instanceof DescribeEndpointConfigCommand) {
                return { EndpointConfigName: command.input.EndpointConfigName, ProductionVariants: [{ VariantName: "primary", ModelName: "twin-model" }] };
            }
            const arn = (command as DescribeModelPackageCommand).input.ModelPackageName!;
            return {
                ModelPackageArn: arn, ModelPackageGroupName: "abalone-prod", ModelApprovalStatus: arn === APPROVED ? "Approved" : "PendingManualApproval", ModelPackageStatus: "Completed",
                InferenceSpecification: { Containers: [{ Image: PACKAGE_IMAGE, ImageDigest: PACKAGE_IMAGE_DIGEST, ModelDataUrl: artifactOf(arn).uri }] },
            };
        },
    });
    useBytesDouble();
    let context: StackContext;
    const policy = () => approvedModelPackagesOnlyPolicy({ context: () => context, lookup: () => new RegistryLookup({ clientFor: answers }) });
    const provider = (region: unknown, more: Record<string, unknown> = {}) => ({ type: "pulumi:providers:aws", name: "eu", urn: "urn:pulumi:prod::p::pulumi:providers:aws::eu", props: { ...(region === undefined ? {} : { region }), ...more } });
    const run = (cls: { __pulumiType: string }, props: Record<string, unknown>, p?: ReturnType<typeof provider>) =>
        runResourcePolicy(policy(), createResourceValidationArgs(cls, props, { provider: p }));

    beforeEach(() => {
        asked.length = 0;
        profiles.length = 0;
        context = stackContext({ stack: "prod", region: "us-east-1", environmentRegion: "us-west-2" });
    });

    it("the resource's own region input (@pulumi/aws 7), not the stack's, so a twin name elsewhere cannot vouch for it", async () => {
        const reported = await run(EndpointConfiguration, { region: "eu-west-1", productionVariants: [variant("twin-model")] });
        assert.strictEqual(blocking(reported).length, 1, JSON.stringify(reported));
        assert.match(reported[0].message, /status: PendingManualApproval/);
        assert.strictEqual(asked[0], "eu-west-1");
        const endpoint = await run(Endpoint, { region: "eu-west-1", endpointConfigName: "cfg" });
        assert.strictEqual(blocking(endpoint).length, 1, JSON.stringify(endpoint));
    });

    it("the provider's region when the resource has none; the environment's when the provider has none; the stack's without provider", async () => {
        assert.strictEqual(blocking(await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }, provider("eu-west-1"))).length, 1);
        assert.strictEqual(asked[0], "eu-west-1");
        asked.length = 0;
        await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }, provider(undefined));
        assert.strictEqual(asked[0], "us-west-2");
        asked.length = 0;
        assert.deepStrictEqual(await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }), []);
        assert.strictEqual(asked[0], "us-east-1");
    });

    it("the provider's named profile, with the provider's region", async () => {
        await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }, provider("eu-west-1", { profile: "prod-deployer" }));
        assert.deepStrictEqual([asked[0], profiles[0]], ["eu-west-1", "prod-deployer"]);
    });

    it("nowhere when the provider acts as another identity (assumed role, keys, endpoints): blocks, in preview too", async () => {
        for (const more of [{ assumeRoles: [{ roleArn: "arn:aws:iam::999999999999:role/deploy" }] }, { accessKey: "AKIA...", secretKey: "s" }, { endpoints: [{ sagemaker: "https://example.com" }] }]) {
            for (const dryRun of [false, true]) {
                context = stackContext({ stack: "prod", dryRun });
                const reported = await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }, provider("us-east-1", more));
                assert.strictEqual(blocking(reported).length, 1, `${JSON.stringify(more)} dryRun=${dryRun}: ${JSON.stringify(reported)}`);
                assert.match(reported[0].message, /its provider sets .* so it may act in another account .*Fix: run `pulumi` with the target account's own credentials/);
                assert.strictEqual(blocking(await run(Endpoint, { endpointConfigName: "cfg" }, provider("us-east-1", more))).length, 1);
            }
        }
        assert.deepStrictEqual(asked, [], "nothing is described with the wrong identity");
        assert.deepStrictEqual(await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }, provider("us-east-1", { assumeRoles: [], endpoints: [] })), [], "empty settings change nothing");
        // What @pulumi/aws really sends for an explicit provider: list and object settings JSON-encoded.
        const encoded = await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }, provider("us-east-1", { assumeRoles: JSON.stringify([{ roleArn: "arn:aws:iam::999999999999:role/deploy" }]), endpoints: "[]", defaultTags: "{\"tags\":{\"team\":\"ml\"}}", skipCredentialsValidation: "false" }));
        assert.match(blocking(encoded)[0]?.message ?? "", /its provider sets assumeRoles,/);
        assert.deepStrictEqual(await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }, provider("us-east-1", { assumeRoles: "[]", endpoints: "[]", sharedConfigFiles: "null", skipRegionValidation: "true" })), [], "encoded empty settings change nothing");
    });

    it("nowhere when the region is unknown: blocks in an update, defers with a note in preview", async () => {
        const up = await run(EndpointConfiguration, { region: UNKNOWN, productionVariants: [variant("twin-model")] });
        assert.match(blocking(up)[0]?.message ?? "", /its region input is not known outside preview/);
        assert.match(blocking(await run(Endpoint, { endpointConfigName: "cfg" }, provider(UNKNOWN)))[0]?.message ?? "", /the region of its provider is not known outside preview/);
        context = stackContext({ stack: "prod", dryRun: true });
        const preview = await run(EndpointConfiguration, { productionVariants: [variant("twin-model")] }, provider(UNKNOWN));
        assert.strictEqual(blocking(preview).length, 0);
        assert.match(advisory(preview)[0].message, /the region of its provider is not known/);
        assert.deepStrictEqual(asked, []);
    });
});

describe("approved-model-packages-only-stack (preview join)", () => {
    const state = useSageMakerFixture({ dryRun: true });
    const policy = () => approvedModelPackagesOnlyStackPolicy(state.deps);

    const stack = (modelProps: Record<string, unknown>, ecProps: Record<string, unknown>, deps: string[] = ["model"]) =>
        runStackPolicy(policy(), createStackValidationArgs([
            { type: MODEL, name: "model", props: modelProps },
            { type: "random:index/randomId:RandomId", name: "suffix", props: { hex: UNKNOWN } },
            { type: ENDPOINT_CONFIGURATION, name: "config", props: ecProps, propertyDependencies: { productionVariants: deps } },
        ]));

    it("accepts an unknown model name attributed to an approved Model of the stack", async () => {
        assert.deepStrictEqual(await stack({ name: UNKNOWN, primaryContainer: { modelPackageName: APPROVED } }, { productionVariants: [variant(UNKNOWN)] }), []);
    });

    it("blocks an unknown model name attributed to a Model built from a Pending package, on the endpoint config", async () => {
        const reported = await stack({ name: UNKNOWN, primaryContainer: { modelPackageName: PENDING } }, { productionVariants: [variant(UNKNOWN)] });
        assert.strictEqual(blocking(reported).length, 1);
        assert.match(reported[0].message, /EndpointConfiguration .*::config the model name of variant "primary" \(productionVariants\[0\]\) -> Model .*::model primaryContainer -> package .*\(status: PendingManualApproval\)/);
        assert.match(reported[0].urn ?? "", /::config$/);
    });

    it("attributes a whole unknown variant list to the Models it depends on (Pending blocks), or blocks it when it depends on none", async () => {
        const pending = await stack({ name: UNKNOWN, primaryContainer: { modelPackageName: PENDING } }, { productionVariants: UNKNOWN });
        assert.match(blocking(pending)[0]?.message ?? "", /the model of every entry of productionVariants -> Model .*status: PendingManualApproval/);
        const orphan = await stack({ name: "m", primaryContainer: { modelPackageName: APPROVED } }, { productionVariants: UNKNOWN }, []);
        assert.match(blocking(orphan)[0]?.message ?? "", /the model of every entry of productionVariants is unknown and cannot be attributed/);
    });

    it("blocks an unknown model name that depends on no Model", async () => {
        const reported = await stack({ name: "m", primaryContainer: { modelPackageName: APPROVED } }, { productionVariants: [variant(UNKNOWN)] }, []);
        assert.match(blocking(reported)[0].message, /cannot be attributed to a Model declared in this stack/);
    });

    it("blocks an unknown model name whose variants also depend on something other than a Model", async () => {
        const reported = await stack({ name: UNKNOWN, primaryContainer: { modelPackageName: APPROVED } }, { productionVariants: [variant(UNKNOWN)] }, ["model", "suffix"]);
        assert.match(blocking(reported)[0].message, /cannot be attributed .*RandomId::suffix/);
    });

    it("judges a known name declared in the stack from the Model's inputs (raw image blocks)", async () => {
        const reported = await stack({ name: "new-model", primaryContainer: { image: "raw:1" } }, { productionVariants: [variant("new-model")] });
        assert.match(blocking(reported)[0].message, /Model .*::model primaryContainer is built from image "raw:1"/);
    });

    it("blocks a known name that neither exists nor is declared in the stack", async () => {
        const reported = await stack({ name: "other", primaryContainer: { modelPackageName: APPROVED } }, { productionVariants: [variant("ghost-model")] }, []);
        assert.match(blocking(reported)[0].message, /model "ghost-model" neither exists nor is declared in this stack/);
    });

    it("leaves existing models to the resource policy (no duplicate report)", async () => {
        const reported = await stack({ name: "other", primaryContainer: { modelPackageName: APPROVED } }, { productionVariants: [variant("pending-model")] }, []);
        assert.deepStrictEqual(reported, []);
    });

    it("accepts an endpoint whose unknown configuration name comes from an endpoint configuration of the stack", async () => {
        const reported = await runStackPolicy(policy(), createStackValidationArgs([
            { type: ENDPOINT_CONFIGURATION, name: "config", props: { name: UNKNOWN, productionVariants: [variant("approved-model")] } },
            { type: ENDPOINT, name: "endpoint", props: { endpointConfigName: UNKNOWN }, propertyDependencies: { endpointConfigName: ["config"] } },
        ]));
        assert.deepStrictEqual(reported, []);
    });

    it("blocks an endpoint whose unknown configuration name comes from elsewhere, or names a configuration nobody has", async () => {
        const reported = await runStackPolicy(policy(), createStackValidationArgs([
            { type: "random:index/randomId:RandomId", name: "suffix", props: { hex: UNKNOWN } },
            { type: ENDPOINT, name: "a", props: { endpointConfigName: UNKNOWN }, propertyDependencies: { endpointConfigName: ["suffix"] } },
            { type: ENDPOINT, name: "b", props: { endpointConfigName: "ghost-config" } },
        ]));
        assert.strictEqual(blocking(reported).length, 2);
        assert.match(reported.map((r) => r.message).join("\n"), /::a: endpointConfigName is unknown and cannot be attributed[\s\S]*"ghost-config" neither exists nor is declared/);
    });

    it("is advisory in a dev stack", async () => {
        state.context = stackContext({ stack: "dev", dryRun: true });
        const reported = await stack({ name: UNKNOWN, primaryContainer: { modelPackageName: PENDING } }, { productionVariants: [variant(UNKNOWN)] });
        assert.strictEqual(blocking(reported).length, 0);
        assert.strictEqual(advisory(reported).length, 1);
    });
});
