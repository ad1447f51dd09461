/**
 * Names of what the deploy Lambda creates at run time. They must start with the environment prefix
 * (`sagemaker-approval-gate-<env>-`), because the function's IAM policy is scoped to that prefix, and
 * they must be unique and traceable: the version plus a short hash of the package ARN and the event.
 */
import { createHash } from "crypto";

/** SageMaker model and endpoint config names: 1-63 of [a-zA-Z0-9-]. */
const MAX_NAME = 63;

export function shortHash(...parts: string[]): string {
    return createHash("sha256").update(parts.join("|")).digest("hex").slice(0, 8);
}

/** `<prefix>-v<version>-<hash8>`, e.g. `sagemaker-approval-gate-dev-v3-1a2b3c4d`. Lower-case, like the ARNs IAM sees. */
export function deploymentResourceName(resourcePrefix: string, version: number, packageArn: string, eventId: string): string {
    const name = `${resourcePrefix}-v${version}-${shortHash(packageArn, eventId)}`.toLowerCase();
    if (name.length > MAX_NAME) {
        throw new Error(
            `the name ${name} is ${name.length} characters; SageMaker allows ${MAX_NAME}. Use a shorter environment name (it is part of every resource name).`,
        );
    }
    return name;
}
