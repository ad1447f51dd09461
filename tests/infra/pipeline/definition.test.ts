/**
 * The pipeline definition, step by step: parameters, the step graph, references, the metric gate,
 * the approval status, determinism, and its structure next to real SageMaker Python SDK output.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    buildPipelineDefinition,
    EVALUATION_REPORT,
    evaluationReportKeyPattern,
    pipelineDefinitionJson,
    STEP_NAMES,
} from "../../../infra/pipeline/definition";
import { collectGets, definitionProblems, flattenSteps, stepDependencies } from "../../../infra/pipeline/validate";
import type { ConditionStep, PipelineDefinition, PipelineStep, ProcessingStep, TrainingStep } from "../../../infra/pipeline/types";
import { sampleInput } from "../../../infra/pipeline/sampleInput";
import { pipelineExecutionRolePolicy, registrarPolicy } from "../../../infra/lib/iamDocuments";

const FIXTURES = path.resolve(__dirname, "../../fixtures/pipeline-definitions");
const sdkBatchTransform = JSON.parse(fs.readFileSync(path.join(FIXTURES, "abalone-preprocess-train-eval-condition-register-transform-fail.json"), "utf8"));
const sdkSelective = JSON.parse(fs.readFileSync(path.join(FIXTURES, "abalone-selective-execution-condition-register-fail.json"), "utf8"));

/** Plain JSON of our definition, as SageMaker receives it. */
function built(input = sampleInput()): any {
    return JSON.parse(pipelineDefinitionJson(input));
}

/** Every action the pipeline execution role is allowed: its own policy and the registrar guardrail. */
function allowedActionsOfPipelineRole(): string[] {
    const input = sampleInput();
    const scope = { partition: "aws", region: "us-east-1", accountId: "111111111111" };
    const own = pipelineExecutionRolePolicy({
        scope,
        roleArn: input.roleArn,
        artifactsBucketName: input.artifactsBucket,
        pipelineName: input.pipelineName,
        inputDataS3Uri: input.inputDataS3Uri,
        imageUris: [input.processingImageUri, input.trainingImageUri],
    });
    const registrar = registrarPolicy({ scope, groupName: input.modelPackageGroupName });
    return [...own.Statement, ...registrar.Statement].filter((s) => s.Effect === "Allow").flatMap((s) => s.Action);
}

function stepNamed(definition: PipelineDefinition, name: string): PipelineStep {
    const step = flattenSteps(definition.Steps).find((s) => s.Name === name);
    assert.ok(step, `no step ${name}`);
    return step;
}

