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

/** Starts a moto server on a free loopback port, stopped when this process exits; resolves with its endpoint. */
export async function startMoto(): Promise<string> {
    if (!motoAvailable()) {
        throw new Error('moto is not installed: run `pip install "moto[server]"` (the integration tests need it), or set MOTO_ENDPOINT');
    }
    const port = await freePort();
    const server = spawn("python3", [MOTO_SERVER, "-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    server.unref();
    process.once("exit", () => server.kill());
    child ??= server;
    const endpoint = `http://127.0.0.1:${port}`;
    await waitUntilUp(endpoint, 20_000);
    return endpoint;
}

/** The endpoint of a running moto server, starting one if needed. */
export function motoEndpoint(): Promise<string> {
    if (process.env.MOTO_ENDPOINT) return Promise.resolve(process.env.MOTO_ENDPOINT.replace(/\/$/, ""));
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
