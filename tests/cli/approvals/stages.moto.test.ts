/**
 * Promotion stages end to end through `runCli`: moto holds the registry, the ledger and the artifacts, and the
 * SageMaker lifecycle double in front of it (tests/helpers/sagemakerLifecycleProxy.ts) adds what moto lacks:
 * ModelLifeCycle, and an UpdateModelPackage that leaves unset fields alone and merges the metadata.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AwsClients } from "../../../cli/approvals/clients";
import { EXIT } from "../../../cli/approvals/errors";
import { ledgerTableName } from "../../../cli/approvals/ledger";
import { runCli } from "../../../cli/approvals/program";
import { planStageChange } from "../../../policies/lib/approvalStage";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../helpers/moto";
import { startLifecycleProxy, type LifecycleProxy } from "../../helpers/sagemakerLifecycleProxy";
import { createLedgerTable } from "../../lambdas/ledgerTable";
import { captureIo, makeProject, motoClients, seedRegistry, type SeededVersion } from "./helpers";

const ORDER = ["Staging", "Production"];

describe("cli/approvals promotion stages against moto and the lifecycle double", function () {
    this.timeout(60_000);
    let moto: string;
    let proxy: LifecycleProxy;
    let env: string;
    let group: string;
    let table: string;
    let projectDir: string;
    let versions: SeededVersion[];

    const clients = (o: { region?: string }): AwsClients => ({ ...motoClients(moto)(o), sagemaker: motoClients(proxy.endpoint)(o).sagemaker });
    const run = async (argv: string[]) => {
        const io = captureIo();
        const code = await runCli(argv, { io, makeClients: clients, projectDir });
        return { code, out: io.text(), err: io.stderr.join("\n") };
    };
    const sagemaker = () => new SageMakerClient(motoClientConfig(proxy.endpoint));
    const describe_ = async (arn: string) => sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    // moto records no registrar, so approving needs --allow-unknown-registrar; the pins are in the staging ledger.
    const decide = (decision: "approve" | "reject", v: number, ...extra: string[]) =>
        run([decision, `${group}/${v}`, "--group", group, "--region", "us-east-1", "--stages", "Staging,Production", "--yes",
            ...(decision === "approve" ? ["--ledger-table", table, "--allow-unknown-registrar"] : []), ...extra]);

    /** What the deploy function of `stage` does after rolling the version out: marks the stage Deployed. */
    async function markDeployed(arn: string, stage: string): Promise<void> {
        const d = await describe_(arn);
        const plan = planStageChange(d.ModelLifeCycle, d.ModelApprovalStatus, "deployed", { stage, order: ORDER }, { at: new Date(), by: "deploy-approved", comment: "" }, d.CustomerMetadataProperties);
        assert.ok(plan.ok, JSON.stringify(plan));
        await sagemaker().send(new UpdateModelPackageCommand({ ...plan.update, ModelPackageArn: arn }));
    }

    before(async () => {
        moto = await motoEndpoint();
        proxy = await startLifecycleProxy(moto);
        env = uniqueName("stg");
        group = uniqueName("abalone");
        table = ledgerTableName(env);
        projectDir = makeProject(env, group);
        await createLedgerTable(new DynamoDBClient(motoClientConfig(moto)), table);
        // v1 and v2 pinned at registration in the staging ledger; v3 registered without pins.
        versions = await seedRegistry(moto, group, uniqueName("reports"), [4.1, 3.9, 3.8], { table, unpinned: [3] });
    });
    after(async () => {
        await proxy.close();
        fs.rmSync(projectDir, { recursive: true, force: true });
    });

    it("refuses to approve without --stage when stages are configured, naming them (exit 2), and changes nothing", async () => {
        const { code, err } = await run(["approve", `${group}/1`, "--group", group, "--region", "us-east-1", "--stages", "Staging,Production", "--comment", "ok", "--yes"]);
        assert.equal(code, EXIT.usage);
        assert.match(err, /--stage is required: this registry promotes through stages Staging, Production \(from --stages\)/);
        assert.match(err, /--stage Staging/);
        assert.equal((await describe_(versions[0].arn)).ModelApprovalStatus, "PendingManualApproval");
    });

    it("approves for Staging: ModelLifeCycle {Staging, Approved}, ModelApprovalStatus Approved, one history entry", async () => {
        const { code, out, err } = await decide("approve", 1, "--stage", "Staging", "--comment", "mse 4.1 beats live");
        assert.equal(code, EXIT.ok, err);
        assert.match(out, /Checked now: intact/);
        assert.match(out, new RegExp(`Approved ${group}/1 for Staging: its lifecycle is now Staging: Approved`));
        const d = await describe_(versions[0].arn);
        assert.deepEqual(d.ModelLifeCycle, { Stage: "Staging", StageStatus: "Approved", StageDescription: "mse 4.1 beats live" });
        assert.equal(d.ModelApprovalStatus, "Approved");
        assert.equal(d.ApprovalDescription, "mse 4.1 beats live");
        assert.match(d.CustomerMetadataProperties?.["approval-gate:stage:Staging:Approved"] ?? "", /^\d{4}-\d\d-\d\dT.*Z \S+ mse 4.1 beats live$/);
    });

    it("refuses Production before Staging is Deployed, with the rule's reason as a --json error (exit 1)", async () => {
        const { code, out } = await decide("approve", 1, "--stage", "Production", "--comment", "ship it", "--json");
        assert.equal(code, EXIT.refused);
        const doc = JSON.parse(out);
        assert.equal(doc.error.code, "refused");
        assert.equal(doc.error.exitCode, EXIT.refused);
        assert.match(doc.error.message, /cannot be approved for Production: it is approved for Staging but not yet deployed there/);
        assert.match(doc.error.fix, /Wait for the deploy function of Staging/);
        assert.deepEqual((await describe_(versions[0].arn)).ModelLifeCycle?.StageStatus, "Approved");
    });

    it("approves Production once Staging is Deployed, keeping the earlier history", async () => {
        await markDeployed(versions[0].arn, "Staging");
        const { code, out, err } = await decide("approve", 1, "--stage", "Production", "--comment", "a week in Staging without alarms", "--json");
        assert.equal(code, EXIT.ok, err + out);
        const doc = JSON.parse(out);
        assert.deepEqual(doc.previousLifecycle, { Stage: "Staging", StageStatus: "Deployed", StageDescription: "mse 4.1 beats live" });
        assert.deepEqual(doc.lifecycle, { Stage: "Production", StageStatus: "Approved", StageDescription: "a week in Staging without alarms" });
        assert.equal(doc.pins.state, "intact");
        const d = await describe_(versions[0].arn);
        assert.deepEqual(Object.keys(d.CustomerMetadataProperties ?? {}).filter((k) => k.startsWith("approval-gate:")).sort(),
            ["approval-gate:stage:Production:Approved", "approval-gate:stage:Staging:Approved", "approval-gate:stage:Staging:Deployed"]);
    });

    it("refuses a Staging rejection after Production, pointing at Production's approvers", async () => {
        const { code, err } = await decide("reject", 1, "--stage", "Staging", "--comment", "regret");
        assert.equal(code, EXIT.refused);
        assert.match(err, /cannot be rejected for Staging: it has passed Staging and is at Production/);
        assert.match(err, /hint: Ask the approvers of Production to reject it for Production \(`--stage Production`\)/);
        assert.equal((await describe_(versions[0].arn)).ModelLifeCycle?.Stage, "Production");
    });

    it("rejects for Production: {Production, Rejected}, ModelApprovalStatus stays Approved (Staging keeps serving it)", async () => {
        const { code, out, err } = await decide("reject", 1, "--stage", "Production", "--comment", "latency regression in prod canary");
        assert.equal(code, EXIT.ok, err);
        assert.match(out, /Rejected .*\/1 for Production: its lifecycle is now Production: Rejected/);
        const d = await describe_(versions[0].arn);
        assert.equal(d.ModelLifeCycle?.StageStatus, "Rejected");
        assert.equal(d.ModelApprovalStatus, "Approved");
    });

    it("show: the current stage and the stage history, oldest first, in text and --json", async () => {
        const text = await run(["show", `${group}/1`, "--group", group, "--region", "us-east-1", "--stages", "Staging,Production", "--ledger-table", table]);
        assert.equal(text.code, EXIT.ok, text.err);
        assert.match(text.out, /^Stage +Production: Rejected \("latency regression in prod canary"\) \(rejected for Production\)$/m);
        const history = /^Stage history +([\s\S]*?)\n(?=\S)/m.exec(text.out)?.[1].split("\n").map((l) => l.trim()) ?? [];
        assert.deepEqual(history.map((l) => l.split(/\s+/).slice(1, 3).join(" ")), ["Staging Approved", "Staging Deployed", "Production Approved", "Production Rejected"]);
        assert.match(history[3], /: latency regression in prod canary$/);
        assert.doesNotMatch(text.out, /Customer metadata .*approval-gate:stage/);
        const json = JSON.parse((await run(["show", `${group}/1`, "--group", group, "--region", "us-east-1", "--stages", "Staging,Production", "--ledger-table", table, "--json"])).out);
        assert.deepEqual(json.stage.lifecycle.Stage, "Production");
        assert.deepEqual(json.stage.history.map((h: { stage: string; status: string }) => `${h.stage}:${h.status}`), ["Staging:Approved", "Staging:Deployed", "Production:Approved", "Production:Rejected"]);
        assert.equal(json.stage.next.stage, null);
    });

    it("pending: lists the versions awaiting any stage with their stage (v2 deployed to Staging awaits Production)", async () => {
        assert.equal((await decide("approve", 2, "--stage", "Staging", "--comment", "ok")).code, EXIT.ok);
        await markDeployed(versions[1].arn, "Staging");
        const { code, out, err } = await run(["pending", "--group", group, "--region", "us-east-1", "--stages", "Staging,Production"]);
        assert.equal(code, EXIT.ok, err);
        const rows = out.split("\n").filter((l) => /^│ \d/.test(l));
        assert.deepEqual(rows.map((r) => r.split("│")[1].trim()), ["3", "2"]);
        assert.match(rows[0], /│ awaits Staging +│$/);
        assert.match(rows[1], /Staging Deployed; awaits Production/);
    });

    it("still refuses to approve a version whose bytes were never pinned, for any stage", async () => {
        const { code, err } = await decide("approve", 3, "--stage", "Staging", "--comment", "ok");
        assert.equal(code, EXIT.refused);
        assert.match(err, /Refused: .*\/3 is not deployable: /);
        assert.equal((await describe_(versions[2].arn)).ModelLifeCycle, undefined);
    });
});
