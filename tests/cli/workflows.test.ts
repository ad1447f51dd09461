/**
 * The delivery workflows in .github/workflows: validated by a real validator (@action-validator/cli, which
 * checks them against GitHub's workflow schema, offline), plus the rules this project holds them to.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const REPO = path.resolve(__dirname, "../..");
const WORKFLOWS = path.join(REPO, ".github/workflows");
const VALIDATOR = path.join(REPO, "node_modules/@action-validator/cli/cli.mjs");
const STACKS = fs.readdirSync(REPO).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}
interface Job {
    permissions?: Record<string, string> | string;
    needs?: string | string[];
    environment?: string | { name: string };
    concurrency?: unknown;
    if?: string;
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    jobs: Record<string, Job>;
}

const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const load = (file: string) => parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.entries(w.jobs).flatMap(([name, job]) => job.steps.map((step) => ({ job: name, step })));

function validate(file: string) {
    return spawnSync(process.execPath, [VALIDATOR, file], { encoding: "utf8" });
}

describe(".github/workflows", () => {
    it("has the PR and deploy workflows", () => {
        assert.deepEqual(files, ["deploy.yml", "pr.yml"]);
    });

    for (const file of files) {
        it(`${file} passes action-validator (GitHub's workflow schema)`, () => {
            const result = validate(path.join(WORKFLOWS, file));
            assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
        });
    }

    it("the validator rejects a broken copy (so the checks above are not vacuous)", () => {
        const broken = fs.readFileSync(path.join(WORKFLOWS, "deploy.yml"), "utf8").replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wf-")), "deploy.yml");
        fs.writeFileSync(file, broken);
        const result = validate(file);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /runs_on/);
    });

    it("pins every action to a full commit SHA, the same SHA everywhere, with the version in a comment", () => {
        const pins = new Map<string, Set<string>>();
        for (const file of files) {
            const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
            for (const { step } of steps(load(file))) {
                if (!step.uses || step.uses.startsWith("./")) continue;
                const m = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{40})$/.exec(step.uses);
                assert.ok(m, `${file}: "${step.uses}" is not pinned to a 40-character commit SHA`);
                assert.match(text, new RegExp(`${step.uses.replace(/[/.]/g, "\\$&")} # v\\d+\\.\\d+\\.\\d+`), `${file}: ${step.uses} has no "# vX.Y.Z" comment`);
                pins.set(m![1], (pins.get(m![1]) ?? new Set()).add(m![2]));
            }
        }
        for (const [action, shas] of pins) assert.equal(shas.size, 1, `${action} is pinned to ${[...shas].join(", ")}`);
        assert.deepEqual([...pins.keys()].sort(), ["actions/checkout", "actions/setup-node", "actions/setup-python", "aws-actions/configure-aws-credentials", "pulumi/actions"]);
    });

    it("builds with the Node of .nvmrc (22), which package.json's engines admit, as they do 24", () => {
        const nvmrc = fs.readFileSync(path.join(REPO, ".nvmrc"), "utf8").trim();
        assert.equal(nvmrc, "22");
        const versions = files.flatMap((file) => steps(load(file)).filter(({ step }) => step.uses?.startsWith("actions/setup-node@")).map(({ job, step }) => ({ file, job, version: String(step.with?.["node-version"]) })));
        assert.ok(versions.length > 0, "no setup-node step");
        for (const v of versions) assert.equal(v.version, nvmrc, `${v.file} job ${v.job} sets up Node ${v.version}, not .nvmrc's ${nvmrc}`);
        const engines = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).engines.node as string;
        const m = /^>=(\d+)\.(\d+) <(\d+)$/.exec(engines);
        assert.ok(m, `engines.node "${engines}" is not of the form ">=A.B <C"`);
        const [lowest, below] = [Number(m![1]), Number(m![3])];
        for (const major of [20, 22, 24]) assert.ok(major >= lowest && major < below, `engines.node "${engines}" does not admit Node ${major}`);
    });

    it("grants least privilege: read-only by default, id-token only where AWS is assumed, PR write only to comment", () => {
        for (const file of files) {
            const w = load(file);
            assert.deepEqual(w.permissions, { contents: "read" }, `${file}: top-level permissions`);
            for (const [name, job] of Object.entries(w.jobs)) {
                assert.ok(job.permissions && typeof job.permissions === "object", `${file}/${name}: no permissions block`);
                const perms = job.permissions as Record<string, string>;
                const assumesAws = job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                assert.equal(perms["id-token"] === "write", assumesAws, `${file}/${name}: id-token: write iff it assumes an AWS role`);
                for (const [scope, level] of Object.entries(perms)) {
                    if (level !== "write") continue;
                    assert.ok(scope === "id-token" || (scope === "pull-requests" && file === "pr.yml"), `${file}/${name}: ${scope}: write`);
                }
                assert.notEqual(perms.contents, "write", `${file}/${name}: contents: write`);
            }
        }
    });

    it("uses OIDC to AWS, never long-lived keys", () => {
        for (const file of files) {
            const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
            assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/, file);
            for (const { job, step } of steps(load(file))) {
                if (!step.uses?.startsWith("aws-actions/configure-aws-credentials@")) continue;
                assert.match(String(step.with?.["role-to-assume"]), /^\$\{\{ vars\.AWS_ROLE_ARN \}\}$/, `${file}/${job}`);
            }
        }
    });

    it("runs every pulumi preview and up with the policy pack and the stack's own policy config", () => {
        let checked = 0;
        for (const file of files) {
            for (const { job, step } of steps(load(file))) {
                if (!step.uses?.startsWith("pulumi/actions@")) continue;
                const command = step.with?.command;
                assert.ok(command === "preview" || command === "up", `${file}/${job}: pulumi ${command}`);
                assert.equal(step.with?.policyPacks, "policies", `${file}/${job}: policyPacks`);
                const config = String(step.with?.policyPackConfigs);
                if (config.includes("${{ matrix.stack }}")) {
                    for (const stack of STACKS) assert.ok(fs.existsSync(path.join(REPO, config.replace("${{ matrix.stack }}", stack))), `${file}/${job}: no ${config} for ${stack}`);
                } else {
                    assert.ok(fs.existsSync(path.join(REPO, config)), `${file}/${job}: ${config} does not exist`);
                    assert.match(String(step.with?.["stack-name"]), new RegExp(`\\b${path.basename(config, ".json")}\\b`), `${file}/${job}: config and stack differ`);
                }
                checked += 1;
            }
        }
        assert.equal(checked, 1 + STACKS.length, "one preview (matrix) and one up per stack");
    });

    it("pr.yml: tests with moto, the offline plan and a commented preview for every stack, previews only for this repository's branches", () => {
        const w = load("pr.yml");
        assert.deepEqual(Object.keys(w.on), ["pull_request"]);
        assert.equal(w.concurrency?.["cancel-in-progress"], true);
        const runs = steps(w).map(({ step }) => step.run ?? "").join("\n");
        assert.match(runs, /pip install "moto\[server\]/);
        assert.match(runs, /\.\/\.ci\/run/);
        assert.match(runs, /npm run --silent plan -- --stack "\$STACK"/);
        for (const job of ["plan", "preview"]) {
            assert.equal((w.jobs[job] as unknown as { strategy: { matrix: { stack: string } } }).strategy.matrix.stack, "${{ fromJSON(needs.stacks.outputs.stacks) }}");
        }
        const preview = w.jobs.preview;
        assert.match(String(preview.if), /head\.repo\.full_name == github\.repository/);
        assert.deepEqual([...(preview.needs as string[])].sort(), ["plan", "stacks", "test"]);
        const pulumi = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
        assert.equal(pulumi.with?.["comment-on-pr"], true);
    });

    it("deploy.yml: on main, dev on its own; shared, then staging, then prod behind its environment; never cancelling an update", () => {
        const w = load("deploy.yml");
        assert.deepEqual((w.on.push as { branches: string[] }).branches, ["main"]);
        assert.equal(w.concurrency?.["cancel-in-progress"], false);
        // The environments deploy from the central registry, so it goes first, and each stage after the one before it.
        const order: Record<string, string> = { dev: "verify", shared: "verify", staging: "shared", prod: "staging" };
        for (const [env, needs] of Object.entries(order)) {
            assert.equal(w.jobs[env].environment, env);
            assert.equal(w.jobs[env].needs, needs, `${env} runs after ${needs}`);
            const pulumi = w.jobs[env].steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
            assert.equal(pulumi.with?.command, "up");
            assert.equal(pulumi.with?.policyPackConfigs, `policies/${env}.json`);
        }
        // Every stack file is deployed by exactly one job.
        assert.deepEqual(Object.keys(order).sort(), STACKS);
    });
});
