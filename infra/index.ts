/**
 * The per-environment stack: reads the validated config, composes the components, exports outputs.
 * Nothing else happens here; logic lives in infra/components, infra/pipeline and infra/lib.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assertDeployingAccount, ConfigError, detectiveControlEnabled, loadStackConfig } from "./config";
import { ModelRegistry } from "./components/modelRegistry";
import { TrainingPipeline } from "./components/trainingPipeline";
import { ApprovalEvents } from "./components/approvalEvents";
import { ArtifactGuard, artifactGuardCompanions } from "./components/artifactGuard";
import { DetectiveControl, detectiveControlCompanions, mergeCompanions } from "./components/detectiveControl";
import { resourceName, standardTags } from "./lib/naming";

// Throws a ConfigError naming every bad key before any resource is declared.
const config = loadStackConfig();
// Until the registry and environment layouts are wired (issue 10), only all-in-one declares resources.
const layout = config.layout;
if (layout.kind !== "all-in-one") {
    throw new ConfigError([`${layout.kind} stacks (sagemaker-approval-gate:promotion) are not wired in this build yet; remove promotion for the all-in-one layout`]);
}
const env = config.environment;
const tags = standardTags(env, config.tags);

// The credentials' account, once the approvers to attach are known to be in it: a ConfigError otherwise,
// in preview too (the invoke runs in preview), and the attachments that wait for it are never declared.
const deployingAccountId = aws.getCallerIdentityOutput({}).accountId.apply((accountId) => {
    assertDeployingAccount(config, accountId, pulumi.getStack());
    return accountId;
});

const registry = new ModelRegistry(resourceName(env, "registry"), {
    modelPackageGroupName: config.modelPackageGroupName,
    approverPrincipalArns: config.approvers.principalArns,
    attachApproverPolicy: config.approvers.attachPolicy,
    deployingAccountId,
    consumerAccountIds: config.consumerAccountIds,
    tags,
});

const training = new TrainingPipeline(resourceName(env, "training"), {
    pipelineName: resourceName(env, "training"),
    settings: layout.pipeline,
    modelPackageGroupName: registry.modelPackageGroupName,
    registrarPolicyArn: registry.registrarPolicyArn,
    reportReaders: { principalArns: config.approvers.principalArns, attach: config.approvers.attachPolicy },
    tags,
});

// Components of other issues are added below; they take what they need from `config`, `registry`, `training`, `tags`.

// Issue 3: approval events (notify approvers, deploy exactly the approved version, roll back on rejection).
const approvals = new ApprovalEvents(resourceName(env, "approvals"), {
    environment: env,
    modelPackageGroupName: registry.modelPackageGroupName,
    pipelineArn: training.pipelineArn,
    artifactsBucketName: training.bucketName,
    artifactsKmsKeyArn: training.kmsKeyArn,
    pipelineName: training.pipelineName,
    modelImageUris: [layout.pipeline.trainingImageUri],
    approverEmails: config.approvers.emails,
    endpoint: layout.endpoint,
    ledgerDeletionProtection: config.production,
    approverPrincipalArns: config.approvers.principalArns,
    attachOperatorReadPolicy: config.approvers.attachPolicy,
    // The tamper detection and the detective control below use the topic, the CMK and the events DLQ: their policies admit their names.
    companions: mergeCompanions(artifactGuardCompanions(env), ...(detectiveControlEnabled(config) ? [detectiveControlCompanions(env)] : [])),
    tags,
});
export const approvalsTopicArn = approvals.topicArn;
export const deploymentsTableName = approvals.ledgerTableName;
export const endpointName = approvals.endpointName;
export const modelExecutionRoleArn = approvals.modelExecutionRoleArn;
export const operatorReadPolicyArn = approvals.operatorReadPolicyArn;

// Issue 9: detect what the bucket policy cannot prevent (S3 writes under the pipeline's outputs, ECR pushes).
const guard = new ArtifactGuard(resourceName(env, "artifact-guard"), {
    environment: env,
    artifactsBucketName: training.bucketName,
    pipelineName: training.pipelineName,
    ledgerTableName: approvals.ledgerTableName,
    ledgerTableArn: approvals.ledgerTable.arn,
    topicArn: approvals.topicArn,
    kmsKeyArn: approvals.kmsKeyArn,
    eventsDlqArn: approvals.targetsDlq.arn,
    endpointName: approvals.endpointName,
    tags,
});
export const artifactTamperFunctionName = guard.functionName;
export const artifactTamperedAlarmName = guard.tamperAlarm.name;

// Issue 11: alarm on SageMaker endpoint and package changes that bypassed the gate (CloudTrail; on by default in production).
const detective = detectiveControlEnabled(config)
    ? new DetectiveControl(resourceName(env, "detective-control"), {
          environment: env,
          endpointName: approvals.endpointName,
          modelPackageGroupName: registry.modelPackageGroupName,
          packageUpdaterArns: [...config.approvers.principalArns, ...config.detectiveControl.packageUpdaterArns],
          ledgerTableName: approvals.ledgerTableName,
          ledgerTableArn: approvals.ledgerTable.arn,
          topicArn: approvals.topicArn,
          kmsKeyArn: approvals.kmsKeyArn,
          eventsDlqArn: approvals.targetsDlq.arn,
          tags,
      })
    : undefined;
export const outOfBandFunctionName = detective?.functionName;
export const outOfBandAlarmName = detective?.outOfBandAlarm.name;

export const environment = env;
/** The account the stack deployed into (the credentials'); exported so a failed account check fails the program. */
export const deployingAccount = deployingAccountId;
export const production = config.production;
export const modelPackageGroupName = registry.modelPackageGroupName;
export const modelPackageGroupArn = registry.modelPackageGroupArn;
export const approverPolicyArn = registry.approverPolicyArn;
export const registrarPolicyArn = registry.registrarPolicyArn;
export const approvalGuardrailScp = registry.approvalGuardrailScp;
export const artifactsBucketName = training.bucketName;
export const artifactsBucketArn = training.bucketArn;
export const artifactsKmsKeyArn = training.kmsKeyArn;
export const pipelineName = training.pipelineName;
export const pipelineArn = training.pipelineArn;
export const pipelineExecutionRoleArn = training.roleArn;
export const reportReaderPolicyArn = training.reportReaderPolicyArn;
