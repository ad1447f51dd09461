/**
 * The only reader of `pulumi.Config` in this program.
 *
 * `loadStackConfig()` reads the stack's config, validates every key with zod and returns one typed
 * `StackConfig`. Everything else in `infra/` takes typed arguments. A bad or missing value throws a
 * `ConfigError` before any resource is declared; its message names the key, the value, what is
 * expected and the `pulumi config set` command that fixes it.
 */
// Sub-modules, not "@pulumi/pulumi": the approvals CLI loads this file, and the package's index costs it
// 0.7 CPU-seconds per start (automation API, npm and sigstore clients) for three names.
import { Config } from "@pulumi/pulumi/config";
import { RunError } from "@pulumi/pulumi/errors";
import { getStack } from "@pulumi/pulumi/metadata";
import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";
import { smokeTestSchema } from "./lib/smokeTestConfig";
import { BUILTIN_IMAGES, builtinImageInRegion, builtinImageUri, ecrDomain, parseEcrImageUri } from "./pipeline/builtinImages";
import { DEFAULT_APPROVAL_GATE_CONFIG } from "../policies/lib/gateConfig";
import { matchesPattern } from "../policies/lib/environment";
import { awsAccountId, entityName, environmentName, forStack, iamPrincipalArn, MAX_ENVIRONMENT_LENGTH, principalAccount, PROJECT } from "./configFields";
import {
    environmentPromotionProblems,
    environmentPromotionSchema,
    layoutAccountProblems,
    layoutKeyProblems,
    layoutKind,
    PROMOTION_NESTED_EXAMPLES,
    registryArtifactsBucketName,
    registryPromotionProblems,
    registryPromotionSchema,
    stageOrderOf,
    type LayoutKind,
    type RegistryRef,
    type StageTarget,
} from "./promotionConfig";

export { MAX_ENVIRONMENT_LENGTH, PROJECT };
export type { LayoutKind, RegistryRef, StageTarget };

/** The comparisons a SageMaker Condition step supports for numbers. */
export const METRIC_COMPARISONS = [
    "GreaterThanOrEqualTo",
    "GreaterThan",
    "LessThanOrEqualTo",
    "LessThan",
] as const;
export type MetricComparison = (typeof METRIC_COMPARISONS)[number];

const s3Uri = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, "an S3 URI, e.g. s3://my-bucket/abalone/abalone.csv");
const ecrImage = z
    .string()
    .regex(
        /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._\/-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/,
        "an ECR image URI with a tag or digest, e.g. 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    );
const instanceType = z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, "a SageMaker instance type, e.g. ml.m5.xlarge");
const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "an email address, e.g. ml-approvers@example.com");
const resourceName = entityName("churn-models");

/** UpdateEndpoint's DeploymentConfig.AutoRollbackConfiguration.Alarms takes 1 to 10 alarms (SageMaker API reference). */
export const MAX_ROLLBACK_ALARMS = 10;
/** The stack's own endpoint alarms (5xx, latency), always in the rollback list. */
export const STACK_ROLLBACK_ALARMS = 2;
export const MAX_CONFIGURED_ROLLBACK_ALARMS = MAX_ROLLBACK_ALARMS - STACK_ROLLBACK_ALARMS;
/** PutMetricAlarm's AlarmName: 1 to 255 characters. */
export const MAX_ALARM_NAME_LENGTH = 255;
/** AWS resources take at most 50 tags; the stack adds `project` and `environment`. */
export const MAX_USER_TAGS = 48;
/** Tag keys the stack sets itself (lib/naming standardTags). */
const STACK_TAG_KEYS = ["project", "environment"];

/**
 * Regions `aws:region` may name: the values of @pulumi/aws's `Region` enum (every region the provider
 * knows, all partitions).
 */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

const metricSchema = z
    .object({
        /** Human name of the metric, used in messages. */
        name: z.string().min(1, "a metric name, e.g. mse"),
        /** JSON path inside evaluation.json, as SageMaker's Std:JsonGet reads it. */
        jsonPath: z
            .string()
            .regex(/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*|\[\d+\])*$/, "a dotted JSON path, e.g. regression_metrics.mse.value"),
        comparison: z.enum(METRIC_COMPARISONS),
        threshold: z.number().finite(),
    })
    .strict();