describe("infra/pipeline/definition", () => {
    describe("parameters", () => {
        it("declares typed parameters with the configured defaults", () => {
            assert.deepStrictEqual(buildPipelineDefinition(sampleInput()).Parameters, [
                { Name: "ProcessingInstanceType", Type: "String", DefaultValue: "ml.m5.xlarge" },
                { Name: "ProcessingInstanceCount", Type: "Integer", DefaultValue: 1 },
                { Name: "TrainingInstanceType", Type: "String", DefaultValue: "ml.m5.xlarge" },
                { Name: "InputData", Type: "String", DefaultValue: "s3://sagemaker-sample-files/datasets/tabular/uci_abalone/abalone.csv" },
                { Name: "MetricThreshold", Type: "Float", DefaultValue: 6 },
            ]);
        });

        it("has no approval-status parameter: nothing at StartPipelineExecution can change the status", () => {
            const names = buildPipelineDefinition(sampleInput()).Parameters.map((p) => p.Name);
            assert.ok(!names.some((n) => /approval/i.test(n)), names.join(","));
        });
    });

    describe("step graph", () => {
        const definition = buildPipelineDefinition(sampleInput());

        it("runs Preprocess → Train → Evaluate → CheckMetric at top level", () => {
            assert.deepStrictEqual(
                definition.Steps.map((s) => `${s.Type}:${s.Name}`),
                ["Processing:Preprocess", "Training:Train", "Processing:Evaluate", "Condition:CheckMetric"],
            );
        });

        it("derives each step's dependencies from the data it reads", () => {
            const graph = Object.fromEntries(flattenSteps(definition.Steps).map((s) => [s.Name, stepDependencies(s)]));
            assert.deepStrictEqual(graph, {
                Preprocess: [],
                Train: ["Preprocess"],
                Evaluate: ["Preprocess", "Train"],
                CheckMetric: ["Evaluate"],
                "Register-RegisterModel": ["Evaluate", "Train"],
                MetricGateFailed: ["Evaluate"],
            });
        });

        it("has unique step names and every reference resolves to a parameter, an execution variable or a step output", () => {
            assert.deepStrictEqual(definitionProblems(definition), []);
            const gets = flattenSteps(definition.Steps).flatMap((s) => collectGets(s.Type === "Condition" ? s.Arguments.Conditions : s.Arguments));
            assert.ok(gets.length >= 12, `only ${gets.length} references found`);
        });

        it("the validator catches a dangling reference, an unknown output and a missing parameter", () => {
            const broken = JSON.parse(JSON.stringify(definition)) as any;
            broken.Steps[1].Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri = { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['training'].S3Output.S3Uri" };
            broken.Steps[1].Arguments.ResourceConfig.InstanceType = { Get: "Parameters.TrainingInstance" };
            broken.Steps[3].Arguments.Conditions[0].LeftValue["Std:JsonGet"].PropertyFile = { Get: "Steps.Evaluation.PropertyFiles.EvaluationReport" };
            assert.deepStrictEqual(definitionProblems(broken), [
                `Train: {"Get": "Parameters.TrainingInstance"}: no parameter named TrainingInstance`,
                `Train: {"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['training'].S3Output.S3Uri"}: step Preprocess has no output training`,
                `CheckMetric: {"Get": "Steps.Evaluation.PropertyFiles.EvaluationReport"}: no step named Evaluation`,
            ]);
        });

        it("the validator catches a cycle", () => {
            const broken = JSON.parse(JSON.stringify(definition)) as any;
            broken.Steps[0].DependsOn = ["Evaluate"];
            assert.ok(definitionProblems(broken).some((p) => p.startsWith("cycle: ")), definitionProblems(broken).join("\n"));
        });
    });

    describe("steps", () => {
        const definition = buildPipelineDefinition(sampleInput());

        it("Preprocess reads InputData and the uploaded script, writes train/validation/test per execution", () => {
            const step = stepNamed(definition, STEP_NAMES.preprocess) as ProcessingStep;
            const args = step.Arguments as any;
            assert.deepStrictEqual(args.AppSpecification.ContainerEntrypoint, ["python3", "/opt/ml/processing/input/code/preprocess.py"]);
            assert.deepStrictEqual(args.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.S3Uri]), [
                ["input-1", { Get: "Parameters.InputData" }],
                ["code", sampleInput().scripts.preprocess],
            ]);
            assert.deepStrictEqual(args.ProcessingOutputConfig.Outputs.map((o: any) => o.OutputName), ["train", "validation", "test"]);
            assert.deepStrictEqual(args.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri, {
                "Std:Join": {
                    On: "/",
                    Values: ["s3:/", "sagemaker-approval-gate-dev-training-111111111111", "sagemaker-approval-gate-dev-training", { Get: "Execution.PipelineExecutionId" }, "Preprocess", "output", "train"],
                },
            });
            assert.strictEqual(args.RoleArn, sampleInput().roleArn);
        });

        it("Train uses the built-in XGBoost image on the preprocess train/validation channels", () => {
            const args = (stepNamed(definition, STEP_NAMES.train) as TrainingStep).Arguments as any;
            assert.strictEqual(args.AlgorithmSpecification.TrainingImage, sampleInput().trainingImageUri);
            assert.deepStrictEqual(args.InputDataConfig.map((c: any) => [c.ChannelName, c.ContentType, c.DataSource.S3DataSource.S3Uri.Get]), [
                ["train", "text/csv", "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"],
                ["validation", "text/csv", "Steps.Preprocess.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri"],
            ]);
            for (const value of Object.values(args.HyperParameters)) assert.strictEqual(typeof value, "string");
            assert.strictEqual(args.HyperParameters.objective, "reg:squarederror");
        });

        it("Evaluate reads the model and the test split and declares the EvaluationReport property file", () => {
            const step = stepNamed(definition, STEP_NAMES.evaluate) as ProcessingStep;
            const args = step.Arguments as any;
            assert.deepStrictEqual(args.ProcessingInputs.map((i: any) => i.S3Input.S3Uri), [
                { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" },
                { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri" },
                sampleInput().scripts.evaluate,
            ]);
            assert.deepStrictEqual(step.PropertyFiles, [{ PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "evaluation.json" }]);
            assert.strictEqual(args.ProcessingOutputConfig.Outputs[0].OutputName, EVALUATION_REPORT.OutputName);
        });

        it("CheckMetric compares Std:JsonGet of the configured metric with the threshold parameter", () => {
            const step = stepNamed(definition, STEP_NAMES.checkMetric) as ConditionStep;
            assert.deepStrictEqual(step.Arguments.Conditions, [
                {
                    Type: "LessThanOrEqualTo",
                    LeftValue: { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" }, Path: "regression_metrics.mse.value" } },
                    RightValue: { Get: "Parameters.MetricThreshold" },
                },
            ]);
            assert.deepStrictEqual(step.Arguments.IfSteps.map((s) => `${s.Type}:${s.Name}`), ["RegisterModel:Register-RegisterModel"]);
            assert.deepStrictEqual(step.Arguments.ElseSteps.map((s) => `${s.Type}:${s.Name}`), ["Fail:MetricGateFailed"]);
        });

        it("follows the configured comparison and metric path", () => {
            const metric = { name: "r2", jsonPath: "regression_metrics.r2.value", comparison: "GreaterThanOrEqualTo" as const, threshold: 0.8 };
            const step = stepNamed(buildPipelineDefinition(sampleInput({ metric })), STEP_NAMES.checkMetric) as ConditionStep;
            const condition = step.Arguments.Conditions[0] as any;
            assert.strictEqual(condition.Type, "GreaterThanOrEqualTo");
            assert.strictEqual(condition.LeftValue["Std:JsonGet"].Path, "regression_metrics.r2.value");
        });

        it("RegisterModel registers into the group as PendingManualApproval with the evaluation report as model quality", () => {
            const args = (stepNamed(definition, STEP_NAMES.register) as any).Arguments;
            assert.strictEqual(args.ModelApprovalStatus, "PendingManualApproval");
            assert.strictEqual(args.ModelPackageGroupName, "abalone-dev");
            assert.deepStrictEqual(args.ModelMetrics.ModelQuality.Statistics, {
                ContentType: "application/json",
                S3Uri: { "Std:Join": { On: "/", Values: [{ Get: "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" }, "evaluation.json"] } },
            });
            assert.deepStrictEqual(args.InferenceSpecification.Containers, [
                { Image: sampleInput().trainingImageUri, Environment: {}, ModelDataUrl: { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" } },
            ]);
            assert.deepStrictEqual(args.InferenceSpecification.SupportedRealtimeInferenceInstanceTypes, ["ml.m5.large", "ml.m5.xlarge"]);
        });

        it("puts evaluation reports where evaluationReportKeyPattern (the approvers' read scope) says", () => {
            const statistics = (stepNamed(definition, STEP_NAMES.evaluate) as any).Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri["Std:Join"];
            const uri = [...statistics.Values.map((v: any) => (typeof v === "string" ? v : "EXEC-ID")), EVALUATION_REPORT.FilePath].join(statistics.On);
            const pattern = evaluationReportKeyPattern(sampleInput().pipelineName).replace("*", "EXEC-ID");
            assert.strictEqual(uri, `s3://${sampleInput().artifactsBucket}/${pattern}`);
        });

        it("no step anywhere registers with another approval status", () => {
            const statuses = JSON.stringify(built()).match(/"ModelApprovalStatus":("[^"]*"|\{[^}]*\})/g);
            assert.deepStrictEqual(statuses, ['"ModelApprovalStatus":"PendingManualApproval"']);
        });

        it("Fail names the metric, its value (JsonGet) and the threshold", () => {
            const args = (stepNamed(definition, STEP_NAMES.fail) as any).Arguments;
            const values = args.ErrorMessage["Std:Join"].Values;
            assert.strictEqual(args.ErrorMessage["Std:Join"].On, " ");
            assert.match(values[0], /metric mse \(regression_metrics\.mse\.value in evaluation\.json\)/);
            assert.deepStrictEqual(values[1], { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.EvaluationReport" }, Path: "regression_metrics.mse.value" } });
            assert.match(values[2], /is not LessThanOrEqualTo the threshold/);
            assert.deepStrictEqual(values[3], { Get: "Parameters.MetricThreshold" });
        });

        it("encrypts job outputs with the CMK when one is given", () => {
            const withKey = built(sampleInput({ kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/abc" }));
            const steps = flattenSteps(withKey.Steps) as any[];
            assert.strictEqual(steps[0].Arguments.ProcessingOutputConfig.KmsKeyId, "arn:aws:kms:us-east-1:111111111111:key/abc");
            assert.strictEqual(steps[1].Arguments.OutputDataConfig.KmsKeyId, "arn:aws:kms:us-east-1:111111111111:key/abc");
            assert.strictEqual(steps[2].Arguments.ProcessingOutputConfig.KmsKeyId, "arn:aws:kms:us-east-1:111111111111:key/abc");
            assert.ok(!("KmsKeyId" in built().Steps[0].Arguments.ProcessingOutputConfig));
        });
    });

    describe("determinism", () => {
        it("builds byte-identical JSON twice from equal inputs", () => {
            assert.strictEqual(pipelineDefinitionJson(sampleInput()), pipelineDefinitionJson(sampleInput()));
        });

        it("changes when an input changes (the comparison above is not vacuous)", () => {
            assert.notStrictEqual(pipelineDefinitionJson(sampleInput()), pipelineDefinitionJson(sampleInput({ metric: { ...sampleInput().metric, threshold: 5 } })));
        });

        it("does not share mutable objects between builds", () => {
            const first = buildPipelineDefinition(sampleInput()) as any;
            first.Steps[1].Arguments.HyperParameters.num_round = "999";
            assert.strictEqual((buildPipelineDefinition(sampleInput()) as any).Steps[1].Arguments.HyperParameters.num_round, "50");
        });

        it("contains no timestamp or random token", () => {
            const json = pipelineDefinitionJson(sampleInput());
            assert.doesNotMatch(json, /\d{4}-\d{2}-\d{2}-\d{2}-\d{2}/);
            assert.doesNotMatch(json, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}/);
        });
    });

    describe("structure next to the SageMaker Python SDK's output (tests/fixtures/pipeline-definitions)", () => {
        const ours = built();
        const keys = (o: any) => Object.keys(o);

        it("has the SDK's top-level keys, version and metadata, and no experiment integration", () => {
            assert.deepStrictEqual(keys(ours), keys(sdkBatchTransform));
            assert.deepStrictEqual(keys(ours), keys(sdkSelective));
            assert.strictEqual(ours.Version, sdkBatchTransform.Version);
            assert.deepStrictEqual(ours.Metadata, sdkBatchTransform.Metadata);
            // The notebooks kept the SDK's default (an experiment per pipeline, a run group per execution);
            // we emit what the SDK emits for pipeline_experiment_config=None, so the execution role needs no
            // Experiments permissions.
            assert.ok("PipelineExperimentConfig" in ours);
            assert.strictEqual(ours.PipelineExperimentConfig, null);
            assert.ok(!allowedActionsOfPipelineRole().some((a) => /Experiment|Trial/.test(a)));
        });

        it("declares parameters in the SDK's shape and types", () => {
            const sdkTypes = new Set(sdkSelective.Parameters.map((p: any) => p.Type));
            for (const p of ours.Parameters) {
                assert.deepStrictEqual(keys(p), ["Name", "Type", "DefaultValue"]);
                assert.ok(sdkTypes.has(p.Type), p.Type);
            }
            const sdkThreshold = sdkBatchTransform.Parameters.find((p: any) => p.Name === "MseThreshold");
            const ourThreshold = ours.Parameters.find((p: any) => p.Name === "MetricThreshold");
            assert.strictEqual(typeof ourThreshold.DefaultValue, typeof sdkThreshold.DefaultValue);
            assert.strictEqual(ourThreshold.Type, sdkThreshold.Type);
        });

        it("has the same top-level step types in the same order", () => {
            for (const sdk of [sdkBatchTransform, sdkSelective]) {
                assert.deepStrictEqual(ours.Steps.map((s: any) => s.Type), sdk.Steps.map((s: any) => s.Type));
            }
        });

        it("orders step keys as the SDK does (Name, Type, Arguments, then PropertyFiles)", () => {
            ours.Steps.forEach((step: any, i: number) => {
                assert.deepStrictEqual(keys(step), keys(sdkBatchTransform.Steps[i]), step.Name);
            });
        });

        it("builds Processing arguments, inputs and outputs in the SDK's shape (AppManaged included)", () => {
            for (const i of [0, 2]) {
                const [a, b] = [ours.Steps[i].Arguments, sdkBatchTransform.Steps[i].Arguments];
                assert.deepStrictEqual(keys(a), keys(b));
                assert.deepStrictEqual(keys(a.ProcessingResources.ClusterConfig), keys(b.ProcessingResources.ClusterConfig));
                assert.deepStrictEqual(keys(a.AppSpecification), keys(b.AppSpecification));
                assert.deepStrictEqual(a.ProcessingInputs.map(keys), b.ProcessingInputs.map(keys));
                assert.deepStrictEqual(a.ProcessingInputs.map((x: any) => keys(x.S3Input)), b.ProcessingInputs.map((x: any) => keys(x.S3Input)));
                assert.deepStrictEqual(a.ProcessingInputs.map((x: any) => x.InputName), b.ProcessingInputs.map((x: any) => x.InputName));
                assert.deepStrictEqual(a.ProcessingOutputConfig.Outputs.map(keys), b.ProcessingOutputConfig.Outputs.map(keys));
                assert.deepStrictEqual(a.ProcessingOutputConfig.Outputs.map((x: any) => keys(x.S3Output)), b.ProcessingOutputConfig.Outputs.map((x: any) => keys(x.S3Output)));
                assert.deepStrictEqual(a.ProcessingOutputConfig.Outputs.map((x: any) => x.OutputName), b.ProcessingOutputConfig.Outputs.map((x: any) => x.OutputName));
            }
            assert.deepStrictEqual(ours.Steps[2].PropertyFiles, sdkBatchTransform.Steps[2].PropertyFiles);
        });

        it("builds Training arguments in the SDK's shape (less the optional profiler/debugger settings)", () => {
            const [a, b] = [ours.Steps[1].Arguments, sdkBatchTransform.Steps[1].Arguments];
            const optional = new Set(["ProfilerRuleConfigurations", "ProfilerConfig", "DebugHookConfig"]);
            assert.deepStrictEqual(keys(a), keys(b).filter((k) => !optional.has(k)));
            assert.deepStrictEqual(a.InputDataConfig.map(keys), b.InputDataConfig.map(keys));
            assert.deepStrictEqual(a.InputDataConfig.map((c: any) => c.DataSource.S3DataSource.S3Uri), b.InputDataConfig.map((c: any) => ({ Get: c.DataSource.S3DataSource.S3Uri.Get.replace("AbaloneProcess", "Preprocess") })));
            assert.deepStrictEqual(keys(a.HyperParameters), keys(b.HyperParameters));
        });

        it("builds the Condition with its nested steps inlined, as the SDK does", () => {
            const [a, b] = [ours.Steps[3].Arguments, sdkSelective.Steps[3].Arguments];
            assert.deepStrictEqual(keys(a), keys(b));
            assert.deepStrictEqual(a.Conditions.map(keys), b.Conditions.map(keys));
            assert.deepStrictEqual(keys(a.Conditions[0].LeftValue["Std:JsonGet"]), keys(b.Conditions[0].LeftValue["Std:JsonGet"]));
            assert.strictEqual(a.Conditions[0].LeftValue["Std:JsonGet"].Path, b.Conditions[0].LeftValue["Std:JsonGet"].Path);
            assert.strictEqual(a.Conditions[0].Type, b.Conditions[0].Type);
        });

        it("builds RegisterModel and Fail in the SDK's shape and naming", () => {
            const [a, b] = [ours.Steps[3].Arguments.IfSteps[0], sdkSelective.Steps[3].Arguments.IfSteps[0]];
            assert.deepStrictEqual(keys(a), keys(b));
            assert.match(a.Name, /-RegisterModel$/);
            assert.match(b.Name, /-RegisterModel$/);
            assert.deepStrictEqual(keys(a.Arguments), keys(b.Arguments));
            assert.deepStrictEqual(keys(a.Arguments.ModelMetrics), keys(b.Arguments.ModelMetrics));
            assert.deepStrictEqual(keys(a.Arguments.ModelMetrics.ModelQuality.Statistics), keys(b.Arguments.ModelMetrics.ModelQuality.Statistics));
            assert.deepStrictEqual(keys(a.Arguments.InferenceSpecification), keys(b.Arguments.InferenceSpecification));
            assert.deepStrictEqual(a.Arguments.InferenceSpecification.Containers.map(keys), b.Arguments.InferenceSpecification.Containers.map(keys));
            // The dynamic-framework SDK output uses this literal; ours never takes a parameter.
            assert.strictEqual(a.Arguments.ModelApprovalStatus, "PendingManualApproval");
            const [fa, fb] = [ours.Steps[3].Arguments.ElseSteps[0], sdkSelective.Steps[3].Arguments.ElseSteps[0]];
            assert.deepStrictEqual(keys(fa), keys(fb));
            assert.deepStrictEqual(keys(fa.Arguments.ErrorMessage["Std:Join"]), keys(fb.Arguments.ErrorMessage["Std:Join"]));
            assert.strictEqual(fa.Arguments.ErrorMessage["Std:Join"].On, fb.Arguments.ErrorMessage["Std:Join"].On);
        });
    });
});
