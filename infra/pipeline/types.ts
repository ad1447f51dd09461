/**
 * The SageMaker pipeline definition format (version 2020-12-01), typed on the `@aws-sdk/client-sagemaker`
 * request types so the compiler checks step Arguments against AWS's API model.
 *
 * Any scalar in Arguments may instead be a reference that SageMaker resolves at run time:
 * `{Get: "Parameters.X"}`, `{Get: "Steps.S.Prop"}`, `{Get: "Execution.PipelineExecutionId"}`,
 * `Std:Join` or `Std:JsonGet`. `Pipelined<T>` widens every scalar leaf of T to allow one.
 */
import type {
    CreateModelPackageInput,
    CreateProcessingJobRequest,
    CreateTrainingJobRequest,
} from "@aws-sdk/client-sagemaker";

export interface GetReference {
    readonly Get: string;
}
export interface JoinFunction {
    readonly "Std:Join": { readonly On: string; readonly Values: readonly PipelineValue[] };
}
export interface JsonGetFunction {
    readonly "Std:JsonGet": { readonly PropertyFile: GetReference; readonly Path: string };
}
export type PipelineReference = GetReference | JoinFunction | JsonGetFunction;
export type PipelineValue = string | number | boolean | PipelineReference;

/** T with every string/number/boolean leaf also accepting a pipeline reference. */
export type Pipelined<T> = T extends string | number | boolean
    ? T | PipelineReference
    : T extends Date
      ? T
      : T extends readonly (infer U)[]
        ? Pipelined<U>[]
        : T extends object
          ? { [K in keyof T]: Pipelined<T[K]> }
          : T;

export type ParameterType = "String" | "Integer" | "Float" | "Boolean";

export interface PipelineParameter {
    readonly Name: string;
    readonly Type: ParameterType;
    readonly DefaultValue: string | number | boolean;
}

export interface PropertyFile {
    readonly PropertyFileName: string;
    readonly OutputName: string;
    readonly FilePath: string;
}

export type ProcessingArguments = Pipelined<Omit<CreateProcessingJobRequest, "ProcessingJobName" | "Tags">>;
export type TrainingArguments = Pipelined<Omit<CreateTrainingJobRequest, "TrainingJobName" | "Tags">>;
/**
 * RegisterModel Arguments mirror CreateModelPackage. The approval status is narrowed to the one
 * value a pipeline may register with: approval is a person's act, never the pipeline's.
 */
export type RegisterModelArguments = Pipelined<
    Omit<CreateModelPackageInput, "ModelApprovalStatus" | "ModelPackageName" | "ClientToken" | "Tags">
> & { readonly ModelApprovalStatus: "PendingManualApproval" };

interface StepCommon {
    readonly Name: string;
    readonly DependsOn?: readonly string[];
}

export interface ProcessingStep extends StepCommon {
    readonly Type: "Processing";
    readonly Arguments: ProcessingArguments;
    readonly PropertyFiles?: readonly PropertyFile[];
}

export interface TrainingStep extends StepCommon {
    readonly Type: "Training";
    readonly Arguments: TrainingArguments;
}

export interface RegisterModelStep extends StepCommon {
    readonly Type: "RegisterModel";
    readonly Arguments: RegisterModelArguments;
}

export type ConditionType = "Equals" | "GreaterThan" | "GreaterThanOrEqualTo" | "LessThan" | "LessThanOrEqualTo";

export interface Condition {
    readonly Type: ConditionType;
    readonly LeftValue: PipelineValue;
    readonly RightValue: PipelineValue;
}

export interface ConditionStep extends StepCommon {
    readonly Type: "Condition";
    readonly Arguments: {
        readonly Conditions: readonly Condition[];
        /** Nested steps are inlined as full objects, as the SageMaker Python SDK emits them. */
        readonly IfSteps: readonly PipelineStep[];
        readonly ElseSteps: readonly PipelineStep[];
    };
}

export interface FailStep extends StepCommon {
    readonly Type: "Fail";
    readonly Arguments: { readonly ErrorMessage: PipelineValue };
}

export type PipelineStep = ProcessingStep | TrainingStep | RegisterModelStep | ConditionStep | FailStep;

export interface PipelineDefinition {
    readonly Version: "2020-12-01";
    readonly Metadata: Record<string, never>;
    readonly Parameters: readonly PipelineParameter[];
    /** null turns off the SageMaker Experiments integration (the SDK's `pipeline_experiment_config=None`). */
    readonly PipelineExperimentConfig: { readonly ExperimentName: PipelineValue; readonly TrialName: PipelineValue } | null;
    readonly Steps: readonly PipelineStep[];
}