const pipelineSchema = z
    .object({
        inputDataS3Uri: s3Uri,
        // Default: the sample's built-in images in the stack's aws:region (infra/pipeline/builtinImages.ts).
        processingImageUri: ecrImage.optional(),
        trainingImageUri: ecrImage.optional(),
        processingInstanceType: instanceType.default("ml.m5.xlarge"),
        trainingInstanceType: instanceType.default("ml.m5.xlarge"),
        inferenceInstanceTypes: z.array(instanceType).min(1).default(["ml.m5.large", "ml.m5.xlarge"]),
        metric: metricSchema,
    })
    .strict();

const approverFields = {
    emails: z.array(email).default([]),
    principalArns: z.array(iamPrincipalArn).min(1, "at least one approver role ARN"),
    /** Attach the approver policies to these roles/users (of this account); false when another stack manages them. */
    attachPolicy: z.boolean().default(true),
};
const approversSchema = z.object(approverFields).strict();
// With promotion, each stage names its own approvers (registry) and an environment needs none to deploy.
const promotionApproversSchema = z
    .object({ ...approverFields, principalArns: z.array(iamPrincipalArn).default([]) })
    .strict()
    .prefault({});

const endpointSchema = z
    .object({
        instanceType: instanceType.default("ml.m5.large"),
        initialInstanceCount: z.number().int().min(1).max(100).default(1),
        /** Existing CloudWatch alarms that roll a blue/green update back, in addition to the stack's own. */
        // CloudWatch alarm names are 1-255 characters; SageMaker takes at most 10 rollback alarms, 2 of them the stack's own.
        rollbackAlarmNames: z
            .array(z.string().min(1).max(MAX_ALARM_NAME_LENGTH))
            .max(MAX_CONFIGURED_ROLLBACK_ALARMS, `at most ${MAX_CONFIGURED_ROLLBACK_ALARMS} alarms (UpdateEndpoint takes ${MAX_ROLLBACK_ALARMS}, ${STACK_ROLLBACK_ALARMS} are the stack's own; combine more into a composite alarm)`)
            .default([]),
        /** Seconds the new fleet bakes behind the alarms before the old fleet is torn down. */
        terminationWaitSeconds: z.number().int().min(0).max(3600).default(300),
    })
    .strict();

const detectiveControlSchema = z
    .object({
        /** Watch CloudTrail for out-of-band SageMaker changes. Defaults to the stack's `production`. */
        enabled: z.boolean().optional(),
        /** Principals besides the approvers allowed to update this group's packages (e.g. a smoke-test role that rejects). */
        packageUpdaterArns: z.array(iamPrincipalArn).default([]),
    })
    .strict();

