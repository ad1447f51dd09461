/**
 * The registry layout (`promotion.stages`; the `shared` stack, issue 10): the account that trains and holds the group.
 * Pipeline, group (its policy admits the environment accounts), artifacts bucket + key (opened to their roles), one
 * approver policy per stage, forwarding rules to each environment account's default bus, and the approvals topic for
 * pipeline failures and failed hops. No endpoint, no deploy function, no ledger (those are the environments').
 */
import * as pulumi from "@pulumi/pulumi";
import type { RegistryLayout, StackConfig } from "../config";
import { ModelRegistry } from "../components/modelRegistry";
import { TrainingPipeline } from "../components/trainingPipeline";
import { ApprovalsTopic } from "../components/approvalsTopic";
import { allInOneRules, ApprovalRules, approvalRulesAlarmRoles, RULE_ROLES } from "../components/approvalRules";
import { Forwarding, forwardingAlarmRoles, forwardingRuleRoles } from "../components/forwarding";
import { resourceName } from "../lib/naming";

/** The rule roles of a registry stack: its pipeline's failures (no version rules: no deployer here). */
export const REGISTRY_RULE_ROLES = [RULE_ROLES.pipelineFailed] as const;

export function registryStack(config: StackConfig, layout: RegistryLayout, deployingAccountId: pulumi.Output<string>, tags: Record<string, string>) {
    const env = config.environment;
    const environments = layout.stages.map((s) => ({ environment: s.environment, accountId: s.accountId }));
    const pipelineName = resourceName(env, "training");
    // The bucket's name, known before the pipeline declares it, so the stage approvers' policies name it too.
    const artifactsBucketName = deployingAccountId.apply((accountId) => `${pipelineName}-${accountId}`);
    const registry = new ModelRegistry(resourceName(env, "registry"), {
        modelPackageGroupName: config.modelPackageGroupName,
        approverPrincipalArns: config.approvers.principalArns,
        attachApproverPolicy: config.approvers.attachPolicy,
        deployingAccountId,
        consumerAccountIds: config.consumerAccountIds,
        // approve --stage checks the version's bytes (training outputs, serving image) against the stage's pins.
        promotion: { stages: layout.stages, stageOrder: layout.stageOrder, verification: { artifactsBucketName, pipelineName, imageUris: [layout.pipeline.trainingImageUri] } },
        tags,
    });
    const stageApprovers = [...new Set(layout.stages.flatMap((s) => s.approverArns))];
    const training = new TrainingPipeline(resourceName(env, "training"), {
        pipelineName,
        bucketName: artifactsBucketName,
        settings: layout.pipeline,
        modelPackageGroupName: registry.modelPackageGroupName,
        registrarPolicyArn: registry.registrarPolicyArn,
        // Every stage's approvers read the evaluation reports they approve on.
        reportReaders: { principalArns: [...new Set([...config.approvers.principalArns, ...stageApprovers])], attach: config.approvers.attachPolicy },
        environmentAccounts: environments,
        tags,
    });

    const rules = allInOneRules(env, registry.modelPackageGroupName, training.pipelineArn).filter((r) => (REGISTRY_RULE_ROLES as readonly string[]).includes(r.role));
    const topic = new ApprovalsTopic(resourceName(env, "approvals"), {
        topicName: resourceName(env, "approvals"),
        approverEmails: config.approvers.emails,
        logGroupNames: [],
        publishers: {
            ruleNames: [...REGISTRY_RULE_ROLES, ...forwardingRuleRoles(environments)].map((r) => resourceName(env, r)),
            alarmNames: [...approvalRulesAlarmRoles(REGISTRY_RULE_ROLES), ...forwardingAlarmRoles(environments)].map((r) => resourceName(env, r)),
        },
        tags,
    });
    const pipelineRules = new ApprovalRules(resourceName(env, "approvals"), { environment: env, rules, topicArn: topic.topicArn, kmsKeyArn: topic.kmsKeyArn, tags });
    const forwarding = new Forwarding(resourceName(env, "forwarding"), {
        environment: env,
        targets: environments,
        modelPackageGroupName: registry.modelPackageGroupName,
        artifactsBucketName: training.bucketName,
        pipelineName: training.pipelineName,
        topicArn: topic.topicArn,
        kmsKeyArn: topic.kmsKeyArn,
        tags,
    });

    return {
        approvalsTopicArn: topic.topicArn,
        modelPackageGroupName: registry.modelPackageGroupName,
        modelPackageGroupArn: registry.modelPackageGroupArn,
        registrarPolicyArn: registry.registrarPolicyArn,
        approvalGuardrailScp: registry.approvalGuardrailScp,
        stageApproverPolicyArns: pulumi.all(Object.fromEntries(Object.entries(registry.stageApproverPolicies).map(([stage, p]) => [stage, p.arn]))),
        artifactsBucketName: training.bucketName,
        artifactsBucketArn: training.bucketArn,
        artifactsKmsKeyArn: training.kmsKeyArn,
        pipelineName: training.pipelineName,
        pipelineArn: training.pipelineArn,
        pipelineExecutionRoleArn: training.roleArn,
        reportReaderPolicyArn: training.reportReaderPolicyArn,
        forwardingRoleArn: forwarding.role.arn,
        forwardingRuleNames: pulumi.all(forwarding.rules.map((r) => r.name)),
        eventsDlqName: pipelineRules.targetsDlq.name,
    };
}
