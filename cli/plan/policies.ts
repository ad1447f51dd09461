/**
 * The policy side of the offline plan: serve the real pack exactly as the Pulumi CLI does
 * (`cli/lib/policyAnalyzer.ts`), send every resource the program declared (`Analyze`) and the whole stack
 * (`AnalyzeStack`), and collect the diagnostics. Two moments, as in a real run:
 * - preview: the first `pulumi preview` of a new stack; values AWS computes (ARNs, ids) are unknown;
 * - up: `pulumi up`, where each resource is judged just before it is created, its dependencies known.
 */
import { UNKNOWN_VALUE, type ProgramRun, type RecordedResource } from "../lib/programUnderMocks";
import { PolicyAnalyzer, type AnalyzedResource, type AnalyzerInfo, type EnforcementLevel, type PolicyPackConfigFile } from "../lib/policyAnalyzer";

export type Moment = "preview" | "up";

export interface Finding {
    readonly moment: Moment;
    readonly policyName: string;
    readonly enforcementLevel: EnforcementLevel;
    /** `type::name`, or "stack" for stack-level findings without a URN. */
    readonly resource: string;
    readonly message: string;
}

export interface MomentResult {
    readonly moment: Moment;
    readonly info: AnalyzerInfo;
    readonly findings: Finding[];
    /** What the pack process wrote to stderr (shown when it fails). */
    readonly packStderr: string;
}

export interface Dependencies {
    readonly dependencies: string[];
    readonly propertyDependencies: Record<string, string[]>;
}

/** The URN the engine gives a resource: the parent's qualified type, `$`, its own type. Pure. */
export function engineUrn(resource: RecordedResource, stack: string, project: string): string {
    const parentType = resource.parentUrn?.split("::")[2];
    const type = parentType ? `${parentType}$${resource.type}` : resource.type;
    return `urn:pulumi:${stack}::${project}::${type}::${resource.name}`;
}

/**
 * Which resources each input came from, inferred from values: an input that carries another resource's
 * invented ARN or id (from a run with every value known) depends on that resource. The engine knows this
 * exactly; under mocks this is the faithful approximation. Pure.
 */
export function inferDependencies(resources: readonly RecordedResource[], urnOf: (r: RecordedResource) => string): Map<string, Dependencies> {
    const computed: [string, string][] = [];
    for (const r of resources) {
        for (const key of ["arn", "id"]) {
            const value = r.state[key];
            if (typeof value === "string" && value.length >= 12 && r.inputs[key] === undefined && value !== UNKNOWN_VALUE) computed.push([value, urnOf(r)]);
        }
    }
    const result = new Map<string, Dependencies>();
    for (const r of resources) {
        const own = urnOf(r);
        const propertyDependencies: Record<string, string[]> = {};
        for (const [prop, value] of Object.entries(r.inputs)) {
            const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
            const from = [...new Set(computed.filter(([v, urn]) => urn !== own && text.includes(v)).map(([, urn]) => urn))].sort();
            if (from.length) propertyDependencies[prop] = from;
        }
        const dependencies = [...new Set(Object.values(propertyDependencies).flat())].sort();
        result.set(own, { dependencies, propertyDependencies });
    }
    return result;
}

export interface EvaluateOptions {
    readonly moment: Moment;
    readonly run: ProgramRun;
    readonly stack: string;
    readonly project: string;
    /** The stack's config, flat (`{"ns:key": value}`), as the CLI gives it to the pack. */
    readonly stackConfig: Record<string, unknown>;
    readonly policyConfig?: PolicyPackConfigFile;
    readonly packDir?: string;
    /** Environment for the pack process on top of ours (region, registry endpoint, …). */
    readonly packEnv: NodeJS.ProcessEnv;
    readonly baseEnv?: NodeJS.ProcessEnv;
    readonly region?: string;
    readonly dependencies: Map<string, Dependencies>;
    /** The pack, already starting (so its start overlaps the program runs). */
    readonly analyzer?: Promise<PolicyAnalyzer>;
}