const commonFields = {
    environment: environmentName,
    /** An environment other than the stack name must be chosen on purpose (names and groups are shared). */
    environmentDiffersFromStack: z.boolean().default(false),
    production: z.boolean(),
    modelPackageGroupName: resourceName,
};
/** Checked after the layout's own keys, as before promotion existed (the order problems are reported in). */
const trailingFields = {
    consumerAccountIds: z.array(awsAccountId).default([]),
    // Issue 11: alarm on SageMaker changes that bypassed the gate (docs/detective-control.md); enabled defaults to `production`.
    detectiveControl: detectiveControlSchema.prefault({}),
    // Issue 11: the post-deploy smoke test (infra/lib/smokeTestConfig.ts).
    smokeTest: smokeTestSchema.prefault({}),
    // `cost-center: 1234` in YAML is a number; a tag value is its text.
    tags: z
        .record(
            z
                .string()
                .min(1)
                .max(128)
                .refine((key) => !/^aws:/i.test(key), "a tag key that does not start with aws: (AWS reserves it), e.g. team")
                .refine((key) => !STACK_TAG_KEYS.includes(key), "a tag key other than project and environment (the stack sets those), e.g. team"),
            z.preprocess((value) => (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean" ? String(value) : value, z.string().max(256)),
        )
        .refine((tags) => Object.keys(tags).length <= MAX_USER_TAGS, `at most ${MAX_USER_TAGS} tags (AWS takes 50 per resource; the stack sets project and environment)`)
        .default({}),
};

// prefault: an absent endpoint is parsed as {}, so the defaults come from endpointSchema alone.
const endpointField = endpointSchema.prefault({});

/** One schema per layout (infra/promotionConfig.ts): each has only the keys its layout owns. */
const LAYOUT_SCHEMAS = {
    "all-in-one": z.object({ ...commonFields, pipeline: pipelineSchema, approvers: approversSchema, endpoint: endpointField, ...trailingFields }).strict(),
    registry: z.object({ ...commonFields, pipeline: pipelineSchema, approvers: promotionApproversSchema, ...trailingFields, promotion: registryPromotionSchema }).strict(),
    environment: z.object({ ...commonFields, approvers: promotionApproversSchema, endpoint: endpointField, ...trailingFields, promotion: environmentPromotionSchema }).strict(),
} as const;

/** Every key of any layout, in the order they are checked. */
const allKeysSchema = z.object({
    ...commonFields,
    pipeline: pipelineSchema,
    approvers: approversSchema,
    endpoint: endpointField,
    ...trailingFields,
    promotion: z.unknown(),
});
type ParsedConfig = z.infer<typeof allKeysSchema>;
type ParsedCommon = z.infer<z.ZodObject<typeof commonFields & typeof trailingFields>>;

export type PipelineSettings = z.infer<typeof pipelineSchema> & { readonly processingImageUri: string; readonly trainingImageUri: string };
export type MetricGate = PipelineSettings["metric"];
export type ApproverSettings = z.infer<typeof approversSchema>;
export type EndpointSettings = z.infer<typeof endpointSchema>;

/** No `promotion`: pipeline, group and deployer in one account (the default; `dev`). */
export interface AllInOneLayout {
    readonly kind: "all-in-one";
    readonly pipeline: PipelineSettings;
    readonly endpoint: EndpointSettings;
}
/** `promotion.stages`: the shared account that trains and holds the group, promoting to the stages' accounts. */
export interface RegistryLayout {
    readonly kind: "registry";
    readonly pipeline: PipelineSettings;
    /** In config order; several environments may share a stage. */
    readonly stages: readonly StageTarget[];
    /** The distinct stage names in first-appearance order. */
    readonly stageOrder: readonly string[];
}
/** `promotion.stage` + `promotion.registry`: deploys its stage's versions from the registry's group. */
export interface EnvironmentLayout {
    readonly kind: "environment";
    readonly endpoint: EndpointSettings;
    readonly stage: string;
    readonly stageOrder: readonly string[];
    readonly registry: RegistryRef;
}
/** Each layout carries what it owns, so `switch (config.layout.kind)` narrows to it. */
export type Layout = AllInOneLayout | RegistryLayout | EnvironmentLayout;

/** The validated config. `pipeline` and `endpoint` live in `layout`: not every layout has them. */
export type StackConfig = ParsedCommon & {
    /** `aws:region`, checked against AWS_REGIONS. */
    readonly awsRegion: string;
    /** principalArns may be empty with promotion (stages name their approvers). */
    readonly approvers: ApproverSettings;
    readonly layout: Layout;
};

/** The layout, when it is `kind`; throws otherwise (for code that serves one layout only, and tests). */
export function layoutOf<K extends LayoutKind>(config: Pick<StackConfig, "layout">, kind: K): Extract<Layout, { kind: K }> {
    if (config.layout.kind !== kind) throw new Error(`expected a ${kind} stack, got a ${config.layout.kind} stack`);
    return config.layout as Extract<Layout, { kind: K }>;
}

/**
 * Whether the detective control is on: `detectiveControl.enabled` when set, else the stack's `production`; a registry
 * stack defaults to on whatever its `production`, since every stage's versions, production's included, are approved
 * and marked there (docs/detective-control.md "Where it runs").
 */
export function detectiveControlEnabled(config: Pick<StackConfig, "production" | "detectiveControl"> & { readonly layout?: Pick<Layout, "kind"> }): boolean {
    return config.detectiveControl.enabled ?? (config.production || config.layout?.kind === "registry");
}

/** Raw values as they come out of the stack config, before validation. */
export type RawStackConfig = { [K in keyof ParsedConfig]?: unknown };

/** The keys this program reads, in the order they are checked. */
export const CONFIG_KEYS: readonly (keyof ParsedConfig)[] = Object.keys(allKeysSchema.shape) as (keyof ParsedConfig)[];

/** What a good value looks like, per top-level key, for the `pulumi config set` hint (`-s <stack>` is added). */
const EXAMPLES: Record<keyof ParsedConfig, string> = {
    environment: "pulumi config set environment dev",
    environmentDiffersFromStack: "pulumi config set environmentDiffersFromStack true",
    production: "pulumi config set production false",
    modelPackageGroupName: "pulumi config set modelPackageGroupName churn-dev",
    pipeline: "pulumi config set --path 'pipeline.metric.threshold' 3.0",
    approvers: "pulumi config set --path 'approvers.principalArns[0]' arn:aws:iam::123456789012:role/ml-approver",
    endpoint: "pulumi config set --path 'endpoint.instanceType' ml.m5.large",
    consumerAccountIds: "pulumi config set --path 'consumerAccountIds[0]' 210987654321",
    detectiveControl: "pulumi config set --path 'detectiveControl.enabled' true",
    smokeTest: "pulumi config set --path 'smokeTest.onFailure' alert",
    tags: "pulumi config set --path 'tags.team' ml-platform",
    promotion: "pulumi config set --path 'promotion.stage' Production",
};

/**
 * A configuration problem that a person must fix; its message is the whole story. A `pulumi.RunError`, so
 * `pulumi up`/`preview` print the message alone: for any other Error thrown while the program loads, the
 * Pulumi Node.js host prints "failed with an unhandled exception" and the stack trace
 * (`@pulumi/pulumi/cmd/run/run.js`, uncaughtHandler).
 */
export class ConfigError extends RunError {
    constructor(readonly problems: readonly string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function formatPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), "");
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
    let current: unknown = raw;
    for (const part of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<PropertyKey, unknown>)[part as string];
    }
    return current;
}

