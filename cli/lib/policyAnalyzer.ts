/**
 * Serves a Pulumi policy pack exactly as the Pulumi CLI does, and talks to it over the Analyzer gRPC protocol.
 *
 * The CLI runs `node <@pulumi/pulumi/cmd/run-policy-pack> <engine-address> <packDir>` in the pack folder, with
 * the stack's identity in the environment (PULUMI_NODEJS_STACK, PULUMI_NODEJS_PROJECT, PULUMI_NODEJS_DRY_RUN,
 * PULUMI_CONFIG) plus its own environment (AWS credentials, region, endpoints). The pack prints its port on
 * the first stdout line; the CLI connects an `AnalyzerClient` and sends `Analyze` (one resource, before its
 * step) and `AnalyzeStack` (all resources, at the end). We do the same, so what we test and what the offline
 * plan reports is what `pulumi preview --policy-pack` would report.
 *
 * The gRPC and protobuf modules are loaded from the copies @pulumi/pulumi resolves: the generated stubs do
 * `instanceof` checks against their own copies.
 */
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = <T>(id: string): T => require(require.resolve(id, { paths: [pulumiDir] })) as T;
const grpc = fromPulumi<typeof grpcTypes>("@grpc/grpc-js");
const structPb = fromPulumi<typeof import("google-protobuf/google/protobuf/struct_pb")>("google-protobuf/google/protobuf/struct_pb");
const emptyPb = fromPulumi<typeof import("google-protobuf/google/protobuf/empty_pb")>("google-protobuf/google/protobuf/empty_pb");

/** The value Pulumi sends for a property that is not known yet (preview): the pack's own sentinel. */
export { UNKNOWN } from "../../policies/lib/unknowns";

/** The repository's policy pack. */
export const DEFAULT_PACK_DIR = path.resolve(__dirname, "../../policies");

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export interface PolicyAnalyzerOptions {
    /** Stack name, as `pulumi.getStack()` will report it inside the pack (PULUMI_NODEJS_STACK). */
    readonly stack: string;
    /** Project name (PULUMI_NODEJS_PROJECT). Defaults to "sagemaker-approval-gate". */
    readonly project?: string;
    /** True for `pulumi preview` (PULUMI_NODEJS_DRY_RUN). Defaults to true. */
    readonly dryRun?: boolean;
    /** The stack's config as `{"<namespace>:<key>": value}` (PULUMI_CONFIG); objects are JSON-encoded. */
    readonly stackConfig?: Record<string, unknown>;
    /** Extra environment for the pack process, e.g. AWS_REGION, AWS_ENDPOINT_URL_SAGEMAKER, credentials. */
    readonly env?: NodeJS.ProcessEnv;
    /** Start from this environment instead of `process.env` (the CLI passes its own). */
    readonly baseEnv?: NodeJS.ProcessEnv;
    /** Policy config, as in a `--policy-pack-config` file; sent with `Configure` when given. */
    readonly policyConfig?: PolicyPackConfigFile;
    /** The pack folder. Defaults to the repository's `policies/`. */
    readonly packDir?: string;
    /** How long the pack may take to print its port (type-checking ts-node compiles it first). Default 120 s. */
    readonly startupTimeoutMs?: number;
}

/**
 * Whether the pack process skips the type-check: PULUMI_NODEJS_TRANSPILE_ONLY=true in its environment (the
 * switch Pulumi's program runner honours) makes it load through tools/register.js instead of type-checking
 * ts-node. The tests set it (`tsc --noEmit` checks the pack's types once); without it the pack starts exactly
 * as the Pulumi CLI starts it.
 */
export function packTranspileOnly(env: NodeJS.ProcessEnv): boolean {
    return env.PULUMI_NODEJS_TRANSPILE_ONLY === "true";
}

const TRANSPILE_ONLY_PRELOAD = path.resolve(__dirname, "../../tools/packTranspileOnly.js");

/** The `--policy-pack-config` file format: a level, or an object with an optional level and properties. */
export type PolicyPackConfigFile = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

