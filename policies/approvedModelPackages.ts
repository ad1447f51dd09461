/**
 * `approved-model-packages-only`: a production endpoint configuration may serve only models built from model
 * package versions whose live ModelApprovalStatus is Approved, (with the option `stage`, in an environment of a
 * promotion) whose ModelLifeCycle has reached that stage, and whose bytes (model artifact, images) are the ones
 * pinned at registration (the rule's Bytes question; pins from the environment's ledger, lib/ledgerLocation.ts). Every variant (production and shadow), every
 * container (primary and `containers[]`). Models are checked too, so an unapproved model is blocked before
 * it is created.
 *
 * `approved-model-packages-only-stack`: in preview, a model created in the same update has no name yet (or a
 * name SageMaker does not know yet). The resource policy cannot see other resources, so it defers those
 * variants; this stack policy joins each endpoint configuration to the Models of the stack (by name, or
 * through the property dependencies of its variants when the name is unknown) and judges them, so the
 * preview fails on what the update would block. In the update itself every name is known and the resource
 * policy decides before the endpoint configuration is created.
 */
import {
    validateResourceOfType,
    type PolicyResource,
    type ReportViolation,
    type ResourceValidationArgs,
    type ResourceValidationPolicy,
    type StackValidationArgs,
    type StackValidationPolicy,
} from "@pulumi/policy";
import { currentStackContext, decideEnvironment, type EnvironmentDecision, type StackContext } from "./lib/environment";
import { approvalGateConfigSchema, readApprovalGateConfig, type ApprovalGateConfig } from "./lib/gateConfig";
import { ledgerLocation } from "./lib/ledgerLocation";
import { containersFromDescription, containersFromInputs, judgeModel, type JudgeContext } from "./lib/modelJudge";
import { sharedRegistryLookup, type RegistryLookup } from "./lib/registryLookup";
import { OTHER_PROVIDER_TYPES, judgeOtherProvider } from "./lib/otherProviders";
import { makeReporter, type Reporter } from "./lib/reporting";
import {
    ENDPOINT,
    ENDPOINT_CONFIGURATION,
    Endpoint,
    EndpointConfiguration,
    MODEL,
    Model,
    type EndpointConfigurationInputs,
    type EndpointInputs,
    type ModelInputs,
    type VariantInputs,
} from "./lib/resourceTypes";
import { isUnknown, plainProps } from "./lib/unknowns";

export interface ApprovalPolicyDeps {
    /** The stack being previewed/updated. Defaults to what the CLI put in the environment. */
    readonly context?: () => StackContext;
    /** The registry lookup. Defaults to one cached SageMaker lookup per pack process. */
    readonly lookup?: (config: ApprovalGateConfig) => RegistryLookup;
}

const VARIANT_LISTS = ["productionVariants", "shadowProductionVariants"] as const;

const present = (v: unknown) => v !== undefined && v !== null && v !== "";

interface Setup {
    readonly context: StackContext;
    readonly environment: EnvironmentDecision;
    readonly judge: JudgeContext;
    readonly report: Reporter;
}

/** Config, environment, lookup and reporter for one validation; undefined (after reporting) when config is bad. */
function setUp(deps: ApprovalPolicyDeps, description: string, getConfig: () => Record<string, unknown>, reportViolation: ReportViolation, what: string): Setup | undefined {
    const context = (deps.context ?? currentStackContext)();
    let config: ApprovalGateConfig;
    try {
        config = readApprovalGateConfig(getConfig());
    } catch (err) {
        // Without valid config we cannot tell dev from prod: fail closed, as production.
        makeReporter(reportViolation, description, { production: true, reason: "invalid policy config" }).finding(`${what}: ${(err as Error).message}`);
        return undefined;
    }
    const environment = decideEnvironment(context, config);
    return {
        context,
        environment,
        judge: {
            lookup: (deps.lookup ?? sharedRegistryLookup)(config),
            rule: {
                allowedGroups: config.allowedModelPackageGroups,
                allowedAccounts: config.allowedAccounts,
                ...(config.stage ? { stage: { stage: config.stage, order: config.stageOrder } } : {}),
            },
            ledger: ledgerLocation(context, config),
        },
        report: makeReporter(reportViolation, description, environment),
    };
}

