/**
 * The value shapes config keys share (account IDs, principal ARNs, environment names), used by
 * infra/config.ts and infra/promotionConfig.ts. Pure: no pulumi.Config here.
 */
import { z } from "zod";

export const PROJECT = "sagemaker-approval-gate";

/** Longest environment name whose artifacts bucket name still fits S3's 63 characters. */
export const MAX_ENVIRONMENT_LENGTH = 17;

// YAML (and `pulumi config set --path`) turn an unquoted account ID into a number; take it back as the
// string it is. One that had leading zeros loses digits and is rejected below.
export const awsAccountId = z.preprocess(
    (value) => (typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? String(value) : value),
    z.string().regex(/^\d{12}$/, "a 12-digit AWS account ID, e.g. 123456789012"),
);

export const iamPrincipalArn = z
    .string()
    .regex(
        /^arn:aws[a-z-]*:(iam::\d{12}:(role|user)\/[\w+=,.@\/-]+|sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+)$/,
        "an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/ml-approver",
    )
    // IAM role and user names are at most 64 characters (the path before them does not count).
    .refine((arn) => (/\/([^/]+)$/.exec(arn.replace(/^(arn:[^:]+:sts::\d{12}:assumed-role\/[^/]+)\/.*$/, "$1"))?.[1] ?? "").length <= 64, "a role or user name of at most 64 characters (IAM's limit), e.g. arn:aws:iam::123456789012:role/ml-approver");

/** The account of a role/user/assumed-role ARN (the schema above guarantees one). */
export function principalAccount(arn: string): string | undefined {
    return /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

// Names embed it: sagemaker-approval-gate-<env>-training-<account id> must fit S3's 63 characters.
export const environmentName = z
    .string()
    // No two hyphens in a row: "--" separates the environment from deploy-approved's run-time names, which keeps IAM patterns from matching a longer environment's (infra/lib/naming.ts).
    .regex(new RegExp(`^(?=.{1,${MAX_ENVIRONMENT_LENGTH}}$)[a-z0-9](-?[a-z0-9])*$`), `1-${MAX_ENVIRONMENT_LENGTH} lower-case letters, digits or hyphens (bucket names embed it), no two hyphens in a row, e.g. staging`);

/** SageMaker's EntityName: model package groups, and ModelLifeCycle.Stage (SageMaker API reference, ModelLifeCycle). */
export const ENTITY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
export const entityName = (example: string) =>
    z.string().regex(ENTITY_NAME, `1-63 letters, digits or hyphens, starting with a letter or digit, e.g. ${example}`);

/** Every fix names the stack, so it cannot land in whichever stack happens to be selected. */
export function forStack(command: string, stack: string): string {
    return `${command} -s ${stack}`;
}