function describeValue(value: unknown): string {
    if (value === undefined) return "nothing (the key is not set)";
    if (typeof value === "number" && !Number.isFinite(value)) return String(value);
    return JSON.stringify(value);
}

/**
 * Fixes for nested keys whose expectation carries no "e.g.": path with array indices as [0] → the
 * `--path` to set and a good value.
 */
const NESTED_EXAMPLES: Record<string, [string, string]> = {
    "pipeline.inferenceInstanceTypes": ["pipeline.inferenceInstanceTypes[0]", "ml.m5.large"],
    "pipeline.metric": ["pipeline.metric.jsonPath", "regression_metrics.mse.value"],
    "pipeline.metric.comparison": ["pipeline.metric.comparison", "LessThanOrEqualTo"],
    "pipeline.metric.threshold": ["pipeline.metric.threshold", "3.0"],
    "approvers.attachPolicy": ["approvers.attachPolicy", "false"],
    "approvers.emails": ["approvers.emails[0]", "ml-approvers@example.com"],
    "endpoint.initialInstanceCount": ["endpoint.initialInstanceCount", "1"],
    "endpoint.terminationWaitSeconds": ["endpoint.terminationWaitSeconds", "300"],
    "endpoint.rollbackAlarmNames": ["endpoint.rollbackAlarmNames[0]", "my-endpoint-5xx"],
    "endpoint.rollbackAlarmNames[0]": ["endpoint.rollbackAlarmNames[0]", "my-endpoint-5xx"],
    "detectiveControl.enabled": ["detectiveControl.enabled", "true"],
};

/**
 * A missing whole object gets every command that builds it (its required keys), not one of its keys.
 * Joined with `&&`; the same values can go into Pulumi.<stack>.yaml instead.
 */
const WHOLE_OBJECT_FIXES: Partial<Record<keyof ParsedConfig, readonly string[]>> = {
    pipeline: [
        "pulumi config set --path 'pipeline.inputDataS3Uri' s3://sagemaker-sample-files/datasets/tabular/uci_abalone/abalone.csv",
        "pulumi config set --path 'pipeline.metric.name' mse",
        "pulumi config set --path 'pipeline.metric.jsonPath' regression_metrics.mse.value",
        "pulumi config set --path 'pipeline.metric.comparison' LessThanOrEqualTo",
        "pulumi config set --path 'pipeline.metric.threshold' 6.0",
    ],
    approvers: ["pulumi config set --path 'approvers.principalArns[0]' arn:aws:iam::123456789012:role/ml-approver"],
};

