/**
 * Ways to reach SageMaker that bypass the `aws.sagemaker.*` resources this pack traces to a package version:
 * the aws-native provider, AWS Cloud Control through the aws provider (`aws.cloudcontrol.Resource`), and
 * CloudFormation stacks declared by the program (judged in cloudFormationStacks.ts). They deploy models (or register and approve packages) with
 * shapes this pack does not follow to a live approval status, so in production they are refused, not waved
 * through. Pure: a resource's type and plain inputs in, problems (or "not known yet") out.
 */
import { CLOUDFORMATION_TEMPLATE_TYPES, judgeCloudFormationStack } from "./cloudFormationStacks";
import { MODEL_DEPLOYING_CFN_TYPES, MODEL_PACKAGE_CFN_TYPE } from "./cloudFormationTemplate";
import { isUnknown } from "./unknowns";

export { CLOUDFORMATION_TEMPLATE_TYPES };

/** aws-native SageMaker resources that deploy models this pack cannot trace to a package version. */
export const UNVERIFIABLE_MODEL_DEPLOYING_TYPES: readonly string[] = [
    "aws-native:sagemaker:Model",
    "aws-native:sagemaker:EndpointConfig",
    "aws-native:sagemaker:Endpoint",
    "aws-native:sagemaker:InferenceComponent",
    "aws-native:sagemaker:InferenceExperiment",
];
export const NATIVE_MODEL_PACKAGE = "aws-native:sagemaker:ModelPackage";
export const CLOUD_CONTROL_RESOURCE = "aws:cloudcontrol/resource:Resource";
/** Every type `judgeOtherProvider` may have something to say about. */
export const OTHER_PROVIDER_TYPES: readonly string[] = [
    ...UNVERIFIABLE_MODEL_DEPLOYING_TYPES, NATIVE_MODEL_PACKAGE, CLOUD_CONTROL_RESOURCE, ...CLOUDFORMATION_TEMPLATE_TYPES,
];

export type OtherProviderJudgement =
    | { readonly kind: "ok" }
    /** One finding per message (a CloudFormation template can have several). */
    | { readonly kind: "problem"; readonly messages: readonly string[] }
    /** A value the judgement needs is unknown (preview): the caller defers in preview, blocks in an update. */
    | { readonly kind: "unknown"; readonly what: string };

const OK: OtherProviderJudgement = { kind: "ok" };
const problem = (message: string): OtherProviderJudgement => ({ kind: "problem", messages: [message] });
const FIX_AWS = "Fix: declare it with the aws provider (aws.sagemaker.Model from an Approved package, EndpointConfiguration, Endpoint), which this pack verifies.";
const FIX_APPROVAL = "Fix: register versions as PendingManualApproval (or leave the status out) and let an approver approve them with the approver CLI.";

/** A package registered or updated by the program itself with a status other than PendingManualApproval. */
function selfApproval(where: string, status: unknown): OtherProviderJudgement {
    if (isUnknown(status)) return { kind: "unknown", what: `${where}: its ModelApprovalStatus` };
    if (status === undefined || status === null || status === "" || status === "PendingManualApproval") return OK;
    return problem(`${where} sets the model package's ModelApprovalStatus to ${JSON.stringify(status)}: the program would approve a model itself, not a person. ${FIX_APPROVAL}`);
}

export function judgeOtherProvider(type: string, urn: string, props: Record<string, unknown>): OtherProviderJudgement {
    const resource = `${type} ${urn}`;
    if (UNVERIFIABLE_MODEL_DEPLOYING_TYPES.includes(type)) {
        return problem(`${resource} deploys models this pack cannot trace to an Approved model package version, so it is not allowed in production. ${FIX_AWS}`);
    }
    if (type === NATIVE_MODEL_PACKAGE) return selfApproval(resource, props.modelApprovalStatus);
    if (type === CLOUD_CONTROL_RESOURCE) {
        const typeName = props.typeName;
        if (isUnknown(typeName)) return { kind: "unknown", what: `${resource}: its typeName` };
        if (typeof typeName !== "string") return OK;
        if (MODEL_DEPLOYING_CFN_TYPES.some((t) => t.toLowerCase() === typeName.toLowerCase())) {
            return problem(`${resource} creates ${typeName} through AWS Cloud Control, which this pack cannot trace to an Approved model package version, so it is not allowed in production. ${FIX_AWS}`);
        }
        if (typeName.toLowerCase() !== MODEL_PACKAGE_CFN_TYPE.toLowerCase()) return OK;
        const desired = props.desiredState;
        if (isUnknown(desired)) return { kind: "unknown", what: `${resource}: its desiredState` };
        let state: unknown;
        try {
            state = typeof desired === "string" ? JSON.parse(desired) : desired;
        } catch {
            return problem(`${resource} creates ${typeName} with a desiredState that is not JSON, so this pack cannot tell its ModelApprovalStatus. ${FIX_APPROVAL}`);
        }
        return selfApproval(`${resource} (${typeName})`, (state as { ModelApprovalStatus?: unknown } | null)?.ModelApprovalStatus);
    }
    if (CLOUDFORMATION_TEMPLATE_TYPES.includes(type)) {
        const { problems, unknowns } = judgeCloudFormationStack(resource, props);
        // A problem blocks whatever else is unknown; an unknown is judged again before the update.
        if (problems.length) return { kind: "problem", messages: problems };
        if (unknowns.length) return { kind: "unknown", what: unknowns.join("; ") };
        return OK;
    }
    return OK;
}
