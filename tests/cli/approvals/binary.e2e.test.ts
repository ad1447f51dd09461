/**
 * The real `approvals` binary (cli/bin/approvals.js, what `npm run approvals` and the package `bin` run),
 * spawned as a user would: exit codes, --help, --json on stdout, errors without stack traces.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { EXIT } from "../../../cli/approvals/errors";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { motoClientConfig, motoEndpoint, motoEnv, uniqueName } from "../../helpers/moto";
import { createLedgerTable } from "../../lambdas/ledgerTable";
import { environmentWithoutAws, spawnNode, type SpawnResult } from "../spawnNode";
import { runCli } from "../../../cli/approvals/program";
import { captureIo, makeProject, seedRegistry } from "./helpers";

const BIN = path.resolve(__dirname, "../../../cli/bin/approvals.js");

/** The parent's environment without any AWS setting, plus `extra`. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const env = environmentWithoutAws(["APPROVALS_ENV"]);
    return { ...env, AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials", ...extra };
}

function approvals(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<SpawnResult> {
    return spawnNode(BIN, args, { cwd: options.cwd ?? path.dirname(BIN), env: cleanEnv(options.env ?? {}) });
}

describe("cli/bin/approvals.js (spawned)", function () {
    this.timeout(60_000);
    let endpoint: string;
    let group: string;
    let env: string;
    let projectDir: string;
    let ledgerTable: string;

    before(async () => {
        endpoint = await motoEndpoint();
        group = uniqueName("e2e");
        env = uniqueName("e2e-env");
        projectDir = makeProject(env, group);
        ledgerTable = uniqueName("e2e-ledger");
        await createLedgerTable(new DynamoDBClient(motoClientConfig(endpoint)), ledgerTable);
        await seedRegistry(endpoint, group, uniqueName("e2e-reports"), [3.5, 4.25], { table: ledgerTable });
    });
    after(() => fs.rmSync(projectDir, { recursive: true, force: true }));

    it("prints help with the exit codes, exit 0", async () => {
        // Independent processes, run at the same time (so in the other tests below).
        const [top, approve] = await Promise.all([approvals(["--help"]), approvals(["approve", "--help"])]);
        assert.equal(top.code, EXIT.ok);
        assert.match(top.stdout, /Exit codes:\n\s+0\s+ok\n\s+1\s+refused/);
        assert.equal(approve.code, EXIT.ok);
        assert.match(approve.stdout, /Usage: approvals approve \[options\] <version>[\s\S]*--comment <text>[\s\S]*--yes/);
    });

    it("has --help for every command (in-process, same program)", async () => {
        for (const command of ["pending", "show", "approve", "reject", "live", "history"]) {
            const io = captureIo();
            assert.equal(await runCli([command, "--help"], { io }), EXIT.ok, command);
            assert.match(io.text(), new RegExp(`Usage: approvals ${command}[\\s\\S]*--env <env>[\\s\\S]*--json`), command);
        }
    });

    it("exits 2 on usage errors", async () => {
        const [unknown, noComment] = await Promise.all([approvals(["promote", "x"]), approvals(["approve", "abalone-dev/1"])]);
        assert.equal(unknown.code, EXIT.usage);
        assert.match(unknown.stderr, /unknown command 'promote'/);
        assert.equal(noComment.code, EXIT.usage);
    });

    it("lists pending versions as JSON on stdout, against moto through the stack config in the working directory", async () => {
        const { code, stdout, stderr } = await approvals(["pending", "--env", env, "--json", "--endpoint-url", endpoint], { cwd: projectDir, env: motoEnv(endpoint) });
        assert.equal(code, EXIT.ok, stderr);
        const doc = JSON.parse(stdout);
        assert.equal(doc.group, group);
        assert.deepEqual(doc.pending.map((p: { metrics: { mse: number } }) => p.metrics.mse), [4.25, 3.5]);
        assert.equal(stderr, "");
    });

    it("refuses to approve without a terminal or --yes (exit 2), and exits 4 for an unknown version", async () => {
        const [noTty, missing] = await Promise.all([
            approvals(["approve", `${group}/1`, "--comment", "ok", "--allow-unknown-registrar", "--region", "us-east-1", "--ledger-table", ledgerTable], { env: motoEnv(endpoint) }),
            approvals(["show", `${group}/42`, "--region", "us-east-1"], { env: motoEnv(endpoint) }),
        ]);
        assert.equal(noTty.code, EXIT.usage, noTty.stderr);
        assert.match(noTty.stderr, /no terminal to confirm on/);
        assert.equal(missing.code, EXIT.notFound);
        assert.match(missing.stderr, /^error: No model package version/m);
    });

    it("exits 3 with what to do when there are no credentials or AWS cannot be reached, never a stack trace", async () => {
        const [noCreds, unreachable] = await Promise.all([
            approvals(["pending", "--group", group, "--region", "us-east-1"]),
            approvals(["pending", "--group", group, "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"], { env: { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" } }),
        ]);
        assert.equal(noCreds.code, EXIT.aws);
        assert.match(noCreds.stderr, /No usable AWS credentials[\s\S]*hint: .*AWS_PROFILE/);
        assert.equal(unreachable.code, EXIT.aws);
        assert.match(unreachable.stderr, /Could not reach --endpoint-url http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED, region us-east-1\)/);
        for (const r of [noCreds, unreachable]) assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
});

describe("cli/bin/approvals.js (spawned): version, region and --json errors", function () {
    this.timeout(60_000);
    const packageJson = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")) as { name: string; version: string };
    let projectDir: string;

    before(() => {
        // A stack file without aws:region, as a new environment often starts.
        projectDir = makeProject("staging", "abalone-staging");
        const file = path.join(projectDir, "Pulumi.staging.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^ {2}aws:region: .*\n/m, ""));
        assert.doesNotMatch(fs.readFileSync(file, "utf8"), /aws:region/);
    });
    after(() => fs.rmSync(projectDir, { recursive: true, force: true }));

    it("--version prints the CLI's name and package.json's version, exit 0; with --json as a document", async () => {
        const expected = `approvals ${packageJson.version} (${packageJson.name}, Node ${process.version})`;
        const [text, json] = await Promise.all([approvals(["--version"]), approvals(["--version", "--json"])]);
        assert.equal(text.code, EXIT.ok, text.stderr);
        assert.equal(text.stdout, `${expected}\n`);
        assert.equal(json.code, EXIT.ok, json.stderr);
        assert.deepEqual(JSON.parse(json.stdout), { name: "approvals", version: packageJson.version, package: packageJson.name, node: process.version });
        // The same program in-process (spawning is slow): -V, and --help lists the flag.
        const short = captureIo();
        assert.equal(await runCli(["-V"], { io: short }), EXIT.ok);
        assert.deepEqual(short.stdout, [expected]);
        const help = captureIo();
        await runCli(["--help"], { io: help });
        assert.match(help.text(), /-V, --version/);
    });

    it("--env staging whose stack file has no aws:region: names the missing region and every way to set it (exit 2)", async () => {
        const cases = [["show", "3", "--env", "staging"], ["live", "--env", "staging"]];
        const results = await Promise.all(cases.map((args) => approvals(args, { cwd: projectDir, env: { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" } })));
        for (const [i, args] of cases.entries()) {
            const { code, stderr } = results[i];
            assert.equal(code, EXIT.usage, `${args.join(" ")}: ${stderr}`);
            const [error, hint] = stderr.split("\n");
            assert.match(error, /^error: No AWS region for environment "staging": Pulumi\.staging\.yaml has no aws:region, and neither --region nor AWS_REGION is set\.$/, args.join(" "));
            assert.match(hint, /^hint: .*`pulumi config set aws:region <region> --stack staging`.*--region <region>.*AWS_REGION/, args.join(" "));
            assert.doesNotMatch(hint, /--env/, args.join(" "));
        }
    });

    it("without --env and without a region, the hint names all three sources", async () => {
        const { code, stderr } = await approvals(["show", "abalone-dev/3"], { env: { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" } });
        assert.equal(code, EXIT.usage, stderr);
        assert.match(stderr, /^error: No AWS region: .*\nhint: .*--region <region>.*--env <env>.*aws:region.*AWS_REGION/);
    });

    it("--json: usage errors and the parser's own are one JSON object on stdout, stderr empty, exit code unchanged", async () => {
        const cases = [["promote", "--json"], ["approve", "abalone-dev/3", "--json"]];
        const results = await Promise.all(cases.map((args) => approvals(args)));
        for (const [i, args] of cases.entries()) {
            const { code, stdout, stderr } = results[i];
            assert.equal(code, EXIT.usage, args.join(" "));
            assert.equal(stderr, "", args.join(" "));
            const doc = JSON.parse(stdout);
            assert.equal(doc.error.code, "usage", args.join(" "));
            assert.equal(typeof doc.error.message, "string");
        }
    });
});
