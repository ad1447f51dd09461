/**
 * The only reader of `pulumi.Config` in this program.
 *
 * `loadStackConfig()` reads the stack's config, validates every key with zod and returns one typed
 * `StackConfig`. Everything else in `infra/` takes typed arguments. A bad or missing value throws a
 * `ConfigError` before any resource is declared; its message names the key, the value, what is
 * expected and the `pulumi config set` command that fixes it.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

export const PROJECT = "sagemaker-approval-gate";

/** The comparisons a SageMaker Condition step supports for numbers. */
export const METRIC_COMPARISONS = [
    "GreaterThanOrEqualTo",
    "GreaterThan",
    "LessThanOrEqualTo",
    "LessThan",
] as const;
export type MetricComparison = (typeof METRIC_COMPARISONS)[number];

// YAML (and `pulumi config set --path`) turn an unquoted account ID into a number; take it back as the
// string it is. One that had leading zeros loses digits and is rejected below.
const awsAccountId = z.preprocess(
    (value) => (typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? String(value) : value),
    z.string().regex(/^\d{12}$/, "a 12-digit AWS account ID, e.g. 123456789012"),
);
const s3Uri = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, "an S3 URI, e.g. s3://my-bucket/abalone/abalone.csv");
const ecrImage = z
    .string()
    .regex(
        /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._\/-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/,
        "an ECR image URI with a tag or digest, e.g. 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    );
const instanceType = z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, "a SageMaker instance type, e.g. ml.m5.xlarge");
const iamPrincipalArn = z
    .string()
    .regex(
        /^arn:aws[a-z-]*:(iam::\d{12}:(role|user)\/[\w+=,.@\/-]+|sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+)$/,
        "an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/ml-approver",
    );
const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "an email address, e.g. ml-approvers@example.com");
const resourceName = z
    .string()
    .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, "1-63 letters, digits or hyphens, starting with a letter or digit, e.g. churn-models");

/** Longest environment name whose artifacts bucket name still fits S3's 63 characters. */
export const MAX_ENVIRONMENT_LENGTH = 17;

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
        processingImageUri: ecrImage,
        trainingImageUri: ecrImage,
        processingInstanceType: instanceType.default("ml.m5.xlarge"),
        trainingInstanceType: instanceType.default("ml.m5.xlarge"),
        inferenceInstanceTypes: z.array(instanceType).min(1).default(["ml.m5.large", "ml.m5.xlarge"]),
        metric: metricSchema,
    })
    .strict();

const approversSchema = z
    .object({
        emails: z.array(email).default([]),
        principalArns: z.array(iamPrincipalArn).min(1, "at least one approver role ARN"),
        /** Attach the approver policies to these roles/users (of this account); false when another stack manages them. */
        attachPolicy: z.boolean().default(true),
    })
    .strict();

const endpointSchema = z
    .object({
        instanceType: instanceType.default("ml.m5.large"),
        initialInstanceCount: z.number().int().min(1).max(100).default(1),
        /** Existing CloudWatch alarms that roll a blue/green update back, in addition to the stack's own. */
        rollbackAlarmNames: z.array(z.string().min(1)).default([]),
        /** Seconds the new fleet bakes behind the alarms before the old fleet is torn down. */
        terminationWaitSeconds: z.number().int().min(0).max(3600).default(300),
    })
    .strict();

