/**
 * EventBridge patterns of the detective control (issue 11 part 2, docs/detective-control.md): CloudTrail records
 * ("AWS API Call via CloudTrail", source aws.sagemaker) of the watched SageMaker calls on this environment's
 * resources, by anyone but the gate's own principals. Pure: tests run them through moto's EventBridge against the
 * documented sample records (tests/fixtures/events/cloudtrail-*.json), next to lambdas/out-of-band/calls.ts's
 * `classifyCall`, which the function applies again to every event.
 *
 * - Resources, case ignored (SageMaker names ignore case, and package ARNs carry the group lower-cased while a
 *   caller may write it capitalised): the endpoint by `endpointName`; the deploy function's models and endpoint
 *   configs by their `<env>--` name prefix; this group's versions by the `modelPackageArn` prefix (UpdateModelPackage
 *   takes an ARN, never a name).
 * - Principals: trust is judged on `userIdentity.sessionContext.sessionIssuer.arn` (the role, for any assumed-role
 *   session) and, when there is no session issuer (IAM users, root), on `userIdentity.arn`. `anything-but` never
 *   matches a missing field (EventBridge's content filtering), so each case is its own `$or` branch, and a record
 *   naming neither (an AWS service, a hidden cross-account caller) matches too: untrusted, as in `classifyCall`.
 */
import { CLOUDTRAIL_DETAIL_TYPE, ENDPOINT_CALLS, PACKAGE_CALLS, SAGEMAKER_EVENT_SOURCE, type TrustedPrincipals, type WatchedResources } from "../../lambdas/out-of-band/calls";
import { SAGEMAKER_SOURCE } from "./patterns";

/** The pattern language these rules use: lists of values or content filters, nested objects, `$or` lists of patterns. */
export type ContentPattern = { readonly [field: string]: readonly unknown[] | ContentPattern };

/** Branches (for a `$or` at `detail`) that match a caller not in `trusted`, including callers CloudTrail names no ARN for. */
export function untrustedCallerBranches(trusted: readonly string[]): ContentPattern[] {
    const arns = [...new Set(trusted)].sort();
    if (arns.length === 0) throw new Error("untrustedCallerBranches: no trusted principal given; pass the deploy role's ARN at least");
    const noIssuer = { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } };
    return [
        { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ "anything-but": arns }] } } } },
        { userIdentity: { ...noIssuer, arn: [{ "anything-but": arns }] } },
        { userIdentity: { ...noIssuer, arn: [{ exists: false }] } },
    ];
}

function cloudTrailPattern(eventNames: readonly string[], detail: Record<string, unknown>): ContentPattern {
    return { source: [SAGEMAKER_SOURCE], "detail-type": [CLOUDTRAIL_DETAIL_TYPE], detail: { eventSource: [SAGEMAKER_EVENT_SOURCE], eventName: [...eventNames], ...detail } as ContentPattern };
}

function checkEndpointResources(resources: WatchedResources, trusted: TrustedPrincipals): { endpointName: string; deployedNamePrefix: string; deployRoleArn: string } {
    const { endpointName, deployedNamePrefix } = resources;
    if (!endpointName?.trim()) throw new Error(`endpoint name ${JSON.stringify(endpointName)} is empty; pass this environment's endpoint`);
    if (!deployedNamePrefix || !/--$/.test(deployedNamePrefix)) {
        throw new Error(`deployed name prefix ${JSON.stringify(deployedNamePrefix)} must end with "--" (sagemaker-approval-gate-<env>--, infra/lib/naming.ts), or another environment's names would match`);
    }
    if (!trusted.deployRoleArn) throw new Error("endpoint calls need the deploy role's ARN (trusted.deployRoleArn): it is the one principal whose endpoint calls are the gate's own");
    return { endpointName, deployedNamePrefix, deployRoleArn: trusted.deployRoleArn };
}

function checkPackageResources(resources: WatchedResources): string {
    const prefix = resources.modelPackageArnPrefix;
    if (!prefix || !/^arn:[a-z-]+:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[^/]+\/$/.test(prefix)) {
        throw new Error(`model package ARN prefix ${JSON.stringify(prefix)} is not arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/`);
    }
    return prefix;
}

/** The endpoint, or a model / endpoint config under the deploy function's names, created, changed or deleted by anyone but the deploy role. */
export function endpointCallsPattern(resources: WatchedResources, trusted: TrustedPrincipals): ContentPattern {
    const { endpointName, deployedNamePrefix, deployRoleArn } = checkEndpointResources(resources, trusted);
    const prefix = [{ prefix: { "equals-ignore-case": deployedNamePrefix } }];
    return cloudTrailPattern(ENDPOINT_CALLS, {
        requestParameters: {
            $or: [{ endpointName: [{ "equals-ignore-case": endpointName }] }, { endpointConfigName: prefix }, { modelName: prefix }],
        },
        $or: untrustedCallerBranches([deployRoleArn]),
    });
}

/**
 * A version of this account's group updated (approval status, stage above all) by anyone but the deploy role (when the
 * stack has one) and the package updaters (approvers; in a registry stack also each environment's deploy and smoke roles).
 */
export function packageCallsPattern(resources: WatchedResources, trusted: TrustedPrincipals): ContentPattern {
    const prefix = checkPackageResources(resources);
    return cloudTrailPattern(PACKAGE_CALLS, {
        requestParameters: { modelPackageArn: [{ prefix: { "equals-ignore-case": prefix } }] },
        $or: untrustedCallerBranches([...(trusted.deployRoleArn ? [trusted.deployRoleArn] : []), ...trusted.packageUpdaterArns]),
    });
}

/** The detective control's rules, by the key the component names them with. */
export type OutOfBandRuleKey = "endpointCalls" | "packageCalls";
export const OUT_OF_BAND_RULE_KEYS: readonly OutOfBandRuleKey[] = ["endpointCalls", "packageCalls"];

/** The patterns of the rules asked for (default both: the all-in-one layout), by the key the component names their rules with. */
export function outOfBandPatterns<K extends OutOfBandRuleKey = OutOfBandRuleKey>(resources: WatchedResources, trusted: TrustedPrincipals, rules: readonly K[] = OUT_OF_BAND_RULE_KEYS as readonly K[]): Record<K, ContentPattern> {
    const build: Record<OutOfBandRuleKey, () => ContentPattern> = { endpointCalls: () => endpointCallsPattern(resources, trusted), packageCalls: () => packageCallsPattern(resources, trusted) };
    return Object.fromEntries(rules.map((key) => [key, build[key]()])) as Record<K, ContentPattern>;
}