/**
 * Where a resource's lookups must go (region and, if its provider names one, the profile), or why the pack
 * cannot look where the resource will be created. `unverifiable`: not a preview-time unknown but a setting the
 * pack does not reproduce, so it blocks in preview too.
 */
export type LookupTarget =
    | { readonly known: true; readonly region: string | undefined; readonly profile?: string }
    | { readonly known: false; readonly why: string; readonly unverifiable: boolean };

/**
 * Provider settings that make the provider act in another account (or talk to another endpoint) than the
 * pack's own credentials would describe. The pack does not assume roles: a model name means different models
 * in different accounts, so looking it up with other credentials could vouch for the wrong one.
 */
const OTHER_IDENTITY_SETTINGS = ["assumeRoles", "assumeRole", "assumeRoleWithWebIdentity", "accessKey", "secretKey", "token", "sharedCredentialsFiles", "sharedConfigFiles", "endpoints"];

const FIX_IDENTITY = "Fix: run `pulumi` with the target account's own credentials (AWS_PROFILE, or a role assumed before the CLI starts) and no role, keys or endpoints on the provider, so that this pack describes the same account the provider deploys to.";

/** @pulumi/aws sends a provider's list and object settings JSON-encoded ("[]", "[{\"roleArn\":...}]"). */
function decodeSetting(v: unknown): unknown {
    if (typeof v !== "string" || !/^\s*(\[|\{|null\s*$)/.test(v)) return v;
    try {
        return JSON.parse(v);
    } catch {
        return v; // not JSON after all: a set value
    }
}

function isSet(raw: unknown): boolean {
    const v = decodeSetting(raw);
    if (v === undefined || v === null || v === "") return false;
    if (Array.isArray(v)) return v.length > 0;
    if (typeof v === "object") return Object.keys(v).length > 0;
    return true;
}

/**
 * The region SageMaker will create the resource in, so that names are described where they will be used:
 * the resource's own `region` input (@pulumi/aws 7 has one on every resource), else its provider's `region`,
 * else what a provider without a region uses (AWS_REGION / AWS_DEFAULT_REGION); with no provider information, the
 * stack's `aws:region` (what the default provider is given). The provider's `profile` is used too.
 * An unknown region is not guessed: the caller fails closed (or defers, in preview).
 */
export function lookupTarget(props: { region?: unknown }, provider: { props: unknown } | undefined, context: StackContext): LookupTarget {
    const providerProps = provider ? plainProps<Record<string, unknown>>(provider.props) ?? {} : {};
    const otherIdentity = OTHER_IDENTITY_SETTINGS.filter((k) => isSet(providerProps[k]));
    if (otherIdentity.length) {
        return { known: false, unverifiable: true, why: `its provider sets ${otherIdentity.join(", ")}, so it may act in another account than the one this pack can describe` };
    }
    const profile = providerProps.profile;
    if (isUnknown(profile)) return { known: false, unverifiable: false, why: "the profile of its provider is not known" };
    const withProfile = typeof profile === "string" && profile ? { profile } : {};
    if (isUnknown(props.region)) return { known: false, unverifiable: false, why: "its region input is not known" };
    if (typeof props.region === "string" && props.region) return { known: true, region: props.region, ...withProfile };
    if (provider) {
        const region = providerProps.region;
        if (isUnknown(region)) return { known: false, unverifiable: false, why: "the region of its provider is not known" };
        if (typeof region === "string" && region) return { known: true, region, ...withProfile };
        // A provider without a region (explicit or default) takes it from the environment, not from stack config.
        return { known: true, region: context.environmentRegion || context.region || undefined, ...withProfile };
    }
    return { known: true, region: context.region || context.environmentRegion || undefined };
}

/** The judge context with the provider's profile for the bytes lookups (when the provider's settings are known). */
function withProfileOf(s: Setup, where: LookupTarget): JudgeContext {
    return where.known && where.profile ? { ...s.judge, profile: where.profile } : s.judge;
}

function variantLabel(v: VariantInputs | undefined, list: string, i: number): string {
    const name = v && !isUnknown(v) && typeof v.variantName === "string" && !isUnknown(v.variantName) ? `"${v.variantName}"` : "(unnamed)";
    return `variant ${name} (${list}[${i}])`;
}

/** Describes a model that already exists and judges its containers; `deferred` when it does not exist yet in preview. */
type KnownTarget = Extract<LookupTarget, { known: true }>;

async function judgeLiveModel(s: Setup, label: string, modelName: string, where: KnownTarget, deferred: () => void): Promise<void> {
    const found = await s.judge.lookup.describeModel(modelName, where.region, where.profile);
    if (found.found) {
        const problems = await judgeModel({ ...s.judge, profile: where.profile }, `${label} -> `, { label: `model "${modelName}"`, source: "live", containers: containersFromDescription(found.model) });
        problems.forEach((p) => s.report.finding(p));
    } else if (found.notFound && s.context.dryRun) {
        deferred();
    } else {
        s.report.finding(`${label} -> model "${modelName}": approval could not be verified: ${found.reason}. Fix: reference an existing model built from an Approved package, and let the deployer call sagemaker:DescribeModel.`);
    }
}

/**
 * The resource-level check of an endpoint: it may point at an endpoint configuration made outside this program
 * (console, CLI, another stack), which no other policy would see. So the configuration it names is described
 * live, and every model behind every variant is judged.
 */
async function validateEndpoint(raw: EndpointInputs, urn: string, where: LookupTarget, s: Setup): Promise<void> {
    const resource = `Endpoint ${urn}`;
    const name = raw.endpointConfigName;
    const deferred = (what: string) =>
        s.report.note(`${resource}: ${what} during preview. The endpoint configuration is judged itself (approved-model-packages-only, and the stack join), and this endpoint is judged again, live, before it is created or updated in \`pulumi up\`.`);
    if (!where.known) {
        if (where.unverifiable) s.report.finding(`${resource}: ${where.why}, so approval cannot be verified. ${FIX_IDENTITY}`);
        else if (s.context.dryRun) deferred(`${where.why}, so the endpoint configuration cannot be described in the right region`);
        else s.report.finding(`${resource}: ${where.why} outside preview, so its endpoint configuration cannot be described where it will be used and approval cannot be verified. Fix: give the endpoint (or its provider) a known region.`);
        return;
    }
    if (isUnknown(name)) {
        if (s.context.dryRun) deferred("endpointConfigName is not known");
        else s.report.finding(`${resource}: endpointConfigName is unknown outside preview, so approval cannot be verified.`);
        return;
    }
    if (typeof name !== "string" || !name) {
        s.report.finding(`${resource} names no endpoint configuration, so there is no model to verify.`);
        return;
    }
    const found = await s.judge.lookup.describeEndpointConfig(name, where.region, where.profile);
    if (!found.found) {
        if (found.notFound && s.context.dryRun) deferred(`endpoint configuration "${name}" does not exist yet (it may be created in this update)`);
        else s.report.finding(`${resource} -> endpoint configuration "${name}": approval could not be verified: ${found.reason}. Fix: point the endpoint at an endpoint configuration whose models come from Approved packages, and let the deployer call sagemaker:DescribeEndpointConfig.`);
        return;
    }
    const lists = [["ProductionVariants", found.endpointConfig.ProductionVariants], ["ShadowProductionVariants", found.endpointConfig.ShadowProductionVariants]] as const;
    const checks: Promise<void>[] = [];
    for (const [list, variants] of lists) {
        (variants ?? []).forEach((v, i) => {
            const label = `${resource} -> endpoint configuration "${name}" variant ${v.VariantName ? `"${v.VariantName}"` : "(unnamed)"} (${list}[${i}])`;
            if (!v.ModelName) {
                s.report.finding(`${label} names no model (inference components load models this pack cannot verify).`);
                return;
            }
            checks.push(judgeLiveModel(s, label, v.ModelName, where, () => s.report.finding(`${label} -> model "${v.ModelName}" does not exist, so approval cannot be verified.`)));
        });
    }
    await Promise.all(checks);
}

/** The resource-level check of one endpoint configuration. */
async function validateEndpointConfiguration(raw: EndpointConfigurationInputs, urn: string, where: LookupTarget, s: Setup): Promise<void> {
    const { report, context } = s;
    const resource = `EndpointConfiguration ${urn}`;
    const deferred = (what: string) =>
        report.note(`${resource}: ${what} during preview. It is judged by approved-model-packages-only-stack (joined to this stack's Models) and again, live, before this endpoint configuration is created in \`pulumi up\`.`);
    if (!where.known) {
        if (where.unverifiable) report.finding(`${resource}: ${where.why}, so approval cannot be verified. ${FIX_IDENTITY}`);
        else if (context.dryRun) deferred(`${where.why}, so its models cannot be described in the right region`);
        else report.finding(`${resource}: ${where.why} outside preview, so its models cannot be described where they will be used and approval cannot be verified. Fix: give the endpoint configuration (or its provider) a known region.`);
        return;
    }
    if (!present(raw.productionVariants) && !present(raw.shadowProductionVariants)) {
        report.finding(`${resource} has no productionVariants, so there is no model to verify.`);
        return;
    }
    const checks: Promise<void>[] = [];
    for (const list of VARIANT_LISTS) {
        const variants = raw[list];
        if (!present(variants)) continue;
        if (isUnknown(variants)) {
            if (context.dryRun) deferred(`${list} is not known`);
            else report.finding(`${resource}: ${list} is unknown outside preview, so approval cannot be verified.`);
            continue;
        }
        if (!Array.isArray(variants)) {
            report.finding(`${resource}: ${list} is not a list (${JSON.stringify(variants).slice(0, 100)}), so approval cannot be verified.`);
            continue;
        }
        variants.forEach((variant, i) => {
            const label = `${resource} ${variantLabel(variant, list, i)}`;
            const modelName = variant && !isUnknown(variant) ? variant.modelName : variant;
            if (isUnknown(modelName)) {
                if (context.dryRun) deferred(`${variantLabel(variant, list, i)} has a model name that is not known`);
                else report.finding(`${label}: the model name is unknown outside preview, so approval cannot be verified.`);
                return;
            }
            if (!present(modelName) || typeof modelName !== "string") {
                report.finding(`${label} names no model. Variants without a model (inference components) load models this pack cannot verify. Fix: set modelName to a model built from an Approved model package.`);
                return;
            }
            checks.push(judgeLiveModel(s, label, modelName, where, () => deferred(`${variantLabel(variant, list, i)}: model "${modelName}" does not exist yet (it may be created in this update)`)));
        });
    }
    await Promise.all(checks);
}

export const approvedModelPackagesDescription =
    "Production endpoint configurations and endpoints may serve only models built from model package versions whose live ModelApprovalStatus is Approved (and, with the option stage, whose ModelLifeCycle has been promoted to that stage) and whose artifact and images are still the ones pinned at registration (every production and shadow variant, every container), and production Models must be built from such packages, not from raw images or model data.";

export function approvedModelPackagesOnlyPolicy(deps: ApprovalPolicyDeps = {}): ResourceValidationPolicy {
    const description = approvedModelPackagesDescription;
    return {
        name: "approved-model-packages-only",
        description,
        // Mandatory so that it blocks in production; non-production stacks get the same findings as advisory.
        enforcementLevel: "mandatory",
        configSchema: approvalGateConfigSchema,
        validateResource: [
            validateResourceOfType(EndpointConfiguration, async (props, args: ResourceValidationArgs, reportViolation) => {
                const s = setUp(deps, description, () => args.getConfig(), reportViolation, `EndpointConfiguration ${args.urn}`);
                if (!s) return;
                const raw = plainProps<EndpointConfigurationInputs>(props);
                await validateEndpointConfiguration(raw, args.urn, lookupTarget(raw, args.provider, s.context), s);
            }),
            validateResourceOfType(Endpoint, async (props, args: ResourceValidationArgs, reportViolation) => {
                const s = setUp(deps, description, () => args.getConfig(), reportViolation, `Endpoint ${args.urn}`);
                if (!s) return;
                const raw = plainProps<EndpointInputs>(props);
                await validateEndpoint(raw, args.urn, lookupTarget(raw, args.provider, s.context), s);
            }),
            (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
                if (!OTHER_PROVIDER_TYPES.includes(args.type)) return;
                const s = setUp(deps, description, () => args.getConfig(), reportViolation, `${args.type} ${args.urn}`);
                if (!s) return;
                const judgement = judgeOtherProvider(args.type, args.urn, plainProps<Record<string, unknown>>(args.props) ?? {});
                if (judgement.kind === "problem") judgement.messages.forEach((m) => s.report.finding(m));
                else if (judgement.kind === "unknown") {
                    if (s.context.dryRun) s.report.note(`${judgement.what} is not known during preview; it is checked again before the resource is created or updated in \`pulumi up\`.`);
                    else s.report.finding(`${judgement.what} is unknown outside preview, so this pack cannot tell whether it deploys or approves a model. Fix: make it a known value.`);
                }
            },
            validateResourceOfType(Model, async (props, args: ResourceValidationArgs, reportViolation) => {
                const s = setUp(deps, description, () => args.getConfig(), reportViolation, `Model ${args.urn}`);
                if (!s) return;
                const raw = plainProps<ModelInputs>(props);
                const problems = await judgeModel(withProfileOf(s, lookupTarget(raw, args.provider, s.context)), "", { label: `Model ${args.urn}`, source: "declared", containers: containersFromInputs(raw) });
                problems.forEach((p) => s.report.finding(p));
            }),
        ],
    };
}

/** The stack-level join, for what the resource policy had to defer in preview. */
export function approvedModelPackagesOnlyStackPolicy(deps: ApprovalPolicyDeps = {}): StackValidationPolicy {
    const description =
        "Joins every endpoint configuration to the Models declared in the same stack (by name, or through the property dependencies of its variants when the name is unknown in preview) and applies approved-model-packages-only to them, so a preview fails on what the update would block.";
    return {
        name: "approved-model-packages-only-stack",
        description,
        enforcementLevel: "mandatory",
        configSchema: approvalGateConfigSchema,
        validateStack: async (args: StackValidationArgs, reportViolation) => {
            const s = setUp(deps, description, () => args.getConfig(), reportViolation, "stack");
            if (!s) return;
            const models = args.resources.filter((r) => r.type === MODEL);
            const byName = new Map<string, PolicyResource>();
            for (const m of models) {
                const name = plainProps<ModelInputs>(m.props).name;
                if (typeof name === "string" && !isUnknown(name)) byName.set(name.toLowerCase(), m);
            }
            const judgeDeclared = (prefix: string, m: PolicyResource) =>
                judgeModel(withProfileOf(s, lookupTarget(plainProps<ModelInputs>(m.props), m.provider, s.context)), prefix, { label: `Model ${m.urn}`, source: "declared", containers: containersFromInputs(plainProps<ModelInputs>(m.props)) });

            const checks: Promise<void>[] = [];
            for (const ec of args.resources.filter((r) => r.type === ENDPOINT_CONFIGURATION)) {
                const raw = plainProps<EndpointConfigurationInputs>(ec.props);
                const resource = `EndpointConfiguration ${ec.urn}`;
                for (const list of VARIANT_LISTS) {
                    const variants = raw[list];
                    if (!present(variants)) continue;
                    const dependencies = ec.propertyDependencies?.[list] ?? [];
                    const modelDeps = dependencies.filter((d) => d.type === MODEL);
                    const otherDeps = dependencies.filter((d) => d.type !== MODEL);
                    // An unknown model name is attributed to the Models its variant list depends on. If the list
                    // also depends on anything else, the unknown name could come from there: not attributable.
                    const attribute = (what: string) => {
                        if (modelDeps.length === 0 || otherDeps.length > 0) {
                            const from = dependencies.length ? `it depends on ${dependencies.map((d) => d.urn).join(", ")}` : "it depends on no resource of this stack";
                            s.report.finding(`${resource}: ${what} is unknown and cannot be attributed to a Model declared in this stack (${from}), so approval cannot be verified. Fix: set modelName from a Model resource of this stack (modelName: model.name) or to the known name of an existing model built from an Approved package.`, ec.urn);
                            return;
                        }
                        for (const m of modelDeps) {
                            checks.push(judgeDeclared(`${resource} ${what} -> `, m).then((ps) => ps.forEach((p) => s.report.finding(p, ec.urn))));
                        }
                    };
                    if (isUnknown(variants)) {
                        attribute(`the model of every entry of ${list}`);
                        continue;
                    }
                    if (!Array.isArray(variants)) continue; // reported by the resource policy
                    variants.forEach((variant: VariantInputs, i: number) => {
                        const label = variantLabel(variant, list, i);
                        const modelName = variant && !isUnknown(variant) ? variant.modelName : variant;
                        if (isUnknown(modelName)) {
                            attribute(`the model name of ${label}`);
                            return;
                        }
                        if (typeof modelName !== "string" || !modelName) return; // reported by the resource policy
                        const declared = byName.get(modelName.toLowerCase());
                        if (declared) {
                            checks.push(judgeDeclared(`${resource} ${label} -> `, declared).then((ps) => ps.forEach((p) => s.report.finding(p, ec.urn))));
                            return;
                        }
                        if (!s.context.dryRun) return; // in an update the resource policy already judged it, live
                        const where = lookupTarget(raw, ec.provider, s.context);
                        if (!where.known && where.unverifiable) return; // reported by the resource policy, in preview too
                        if (!where.known) {
                            s.report.finding(`${resource} ${label} -> model "${modelName}" is not declared in this stack and ${where.why}, so it cannot be looked up where it will be used and approval cannot be verified. Fix: give the endpoint configuration (or its provider) a known region.`, ec.urn);
                            return;
                        }
                        checks.push(s.judge.lookup.describeModel(modelName, where.region, where.profile).then((found) => {
                            if (!found.found && found.notFound) {
                                s.report.finding(`${resource} ${label} -> model "${modelName}" neither exists nor is declared in this stack, so approval cannot be verified (${found.reason}). Fix: reference a model built from an Approved package.`, ec.urn);
                            }
                        }));
                    });
                }
            }
            // Endpoints: an unknown configuration name must come from an endpoint configuration of this stack (which
            // is judged on its own); a known name must be declared here or exist.
            const configNames = new Set(args.resources.filter((r) => r.type === ENDPOINT_CONFIGURATION)
                .map((r) => plainProps<EndpointConfigurationInputs>(r.props).name)
                .filter((n): n is string => typeof n === "string" && !isUnknown(n))
                .map((n) => n.toLowerCase()));
            for (const ep of args.resources.filter((r) => r.type === ENDPOINT)) {
                const name = plainProps<EndpointInputs>(ep.props).endpointConfigName;
                const resource = `Endpoint ${ep.urn}`;
                if (isUnknown(name)) {
                    const dependencies = ep.propertyDependencies?.endpointConfigName ?? [];
                    const configs = dependencies.filter((d) => d.type === ENDPOINT_CONFIGURATION);
                    if (configs.length === 0 || configs.length !== dependencies.length) {
                        const from = dependencies.length ? `it depends on ${dependencies.map((d) => d.urn).join(", ")}` : "it depends on no resource of this stack";
                        s.report.finding(`${resource}: endpointConfigName is unknown and cannot be attributed to an endpoint configuration declared in this stack (${from}), so approval cannot be verified. Fix: set endpointConfigName from an EndpointConfiguration of this stack (endpointConfigName: config.name).`, ep.urn);
                    }
                    continue;
                }
                if (typeof name !== "string" || !name || configNames.has(name.toLowerCase()) || !s.context.dryRun) continue;
                const where = lookupTarget(plainProps<EndpointInputs>(ep.props), ep.provider, s.context);
                if (!where.known && where.unverifiable) continue; // reported by the resource policy, in preview too
                if (!where.known) {
                    s.report.finding(`${resource} -> endpoint configuration "${name}" is not declared in this stack and ${where.why}, so it cannot be looked up where it will be used and approval cannot be verified. Fix: give the endpoint (or its provider) a known region.`, ep.urn);
                    continue;
                }
                checks.push(s.judge.lookup.describeEndpointConfig(name, where.region, where.profile).then((found) => {
                    if (!found.found && found.notFound) {
                        s.report.finding(`${resource} -> endpoint configuration "${name}" neither exists nor is declared in this stack, so approval cannot be verified (${found.reason}).`, ep.urn);
                    }
                }));
            }
            await Promise.all(checks);
        },
    };
}

export const approvedModelPackagesOnly: ResourceValidationPolicy = approvedModelPackagesOnlyPolicy();
export const approvedModelPackagesOnlyStack: StackValidationPolicy = approvedModelPackagesOnlyStackPolicy();
