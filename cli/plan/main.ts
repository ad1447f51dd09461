/**
 * `npm run plan -- --stack <name>`: the main job without a cloud account.
 *
 * Runs the real program for the stack under Pulumi's mocks with its `Pulumi.<stack>.yaml`, prints a
 * preview-like tree of what it declares, then serves the real policy pack the way the Pulumi CLI does and
 * evaluates every resource and the stack policies, for `pulumi preview` and for `pulumi up`.
 * Exit codes: 0 no mandatory violation, 1 mandatory violation(s), 2 usage or invalid config, 3 the program
 * or the pack failed.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Command, CommanderError, Option } from "commander";
import { parse as parseYaml } from "yaml";
import { ConfigError, PROJECT, parseStackConfig } from "../../infra/config";
import { listStacks, rawConfigFromDocument } from "../approvals/environment";
import { DEFAULT_MOCK_ACCOUNT, runProgramUnderMocks, stackConfigFromYaml, type MockAccount, type ProgramRun } from "../lib/programUnderMocks";
import { DEFAULT_PACK_DIR, type PolicyPackConfigFile } from "../lib/policyAnalyzer";
import { engineUrn, evaluateMoment, inferDependencies, startPack, type Finding, type Moment, type MomentResult } from "./policies";
import { configOverrides, ProgramFolderError, readProgramFolder } from "./program";
import { decideRegistryAccess } from "./registryAccess";
import { buildTree, renderTree, summarize, describeInputs } from "./render";

export const PLAN_EXIT = { ok: 0, mandatoryViolation: 1, usage: 2, failed: 3 } as const;

export class PlanError extends Error {
    constructor(readonly exitCode: number, message: string) {
        super(message);
    }
}

export interface PlanOptions {
    readonly stack: string;
    /** Project folder (Pulumi.yaml, Pulumi.<stack>.yaml, policies/). Defaults to this repository. */
    readonly projectDir?: string;
    /** A stack config file to use instead of Pulumi.<stack>.yaml. */
    readonly configFile?: string;
    readonly endpointUrl?: string;
    readonly packDir?: string;
    /** A --policy-pack-config file; defaults to policies/<stack>.json when it exists. */
    readonly policyPackConfig?: string;
    readonly moments?: readonly Moment[];
    /** The program's entry module (tests point it at a fixture program). Defaults to infra/index.ts. */
    readonly entry?: string;
    /**
     * Another Pulumi program's folder (Pulumi.yaml, Pulumi.<stack>.yaml, its entry), e.g. examples/blocked-endpoint.
     * Its project's config is not this project's, so it is not validated as such; its policy config defaults to
     * <folder>/policy-pack.<stack>.json when that exists.
     */
    readonly programDir?: string;
    /** `key=value` config values on top of the stack file's (`pulumi preview -c`); a bare key is the project's. */
    readonly config?: readonly string[];
    readonly json?: boolean;
    readonly inputs?: boolean;
}

export interface PlanIo {
    out(text: string): void;
    err(text: string): void;
}

const REPO = path.resolve(__dirname, "../..");

function readStackFile(file: string, stack: string, ownProject: boolean): { flat: Record<string, unknown>; region?: string } {
    if (!fs.existsSync(file)) {
        const dir = path.dirname(file);
        const known = listStacks(dir);
        throw new PlanError(PLAN_EXIT.usage, `No stack "${stack}": ${path.relative(process.cwd(), file) || file} does not exist. Known stacks: ${known.join(", ") || "none"}.`);
    }
    let document: unknown;
    try {
        document = parseYaml(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanError(PLAN_EXIT.usage, `${file} is not valid YAML: ${(err as Error).message}`);
    }
    const { raw, region } = rawConfigFromDocument(document);
    if (!ownProject) return { flat: stackConfigFromYaml(document as { config?: Record<string, unknown> }), region };
    try {
        parseStackConfig(raw, stack, region);
    } catch (err) {
        if (err instanceof ConfigError) throw new PlanError(PLAN_EXIT.usage, `${path.basename(file)}: ${err.message}`);
        throw err;
    }
    return { flat: stackConfigFromYaml(document as { config?: Record<string, unknown> }), region };
}

function readPolicyConfig(file: string): PolicyPackConfigFile {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfigFile;
    } catch (err) {
        throw new PlanError(PLAN_EXIT.usage, `Cannot read the policy pack config ${file}: ${(err as Error).message}`);
    }
}

