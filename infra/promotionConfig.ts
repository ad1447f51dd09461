/**
 * The `promotion` key: which of the three layouts a stack is, and the checks across its fields.
 *
 * - all-in-one (no `promotion`): pipeline, group and deployer in one account (the default; `dev`).
 * - registry (`promotion.stages`): the shared account that trains and holds the group; no endpoint.
 * - environment (`promotion.stage` + `promotion.registry`): deploys from the registry's group; no pipeline.
 *
 * Pure; infra/config.ts is the only reader of pulumi.Config and calls these.
 */
import { z } from "zod";
import { awsAccountId, entityName, environmentName, forStack, iamPrincipalArn, principalAccount, PROJECT } from "./configFields";

export type LayoutKind = "all-in-one" | "registry" | "environment";

/** One environment a registry stack promotes to. Several environments may share a stage (e.g. two Production regions). */
export interface StageTarget {
    /** The ModelLifeCycle stage its deploy function deploys, e.g. Production. */
    readonly name: string;
    /** The environment stack's `environment` (names its resources). */
    readonly environment: string;
    /** Its AWS account (its default event bus receives the forwarded events). */
    readonly accountId: string;
    /** Principals of the registry account that alone may approve or reject this stage. */
    readonly approverArns: readonly string[];
}

/** The registry an environment stack deploys from. */
export interface RegistryRef {
    readonly accountId: string;
    /** The registry stack's environment. */
    readonly environment: string;
    /** Derived: the registry's artifacts bucket, `sagemaker-approval-gate-<environment>-training-<accountId>`. */
    readonly artifactsBucketName: string;
    readonly artifactsKmsKeyArn: string;
}

const stageName = entityName("Staging");

const stageTargetSchema = z
    .object({
        name: stageName,
        environment: environmentName,
        accountId: awsAccountId,
        approvers: z.array(iamPrincipalArn).min(1, "at least one approver principal of the registry account"),
    })
    .strict();

export const registryPromotionSchema = z
    .object({
        stages: z.array(stageTargetSchema).min(1, "at least one stage"),
    })
    .strict();

const kmsKeyArn = z
    .string()
    .regex(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
        "a KMS key ARN (key/<id>, not an alias), e.g. arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000",
    );

export const environmentPromotionSchema = z
    .object({
        stage: stageName,
        stages: z.array(stageName).min(1, "at least one stage"),
        registry: z
            .object({
                accountId: awsAccountId,
                environment: environmentName,
                artifactsKmsKeyArn: kmsKeyArn,
            })
            .strict(),
    })
    .strict();

export type RegistryPromotion = z.infer<typeof registryPromotionSchema>;
export type EnvironmentPromotion = z.infer<typeof environmentPromotionSchema>;

/** `stage` or `registry` make an environment stack; anything else under `promotion` is read as a registry's. */
export function layoutKind(promotion: unknown): LayoutKind {
    if (promotion === undefined) return "all-in-one";
    if (promotion !== null && typeof promotion === "object" && ("stage" in promotion || "registry" in promotion)) return "environment";
    return "registry";
}

/** The registry's artifacts bucket (the TrainingPipeline's `<pipelineName>-<account>`, pipelineName = resourceName(env, "training")). */
export function registryArtifactsBucketName(registryEnvironment: string, registryAccountId: string): string {
    return `${PROJECT}-${registryEnvironment}-training-${registryAccountId}`;
}

/** Distinct names in first-appearance order. */
export function stageOrderOf(stages: readonly { readonly name: string }[]): string[] {
    return [...new Set(stages.map((s) => s.name))];
}

/** Fixes for promotion paths whose expectation has no "e.g." (indices are the issue's own). */
export const PROMOTION_NESTED_EXAMPLES: Record<LayoutKind, Record<string, [string, string]>> = {
    "all-in-one": {},
    registry: {
        promotion: ["promotion.stages[0].name", "Staging"],
        "promotion.stages": ["promotion.stages[0].name", "Staging"],
        "promotion.stages[0]": ["promotion.stages[0].name", "Staging"],
        "promotion.stages[0].approvers": ["promotion.stages[0].approvers[0]", "arn:aws:iam::111111111111:role/ml-staging-approver"],
    },
    environment: {
        promotion: ["promotion.stage", "Production"],
        "promotion.stages": ["promotion.stages[0]", "Staging"],
        "promotion.registry": ["promotion.registry.accountId", "111111111111"],
    },
};

