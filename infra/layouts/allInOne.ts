/**
 * The all-in-one layout (no `promotion`; `dev`): pipeline, group and deployer in one account, as before issue 10.
 * Its declarations are unchanged (same names, no parent), so an existing stack keeps every URN.
 */
import * as pulumi from "@pulumi/pulumi";
import { detectiveControlEnabled, type AllInOneLayout, type StackConfig } from "../config";
import { DetectiveControl, detectiveControlCompanions, mergeCompanions } from "../components/detectiveControl";
import { ModelRegistry } from "../components/modelRegistry";
import { TrainingPipeline } from "../components/trainingPipeline";
import { ApprovalEvents } from "../components/approvalEvents";
import { ArtifactGuard, artifactGuardCompanions } from "../components/artifactGuard";
import { SmokeTest, smokeRoleName, smokeTestCompanions } from "../components/smokeTest";
import { resourceName } from "../lib/naming";

export function allInOneStack(config: StackConfig, layout: AllInOneLayout, deployingAccountId: pulumi.Output<string>, tags: Record<string, string>) {
    const env = config.environment;
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
        // The tamper detection, the smoke test and the detective control below use the topic, the CMK and the events DLQ: their policies admit their names.
        companions: mergeCompanions(
            artifactGuardCompanions(env),
            ...(config.smokeTest.enabled ? [smokeTestCompanions(env)] : []),
            ...(detectiveControlEnabled(config) ? [detectiveControlCompanions(env)] : []),
        ),
        tags,
    });

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

    // Issue 11: smoke-test every deployment and rollback once the endpoint is InService; a failure rejects (rolls back).
    const smoke = config.smokeTest.enabled
        ? new SmokeTest(resourceName(env, "smoke"), {
              environment: env,
              endpointName: approvals.endpointName,
              modelPackageGroupName: registry.modelPackageGroupName,
              ledgerTableName: approvals.ledgerTableName,
              ledgerTableArn: approvals.ledgerTable.arn,
              topicArn: approvals.topicArn,
              kmsKeyArn: approvals.kmsKeyArn,
              eventsDlqArn: approvals.targetsDlq.arn,
              settings: config.smokeTest,
              tags,
          })
        : undefined;

    // Issue 11: alarm on SageMaker endpoint and package changes that bypassed the gate (CloudTrail; on by default in production).
    const detective = detectiveControlEnabled(config)
        ? new DetectiveControl(resourceName(env, "detective-control"), {
              environment: env,
              endpointName: approvals.endpointName,
              modelPackageGroupName: registry.modelPackageGroupName,
              packageUpdaterArns: [...config.approvers.principalArns, ...config.detectiveControl.packageUpdaterArns],
              // The smoke test's rejections are the gate's own, not out-of-band changes.
              packageUpdaterRoleNames: config.smokeTest.enabled ? [smokeRoleName(env)] : [],
              ledgerTableName: approvals.ledgerTableName,
              ledgerTableArn: approvals.ledgerTable.arn,
              topicArn: approvals.topicArn,
              kmsKeyArn: approvals.kmsKeyArn,
              eventsDlqArn: approvals.targetsDlq.arn,
              tags,
          })
        : undefined;

    return {
        smokeTestFunctionName: smoke?.functionName,
        smokeTestFailedAlarmName: smoke?.failedAlarm.name,
        outOfBandFunctionName: detective?.functionName,
        outOfBandAlarmName: detective?.outOfBandAlarm.name,
        approvalsTopicArn: approvals.topicArn,
        deploymentsTableName: approvals.ledgerTableName,
        endpointName: approvals.endpointName,
        modelExecutionRoleArn: approvals.modelExecutionRoleArn,
        operatorReadPolicyArn: approvals.operatorReadPolicyArn,
        artifactTamperFunctionName: guard.functionName,
        artifactTamperedAlarmName: guard.tamperAlarm.name,
        modelPackageGroupName: registry.modelPackageGroupName,
        modelPackageGroupArn: registry.modelPackageGroupArn,
        approverPolicyArn: registry.approverPolicyArn,
        registrarPolicyArn: registry.registrarPolicyArn,
        approvalGuardrailScp: registry.approvalGuardrailScp,
        artifactsBucketName: training.bucketName,
        artifactsBucketArn: training.bucketArn,
        artifactsKmsKeyArn: training.kmsKeyArn,
        pipelineName: training.pipelineName,
        pipelineArn: training.pipelineArn,
        pipelineExecutionRoleArn: training.roleArn,
        reportReaderPolicyArn: training.reportReaderPolicyArn,
    };
}
