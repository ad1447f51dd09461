/**
 * Resource names carry the project and the environment: `${project}-${environment}-<role>`.
 * Pure; every component and Lambda derives names here so IAM scopes and runtime code agree.
 */
import { PROJECT } from "../configFields";

/** `sagemaker-approval-gate-<environment>`: the prefix of every name in one environment. */
export function environmentPrefix(environment: string): string {
    return `${PROJECT}-${environment}`;
}

/** `${project}-${environment}-<role>`. */
export function resourceName(environment: string, role: string): string {
    return `${environmentPrefix(environment)}-${role}`;
}

/**
 * `RESOURCE_PREFIX` of deploy-approved: `sagemaker-approval-gate-<env>-`, so the models and endpoint configs it
 * names (`<this>-v<version>-<hash>`, lambdas/shared/names.ts) are `sagemaker-approval-gate-<env>--v3-1a2b3c4d`.
 * Environment names never hold two hyphens in a row (infra/config.ts), so `<this>-*` matches this environment's
 * names only: `…-prod--*` cannot match prod-eu's `…-prod-eu--v3-…`, where `…-prod-*` would.
 */
export function deployedResourcePrefix(environment: string): string {
    return `${environmentPrefix(environment)}-`;
}

/** The name pattern IAM statements give deploy-approved's models and endpoint configs (lower-case, as in their ARNs). */
export function deployedResourceNamePattern(environment: string): string {
    return `${deployedResourcePrefix(environment)}-*`.toLowerCase();
}

/** The one real-time endpoint per environment that approved versions are deployed to. */
export function endpointName(environment: string): string {
    return resourceName(environment, "endpoint");
}

/** Standard tags on every resource: project, environment, plus the stack's own. */
export function standardTags(environment: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return { ...extra, project: PROJECT, environment };
}
