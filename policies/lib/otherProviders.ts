/**
 * Ways to reach SageMaker that bypass the `aws.sagemaker.*` resources this pack traces to a package version:
 * the aws-native provider, AWS Cloud Control through the aws provider (`aws.cloudcontrol.Resource`), and
 * CloudFormation stacks declared by the program. They deploy models (or register and approve packages) with
 * shapes this pack does not follow to a live approval status, so in production they are refused, not waved
 * through. Pure: a resource's type and plain inputs in, problems (or "not known yet") out.
 */
import { isUnknown } from "./unknowns";

/** Cloud Control / CloudFormation types that put a model on an endpoint. */
const MODEL_DEPLOYING_CFN_TYPES = ["AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint", "AWS::SageMaker::InferenceComponent"];
const MODEL_PACKAGE_CFN_TYPE = "AWS::SageMaker::ModelPackage";

/** aws-native SageMaker resources that deploy models this pack cannot trace to a package version. */
export const UNVERIFIABLE_MODEL_DEPLOYING_TYPES: readonly string[] = [
    "aws-native:sagemaker:Model",
    "aws-native:sagemaker:EndpointConfig",
    "aws-native:sagemaker:Endpoint",
    "aws-native:sagemaker:InferenceComponent",
];
export const NATIVE_MODEL_PACKAGE = "aws-native:sagemaker:ModelPackage";
export const CLOUD_CONTROL_RESOURCE = "aws:cloudcontrol/resource:Resource";
/** Resources that deploy a CloudFormation template given inline (`templateBody`) or by URL (`templateUrl`). */
export const CLOUDFORMATION_TEMPLATE_TYPES: readonly string[] = [
    "aws:cloudformation/stack:Stack",
    "aws:cloudformation/stackSet:StackSet",
    "aws-native:cloudformation:Stack",
    "aws-native:cloudformation:StackSet",
];

/** Every type `judgeOtherProvider` may have something to say about. */
export const OTHER_PROVIDER_TYPES: readonly string[] = [
    ...UNVERIFIABLE_MODEL_DEPLOYING_TYPES, NATIVE_MODEL_PACKAGE, CLOUD_CONTROL_RESOURCE, ...CLOUDFORMATION_TEMPLATE_TYPES,
];

export type OtherProviderJudgement =
    | { readonly kind: "ok" }
    | { readonly kind: "problem"; readonly message: string }
    /** A value the judgement needs is unknown (preview): the caller defers in preview, blocks in an update. */
    | { readonly kind: "unknown"; readonly what: string };

const OK: OtherProviderJudgement = { kind: "ok" };
const FIX_AWS = "Fix: declare it with the aws provider (aws.sagemaker.Model from an Approved package, EndpointConfiguration, Endpoint), which this pack verifies.";
const FIX_APPROVAL = "Fix: register versions as PendingManualApproval (or leave the status out) and let an approver approve them with the approver CLI.";

/** A package registered or updated by the program itself with a status other than PendingManualApproval. */
function selfApproval(where: string, status: unknown): OtherProviderJudgement {
    if (isUnknown(status)) return { kind: "unknown", what: `${where}: its ModelApprovalStatus` };
    if (status === undefined || status === null || status === "" || status === "PendingManualApproval") return OK;
    return { kind: "problem", message: `${where} sets the model package's ModelApprovalStatus to ${JSON.stringify(status)}: the program would approve a model itself, not a person. ${FIX_APPROVAL}` };
}

export function judgeOtherProvider(type: string, urn: string, props: Record<string, unknown>): OtherProviderJudgement {
    const resource = `${type} ${urn}`;
    if (UNVERIFIABLE_MODEL_DEPLOYING_TYPES.includes(type)) {
        return { kind: "problem", message: `${resource} deploys models this pack cannot trace to an Approved model package version, so it is not allowed in production. ${FIX_AWS}` };
    }
    if (type === NATIVE_MODEL_PACKAGE) return selfApproval(resource, props.modelApprovalStatus);
    if (type === CLOUD_CONTROL_RESOURCE) {
        const typeName = props.typeName;
        if (isUnknown(typeName)) return { kind: "unknown", what: `${resource}: its typeName` };
        if (typeof typeName !== "string") return OK;
        if (MODEL_DEPLOYING_CFN_TYPES.some((t) => t.toLowerCase() === typeName.toLowerCase())) {
            return { kind: "problem", message: `${resource} creates ${typeName} through AWS Cloud Control, which this pack cannot trace to an Approved model package version, so it is not allowed in production. ${FIX_AWS}` };
        }
        if (typeName.toLowerCase() !== MODEL_PACKAGE_CFN_TYPE.toLowerCase()) return OK;
        const desired = props.desiredState;
        if (isUnknown(desired)) return { kind: "unknown", what: `${resource}: its desiredState` };
        let state: unknown;
        try {
            state = typeof desired === "string" ? JSON.parse(desired) : desired;
        } catch {
            return { kind: "problem", message: `${resource} creates ${typeName} with a desiredState that is not JSON, so this pack cannot tell its ModelApprovalStatus. ${FIX_APPROVAL}` };
        }
        return selfApproval(`${resource} (${typeName})`, (state as { ModelApprovalStatus?: unknown } | null)?.ModelApprovalStatus);
    }
    if (CLOUDFORMATION_TEMPLATE_TYPES.includes(type)) {
        const body = props.templateBody;
        if (isUnknown(body)) return { kind: "unknown", what: `${resource}: its templateBody` };
        // YAML or JSON: the resource type appears literally either way. A match is refused rather than parsed:
        // this pack does not follow a template's references to a live approval status.
        const text = typeof body === "string" ? body : "";
        const found = [...MODEL_DEPLOYING_CFN_TYPES, MODEL_PACKAGE_CFN_TYPE].filter((t) => text.includes(t));
        if (found.length) {
            return { kind: "problem", message: `${resource} deploys a CloudFormation template that declares ${found.join(", ")}, which this pack cannot trace to an Approved model package version, so it is not allowed in production. ${FIX_AWS}` };
        }
        return OK;
    }
    return OK;
}
