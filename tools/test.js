#!/usr/bin/env node
/**
 * `npm test`: the type-check (`tsc --noEmit`) and every test file (mocha, two worker processes) at the same
 * time, one exit code for both. The type-check's output is printed after mocha's, so neither interleaves.
 *
 *   npm test                        type-check + all of tests/**\/*.test.ts
 *   npm test -- tests/a.test.ts     type-check + only the files named
 *   npm run test:unit               no type-check, only the files that need neither moto nor a spawned
 *                                   process (see isIntegration below)
 *   npm run test:file -- <file…>    mocha alone on the files named (no type-check)
 *
 * Options: --unit (the fast subset), --serial (one mocha process, for debugging order effects),
 * --no-typecheck, --jobs=N. Integration files get one moto server per worker, started here (MOTO_ENDPOINTS;
 * tests/setup.ts gives each worker its own), unless MOTO_ENDPOINT is set: then all share that one.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");

const ROOT = path.resolve(__dirname, "..");
const TESTS = path.join(ROOT, "tests");

/**
 * Files that talk to moto or spawn processes (packs, the CLIs, python, validators). Judged from the source, so
 * a new test file is classified without a list to maintain.
 */
const INTEGRATION = /helpers\/moto"|spawnNode|PolicyAnalyzer|policyAnalyzer"|child_process|motoBus"|sagemakerLifecycleProxy"|runPlan\b|approverDay"/;
/** By name too: a `.moto.` or `.e2e.` file is one even when it reaches moto through a helper (promotionWorld). */
const INTEGRATION_NAME = /\.(moto|e2e)\.test\.ts$/;
function isIntegration(file) {
    return INTEGRATION_NAME.test(file) || INTEGRATION.test(fs.readFileSync(file, "utf8"));
}

/** Rough cost, to start the slowest files first so the two workers finish together. */
const HEAVY = [/PolicyAnalyzer|runPlan\b|spawnNode/, /helpers\/moto"|motoBus"|child_process|approverDay"/, /runProgramUnderMocks|programUnderMocks"|exampleRun|Stacks?"/];
function cost(file) {
    const source = fs.readFileSync(file, "utf8");
    const rank = HEAVY.findIndex((re) => re.test(source));
    return (rank === -1 ? 0 : (HEAVY.length - rank) * 1e6) + source.length;
}

/** Where the repository's TypeScript lives (tsconfig.json's `include`). */
const SOURCE_DIRS = ["infra", "policies", "lambdas", "cli", "tests", "bench", "examples"];

/** The files under `dir` (none if it does not exist) whose name passes `keep`, node_modules left out. */
function filesUnder(dir, keep) {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : filesUnder(full, keep);
        return keep(entry.name) ? [full] : [];
    });
}

const isTestFile = (name) => name.endsWith(".test.ts");
const isSourceFile = (name) => name.endsWith(".ts") && !name.endsWith(".d.ts");

/**
 * The type-check's compiler: TypeScript 7 (the native one, devDependency `typescript-7`), about a third of
 * TypeScript 5's CPU on this project (8 CPU-s against 25) with the same errors. `typescript` stays at 5.9: ts-node,
 * which the Pulumi CLI uses to run the policy pack, needs its JavaScript API, which TypeScript 7 does not have.
 */
const TSC = path.join(path.dirname(require.resolve("typescript-7/package.json")), "bin", "tsc");

/**
 * Mocha worker processes. On 2 cores, 4 workers measured the same wall time as 2 (within noise) for more
 * CPU-seconds (each worker loads @pulumi/aws and the SDK): see docs/performance.md. Override with --jobs=N.
 */
const DEFAULT_JOBS = 2;

