/**
 * Judges the containers of one model: each must name a versioned model package whose live status is Approved and
 * whose bytes are the ones pinned at registration (the rule's Status and Bytes questions), and nothing in the
 * container may swap in other artifacts. Shared by the Model policy (declared inputs), the
 * endpoint-config policy (live DescribeModel answers) and the stack join (declared Models behind unknown names).
 */
import type { ContainerDefinition, DescribeModelCommandOutput } from "@aws-sdk/client-sagemaker";
import { describeVerdict, type ApprovalRuleOptions, type BytesCause, type RefusedVerdict } from "./approvalRule";
import type { LedgerLocation } from "./ledgerLocation";
import type { RegistryLookup } from "./registryLookup";
import type { ContainerInputs, ModelInputs } from "./resourceTypes";
import { isUnknown } from "./unknowns";

/** One container, whichever way we learned it. Values may be unknown sentinels (declared inputs in preview). */
export interface ContainerSpec {
    /** `primaryContainer` or `containers[1]`. */
    readonly slot: string;
    readonly modelPackageName?: unknown;
    readonly image?: unknown;
    readonly modelDataUrl?: unknown;
    readonly modelDataSource?: unknown;
    /** Extra model artifacts the container loads (adapters, draft models): `additionalModelDataSources`. */
    readonly additionalModelDataSources?: unknown;
    /** Picks one of the package's additional inference specifications instead of the one that was approved. */
    readonly inferenceSpecificationName?: unknown;
    readonly mode?: unknown;
    readonly multiModelConfig?: unknown;
    /** The container's environment variables (declared, or as SageMaker describes them). */
    readonly environment?: unknown;
}

/**
 * Container environment variables that choose which code or which model a SageMaker inference container loads
 * (SageMaker Python SDK framework containers, Hugging Face and DJL/LMI containers). Set on a model built from
 * a package, they would serve something other than the approved artifacts.
 */
export const ARTIFACT_SELECTING_ENVIRONMENT: readonly string[] = [
    "SAGEMAKER_SUBMIT_DIRECTORY",
    "SAGEMAKER_PROGRAM",
    "HF_MODEL_ID",
    "HF_MODEL_REVISION",
    "OPTION_MODEL_ID",
    "OPTION_S3URL",
    "OPTION_ENTRYPOINT",
];

export interface ModelSpec {
    /** How messages name the model, e.g. `model "churn-v3"` or `Model urn:...::churn`. */
    readonly label: string;
    /** Where the containers came from: declared inputs, or SageMaker's live answer. */
    readonly source: "declared" | "live";
    /** undefined when the container list itself is unknown. */
    readonly containers: readonly ContainerSpec[] | undefined;
}

const present = (v: unknown) => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);

export function containersFromInputs(inputs: ModelInputs): readonly ContainerSpec[] | undefined {
    if (isUnknown(inputs.primaryContainer) || isUnknown(inputs.containers)) return undefined;
    const specs: ContainerSpec[] = [];
    const add = (slot: string, c: ContainerInputs | undefined) => {
        if (c === undefined || c === null || (typeof c === "object" && Object.keys(c).length === 0)) return;
        if (isUnknown(c)) {
            specs.push({ slot, modelPackageName: c });
            return;
        }
        specs.push({ slot, modelPackageName: c.modelPackageName, image: c.image, modelDataUrl: c.modelDataUrl, modelDataSource: c.modelDataSource, additionalModelDataSources: c.additionalModelDataSources, inferenceSpecificationName: c.inferenceSpecificationName, mode: c.mode, multiModelConfig: c.multiModelConfig, environment: c.environment });
    };
    add("primaryContainer", inputs.primaryContainer);
    (Array.isArray(inputs.containers) ? inputs.containers : []).forEach((c, i) => add(`containers[${i}]`, c));
    return specs;
}

export function containersFromDescription(model: DescribeModelCommandOutput): readonly ContainerSpec[] {
    const specs: ContainerSpec[] = [];
    const add = (slot: string, c: ContainerDefinition | undefined) => {
        // SageMaker (and moto) answer PrimaryContainer: {} for multi-container models: no container there.
        if (!c || Object.keys(c).length === 0) return;
        specs.push({ slot, modelPackageName: c.ModelPackageName, image: c.Image, modelDataUrl: c.ModelDataUrl, modelDataSource: c.ModelDataSource, additionalModelDataSources: c.AdditionalModelDataSources, inferenceSpecificationName: c.InferenceSpecificationName, mode: c.Mode, multiModelConfig: c.MultiModelConfig, environment: c.Environment });
    };
    add("PrimaryContainer", model.PrimaryContainer);
    (model.Containers ?? []).forEach((c, i) => add(`Containers[${i}]`, c));
    return specs;
}

