/**
 * A moto server for integration tests.
 *
 * `npm test` (tools/test.js) starts one per mocha worker and names it in MOTO_ENDPOINT (tests/setup.ts); a file
 * run on its own starts one the first time it needs it, and every later suite in that process reuses it. Suites
 * isolate themselves with unique resource names (see `uniqueName`), not by resetting shared state.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { launchMoto as launchServer, type LaunchedMoto } from "../../cli/demo/sandbox/moto";

/** moto.server with four of its costs removed, its behaviour unchanged (see the file). */
const MOTO_SERVER = path.join(__dirname, "motoServer.py");

let started: Promise<string> | undefined;

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

/** True when `python3 -m moto.server` can run here. */
export function motoAvailable(): boolean {
    if (process.env.MOTO_ENDPOINT) return true;
    return spawnSync("python3", ["-c", "import moto.server"], { stdio: "ignore" }).status === 0;
}

/**
 * Spawns a moto server (tests/helpers/motoServer.py) on a free loopback port, stopped when this process exits,
 * without waiting for it: `npm test` starts the type-check and the mocha workers while moto boots (about 1.5 s),
 * and `motoEndpoint()` waits for it. The sandbox's launcher, aimed at the tests' server.
 */
export function launchMoto(): Promise<LaunchedMoto> {
    return launchServer({ server: [MOTO_SERVER] });
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
