/**
 * A pipeline definition input like the dev stack's, with plain strings (account 111111111111): what the
 * definition tests, the scripts' local run and the bench build from. Not used by the program.
 */
import type { PipelineDefinitionInput } from "./definition";

export function sampleInput(overrides: Partial<PipelineDefinitionInput> = {}): PipelineDefinitionInput {
    return {
        pipelineName: "sagemaker-approval-gate-dev-training",
        roleArn: "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-training-execution",
        artifactsBucket: "sagemaker-approval-gate-dev-training-111111111111",
        modelPackageGroupName: "abalone-dev",
        inputDataS3Uri: "s3://sagemaker-sample-files/datasets/tabular/uci_abalone/abalone.csv",
        processingImageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
        trainingImageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        processingInstanceType: "ml.m5.xlarge",
        trainingInstanceType: "ml.m5.xlarge",
        inferenceInstanceTypes: ["ml.m5.large", "ml.m5.xlarge"],
        metric: { name: "mse", jsonPath: "regression_metrics.mse.value", comparison: "LessThanOrEqualTo", threshold: 6 },
        scripts: {
            preprocess: "s3://sagemaker-approval-gate-dev-training-111111111111/scripts/0123456789abcdef/preprocess.py",
            evaluate: "s3://sagemaker-approval-gate-dev-training-111111111111/scripts/fedcba9876543210/evaluate.py",
        },
        ...overrides,
    };
}
