/**
 * A moto server for integration tests.
 *
 * `.ci/run` starts one and exports MOTO_ENDPOINT; locally, the first suite that needs it spawns
 * `python3 -m moto.server` on a free loopback port and every later suite reuses it. Suites isolate
 * themselves with unique resource names (see `uniqueName`), not by resetting shared state.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as net from "net";
import * as path from "path";

/** moto.server with its JSONPath parsing cached (see the file for why): the same server, several times faster on EventBridge. */
const MOTO_SERVER = path.join(__dirname, "motoServer.py");

let started: Promise<string> | undefined;
let child: ChildProcess | undefined;

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

async function waitUntilUp(endpoint: string, deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (;;) {
        try {
            const res = await fetch(`${endpoint}/moto-api/`);
            if (res.status < 500) return;
        } catch {
            // not listening yet
        }
        if (Date.now() > until) throw new Error(`moto did not answer at ${endpoint} within ${deadlineMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

let available: boolean | undefined;

/** True when `python3 -m moto.server` can run here (asked once per process: the probe takes most of a second). */
export function motoAvailable(): boolean {
    if (process.env.MOTO_ENDPOINT) return true;
    available ??= spawnSync("python3", ["-c", "import moto.server"], { stdio: "ignore" }).status === 0;
    return available;
}

const NOT_INSTALLED = 'moto is not installed: run `pip install "moto[server]"` (the integration tests need it), or set MOTO_ENDPOINT';

export interface LaunchedMoto {
    readonly endpoint: string;
    /** Resolves once the server answers; rejects if it exits first or does not answer within 20 s. */
    readonly ready: Promise<void>;
}

/**
 * Spawns a moto server on a free loopback port, stopped when this process exits, without waiting for it: `npm test`
 * starts the type-check and the mocha workers while moto boots (about 1.5 s), and `motoEndpoint()` waits for it.
 */
export async function launchMoto(): Promise<LaunchedMoto> {
    const port = await freePort();
    const server = spawn("python3", [MOTO_SERVER, "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    server.unref();
    process.once("exit", () => server.kill());
    child ??= server;
    let stderr = "";
    server.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
    (server.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    const endpoint = `http://127.0.0.1:${port}`;
    const exited = new Promise<never>((_, reject) =>
        server.once("exit", (code) => reject(new Error(/No module named/.test(stderr) ? NOT_INSTALLED : `moto exited (code ${code}) before answering at ${endpoint}: ${stderr.trim().split("\n").pop() ?? ""}`))),
    );
    const ready = Promise.race([waitUntilUp(endpoint, 20_000), exited]);
    ready.catch(() => {}); // a caller that never awaits it must not crash the process
    return { endpoint, ready };
}

/** Starts a moto server on a free loopback port, stopped when this process exits; resolves with its endpoint. */
export async function startMoto(): Promise<string> {
    const { endpoint, ready } = await launchMoto();
    await ready;
    return endpoint;
}

let given: Promise<string> | undefined;

/**
 * The endpoint of a running moto server, starting one if needed. A server named by MOTO_ENDPOINT is asked once
 * whether it answers yet (`npm test` names servers that may still be booting).
 */
export function motoEndpoint(): Promise<string> {
    const named = process.env.MOTO_ENDPOINT?.replace(/\/$/, "");
    if (named) {
        given ??= waitUntilUp(named, 30_000).then(() => named);
        return given;
    }
    started ??= startMoto();
    return started;
}

/** Environment that points every AWS SDK client at moto, with dummy credentials. */
export function motoEnv(endpoint: string, region = "us-east-1"): NodeJS.ProcessEnv {
    return {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_SESSION_TOKEN: "testing",
    };
}

/** Client options for an SDK client aimed at moto. */
export function motoClientConfig(endpoint: string, region = "us-east-1") {
    return {
        endpoint,
        region,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing", sessionToken: "testing" },
    };
}

let counter = 0;
/** A name unique within this test run, valid for SageMaker (letters, digits, hyphens). */
export function uniqueName(prefix: string): string {
    counter += 1;
    return `${prefix}-${process.pid}-${counter}`;
}