export function startPack(options: Pick<EvaluateOptions, "moment" | "stack" | "project" | "stackConfig" | "policyConfig" | "packDir" | "packEnv" | "baseEnv">): Promise<PolicyAnalyzer> {
    return PolicyAnalyzer.start({
        stack: options.stack,
        project: options.project,
        dryRun: options.moment === "preview",
        stackConfig: options.stackConfig,
        env: options.packEnv,
        baseEnv: options.baseEnv,
        policyConfig: options.policyConfig,
        packDir: options.packDir,
    });
}

function awsProviderVersion(): string {
    try {
        return (require("@pulumi/aws/package.json") as { version: string }).version;
    } catch {
        return "unknown";
    }
}

const shortResource = (urn: string | undefined): string => {
    if (!urn) return "stack";
    const parts = urn.split("::");
    return `${parts[2]?.split("$").pop() ?? "?"}::${parts.slice(3).join("::")}`;
};

/** Drops the policy's description when the message repeats it, keeping what is specific. Pure. */
export function specificMessage(message: string, description: string): string {
    const text = message.startsWith(description) ? message.slice(description.length).replace(/^\s+/, "") : message;
    return text || message;
}

/** Runs one moment: every custom resource through `Analyze`, then everything through `AnalyzeStack`. */
export async function evaluateMoment(options: EvaluateOptions): Promise<MomentResult> {
    const { run, stack, project, moment } = options;
    const analyzer = await (options.analyzer ?? startPack(options));
    try {
        const info = await analyzer.getAnalyzerInfo();
        const provider = options.region
            ? { type: "pulumi:providers:aws", name: `default_${awsProviderVersion().replace(/\./g, "_")}`, properties: { region: options.region } }
            : undefined;
        const urnOf = (r: RecordedResource) => engineUrn(r, stack, project);
        const ordered = [...run.recorder.resources].sort((a, b) => urnOf(a).localeCompare(urnOf(b)));
        const toAnalyzed = (r: RecordedResource, properties: Record<string, unknown>): AnalyzedResource => {
            const deps = options.dependencies.get(urnOf(r));
            return {
                type: r.type,
                name: r.name,
                urn: urnOf(r),
                properties,
                parent: r.parentUrn,
                dependencies: deps?.dependencies,
                propertyDependencies: deps?.propertyDependencies,
                provider: provider && r.type.startsWith("aws:") ? { ...provider, urn: `urn:pulumi:${stack}::${project}::${provider.type}::${provider.name}` } : undefined,
            };
        };
        const diagnostics = [];
        for (const r of ordered.filter((x) => x.custom)) {
            const result = await analyzer.analyze(toAnalyzed(r, r.inputs));
            diagnostics.push(...result.diagnostics.map((d) => ({ ...d, urn: d.urn ?? urnOf(r) })));
        }
        // After an update the engine sends outputs; in preview, the planned state (inputs with unknowns).
        const stackResult = await analyzer.analyzeStack(ordered.map((r) => toAnalyzed(r, moment === "up" ? r.state : r.inputs)));
        diagnostics.push(...stackResult.diagnostics);
        const descriptions = new Map(info.policies.map((p) => [p.name, p.description]));
        const findings: Finding[] = diagnostics.map((d) => ({
            moment,
            policyName: d.policyName,
            enforcementLevel: d.enforcementLevel,
            resource: shortResource(d.urn),
            message: specificMessage(d.message, descriptions.get(d.policyName) ?? d.description),
        }));
        findings.sort((a, b) =>
            levelRank(a.enforcementLevel) - levelRank(b.enforcementLevel) ||
            a.policyName.localeCompare(b.policyName) || a.resource.localeCompare(b.resource) || a.message.localeCompare(b.message));
        return { moment, info, findings, packStderr: analyzer.stderr };
    } finally {
        await analyzer.close();
    }
}

const LEVELS: EnforcementLevel[] = ["mandatory", "remediate", "advisory", "disabled"];
const levelRank = (l: EnforcementLevel) => LEVELS.indexOf(l);