function parseArgs(argv) {
    const options = { unit: false, serial: false, typecheck: true, jobs: DEFAULT_JOBS, files: [] };
    for (const arg of argv) {
        const jobs = /^--jobs=(\d+)$/.exec(arg);
        if (jobs) options.jobs = Number(jobs[1]);
        else if (arg === "--unit") options.unit = true;
        else if (arg === "--serial") options.serial = true;
        else if (arg === "--no-typecheck") options.typecheck = false;
        else if (arg.startsWith("--")) throw new Error(`unknown option ${arg} (use --unit, --serial, --no-typecheck, --jobs=N, or test files)`);
        else options.files.push(path.resolve(arg));
    }
    return options;
}

/** Runs a command; `done` resolves with its exit code and, when `capture`, its output. */
function run(command, args, { env, capture }) {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit" });
    const done = new Promise((resolve) => {
        let output = "";
        if (capture) {
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
        }
        child.on("error", (err) => resolve({ code: 1, output: `${output}${err.message}\n` }));
        child.on("close", (code, signal) => resolve({ code: code ?? 1, signal, output }));
    });
    return { child, done };
}

async function main() {
    const options = parseArgs(process.argv.slice(2));
    const missing = options.files.filter((f) => !fs.existsSync(f));
    if (missing.length) throw new Error(`no such test file: ${missing.join(", ")}`);
    let files = options.files.length ? options.files : filesUnder(TESTS, isTestFile);
    if (options.unit) files = files.filter((f) => !isIntegration(f));
    files.sort((a, b) => cost(b) - cost(a) || a.localeCompare(b));
    if (files.length === 0) throw new Error("no test files selected");

    const started = Date.now();
    const env = { ...process.env };
    // The type-check needs nothing else: it starts first and runs alongside everything.
    const typecheck = options.typecheck
        ? run(process.execPath, [TSC, "--noEmit", "-p", "tsconfig.json"], { env, capture: true }).done.then((r) => ({ ...r, seconds: (Date.now() - started) / 1000 }))
        : undefined;

    const parallel = !options.serial && files.length > 1;
    const { warmCache } = require("./register");
    // Every TypeScript file transpiled once, here, in parallel, before the processes that need them start together.
    const warming = warmCache(SOURCE_DIRS.flatMap((dir) => filesUnder(path.join(ROOT, dir), isSourceFile)));
    let motosReady = Promise.resolve();
    if (!env.MOTO_ENDPOINT && files.some(isIntegration)) {
        // One moto per worker (tests/setup.ts picks it by MOCHA_WORKER_ID): a shared one serialises the workers.
        // Not waited for here: the workers boot while moto does, and tests/helpers/moto.ts waits for it.
        const { launchMoto } = require("../tests/helpers/moto");
        const motos = await Promise.all(Array.from({ length: parallel ? options.jobs : 1 }, () => launchMoto()));
        if (parallel) env.MOTO_ENDPOINTS = motos.map((m) => m.endpoint).join(",");
        else env.MOTO_ENDPOINT = motos[0].endpoint;
        motosReady = Promise.all(motos.map((m) => m.ready));
    }

    await warming;
    const mochaArgs = [require.resolve("mocha/bin/mocha.js"), ...(parallel ? ["--parallel", "--jobs", String(options.jobs)] : []), ...files.map((f) => path.relative(ROOT, f))];
    const mocha = run(process.execPath, mochaArgs, { env, capture: false });
    // A moto that cannot start (not installed, a port taken) stops the run now, with its reason, rather than
    // every integration test waiting for it in turn.
    motosReady.catch((err) => {
        process.stderr.write(`error: ${err.message}\n`);
        mocha.child.kill();
        process.exit(2);
    });
    const mochaResult = await mocha.done;

    let failed = mochaResult.code !== 0;
    if (typecheck) {
        const tsc = await typecheck;
        process.stdout.write(`\nType-check (tsc --noEmit): ${tsc.code === 0 ? "ok" : "FAILED"} in ${tsc.seconds.toFixed(0)} s\n${tsc.output}`);
        failed ||= tsc.code !== 0;
    }
    process.stdout.write(`npm test: ${failed ? "FAILED" : "ok"} (${files.length} files, ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    return failed ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(2);
    },
);
