/**
 * Attaching a managed policy to IAM principals given by ARN (roles, users, assumed-role sessions).
 * The principals must exist in the deploying account; components offer a switch for when they do not.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AttachablePrincipal, attachablePrincipal } from "./arns";

/** One attachment per distinct role/user (an assumed-role session ARN attaches to its role). */
export function distinctAttachablePrincipals(principalArns: readonly string[]): AttachablePrincipal[] {
    const seen = new Map<string, AttachablePrincipal>();
    for (const arn of principalArns) {
        const principal = attachablePrincipal(arn);
        seen.set(`${principal.kind}/${principal.name}`, principal);
    }
    return [...seen.values()];
}

/** Declares `<namePrefix>-role-<name>` / `<namePrefix>-user-<name>` attachments of `policyArn`. */
export function attachPolicyToPrincipals(
    namePrefix: string,
    principalArns: readonly string[],
    policyArn: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): (aws.iam.RolePolicyAttachment | aws.iam.UserPolicyAttachment)[] {
    return distinctAttachablePrincipals(principalArns).map((principal) =>
        principal.kind === "role"
            ? new aws.iam.RolePolicyAttachment(`${namePrefix}-role-${principal.name}`, { role: principal.name, policyArn }, opts)
            : new aws.iam.UserPolicyAttachment(`${namePrefix}-user-${principal.name}`, { user: principal.name, policyArn }, opts),
    );
}