const MOMENT_TITLE: Record<Moment, string> = {
    preview: "pulumi preview (first preview of a new stack: values AWS computes are unknown)",
    up: "pulumi up (each resource judged before it is created, its dependencies known)",
};

function renderFindings(findings: readonly Finding[]): string[] {
    if (findings.length === 0) return ["    no violations"];
    return findings.flatMap((f) => [
        `    [${f.enforcementLevel}] ${f.policyName}  ${f.resource}`,
        ...f.message.split("\n").map((l) => `        ${l}`),
    ]);
}

/** Runs the plan; returns the exit code. Throws PlanError for usage/config problems. */
export async function runPlan(options: PlanOptions, io: PlanIo): Promise<number> {
    const stack = options.stack;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(stack)) throw new PlanError(PLAN_EXIT.usage, `--stack "${stack}" is not a stack name.`);
    let folder;
    let overrides: Record<string, string>;
    try {
        folder = options.programDir ? readProgramFolder(options.programDir) : undefined;
        overrides = configOverrides(options.config ?? [], folder?.project ?? PROJECT);
    } catch (err) {
        if (err instanceof ProgramFolderError) throw new PlanError(PLAN_EXIT.usage, err.message);
        throw err;
    }
    const projectDir = folder?.dir ?? options.projectDir ?? REPO;
    const project = folder?.project ?? PROJECT;
    const entry = options.entry ?? folder?.entry;
    const configFile = options.configFile ? path.resolve(options.configFile) : path.join(projectDir, `Pulumi.${stack}.yaml`);
    const fromFile = readStackFile(configFile, stack, project === PROJECT);
    const region = fromFile.region;
    const flat = { ...fromFile.flat, ...overrides };
    const packDir = options.packDir ? path.resolve(options.packDir) : DEFAULT_PACK_DIR;
    const folderPolicyConfig = folder && path.join(folder.dir, `policy-pack.${stack}.json`);
    const defaultPolicyConfig = folderPolicyConfig && fs.existsSync(folderPolicyConfig) ? folderPolicyConfig : path.join(packDir, `${stack}.json`);
    const policyConfigFile = options.policyPackConfig ? path.resolve(options.policyPackConfig) : fs.existsSync(defaultPolicyConfig) ? defaultPolicyConfig : undefined;
    const policyConfig = policyConfigFile ? readPolicyConfig(policyConfigFile) : undefined;
    const moments = options.moments ?? ["preview", "up"];

    const account = planAccount(flat);
    const access = await decideRegistryAccess(options.endpointUrl, region);
    io.err(access.description);
    const packEnv: NodeJS.ProcessEnv = {
        ...(region && !process.env.AWS_REGION ? { AWS_REGION: region } : {}),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...access.packEnv,
    };
    const common = { stack, project, stackConfig: flat, policyConfig, packDir, packEnv };
    // Start the packs now: their start-up (ts-node compiling the pack) overlaps the program runs.
    const packs = new Map(moments.map((m) => [m, startPack({ ...common, moment: m })]));
    packs.forEach((p) => p.catch(() => undefined));

    let previewRun: ProgramRun;
    let upRun: ProgramRun;
    try {
        // Both runs always happen: the preview run draws the tree, the up run (every value known) tells which
        // resource each input came from.
        previewRun = await runProgramUnderMocks({ stack, project, config: flat, preview: true, unknownComputedOutputs: true, entry, account });
        upRun = await runProgramUnderMocks({ stack, project, config: flat, preview: false, entry, account });
    } catch (err) {
        for (const p of packs.values()) p.then((a) => a.close(), () => undefined);
        if (err instanceof ConfigError) throw new PlanError(PLAN_EXIT.usage, err.message);
        // A RunError is a message for a person (Pulumi prints it without a stack too); anything else is a bug.
        if (pulumi.RunError.isInstance(err)) throw new PlanError(PLAN_EXIT.failed, `The program stopped: ${(err as Error).message}`);
        throw new PlanError(PLAN_EXIT.failed, `The program failed under mocks: ${(err as Error).stack ?? err}`);
    }
    const dependencies = inferDependencies(upRun.recorder.resources, (r) => engineUrn(r, stack, project));

    const results: MomentResult[] = [];
    for (const moment of moments) {
        try {
            results.push(await evaluateMoment({ ...common, moment, run: moment === "preview" ? previewRun : upRun, region, dependencies, analyzer: packs.get(moment) }));
        } catch (err) {
            throw new PlanError(PLAN_EXIT.failed, `The policy pack failed during ${moment}: ${(err as Error).message}`);
        }
    }
    const mandatory = results.flatMap((r) => r.findings).filter((f) => f.enforcementLevel === "mandatory");
    // Paths of another program's folder are shown from the repository (where `npm run plan` runs).
    const relative = (p: string) => path.relative(folder ? REPO : projectDir, p) || p;
    const info = results[0]?.info;

    if (options.json) {
        io.out(JSON.stringify({
            stack,
            config: relative(configFile),
            resources: [...previewRun.recorder.resources]
                .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name))
                .map((r) => ({ type: r.type, name: r.name, parent: previewRun.recorder.parentOf(r)?.name, custom: r.custom, inputs: Object.fromEntries(describeInputs(r.inputs, projectDir)) })),
            policyPack: info && { name: info.name, version: info.version, config: policyConfigFile && relative(policyConfigFile), policies: info.policies.map((p) => ({ name: p.name, type: p.type, enforcementLevel: p.enforcementLevel })) },
            findings: results.flatMap((r) => r.findings),
            mandatoryViolations: mandatory.length,
        }, null, 2));
        return mandatory.length ? PLAN_EXIT.mandatoryViolation : PLAN_EXIT.ok;
    }

    const lines: string[] = [];
    lines.push(`Offline plan for stack ${stack} (${relative(configFile)}), under Pulumi mocks: account ${account.accountId} and the invented ARNs are stand-ins.`);
    lines.push("");
    lines.push(...renderTree(stack, project, buildTree(previewRun.recorder.resources, (r) => previewRun.recorder.parentOf(r)), projectDir, options.inputs ?? true));
    lines.push("");
    lines.push(...summarize(previewRun.recorder.resources));
    lines.push("");
    if (info) {
        lines.push(`Policy pack ${info.name} ${info.version} (${relative(packDir)}), config: ${policyConfigFile ? relative(policyConfigFile) : "none (the policies' defaults)"}`);
        for (const p of [...info.policies].sort((a, b) => a.name.localeCompare(b.name))) lines.push(`    ${p.name.padEnd(44)} ${p.type.padEnd(8)} ${p.enforcementLevel}`);
    }
    for (const result of results) {
        lines.push("");
        lines.push(`${MOMENT_TITLE[result.moment]}:`);
        lines.push(...renderFindings(result.findings));
    }
    lines.push("");
    lines.push(mandatory.length
        ? `FAILED: ${mandatory.length} mandatory violation${mandatory.length === 1 ? "" : "s"}; \`pulumi preview\`/\`pulumi up\` with this pack would be blocked.`
        : "OK: no mandatory violations.");
    io.out(lines.join("\n"));
    return mandatory.length ? PLAN_EXIT.mandatoryViolation : PLAN_EXIT.ok;
}

