/**
 * The environment layout (`promotion.stage` + `promotion.registry`; `staging`, `prod`, issue 10): deploys its stage's
 * versions from the registry account's group. Topic, Notifier, Deployer and the rules on the events the registry
 * forwards (ApprovalEvents with `promotion`), the default bus's policy admitting the registry account only, and the
 * tamper detection on the registry's bucket. No pipeline and no group of its own.
 *
 * Assumed: the registry's versions serve the region's built-in training image (the sample's default); the model
 * role may pull only that repository. A registry with its own training image needs it here too (docs/promotion.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { detectiveControlEnabled, type EnvironmentLayout, type StackConfig } from "../config";
import { ApprovalEvents } from "../components/approvalEvents";
import { ArtifactGuard, artifactGuardCompanions } from "../components/artifactGuard";
import { DetectiveControl, detectiveControlCompanions, mergeCompanions, type OutOfBandRuleKey } from "../components/detectiveControl";
import { SmokeTest, smokeTestCompanions } from "../components/smokeTest";
import { resourceName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import { environmentBusPolicy } from "../lib/promotionEventPolicies";
import { environmentLedgerResourcePolicy } from "../lib/stageVerificationPolicies";
import { BUILTIN_IMAGES, builtinImageUri } from "../pipeline/builtinImages";

/** The registry's pipeline: its outputs are under `<name>/` in the registry's bucket. */
export function registryPipelineName(registryEnvironment: string): string {
    return resourceName(registryEnvironment, "training");
}

/**
 * What an environment's detective control watches: its endpoint and the deploy function's models and configs. The
 * group is the registry's, so UpdateModelPackage is recorded (and watched) in the registry account (registry.ts).
 */
export const ENVIRONMENT_DETECTIVE_RULES: readonly OutOfBandRuleKey[] = ["endpointCalls"];

export function environmentStack(config: StackConfig, layout: EnvironmentLayout, tags: Record<string, string>) {
    const env = config.environment;
    const registry = layout.registry;
    const pipelineName = registryPipelineName(registry.environment);
    const image = builtinImageUri(BUILTIN_IMAGES.training, config.awsRegion);
    const smokeTest = config.smokeTest.enabled;
    // With the smoke test on, Deployed (which asks the next stage) waits for its pass (docs/smoke-test.md).
    const promotion = { stage: layout.stage, stageOrder: layout.stageOrder, registryAccountId: registry.accountId, ...(smokeTest ? { markDeployedAfterSmokeTest: true } : {}) };

    const approvals = new ApprovalEvents(resourceName(env, "approvals"), {
        environment: env,
        modelPackageGroupName: config.modelPackageGroupName,
        promotion,
        artifactsBucketName: registry.artifactsBucketName,
        artifactsKmsKeyArn: registry.artifactsKmsKeyArn,
        pipelineName,
        modelImageUris: image ? [image] : [],
        approverEmails: config.approvers.emails,
        endpoint: layout.endpoint,
        ledgerDeletionProtection: config.production,
        approverPrincipalArns: config.approvers.principalArns,
        attachOperatorReadPolicy: config.approvers.attachPolicy,
        companions: mergeCompanions(
            artifactGuardCompanions(env),
            ...(smokeTest ? [smokeTestCompanions(env)] : []),
            ...(detectiveControlEnabled(config) ? [detectiveControlCompanions(env, ENVIRONMENT_DETECTIVE_RULES)] : []),
        ),
        tags,
    });
    const guard = new ArtifactGuard(resourceName(env, "artifact-guard"), {
        environment: env,
        artifactsBucketName: registry.artifactsBucketName,
        pipelineName,
        watchedAccountId: registry.accountId,
        ledgerTableName: approvals.ledgerTableName,
        ledgerTableArn: approvals.ledgerTable.arn,
        topicArn: approvals.topicArn,
        kmsKeyArn: approvals.kmsKeyArn,
        eventsDlqArn: approvals.targetsDlq.arn,
        endpointName: approvals.endpointName,
        tags,
    });
    // Issue 11: smoke-test every deployment and rollback; a failure rejects this stage on the registry's version.
    const smoke = smokeTest
        ? new SmokeTest(resourceName(env, "smoke"), {
              environment: env,
              endpointName: approvals.endpointName,
              modelPackageGroupName: config.modelPackageGroupName,
              ledgerTableName: approvals.ledgerTableName,
              ledgerTableArn: approvals.ledgerTable.arn,
              topicArn: approvals.topicArn,
              kmsKeyArn: approvals.kmsKeyArn,
              eventsDlqArn: approvals.targetsDlq.arn,
              settings: config.smokeTest,
              promotion,
              tags,
          })
        : undefined;
    // Issue 11: alarm on endpoint changes that bypassed the gate (CloudTrail; on by default in production).
    const detective = detectiveControlEnabled(config)
        ? new DetectiveControl(resourceName(env, "detective-control"), {
              environment: env,
              watch: ENVIRONMENT_DETECTIVE_RULES,
              endpointName: approvals.endpointName,
              ledgerTableName: approvals.ledgerTableName,
              ledgerTableArn: approvals.ledgerTable.arn,
              topicArn: approvals.topicArn,
              kmsKeyArn: approvals.kmsKeyArn,
              eventsDlqArn: approvals.targetsDlq.arn,
              tags,
          })
        : undefined;
    // The forwarded events arrive on this account's default bus; only the registry account may put them there.
    const scope = currentScope({});
    const busPolicy = new aws.cloudwatch.EventBusPolicy(resourceName(env, "default-bus-policy"), {
        eventBusName: "default",
        policy: scope.apply((s) => JSON.stringify(environmentBusPolicy({ scope: s, registryAccountId: registry.accountId }))),
    });
    // approve --stage (registry account) reads this stage's pins across accounts; the approvals key's policy has the
    // matching decrypt statement (ApprovalsTopic ledgerReaderAccountId).
    const ledgerPolicy = new aws.dynamodb.ResourcePolicy(resourceName(env, "deployments-policy"), {
        resourceArn: approvals.ledgerTable.arn,
        policy: pulumi
            .all([scope, approvals.ledgerTableName])
            .apply(([s, tableName]) => JSON.stringify(environmentLedgerResourcePolicy({ scope: s, tableName, registryAccountId: registry.accountId }))),
    });

    return {
        smokeTestFunctionName: smoke?.functionName,
        smokeTestFailedAlarmName: smoke?.failedAlarm.name,
        approvalsTopicArn: approvals.topicArn,
        deploymentsTableName: approvals.ledgerTableName,
        endpointName: approvals.endpointName,
        modelExecutionRoleArn: approvals.modelExecutionRoleArn,
        operatorReadPolicyArn: approvals.operatorReadPolicyArn,
        artifactTamperFunctionName: guard.functionName,
        artifactTamperedAlarmName: guard.tamperAlarm.name,
        outOfBandFunctionName: detective?.functionName,
        outOfBandAlarmName: detective?.outOfBandAlarm.name,
        modelPackageGroupName: pulumi.output(config.modelPackageGroupName),
        stage: pulumi.output(layout.stage),
        registryAccountId: pulumi.output(registry.accountId),
        artifactsBucketName: pulumi.output(registry.artifactsBucketName),
        artifactsKmsKeyArn: pulumi.output(registry.artifactsKmsKeyArn),
        pipelineName: pulumi.output(pipelineName),
        defaultBusPolicyId: busPolicy.id,
        ledgerResourcePolicyId: ledgerPolicy.id,
    };
}
