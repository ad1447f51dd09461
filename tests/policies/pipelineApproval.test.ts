import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    findRegisterModelSteps,
    pipelinesRegisterForManualApprovalPolicy,
} from "../../policies/pipelineApproval";
import { Pipeline } from "../../policies/lib/resourceTypes";
import { UNKNOWN } from "../../policies/lib/unknowns";
import { advisory, blocking, createResourceValidationArgs, runResourcePolicy, stackContext } from "./helpers";

// Real SDK output (see tests/fixtures/pipeline-definitions/README.md): the register step sits in a Condition's
// IfSteps and takes its status from a parameter defaulting to PendingManualApproval.
const fixture = (file: string) =>
    JSON.parse(fs.readFileSync(path.resolve(__dirname, "../fixtures/pipeline-definitions", file), "utf8"));
const realDefinition = () => fixture("abalone-preprocess-train-eval-condition-register-transform-fail.json");

function definitionWithStatus(status: unknown, extra: Record<string, unknown> = {}) {
    const args: Record<string, unknown> = { ModelPackageGroupName: "abalone-prod", ...extra };
    if (status !== undefined) args.ModelApprovalStatus = status;
    return {
        Version: "2020-12-01",
        Parameters: [{ Name: "Status", Type: "String", DefaultValue: "PendingManualApproval" }],
        Steps: [
            { Name: "Train", Type: "Training", Arguments: {} },
            {
                Name: "Check",
                Type: "Condition",
                Arguments: { Conditions: [], IfSteps: [{ Name: "Register", Type: "RegisterModel", Arguments: args }], ElseSteps: [{ Name: "Fail", Type: "Fail", Arguments: {} }] },
            },
        ],
    };
}