/** Keys a layout does not own: set, they would be silently ignored, so they are refused. */
export function layoutKeyProblems(kind: LayoutKind, input: Record<string, unknown>, stack: string): { problems: string[]; refused: string[] } {
    const refuse: [string, string][] =
        kind === "environment"
            ? [
                  ["pipeline", "an environment stack owns no pipeline: the registry stack trains and registers every version"],
                  ["consumerAccountIds", "an environment stack owns no model package group to share: list read-only consumers in the registry stack"],
              ]
            : kind === "registry"
              ? [["endpoint", "a registry stack deploys nowhere: each environment stack (promotion.stage) owns its endpoint"]]
              : [];
    const present = refuse.filter(([key]) => input[key] !== undefined);
    return {
        refused: present.map(([key]) => key),
        problems: present.map(
            ([key, why]) =>
                `${PROJECT}:${key}: got ${JSON.stringify(input[key])} in ${kind} stack "${stack}"; expected it not set (${why}). Fix: ${forStack(`pulumi config rm ${key}`, stack)}`,
        ),
    };
}

function duplicates<T>(items: readonly T[], key: (item: T) => string): { index: number; first: number; value: string }[] {
    const seen = new Map<string, number>();
    return items.flatMap((item, index) => {
        const value = key(item);
        const first = seen.get(value);
        if (first === undefined) {
            seen.set(value, index);
            return [];
        }
        return [{ index, first, value }];
    });
}

/** Checks across a registry stack's stages. */
export function registryPromotionProblems(promotion: RegistryPromotion, environment: string, stack: string): string[] {
    const problems: string[] = [];
    const at = (i: number, field: string) => `${PROJECT}:promotion.stages[${i}].${field}`;
    for (const d of duplicates(promotion.stages, (s) => s.environment)) {
        problems.push(
            `${at(d.index, "environment")}: got ${JSON.stringify(d.value)}, already the environment of promotion.stages[${d.first}]; expected one entry per environment stack (each has its own deploy function, bus and ledger). ` +
                `Fix: ${forStack(`pulumi config set --path 'promotion.stages[${d.index}].environment' <other-environment>`, stack)}, or remove the repeated entry`,
        );
    }
    for (const d of duplicates(promotion.stages, (s) => s.accountId)) {
        problems.push(
            `${at(d.index, "accountId")}: got ${JSON.stringify(d.value)}, already the account of promotion.stages[${d.first}]; expected each environment in its own account (one forwarding rule and one default-bus policy per account; two environment stacks in one account would receive each other's events and fight over that policy). ` +
                `Fix: ${forStack(`pulumi config set --path 'promotion.stages[${d.index}].accountId' <account-id>`, stack)}`,
        );
    }
    promotion.stages.forEach((s, i) => {
        if (s.environment === environment) {
            problems.push(
                `${at(i, "environment")}: got ${JSON.stringify(s.environment)}, the environment of this registry stack itself; expected the environment of an environment stack (e.g. staging, prod). ` +
                    `Fix: ${forStack(`pulumi config set --path 'promotion.stages[${i}].environment' staging`, stack)}`,
            );
        }
    });
    // A stage's environments listed together keep the order readable: [Staging, Production, Staging] is a typo, not an order.
    const names = promotion.stages.map((s) => s.name);
    names.forEach((name, i) => {
        if (names.indexOf(name) < i && names[i - 1] !== name) {
            const first = names.indexOf(name);
            problems.push(
                `${at(i, "name")}: got ${JSON.stringify(name)} again after ${JSON.stringify(names[i - 1])} (first at promotion.stages[${first}]); expected every environment of a stage listed together, since the first appearances give the stage order ${stageOrderOf(promotion.stages).join(" → ")}. ` +
                    `Fix: move promotion.stages[${i}] next to promotion.stages[${first}] in Pulumi.${stack}.yaml, or name its own stage: ${forStack(`pulumi config set --path 'promotion.stages[${i}].name' <stage>`, stack)}`,
            );
        }
    });
    return problems;
}

