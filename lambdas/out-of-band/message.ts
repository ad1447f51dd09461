/** The one message approvers get for an out-of-band call (pure): who did what to which resource, when, from where, and how to check. */
import type { CallIdentity, ResourceField, WatchedCall } from "./calls";
import type { CloudTrailCall } from "./event";

/** The request parameters worth quoting: names, the status set, weights; never a container's environment (it may hold secrets). */
export const QUOTED_PARAMETERS = [
    "endpointName",
    "endpointConfigName",
    "modelName",
    "modelPackageArn",
    "modelApprovalStatus",
    "approvalDescription",
    "retainAllVariantProperties",
    "desiredWeightsAndCapacities",
    "executionRoleArn",
] as const;

const MAX_PARAMETERS_CHARS = 1500;

/** The key parameters as one JSON object; variants and containers summarised to the names and images they carry. */
export function keyParameters(requestParameters: Record<string, unknown>): string {
    const picked: Record<string, unknown> = {};
    for (const key of QUOTED_PARAMETERS) if (requestParameters[key] !== undefined) picked[key] = requestParameters[key];
    const variants = requestParameters.productionVariants;
    if (Array.isArray(variants)) picked.productionVariants = variants.map((v) => (typeof v === "object" && v ? { variantName: (v as Record<string, unknown>).variantName, modelName: (v as Record<string, unknown>).modelName } : v));
    const container = requestParameters.primaryContainer as Record<string, unknown> | undefined;
    if (container && typeof container === "object") picked.primaryContainer = { image: container.image, modelDataUrl: container.modelDataUrl, modelPackageName: container.modelPackageName };
    const text = JSON.stringify(picked);
    return text.length <= MAX_PARAMETERS_CHARS ? text : `${text.slice(0, MAX_PARAMETERS_CHARS)}… (cut)`;
}

const RESOURCE_KINDS: Record<ResourceField, string> = { endpointName: "endpoint", endpointConfigName: "endpoint config", modelName: "model", modelPackageArn: "model package" };

/** The resource, in a few words for the subject (SNS caps it at 100 characters): a package ARN as `<group>/<version>`. */
export function shortResource(resource: { readonly field: ResourceField; readonly name: string }): string {
    const version = resource.field === "modelPackageArn" ? /:model-package\/(.+)$/.exec(resource.name) : null;
    return version ? version[1] : resource.name;
}

/** Who, in a few words for the subject: the role or user name, and the session name when it says more. */
export function shortWho(identity: CallIdentity): string {
    const session = identity.arn && /:assumed-role\/([^/]+)\/(.+)$/.exec(identity.arn);
    if (session) return `${session[1]}/${session[2]}`;
    const name = identity.principal ? identity.principal.split(/[:/]/).pop() : undefined;
    return name || identity.invokedBy || identity.type || "an unnamed principal";
}

export function outOfBandMessage(input: {
    readonly environment: string;
    readonly call: CloudTrailCall;
    readonly eventName: WatchedCall;
    readonly resource: { readonly field: ResourceField; readonly name: string };
    readonly identity: CallIdentity;
    readonly parameters: string;
    readonly auditKey: string;
    /** The table the audit item is in (the deployment ledger; a registry stack's audit table). */
    readonly auditTable?: string;
    /** The endpoint the stack deploys to; absent in a registry stack. */
    readonly endpointName?: string;
}): { subject: string; body: string } {
    const { call, identity } = input;
    const failed = call.errorCode !== undefined;
    const subject = `[${input.environment}] OUT-OF-BAND ${failed ? "ATTEMPT" : "CHANGE"}: ${input.eventName} ${shortResource(input.resource)} by ${shortWho(identity)}`;
    const who = [
        identity.arn ?? "(CloudTrail names no caller ARN)",
        identity.principal && identity.principal !== identity.arn ? `session of ${identity.principal}` : undefined,
        identity.type ? `type ${identity.type}` : undefined,
        identity.accessKeyId ? `access key ${identity.accessKeyId}` : undefined,
        identity.invokedBy ? `invoked by ${identity.invokedBy}` : undefined,
    ].filter(Boolean);
    const lines = [
        `[${input.environment}] A SageMaker call on this environment's ${RESOURCE_KINDS[input.resource.field]} did not come from the deploy function${input.eventName === "UpdateModelPackage" ? " or an approver" : ""}.`,
        "",
        `Who:   ${who.join("; ")}`,
        `What:  ${input.eventName} ${input.parameters}`,
        `Which: ${input.resource.name} (${RESOURCE_KINDS[input.resource.field]})`,
        `When:  ${call.eventTime} in ${call.region}, account ${call.account}`,
        `From:  source IP ${call.sourceIPAddress ?? "unknown"}${call.userAgent ? `, user agent ${call.userAgent}` : ""}`,
        `Result: ${failed ? `FAILED with ${call.errorCode}${call.errorMessage ? ` (${call.errorMessage})` : ""}: nothing changed, but someone tried` : "succeeded"}`,
        `CloudTrail event: ${call.eventId}; recorded in the ${input.auditTable ? `audit trail of ${input.auditTable}` : "deployment ledger's audit trail"} as ${input.auditKey}.`,
        "",
        `How to check: aws cloudtrail lookup-events --region ${call.region} --lookup-attributes AttributeKey=EventId,AttributeValue=${call.eventId}`,
        input.resource.field === "modelPackageArn" || input.endpointName === undefined
            ? `then compare the version's status and stage (aws sagemaker describe-model-package --model-package-name ${input.resource.name}) with what its approvers decided (npm run approvals -- show <group>/<version>: stage history).`
            : `then compare what the endpoint serves (aws sagemaker describe-endpoint --endpoint-name ${input.endpointName}) with the version the ledger says is live (npm run approvals -- live).`,
        "What to do: if this was not an agreed break-glass change, find the caller, remove the access that allowed it, and put the endpoint back to an approved version (approve it again, or reject what is live to roll back). Nothing is reverted automatically.",
    ];
    return { subject, body: lines.join("\n") };
}
