/**
 * Constructors for the values SageMaker resolves at run time. Pure; they return plain JSON.
 */
import type { GetReference, JoinFunction, JsonGetFunction, PipelineParameter, PipelineValue } from "./types";

export function get(path: string): GetReference {
    return { Get: path };
}

/** `{Get: "Parameters.<name>"}` for a declared parameter (taking the declaration keeps names in one place). */
export function parameterRef(parameter: PipelineParameter): GetReference {
    return get(`Parameters.${parameter.Name}`);
}

export const EXECUTION_ID: GetReference = get("Execution.PipelineExecutionId");

export function join(on: string, values: readonly PipelineValue[]): JoinFunction {
    return { "Std:Join": { On: on, Values: values } };
}

export function jsonGet(stepName: string, propertyFileName: string, path: string): JsonGetFunction {
    return { "Std:JsonGet": { PropertyFile: get(`Steps.${stepName}.PropertyFiles.${propertyFileName}`), Path: path } };
}

/** The S3 URI a processing step wrote one named output to. */
export function processingOutputUri(stepName: string, outputName: string): GetReference {
    return get(`Steps.${stepName}.ProcessingOutputConfig.Outputs['${outputName}'].S3Output.S3Uri`);
}

/** The model.tar.gz a training step produced. */
export function modelArtifacts(stepName: string): GetReference {
    return get(`Steps.${stepName}.ModelArtifacts.S3ModelArtifacts`);
}

/**
 * `s3://<bucket>/<prefix>/<execution id>/<parts…>`: one folder per execution, so runs never overwrite
 * each other and a registered version points at the report of the run that produced it.
 */
export function executionS3Uri(bucket: string, prefix: string, ...parts: string[]): JoinFunction {
    return join("/", ["s3:/", bucket, prefix, EXECUTION_ID, ...parts]);
}