export function buildPlanCommand(io: PlanIo, result: { code: number }): Command {
    return new Command("plan")
        .description("Offline plan: run the program for a stack under Pulumi mocks, print what it declares, and evaluate the real policy pack as `pulumi preview`/`pulumi up` would.")
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) })
        .option("-s, --stack <name>", "stack: reads Pulumi.<name>.yaml", "dev")
        .option("--endpoint-url <url>", "send the pack's model-registry lookups to this endpoint (e.g. moto); default: the AWS credential chain")
        .option("--config-file <file>", "use this stack config file instead of Pulumi.<stack>.yaml")
        .option("--policy-pack <dir>", "policy pack folder", path.relative(process.cwd(), DEFAULT_PACK_DIR) || ".")
        .option("--policy-pack-config <file>", "policy config, as for `pulumi preview --policy-pack-config` (default: <pack>/<stack>.json if present)")
        .addOption(new Option("--moment <moment>", "which moment to evaluate").choices(["preview", "up", "both"]).default("both"))
        .option("--no-inputs", "print the resource tree without inputs")
        .option("--json", "print one JSON document instead of text")
        .option("--program <folder>", "another Pulumi program's folder (its Pulumi.yaml, Pulumi.<stack>.yaml, policy-pack.<stack>.json), e.g. examples/blocked-endpoint; or an entry module (default: this repository's infra/)")
        .option("-c, --config <key=value>", "set a config value for this plan, as `pulumi preview -c` (repeatable; a bare key is the project's)", (v: string, all: string[]) => [...all, v], [] as string[])
        .addHelpText("after", "\nExit codes:\n  0  no mandatory violation\n  1  at least one mandatory violation (pulumi preview/up would be blocked)\n  2  usage error or invalid stack/policy config\n  3  the program or the policy pack failed")
        .action(async function (this: Command) {
            const o = this.opts<{ stack: string; endpointUrl?: string; configFile?: string; policyPack: string; policyPackConfig?: string; moment: string; inputs: boolean; json?: boolean; program?: string; config: string[] }>();
            const program = o.program ? path.resolve(o.program) : undefined;
            if (program && !fs.existsSync(program)) throw new PlanError(PLAN_EXIT.usage, `--program ${o.program}: no such folder or file.`);
            const isFolder = program !== undefined && fs.statSync(program).isDirectory();
            result.code = await runPlan({
                stack: o.stack,
                endpointUrl: o.endpointUrl,
                configFile: o.configFile,
                packDir: o.policyPack,
                policyPackConfig: o.policyPackConfig,
                moments: o.moment === "both" ? ["preview", "up"] : [o.moment as Moment],
                inputs: o.inputs,
                json: o.json,
                entry: isFolder ? undefined : program,
                programDir: isFolder ? program : undefined,
                config: o.config,
            }, io);
        });
}

