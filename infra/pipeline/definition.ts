/**
 * The training pipeline's definition, built by pure functions from plain strings:
 *
 *   Parameters → Preprocess (train/validation/test) → Train (built-in XGBoost) → Evaluate (evaluation.json)
 *   → CheckMetric: Std:JsonGet(metric) <comparison> MetricThreshold
 *        true  → Register-RegisterModel (PendingManualApproval, ModelQuality = the evaluation report)
 *        false → MetricGateFailed (Fail, message with the metric, its value and the threshold)
 *
 * The shape is the one the SageMaker Python SDK emits (`pipeline.definition()`); see
 * tests/fixtures/pipeline-definitions/. Output is deterministic: objects are built in a fixed key
 * order and nothing depends on time or randomness.
 */
import type { ProductionVariantInstanceType, TransformInstanceType } from "@aws-sdk/client-sagemaker";
import type { MetricGate } from "../config";
import { executionS3Uri, join, jsonGet, modelArtifacts, parameterRef, processingOutputUri } from "./references";
import type {
    ConditionStep,
    FailStep,
    PipelineDefinition,
    PipelineParameter,
    PipelineReference,
    ProcessingStep,
    RegisterModelStep,
    TrainingStep,
} from "./types";
import { assertValidDefinition } from "./validate";

export const STEP_NAMES = {
    preprocess: "Preprocess",
    train: "Train",
    evaluate: "Evaluate",
    checkMetric: "CheckMetric",
    /** The SDK names a RegisterModel step `<name>-RegisterModel`. */
    register: "Register-RegisterModel",
    fail: "MetricGateFailed",
} as const;

export const EVALUATION_REPORT = { PropertyFileName: "EvaluationReport", OutputName: "evaluation", FilePath: "evaluation.json" } as const;

/** Where the containers see their code, data and outputs. */
const CODE_DIR = "/opt/ml/processing/input/code";

/** The scripts' file names: uploaded under them, so each lands in CODE_DIR under the name its step runs. */
export const SCRIPT_FILES = { preprocess: "preprocess.py", evaluate: "evaluate.py" } as const;

export interface PipelineScripts {
    /** s3:// URI of preprocess.py. */
    readonly preprocess: string;
    /** s3:// URI of evaluate.py. */
    readonly evaluate: string;
}

export interface PipelineDefinitionInput {
    /** Also the S3 prefix under which each execution writes its outputs. */
    readonly pipelineName: string;
    readonly roleArn: string;
    readonly artifactsBucket: string;
    /** CMK for job outputs; omit to rely on the bucket's default encryption alone. */
    readonly kmsKeyArn?: string;
    readonly modelPackageGroupName: string;
    readonly inputDataS3Uri: string;
    readonly processingImageUri: string;
    readonly trainingImageUri: string;
    readonly processingInstanceType: string;
    readonly trainingInstanceType: string;
    readonly inferenceInstanceTypes: readonly string[];
    readonly metric: MetricGate;
    readonly scripts: PipelineScripts;
}

/** Built-in XGBoost hyperparameters (algorithm mode: no training script). Strings, as SageMaker wants. */
export const XGBOOST_HYPERPARAMETERS: Readonly<Record<string, string>> = {
    objective: "reg:squarederror",
    num_round: "50",
    max_depth: "5",
    eta: "0.2",
    gamma: "4",
    min_child_weight: "6",
    subsample: "0.7",
};

export function pipelineParameters(input: PipelineDefinitionInput) {
    const parameters = {
        processingInstanceType: { Name: "ProcessingInstanceType", Type: "String", DefaultValue: input.processingInstanceType },
        processingInstanceCount: { Name: "ProcessingInstanceCount", Type: "Integer", DefaultValue: 1 },
        trainingInstanceType: { Name: "TrainingInstanceType", Type: "String", DefaultValue: input.trainingInstanceType },
        inputData: { Name: "InputData", Type: "String", DefaultValue: input.inputDataS3Uri },
        metricThreshold: { Name: "MetricThreshold", Type: "Float", DefaultValue: input.metric.threshold },
    } satisfies Record<string, PipelineParameter>;
    return parameters;
}

type Parameters = ReturnType<typeof pipelineParameters>;

function s3Input(inputName: string, s3Uri: string | PipelineReference, localPath: string) {
    return {
        InputName: inputName,
        AppManaged: false,
        S3Input: {
            S3Uri: s3Uri,
            LocalPath: localPath,
            S3DataType: "S3Prefix" as const,
            S3InputMode: "File" as const,
            S3DataDistributionType: "FullyReplicated" as const,
            S3CompressionType: "None" as const,
        },
    };
}