export interface JudgeContext {
    readonly lookup: RegistryLookup;
    readonly rule: ApprovalRuleOptions;
    /** The deployment ledger holding the artifact pins, or why it cannot be named (then every package fails the bytes question). */
    readonly ledger: LedgerLocation;
    /** The named profile of the resource's provider, for the bytes lookups. */
    readonly profile?: string;
}

const BYTES_CAUSES: ReadonlySet<string> = new Set<BytesCause>(["bytes-changed", "bytes-unpinned", "not-pinned", "bytes-unverified"]);

const FIX_PACKAGE = "Fix: build the model from an Approved model package version: primaryContainer: { modelPackageName: \"arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>\" } (list and approve versions with the approver CLI).";

/** The fix for a refused package, by why it was refused. */
export function fixFor(verdict: RefusedVerdict): string {
    switch (verdict.cause ?? (verdict.verified ? "not-approved" : "unverified")) {
        case "not-a-versioned-arn":
            return "Fix: set modelPackageName to the full ARN of an Approved version, arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version> (`approvals pending` lists versions).";
        case "not-approved":
            return `Fix: have an approver approve this version (\`approvals approve ${verdict.packageArn} --comment "<why>"\`), or reference a version that is Approved.`;
        case "not-completed":
            return "Fix: wait until the version's ModelPackageStatus is Completed, or reference another Approved version.";
        case "stage-pending":
        case "stage-rejected":
        case "stage-unknown":
            // describeVerdict already says what must happen next, with the approver command.
            return `Fix: promote this version as said, or reference a version already promoted to ${verdict.stage ?? "this environment's stage"}.`;
        case "account-not-allowed":
        case "group-not-allowed":
            return "Fix: reference an Approved version from an allowed group and account (policy config allowedModelPackageGroups / allowedAccounts).";
        case "unverified":
        case "not-found":
        case "access-denied":
        case "throttled":
        case "timed-out":
        case "lookup-failed":
        case "unclassified":
            return "Fix: make sure the ARN names an existing package version in a region and account the deployer can reach, and that the deployer may call sagemaker:DescribeModelPackage on it, then retry.";
        case "bytes-changed":
            return "Fix: reference another Approved version; register a new version from a trusted training run and have it approved, and find out who wrote the artifact or moved the tag (CloudTrail).";
        case "bytes-unpinned":
            return "Fix: register a new version whose images are referenced by digest (…@sha256:…) or come from an ECR repository of this account and region, and whose model data are S3 objects (or a manifest), not prefixes; have it approved.";
        case "not-pinned":
            return "Fix: register the version again (its artifacts and images are pinned at registration), have the new version approved, and reference it.";
        case "bytes-unverified":
            return "Fix: let the deployer read the pins (dynamodb:Query on the deployment ledger), the artifacts (s3:GetObject and s3:ListBucket on the artifacts bucket) and the images (ecr:BatchGetImage), then retry.";
    }
}

