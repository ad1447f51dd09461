/**
 * What the approver approves (issue 9): `show` displays each version's artifact pins and checks them now, and
 * `approve` refuses a version that has no pins, a TAMPERED record, bytes changed since pinning, or bytes it cannot
 * check. Against moto: a versioned bucket, an ECR repository, packages, and pins written with pinStore.writePins.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateModelPackageCommand, DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { runCli } from "../../../cli/approvals/program";
import { EXIT } from "../../../cli/approvals/errors";
import { ledgerTableName } from "../../../cli/approvals/ledger";
import { pinVersions } from "../../../cli/demo/registrySeed";
import { checkApprovedBytes, checkModelPackageApproval, ledgerPinReader, type PinsContext } from "../../../policies/lib/approvalRule";
import { recordTampering } from "../../../policies/lib/pinStore";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../helpers/moto";
import { createLedgerTable } from "../../lambdas/ledgerTable";
import { captureIo, makeProject, motoClients, seedRegistry, type SeededVersion } from "./helpers";

describe("cli/approvals artifact pins against moto", function () {
    this.timeout(60_000);
    let endpoint: string;
    let env: string;
    let group: string;
    let bucket: string;
    let projectDir: string;
    let versions: SeededVersion[];

    const run = async (argv: string[], makeClients = motoClients(endpoint)) => {
        const io = captureIo();
        const code = await runCli(argv, { io, makeClients, projectDir });
        return { code, out: io.text(), err: io.stderr.join("\n") };
    };
    const statusOf = async (arn: string) =>
        (await new SageMakerClient(motoClientConfig(endpoint)).send(new DescribeModelPackageCommand({ ModelPackageName: arn }))).ModelApprovalStatus;
    const approve = (version: number, ...extra: string[]) =>
        run(["approve", `${group}/${version}`, "--env", env, "--comment", "reviewed", "--allow-unknown-registrar", "--yes", ...extra]);

    before(async () => {
        endpoint = await motoEndpoint();
        env = uniqueName("pins");
        group = uniqueName("abalone");
        bucket = uniqueName("artifacts");
        projectDir = makeProject(env, group);
        await createLedgerTable(new DynamoDBClient(motoClientConfig(endpoint)), ledgerTableName(env));
        // v1 intact, v2 overwritten after pinning, v3 registered without pins, v4 recorded TAMPERED, v5 intact.
        versions = await seedRegistry(endpoint, group, bucket, [4.1, 4.0, 3.9, 3.8, 3.7], { table: ledgerTableName(env), unpinned: [3] });
        const s3 = new S3Client({ ...motoClientConfig(endpoint), forcePathStyle: true });
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "model/2/model.tar.gz", Body: "other weights" }));
        await recordTampering(new DynamoDBClient(motoClientConfig(endpoint)), ledgerTableName(env), {
            packageArn: versions[3].arn,
            recordedAt: "2026-11-26T09:00:00.000Z",
            eventId: "s3-event-1",
            source: "s3-event",
            changes: [],
            summary: `model.tar.gz s3://${bucket}/model/4/model.tar.gz overwritten`,
        });
    });
    /** The approval rule's view of the ledger and the artifacts, as deploy-approved builds it. */
    const rulePins = (): PinsContext => ({
        readPins: ledgerPinReader(new DynamoDBClient(motoClientConfig(endpoint)), ledgerTableName(env)),
        s3: new S3Client({ ...motoClientConfig(endpoint), forcePathStyle: true }),
        ecr: new ECRClient(motoClientConfig(endpoint)),
        ecrRegion: "us-east-1",
    });
    after(() => fs.rmSync(projectDir, { recursive: true, force: true }));

    it("pending: a Pins column from the ledger alone (pinned / NOT PINNED / TAMPERED)", async () => {
        const { code, out } = await run(["pending", "--env", env]);
        assert.equal(code, EXIT.ok);
        const rows = out.split("\n").filter((l) => /^│ \d/.test(l)).map((r) => r.split("│").map((c) => c.trim()));
        assert.deepEqual(rows.map((r) => [r[1], r[6]]), [["5", "pinned"], ["4", "TAMPERED"], ["3", "NOT PINNED"], ["2", "pinned"], ["1", "pinned"]]);
        const doc = JSON.parse((await run(["pending", "--env", env, "--json"])).out);
        assert.deepEqual(doc.pending.map((p: { pins: string }) => p.pins), ["pinned", "TAMPERED", "NOT PINNED", "pinned", "pinned"]);
    });

    it("show: lists every artifact (URI, version id, ETag) and image (digest and its source), and says intact", async () => {
        const { code, out } = await run(["show", `${group}/1`, "--env", env]);
        assert.equal(code, EXIT.ok);
        assert.match(out, new RegExp(`^What you approve \\(pinned at registration 2026-11-25T08:00:00.000Z; ledger ${ledgerTableName(env)}\\):$`, "m"));
        assert.match(out, new RegExp(`^  model\\.tar\\.gz s3://${bucket}/model/1/model\\.tar\\.gz: version \\S+ etag "[0-9a-f]{32}"$`, "m"));
        assert.match(out, /^  image 683313688378\.dkr\.ecr\.us-east-1\.amazonaws\.com\/sagemaker-xgboost:1\.7-1: sha256:[0-9a-f]{64} \(from ecr\)$/m);
        assert.match(out, /^Checked now: intact: the bytes are the ones pinned at registration$/m);
    });

    it("show --json: the pins, the state and the changes", async () => {
        const { code, out } = await run(["show", `${group}/1`, "--env", env, "--json"]);
        assert.equal(code, EXIT.ok);
        const { pins } = JSON.parse(out);
        assert.equal(pins.state, "intact");
        assert.equal(pins.table, ledgerTableName(env));
        assert.equal(pins.artifacts[0].uri, `s3://${bucket}/model/1/model.tar.gz`);
        assert.ok(pins.artifacts[0].versionId && pins.artifacts[0].etag);
        assert.equal(pins.images[0].digestSource, "ecr");
        assert.deepEqual(pins.changes, []);
        assert.deepEqual(pins.tampered, []);
    });

    it("after model.tar.gz is overwritten: show says what changed, and approve refuses (exit 1) naming it and the fix", async () => {
        const shown = await run(["show", `${group}/2`, "--env", env]);
        assert.equal(shown.code, EXIT.ok);
        assert.match(shown.out, new RegExp(`^Checked now: CHANGED: its bytes changed since it was pinned at registration \\(2026-11-25T08:00:00.000Z\\): model\\.tar\\.gz s3://${bucket}/model/2/model\\.tar\\.gz overwritten: pinned version \\S+ etag "\\w+", now version \\S+ etag "\\w+"; a version whose bytes changed is never deployed again`, "m"));
        const json = JSON.parse((await run(["show", `${group}/2`, "--env", env, "--json"])).out);
        assert.equal(json.pins.state, "changed");
        assert.equal(json.pins.changes[0].what, "overwritten");
        assert.notEqual(json.pins.changes[0].pinned.versionId, json.pins.changes[0].now.versionId);

        const refused = await approve(2);
        assert.equal(refused.code, EXIT.refused);
        assert.match(refused.err, new RegExp(`error: Refused: ${group}/2 is not deployable: its bytes changed since it was pinned at registration \\(\\S+\\): model\\.tar\\.gz s3://${bucket}/model/2/model\\.tar\\.gz overwritten`));
        assert.match(refused.err, /hint: Re-register the version/);
        assert.equal(await statusOf(versions[1].arn), "PendingManualApproval");
    });

    it("an overwritten artifact: approve's refusal and show's check give the rule's reason, word for word, as deploy-approved does", async () => {
        const refused = await approve(2);
        assert.equal(refused.code, EXIT.refused);
        const shown = JSON.parse((await run(["show", `${group}/2`, "--env", env, "--json"])).out);
        // Now approve it behind the CLI's back and ask the rule exactly as deploy-approved does.
        const sagemaker = new SageMakerClient(motoClientConfig(endpoint));
        await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: versions[1].arn, ModelApprovalStatus: "Approved" }));
        const verdict = await checkModelPackageApproval(sagemaker, versions[1].arn, { pins: rulePins() });
        assert.equal(verdict.approved, false);
        assert.equal(!verdict.approved && verdict.cause, "bytes-changed");
        assert.ok(refused.err.includes(`error: Refused: ${group}/2 is not deployable: ${verdict.reason}.`), refused.err);
        assert.equal(shown.pins.reason, verdict.reason);
        assert.equal(shown.pins.summary, `CHANGED: ${verdict.reason}`);
    });

    it("an image of a non-ECR registry pinned without digest: the rule's bytes-unpinned, in show and approve alike", async () => {
        const sagemaker = new SageMakerClient(motoClientConfig(endpoint));
        const s3 = new S3Client({ ...motoClientConfig(endpoint), forcePathStyle: true });
        const key = "model/6/model.tar.gz";
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "model weights, v6" }));
        const { ModelPackageArn: arn } = await sagemaker.send(new CreateModelPackageCommand({
            ModelPackageGroupName: group,
            ModelApprovalStatus: "PendingManualApproval",
            InferenceSpecification: {
                Containers: [{ Image: "registry.example.com/team/xgboost:1.7-1", ModelDataUrl: `s3://${bucket}/${key}` }],
                SupportedContentTypes: ["text/csv"],
                SupportedResponseMIMETypes: ["text/csv"],
            },
        }));
        const dynamodb = new DynamoDBClient(motoClientConfig(endpoint));
        await pinVersions({ sagemaker, s3, ecr: new ECRClient(motoClientConfig(endpoint)), dynamodb }, ledgerTableName(env), [arn!], "2026-11-25T08:00:00.000Z");
        const description = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        const answer = await checkApprovedBytes(rulePins(), arn!, description);
        assert.equal(!answer.intact && answer.cause, "bytes-unpinned");
        const reason = answer.intact ? "" : answer.reason;

        const shown = JSON.parse((await run(["show", `${group}/6`, "--env", env, "--json"])).out);
        assert.equal(shown.pins.state, "not-pinned");
        assert.equal(shown.pins.reason, reason);
        assert.equal(shown.pins.images[0].digestSource, "none");
        const refused = await approve(6);
        assert.equal(refused.code, EXIT.refused);
        assert.ok(refused.err.includes(`error: Refused: ${group}/6 is not deployable: ${reason}.`), refused.err);
        assert.match(refused.err, /hint: Reference images by digest/);
        assert.equal(await statusOf(arn!), "PendingManualApproval");
    });

    it("a version without pins: show says production will refuse it and why, and approve refuses (exit 1)", async () => {
        const shown = await run(["show", `${group}/3`, "--env", env]);
        assert.match(shown.out, /^Checked now: not pinned: production will refuse this version: no artifact pins are recorded for it, .* if it was registered moments ago, its registration may still be in progress/m);
        const refused = await approve(3);
        assert.equal(refused.code, EXIT.refused);
        assert.match(refused.err, new RegExp(`Refused: ${group}/3 is not deployable: no artifact pins are recorded for it`));
        assert.match(refused.err, new RegExp(`hint: Re-register the version .* \\(The pins were looked up in ${ledgerTableName(env)};`));
        assert.equal(await statusOf(versions[2].arn), "PendingManualApproval");
    });

    it("a version with a TAMPERED record: show lists it, approve refuses (exit 1) though its bytes look intact now", async () => {
        const shown = await run(["show", `${group}/4`, "--env", env, "--json"]);
        assert.equal(JSON.parse(shown.out).pins.state, "tampered");
        assert.equal(JSON.parse(shown.out).pins.tampered[0].source, "s3-event");
        const refused = await approve(4);
        assert.equal(refused.code, EXIT.refused);
        assert.match(refused.err, new RegExp(`Refused: ${group}/4 is not deployable: its bytes changed after registration: model\\.tar\\.gz .* overwritten \\(found by s3-event at 2026-11-26T09:00:00.000Z\\); a version whose bytes changed is never deployed again`));
        assert.match(refused.err, new RegExp(`hint: It is recorded as TAMPERED in ${ledgerTableName(env)}\\.`));
        assert.equal(await statusOf(versions[3].arn), "PendingManualApproval");
    });

    it("bytes that cannot be checked (S3 unreachable) refuse the approval (fail closed) with the reason", async () => {
        const unreachableS3 = (o: { region?: string }) => ({ ...motoClients(endpoint)(o), s3: motoClients("http://127.0.0.1:9")(o).s3 });
        const refused = await run(["approve", `${group}/5`, "--env", env, "--comment", "reviewed", "--allow-unknown-registrar", "--yes"], unreachableS3);
        assert.notEqual(refused.code, EXIT.ok);
        assert.match(refused.err, new RegExp(`Refused: ${group}/5 is not deployable: its bytes could not be verified against the pins: model\\.tar\\.gz s3://${bucket}/model/5/model\\.tar\\.gz could not be verified`));
        assert.match(refused.err, /Nothing was changed/);
        assert.equal(await statusOf(versions[4].arn), "PendingManualApproval");
    });

    it("rejecting is never blocked by pins", async () => {
        const { code } = await run(["reject", `${group}/3`, "--env", env, "--comment", "no pins", "--yes"]);
        assert.equal(code, EXIT.ok);
        assert.equal(await statusOf(versions[2].arn), "Rejected");
    });

    it("an intact version approves as before, its pins shown with the confirmation and in --json", async () => {
        const { code, out, err } = await approve(5, "--json");
        assert.equal(code, EXIT.ok, err);
        const doc = JSON.parse(out);
        assert.equal(doc.status, "Approved");
        assert.equal(doc.pins.state, "intact");
        assert.equal(await statusOf(versions[4].arn), "Approved");
    });

    it("approve by ARN without --env finds the ledger of the stack whose group it is", async () => {
        const { code, err } = await run(["approve", versions[0].arn, "--comment", "reviewed", "--allow-unknown-registrar", "--yes"]);
        assert.equal(code, EXIT.ok, err);
        assert.equal(await statusOf(versions[0].arn), "Approved");
    });
});
