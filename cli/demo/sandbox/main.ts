/**
 * `npm run demo`: a local sandbox that shows the gate working, with nothing deployed to any cloud.
 * Starts moto (an AWS emulator) behind the SageMaker double (UpdateEndpoint and the rest moto lacks), seeds the
 * dev environment's registry, walks through the approval flow and the policy pack (./walkthrough.ts), prints
 * the exports and commands to try next, and keeps the sandbox up until Ctrl-C, delivering the events an
 * approval made meanwhile would raise (./events.ts). `--no-wait` exits after the walkthrough (tests, CI).
 * Exit codes: 0 done, 1 a step did not do what it says, 2 usage or a missing prerequisite (python3, moto).
 */
import * as path from "path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { startLifecycleProxy, type LifecycleProxy } from "../sagemakerDouble/lifecycleProxy";
import { environmentFunctions } from "./functions";
import { motoProblem, portInUse, SandboxError, startMoto, type Moto } from "./moto";
import { progress as makeProgress } from "./progress";
import { nextSteps, sandboxExports, waitForCtrlC } from "./session";
import { walkthrough, type Printer } from "./walkthrough";
import { ACCOUNT, REGION, seedWorld } from "./world";

const REPO = path.resolve(__dirname, "../../..");

export interface DemoOptions {
    readonly wait: boolean;
    readonly port?: number;
}

export function parsePort(value: string): number {
    const port = Number(value);
    if (!/^\d+$/.test(value) || port < 1024 || port > 65535) throw new InvalidArgumentError(`got "${value}"; expected a port number from 1024 to 65535, e.g. --port 5005.`);
    return port;
}

function printer(write: (text: string) => void): Printer {
    return {
        line: (text = "") => write(`${text}\n`),
        section: (title) => write(`\n== ${title}\n`),
        block: (text) => write(`${text.replace(/\n$/, "").split("\n").map((l) => `    ${l}`).join("\n")}\n`),
    };
}

function buildCommand(options: { value?: DemoOptions }): Command {
    return new Command("demo")
        .description("A local sandbox (moto) that shows the approval gate working: registration, notification, approval with the CLI, deployment, rollback, and the policy pack blocking a pending version.")
        .exitOverride()
        .option("--no-wait", "exit after the walkthrough instead of keeping the sandbox running (tests, CI)")
        .option("--port <port>", "the sandbox's endpoint port (default: a free one)", parsePort)
        .action(function (this: Command) {
            const o = this.opts<{ wait: boolean; port?: number }>();
            options.value = { wait: o.wait, port: o.port };
        });
}

export async function runDemo(options: DemoOptions, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
    const p = printer(write);
    const progress = makeProgress();
    const missing = motoProblem();
    if (missing) throw new SandboxError(missing);
    if (options.port !== undefined && (await portInUse(options.port))) throw new SandboxError(`port ${options.port} is in use; pick another with --port, or leave it out for a free one.`);
    let moto: Moto | undefined;
    let proxy: LifecycleProxy | undefined;
    try {
        moto = await progress.run("starting moto (python3 -m moto.server) and the SageMaker double", () => startMoto());
        proxy = await startLifecycleProxy(moto.endpoint, [], options.port ?? 0);
        const endpoint = proxy.endpoint;
        // Everything this process starts (the CLI in-process, the plan's processes) talks to the sandbox only.
        // A service's own AWS_ENDPOINT_URL_<SERVICE> would win over AWS_ENDPOINT_URL: drop those too.
        for (const k of Object.keys(process.env)) if (["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"].includes(k) || k.startsWith("AWS_ENDPOINT_URL_")) delete process.env[k];
        Object.assign(process.env, sandboxExports(endpoint), { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" });
        const world = await progress.run("seeding the dev environment's registry: v1 Approved and live, v2 Rejected, v3 pending", () => seedWorld(endpoint, REPO));
        p.line(`Sandbox: ${endpoint} (moto ${moto.endpoint} behind it), account ${ACCOUNT}, ${REGION}; environment dev (Pulumi.dev.yaml), group ${world.environment.groupName}.`);
        const fns = environmentFunctions(world);
        const result = await walkthrough(world, fns, p, progress, REPO, endpoint).catch((err: unknown) => {
            // What the functions logged last is usually why a step did not happen.
            if (fns.logs.length) p.block(["The functions' last log lines:", ...fns.logs.slice(-5)].join("\n"));
            throw err;
        });
        p.section("Summary");
        p.line(`approval flow: ${result.newVersion} notified, approved with the CLI, deployed, rejected, rolled back to ${world.environment.groupName}/1`);
        p.line(`policy pack: pending version blocked (exit ${result.blocked.code}), approved version let through (exit ${result.passed.code})`);
        const pendingArn = world.versions.get(3)!;
        const ok = result.blocked.code === 1 && result.blocked.output.includes("[mandatory]") && result.blocked.output.includes(pendingArn) && result.passed.code === 0;
        if (!ok) p.line("UNEXPECTED: the policy pack did not block the pending version and pass the approved one; see the plans' output above.");
        p.line("");
        for (const l of nextSteps(world, endpoint)) p.line(l);
        if (options.wait && ok) await waitForCtrlC(world, endpoint, p, moto.child);
        return ok ? 0 : 1;
    } finally {
        await proxy?.close().catch(() => undefined);
        moto?.stop();
        if (options.wait) p.line("Sandbox stopped (moto killed).");
    }
}

/** Parses argv and runs the demo; returns the exit code, never throws. */
export async function runDemoCli(argv: readonly string[]): Promise<number> {
    const parsed: { value?: DemoOptions } = {};
    try {
        await buildCommand(parsed).parseAsync([...argv], { from: "user" });
    } catch (err) {
        if (err instanceof CommanderError) return err.code === "commander.helpDisplayed" || err.code === "commander.help" ? 0 : 2;
        throw err;
    }
    if (!parsed.value) return 2;
    try {
        return await runDemo(parsed.value);
    } catch (err) {
        if (err instanceof SandboxError) {
            process.stderr.write(`error: ${err.message}\n`);
            return 2;
        }
        process.stderr.write(`error: the demo failed: ${(err as Error)?.message ?? String(err)}\n`);
        return 1;
    }
}
