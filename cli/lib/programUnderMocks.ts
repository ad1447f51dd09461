/**
 * Runs the real Pulumi program under Pulumi's official mocks (`pulumi.runtime.setMocks`) and records
 * every resource it declares, with its inputs. Used by the tests (assert on inputs by type and name) and
 * by the offline plan (`npm run plan`), which is why it is product code and not a test helper.
 *
 * The mocks invent nothing that could hide a bug: a resource's state is its own inputs plus a made-up
 * id/arn, and any invoke we did not expect throws with its token.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "@pulumi/pulumi/output";

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Inputs with secrets unwrapped. */
    readonly inputs: Record<string, any>;
    readonly id: string;
    /** State returned to the program: inputs plus the invented id/arn. */
    readonly state: Record<string, any>;
    readonly provider?: string;
    readonly custom: boolean;
    /**
     * The parent's URN as the engine knows it (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`);
     * absent for resources parented to the stack. Use `recorder.parentOf(resource)` to find the parent.
     */
    readonly parentUrn?: string;
    /** URNs of the resources it depends on (`dependsOn` and the resources its inputs come from), as the engine is told. */
    readonly dependencies?: readonly string[];
    /** Its `aliases` as the engine is told (a URN, or a spec: name/type/parentUrn, "" where the resource's own applies). */
    readonly aliases?: readonly RecordedAlias[];
}

export type RecordedAlias = { readonly urn: string } | { readonly name: string; readonly type: string; readonly parentUrn: string; readonly noParent: boolean };

export interface MockAccount {
    readonly accountId: string;
    readonly region: string;
    readonly partition: string;
}

export const DEFAULT_MOCK_ACCOUNT: MockAccount = { accountId: "123456789012", region: "us-east-1", partition: "aws" };


/** The value Pulumi's engine sends for a property that is not known yet (preview). */
export const UNKNOWN_VALUE = pulumi.runtime.unknownValue;

/**
 * Removes Pulumi's secret wrappers so tests and policies see plain values. Unknown values (only present
 * with `unknownComputedOutputs` in preview) become the engine's UNKNOWN_VALUE string, as the policy
 * pack receives them.
 */