/** Checks across an environment stack's promotion fields and aws:region. */
export function environmentPromotionProblems(promotion: EnvironmentPromotion, awsRegion: string | undefined, stack: string): string[] {
    const problems: string[] = [];
    for (const d of duplicates(promotion.stages, (s) => s)) {
        problems.push(
            `${PROJECT}:promotion.stages[${d.index}]: got ${JSON.stringify(d.value)}, already promotion.stages[${d.first}]; expected each stage once (the list is the order a version is promoted in). ` +
                `Fix: ${forStack(`pulumi config rm --path 'promotion.stages[${d.index}]'`, stack)}`,
        );
    }
    if (!promotion.stages.includes(promotion.stage)) {
        problems.push(
            `${PROJECT}:promotion.stage: got ${JSON.stringify(promotion.stage)}, which is not in promotion.stages ${JSON.stringify(promotion.stages)}; expected one of them (the stage order must be the registry stack's, and this stage one of it). ` +
                `Fix: ${forStack(`pulumi config set --path 'promotion.stage' ${promotion.stages[promotion.stages.length - 1]}`, stack)}, or add it where it belongs in the order: ${forStack(`pulumi config set --path 'promotion.stages[${promotion.stages.length}]' ${promotion.stage}`, stack)}`,
        );
    }
    const key = promotion.registry.artifactsKmsKeyArn;
    const [, , , region, account] = key.split(":");
    const { accountId } = promotion.registry;
    if (account !== accountId || (awsRegion !== undefined && region !== awsRegion)) {
        problems.push(
            `${PROJECT}:promotion.registry.artifactsKmsKeyArn: got ${JSON.stringify(key)}, a key of account ${account} in ${region}; expected the registry's artifacts key, in registry account ${accountId} and aws:region ${awsRegion} ` +
                `(the registry stack's exported artifactsKmsKeyArn; SageMaker reads model artifacts in its own region). ` +
                `Fix: ${forStack(`pulumi config set --path 'promotion.registry.artifactsKmsKeyArn' arn:aws:kms:${awsRegion}:${accountId}:key/<key-id>`, stack)} (pulumi stack output artifactsKmsKeyArn -s <registry stack>)`,
        );
    }
    return problems;
}

/** What only the deploying account (the credentials') can tell about a layout. */
export type AccountLayout =
    | { readonly kind: "all-in-one" }
    | { readonly kind: "registry"; readonly stages: readonly StageTarget[] }
    | { readonly kind: "environment"; readonly registry: Pick<RegistryRef, "accountId"> };

/**
 * Registry stack: it runs in the registry account, so each stage's approvers must be principals of it (IAM
 * scopes them there) and no stage may deploy into it. Environment stack: the registry must be another account.
 */
export function layoutAccountProblems(layout: AccountLayout, deployingAccountId: string, stack: string): string[] {
    if (layout.kind === "environment") {
        if (layout.registry.accountId !== deployingAccountId) return [];
        return [
            `${PROJECT}:promotion.registry.accountId: got ${JSON.stringify(layout.registry.accountId)}, the account stack "${stack}" deploys into (the current AWS credentials'); expected the registry's own, other account. ` +
                `Fix: if the credentials are the wrong account's, switch them (AWS_PROFILE) to this environment's account; if the registry and this environment share one account, use the all-in-one layout: ` +
                `${forStack("pulumi config rm promotion", stack)} and set pipeline (an all-in-one stack trains, registers and deploys in one account)`,
        ];
    }
    if (layout.kind !== "registry") return [];
    const problems: string[] = [];
    layout.stages.forEach((stage, i) => {
        if (stage.accountId === deployingAccountId) {
            problems.push(
                `${PROJECT}:promotion.stages[${i}].accountId: got ${JSON.stringify(stage.accountId)}, the registry account itself (stack "${stack}" deploys into it); expected the account of environment ${stage.environment}, another account ` +
                    `(a registry forwards events to other accounts' buses and deploys nowhere). Fix: ${forStack(`pulumi config set --path 'promotion.stages[${i}].accountId' <account-of-${stage.environment}>`, stack)}, ` +
                    `or, for one account, the all-in-one layout: ${forStack("pulumi config rm promotion", stack)} and set endpoint`,
            );
        }
        stage.approverArns.forEach((arn, j) => {
            const account = principalAccount(arn);
            if (account === deployingAccountId) return;
            problems.push(
                `${PROJECT}:promotion.stages[${i}].approvers[${j}]: got ${JSON.stringify(arn)}, a principal of account ${account}; expected a principal of the registry account ${deployingAccountId} (stack "${stack}"'s, the current credentials'), ` +
                    `where the versions are approved (IAM scopes each stage's approvers by sagemaker:ModelLifeCycle:stage there; environment accounts' principals cannot update the registry's versions). ` +
                    `Fix: if ${deployingAccountId} is the wrong account, switch credentials (AWS_PROFILE); otherwise ${forStack(`pulumi config set --path 'promotion.stages[${i}].approvers[${j}]' arn:aws:iam::${deployingAccountId}:role/<${stage.name.toLowerCase()}-approver>`, stack)}`,
            );
        });
    });
    return problems;
}
