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

function checkResources(resources: WatchedResources): void {
    if (!resources.endpointName.trim()) throw new Error(`endpoint name ${JSON.stringify(resources.endpointName)} is empty; pass this environment's endpoint`);
    if (!/--$/.test(resources.deployedNamePrefix)) {
        throw new Error(`deployed name prefix ${JSON.stringify(resources.deployedNamePrefix)} must end with "--" (sagemaker-approval-gate-<env>--, infra/lib/naming.ts), or another environment's names would match`);
    }
    if (!/^arn:[a-z-]+:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[^/]+\/$/.test(resources.modelPackageArnPrefix)) {
        throw new Error(`model package ARN prefix ${JSON.stringify(resources.modelPackageArnPrefix)} is not arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/`);
    }
}

/** The endpoint, or a model / endpoint config under the deploy function's names, created, changed or deleted by anyone but the deploy role. */
export function endpointCallsPattern(resources: WatchedResources, trusted: TrustedPrincipals): ContentPattern {
    checkResources(resources);
    const prefix = [{ prefix: { "equals-ignore-case": resources.deployedNamePrefix } }];
    return cloudTrailPattern(ENDPOINT_CALLS, {
        requestParameters: {
            $or: [{ endpointName: [{ "equals-ignore-case": resources.endpointName }] }, { endpointConfigName: prefix }, { modelName: prefix }],
        },
        $or: untrustedCallerBranches([trusted.deployRoleArn]),
    });
}

/** A version of this environment's group updated (approval status above all) by anyone but the deploy role and the package updaters. */
export function packageCallsPattern(resources: WatchedResources, trusted: TrustedPrincipals): ContentPattern {
    checkResources(resources);
    return cloudTrailPattern(PACKAGE_CALLS, {
        requestParameters: { modelPackageArn: [{ prefix: { "equals-ignore-case": resources.modelPackageArnPrefix } }] },
        $or: untrustedCallerBranches([trusted.deployRoleArn, ...trusted.packageUpdaterArns]),
    });
}

/** Both rules' patterns, by the key the component names their rules with. */
export function outOfBandPatterns(resources: WatchedResources, trusted: TrustedPrincipals): Record<"endpointCalls" | "packageCalls", ContentPattern> {
    return { endpointCalls: endpointCallsPattern(resources, trusted), packageCalls: packageCallsPattern(resources, trusted) };
}