/** Parses argv (without node and script) and runs the plan. Never throws. */
export async function runPlanCli(argv: readonly string[], io: PlanIo): Promise<number> {
    const result = { code: PLAN_EXIT.ok as number };
    try {
        await buildPlanCommand(io, result).parseAsync([...argv], { from: "user" });
        return result.code;
    } catch (err) {
        if (err instanceof CommanderError) return err.code === "commander.helpDisplayed" || err.code === "commander.help" ? PLAN_EXIT.ok : PLAN_EXIT.usage;
        if (err instanceof PlanError) {
            io.err(`error: ${err.message}`);
            return err.exitCode;
        }
        io.err(`error: ${(err as Error)?.stack ?? String(err)}`);
        return PLAN_EXIT.failed;
    }
}

/**
 * The stand-in account of an offline plan. There are no credentials to ask, and the program refuses to
 * attach approvers of another account than the deploying one, so the plan assumes the stack deploys into
 * its approvers' account when they (the attached ones, and a registry's stage approvers) are all in one
 * account; otherwise 123456789012.
 */
export function planAccount(flat: Record<string, unknown>): MockAccount {
    const approvers = flat[`${PROJECT}:approvers`] as { principalArns?: unknown; attachPolicy?: unknown } | undefined;
    // A registry stack's stage approvers are principals of the registry account, which is the one it deploys into.
    const stages = (flat[`${PROJECT}:promotion`] as { stages?: unknown } | undefined)?.stages;
    const stageArns = Array.isArray(stages) ? stages.flatMap((s) => (Array.isArray(s?.approvers) ? s.approvers : [])) : [];
    const attached = approvers?.attachPolicy !== false && Array.isArray(approvers?.principalArns) ? approvers!.principalArns : [];
    const accounts = new Set([...attached, ...stageArns].map((arn) => /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/.exec(String(arn))?.[1]));
    const [only] = [...accounts];
    return accounts.size === 1 && only ? { ...DEFAULT_MOCK_ACCOUNT, accountId: only } : DEFAULT_MOCK_ACCOUNT;
}