function exampleFor(issue: z.core.$ZodIssue, expected: string, stack: string, value: unknown, kind: LayoutKind): string {
    const path = issue.path as PropertyKey[];
    const top = String(path[0]) as keyof ParsedConfig;
    const whole = WHOLE_OBJECT_FIXES[top];
    if (path.length === 1 && value === undefined && whole) {
        return `${whole.map((command) => forStack(command, stack)).join(" && ")} (or the same keys under ${PROJECT}:${top} in Pulumi.${stack}.yaml)`;
    }
    if (issue.code === "too_big" && issue.origin === "array") {
        const dotted = formatPath(path);
        return `${forStack(`pulumi config rm --path '${dotted}[${issue.maximum}]'`, stack)} (once per extra item), or combine alarms into one composite alarm and list that`;
    }
    const eg = expected.match(/e\.g\. (\S+)$/);
    if (path.length > 1 && eg) return forStack(`pulumi config set --path '${formatPath(path)}' ${eg[1]}`, stack);
    if (path.length === 1 && eg) return forStack(`pulumi config set ${top} ${eg[1]}`, stack);
    const normalized = formatPath(path.map((part) => (typeof part === "number" ? 0 : part)));
    const nested = NESTED_EXAMPLES[normalized] ?? PROMOTION_NESTED_EXAMPLES[kind][normalized];
    if (nested) {
        // The example's [0]s take the issue's own indices, in order (promotion.stages[2].approvers → stages[2]).
        const indices = path.filter((part): part is number => typeof part === "number");
        let i = 0;
        const at = nested[0].replace(/\[0\]/g, () => `[${i < indices.length ? indices[i++] : 0}]`);
        return forStack(`pulumi config set --path '${at}' ${nested[1]}`, stack);
    }
    return forStack(EXAMPLES[top] ?? `pulumi config set ${formatPath(path)} <value>`, stack);
}

function describeIssue(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type": {
            const noun = ({ int: "whole number", record: "map of names to values", array: "list" } as Record<string, string>)[issue.expected] ?? issue.expected;
            return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
        }
        case "too_small":
        case "too_big": {
            const bound = issue.code === "too_small" ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
            const unit = issue.origin === "array" ? " item(s)" : issue.origin === "string" ? " character(s)" : "";
            // Custom messages (e.g. "at least one approver role ARN") already say it best.
            return /^Too (small|big)/.test(issue.message) ? `${issue.origin === "array" ? "a list of " : ""}${bound}${unit}` : issue.message;
        }
        case "invalid_value":
            return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        default:
            return issue.message;
    }
}

function schemaProblems(issues: readonly z.core.$ZodIssue[], input: unknown, stack: string, kind: LayoutKind): string[] {
    return issues.flatMap((issue) => {
        const path = issue.path as PropertyKey[];
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((unknownKey) => {
                const keyPath = formatPath([...path, unknownKey]);
                return `${PROJECT}:${keyPath}: is not a setting this program reads (check its spelling against Pulumi.yaml). Fix: ${forStack(`pulumi config rm ${path.length ? `--path '${keyPath}'` : keyPath}`, stack)}`;
            });
        }
        const key = `${PROJECT}:${formatPath(path)}`;
        if (issue.code === "invalid_key") {
            const expected = issue.issues.map((inner) => inner.message).join("; ");
            const keyed = formatPath([...path.slice(0, -1), expected.match(/e\.g\. (\S+)$/)?.[1] ?? "<key>"]);
            const value = JSON.stringify(valueAt(input, path) ?? "<value>");
            return [
                `${key}: got ${JSON.stringify(path[path.length - 1])}; expected ${expected}. Fix: ${forStack(`pulumi config rm --path '${formatPath(path)}'`, stack)}, ` +
                    `then set the value under another key: ${forStack(`pulumi config set --path '${keyed}' ${value}`, stack)}`,
            ];
        }
        const expected = describeIssue(issue);
        const value = valueAt(input, path);
        return [`${key}: got ${describeValue(value)}; expected ${expected}. Fix: ${exampleFor(issue, expected, stack, value, kind)}`];
    });
}

