/**
 * `npm run demo -- --no-wait` as a newcomer's terminal would run it (no AWS settings, stdout not a terminal):
 * one run, its own moto, every assertion on that one output. About 11 s of CPU: the demo's two plan processes inherit
 * the suite's PULUMI_NODEJS_TRANSPILE_ONLY (tests/setup.ts), so their packs start without type-checking (a user's
 * `npm run demo` type-checks them, as the Pulumi CLI does: about 35 s of CPU in all).
 */
import { strict as assert } from "assert";
import * as net from "net";
import * as path from "path";
import { environmentWithoutAws, spawnNode, type SpawnResult } from "../../spawnNode";

const REPO = path.resolve(__dirname, "../../../..");
const ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-dev";
const escape = (s: string) => s.replace(/[/.()[\]$*+?]/g, "\\$&");

/** The text of one walkthrough section (from its "== n." heading to the next heading). */
function section(out: string, n: string): string {
    const start = out.indexOf(`\n== ${n}`);
    assert.ok(start >= 0, `no section ${n} in:\n${out}`);
    const end = out.indexOf("\n== ", start + 1);
    return out.slice(start, end < 0 ? undefined : end);
}

function listening(endpoint: string): Promise<boolean> {
    const { hostname, port } = new URL(endpoint);
    return new Promise((resolve) => {
        const socket = net.connect(Number(port), hostname);
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
    });
}

describe("npm run demo -- --no-wait (the local sandbox)", function () {
    // Minutes only on a machine loaded far beyond its cores; alone on 2 cores it takes about 20 s.
    this.timeout(300_000);
    let run: SpawnResult;
    let out: string;

    before(async () => {
        run = await spawnNode(path.join(REPO, "cli/bin/demo.js"), ["--no-wait"], { cwd: REPO, env: { ...environmentWithoutAws(), AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" } });
        out = run.stdout;
    });

    it("exits 0 with every step done, progress as plain lines (stdout is not a terminal)", () => {
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        assert.match(out, /^\.\.\. starting moto \(python3 -m moto\.server\)/m);
        assert.match(out, /^done: starting moto .*\(\d+\.\d s\)$/m);
        assert.doesNotMatch(out, /\r|\x1b\[/, "no terminal control characters in a log");
        assert.match(out, /approval flow: abalone-dev\/4 notified, approved with the CLI, deployed, rejected, rolled back to abalone-dev\/1/);
    });

    it("notifies the approvers of the new version 4 (the message read back from the topic), pinned", () => {
        const s = section(out, "1.");
        assert.match(s, /notify-approver: notified the approvers\n/);
        assert.match(s, /Subject: \[dev\] Approval needed: abalone-dev v4/);
        assert.match(s, new RegExp(`Package ARN: +${escape(ARN)}/4`));
        assert.match(s, /npm run approvals -- approve abalone-dev\/4 --env dev --comment/);
        assert.match(s, /What you approve \(artifact versions and image digests\)/);
    });

    it("approves it with the real CLI, and deploy-approved deploys exactly that version (endpoint and ledger)", () => {
        const approve = section(out, "2.");
        assert.match(approve, /\$ npm run approvals -- approve abalone-dev\/4 --env dev --comment "mse 3\.86 beats live 4\.71; residuals reviewed"/);
        assert.match(approve, /Approved abalone-dev\/4: status is now Approved\.[\s\S]*\(exit code 0\)/);
        const deploy = section(out, "3.");
        assert.match(deploy, /deploy-approved: deployed abalone-dev\/4 on sagemaker-approval-gate-dev-endpoint/);
        assert.match(deploy, new RegExp(`model package ${escape(ARN)}/4\\n`));
        assert.match(deploy, /ledger sagemaker-approval-gate-dev-deployments: current abalone-dev\/4 \(deploy, deployed\)/);
    });

    it("rejecting it rolls the endpoint back to version 1", () => {
        const s = section(out, "4.");
        assert.match(s, /Rejected abalone-dev\/4: status is now Rejected\.[\s\S]*\(exit code 0\)/);
        assert.match(s, /deploy-approved: rolled-back abalone-dev\/1/);
        assert.match(s, new RegExp(`model package ${escape(ARN)}/1\\n`));
        assert.match(s, /current abalone-dev\/1 \(rollback, rolled-back\)/);
    });

    it("the example's plan: the pending version is blocked ([mandatory], exit 1), the approved one passes (exit 0)", () => {
        const s = section(out, "5.");
        const [blocked, passed] = s.split("With abalone-dev/1, Approved");
        assert.ok(passed, s);
        assert.match(blocked, /\$ npm run plan -- --program examples\/blocked-endpoint --stack prod --moment preview --endpoint-url http:\/\/127\.0\.0\.1:\d+\n/);
        assert.match(blocked, new RegExp(`\\[mandatory\\] approved-model-packages-only  aws:sagemaker/model:Model::model\\n.*${escape(ARN)}/3 \\(status: PendingManualApproval\\) is not deployable`));
        assert.match(blocked, /\[mandatory\] approved-model-packages-only-stack  aws:sagemaker\/endpointConfiguration:EndpointConfiguration::endpoint-config/);
        assert.match(blocked, /FAILED: \d+ mandatory violations?;[^\n]*\n\(exit code 1\)/);
        assert.match(passed, new RegExp(`-c modelPackageArn=${escape(ARN)}/1\\n`));
        assert.doesNotMatch(passed, /\[mandatory\]/);
        assert.match(passed, /OK: no mandatory violations\.\n\(exit code 0\)/);
    });

    it("prints the exports and what to try next, and leaves no sandbox behind", async () => {
        const endpoint = /export AWS_ENDPOINT_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        assert.ok(endpoint, out);
        for (const line of ["export AWS_REGION=us-east-1", "export AWS_ACCESS_KEY_ID=sandbox", "export AWS_SECRET_ACCESS_KEY=sandbox", "npm run approvals -- pending --env dev"]) assert.ok(out.includes(line), line);
        const moto = /moto (http:\/\/127\.0\.0\.1:\d+) behind it/.exec(out)?.[1];
        assert.ok(moto, out);
        assert.equal(await listening(endpoint), false, "the sandbox endpoint is closed");
        assert.equal(await listening(moto), false, "moto was killed");
    });
});
