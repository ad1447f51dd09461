/**
 * The detective control's names and settings (infra/components/detectiveControl.ts), as pure functions of plain
 * strings: what a stack watches and trusts, its rules' and alarms' names, what the topic, CMK and events DLQ policies
 * must admit of it, and the function's environment. Which rules a stack has depends on what its account holds
 * (docs/detective-control.md "Where it runs"): all-in-one both, an environment stack of the promotion layout the
 * endpoint calls, a registry stack the package calls.
 */
import { OUT_OF_BAND_RULE_KEYS, type OutOfBandRuleKey } from "../events/cloudTrailPatterns";
import { modelPackageArnPattern, principalArnForCondition, type AwsScope } from "../lib/arns";
import { deployedResourcePrefix, resourceName } from "../lib/naming";
import { environmentRoleArns } from "../lib/promotionPolicies";
import type { TrustedPrincipals, WatchedResources } from "../../lambdas/out-of-band/calls";
import type { CompanionResources } from "./approvalEvents";

export { OUT_OF_BAND_RULE_KEYS, type OutOfBandRuleKey };

/** The function's name suffix (also its bundle in LAMBDA_ENTRIES). */
export const OUT_OF_BAND_FUNCTION = "out-of-band";

/** Rules (name suffixes `sagemaker-approval-gate-<env>-<role>`, at most 64 characters), by the key outOfBandPatterns() gives their patterns. */
export const OUT_OF_BAND_RULE_ROLES = { endpointCalls: "oob-endpoint-calls", packageCalls: "oob-package-calls" } as const;

/** The rules' descriptions (what each matches), by key. */
export const OUT_OF_BAND_RULE_DESCRIPTIONS: Record<OutOfBandRuleKey, string> = {
    endpointCalls: "CloudTrail: a SageMaker call on this environment's endpoint, or on a model or endpoint config under the deploy function's names, by anyone but the deploy function",
    packageCalls: "CloudTrail: UpdateModelPackage on this environment's group by anyone but the deploy function and the approvers",
};

/** The package rule's description in a registry stack (no endpoint, no deploy function of its own). */
export const REGISTRY_PACKAGE_CALLS_DESCRIPTION = "CloudTrail: UpdateModelPackage on this registry's group by anyone but the stages' approvers and the stage environments' deploy and smoke roles";

/** The alarm approvers get within minutes of an out-of-band call. */
export const OUT_OF_BAND_ALARM_ROLE = "out-of-band-change";

/** The deploy function's role: the one principal whose endpoint calls are the gate's own (ApprovalEvents names it after its function). */
export function deployRoleArn(scope: AwsScope, environment: string): string {
    return `arn:${scope.partition}:iam::${scope.accountId}:role/${resourceName(environment, "deploy-approved")}`;
}

/** An environment stack that updates the registry's versions from its account: its deploy role marks its stage Deployed, its smoke role rejects. */
export interface PackageUpdaterEnvironment {
    readonly environment: string;
    readonly accountId: string;
}

/**
 * The roles of an environment stack that update the registry's versions, by the names environment stacks give them
 * (the names the group's resource policy admits them by: environmentRoleArns).
 */
export function environmentPackageUpdaterArns(partition: string, environments: readonly PackageUpdaterEnvironment[]): string[] {
    return environments.flatMap((e) => {
        const roles = environmentRoleArns(partition, e.accountId, e.environment);
        return [roles.deployApproved, roles.smokeTest];
    });
}

export interface WatchScopeInput {
    readonly scope: AwsScope;
    readonly environment: string;
    /** Required when `rules` has endpointCalls. */
    readonly endpointName?: string;
    /** This account's group; required when `rules` has packageCalls. */
    readonly groupName?: string;
    /** Role or user ARNs of any account (an assumed-role session ARN counts as its role), trusted for package calls. */
    readonly packageUpdaterArns: readonly string[];
    /** Roles of this account, by name, trusted for package calls. */
    readonly packageUpdaterRoleNames?: readonly string[];
    /** Environment stacks of other accounts whose deploy and smoke roles update this group's versions (a registry stack's stages). */
    readonly packageUpdaterEnvironments?: readonly PackageUpdaterEnvironment[];
    /** Defaults to both rules (all-in-one). */
    readonly rules?: readonly OutOfBandRuleKey[];
}

/**
 * What the rules and the function watch and trust (pure). The deploy role is trusted where the stack has one, which
 * is where it watches endpoint calls; package updaters only matter where packages are watched.
 */
