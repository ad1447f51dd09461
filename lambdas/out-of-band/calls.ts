/**
 * Which SageMaker calls the detective control watches, which of them are this environment's, and whose are trusted
 * (issue 11 part 2, docs/detective-control.md). Pure: infra/events/cloudTrailPatterns.ts builds the EventBridge rules
 * from the same lists, and the function re-checks every event it receives with `classifyCall`, so a rule edited by
 * hand (or a pattern feature EventBridge evaluates differently) cannot make it alert on a trusted call or stay silent.
 *
 * The request fields are CloudTrail's spelling: `requestParameters` is the API request in lower camel case
 * (SageMaker Developer Guide, "Understand SageMaker AI log file entries": `endpointName`, `endpointConfigName`).
 */

/** Calls that change what an endpoint serves, or could: judged against the endpoint and the deploy function's names. */
export const ENDPOINT_CALLS = ["CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint", "UpdateEndpointWeightsAndCapacities", "DeleteEndpoint"] as const;
/** Calls that change a model package (its approval above all): judged against this environment's group. */
export const PACKAGE_CALLS = ["UpdateModelPackage"] as const;
export type WatchedCall = (typeof ENDPOINT_CALLS)[number] | (typeof PACKAGE_CALLS)[number];

export const CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail";
export const SAGEMAKER_EVENT_SOURCE = "sagemaker.amazonaws.com";

/**
 * This stack's resources, as CloudTrail names them in requestParameters. A stack watches what its account holds:
 * all-in-one both; an environment stack of the promotion layout its endpoint only (the group is the registry's);
 * a registry stack its group only (no endpoint there). An absent field watches nothing of its kind.
 */
export interface WatchedResources {
    /** The endpoint the deploy function deploys to (`endpointName`; SageMaker endpoint names ignore case). */
    readonly endpointName?: string;
    /**
     * The prefix of every model and endpoint config the deploy function names (`sagemaker-approval-gate-<env>--`,
     * infra/lib/naming.ts): two hyphens, so another environment whose name starts with this one's never matches.
     */
    readonly deployedNamePrefix?: string;
    /** `arn:…:model-package/<group lower-cased>/`: the versions of this account's group (case ignored). */
    readonly modelPackageArnPrefix?: string;
}

/** Principals whose calls are the gate's own. ARNs exactly as CloudTrail writes them (role ARNs for roles). */
export interface TrustedPrincipals {
    /** The deploy function's role: trusted for every watched call. Absent in a registry stack (no deploy function there). */
    readonly deployRoleArn?: string;
    /** The approvers (and any other principal allowed to set a package's status): trusted for UpdateModelPackage only. */
    readonly packageUpdaterArns: readonly string[];
}

/** Where a watched call's resource name is, per field; the first present names the resource in the alert. */
export const RESOURCE_FIELDS = ["endpointName", "endpointConfigName", "modelName", "modelPackageArn"] as const;
export type ResourceField = (typeof RESOURCE_FIELDS)[number];

export interface CallIdentity {
    /** What trust is judged on: the session issuer's ARN (the role) when there is one, else the caller's own ARN. */
    readonly principal?: string;
    readonly type?: string;
    /** The caller's ARN (for a role: the session, whose name often says who). */
    readonly arn?: string;
    readonly accessKeyId?: string;
    /** Set when an AWS service made the call on someone's behalf. */
    readonly invokedBy?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The caller, from CloudTrail's `userIdentity` (CloudTrail User Guide, "CloudTrail userIdentity element"). */
export function callIdentity(userIdentity: unknown): CallIdentity {
    if (!isObject(userIdentity)) return {};
    const issuer = isObject(userIdentity.sessionContext) && isObject(userIdentity.sessionContext.sessionIssuer) ? str(userIdentity.sessionContext.sessionIssuer.arn) : undefined;
    const arn = str(userIdentity.arn);
    return { principal: issuer ?? arn, type: str(userIdentity.type), arn, accessKeyId: str(userIdentity.accessKeyId), invokedBy: str(userIdentity.invokedBy) };
}

/** The watched resource a call's parameters name, if it is this environment's. */
export function ownResource(requestParameters: Json, resources: WatchedResources): { field: ResourceField; name: string } | undefined {
    const lower = (v: unknown) => str(v)?.toLowerCase();
    const endpoint = lower(requestParameters.endpointName);
    if (endpoint !== undefined && resources.endpointName && endpoint === resources.endpointName.toLowerCase()) return { field: "endpointName", name: requestParameters.endpointName as string };
    const prefix = resources.deployedNamePrefix?.toLowerCase();
    for (const field of ["endpointConfigName", "modelName"] as const) {
        if (prefix && lower(requestParameters[field])?.startsWith(prefix)) return { field, name: requestParameters[field] as string };
    }
    const packages = resources.modelPackageArnPrefix?.toLowerCase();
    if (packages && lower(requestParameters.modelPackageArn)?.startsWith(packages)) return { field: "modelPackageArn", name: requestParameters.modelPackageArn as string };
    return undefined;
}

export type Classification =
    | { readonly kind: "out-of-band"; readonly call: WatchedCall; readonly resource: { field: ResourceField; name: string }; readonly identity: CallIdentity }
    | { readonly kind: "ignored"; readonly reason: string };

/**
 * Is this call one to alarm on? Only watched calls on this environment's resources by an untrusted principal. A caller
 * CloudTrail names no principal for (an AWS service, another account's hidden identity) is untrusted: fail closed.
 * Endpoint calls may only be the deploy role's; package calls also the package updaters'.
 */
export function classifyCall(
    input: { readonly eventName: string; readonly requestParameters: Json; readonly userIdentity: unknown },
    resources: WatchedResources,
    trusted: TrustedPrincipals,
): Classification {
    const call = [...ENDPOINT_CALLS, ...PACKAGE_CALLS].find((c) => c === input.eventName);
    if (!call) return { kind: "ignored", reason: `${input.eventName} is not a watched call` };
    const isPackageCall = (PACKAGE_CALLS as readonly string[]).includes(call);
    const resource = ownResource(input.requestParameters, resources);
    if (!resource || (resource.field === "modelPackageArn") !== isPackageCall) return { kind: "ignored", reason: `${call} names none of this environment's resources` };
    const identity = callIdentity(input.userIdentity);
    const deployRole = trusted.deployRoleArn ? [trusted.deployRoleArn] : [];
    const trustedArns = isPackageCall ? [...deployRole, ...trusted.packageUpdaterArns] : deployRole;
    if (identity.principal !== undefined && trustedArns.includes(identity.principal)) return { kind: "ignored", reason: `${call} on ${resource.name} by ${identity.principal}, a trusted principal` };
    return { kind: "out-of-band", call, resource, identity };
}