/**
 * `aws:region` must be set in the stack's own config. The AWS provider would also take AWS_REGION or
 * AWS_DEFAULT_REGION from the shell, but then the same stack deploys wherever the shell points, and the
 * images and the policy pack's lookups could disagree with it; so the environment does not count.
 */
export function regionProblems(awsRegion: unknown, stack: string): string[] {
    const fix = `${forStack("pulumi config set aws:region us-east-1", stack)} (any of ${AWS_REGIONS.length} regions @pulumi/aws knows, e.g. eu-west-1, ap-southeast-2; AWS_REGION/AWS_DEFAULT_REGION in the shell do not count: the stack file must say where it deploys)`;
    if (awsRegion === undefined || awsRegion === "") return [`aws:region: got nothing (the key is not set); expected the region this stack deploys into. Fix: ${fix}`];
    if (typeof awsRegion !== "string" || !AWS_REGIONS.includes(awsRegion)) {
        return [`aws:region: got ${describeValue(awsRegion)}; expected an AWS region name. Fix: ${fix}`];
    }
    return [];
}

/** Image URIs must be in aws:region; the built-in ones follow it when not set. */
function resolveImages(pipeline: z.infer<typeof pipelineSchema>, region: string, stack: string): { images?: { processingImageUri: string; trainingImageUri: string }; problems: string[] } {
    const problems: string[] = [];
    const resolved: Record<"processingImageUri" | "trainingImageUri", string | undefined> = { processingImageUri: undefined, trainingImageUri: undefined };
    for (const [key, builtin] of [["processingImageUri", BUILTIN_IMAGES.processing], ["trainingImageUri", BUILTIN_IMAGES.training]] as const) {
        const configured = pipeline[key];
        const field = `${PROJECT}:pipeline.${key}`;
        if (configured === undefined) {
            const uri = builtinImageUri(builtin, region);
            if (uri) resolved[key] = uri;
            else
                problems.push(
                    `${field}: got nothing (the key is not set) and there is no built-in ${builtin.repository}:${builtin.tag} image known in ${region}; expected an ECR image URI in ${region}. Fix: ${forStack(`pulumi config set --path 'pipeline.${key}' <account>.dkr.ecr.${region}.${ecrDomain(region)}/<repository>:<tag>`, stack)}`,
                );
            continue;
        }
        const image = parseEcrImageUri(configured)!;
        if (image.region !== region || image.domain !== ecrDomain(region)) {
            const sameBuiltin = builtinImageInRegion(configured, region);
            const fix = sameBuiltin
                ? forStack(`pulumi config set --path 'pipeline.${key}' ${sameBuiltin}`, stack) + ` (the same built-in image in ${region}), or pulumi config rm --path 'pipeline.${key}' -s ${stack} to use the sample's default`
                : `push or replicate the image to ECR in ${region}, then ${forStack(`pulumi config set --path 'pipeline.${key}' <account>.dkr.ecr.${region}.${ecrDomain(region)}/${image.repositoryAndReference}`, stack)}`;
            problems.push(`${field}: got ${JSON.stringify(configured)}, an image in ${image.region}; expected an image in aws:region ${region} (SageMaker jobs pull from their own region only). Fix: ${fix}`);
            continue;
        }
        resolved[key] = configured;
    }
    const { processingImageUri, trainingImageUri } = resolved;
    return { images: processingImageUri && trainingImageUri ? { processingImageUri, trainingImageUri } : undefined, problems };
}