export function unwrapSecrets(value: any): any {
    if (isUnknown(value)) return UNKNOWN_VALUE;
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") {
        if (value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
            return unwrapSecrets(value.value);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** Made-up but well-formed ARNs, so code that parses ARNs behaves as in AWS. */
function inventArn(type: string, name: string, account: MockAccount): string {
    const [, module, resource] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [undefined, "unknown", "unknown"];
    const { partition, region, accountId } = account;
    switch (module) {
        case "s3":
            return `arn:${partition}:s3:::${name}`;
        case "iam":
            return `arn:${partition}:iam::${accountId}:${resource === "role" ? "role" : "policy"}/${name}`;
        case "sagemaker":
            return `arn:${partition}:sagemaker:${region}:${accountId}:${kebab(resource)}/${name.toLowerCase()}`;
        case "lambda":
            return `arn:${partition}:lambda:${region}:${accountId}:function:${name}`;
        case "sns":
            return `arn:${partition}:sns:${region}:${accountId}:${name}`;
        case "sqs":
            return `arn:${partition}:sqs:${region}:${accountId}:${name}`;
        case "kms":
            return `arn:${partition}:kms:${region}:${accountId}:key/${name}`;
        case "cloudwatch":
            return `arn:${partition}:events:${region}:${accountId}:rule/${name}`;
        case "dynamodb":
            return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
        default:
            return `arn:${partition}:${module}:${region}:${accountId}:${kebab(resource)}/${name}`;
    }
}

function kebab(s: string): string {
    return s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** Records every `newResource` and answers the invokes this program makes. */
export class ResourceRecorder implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    /** Set by the monitor hook just before it calls `newResource` for the same request. */
    nextParentUrn: string | undefined;
    /** Set with nextParentUrn: the dependencies of the same request. */
    nextDependencies: string[] = [];
    /** Set with nextParentUrn: the aliases of the same request. */
    nextAliases: RecordedAlias[] = [];
    /** Raw inputs per recorded resource, so assets and archives (whose contents are promises) can be read later. */
    readonly rawInputs = new Map<RecordedResource, Record<string, unknown>>();

    constructor(
        private readonly account: MockAccount = DEFAULT_MOCK_ACCOUNT,
        /** Return `arn` and `id` as unknown, as a first preview of a new stack sees them (see RunProgramOptions). */
        private readonly unknownComputedOutputs = false,
    ) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const inputs = unwrapSecrets(args.inputs);
        const physicalName: string = inputs.name ?? inputs.bucket ?? args.name;
        const computedUnknown = this.unknownComputedOutputs && !args.id;
        const id = args.id || (computedUnknown ? UNKNOWN_VALUE : `${physicalName}-id`);
        const arn = inputs.arn ?? (computedUnknown ? UNKNOWN_VALUE : inventArn(args.type, physicalName, this.account));
        const state = { ...inputs, arn, id };
        if (args.type === "aws:s3/bucketV2:BucketV2" || args.type === "aws:s3/bucket:Bucket") {
            state.bucket = inputs.bucket ?? physicalName;
        }
        const record: RecordedResource = {
            type: args.type,
            name: args.name,
            urn: `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${args.type}::${args.name}`,
            inputs,
            id,
            state,
            provider: args.provider,
            custom: args.custom ?? true,
            ...(this.nextParentUrn && !/::pulumi:pulumi:Stack::/.test(this.nextParentUrn) ? { parentUrn: this.nextParentUrn } : {}),
            dependencies: this.nextDependencies,
            aliases: this.nextAliases,
        };
        this.resources.push(record);
        this.rawInputs.set(record, args.inputs ?? {});
        this.nextParentUrn = undefined;
        this.nextDependencies = [];
        this.nextAliases = [];
        // An empty id is how the engine says "unknown" in preview.
        return { id: id === UNKNOWN_VALUE ? undefined : id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        const { accountId, region, partition } = this.account;
        switch (args.token) {
            case "aws:index/getRegion:getRegion":
                return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId, arn: `arn:${partition}:iam::${accountId}:user/mock`, userId: "AIDAMOCK", id: accountId };
            case "aws:index/getPartition:getPartition":
                return { partition, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: partition };
            default:
                throw new Error(`Unmocked invoke ${args.token}: add it to ResourceRecorder.call or avoid the invoke`);
        }
    }

    /** The recorded parent of `resource`, from its parent URN (last type segment and name); undefined for the stack. */
    parentOf(resource: RecordedResource): RecordedResource | undefined {
        if (!resource.parentUrn) return undefined;
        // urn:pulumi:<stack>::<project>::<qualified type, e.g. A$B>::<name>
        const parts = resource.parentUrn.split("::");
        if (parts.length < 4) return undefined;
        const type = parts[2].split("$").pop()!;
        const name = parts.slice(3).join("::");
        return this.resources.find((r) => r.type === type && r.name === name);
    }

    /**
     * The URNs `resource` depends on, each as `urn:pulumi:<stack>::<project>::<type>::<name>` (the engine's URNs
     * carry the parent's type chain, `A$B`; they are reduced to the last type to match `RecordedResource.urn`).
     */
    dependenciesOf(resource: RecordedResource): string[] {
        return (resource.dependencies ?? []).map((urn) => {
            const parts = urn.split("::");
            if (parts.length < 4) return urn;
            return [...parts.slice(0, 2), parts[2].split("$").pop()!, ...parts.slice(3)].join("::");
        });
    }

    /** Every recorded resource of one Pulumi type token, e.g. "aws:sagemaker/pipeline:Pipeline". */
    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of that type and logical name; throws with the names present when absent. */
    get(type: string, name: string): RecordedResource {
        const found = this.resources.find((r) => r.type === type && r.name === name);
        if (!found) {
            const names = this.ofType(type).map((r) => r.name);
            throw new Error(`No ${type} named "${name}" (present: ${names.join(", ") || "none"})`);
        }
        return found;
    }
}

export interface RunProgramOptions {
    readonly stack: string;
    /** Stack config as `{"<namespace>:<key>": value}`; objects are JSON-encoded for the runtime. */
    readonly config: Record<string, unknown>;
    readonly preview?: boolean;
    readonly project?: string;
    readonly account?: MockAccount;
    /** The program's entry module. Defaults to infra/index.ts. */
    readonly entry?: string;
    /**
     * With `preview`: return each resource's `arn` and `id` as unknown instead of inventing them, so every
     * input derived from them is unknown too, exactly as in the first `pulumi preview` of a new stack (what
     * the policy pack sees as UNKNOWN_VALUE). Default false: every value known, which most tests want.
     */
    readonly unknownComputedOutputs?: boolean;
}

export interface ProgramRun {
    readonly recorder: ResourceRecorder;
    /** The program module's exports with Outputs resolved (undefined where unknown in preview). */
    readonly outputs: Record<string, unknown>;
}

function encodeConfig(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

async function resolveOutput(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as pulumi.Output<unknown>;
        const known = await (output as any).isKnown;
        if (!known) return undefined;
        return (output as any).promise();
    }
    return value;
}

/** The alias message of a registerResource request (pulumi/proto alias_pb). */
interface AliasMessage {
    getUrn(): string;
    getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

function recordedAlias(alias: AliasMessage): RecordedAlias {
    const spec = alias.getSpec();
    if (!spec) return { urn: alias.getUrn() };
    return { name: spec.getName(), type: spec.getType(), parentUrn: spec.getParenturn(), noParent: spec.getNoparent() };
}

/**
 * `Mocks.newResource` is not told the parent; the mock monitor's `registerResource` request is. Wrap it to
 * hand the parent URN to the recorder: the monitor calls `newResource` synchronously inside that call.
 */
function hookParentCapture(recorder: ResourceRecorder): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as
        | { registerResource?: (req: { getParent(): string; getDependenciesList?(): string[]; getAliasesList?(): AliasMessage[] }, cb: unknown) => unknown }
        | undefined;
    const original = monitor?.registerResource;
    if (!monitor || typeof original !== "function") return;
    monitor.registerResource = (req, cb) => {
        recorder.nextParentUrn = req.getParent() || undefined;
        recorder.nextDependencies = req.getDependenciesList?.() ?? [];
        recorder.nextAliases = (req.getAliasesList?.() ?? []).map(recordedAlias);
        return original.call(monitor, req, cb);
    };
}

type DebuggableModule = { debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> };

/** Runs in progress (the plan overlaps some): the wrapper goes in with the first and comes out with the last. */
let runsInProgress = 0;
let restoreDebugStacks: () => void = () => {};

/**
 * The Pulumi runtime wraps each of its promises (thousands per run) in `debuggablePromise`, which formats a
 * stack trace onto it eagerly (`new Error().stack`), to print should the promise leak. Measured with
 * `--cpu-prof`, that formatting was about 40% of a program run under the mocks. While runs last, the wrapper
 * formats none (the trace it keeps reads "Error"); everything else, errors the program throws included, keeps
 * its full stack. The runtime calls the wrapper through its module's exports, so replacing the export is
 * enough; if a later runtime changes that, runs are only slower.
 */
function withoutPromiseDebugStacks(): () => void {
    let debuggable: DebuggableModule;
    try {
        debuggable = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
    } catch {
        return () => {};
    }
    const original = debuggable.debuggablePromise;
    if (typeof original !== "function") return () => {};
    debuggable.debuggablePromise = function (this: unknown, p, ctx) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original.call(this, p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    return () => {
        debuggable.debuggablePromise = original;
    };
}

/**
 * Runs the program for one stack and returns what it declared. Each call starts from a fresh module
 * cache for the program's own files, so several stacks can run in one process, one after another.
 */
export async function runProgramUnderMocks(options: RunProgramOptions): Promise<ProgramRun> {
    if (runsInProgress++ === 0) restoreDebugStacks = withoutPromiseDebugStacks();
    try {
        return await runProgram(options);
    } finally {
        if (--runsInProgress === 0) restoreDebugStacks();
    }
}

async function runProgram(options: RunProgramOptions): Promise<ProgramRun> {
    const recorder = new ResourceRecorder(options.account, Boolean(options.preview && options.unknownComputedOutputs));
    const encoded = encodeConfig(options.config);
    process.env.PULUMI_CONFIG = JSON.stringify(encoded);
    pulumi.runtime.setAllConfig(encoded);
    await pulumi.runtime.setMocks(recorder, options.project ?? "sagemaker-approval-gate", options.stack, options.preview ?? false);
    hookParentCapture(recorder);

    const entry = options.entry ?? path.resolve(__dirname, "../../infra/index.ts");
    const programDir = path.dirname(entry);
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(programDir + path.sep)) delete require.cache[key];
    }
    const program = await import(entry);
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(program)) {
        if (name === "__esModule" || name === "default") continue;
        outputs[name] = await resolveOutput(value);
    }
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    await resolveAssets(recorder);
    return { recorder, outputs };
}

