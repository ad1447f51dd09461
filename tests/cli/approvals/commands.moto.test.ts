/**
 * Every command of the approver CLI, run in-process through `runCli` (the same code path as the binary)
 * against moto: a registry seeded through the real SageMaker/S3 APIs, an endpoint serving one version,
 * and a ledger table written with the Lambdas' own ledger API.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { DescribeModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { runCli } from "../../../cli/approvals/program";
import { EXIT } from "../../../cli/approvals/errors";
import { ledgerTableName } from "../../../cli/approvals/ledger";
import { endpointName } from "../../../infra/lib/naming";
import { recordDeployment } from "../../../lambdas/shared/ledger";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../helpers/moto";
import { createLedgerTable } from "../../lambdas/ledgerTable";
import { captureIo, deployLive, makeProject, motoClients, seedRegistry, type SeededVersion } from "./helpers";

describe("cli/approvals commands against moto", function () {
    this.timeout(60_000);
    let endpoint: string;
    let env: string;
    let group: string;
    let projectDir: string;
    let versions: SeededVersion[];

    const run = async (argv: string[], io = captureIo()) => {
        const code = await runCli(argv, { io, makeClients: motoClients(endpoint), projectDir });
        return { code, io, out: io.text(), err: io.stderr.join("\n") };
    };
    const statusOf = async (arn: string) =>
        (await new SageMakerClient(motoClientConfig(endpoint)).send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).ModelApprovalStatus;

    before(async () => {
        endpoint = await motoEndpoint();
        env = uniqueName("cli");
        group = uniqueName("abalone");
        projectDir = makeProject(env, group);
        await createLedgerTable(new DynamoDBClient(motoClientConfig(endpoint)), ledgerTableName(env));
        // v1 is live; v2, v3 and v4 await approval (v4 fails the gate mse <= 6); registration pinned them all.
        versions = await seedRegistry(endpoint, group, uniqueName("reports"), [4.8, 4.1, 3.92, 6.5], { table: ledgerTableName(env) });
        await deployLive(endpoint, endpointName(env), versions[0].arn, `${env}-v1`);
    });
    after(() => fs.rmSync(projectDir, { recursive: true, force: true }));

    describe("pending", () => {
        it("lists the versions awaiting approval newest first, with pipeline execution, metrics and the gate, next to the live version", async () => {
            const { code, out } = await run(["pending", "--env", env]);
            assert.equal(code, EXIT.ok);
            assert.match(out, new RegExp(`Live: ${group}/1 \\(mse=4\\.8\\) on ${endpointName(env)} \\[InService\\]`));
            assert.match(out, /Gate: mse <= 6/);
            assert.match(out, /3 versions awaiting approval/);
            const rows = out.split("\n").filter((l) => /^│ \d/.test(l));
            assert.deepEqual(rows.map((r) => r.split("│")[1].trim()), ["4", "3", "2"]);
            assert.match(rows[0], /run4.*mse=6\.5.*mse 6\.5 <= 6 FAILS \(live 4\.8\)/);
            assert.match(rows[1], new RegExp(`${group}-pipeline/run3.*mse=3\\.92.*passes`));
        });

        it("prints one JSON document with --json", async () => {
            const { code, out } = await run(["pending", "--env", env, "--json"]);
            assert.equal(code, EXIT.ok);
            const doc = JSON.parse(out);
            assert.equal(doc.group, group);
            assert.deepEqual(doc.pending.map((p: { version: number }) => p.version), [4, 3, 2]);
            assert.deepEqual(doc.pending[1].metrics, { mse: 3.92 });
            assert.equal(doc.pending[1].pipelineExecution, `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${group}-pipeline/execution/run3`);
            assert.equal(doc.live.versions[0].arn, versions[0].arn);
        });

        it("works with --group alone (no stack config) and exits 4 for a group that does not exist", async () => {
            const byGroup = await run(["pending", "--group", group, "--region", "us-east-1"]);
            assert.equal(byGroup.code, EXIT.ok);
            assert.match(byGroup.out, /nothing live \(no environment given/);
            const missing = await run(["pending", "--group", "no-such-group-xyz", "--region", "us-east-1"]);
            assert.equal(missing.code, EXIT.notFound);
            assert.match(missing.err, /No model package group "no-such-group-xyz" in us-east-1/);
        });

        it("shows the metrics as unavailable, with the reason, when a report cannot be read", async () => {
            const brokenGroup = uniqueName("broken");
            await seedRegistry(endpoint, brokenGroup, uniqueName("reports"), [1]);
            const io = captureIo();
            // Aim S3 somewhere that refuses connections: SageMaker still answers, the report read fails.
            const code = await runCli(["pending", "--group", brokenGroup, "--region", "us-east-1"], {
                io,
                projectDir,
                makeClients: (o) => ({ ...motoClients(endpoint)(o), s3: motoClients("http://127.0.0.1:9")(o).s3 }),
            });
            assert.equal(code, EXIT.ok);
            assert.match(io.text(), /unavailable: could not read s3:\/\//);
        });
    });

    describe("show", () => {
        it("shows what an approver needs, by group/version and by ARN", async () => {
            const { code, out } = await run(["show", `${group}/3`, "--env", env]);
            assert.equal(code, EXIT.ok);
            for (const field of ["ARN", "Approval status", "Registered by", "Pipeline execution", "Image", "Model data", "Metrics", "Gate", "Live"]) {
                assert.match(out, new RegExp(`^${field} +`, "m"), field);
            }
            assert.match(out, /mse = 3\.92/);
            assert.match(out, /Decide: approvals approve/);
            // All-in-one: no lifecycle, no stages, so no Stage lines and no --stage in the hint.
            assert.doesNotMatch(out, /^Stage/m);
            assert.doesNotMatch(out, /--stage/);
            const byArn = await run(["show", versions[0].arn, "--env", env, "--json"]);
            const doc = JSON.parse(byArn.out);
            assert.equal(doc.ModelPackageVersion, 1);
            assert.equal(doc.isLive, true);
        });

        it("exits 4 for an unknown version and 2 for something that is not a version", async () => {
            const missing = await run(["show", `${group}/99`, "--env", env]);
            assert.equal(missing.code, EXIT.notFound);
            assert.match(missing.err, /No model package version .*\/99 in us-east-1/);
            assert.match(missing.err, /hint: List the versions awaiting approval/);
            const bad = await run(["show", "latest", "--env", env]);
            assert.equal(bad.code, EXIT.usage);
        });
    });

    describe("approve and reject", () => {
        it("refuses when moto records no IAM registrar, and changes nothing", async () => {
            const { code, err } = await run(["approve", "3", "--env", env, "--comment", "looks good", "--yes"]);
            assert.equal(code, EXIT.refused);
            assert.match(err, /Cannot verify separation of duties/);
            assert.equal(await statusOf(versions[2].arn), "PendingManualApproval");
        });

        it("refuses without a terminal and without --yes (exit 2), and when the prompt is declined (exit 1)", async () => {
            const args = ["approve", "3", "--env", env, "--comment", "ok", "--allow-unknown-registrar"];
            const noTty = await run(args, captureIo({ interactive: false }));
            assert.equal(noTty.code, EXIT.usage);
            assert.match(noTty.err, /no terminal to confirm on.*\n.*--yes/);
            const declined = await run(args, captureIo({ interactive: true, answer: false }));
            assert.equal(declined.code, EXIT.refused);
            assert.deepEqual(declined.io.prompts, [`Approve ${group}/3?`]);
            assert.equal(await statusOf(versions[2].arn), "PendingManualApproval");
        });

        it("approves after confirmation, storing the comment, then refuses to approve it again", async () => {
            const { code, out, io } = await run(
                ["approve", `${group}/3`, "--env", env, "--comment", "mse 3.92 beats live 4.8", "--allow-unknown-registrar"],
                captureIo({ interactive: true, answer: true }),
            );
            assert.equal(code, EXIT.ok, io.stderr.join("\n"));
            assert.match(out, /What you approve \(pinned at registration[\s\S]*Checked now: intact/);
            assert.match(out, new RegExp(`Approved ${group}/3: status is now Approved`));
            const described = await new SageMakerClient(motoClientConfig(endpoint)).send(new DescribeModelPackageCommand({ ModelPackageName: versions[2].arn }));
            assert.equal(described.ModelApprovalStatus, "Approved");
            assert.equal(described.ApprovalDescription, "mse 3.92 beats live 4.8");
            const again = await run(["approve", `${group}/3`, "--env", env, "--comment", "again", "--allow-unknown-registrar", "--yes"]);
            assert.equal(again.code, EXIT.refused);
            assert.match(again.err, /is Approved, not PendingManualApproval/);
        });

        it("rejects with --yes --json, and refuses to reject twice", async () => {
            const { code, out } = await run(["reject", versions[3].arn, "--comment", "fails the gate", "--yes", "--json"]);
            assert.equal(code, EXIT.ok);
            assert.deepEqual(
                (({ decision, previousStatus, status, comment }) => ({ decision, previousStatus, status, comment }))(JSON.parse(out)),
                { decision: "reject", previousStatus: "PendingManualApproval", status: "Rejected", comment: "fails the gate" },
            );
            const again = await run(["reject", versions[3].arn, "--comment", "x", "--yes"]);
            assert.equal(again.code, EXIT.refused);
            assert.match(again.err, /already Rejected/);
        });

        it("requires a non-empty comment (exit 2)", async () => {
            assert.equal((await run(["approve", "2", "--env", env, "--yes"])).code, EXIT.usage);
            const blank = await run(["approve", "2", "--env", env, "--yes", "--comment", "   "]);
            assert.equal(blank.code, EXIT.usage);
            assert.match(blank.err, /--comment is empty/);
            assert.equal(await statusOf(versions[1].arn), "PendingManualApproval");
        });
    });

    describe("live and history", () => {
        let table: string;
        before(async () => {
            table = ledgerTableName(env);
            const dynamodb = new DynamoDBClient(motoClientConfig(endpoint));
            const base = { endpointName: endpointName(env), groupName: group, kind: "deploy" as const, outcome: "deployed" as const };
            await recordDeployment(dynamodb, table, { ...base, packageArn: versions[0].arn, version: 1, deployedAt: "2026-11-20T10:00:00.000Z", eventId: "e1", approvedBy: "arn:aws:sts::123456789012:assumed-role/ml-approver/alice", approvalDescription: "first model", endpointConfigName: `${env}-v1` }, undefined);
        });

        it("live: shows the endpoint's variant, version, approval and metrics, and that the ledger agrees", async () => {
            const { code, out } = await run(["live", "--env", env]);
            assert.equal(code, EXIT.ok);
            assert.match(out, new RegExp(`Endpoint +${endpointName(env)} \\[InService\\]`));
            assert.match(out, new RegExp(`AllTraffic.*${env}-v1.*${group}/1.*Approved.*1 x ml\\.m5\\.large.*mse=4\\.8`));
            assert.match(out, /Approved by +arn:aws:sts::123456789012:assumed-role\/ml-approver\/alice/);
            assert.match(out, /Endpoint vs ledger +agree$/m);
        });

        it("live --json says when the ledger and the endpoint disagree", async () => {
            const dynamodb = new DynamoDBClient(motoClientConfig(endpoint));
            const other = uniqueName("other");
            const otherProject = makeProject(other, group);
            try {
                await createLedgerTable(dynamodb, ledgerTableName(other));
                await deployLive(endpoint, endpointName(other), versions[1].arn, `${other}-v2`);
                await recordDeployment(dynamodb, ledgerTableName(other), { endpointName: endpointName(other), packageArn: versions[0].arn, groupName: group, version: 1, deployedAt: "2026-11-21T10:00:00.000Z", eventId: "x", kind: "deploy", outcome: "deployed" }, undefined);
                const io = captureIo();
                const code = await runCli(["live", "--env", other, "--json"], { io, makeClients: motoClients(endpoint), projectDir: otherProject });
                assert.equal(code, EXIT.ok);
                const doc = JSON.parse(io.text());
                assert.equal(doc.versions[0].version, 2);
                assert.match(doc.ledger.agreement, /^DISAGREE: the endpoint serves .*\/2, the ledger says .*\/1/);
            } finally {
                fs.rmSync(otherProject, { recursive: true, force: true });
            }
        });

        it("history: lists the ledger newest first, as a table and as JSON", async () => {
            const dynamodb = new DynamoDBClient(motoClientConfig(endpoint));
            await recordDeployment(dynamodb, table, { endpointName: endpointName(env), packageArn: versions[2].arn, groupName: group, version: 3, deployedAt: "2026-11-25T09:00:00.000Z", eventId: "e3", kind: "deploy", outcome: "deployed", approvalDescription: "mse 3.92 beats live 4.8", replaced: { packageArn: versions[0].arn, version: 1 } }, "e1");
            const { code, out } = await run(["history", "--env", env]);
            assert.equal(code, EXIT.ok);
            const rows = out.split("\n").filter((l) => /^│ 2026/.test(l));
            assert.equal(rows.length, 2);
            assert.match(rows[0], new RegExp(`2026-11-25T09:00:00.000Z.*deploy.*deployed.*${group}/3.*v1.*mse 3\\.92 beats live 4\\.8`));
            assert.match(rows[1], /2026-11-20T10:00:00.000Z.*first model/);
            const json = JSON.parse((await run(["history", "--env", env, "--json", "--limit", "1"])).out);
            assert.equal(json.records.length, 1);
            assert.equal(json.records[0].version, 3);
        });

        it("exits 4 when the ledger table does not exist, and 2 without an environment", async () => {
            const missing = await run(["history", "--env", env, "--ledger-table", "no-such-table"]);
            assert.equal(missing.code, EXIT.notFound);
            assert.match(missing.err, /ledger table no-such-table does not exist/);
            const noEnv = await run(["live"]);
            assert.equal(noEnv.code, EXIT.usage);
            assert.match(noEnv.err, /needs an environment/);
        });
    });
});