/** Checks across keys and against the stack name: what a schema of one key cannot see. */
function stackNameProblems(parsed: ParsedCommon, raw: RawStackConfig, stack: string): string[] {
    const problems: string[] = [];
    if (raw.environment !== undefined && parsed.environment !== stack && !parsed.environmentDiffersFromStack) {
        problems.push(
            `${PROJECT}:environment: got ${JSON.stringify(parsed.environment)} in stack "${stack}"; expected the stack name, or a different one chosen on purpose ` +
                `(every resource name, the model package group and the tags carry it, so a copied stack file would collide with stack "${parsed.environment}" in a shared account). ` +
                `Fix: ${forStack("pulumi config rm environment", stack)} (the stack name is the default; also give modelPackageGroupName a name of its own, now ${JSON.stringify(parsed.modelPackageGroupName)}), ` +
                `or, to keep "${parsed.environment}" on purpose, ${forStack("pulumi config set environmentDiffersFromStack true", stack)}`,
        );
    }
    const pattern = [stack, parsed.environment]
        .map((name) => ({ name, pattern: DEFAULT_APPROVAL_GATE_CONFIG.productionStackPatterns.find((p) => matchesPattern(name, p)) }))
        .find((hit) => hit.pattern !== undefined);
    if (!parsed.production && pattern) {
        problems.push(
            `${PROJECT}:production: got false in stack "${stack}" (environment "${parsed.environment}"); expected true, because "${pattern.name}" matches the production name pattern "${pattern.pattern}" and the policy pack treats this stack as production whatever this key says. ` +
                `Fix: ${forStack("pulumi config set production true", stack)}, or deploy a non-production environment under a stack name that is not a production name (e.g. dev, staging)`,
        );
    }
    return problems;
}

/**
 * Validates raw config values. Pure: tests call it directly with the values a stack file would hold.
 * `stack` fills `environment` when it is not set; `awsRegion` is the stack's `aws:region`.
 */
export function parseStackConfig(raw: RawStackConfig, stack: string, awsRegion: unknown): StackConfig {
    const kind = layoutKind(raw.promotion);
    const all: Record<string, unknown> = { environment: stack, ...dropUndefined(raw) };
    // Keys the layout does not own get their own message and are kept from the schema, which would only say "not a setting".
    const { problems: refusedProblems, refused } = layoutKeyProblems(kind, all, stack);
    const input = Object.fromEntries(Object.entries(all).filter(([key]) => !refused.includes(key)));
    const result = parseLayout(kind, input);
    const regionIssues = regionProblems(awsRegion, stack);
    const problems = [...regionIssues, ...refusedProblems];
    const regionKnown = regionIssues.length === 0;
    if (!result.success) throw new ConfigError([...problems, ...schemaProblems(result.issues, input, stack, kind)]);
    const parsed = result.parsed;
    problems.push(...stackNameProblems(parsed.config, raw, stack));
    const region = regionKnown ? (awsRegion as string) : undefined;
    if (parsed.kind === "registry") problems.push(...registryPromotionProblems(parsed.config.promotion, parsed.config.environment, stack));
    if (parsed.kind === "environment") problems.push(...environmentPromotionProblems(parsed.config.promotion, region, stack));
    // Images are judged against the region only once the region itself is good.
    if (region === undefined) throw new ConfigError(problems);
    const layout = buildLayout(parsed, region, stack, problems);
    if (problems.length > 0 || !layout) throw new ConfigError(problems);
    const { environment, environmentDiffersFromStack, production, modelPackageGroupName, consumerAccountIds, detectiveControl, smokeTest, tags, approvers } = parsed.config;
    return { environment, environmentDiffersFromStack, production, modelPackageGroupName, consumerAccountIds, detectiveControl, smokeTest, tags, approvers, awsRegion: region, layout };
}

type Parsed<K extends LayoutKind> = z.infer<(typeof LAYOUT_SCHEMAS)[K]>;
type ParsedByLayout = { kind: "all-in-one"; config: Parsed<"all-in-one"> } | { kind: "registry"; config: Parsed<"registry"> } | { kind: "environment"; config: Parsed<"environment"> };

function parseLayout(kind: LayoutKind, input: unknown): { success: true; parsed: ParsedByLayout } | { success: false; issues: readonly z.core.$ZodIssue[] } {
    const result = LAYOUT_SCHEMAS[kind].safeParse(input);
    if (!result.success) return { success: false, issues: result.error.issues };
    return { success: true, parsed: { kind, config: result.data } as ParsedByLayout };
}

