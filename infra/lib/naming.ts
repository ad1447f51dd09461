/**
 * Resource names carry the project and the environment: `${project}-${environment}-<role>`.
 * Pure; every component and Lambda derives names here so IAM scopes and runtime code agree.
 */
import { PROJECT } from "../config";

/** `sagemaker-approval-gate-<environment>`: the prefix of every name in one environment. */
export function environmentPrefix(environment: string): string {
    return `${PROJECT}-${environment}`;
}

/** `${project}-${environment}-<role>`. */
export function resourceName(environment: string, role: string): string {
    return `${environmentPrefix(environment)}-${role}`;
}

/** The one real-time endpoint per environment that approved versions are deployed to. */
export function endpointName(environment: string): string {
    return resourceName(environment, "endpoint");
}

/** Standard tags on every resource: project, environment, plus the stack's own. */
export function standardTags(environment: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return { ...extra, project: PROJECT, environment };
}