export function watchScope(input: WatchScopeInput): { resources: WatchedResources; trusted: TrustedPrincipals } {
    const rules = input.rules ?? OUT_OF_BAND_RULE_KEYS;
    if (rules.length === 0) throw new Error("DetectiveControl: no rule to declare; watch endpointCalls, packageCalls or both");
    const endpoints = rules.includes("endpointCalls");
    const packages = rules.includes("packageCalls");
    if (endpoints && !input.endpointName) throw new Error(`DetectiveControl ${input.environment}: endpointCalls needs the endpoint's name`);
    if (packages && !input.groupName) throw new Error(`DetectiveControl ${input.environment}: packageCalls needs this account's model package group`);
    const updaters = [
        ...new Set([
            ...input.packageUpdaterArns.map(principalArnForCondition),
            ...(input.packageUpdaterRoleNames ?? []).map((role) => `arn:${input.scope.partition}:iam::${input.scope.accountId}:role/${role}`),
            ...environmentPackageUpdaterArns(input.scope.partition, input.packageUpdaterEnvironments ?? []),
        ]),
    ].sort();
    return {
        resources: {
            ...(endpoints ? { endpointName: input.endpointName, deployedNamePrefix: `${deployedResourcePrefix(input.environment)}-` } : {}),
            ...(packages ? { modelPackageArnPrefix: modelPackageArnPattern(input.scope, input.groupName!).replace(/\*$/, "") } : {}),
        },
        trusted: { ...(endpoints ? { deployRoleArn: deployRoleArn(input.scope, input.environment) } : {}), packageUpdaterArns: packages ? updaters : [] },
    };
}

/** Roles (name suffixes) of every alarm the component makes for these rules; the topic policy admits exactly these (through the companions). */
export function detectiveControlAlarmRoles(rules: readonly OutOfBandRuleKey[] = OUT_OF_BAND_RULE_KEYS): string[] {
    return [
        OUT_OF_BAND_ALARM_ROLE,
        `${OUT_OF_BAND_FUNCTION}-errors`,
        `${OUT_OF_BAND_FUNCTION}-dlq-depth`,
        ...rules.map((key) => OUT_OF_BAND_RULE_ROLES[key]).flatMap((rule) => [`${rule}-failed-invocations`, `${rule}-dlq-delivery-failures`]),
    ];
}

export function outOfBandFunctionName(environment: string): string {
    return resourceName(environment, OUT_OF_BAND_FUNCTION);
}

export function outOfBandLogGroupName(environment: string): string {
    return `/aws/lambda/${outOfBandFunctionName(environment)}`;
}

/** What the events DLQ, topic and CMK policies must admit of this component, by exact name. */
export function detectiveControlCompanions(environment: string, rules: readonly OutOfBandRuleKey[] = OUT_OF_BAND_RULE_KEYS): CompanionResources {
    return {
        ruleNames: rules.map((key) => resourceName(environment, OUT_OF_BAND_RULE_ROLES[key])),
        alarmNames: detectiveControlAlarmRoles(rules).map((role) => resourceName(environment, role)),
        logGroupNames: [outOfBandLogGroupName(environment)],
    };
}

/** Several companions as one (the program passes ApprovalEvents a single set). */
export function mergeCompanions(...all: readonly CompanionResources[]): CompanionResources {
    return { ruleNames: all.flatMap((c) => c.ruleNames), alarmNames: all.flatMap((c) => c.alarmNames), logGroupNames: all.flatMap((c) => c.logGroupNames) };
}

/** The function's environment variables (lambdas/out-of-band/settings.ts reads them once); only what the stack watches. Pure. */
export function outOfBandFunctionEnvironment(input: {
    readonly environment: string;
    readonly ledgerTableName: string;
    readonly topicArn: string;
    readonly resources: WatchedResources;
    readonly trusted: TrustedPrincipals;
}): Record<string, string> {
    const { resources, trusted } = input;
    const defined = (entries: Record<string, string | undefined>) => Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));
    return {
        ENVIRONMENT: input.environment,
        LEDGER_TABLE_NAME: input.ledgerTableName,
        TOPIC_ARN: input.topicArn,
        ...defined({
            ENDPOINT_NAME: resources.endpointName,
            DEPLOYED_NAME_PREFIX: resources.deployedNamePrefix,
            MODEL_PACKAGE_ARN_PREFIX: resources.modelPackageArnPrefix,
            DEPLOY_ROLE_ARN: trusted.deployRoleArn,
            PACKAGE_UPDATER_ARNS: resources.modelPackageArnPrefix ? trusted.packageUpdaterArns.join(",") : undefined,
        }),
    };
}
