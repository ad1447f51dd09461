/**
 * Which approval rules a layout has, as data (ApprovalRuleSpec): the all-in-one set (allInOneRules) and an environment
 * stack's stage rules (environmentRules), with their names and the names of their alarms. Pure but for the patterns'
 * Outputs; ApprovalRules (approvalRules.ts) declares them.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    approvedPattern,
    pendingApprovalPattern,
    pipelineFailedNotification,
    pipelineFailedPattern,
    rejectedNotification,
    rejectedPattern,
    type InputTransformer,
} from "../events/patterns";
import { environmentStagePatterns } from "../events/stagePatterns";
import { resourceName } from "../lib/naming";
import type { StagePromotion } from "./approvalFunction";

/** One rule: its key (in child names), its role (its name `sagemaker-approval-gate-<env>-<role>`), its pattern and targets. */
export interface ApprovalRuleSpec {
    readonly key: string;
    readonly role: string;
    readonly description: string;
    /** The event pattern, JSON. */
    readonly pattern: pulumi.Input<string>;
    /** Invoke the Notifier's function. */
    readonly notify?: boolean;
    /** Put the event into the Deployer's FIFO queue (one message group per endpoint). */
    readonly deploy?: boolean;
    /** Publish to the approvals topic, with this transformer. */
    readonly topic?: InputTransformer;
}

/** Rules of the all-in-one layout (name suffixes `sagemaker-approval-gate-<env>-<role>`), in declaration order. */
export const RULE_ROLES = { pending: "pending-approval", approved: "approved", rejected: "rejected", pipelineFailed: "pipeline-failed" } as const;

/** The all-in-one layout's rules: this group's versions and this environment's pipeline. */
export function allInOneRules(environment: string, groupName: pulumi.Input<string>, pipelineArn: pulumi.Input<string>): ApprovalRuleSpec[] {
    const group = pulumi.output(groupName);
    return [
        { key: "pending", role: RULE_ROLES.pending, description: "A new version of this environment's group waits for approval", pattern: group.apply((g) => JSON.stringify(pendingApprovalPattern(g))), notify: true },
        { key: "approved", role: RULE_ROLES.approved, description: "A version of this environment's group was approved", pattern: group.apply((g) => JSON.stringify(approvedPattern(g))), deploy: true },
        {
            key: "rejected",
            role: RULE_ROLES.rejected,
            description: "A version of this environment's group was rejected",
            pattern: group.apply((g) => JSON.stringify(rejectedPattern(g))),
            deploy: true,
            topic: rejectedNotification(environment),
        },
        {
            key: "pipelineFailed",
            role: RULE_ROLES.pipelineFailed,
            description: "An execution of this environment's training pipeline failed",
            pattern: pulumi.output(pipelineArn).apply((arn) => JSON.stringify(pipelineFailedPattern(arn))),
            topic: pipelineFailedNotification(environment),
        },
    ];
}

/** Rules of an environment stack (issue 10), on the events the registry forwards: its stage's, from the registry account only. */
export const ENVIRONMENT_RULE_ROLES = { pending: "pending-approval", approved: "approved", rejected: "rejected", awaiting: "awaiting-approval" } as const;

/** The roles of an environment stack's rules: `awaiting` only after the first stage (at the first, pending asks the approvers). */
export function environmentRuleRoles(promotion: Pick<StagePromotion, "stage" | "stageOrder">): string[] {
    const roles: string[] = [ENVIRONMENT_RULE_ROLES.pending, ENVIRONMENT_RULE_ROLES.approved, ENVIRONMENT_RULE_ROLES.rejected];
    return promotion.stageOrder.indexOf(promotion.stage) > 0 ? [...roles, ENVIRONMENT_RULE_ROLES.awaiting] : roles;
}

/**
 * An environment stack's rules (infra/events/stagePatterns.ts): pending → Notifier (it pins in every environment and
 * asks the first stage's approvers), approved for this stage → Deployer, rejected (the version or this stage) →
 * Deployer (rollback) + topic, awaiting (the previous stage serves it) → Notifier. No pipeline here: no pipeline rule.
 */
export function environmentRules(environment: string, groupName: pulumi.Input<string>, promotion: StagePromotion): ApprovalRuleSpec[] {
    const patterns = pulumi.output(groupName).apply((g) =>
        environmentStagePatterns({ groupName: g, registryAccountId: promotion.registryAccountId, stage: promotion.stage, stageOrder: promotion.stageOrder }),
    );
    const at = ` (forwarded from registry account ${promotion.registryAccountId})`;
    const specs: ApprovalRuleSpec[] = [
        { key: "pending", role: ENVIRONMENT_RULE_ROLES.pending, description: `A new version of the registry's group waits for approval${at}`, pattern: patterns.apply((p) => JSON.stringify(p.pending)), notify: true },
        { key: "approved", role: ENVIRONMENT_RULE_ROLES.approved, description: `A version was approved for ${promotion.stage}${at}`, pattern: patterns.apply((p) => JSON.stringify(p.approved)), deploy: true },
        {
            key: "rejected",
            role: ENVIRONMENT_RULE_ROLES.rejected,
            description: `A version was rejected, or rejected for ${promotion.stage}${at}`,
            pattern: patterns.apply((p) => JSON.stringify(p.rejected)),
            deploy: true,
            topic: rejectedNotification(environment),
        },
    ];
    if (environmentRuleRoles(promotion).includes(ENVIRONMENT_RULE_ROLES.awaiting)) {
        specs.push({
            key: "awaiting",
            role: ENVIRONMENT_RULE_ROLES.awaiting,
            description: `A version serves the stage before ${promotion.stage} and waits for ${promotion.stage}'s approvers${at}`,
            pattern: patterns.apply((p) => JSON.stringify(p.awaiting)),
            notify: true,
        });
    }
    return specs;
}

/** The alarm on a rule's permanently failed target invocations: `<rule>-failed-invocations`. */
export function ruleFailedInvocationsAlarmName(environment: string, rule: keyof typeof RULE_ROLES): string {
    return resourceName(environment, `${RULE_ROLES[rule]}-failed-invocations`);
}

/** The alarm on a rule's failed events that EventBridge could not put into the DLQ either: `<rule>-dlq-delivery-failures`. */
export function ruleDlqDeliveryFailuresAlarmName(environment: string, rule: keyof typeof RULE_ROLES): string {
    return resourceName(environment, `${RULE_ROLES[rule]}-dlq-delivery-failures`);
}

/** Every rule of the all-in-one environment, by name: the topic policy names exactly these. */
export function ruleNames(environment: string, roles: readonly string[] = Object.values(RULE_ROLES)): string[] {
    return roles.map((role) => resourceName(environment, role));
}

/** Roles (name suffixes) of every alarm ApprovalRules makes for rules of these roles; the topic's policy must admit each. */
export function approvalRulesAlarmRoles(ruleRoles: readonly string[] = Object.values(RULE_ROLES)): string[] {
    return ["events-dlq-depth", ...ruleRoles.flatMap((rule) => [`${rule}-failed-invocations`, `${rule}-dlq-delivery-failures`])];
}
