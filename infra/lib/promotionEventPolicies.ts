/**
 * The registry → environment event hop (issue 10): the environment's default bus admits the registry account only,
 * and the registry's forwarding rules put events on exactly the environments' default buses through a role.
 *
 * Documented (Amazon EventBridge User Guide, "Permissions for event buses" and "Sending and receiving events between
 * AWS accounts"; PutPermission API reference): a RoleArn on a rule target that is another account's bus is required
 * when that account grants an organization rather than the account, and recommended always. We grant the account and
 * use a role anyway: what may be sent, and to which buses, is then this role's policy, in the registry account.
 * Forwarded events keep their source and their `account` (the registry's), which the environment rules match on.
 */
import { accountRootArn, environmentArn, type AwsScope } from "./arns";
import { policyDocument, serviceAssumeRolePolicy, type PolicyDocument } from "./iamDocuments";

/** `arn:…:events:<region>:<account>:event-bus/default`. */
export function defaultBusArn(partition: string, region: string, accountId: string): string {
    return environmentArn({ partition, region, accountId }, "events", "event-bus/default");
}

/** Resource policy of the environment account's default bus (`scope` is the environment's): only the registry account puts events. */
export function environmentBusPolicy(input: { readonly scope: AwsScope; readonly registryAccountId: string }): PolicyDocument {
    const { scope } = input;
    if (input.registryAccountId === scope.accountId) throw new Error(`environmentBusPolicy: the registry account ${input.registryAccountId} is this account; use the all-in-one layout`);
    return policyDocument({
        Sid: "RegistryAccountPutsEvents",
        Effect: "Allow",
        Principal: { AWS: [accountRootArn(scope.partition, input.registryAccountId)] },
        Action: ["events:PutEvents"],
        Resource: [defaultBusArn(scope.partition, scope.region, scope.accountId)],
    });
}

/** Trust policy of the forwarding role: EventBridge, acting for the registry account (aws:SourceAccount). */
export function forwardingRoleAssumePolicy(scope: AwsScope): PolicyDocument {
    return serviceAssumeRolePolicy(scope, "events", "EventBridgeAssumesRole");
}

/** The forwarding role: PutEvents on the environment accounts' default buses in this region, and nothing else. */
export function forwardingRolePolicy(input: { readonly partition: string; readonly region: string; readonly environmentAccountIds: readonly string[] }): PolicyDocument {
    if (input.environmentAccountIds.length === 0) throw new Error("forwardingRolePolicy: at least one environment account is required");
    const buses = [...new Set(input.environmentAccountIds)].sort().map((id) => defaultBusArn(input.partition, input.region, id));
    return policyDocument({ Sid: "PutOnEnvironmentBuses", Effect: "Allow", Action: ["events:PutEvents"], Resource: buses });
}