describe("pipelines-register-for-manual-approval", () => {
    const policy = pipelinesRegisterForManualApprovalPolicy({ context: () => stackContext({ dryRun: false, stack: "dev" }) });
    const run = (props: Record<string, unknown>, config?: Record<string, unknown>) =>
        runResourcePolicy(policy, createResourceValidationArgs(Pipeline, props, { name: "pipeline", config }));
    const runDefinition = (definition: unknown, config?: Record<string, unknown>) =>
        run({ pipelineName: "p", pipelineDefinition: JSON.stringify(definition) }, config);

    it("accepts a real SDK definition whose RegisterModel status is a parameter defaulting to PendingManualApproval", async () => {
        assert.deepStrictEqual(await runDefinition(realDefinition()), []);
    });

    it("accepts the other real SDK definition (parameter ApprovalStatus)", async () => {
        assert.deepStrictEqual(await runDefinition(fixture("abalone-selective-execution-condition-register-fail.json")), []);
    });

    it("accepts a literal PendingManualApproval", async () => {
        assert.deepStrictEqual(await runDefinition(definitionWithStatus("PendingManualApproval")), []);
    });

    it("blocks a literal Approved, even in a dev stack (mandatory everywhere), naming the step", async () => {
        const reported = await runDefinition(definitionWithStatus("Approved"));
        assert.strictEqual(blocking(reported).length, 1);
        assert.match(reported[0].message, /RegisterModel step "Register" \(Steps\[1\]\.IfSteps\[0\]\) registers models as "Approved"/);
        assert.match(reported[0].message, /Fix: set "ModelApprovalStatus": "PendingManualApproval"/);
    });

    it("blocks the real definition once its parameter default is changed to Approved", async () => {
        const definition = realDefinition();
        definition.Parameters.find((p: { Name: string }) => p.Name === "ModelApprovalStatus").DefaultValue = "Approved";
        const reported = await runDefinition(definition);
        assert.strictEqual(blocking(reported).length, 1);
        assert.match(reported[0].message, /parameter "ModelApprovalStatus", whose default is "Approved"/);
    });

    it("finds RegisterModel steps nested in Condition branches at any depth", async () => {
        const deep = definitionWithStatus("PendingManualApproval");
        (deep.Steps[1].Arguments as any).ElseSteps.push({
            Name: "Inner",
            Type: "Condition",
            Arguments: { Conditions: [], IfSteps: [], ElseSteps: [{ Name: "Sneaky", Type: "RegisterModel", Arguments: { ModelApprovalStatus: "Approved" } }] },
        });
        assert.deepStrictEqual(findRegisterModelSteps(deep).map((s) => s.path), ["Steps[1].IfSteps[0]", "Steps[1].ElseSteps[1].ElseSteps[0]"]);
        const reported = await runDefinition(deep);
        assert.strictEqual(blocking(reported).length, 1);
        assert.match(reported[0].message, /"Sneaky"/);
    });

    it("blocks a missing status by default, and accepts it when requireExplicitApprovalStatus is false", async () => {
        const reported = await runDefinition(definitionWithStatus(undefined));
        assert.strictEqual(blocking(reported).length, 1);
        assert.match(reported[0].message, /does not set ModelApprovalStatus/);
        assert.deepStrictEqual(await runDefinition(definitionWithStatus(undefined), { requireExplicitApprovalStatus: false }), []);
    });

    it("blocks a parameter the definition does not declare", async () => {
        const reported = await runDefinition(definitionWithStatus({ Get: "Parameters.Missing" }));
        assert.match(blocking(reported)[0].message, /parameter "Missing", which the definition does not declare/);
    });

    it("accepts a declared parameter defaulting to Pending, and blocks it when parameterized statuses are disallowed", async () => {
        assert.deepStrictEqual(await runDefinition(definitionWithStatus({ Get: "Parameters.Status" })), []);
        const reported = await runDefinition(definitionWithStatus({ Get: "Parameters.Status" }), { allowParameterizedApprovalStatus: false });
        assert.match(blocking(reported)[0].message, /forbids parameterized statuses/);
    });

    it("blocks any other expression (Std:Join, step properties)", async () => {
        for (const expr of [{ "Std:Join": { On: "", Values: ["Appr", "oved"] } }, { Get: "Steps.Eval.Status" }]) {
            const reported = await runDefinition(definitionWithStatus(expr));
            assert.strictEqual(blocking(reported).length, 1, JSON.stringify(expr));
            assert.match(reported[0].message, /cannot prove is PendingManualApproval/);
        }
    });

    it("blocks a definition kept in S3, which it cannot read", async () => {
        const reported = await run({ pipelineDefinitionS3Location: { bucket: "b", objectKey: "k" } });
        assert.match(blocking(reported)[0].message, /pipelineDefinitionS3Location/);
    });

    it("blocks a definition that is not JSON", async () => {
        const reported = await run({ pipelineDefinition: "{not json" });
        assert.match(blocking(reported)[0].message, /not valid JSON/);
    });

    it("in preview, notes an unknown definition (advisory) instead of failing open silently", async () => {
        const previewPolicy = pipelinesRegisterForManualApprovalPolicy({ context: () => stackContext({ dryRun: true }) });
        const reported = await runResourcePolicy(previewPolicy, createResourceValidationArgs(Pipeline, { pipelineDefinition: UNKNOWN }));
        assert.strictEqual(blocking(reported).length, 0);
        assert.strictEqual(advisory(reported).length, 1);
        assert.match(reported[0].message, /not known during preview; it is checked before the pipeline is created/);
    });

    it("outside preview, blocks an unknown definition", async () => {
        const reported = await run({ pipelineDefinition: UNKNOWN });
        assert.strictEqual(blocking(reported).length, 1);
    });

    describe("pipelines declared through other providers", () => {
        const runAs = (type: string, props: Record<string, unknown>) => runResourcePolicy(policy, createResourceValidationArgs({ __pulumiType: type }, props, { name: "pipeline" }));
        const approved = JSON.stringify(definitionWithStatus("Approved"));
        const pending = JSON.stringify(definitionWithStatus("PendingManualApproval"));

        it("aws-native: judges pipelineDefinition.pipelineDefinitionBody, blocks an S3 definition", async () => {
            assert.match(blocking(await runAs("aws-native:sagemaker:Pipeline", { pipelineDefinition: { pipelineDefinitionBody: approved } }))[0]?.message ?? "", /aws-native:sagemaker:Pipeline .*registers models as "Approved"/);
            assert.deepStrictEqual(await runAs("aws-native:sagemaker:Pipeline", { pipelineDefinition: { pipelineDefinitionBody: pending } }), []);
            assert.match(blocking(await runAs("aws-native:sagemaker:Pipeline", { pipelineDefinition: { pipelineDefinitionS3Location: { bucket: "b", key: "k" } } }))[0]?.message ?? "", /takes its definition from S3/);
        });

        it("Cloud Control: judges AWS::SageMaker::Pipeline's PipelineDefinitionBody, ignores other types", async () => {
            const cc = (typeName: string, body: string) => runAs("aws:cloudcontrol/resource:Resource", { typeName, desiredState: JSON.stringify({ PipelineName: "p", PipelineDefinition: { PipelineDefinitionBody: body } }) });
            assert.match(blocking(await cc("AWS::SageMaker::Pipeline", approved))[0]?.message ?? "", /registers models as "Approved"/);
            assert.deepStrictEqual(await cc("AWS::SageMaker::Pipeline", pending), []);
            assert.deepStrictEqual(await cc("AWS::S3::Bucket", approved), []);
            assert.strictEqual(blocking(await runAs("aws:cloudcontrol/resource:Resource", { typeName: UNKNOWN, desiredState: "{}" })).length, 1, "an unknown typeName outside preview");
        });

        describe("CloudFormation templates of stacks and stack sets", () => {
            const template = (body: unknown, type = "AWS::SageMaker::Pipeline") => ({
                Resources: { Logs: { Type: "AWS::S3::Bucket" }, Train: { Type: type, Properties: { PipelineName: "p", RoleArn: "arn:aws:iam::123456789012:role/r", PipelineDefinition: { PipelineDefinitionBody: body } } } },
            });
            const stack = (templateBody: unknown, type = "aws:cloudformation/stack:Stack") => runAs(type, { templateBody });
            const yaml = (definition: string) => ["Resources:", "  Train:", "    Type: AWS::SageMaker::Pipeline", "    Properties:", "      PipelineDefinition:", `        PipelineDefinitionBody: ${definition}`, ""].join("\n");
            const withGroupParameter = (definition: string) => definition.replace('"abalone-prod"', '"${Group}"');

            it("passes a template whose pipeline registers for manual approval (the happy path)", async () => {
                assert.deepStrictEqual(await stack(JSON.stringify(template(pending))), []);
            });

            it("blocks a self-approving pipeline in a JSON, object or YAML template, naming the template resource", async () => {
                const json = blocking(await stack(JSON.stringify(template(approved))));
                assert.strictEqual(json.length, 1);
                assert.match(json[0].message, /aws:cloudformation\/stack:Stack urn:.*\(template resource "Train"\).*registers models as "Approved"/);
                assert.strictEqual(blocking(await stack(template(approved), "aws-native:cloudformation:Stack")).length, 1);
                assert.strictEqual(blocking(await stack(yaml(`'${approved}'`), "aws:cloudformation/stackSet:StackSet")).length, 1);
            });

            it("judges the text of a !Sub definition (its placeholders are not PendingManualApproval)", async () => {
                assert.deepStrictEqual(await stack(yaml(`!Sub '${withGroupParameter(pending)}'`)), []);
                assert.strictEqual(blocking(await stack(yaml(`!Sub '${withGroupParameter(approved)}'`))).length, 1);
                assert.match(blocking(await stack(yaml(`!Sub '${JSON.stringify(definitionWithStatus("${Status}"))}'`)))[0]?.message ?? "", /"\$\{Status\}"/);
            });

            it("blocks a definition it cannot evaluate (another intrinsic function) or kept in S3", async () => {
                assert.match(blocking(await stack(yaml("!GetAtt Other.Definition")))[0]?.message ?? "", /PipelineDefinitionBody is \{"Fn::GetAtt":\["Other","Definition"\]\}, an intrinsic function this pack cannot evaluate/);
                const inS3 = { Resources: { Train: { Type: "AWS::SageMaker::Pipeline", Properties: { PipelineDefinition: { PipelineDefinitionS3Location: { Bucket: "b", Key: "k" } } } } } };
                assert.match(blocking(await stack(inS3))[0]?.message ?? "", /takes its definition from S3/);
            });

            it("is not applicable to a template without pipelines; notes an unknown templateBody in preview, blocks an unknown Type in an update", async () => {
                const args = createResourceValidationArgs({ __pulumiType: "aws:cloudformation/stack:Stack" }, { templateBody: JSON.stringify(template(approved, "AWS::SNS::Topic")) });
                await assert.rejects(async () => (policy.validateResource as any)(args, () => assert.fail("no report expected")), /notApplicable/);
                const preview = pipelinesRegisterForManualApprovalPolicy({ context: () => stackContext({ dryRun: true, stack: "dev" }) });
                const reported = await runResourcePolicy(preview, createResourceValidationArgs({ __pulumiType: "aws:cloudformation/stack:Stack" }, { templateBody: UNKNOWN }));
                assert.strictEqual(blocking(reported).length, 0);
                assert.match(advisory(reported)[0]?.message ?? "", /its templateBody is not known during preview/);
                const laterType = await runResourcePolicy(policy, createResourceValidationArgs({ __pulumiType: "aws-native:cloudformation:Stack" }, { templateBody: template(approved, UNKNOWN) }));
                assert.match(blocking(laterType)[0]?.message ?? "", /its templateBody's Resources\.Train\.Type is unknown outside preview/);
            });
        });

        it("is not applicable to anything else", async () => {
            const args = createResourceValidationArgs({ __pulumiType: "aws:s3/bucketV2:BucketV2" }, { bucket: "b" });
            await assert.rejects(async () => (policy.validateResource as any)(args, () => assert.fail("no report expected")), /notApplicable/);
        });
    });

    it("reports bad config as a violation naming the option", async () => {
        const reported = await runDefinition(definitionWithStatus("PendingManualApproval"), { requireExplicitApprovalStatus: "yes" });
        assert.match(blocking(reported)[0].message, /"requireExplicitApprovalStatus" has the value "yes"/);
    });
});
