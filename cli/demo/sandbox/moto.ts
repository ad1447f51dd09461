/**
 * The sandbox's AWS: a moto server (`python3 -m moto.server`) on a loopback port, killed with the sandbox.
 * Every problem a newcomer can meet here (no python3, no moto, a port in use, moto dying) is a `SandboxError`:
 * one line saying what and how to fix it.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as net from "net";

/** A problem the person running the demo can fix; printed as one line, never with a stack. */
export class SandboxError extends Error {}

export const MOTO_INSTALL = 'python3 -m pip install "moto[server]"';

export interface Moto {
    readonly endpoint: string;
    readonly child: ChildProcess;
    stop(): void;
}

/** Why moto cannot run here, or undefined when it can. */
export function motoProblem(python = "python3"): string | undefined {
    const probe = spawnSync(python, ["-c", "import moto.server, moto; print(moto.__version__)"], { encoding: "utf8" });
    if (probe.error) return `${python} was not found (${(probe.error as NodeJS.ErrnoException).code}); the sandbox runs moto, an AWS emulator written in Python. Install Python 3, then: ${MOTO_INSTALL}`;
    if (probe.status !== 0) return `moto is not installed for ${python}. Install it with: ${MOTO_INSTALL}`;
    return undefined;
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Whether something already listens on 127.0.0.1:`port`. */
export function portInUse(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(true));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)));
    });
}

export interface LaunchedMoto extends Moto {
    /**
     * Resolves once the server answers; rejects with a `SandboxError` if it exits first (naming moto's last stderr
     * line, or how to install moto when Python cannot import it) or does not answer within the timeout (then it
     * is stopped).
     */
    readonly ready: Promise<void>;
}

export interface LaunchOptions {
    /** What python3 runs, before `-H <host> -p <port>`. Defaults to `["-m", "moto.server"]`. */
    readonly server?: readonly string[];
    /** Its own process group (so Ctrl-C reaches only the parent, which stops moto itself). Defaults to false. */
    readonly detached?: boolean;
    /** How long `ready` waits for an answer. Defaults to 20 s. */
    readonly timeoutMs?: number;
}

/**
 * Spawns moto on a free loopback port, stopped when this process exits, without waiting for it to boot (about a
 * second): the caller can start other work and await `ready` when it needs the server.
 */
export async function launchMoto(options: LaunchOptions = {}): Promise<LaunchedMoto> {
    const timeoutMs = options.timeoutMs ?? 20_000;
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn("python3", [...(options.server ?? ["-m", "moto.server"]), "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"], detached: options.detached ?? false });
    let stderr = "";
    child.stderr?.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
    let exited: number | null | undefined;
    child.once("exit", (code) => (exited = code));
    const stop = () => {
        if (exited === undefined && !child.killed) child.kill();
    };
    process.once("exit", stop);
    const ready = (async () => {
        const until = Date.now() + timeoutMs;
        for (;;) {
            if (exited !== undefined) {
                if (/No module named '?moto/.test(stderr)) throw new SandboxError(`moto is not installed for python3. Install it with: ${MOTO_INSTALL}`);
                throw new SandboxError(`moto exited (code ${exited}) before answering on ${endpoint}: ${stderr.trim().split("\n").pop() ?? ""}`);
            }
            try {
                if ((await fetch(`${endpoint}/moto-api/`)).status < 500) return;
            } catch {
                // not listening yet
            }
            if (Date.now() > until) {
                stop();
                throw new SandboxError(`moto did not answer on ${endpoint} within ${timeoutMs / 1000} s.`);
            }
            await new Promise((r) => setTimeout(r, 100));
        }
    })();
    ready.catch(() => {}); // reported to whoever awaits it
    return { endpoint, child, stop, ready };
}

/** Starts moto on a free port and resolves once it answers (usually within a second). */
export async function startMoto(timeoutMs = 20_000): Promise<Moto> {
    const problem = motoProblem();
    if (problem) throw new SandboxError(problem);
    // Its own process group: Ctrl-C reaches the sandbox, which stops moto itself (and says so) rather than
    // moto dying first under the sandbox's feet.
    const moto = await launchMoto({ detached: true, timeoutMs });
    await moto.ready;
    return moto;
}
