/**
 * awsguard-style helpers: build the arguments the policy server builds, run a policy, collect what it reports.
 *
 * Props go through the SDK's own unknown-checking proxy, as in the real server, so a policy that reads an
 * unknown value through the proxy fails here too. Reports are interpreted as the server of @pulumi/policy
 * 1.21 does (`makeReportViolationFun`): a string gets the policy's description prepended and the policy's
 * level; an object carries its own message and level.
 */
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { StackContext } from "../../policies/lib/environment";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(v: T): T };

export interface Reported {
    readonly message: string;
    readonly level: string;
    readonly urn?: string;
}

function notApplicable(reason?: string): never {
    throw new Error(`notApplicable: ${reason ?? ""}`);
}

export function urnOf(type: string, name: string, stack = "prod"): string {
    return `urn:pulumi:${stack}::sagemaker-approval-gate::${type}::${name}`;
}

export function createResourceValidationArgs(
    cls: { __pulumiType: string },
    props: Record<string, unknown>,
    options: { name?: string; config?: Record<string, unknown>; provider?: { type: string; name: string; urn: string; props: Record<string, unknown> } } = {},
): ResourceValidationArgs {
    const type = cls.__pulumiType;
    const name = options.name ?? "test";
    return {
        type,
        props: unknownCheckingProxy(props),
        urn: urnOf(type, name),
        name,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        provider: options.provider ? { ...options.provider, props: unknownCheckingProxy(options.provider.props) } : undefined,
        isType: (c: { __pulumiType?: string }) => c.__pulumiType === type,
        asType: (c: { __pulumiType?: string }) => (c.__pulumiType === type ? props : undefined),
        getConfig: () => (options.config ?? {}) as any,
        notApplicable,
    } as unknown as ResourceValidationArgs;
}

function collector(policy: { description: string; enforcementLevel?: string }, into: Reported[]): ReportViolation {
    return ((message: unknown, urn?: string) => {
        if (message && typeof message === "object") {
            const m = message as { message?: string; enforcementLevel?: string; urn?: string };
            into.push({ message: m.message ?? policy.description, level: m.enforcementLevel ?? policy.enforcementLevel ?? "advisory", urn: m.urn });
        } else {
            into.push({ message: `${policy.description}${message ? `\n${message}` : ""}`, level: policy.enforcementLevel ?? "advisory", urn });
        }
    }) as ReportViolation;
}

/** Runs every validation of a resource policy (a function or an array of them) and returns what it reported. */
export async function runResourcePolicy(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<Reported[]> {
    const reported: Reported[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const validate of validations) {
        if (!validate) continue;
        try {
            await validate(args, collector(policy, reported));
        } catch (err) {
            if (!(err as Error).message.startsWith("notApplicable")) throw err;
        }
    }
    return reported;
}

export interface StackResourceSpec {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    /** property -> names of resources of this stack it depends on. */
    readonly propertyDependencies?: Record<string, string[]>;
}

export function createStackValidationArgs(specs: StackResourceSpec[], config: Record<string, unknown> = {}): StackValidationArgs {
    const resources: PolicyResource[] = specs.map((s) => ({
        type: s.type,
        name: s.name,
        urn: urnOf(s.type, s.name),
        props: unknownCheckingProxy(s.props),
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        dependencies: [],
        propertyDependencies: {},
        isType: (c: { __pulumiType?: string }) => c.__pulumiType === s.type,
        asType: (c: { __pulumiType?: string }) => (c.__pulumiType === s.type ? s.props : undefined),
    }) as unknown as PolicyResource);
    specs.forEach((s, i) => {
        for (const [prop, names] of Object.entries(s.propertyDependencies ?? {})) {
            resources[i].propertyDependencies[prop] = names.map((n) => {
                const r = resources.find((x) => x.name === n);
                if (!r) throw new Error(`no resource named ${n} in the test stack`);
                return r;
            });
        }
        resources[i].dependencies.push(...Object.values(resources[i].propertyDependencies).flat());
    });
    return { resources, getConfig: () => config as any, stackTags: new Map(), notApplicable } as unknown as StackValidationArgs;
}

export async function runStackPolicy(policy: StackValidationPolicy, args: StackValidationArgs): Promise<Reported[]> {
    const reported: Reported[] = [];
    await policy.validateStack(args, collector(policy, reported));
    return reported;
}

export function stackContext(overrides: Partial<StackContext> = {}): StackContext {
    return { stack: "prod", project: "sagemaker-approval-gate", dryRun: false, config: {}, region: "us-east-1", ...overrides };
}

/** The findings that would block (mandatory), and the rest. */
export const blocking = (rs: Reported[]) => rs.filter((r) => r.level === "mandatory");
export const advisory = (rs: Reported[]) => rs.filter((r) => r.level === "advisory");