function s3Output(input: PipelineDefinitionInput, stepName: string, outputName: string, localPath: string) {
    return {
        OutputName: outputName,
        AppManaged: false,
        S3Output: {
            S3Uri: executionS3Uri(input.artifactsBucket, input.pipelineName, stepName, "output", outputName),
            LocalPath: localPath,
            S3UploadMode: "EndOfJob" as const,
        },
    };
}

function outputConfig(input: PipelineDefinitionInput, outputs: ReturnType<typeof s3Output>[]) {
    return input.kmsKeyArn ? { Outputs: outputs, KmsKeyId: input.kmsKeyArn } : { Outputs: outputs };
}

/**
 * Arguments of a processing step that runs one of the pipeline's scripts (script processing, as the SDK's
 * ScriptProcessor emits it): the script is an extra "code" input, run with python3.
 */
function scriptProcessingArguments(
    input: PipelineDefinitionInput,
    p: Parameters,
    job: {
        readonly imageUri: string;
        readonly scriptUri: string;
        readonly scriptFile: string;
        readonly instanceCount: number | PipelineReference;
        readonly inputs: ReturnType<typeof s3Input>[];
        readonly outputs: ReturnType<typeof s3Output>[];
    },
): ProcessingStep["Arguments"] {
    return {
        ProcessingResources: {
            ClusterConfig: { InstanceType: parameterRef(p.processingInstanceType), InstanceCount: job.instanceCount, VolumeSizeInGB: 30 },
        },
        AppSpecification: {
            ImageUri: job.imageUri,
            ContainerEntrypoint: ["python3", `${CODE_DIR}/${job.scriptFile}`],
        },
        RoleArn: input.roleArn,
        ProcessingInputs: [...job.inputs, s3Input("code", job.scriptUri, CODE_DIR)],
        ProcessingOutputConfig: outputConfig(input, job.outputs),
    };
}

export function preprocessStep(input: PipelineDefinitionInput, p: Parameters): ProcessingStep {
    const name = STEP_NAMES.preprocess;
    return {
        Name: name,
        Type: "Processing",
        Arguments: scriptProcessingArguments(input, p, {
            imageUri: input.processingImageUri,
            scriptUri: input.scripts.preprocess,
            scriptFile: SCRIPT_FILES.preprocess,
            instanceCount: parameterRef(p.processingInstanceCount),
            inputs: [s3Input("input-1", parameterRef(p.inputData), "/opt/ml/processing/input")],
            outputs: [
                s3Output(input, name, "train", "/opt/ml/processing/train"),
                s3Output(input, name, "validation", "/opt/ml/processing/validation"),
                s3Output(input, name, "test", "/opt/ml/processing/test"),
            ],
        }),
    };
}

function csvChannel(channelName: string) {
    return {
        DataSource: {
            S3DataSource: {
                S3DataType: "S3Prefix" as const,
                S3Uri: processingOutputUri(STEP_NAMES.preprocess, channelName),
                S3DataDistributionType: "FullyReplicated" as const,
            },
        },
        ContentType: "text/csv",
        ChannelName: channelName,
    };
}

export function trainStep(input: PipelineDefinitionInput, p: Parameters): TrainingStep {
    const outputPath = executionS3Uri(input.artifactsBucket, input.pipelineName, STEP_NAMES.train, "output");
    return {
        Name: STEP_NAMES.train,
        Type: "Training",
        Arguments: {
            AlgorithmSpecification: { TrainingInputMode: "File", TrainingImage: input.trainingImageUri },
            OutputDataConfig: input.kmsKeyArn ? { S3OutputPath: outputPath, KmsKeyId: input.kmsKeyArn } : { S3OutputPath: outputPath },
            StoppingCondition: { MaxRuntimeInSeconds: 86400 },
            ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: parameterRef(p.trainingInstanceType) },
            RoleArn: input.roleArn,
            InputDataConfig: [csvChannel("train"), csvChannel("validation")],
            HyperParameters: { ...XGBOOST_HYPERPARAMETERS },
        },
    };
}