/**
 * Asset and archive inputs arrive as objects whose contents are promises, so `unwrapSecrets` sees them
 * empty. Resolve them into plain `{__pulumiArchive: true, assets: {<name>: {__pulumiAsset: true, text|path|uri}}}`
 * so tests and the plan can see (and digest) what would be uploaded.
 */
async function resolveAssets(recorder: ResourceRecorder): Promise<void> {
    const plain = async (value: unknown, depth: number): Promise<unknown> => {
        if (value instanceof pulumi.asset.Asset) {
            const a = value as unknown as { text?: Promise<string>; path?: Promise<string>; uri?: Promise<string> };
            const out: Record<string, unknown> = { __pulumiAsset: true };
            for (const key of ["text", "path", "uri"] as const) if (a[key] !== undefined) out[key] = await a[key];
            return out;
        }
        if (value instanceof pulumi.asset.Archive) {
            const a = value as unknown as { assets?: Promise<Record<string, unknown>>; path?: Promise<string>; uri?: Promise<string> };
            const out: Record<string, unknown> = { __pulumiArchive: true };
            if (a.assets !== undefined) {
                const assets = await a.assets;
                out.assets = Object.fromEntries(await Promise.all(Object.entries(assets ?? {}).map(async ([k, v]) => [k, await plain(v, depth + 1)])));
            }
            for (const key of ["path", "uri"] as const) if (a[key] !== undefined) out[key] = await a[key];
            return out;
        }
        return undefined;
    };
    for (const [record, raw] of recorder.rawInputs) {
        for (const [key, value] of Object.entries(raw)) {
            const resolved = await plain(value, 0);
            if (resolved !== undefined) (record.inputs as Record<string, unknown>)[key] = resolved;
        }
    }
}

/** Reads `Pulumi.<stack>.yaml` into the flat `{"ns:key": value}` form the runtime expects. */
export function stackConfigFromYaml(document: { config?: Record<string, unknown> } | null | undefined): Record<string, unknown> {
    return { ...(document?.config ?? {}) };
}
