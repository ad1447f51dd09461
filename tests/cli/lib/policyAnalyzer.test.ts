/**
 * The way we serve a pack like the CLI: the port line, start-up failures, and no orphaned pack processes.
 * Fake packs are tiny JavaScript programs run by the real `run-policy-pack`, so start-up takes a second.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PassThrough } from "stream";
import { EventEmitter } from "events";
import { PolicyAnalyzer, packTranspileOnly, waitForPort } from "../../../cli/lib/policyAnalyzer";

/** A child-process look-alike whose stdout we write by hand. */
function fakeChild() {
    const emitter = new EventEmitter();
    const stdout = new PassThrough();
    return Object.assign(emitter, { stdout });
}

const made: string[] = [];

function fakePack(source: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pack-"));
    made.push(dir);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "fake-pack", version: "0.0.1", main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), source);
    return dir;
}

/** True while the process runs (a killed process waiting to be reaped by init counts as gone). */
const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return true;
    }
};

describe("cli/lib/policyAnalyzer", () => {
    // The one start of the real pack with type-checking ts-node in the suite (about 9 CPU-seconds): every other test
    // serves it transpile-only (tests/setup.ts), which the last test here proves is the same pack. Started first, so
    // that its compile runs while the tests before it wait on their fake packs.
    let bothPacks: Promise<[PolicyAnalyzer, PolicyAnalyzer]>;
    before(() => {
        bothPacks = Promise.all([
            PolicyAnalyzer.start({ stack: "prod", env: { PULUMI_NODEJS_TRANSPILE_ONLY: "false" } }),
            PolicyAnalyzer.start({ stack: "prod", env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } }),
        ]);
        bothPacks.catch(() => {}); // reported by the test that awaits it
    });
    after(async () => {
        made.forEach((p) => fs.rmSync(p, { recursive: true, force: true }));
        const packs = await bothPacks.catch(() => []);
        await Promise.all(packs.map((p) => p.close()));
    });

    describe("waitForPort", () => {
        it("waits for a complete line: a chunk that ends in the middle of the number is not the port", async () => {
            const child = fakeChild();
            const port = waitForPort(child as any, 5_000, () => "", "pack");
            let settled: number | undefined;
            port.then((p) => (settled = p));
            child.stdout.write("123");
            await new Promise((r) => setTimeout(r, 50));
            assert.strictEqual(settled, undefined, "must not take 123 from a partial line");
            child.stdout.write("45\n");
            assert.strictEqual(await port, 12345);
        });

        it("rejects a number that is no TCP port, with the pack's stderr", async () => {
            const child = fakeChild();
            const port = waitForPort(child as any, 5_000, () => "boom on stderr", "pack");
            child.stdout.write("99999999\n");
            await assert.rejects(port, /printed "99999999", which is not a TCP port; stderr:\nboom on stderr/);
        });

        it("times out with a clear error that includes stderr and what stdout said", async () => {
            const child = fakeChild();
            const port = waitForPort(child as any, 100, () => "Error: cannot find module 'x'", "/packs/p");
            child.stdout.write("starting...\n42");
            await assert.rejects(port, (err: Error) => {
                assert.match(err.message, /policy pack in \/packs\/p printed no port within 100 ms/);
                assert.match(err.message, /stderr:\nError: cannot find module 'x'/);
                assert.match(err.message, /stdout:\nstarting\.\.\.\n42/);
                return true;
            });
        });

        it("rejects when the pack exits or cannot be spawned before serving", async () => {
            const exits = fakeChild();
            const p1 = waitForPort(exits as any, 5_000, () => "TS2305 in index.ts", "pack");
            exits.emit("exit", 1, null);
            await assert.rejects(p1, /exited \(code 1, signal null\) before serving; stderr:\nTS2305 in index.ts/);
            const broken = fakeChild();
            const p2 = waitForPort(broken as any, 5_000, () => "", "pack");
            broken.emit("error", new Error("spawn ENOENT"));
            await assert.rejects(p2, /could not be started \(spawn ENOENT\)/);
        });
    });

    describe("PolicyAnalyzer.start with a pack that never serves", function () {
        this.timeout(30_000);

        it("times out with the pack's stderr and leaves no process behind", async () => {
            const pidFile = path.join(os.tmpdir(), `fake-pack-pid-${process.pid}-${Date.now()}`);
            made.push(pidFile);
            const dir = fakePack(`
                require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
                process.stderr.write("the pack is stuck\\n");
                process.stdout.write("80");
                setInterval(() => {}, 1000);
            `);
            await assert.rejects(
                // Long enough for run-policy-pack to load (about 1 CPU-second) and the fake pack to write its stderr
                // on a busy machine (the type-checked pack compiling, the other worker, tsc). The wait overlaps that
                // compile (started by this file's first hook), so it costs the file little.
                PolicyAnalyzer.start({ stack: "prod", packDir: dir, startupTimeoutMs: 8_000 }),
                (err: Error) => /printed no port within 8000 ms/.test(err.message) && /the pack is stuck/.test(err.message),
            );
            const pid = Number(fs.readFileSync(pidFile, "utf8"));
            assert.ok(pid > 0);
            assert.strictEqual(alive(pid), false, `pack process ${pid} is still running`);
        });

        it("kills the pack when the process that started it exits", async () => {
            const pidFile = path.join(os.tmpdir(), `fake-pack-pid-${process.pid}-${Date.now()}-exit`);
            made.push(pidFile);
            const dir = fakePack(`
                require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
                setInterval(() => {}, 1000);
            `);
            // A parent that starts the pack, then exits while the pack is still starting.
            const parent = `
                const { PolicyAnalyzer } = require(${JSON.stringify(path.resolve(__dirname, "../../../cli/lib/policyAnalyzer"))});
                PolicyAnalyzer.start({ stack: "prod", packDir: ${JSON.stringify(dir)}, startupTimeoutMs: 60000 }).catch(() => {});
                const fs = require("fs");
                const poll = setInterval(() => { if (fs.existsSync(${JSON.stringify(pidFile)})) { clearInterval(poll); process.exit(0); } }, 50);
            `;
            const { spawnSync } = await import("child_process");
            const run = spawnSync(process.execPath, ["-r", "./tools/register.js", "-e", parent], { cwd: path.resolve(__dirname, "../../.."), encoding: "utf8", timeout: 25_000 });
            assert.strictEqual(run.status, 0, run.stderr);
            const pid = Number(fs.readFileSync(pidFile, "utf8"));
            for (let i = 0; i < 20 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
            assert.strictEqual(alive(pid), false, `pack process ${pid} outlived its parent`);
        });
    });

    describe("the repository's pack, type-checked as the CLI starts it and transpile-only as the tests start it", function () {
        this.timeout(180_000);

        it("PULUMI_NODEJS_TRANSPILE_ONLY=true (and only that) selects transpile-only", () => {
            assert.strictEqual(packTranspileOnly({ PULUMI_NODEJS_TRANSPILE_ONLY: "true" }), true);
            for (const value of [undefined, "", "false", "1", "TRUE"]) assert.strictEqual(packTranspileOnly({ PULUMI_NODEJS_TRANSPILE_ONLY: value }), false, String(value));
        });

        it("serves the same pack either way: name, version and every policy with its level and config schema", async () => {
            const [typeChecked, transpiled] = await bothPacks;
            try {
                const [checkedInfo, transpiledInfo] = await Promise.all([typeChecked.getAnalyzerInfo(), transpiled.getAnalyzerInfo()]);
                assert.strictEqual(checkedInfo.name, "sagemaker-approval-gate");
                assert.ok(checkedInfo.policies.length >= 3, JSON.stringify(checkedInfo.policies.map((p) => p.name)));
                assert.deepStrictEqual(transpiledInfo, checkedInfo);
            } finally {
                await Promise.all([typeChecked.close(), transpiled.close()]);
            }
        });
    });
});