/** Problems with one model; empty when every container comes from an Approved package. `prefix` names the referrer. */
export async function judgeModel(ctx: JudgeContext, prefix: string, model: ModelSpec): Promise<string[]> {
    if (model.containers === undefined) {
        return [`${prefix}${model.label}: its containers are not known during preview, so approval cannot be verified. Fix: give the model known container definitions (a known modelPackageName).`];
    }
    if (model.containers.length === 0) {
        return [`${prefix}${model.label} has no container, so there is no model package to verify. ${FIX_PACKAGE}`];
    }
    const problems = await Promise.all(model.containers.map(async (c): Promise<string[]> => {
        const where = `${prefix}${model.label} ${c.slot}`;
        const out: string[] = [];
        if (c.mode === "MultiModel" || present(c.multiModelConfig)) {
            out.push(`${where} is a multi-model container: it loads model artifacts from S3 at invocation time, bypassing the registry. Fix: one Approved package per container, Mode "SingleModel".`);
        }
        if (isUnknown(c.modelPackageName)) {
            out.push(`${where}: modelPackageName is not known during preview, so approval cannot be verified. A package version created in this same update cannot have been approved by a person. Fix: reference an existing Approved package version ARN (a known value, e.g. from stack config).`);
            return out;
        }
        if (!present(c.modelPackageName)) {
            const what = [present(c.image) ? `image ${JSON.stringify(c.image)}` : "", present(c.modelDataUrl) ? `modelDataUrl ${JSON.stringify(c.modelDataUrl)}` : "", present(c.modelDataSource) ? "modelDataSource" : ""].filter(Boolean).join(", ");
            out.push(`${where} is built from ${what || "no image and no model data"} with no model package: it bypasses the model registry and its approval. ${FIX_PACKAGE}`);
            return out;
        }
        if (typeof c.modelPackageName !== "string") {
            out.push(`${where}: modelPackageName ${JSON.stringify(c.modelPackageName)} is not a string. ${FIX_PACKAGE}`);
            return out;
        }
        if (present(c.inferenceSpecificationName)) {
            // Additional inference specifications can be added to a version after a person approved it
            // (UpdateModelPackage), so the approval vouches only for the primary specification.
            out.push(`${where} names package ${c.modelPackageName} but selects its inference specification ${JSON.stringify(c.inferenceSpecificationName)}: additional inference specifications can be added to a version after it was approved, so the approval does not cover them. Fix: remove inferenceSpecificationName and serve the package's primary inference specification, or register the container you want as a new version and have it approved.`);
        }
        if (model.source === "declared") {
            // SageMaker fills image and artifacts from the package; a declared override would deploy something else.
            const overrides = [["image", c.image], ["modelDataUrl", c.modelDataUrl], ["modelDataSource", c.modelDataSource], ["additionalModelDataSources", c.additionalModelDataSources]].filter(([, v]) => present(v)).map(([k]) => k);
            if (overrides.length) {
                out.push(`${where} names package ${c.modelPackageName} but also sets ${overrides.join(", ")}, which would replace the approved artifacts. Fix: remove ${overrides.join(", ")}; the package supplies them.`);
            }
            if (isUnknown(c.environment)) {
                out.push(`${where}: its environment is not known during preview, and environment variables can choose other code or model artifacts. Fix: make the container environment a known value.`);
            }
        }
        const ledger = ctx.ledger;
        // The rule asks Status and Bytes (pins from the environment's ledger, read beside DescribeModelPackage).
        const verdict = await ctx.lookup.checkPackage(c.modelPackageName, ctx.rule, ledger.known ? { ledger, profile: ctx.profile } : undefined);
        if (verdict.approved && !ledger.known) {
            out.push(`${where} -> package ${c.modelPackageName} is Approved but its bytes cannot be verified: ${ledger.problem}`);
        }
        if (verdict.approved) {
            const packageContainers = (await ctx.lookup.packageContainers(c.modelPackageName)) ?? [];
            if (model.source === "live") {
                // SageMaker may echo the package's own image and artifacts; anything else replaces what was approved.
                const sameAsPackage = (value: unknown, field: "Image" | "ModelDataUrl" | "ModelDataSource" | "AdditionalModelDataSources") =>
                    packageContainers.some((p) => JSON.stringify(p[field]) === JSON.stringify(value));
                const overrides = ([["image", c.image, "Image"], ["modelDataUrl", c.modelDataUrl, "ModelDataUrl"], ["modelDataSource", c.modelDataSource, "ModelDataSource"], ["additionalModelDataSources", c.additionalModelDataSources, "AdditionalModelDataSources"]] as const)
                    .filter(([, v, field]) => present(v) && !sameAsPackage(v, field)).map(([k]) => k);
                if (overrides.length) {
                    out.push(`${where} names package ${c.modelPackageName} but its ${overrides.join(", ")} differ from the package's, so it would serve something other than the approved artifacts. Fix: recreate the model from the package alone (modelPackageName, no ${overrides.join(", ")}).`);
                }
            }
            if (c.environment && typeof c.environment === "object" && !isUnknown(c.environment)) {
                // Variables that pick code or model must say what the approved package says (SageMaker may echo them).
                const env = c.environment as Record<string, unknown>;
                const approvedEnv: Record<string, string> = Object.assign({}, ...packageContainers.map((p) => p.Environment ?? {}));
                const chosen = Object.keys(env).filter((k) => ARTIFACT_SELECTING_ENVIRONMENT.includes(k.toUpperCase()) && env[k] !== approvedEnv[k]);
                if (chosen.length) {
                    out.push(`${where} names package ${c.modelPackageName} but sets ${chosen.join(", ")} in its environment to values the package does not declare; they choose the code or model the container loads instead of the approved artifacts. Fix: remove ${chosen.join(", ")}; register a new package version with the code and model you want approved.`);
                }
            }
        }
        if (!verdict.approved) {
            const fix = fixFor(verdict);
            // The rule's words, as deploy-approved prints them; then where this pack looked for the pins.
            const pinsFrom = ledger.known && BYTES_CAUSES.has(verdict.cause ?? "unverified") ? ` (Pins read from the ledger table ${ledger.table}${ledger.region ? ` in ${ledger.region}` : ""}, named from ${ledger.derivedFrom}.)` : "";
            out.push(`${where} -> package ${describeVerdict(verdict)}. ${fix}${pinsFrom}`);
        }
        return out;
    }));
    return problems.flat();
}
