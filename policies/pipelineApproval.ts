/**
 * `pipelines-register-for-manual-approval`: a SageMaker Pipeline must register new model versions as
 * PendingManualApproval, so that a person, not the pipeline, decides what is Approved.
 */
import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { makeMandatoryReporter, type Reporter } from "./lib/reporting";
import { CLOUDFORMATION_TEMPLATE_TYPES } from "./lib/cloudFormationStacks";
import { parseTemplate, resourceDeclarations, valuesOf } from "./lib/cloudFormationTemplate";
import { currentStackContext, type StackContext } from "./lib/environment";
import { Pipeline } from "./lib/resourceTypes";
import { isUnknown, plainProps } from "./lib/unknowns";

export const PENDING = "PendingManualApproval";

export interface PipelineApprovalConfig {
    /** A RegisterModel step without ModelApprovalStatus is a violation (SageMaker would default it to Pending). */
    readonly requireExplicitApprovalStatus: boolean;
    /** Allow `{"Get": "Parameters.X"}` when X is a String parameter whose default is PendingManualApproval. */
    readonly allowParameterizedApprovalStatus: boolean;
}

export const DEFAULT_PIPELINE_APPROVAL_CONFIG: PipelineApprovalConfig = {
    requireExplicitApprovalStatus: true,
    allowParameterizedApprovalStatus: true,
};

export const pipelineApprovalConfigSchema: PolicyConfigSchema = {
    properties: {
        requireExplicitApprovalStatus: {
            type: "boolean",
            default: DEFAULT_PIPELINE_APPROVAL_CONFIG.requireExplicitApprovalStatus,
            description: "Require RegisterModel steps to state ModelApprovalStatus. SageMaker defaults a missing status to PendingManualApproval, but an explicit value is what a reviewer can see and what this policy can prove.",
        },
        allowParameterizedApprovalStatus: {
            type: "boolean",
            default: DEFAULT_PIPELINE_APPROVAL_CONFIG.allowParameterizedApprovalStatus,
            description: "Accept {\"Get\": \"Parameters.X\"} when X defaults to PendingManualApproval. A caller of StartPipelineExecution can override a parameter, so pair this with the IAM guardrail that denies registering as Approved, or set false.",
        },
    },
};

export function readPipelineApprovalConfig(raw: Record<string, unknown> | undefined): PipelineApprovalConfig {
    const out = { ...DEFAULT_PIPELINE_APPROVAL_CONFIG };
    for (const key of Object.keys(DEFAULT_PIPELINE_APPROVAL_CONFIG) as (keyof PipelineApprovalConfig)[]) {
        const value = raw?.[key];
        if (value === undefined || value === null) continue;
        if (typeof value !== "boolean") {
            throw new Error(`policy config option "${key}" has the value ${JSON.stringify(value)}: expected true or false`);
        }
        out[key] = value;
    }
    return out;
}

/** A RegisterModel step found in a definition, with where it sits (e.g. `Steps[3].IfSteps[0]`). */
export interface RegisterStep {
    readonly name: string;
    readonly path: string;
    readonly status: unknown;
    readonly hasStatus: boolean;
}

/** Every RegisterModel step, including those nested in Condition steps' IfSteps/ElseSteps at any depth. */
export function findRegisterModelSteps(definition: unknown): RegisterStep[] {
    const found: RegisterStep[] = [];
    const walk = (steps: unknown, path: string): void => {
        if (!Array.isArray(steps)) return;
        steps.forEach((step, i) => {
            if (!step || typeof step !== "object") return;
            const s = step as { Name?: unknown; Type?: unknown; Arguments?: Record<string, unknown> };
            const here = `${path}[${i}]`;
            if (s.Type === "RegisterModel") {
                const args = s.Arguments && typeof s.Arguments === "object" ? s.Arguments : {};
                found.push({
                    name: typeof s.Name === "string" ? s.Name : `(unnamed step at ${here})`,
                    path: here,
                    status: args.ModelApprovalStatus,
                    hasStatus: Object.prototype.hasOwnProperty.call(args, "ModelApprovalStatus") && args.ModelApprovalStatus !== null,
                });
            }
            // Condition steps inline their branches as full step objects; walk every array of steps below.
            if (s.Arguments && typeof s.Arguments === "object") {
                for (const branch of ["IfSteps", "ElseSteps"]) walk(s.Arguments[branch], `${here}.${branch}`);
            }
        });
    };
    walk((definition as { Steps?: unknown } | undefined)?.Steps, "Steps");
    return found;
}