/** A resource as the engine describes it to the analyzer. */
export interface AnalyzedResource {
    readonly type: string;
    readonly name: string;
    /** Defaults to `urn:pulumi:<stack>::<project>::<type>::<name>`. */
    readonly urn?: string;
    /** Inputs (Analyze) or outputs (AnalyzeStack); use UNKNOWN for values not known in preview. */
    readonly properties: Record<string, unknown>;
    readonly parent?: string;
    /** AnalyzeStack only: URNs this resource depends on. */
    readonly dependencies?: readonly string[];
    /** AnalyzeStack only: per property, the URNs its value came from. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly provider?: { readonly type: string; readonly name: string; readonly urn: string; readonly properties: Record<string, unknown> };
}

export interface PolicyDiagnostic {
    readonly policyName: string;
    readonly policyPackName: string;
    readonly policyPackVersion: string;
    readonly description: string;
    readonly message: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly urn?: string;
}

export interface AnalyzeResult {
    readonly diagnostics: PolicyDiagnostic[];
    readonly notApplicable: { policyName: string; reason: string }[];
}

export interface PolicyInfo {
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly type: "resource" | "stack" | "unspecified";
    readonly configSchema?: Record<string, unknown>;
}

export interface AnalyzerInfo {
    readonly name: string;
    readonly version: string;
    readonly description: string;
    readonly supportsConfig: boolean;
    readonly policies: PolicyInfo[];
}

const levelFromProto: Record<number, EnforcementLevel> = {
    [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerPb.EnforcementLevel.DISABLED]: "disabled",
    [analyzerPb.EnforcementLevel.REMEDIATE]: "remediate",
};
const levelToProto: Record<EnforcementLevel, analyzerPb.EnforcementLevel> = {
    advisory: analyzerPb.EnforcementLevel.ADVISORY,
    mandatory: analyzerPb.EnforcementLevel.MANDATORY,
    disabled: analyzerPb.EnforcementLevel.DISABLED,
    remediate: analyzerPb.EnforcementLevel.REMEDIATE,
};

/** Encodes stack config the way the CLI does for PULUMI_CONFIG: string values, objects JSON-encoded. */
export function encodeStackConfig(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The environment the CLI gives a policy pack process for one stack. */
export function policyPackEnvironment(options: PolicyAnalyzerOptions): NodeJS.ProcessEnv {
    return {
        ...(options.baseEnv ?? process.env),
        ...options.env,
        PULUMI_NODEJS_STACK: options.stack,
        PULUMI_NODEJS_PROJECT: options.project ?? "sagemaker-approval-gate",
        PULUMI_NODEJS_DRY_RUN: String(options.dryRun ?? true),
        PULUMI_CONFIG: JSON.stringify(encodeStackConfig(options.stackConfig ?? {})),
    };
}

type Callback<Res> = (err: grpcTypes.ServiceError | null, res: Res) => void;

/** Promisifies one unary call: `unary<Res>((cb) => client.method(request, cb))`. */
function unary<Res>(call: (cb: Callback<Res>) => unknown): Promise<Res> {
    return new Promise((resolve, reject) => {
        call((err, res) => (err ? reject(err) : resolve(res)));
    });
}

/** A running policy pack process and a gRPC client connected to it. */
export class PolicyAnalyzer {
    private closed = false;

    private constructor(
        private readonly child: ChildProcess,
        private readonly client: analyzerGrpc.AnalyzerClient,
        private readonly options: PolicyAnalyzerOptions,
        private readonly stderrChunks: string[],
    ) {}

    /** Spawns the pack like the CLI, waits for its port, connects, and sends the policy config if given. */
    static async start(options: PolicyAnalyzerOptions): Promise<PolicyAnalyzer> {
        const packDir = options.packDir ?? DEFAULT_PACK_DIR;
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
        const env = policyPackEnvironment(options);
        const preload = packTranspileOnly(env) ? ["-r", TRANSPILE_ONLY_PRELOAD] : [];
        const child = spawn(process.execPath, [...preload, runner, "127.0.0.1:0", "."], {
            cwd: packDir,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        const stderrChunks: string[] = [];
        child.stderr!.setEncoding("utf8");
        child.stderr!.on("data", (chunk: string) => stderrChunks.push(chunk));
        child.stdout!.setEncoding("utf8");
        // A pack must never outlive the process that started it, whatever path that process leaves by.
        const killOnExit = () => child.kill("SIGKILL");
        process.once("exit", killOnExit);
        child.once("exit", () => process.removeListener("exit", killOnExit));

        let port: number;
        try {
            port = await waitForPort(child, options.startupTimeoutMs ?? 120_000, () => stderrChunks.join(""), packDir);
        } catch (err) {
            await stopChild(child);
            process.removeListener("exit", killOnExit);
            throw err;
        }
        child.stdout!.resume(); // keep draining: a full pipe would stall the pack

        const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
        const analyzer = new PolicyAnalyzer(child, client, options, stderrChunks);
        try {
            await analyzer.configureStack();
            if (options.policyConfig) await analyzer.configure(options.policyConfig);
        } catch (err) {
            await analyzer.close();
            throw err;
        }
        return analyzer;
    }

    /** What the pack process wrote to stderr so far (for test failure messages). */
    get stderr(): string {
        return this.stderrChunks.join("");
    }

    /** Tells the pack about the stack, as newer engines do (1.21 reads only the tags; harmless otherwise). */
    private async configureStack(): Promise<void> {
        const req = new analyzerPb.AnalyzerStackConfigureRequest();
        req.setStack(this.options.stack);
        req.setProject(this.options.project ?? "sagemaker-approval-gate");
        req.setDryRun(this.options.dryRun ?? true);
        const config = req.getConfigMap();
        for (const [k, v] of Object.entries(encodeStackConfig(this.options.stackConfig ?? {}))) config.set(k, v);
        await unary<analyzerPb.AnalyzerStackConfigureResponse>((cb) => this.client.configureStack(req, cb));
    }

    /**
     * Sends policy config as the CLI does after reading `--policy-pack-config`. Like the CLI, every policy the
     * pack declares gets an entry (its configured level, else its declared level) with its schema defaults
     * filled in, then the file's properties on top.
     */
    async configure(file: PolicyPackConfigFile): Promise<void> {
        const info = await this.getAnalyzerInfo();
        const req = new analyzerPb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const policy of info.policies) {
            const entry = file[policy.name];
            const level = typeof entry === "string" ? entry : entry?.enforcementLevel ?? policy.enforcementLevel;
            const { enforcementLevel: _ignored, ...properties } = typeof entry === "object" && entry ? entry : ({} as Record<string, unknown>);
            const defaults: Record<string, unknown> = {};
            const schemaProps = (policy.configSchema ?? {}) as Record<string, { default?: unknown }>;
            for (const [key, schema] of Object.entries(schemaProps)) {
                if (schema && typeof schema === "object" && "default" in schema) defaults[key] = schema.default;
            }
            const config = new analyzerPb.PolicyConfig();
            config.setEnforcementlevel(levelToProto[level]);
            config.setProperties(structPb.Struct.fromJavaScript({ ...defaults, ...properties } as any));
            map.set(policy.name, config);
        }
        const unknownNames = Object.keys(file).filter((k) => k !== "all" && !info.policies.some((p) => p.name === k));
        if (unknownNames.length) {
            throw new Error(`policy config names unknown policies: ${unknownNames.join(", ")} (pack has: ${info.policies.map((p) => p.name).join(", ")})`);
        }
        await unary<unknown>((cb) => this.client.configure(req, cb));
    }

    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        const info = await unary<analyzerPb.AnalyzerInfo>((cb) => this.client.getAnalyzerInfo(new emptyPb.Empty(), cb));
        return {
            name: info.getName(),
            version: info.getVersion(),
            description: info.getDescription(),
            supportsConfig: info.getSupportsconfig(),
            policies: info.getPoliciesList().map((p) => ({
                name: p.getName(),
                description: p.getDescription(),
                enforcementLevel: levelFromProto[p.getEnforcementlevel()],
                type: p.getPolicyType() === analyzerPb.PolicyType.POLICY_TYPE_RESOURCE ? "resource"
                    : p.getPolicyType() === analyzerPb.PolicyType.POLICY_TYPE_STACK ? "stack" : "unspecified",
                configSchema: p.getConfigschema()?.getProperties()?.toJavaScript() as Record<string, unknown> | undefined,
            })),
        };
    }

    private urnOf(r: AnalyzedResource): string {
        return r.urn ?? `urn:pulumi:${this.options.stack}::${this.options.project ?? "sagemaker-approval-gate"}::${r.type}::${r.name}`;
    }

    private static providerOf(r: AnalyzedResource): analyzerPb.AnalyzerProviderResource | undefined {
        if (!r.provider) return undefined;
        const p = new analyzerPb.AnalyzerProviderResource();
        p.setType(r.provider.type);
        p.setName(r.provider.name);
        p.setUrn(r.provider.urn);
        p.setProperties(structPb.Struct.fromJavaScript(r.provider.properties as any));
        return p;
    }

    /** `Analyze`: one resource's inputs, as the engine sends them before the resource's step. */
    async analyze(resource: AnalyzedResource): Promise<AnalyzeResult> {
        const req = new analyzerPb.AnalyzeRequest();
        req.setType(resource.type);
        req.setName(resource.name);
        req.setUrn(this.urnOf(resource));
        req.setProperties(structPb.Struct.fromJavaScript(resource.properties as any));
        // Without options the pack answers every policy with "A more recent version of the Pulumi CLI is required".
        const options = new analyzerPb.AnalyzerResourceOptions();
        if (resource.parent) options.setParent(resource.parent);
        req.setOptions(options);
        const provider = PolicyAnalyzer.providerOf(resource);
        if (provider) req.setProvider(provider);
        return PolicyAnalyzer.result(await unary<analyzerPb.AnalyzeResponse>((cb) => this.client.analyze(req, cb)));
    }

    /** `AnalyzeStack`: every resource with its dependencies, as the engine sends them at the end. */
    async analyzeStack(resources: readonly AnalyzedResource[]): Promise<AnalyzeResult> {
        const req = new analyzerPb.AnalyzeStackRequest();
        req.setResourcesList(resources.map((r) => {
            const res = new analyzerPb.AnalyzerResource();
            res.setType(r.type);
            res.setName(r.name);
            res.setUrn(this.urnOf(r));
            res.setProperties(structPb.Struct.fromJavaScript(r.properties as any));
            res.setOptions(new analyzerPb.AnalyzerResourceOptions());
            if (r.parent) res.setParent(r.parent);
            res.setDependenciesList([...(r.dependencies ?? [])]);
            const deps = res.getPropertydependenciesMap();
            for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
                const d = new analyzerPb.AnalyzerPropertyDependencies();
                d.setUrnsList([...urns]);
                deps.set(prop, d);
            }
            const provider = PolicyAnalyzer.providerOf(r);
            if (provider) res.setProvider(provider);
            return res;
        }));
        return PolicyAnalyzer.result(await unary<analyzerPb.AnalyzeResponse>((cb) => this.client.analyzeStack(req, cb)));
    }

    private static result(res: analyzerPb.AnalyzeResponse): AnalyzeResult {
        return {
            diagnostics: res.getDiagnosticsList().map((d) => ({
                policyName: d.getPolicyname(),
                policyPackName: d.getPolicypackname(),
                policyPackVersion: d.getPolicypackversion(),
                description: d.getDescription(),
                message: d.getMessage(),
                enforcementLevel: levelFromProto[d.getEnforcementlevel()],
                urn: d.getUrn() || undefined,
            })),
            notApplicable: res.getNotApplicableList().map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
        };
    }

    /** Closes the channel and stops the pack process (the CLI kills it the same way). */
    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        this.client.close();
        await stopChild(this.child);
    }

