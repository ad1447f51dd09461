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

/** The principal ARNs whose account is not `accountId` (IAM cannot attach a policy to them from it). */
export function principalsOutsideAccount(principalArns: readonly string[], accountId: string): string[] {
    return principalArns.filter((arn) => attachablePrincipal(arn).accountId !== accountId);
}

export function foreignPrincipalsMessage(foreign: readonly string[], accountId: string): string {
    return (
        `Not attaching a policy to ${foreign.join(", ")}: not in the deploying account ${accountId} (IAM attaches by name, in the deploying account only). ` +
        `Use principals of account ${accountId}, or do not attach here (approvers.attachPolicy: false) and attach the policy in their account.`
    );
}

/**
 * Declares `<namePrefix>-role-<name>` / `<namePrefix>-user-<name>` attachments of `policyArn`. They wait
 * for the deploying account (the caller identity) and are never declared when a principal is of another
 * account: IAM would attach to a same-named role of this account, or fail with NoSuchEntity.
 */
export function attachPolicyToPrincipals(
    namePrefix: string,
    principalArns: readonly string[],
    policyArn: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): (aws.iam.RolePolicyAttachment | aws.iam.UserPolicyAttachment)[] {
    const deployingAccountId = aws.getCallerIdentityOutput({}, { parent: opts.parent }).accountId;
    const checkedPolicyArn = pulumi.all([deployingAccountId, policyArn]).apply(([accountId, arn]) => {
        const foreign = principalsOutsideAccount(principalArns, accountId);
        if (foreign.length > 0) throw new pulumi.RunError(foreignPrincipalsMessage(foreign, accountId));
        return arn;
    });
    return distinctAttachablePrincipals(principalArns).map((principal) =>
        principal.kind === "role"
            ? new aws.iam.RolePolicyAttachment(`${namePrefix}-role-${principal.name}`, { role: principal.name, policyArn: checkedPolicyArn }, opts)
            : new aws.iam.UserPolicyAttachment(`${namePrefix}-user-${principal.name}`, { user: principal.name, policyArn: checkedPolicyArn }, opts),
    );
}