/** The layout with what it owns; undefined (with problems added) when the pipeline's images do not resolve. */
function buildLayout(parsed: ParsedByLayout, region: string, stack: string, problems: string[]): Layout | undefined {
    if (parsed.kind === "environment") {
        const { stage, stages, registry } = parsed.config.promotion;
        return {
            kind: "environment",
            endpoint: parsed.config.endpoint,
            stage,
            stageOrder: stages,
            registry: { ...registry, artifactsBucketName: registryArtifactsBucketName(registry.environment, registry.accountId) },
        };
    }
    const { images, problems: imageProblems } = resolveImages(parsed.config.pipeline, region, stack);
    problems.push(...imageProblems);
    if (!images) return undefined;
    const pipeline = { ...parsed.config.pipeline, ...images };
    if (parsed.kind === "all-in-one") return { kind: "all-in-one", pipeline, endpoint: parsed.config.endpoint };
    const { stages } = parsed.config.promotion;
    return {
        kind: "registry",
        pipeline,
        stages: stages.map((s) => ({ name: s.name, environment: s.environment, accountId: s.accountId, approverArns: s.approvers })),
        stageOrder: stageOrderOf(stages),
    };
}

function dropUndefined(raw: RawStackConfig): RawStackConfig {
    return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
}

/**
 * The approver roles/users this stack attaches policies to, that are not in the deploying account.
 * IAM attaches by name within the caller's account only: a principal of another account fails with
 * NoSuchEntity, or hits a same-named role there whose `aws:PrincipalArn` condition then matches nothing.
 * Approvers of all one other account also mean the credentials may be the wrong account's.
 */
export function approverAccountProblems(config: Pick<StackConfig, "approvers">, deployingAccountId: string, stack: string): string[] {
    if (!config.approvers.attachPolicy) return [];
    return config.approvers.principalArns.flatMap((arn, index) => {
        const account = principalAccount(arn);
        if (account === deployingAccountId) return [];
        return [
            `${PROJECT}:approvers.principalArns[${index}]: got ${JSON.stringify(arn)}, a principal of account ${account}, but stack "${stack}" deploys into account ${deployingAccountId} ` +
                `(the account of the current AWS credentials), and IAM can attach the approver policies only to roles and users of that account. ` +
                `Fix: if ${deployingAccountId} is the wrong account, switch credentials (AWS_PROFILE) to account ${account}; otherwise name an approver of account ${deployingAccountId}: ` +
                `${forStack(`pulumi config set --path 'approvers.principalArns[${index}]' arn:aws:iam::${deployingAccountId}:role/<approver-role>`, stack)}, ` +
                `or, when account ${account} manages its approvers' policies, ${forStack("pulumi config set --path 'approvers.attachPolicy' false", stack)} and attach the exported approverPolicyArn there`,
        ];
    });
}

/** Throws a ConfigError when an approver to attach is not in the deploying account. */
export function assertApproversInDeployingAccount(config: Pick<StackConfig, "approvers">, deployingAccountId: string, stack: string): void {
    const problems = approverAccountProblems(config, deployingAccountId, stack);
    if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Everything only the deploying account (the credentials') can tell: the approvers to attach are in it,
 * and the layout fits it (infra/promotionConfig.ts layoutAccountProblems). A ConfigError otherwise.
 */
export function assertDeployingAccount(config: Pick<StackConfig, "approvers" | "layout">, deployingAccountId: string, stack: string): void {
    const problems = [...approverAccountProblems(config, deployingAccountId, stack), ...layoutAccountProblems(config.layout, deployingAccountId, stack)];
    if (problems.length > 0) throw new ConfigError(problems);
}

/** Reads and validates this stack's config. The only place `pulumi.Config` is used. */
export function loadStackConfig(): StackConfig {
    const config = new Config(PROJECT);
    const stack = getStack();
    const raw: RawStackConfig = {};
    const problems: string[] = [];
    for (const key of CONFIG_KEYS) {
        try {
            // getObject parses JSON for structured keys and returns plain strings for scalars
            // only when they are not JSON; read scalars as strings and let zod coerce below.
            raw[key] = key === "environment" || key === "modelPackageGroupName" ? config.get(key) : config.getObject(key);
        } catch (err) {
            // A scalar that is not JSON (e.g. production: yes) goes to the schema as the string it is, which
            // then says what the key expects.
            if (key === "production" || key === "environmentDiffersFromStack") {
                raw[key] = config.get(key);
                continue;
            }
            problems.push(
                `${PROJECT}:${key}: got ${JSON.stringify(config.get(key))}, which is not valid JSON/YAML; expected structured config. Fix: ${forStack(EXAMPLES[key], stack)}`,
            );
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return parseStackConfig(raw, stack, new Config("aws").get("region"));
}