    /** The pack process's id (tests check that it is gone after `close`). */
    get pid(): number | undefined {
        return this.child.pid;
    }
}

/**
 * The port the pack prints on its first stdout line. Only a complete line counts: a chunk may end in the middle
 * of the number ("123" then "45\n"). Rejects, with the pack's stderr, when the pack exits, fails to spawn, or
 * prints nothing usable within `timeoutMs`. Does not kill the child: the caller does.
 */
export function waitForPort(
    child: Pick<ChildProcess, "once" | "removeListener"> & { stdout: NodeJS.ReadableStream | null },
    timeoutMs: number,
    stderr: () => string,
    packDir: string,
): Promise<number> {
    return new Promise<number>((resolve, reject) => {
        let stdout = "";
        const settle = (error: Error | undefined, port?: number) => {
            clearTimeout(timer);
            child.stdout?.removeListener("data", onData);
            child.removeListener("exit", onExit);
            child.removeListener("error", onError);
            if (error) reject(error);
            else resolve(port!);
        };
        const timer = setTimeout(() => settle(new Error(
            `policy pack in ${packDir} printed no port within ${timeoutMs} ms (raise startupTimeoutMs if the machine is slow); stderr:\n${stderr() || "(empty)"}\nstdout:\n${stdout || "(empty)"}`)), timeoutMs);
        const onData = (chunk: string | Buffer) => {
            stdout += chunk.toString();
            const complete = stdout.slice(0, stdout.lastIndexOf("\n") + 1);
            const line = complete.split("\n").map((l) => l.trim()).find((l) => /^\d+$/.test(l));
            if (line) {
                const port = Number(line);
                if (port > 0 && port < 65536) settle(undefined, port);
                else settle(new Error(`policy pack in ${packDir} printed ${JSON.stringify(line)}, which is not a TCP port; stderr:\n${stderr() || "(empty)"}`));
            }
        };
        const onExit = (code: number | null, signal: string | null) =>
            settle(new Error(`policy pack in ${packDir} exited (code ${code}, signal ${signal}) before serving; stderr:\n${stderr() || "(empty)"}\nstdout:\n${stdout || "(empty)"}`));
        const onError = (error: Error) => settle(new Error(`policy pack in ${packDir} could not be started (${error.message}); stderr:\n${stderr() || "(empty)"}`));
        child.stdout?.on("data", onData);
        child.once("exit", onExit);
        child.once("error", onError);
    });
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
}