/** Problems with how one RegisterModel step sets its approval status; empty when it is PendingManualApproval. */
export function judgeRegisterStep(step: RegisterStep, definition: unknown, config: PipelineApprovalConfig): string[] {
    const where = `RegisterModel step "${step.name}" (${step.path})`;
    const fix = `Fix: set "ModelApprovalStatus": "${PENDING}" in its Arguments (SageMaker SDK: approval_status="${PENDING}"), and let an approver approve the version.`;
    if (!step.hasStatus) {
        return config.requireExplicitApprovalStatus
            ? [`${where} does not set ModelApprovalStatus. SageMaker would default it to ${PENDING}, but this pack requires the status to be explicit so that it can be reviewed and proven. ${fix}`]
            : [];
    }
    const status = step.status;
    if (status === PENDING) return [];
    if (typeof status === "string") {
        return [`${where} registers models as "${status}": the pipeline would approve its own output. ${fix}`];
    }
    const get = status && typeof status === "object" ? (status as Record<string, unknown>).Get : undefined;
    const keys = status && typeof status === "object" ? Object.keys(status) : [];
    if (typeof get === "string" && keys.length === 1 && get.startsWith("Parameters.")) {
        const paramName = get.slice("Parameters.".length);
        if (!config.allowParameterizedApprovalStatus) {
            return [`${where} takes ModelApprovalStatus from parameter "${paramName}", which any caller of StartPipelineExecution can set to Approved; this pack's config forbids parameterized statuses. ${fix}`];
        }
        const params = (definition as { Parameters?: unknown }).Parameters;
        const param = Array.isArray(params) ? params.find((p) => p && typeof p === "object" && (p as { Name?: unknown }).Name === paramName) : undefined;
        if (!param) {
            return [`${where} takes ModelApprovalStatus from parameter "${paramName}", which the definition does not declare. ${fix}`];
        }
        const { DefaultValue, Type } = param as { DefaultValue?: unknown; Type?: unknown };
        if (Type !== undefined && Type !== "String") {
            return [`${where} takes ModelApprovalStatus from parameter "${paramName}" of type ${JSON.stringify(Type)}; it must be a String parameter defaulting to "${PENDING}". ${fix}`];
        }
        if (DefaultValue !== PENDING) {
            return [`${where} takes ModelApprovalStatus from parameter "${paramName}", whose default is ${DefaultValue === undefined ? "not set" : JSON.stringify(DefaultValue)}, not "${PENDING}": a run without overrides would register with that status. Fix: give "${paramName}" the DefaultValue "${PENDING}", or set the status literally.`];
        }
        return [];
    }
    return [`${where} computes ModelApprovalStatus with an expression (${JSON.stringify(status).slice(0, 200)}) that this pack cannot prove is ${PENDING}. ${fix}`];
}

export const pipelineApprovalDescription =
    "SageMaker Pipelines (aws, aws-native, Cloud Control, or in a CloudFormation template) must register model versions with ModelApprovalStatus PendingManualApproval (a literal, or a parameter defaulting to it), including in Condition branches at any depth, so that only a person approves a model.";

export interface PipelinePolicyDeps {
    readonly context?: () => StackContext;
}

/** Pipeline resources of other providers, with the same definition inside a different shape. */
export const NATIVE_PIPELINE = "aws-native:sagemaker:Pipeline";
const CLOUD_CONTROL_RESOURCE = "aws:cloudcontrol/resource:Resource";

/** Where a pipeline's definition is: inline text, in S3, or not given. Values may be unknown sentinels. */
interface DefinitionSource {
    readonly text?: unknown;
    readonly inS3: boolean;
    /** A CloudFormation intrinsic function given as the definition, which this pack does not evaluate. */
    readonly intrinsic?: unknown;
}

/**
 * The definition of a pipeline declared through any provider, or undefined when the resource is no pipeline:
 * `aws.sagemaker.Pipeline` (`pipelineDefinition`), aws-native (`pipelineDefinition.pipelineDefinitionBody`)
 * and `aws.cloudcontrol.Resource` of type AWS::SageMaker::Pipeline (`PipelineDefinition.PipelineDefinitionBody`
 * in its desiredState). A self-approving pipeline must not pass because it was declared another way.
 */
