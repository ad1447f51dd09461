import * as assert from "assert";
import { judgeCloudFormationStack } from "../../../policies/lib/cloudFormationStacks";
import { UNKNOWN } from "../../../policies/lib/unknowns";

const STACK = "aws:cloudformation/stack:Stack urn:pulumi:prod::p::aws:cloudformation/stack:Stack::s";
const harmless = () => ({ Resources: { Logs: { Type: "AWS::S3::Bucket" }, Topic: { Type: "AWS::SNS::Topic" } } });
const withResource = (logicalId: string, declaration: unknown) => ({ Resources: { ...harmless().Resources, [logicalId]: declaration } });
const judge = (props: Record<string, unknown>) => judgeCloudFormationStack(STACK, props);

describe("cloudFormationStacks", () => {
    it("finds nothing in a harmless template, nor in a stack without a template (the happy path)", () => {
        assert.deepStrictEqual(judge({ templateBody: harmless() }), { problems: [], unknowns: [] });
        assert.deepStrictEqual(judge({ templateBody: JSON.stringify(harmless()), templateUrl: "" }), { problems: [], unknowns: [] });
        assert.deepStrictEqual(judge({}), { problems: [], unknowns: [] });
    });

    it("refuses every SageMaker type that deploys a model or registers a package, whatever its case or padding", () => {
        for (const type of ["AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint", "AWS::SageMaker::InferenceComponent", "aws::sagemaker::model", " AWS::SageMaker::Endpoint "]) {
            const { problems } = judge({ templateBody: withResource("X", { Type: type }) });
            assert.strictEqual(problems.length, 1, type);
            assert.ok(problems[0].includes(`"X" (${type})`), problems[0]);
        }
        const [pkg] = judge({ templateBody: withResource("Pkg", { Type: "AWS::SageMaker::ModelPackage" }) }).problems;
        assert.match(pkg, /"Pkg" \(AWS::SageMaker::ModelPackage\): the template would register a model package version.*Fix: register versions through the pipeline/);
    });

    it("lists every offending resource of a kind in one finding, and each kind in its own", () => {
        const body = { Resources: { A: { Type: "AWS::SageMaker::Model" }, B: { Type: "AWS::SageMaker::Endpoint" }, C: { Type: "AWS::CloudFormation::StackSet" } } };
        const { problems } = judge({ templateBody: body });
        assert.strictEqual(problems.length, 2);
        assert.match(problems[0], /declares "A" \(AWS::SageMaker::Model\), "B" \(AWS::SageMaker::Endpoint\), which/);
        assert.match(problems[1], /"C" \(AWS::CloudFormation::StackSet\), a nested stack/);
    });

    it("refuses modules and resources without a literal Type", () => {
        assert.match(judge({ templateBody: withResource("Net", { Type: "MyOrg::Network::Vpc::MODULE" }) }).problems[0], /"Net" \(MyOrg::Network::Vpc::MODULE\), a CloudFormation module/);
        const untyped = judge({ templateBody: withResource("Sub", { Type: { "Fn::Sub": "AWS::SageMaker::${Kind}" } }) }).problems[0];
        assert.match(untyped, /"Sub" \(Type: \{"Fn::Sub":"AWS::SageMaker::\$\{Kind\}"\}\) without a literal Type string/);
        assert.match(judge({ templateBody: withResource("Bare", { Properties: {} }) }).problems[0], /"Bare" \(no Type\)/);
    });

    it("refuses a Resources section that is not a mapping", () => {
        assert.match(judge({ templateBody: { Resources: ["AWS::SageMaker::Model"] } }).problems[0], /Resources section that is not a mapping/);
    });

    it("refuses a Transform section and a Fn::Transform (AWS::Include)", () => {
        assert.match(judge({ templateBody: { ...harmless(), Transform: "MyMacro" } }).problems[0], /declares Transform "MyMacro": a macro rewrites the template/);
        const include = { Resources: { ...harmless().Resources, "Fn::Transform": { Name: "AWS::Include", Parameters: { Location: "s3://b/k" } } } };
        assert.ok(judge({ templateBody: include }).problems.some((p) => p.includes('declares Transform "AWS::Include"')));
    });

    it("refuses a templateUrl, saying which URL and how to inline it", () => {
        const { problems } = judge({ templateUrl: "https://b.s3.amazonaws.com/t.yaml" });
        assert.match(problems[0], /templateUrl "https:\/\/b\.s3\.amazonaws\.com\/t\.yaml", which this pack does not read.*Fix: give the template inline as templateBody/);
    });

    it("reports unknown values where the judgement needs them, and only there", () => {
        assert.deepStrictEqual(judge({ templateBody: UNKNOWN }).unknowns, [`${STACK}: its templateBody`]);
        assert.deepStrictEqual(judge({ templateUrl: UNKNOWN }).unknowns, [`${STACK}: its templateUrl`]);
        assert.deepStrictEqual(judge({ templateBody: withResource("Later", { Type: UNKNOWN }) }).unknowns, [`${STACK}: its templateBody's Resources.Later.Type`]);
        assert.deepStrictEqual(judge({ templateBody: withResource("Later", UNKNOWN) }).unknowns, [`${STACK}: its templateBody's Resources.Later`]);
        assert.deepStrictEqual(judge({ templateBody: { Resources: UNKNOWN } }).unknowns, [`${STACK}: its templateBody's Resources`]);
        assert.deepStrictEqual(judge({ templateBody: { ...harmless(), Transform: UNKNOWN } }).unknowns, [`${STACK}: its templateBody's Transform`]);
        const properties = withResource("Logs", { Type: "AWS::S3::Bucket", Properties: { BucketName: UNKNOWN } });
        assert.deepStrictEqual(judge({ templateBody: properties }), { problems: [], unknowns: [] });
    });
});