export function evaluateStep(input: PipelineDefinitionInput, p: Parameters): ProcessingStep {
    const name = STEP_NAMES.evaluate;
    return {
        Name: name,
        Type: "Processing",
        // The evaluation loads the XGBoost model, so it runs in the training image.
        Arguments: scriptProcessingArguments(input, p, {
            imageUri: input.trainingImageUri,
            scriptUri: input.scripts.evaluate,
            scriptFile: SCRIPT_FILES.evaluate,
            instanceCount: 1,
            inputs: [
                s3Input("input-1", modelArtifacts(STEP_NAMES.train), "/opt/ml/processing/model"),
                s3Input("input-2", processingOutputUri(STEP_NAMES.preprocess, "test"), "/opt/ml/processing/test"),
            ],
            outputs: [s3Output(input, name, EVALUATION_REPORT.OutputName, "/opt/ml/processing/evaluation")],
        }),
        PropertyFiles: [{ ...EVALUATION_REPORT }],
    };
}

export function registerStep(input: PipelineDefinitionInput): RegisterModelStep {
    return {
        Name: STEP_NAMES.register,
        Type: "RegisterModel",
        Arguments: {
            ModelPackageGroupName: input.modelPackageGroupName,
            ModelMetrics: {
                ModelQuality: {
                    Statistics: {
                        ContentType: "application/json",
                        S3Uri: join("/", [processingOutputUri(STEP_NAMES.evaluate, EVALUATION_REPORT.OutputName), EVALUATION_REPORT.FilePath]),
                    },
                },
                Bias: {},
                Explainability: {},
            },
            InferenceSpecification: {
                Containers: [{ Image: input.trainingImageUri, Environment: {}, ModelDataUrl: modelArtifacts(STEP_NAMES.train) }],
                SupportedContentTypes: ["text/csv"],
                SupportedResponseMIMETypes: ["text/csv"],
                // Config validates the ml.<family>.<size> shape; AWS validates the exact type at registration.
                SupportedRealtimeInferenceInstanceTypes: input.inferenceInstanceTypes.map((t) => t as ProductionVariantInstanceType),
                SupportedTransformInstanceTypes: input.inferenceInstanceTypes.map((t) => t as TransformInstanceType),
            },
            // A literal, not a parameter: a parameter could be overridden when an execution is started.
            ModelApprovalStatus: "PendingManualApproval",
        },
    };
}

export function failStep(input: PipelineDefinitionInput, p: Parameters): FailStep {
    const { metric } = input;
    return {
        Name: STEP_NAMES.fail,
        Type: "Fail",
        Arguments: {
            ErrorMessage: join(" ", [
                `Model not registered: metric ${metric.name} (${metric.jsonPath} in ${EVALUATION_REPORT.FilePath}) =`,
                jsonGet(STEP_NAMES.evaluate, EVALUATION_REPORT.PropertyFileName, metric.jsonPath),
                `is not ${metric.comparison} the threshold`,
                parameterRef(p.metricThreshold),
            ]),
        },
    };
}

export function checkMetricStep(input: PipelineDefinitionInput, p: Parameters): ConditionStep {
    return {
        Name: STEP_NAMES.checkMetric,
        Type: "Condition",
        Arguments: {
            Conditions: [
                {
                    Type: input.metric.comparison,
                    LeftValue: jsonGet(STEP_NAMES.evaluate, EVALUATION_REPORT.PropertyFileName, input.metric.jsonPath),
                    RightValue: parameterRef(p.metricThreshold),
                },
            ],
            IfSteps: [registerStep(input)],
            ElseSteps: [failStep(input, p)],
        },
    };
}

/** The whole definition. Pure and deterministic: same input, same object. */
export function buildPipelineDefinition(input: PipelineDefinitionInput): PipelineDefinition {
    const p = pipelineParameters(input);
    return {
        Version: "2020-12-01",
        Metadata: {},
        Parameters: [p.processingInstanceType, p.processingInstanceCount, p.trainingInstanceType, p.inputData, p.metricThreshold],
        // null, as the SDK emits for `pipeline_experiment_config=None`: otherwise SageMaker creates an
        // experiment and a run group per execution, which the execution role would need Experiments
        // permissions for, and which nothing in the approval gate reads.
        PipelineExperimentConfig: null,
        Steps: [preprocessStep(input, p), trainStep(input, p), evaluateStep(input, p), checkMetricStep(input, p)],
    };
}

/** Key pattern (under the artifacts bucket) of every execution's evaluation report. */
export function evaluationReportKeyPattern(pipelineName: string): string {
    return `${pipelineName}/*/${STEP_NAMES.evaluate}/output/${EVALUATION_REPORT.OutputName}/${EVALUATION_REPORT.FilePath}`;
}

/** The JSON string given to `aws.sagemaker.Pipeline.pipelineDefinition` (compact, like the SDK). */
export function pipelineDefinitionJson(input: PipelineDefinitionInput): string {
    return JSON.stringify(assertValidDefinition(buildPipelineDefinition(input)));
}