export function pipelineDefinitionOf(type: string, props: Record<string, unknown>): DefinitionSource | { readonly unknownShape: string } | undefined {
    const given = (v: unknown) => v !== undefined && v !== null;
    if (type === Pipeline.__pulumiType) {
        return { text: props.pipelineDefinition, inS3: given(props.pipelineDefinitionS3Location) };
    }
    const nested = (definition: unknown, body: string, s3: string): DefinitionSource | { unknownShape: string } => {
        if (isUnknown(definition)) return { text: definition, inS3: false };
        const d = definition && typeof definition === "object" ? (definition as Record<string, unknown>) : {};
        return { text: d[body], inS3: given(d[s3]) };
    };
    if (type === NATIVE_PIPELINE) return nested(props.pipelineDefinition, "pipelineDefinitionBody", "pipelineDefinitionS3Location");
    if (type === CLOUD_CONTROL_RESOURCE) {
        const typeName = props.typeName;
        if (isUnknown(typeName)) return { unknownShape: "its typeName" };
        if (typeof typeName !== "string" || typeName.toLowerCase() !== "aws::sagemaker::pipeline") return undefined;
        const desired = props.desiredState;
        if (isUnknown(desired)) return { text: desired, inS3: false };
        let state: unknown;
        try {
            state = typeof desired === "string" ? JSON.parse(desired) : desired;
        } catch {
            return { text: "", inS3: false };
        }
        return nested((state as Record<string, unknown> | null)?.PipelineDefinition, "PipelineDefinitionBody", "PipelineDefinitionS3Location");
    }
    return undefined;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A `PipelineDefinitionBody` in a CloudFormation template: a string, or `Fn::Sub` of one, whose text is judged
 * as it stands (a `${placeholder}` is not PendingManualApproval, so it fails closed).
 */
function templateDefinitionSource(definition: unknown): DefinitionSource {
    if (isUnknown(definition)) return { text: definition, inS3: false };
    const d = isMapping(definition) ? definition : {};
    const inS3 = d.PipelineDefinitionS3Location !== undefined && d.PipelineDefinitionS3Location !== null;
    const body = d.PipelineDefinitionBody;
    if (!isMapping(body)) return { text: body, inS3 };
    const sub = Object.keys(body).length === 1 ? body["Fn::Sub"] : undefined;
    const subText = Array.isArray(sub) ? sub[0] : sub;
    return typeof subText === "string" ? { text: subText, inS3 } : { intrinsic: body, inS3 };
}

/**
 * The pipelines (`AWS::SageMaker::Pipeline`) a CloudFormation stack or stack set declares in its inline template,
 * or undefined when it declares none. A template that cannot be parsed declares none here: in production
 * approved-model-packages-only refuses it (see docs/policy-pack.md), and CloudFormation rejects broken templates.
 */
export function templatePipelinesOf(props: Record<string, unknown>): { logicalId: string; source: DefinitionSource }[] | { readonly unknownShape: string } | undefined {
    if (isUnknown(props.templateBody)) return { unknownShape: "its templateBody" };
    const parsed = parseTemplate(props.templateBody);
    if (parsed.kind !== "parsed") return undefined;
    const { declarations, malformed } = resourceDeclarations(parsed.template);
    const unknownAt = [
        ...malformed.filter(isUnknown).map(() => "Resources"),
        ...declarations.filter((d) => isUnknown(d.notAMapping)).map((d) => `Resources.${d.logicalId}`),
        ...declarations.filter((d) => d.types.some(isUnknown)).map((d) => `Resources.${d.logicalId}.Type`),
    ];
    if (unknownAt.length) return { unknownShape: `its templateBody's ${unknownAt.join(", ")}` };
    const pipelines = declarations
        .filter((d) => d.types.some((t) => typeof t === "string" && t.trim().toLowerCase() === "aws::sagemaker::pipeline"))
        .map((d) => {
            const properties = (d.declaration && valuesOf(d.declaration, "Properties").find(isMapping)) || {};
            return { logicalId: d.logicalId, source: templateDefinitionSource(properties.PipelineDefinition) };
        });
    return pipelines.length ? pipelines : undefined;
}

/** Every pipeline a resource declares, each with where it is (`""` for the resource itself). */
function pipelineSourcesOf(type: string, props: Record<string, unknown>): { where: string; source: DefinitionSource }[] | { readonly unknownShape: string } | undefined {
    if (CLOUDFORMATION_TEMPLATE_TYPES.includes(type)) {
        const found = templatePipelinesOf(props);
        return Array.isArray(found) ? found.map((p) => ({ where: ` (template resource ${JSON.stringify(p.logicalId)})`, source: p.source })) : found;
    }
    const source = pipelineDefinitionOf(type, props);
    return source && !("unknownShape" in source) ? [{ where: "", source }] : source;
}

/** The findings (and notes) about one pipeline definition. */
function judgeDefinitionSource(resource: string, source: DefinitionSource, config: PipelineApprovalConfig, report: Reporter, dryRun: () => boolean): void {
    if (source.inS3) {
        report.finding(`${resource} takes its definition from S3 (pipelineDefinitionS3Location), which this pack cannot read at deploy time, so it cannot prove the pipeline registers models as ${PENDING}. Fix: pass the definition inline with pipelineDefinition (e.g. pulumi.jsonStringify(definition)).`);
        return;
    }
    if (source.intrinsic !== undefined) {
        report.finding(`${resource}: its PipelineDefinitionBody is ${JSON.stringify(source.intrinsic)}, an intrinsic function this pack cannot evaluate, so it cannot prove the pipeline registers models as ${PENDING}. Fix: give the definition as a string (or !Sub of one) in the template.`);
        return;
    }
    const text = source.text;
    if (isUnknown(text)) {
        if (dryRun()) {
            // The definition usually embeds ARNs of resources created in the same update, so it is unknown
            // in preview. The same check runs on the resolved definition before the pipeline is created
            // or updated in `pulumi up`, where an unknown is a violation. Say so rather than stay silent.
            report.note(`${resource}: pipelineDefinition is not known during preview; it is checked before the pipeline is created or updated in \`pulumi up\`.`);
        } else {
            report.finding(`${resource}: pipelineDefinition is unknown outside preview, so it cannot be checked. Fix: make the definition a known value when the pipeline is created.`);
        }
        return;
    }
    if (typeof text !== "string" || text.trim() === "") {
        report.finding(`${resource} has no pipelineDefinition to check. Fix: pass the definition inline with pipelineDefinition.`);
        return;
    }
    let definition: unknown;
    try {
        definition = JSON.parse(text);
    } catch (err) {
        report.finding(`${resource}: pipelineDefinition is not valid JSON (${(err as Error).message}), so it cannot be checked.`);
        return;
    }
    for (const step of findRegisterModelSteps(definition)) {
        for (const problem of judgeRegisterStep(step, definition, config)) report.finding(`${resource}: ${problem}`);
    }
}

export function pipelinesRegisterForManualApprovalPolicy(deps: PipelinePolicyDeps = {}): ResourceValidationPolicy {
    const description = pipelineApprovalDescription;
    return {
        name: "pipelines-register-for-manual-approval",
        description,
        enforcementLevel: "mandatory",
        configSchema: pipelineApprovalConfigSchema,
        validateResource: (args, reportViolation) => {
            const sources = pipelineSourcesOf(args.type, plainProps<Record<string, unknown>>(args.props) ?? {});
            if (!sources) return args.notApplicable(`not a SageMaker pipeline (${args.type})`);
            const report: Reporter = makeMandatoryReporter(reportViolation, description);
            const resource = `${args.type === Pipeline.__pulumiType ? "Pipeline" : args.type} ${args.urn}`;
            const dryRun = () => (deps.context ?? currentStackContext)().dryRun;
            if ("unknownShape" in sources) {
                if (dryRun()) report.note(`${resource}: ${sources.unknownShape} is not known during preview; it is checked before the resource is created or updated in \`pulumi up\`.`);
                else report.finding(`${resource}: ${sources.unknownShape} is unknown outside preview, so this pack cannot tell whether it is a pipeline that registers models. Fix: make it a known value.`);
                return;
            }
            let config: PipelineApprovalConfig;
            try {
                config = readPipelineApprovalConfig(args.getConfig<Record<string, unknown>>());
            } catch (err) {
                report.finding(`${resource}: ${(err as Error).message}`);
                return;
            }
            for (const { where, source } of sources) judgeDefinitionSource(`${resource}${where}`, source, config, report, dryRun);
        },
    };
}

export const pipelinesRegisterForManualApproval: ResourceValidationPolicy = pipelinesRegisterForManualApprovalPolicy();