const stackConfigSchema = z
    .object({
        // Names embed it: sagemaker-approval-gate-<env>-training-<account id> must fit S3's 63 characters.
        environment: z
            .string()
            // No two hyphens in a row: "--" separates the environment from deploy-approved's run-time names, which keeps IAM patterns from matching a longer environment's (infra/lib/naming.ts).
            .regex(new RegExp(`^(?=.{1,${MAX_ENVIRONMENT_LENGTH}}$)[a-z0-9](-?[a-z0-9])*$`), `1-${MAX_ENVIRONMENT_LENGTH} lower-case letters, digits or hyphens (bucket names embed it), no two hyphens in a row, e.g. staging`),
        production: z.boolean(),
        modelPackageGroupName: resourceName,
        pipeline: pipelineSchema,
        approvers: approversSchema,
        // prefault: an absent endpoint is parsed as {}, so the defaults come from endpointSchema alone.
        endpoint: endpointSchema.prefault({}),
        consumerAccountIds: z.array(awsAccountId).default([]),
        // `cost-center: 1234` in YAML is a number; a tag value is its text.
        tags: z
            .record(
                z.string().min(1).max(128),
                z.preprocess((value) => (typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean" ? String(value) : value, z.string().max(256)),
            )
            .default({}),
    })
    .strict();

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type PipelineSettings = StackConfig["pipeline"];
export type MetricGate = PipelineSettings["metric"];
export type ApproverSettings = StackConfig["approvers"];
export type EndpointSettings = StackConfig["endpoint"];

/** Raw values as they come out of the stack config, before validation. */
export type RawStackConfig = { [K in keyof StackConfig]?: unknown };

/** The keys this program reads, in the order they are checked. */
export const CONFIG_KEYS: readonly (keyof StackConfig)[] = Object.keys(stackConfigSchema.shape) as (keyof StackConfig)[];

/** What a good value looks like, per top-level key, for the `pulumi config set` hint. */
const EXAMPLES: Record<keyof StackConfig, string> = {
    environment: "pulumi config set environment dev",
    production: "pulumi config set production false",
    modelPackageGroupName: "pulumi config set modelPackageGroupName churn-dev",
    pipeline: "pulumi config set --path 'pipeline.metric.threshold' 3.0",
    approvers: "pulumi config set --path 'approvers.principalArns[0]' arn:aws:iam::123456789012:role/ml-approver",
    endpoint: "pulumi config set --path 'endpoint.instanceType' ml.m5.large",
    consumerAccountIds: "pulumi config set --path 'consumerAccountIds[0]' 210987654321",
    tags: "pulumi config set --path 'tags.team' ml-platform",
};

/**
 * A configuration problem that a person must fix; its message is the whole story. A `pulumi.RunError`, so
 * `pulumi up`/`preview` print the message alone: for any other Error thrown while the program loads, the
 * Pulumi Node.js host prints "failed with an unhandled exception" and the stack trace
 * (`@pulumi/pulumi/cmd/run/run.js`, uncaughtHandler).
 */
export class ConfigError extends pulumi.RunError {
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
};

function exampleFor(path: readonly PropertyKey[], expected: string): string {
    const top = String(path[0]) as keyof StackConfig;
    const eg = expected.match(/e\.g\. (\S+)$/);
    if (path.length > 1 && eg) {
        return `pulumi config set --path '${formatPath(path)}' ${eg[1]}`;
    }
    if (path.length === 1 && eg) return `pulumi config set ${top} ${eg[1]}`;
    const nested = NESTED_EXAMPLES[formatPath(path.map((part) => (typeof part === "number" ? 0 : part)))];
    if (nested) return `pulumi config set --path '${nested[0]}' ${nested[1]}`;
    return EXAMPLES[top] ?? `pulumi config set ${formatPath(path)} <value>`;
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

/**
 * Validates raw config values. Pure: tests call it directly with the values a stack file would hold.
 * `stack` fills `environment` when it is not set.
 */
export function parseStackConfig(raw: RawStackConfig, stack: string): StackConfig {
    const input = { environment: stack, ...dropUndefined(raw) };
    const result = stackConfigSchema.safeParse(input);
    if (result.success) return result.data;
    const problems = result.error.issues.flatMap((issue) => {
        const path = issue.path as PropertyKey[];
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((unknownKey) => {
                const keyPath = formatPath([...path, unknownKey]);
                return `${PROJECT}:${keyPath}: is not a setting this program reads (check its spelling against Pulumi.yaml). Fix: pulumi config rm ${path.length ? `--path '${keyPath}'` : keyPath}`;
            });
        }
        const key = `${PROJECT}:${formatPath(path)}`;
        const expected = describeIssue(issue);
        return [`${key}: got ${describeValue(valueAt(input, path))}; expected ${expected}. Fix: ${exampleFor(path, expected)}`];
    });
    throw new ConfigError(problems);
}

function dropUndefined(raw: RawStackConfig): RawStackConfig {
    return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
}

/** Reads and validates this stack's config. The only place `pulumi.Config` is used. */
export function loadStackConfig(): StackConfig {
    const config = new pulumi.Config(PROJECT);
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
            if (key === "production") {
                raw[key] = config.get(key);
                continue;
            }
            problems.push(
                `${PROJECT}:${key}: got ${JSON.stringify(config.get(key))}, which is not valid JSON/YAML; expected structured config. Fix: ${EXAMPLES[key]}`,
            );
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return parseStackConfig(raw, pulumi.getStack());
}
