/** The sandbox's pure pieces and its one-line errors (cli/demo/sandbox). */
import { strict as assert } from "assert";
import type { DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { planVerdict, shellLine } from "../../../../cli/demo/sandbox/commands";
import { stateChangeEvent, statusChanges, watchStatuses } from "../../../../cli/demo/sandbox/events";
import { parsePort } from "../../../../cli/demo/sandbox/main";
import { sandboxExports } from "../../../../cli/demo/sandbox/session";
import { motoProblem, MOTO_INSTALL } from "../../../../cli/demo/sandbox/moto";
import { progress } from "../../../../cli/demo/sandbox/progress";
import { parseModelPackageEvent } from "../../../../lambdas/shared/events";

describe("cli/demo/sandbox pieces", () => {
    it("builds the state-change event SageMaker would send from DescribeModelPackage, which the handlers parse", () => {
        const arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-dev/4";
        const description = {
            $metadata: {},
            ModelPackageGroupName: "abalone-dev",
            ModelPackageVersion: 4,
            ModelPackageArn: arn,
            ModelApprovalStatus: "Approved",
            ModelPackageStatus: "Completed",
            CreationTime: new Date("2026-12-02T10:00:00.123Z"),
            LastModifiedTime: new Date("2026-12-02T11:00:00.456Z"),
        } as DescribeModelPackageCommandOutput;
        const event = stateChangeEvent(description, { account: "123456789012", region: "us-east-1" }, "id-1");
        assert.equal(event["detail-type"], "SageMaker Model Package State Change");
        assert.equal(event.source, "aws.sagemaker");
        assert.equal(event.time, "2026-12-02T11:00:00Z");
        assert.deepEqual(event.resources, [arn]);
        assert.equal(event.detail.LastModifiedTime, "2026-12-02T11:00:00.456Z");
        assert.equal("$metadata" in event.detail, false);
        const parsed = parseModelPackageEvent(event);
        assert.equal(parsed.packageArn, arn);
        assert.equal(parsed.approvalStatus, "Approved");
        assert.equal(parsed.version, 4);
    });

    it("finds the versions whose approval status changed, new ones included", () => {
        const seen = new Map([["a", "PendingManualApproval"], ["b", "Approved"]]);
        const now = new Map([["a", "Approved"], ["b", "Approved"], ["c", "PendingManualApproval"]]);
        assert.deepEqual(statusChanges(seen, now), [{ arn: "a", status: "Approved" }, { arn: "c", status: "PendingManualApproval" }]);
        assert.deepEqual(statusChanges(now, now), []);
    });

    it("while the sandbox waits, delivers each change once, in order, and keeps polling after a failed read", async () => {
        const reads = [
            new Map([["v3", "Approved"], ["v4", "PendingManualApproval"]]),
            undefined,
            new Map([["v3", "Approved"], ["v4", "Rejected"]]),
        ];
        const delivered: string[] = [];
        const errors: string[] = [];
        let polls = 0;
        await new Promise<void>((resolve) => {
            const stop = watchStatuses(
                async () => {
                    const i = polls++;
                    if (i === reads.length - 1) setTimeout(() => (stop(), resolve()), 30);
                    if (i === 1) throw new Error("moto is busy");
                    return reads[Math.min(i, reads.length - 1)]!;
                },
                new Map([["v3", "PendingManualApproval"]]),
                async ({ arn, status }) => void delivered.push(`${arn} ${status}`),
                (err) => errors.push((err as Error).message),
                5,
            );
        });
        assert.deepEqual(delivered, ["v3 Approved", "v4 PendingManualApproval", "v4 Rejected"]);
        assert.deepEqual(errors, ["moto is busy"]);
        const atStop = polls;
        await new Promise((r) => setTimeout(r, 30));
        assert.equal(polls, atStop, "no poll after stop()");
    });

    it("prints commands as a shell would take them, and keeps a plan's verdict", () => {
        assert.equal(shellLine("npm run approvals --", ["approve", "g/4", "--comment", 'mse "3.86"; ok']), 'npm run approvals -- approve g/4 --comment "mse \\"3.86\\"; ok"');
        assert.equal(planVerdict("Offline plan ...\n+ tree\n\npulumi preview (x):\n    no violations\n\nOK: no mandatory violations.\n"), "pulumi preview (x):\n    no violations\n\nOK: no mandatory violations.");
    });

    it("shows progress as two plain lines without a terminal, and marks a failed step", async () => {
        const written: string[] = [];
        const stream = { write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
        assert.equal(await progress(stream, false).run("seeding", async () => 42), 42);
        await assert.rejects(progress(stream, false).run("planning", async () => Promise.reject(new Error("boom"))), /boom/);
        assert.equal(written.length, 4);
        assert.equal(written[0], "... seeding\n");
        assert.match(written[1], /^done: seeding \(\d+\.\d s\)\n$/);
        assert.match(written[3], /^failed: planning \(\d+\.\d s\)\n$/);
    });

    it("says in one line how to get moto when python3 or moto is missing", () => {
        const problem = motoProblem("python3-that-is-not-installed");
        assert.match(problem!, /^python3-that-is-not-installed was not found \(ENOENT\);.*Install Python 3, then: python3 -m pip install "moto\[server\]"$/);
        assert.doesNotMatch(problem!, /\n/);
        assert.equal(MOTO_INSTALL, 'python3 -m pip install "moto[server]"');
        // `false` exits 1, as python3 does when `import moto` fails.
        assert.match(motoProblem("false")!, /^moto is not installed for false\. Install it with: python3 -m pip install "moto\[server\]"$/);
        assert.equal(motoProblem(), undefined, "moto is installed on this machine");
    });

    it("refuses a bad --port naming the value and the range, and exports what the SDK and CLI read", () => {
        assert.equal(parsePort("5005"), 5005);
        for (const bad of ["80", "70000", "5o05", ""]) assert.throws(() => parsePort(bad), new RegExp(`got "${bad}"; expected a port number from 1024 to 65535`));
        assert.deepEqual(Object.keys(sandboxExports("http://127.0.0.1:1")), ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    });
});
