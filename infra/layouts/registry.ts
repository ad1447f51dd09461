/**
 * The registry layout (`promotion.stages`; the `shared` stack, issue 10): the account that trains and holds the group.
 * Pipeline, group (its policy admits the environment accounts), artifacts bucket + key (opened to their roles), one
 * approver policy per stage, forwarding rules to each environment account's default bus, and the approvals topic for
 * pipeline failures and failed hops. No endpoint, no deploy function, no ledger (those are the environments').
 * The detective control watches UpdateModelPackage on the group here (CloudTrail records it in the group's account)
 * and audits it in a small table of its own, encrypted with the topic's key.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { detectiveControlEnabled, type RegistryLayout, type StackConfig } from "../config";
import { DetectiveControl, detectiveControlCompanions, type OutOfBandRuleKey } from "../components/detectiveControl";
import { ModelRegistry } from "../components/modelRegistry";
import { TrainingPipeline } from "../components/trainingPipeline";
import { ApprovalsTopic } from "../components/approvalsTopic";
import { allInOneRules, ApprovalRules, approvalRulesAlarmRoles, RULE_ROLES } from "../components/approvalRules";
import { Forwarding, forwardingAlarmRoles, forwardingRuleRoles } from "../components/forwarding";
import { resourceName } from "../lib/naming";

/** The rule roles of a registry stack: its pipeline's failures (no version rules: no deployer here). */
export const REGISTRY_RULE_ROLES = [RULE_ROLES.pipelineFailed] as const;

/** What a registry's detective control watches: the group's versions (no endpoint here). */
export const REGISTRY_DETECTIVE_RULES: readonly OutOfBandRuleKey[] = ["packageCalls"];

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

    const detective = detectiveControlEnabled(config) ? detectiveControlCompanions(env, REGISTRY_DETECTIVE_RULES) : undefined;
    const rules = allInOneRules(env, registry.modelPackageGroupName, training.pipelineArn).filter((r) => (REGISTRY_RULE_ROLES as readonly string[]).includes(r.role));
    const topic = new ApprovalsTopic(resourceName(env, "approvals"), {
        topicName: resourceName(env, "approvals"),
        approverEmails: config.approvers.emails,
        logGroupNames: detective?.logGroupNames ?? [],
        publishers: {
            ruleNames: [...REGISTRY_RULE_ROLES, ...forwardingRuleRoles(environments)].map((r) => resourceName(env, r)),
            alarmNames: [...[...approvalRulesAlarmRoles(REGISTRY_RULE_ROLES), ...forwardingAlarmRoles(environments)].map((r) => resourceName(env, r)), ...(detective?.alarmNames ?? [])],
        },
        tags,
    });
    // The detective control's rule delivers through the events DLQ too: its policy admits it.
    const pipelineRules = new ApprovalRules(resourceName(env, "approvals"), { environment: env, rules, topicArn: topic.topicArn, kmsKeyArn: topic.kmsKeyArn, companionRuleNames: detective?.ruleNames, tags });
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

    const control = detective ? registryDetectiveControl(config, layout, { topicArn: topic.topicArn, kmsKeyArn: topic.kmsKeyArn, eventsDlqArn: pipelineRules.targetsDlq.arn, groupName: registry.modelPackageGroupName }, tags) : undefined;

    return {
        approvalsTopicArn: topic.topicArn,
        outOfBandFunctionName: control?.control.functionName,
        outOfBandAlarmName: control?.control.outOfBandAlarm.name,
        auditTableName: control?.auditTable.name,
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

/**
 * Issue 11: UpdateModelPackage on the group by anyone but the gate's own principals: every stage's approvers, the
 * registry's approvers and `detectiveControl.packageUpdaterArns`, and each stage environment's deploy role (marks its
 * stage Deployed) and smoke role (rejects a failed version), by the names the group's policy admits. The registry
 * has no ledger: the audit items go to a table of its own (same keys as the ledger's audit trail).
 */
function registryDetectiveControl(
    config: StackConfig,
    layout: RegistryLayout,
    shared: { readonly topicArn: pulumi.Input<string>; readonly kmsKeyArn: pulumi.Input<string>; readonly eventsDlqArn: pulumi.Input<string>; readonly groupName: pulumi.Input<string> },
    tags: Record<string, string>,
) {
    const env = config.environment;
    const auditTable = new aws.dynamodb.Table(resourceName(env, "audit"), {
        name: resourceName(env, "audit"),
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        rangeKey: "sk",
        attributes: [
            { name: "pk", type: "S" },
            { name: "sk", type: "S" },
        ],
        serverSideEncryption: { enabled: true, kmsKeyArn: shared.kmsKeyArn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        tags,
    });
    const control = new DetectiveControl(resourceName(env, "detective-control"), {
        environment: env,
        watch: REGISTRY_DETECTIVE_RULES,
        modelPackageGroupName: shared.groupName,
        packageUpdaterArns: [...new Set([...layout.stages.flatMap((s) => s.approverArns), ...config.approvers.principalArns, ...config.detectiveControl.packageUpdaterArns])],
        packageUpdaterEnvironments: layout.stages.map((s) => ({ environment: s.environment, accountId: s.accountId })),
        ledgerTableName: auditTable.name,
        ledgerTableArn: auditTable.arn,
        topicArn: shared.topicArn,
        kmsKeyArn: shared.kmsKeyArn,
        eventsDlqArn: shared.eventsDlqArn,
        tags,
    });
    return { control, auditTable };
}
