/**
 * The offline plan end to end: the real program for dev and prod, the real policy pack served as the
 * Pulumi CLI serves it, and a fixture program whose production endpoint serves a model package version
 * that lives in moto, pending or approved.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateModelCommand, SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { parse, stringify } from "yaml";
import { planDoc } from "../../../cli/demo/updateDocs";
import { PLAN_EXIT, runPlan, runPlanCli } from "../../../cli/plan/main";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../helpers/moto";
import { environmentWithoutAws, spawnNode, type SpawnResult } from "../spawnNode";
import { seedRegistry } from "../approvals/helpers";
import { createLedgerTable } from "../../lambdas/ledgerTable";

const REPO = path.resolve(__dirname, "../../..");
const BIN = path.join(REPO, "cli/bin/plan.js");
const FIXTURE = path.join(__dirname, "fixtures/servedModel.ts");

function plan(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<SpawnResult> {
    // No AWS settings from the parent: the plan must work (and fail closed) without any.
    const env = { ...environmentWithoutAws(), AWS_CONFIG_FILE: "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials", ...extraEnv };
    return spawnNode(BIN, args, { cwd: REPO, env });
}

/** The committed generated plan of a stack (cli/demo/updateDocs.ts writes it with the same command as plan()). */
function generated(stack: string): string {
    return fs.readFileSync(path.join(REPO, `docs/generated/plan-${stack}.md`), "utf8");
}

function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, text: () => out.join("\n"), errors: () => err.join("\n") };
}

/**
 * A prod stack config (the repo's) plus the fixture's package ARN, and the repo's prod policy config with
 * moto's account and the test's group allowed (prod.json allows only the registry account 111111111111 and
 * abalone), and without its Stage question: moto keeps no ModelLifeCycle (the Stage question is tested with a
 * double that does, tests/policies/approvedModelPackages.stage.test.ts and policyPack.test.ts).
 */
function fixtureFiles(packageArn: string, group: string, modelName: string, ledgerTable: string): { configFile: string; policyConfig: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    const document = parse(fs.readFileSync(path.join(REPO, "Pulumi.prod.yaml"), "utf8"));
    document.config["fixture:modelPackageArn"] = packageArn;
    document.config["fixture:modelName"] = modelName;
    const configFile = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(configFile, stringify(document));
    const policy = JSON.parse(fs.readFileSync(path.join(REPO, "policies/prod.json"), "utf8"));
    for (const name of ["approved-model-packages-only", "approved-model-packages-only-stack"]) {
        policy[name] = { ...policy[name], allowedAccounts: ["123456789012"], allowedModelPackageGroups: [group], ledgerTableName: ledgerTable, stage: "", stageOrder: [] };
    }
    const policyConfig = path.join(dir, "prod.json");
    fs.writeFileSync(policyConfig, JSON.stringify(policy));
    return { configFile, policyConfig };
}

describe("cli/plan (npm run plan)", function () {
    this.timeout(180_000);
    // The two spawned plans are independent processes: started together, each test awaits its own.
    let devPlan: Promise<SpawnResult>;
    let prodPlan: Promise<SpawnResult>;
    before(() => {
        devPlan = plan(["--stack", "dev"]);
        prodPlan = plan(["--stack", "prod"]);
        for (const p of [devPlan, prodPlan]) p.catch(() => {}); // a spawn error is reported by the test that awaits it
    });

    it("plans dev: the whole tree, the pack's verdicts for preview and up, exit 0, the same text as docs/generated/plan-dev.md", async () => {
        const first = await devPlan;
        assert.equal(first.code, PLAN_EXIT.ok, first.stderr);
        const out = first.stdout;
        assert.match(out, /^Offline plan for stack dev \(Pulumi\.dev\.yaml\)/);
        assert.match(out, /^\+ pulumi:pulumi:Stack  sagemaker-approval-gate-dev$/m);
        assert.match(out, /^ {4}\+ sagemaker-approval-gate:registry:ModelRegistry  sagemaker-approval-gate-dev-registry$/m);
        assert.match(out, /^ {8}\+ aws:sagemaker\/modelPackageGroup:ModelPackageGroup  sagemaker-approval-gate-dev-registry-group$/m);
        assert.match(out, /^ {14}modelPackageGroupName: "abalone-dev"$/m);
        assert.match(out, /^ {8}\+ aws:sagemaker\/pipeline:Pipeline  /m);
        assert.match(out, /Policy pack sagemaker-approval-gate \S+ \(policies\)/);
        assert.match(out, /pulumi preview \(first preview[^\n]*\n[\s\S]*pulumi up \(each resource[^\n]*:\n {4}no violations/);
        assert.match(out, /OK: no mandatory violations\.\n$/);
        assert.doesNotMatch(out, new RegExp(REPO.replace(/[/.]/g, "\\$&")));
        assert.doesNotMatch(out, /\d{4}-\d\d-\d\dT\d\d:\d\d/);
        assert.match(first.stderr, /No AWS credentials .*fail closed/);
        // The same text as the committed run of another process (and day): deterministic, and the doc is not stale.
        assert.equal(planDoc("dev", out), generated("dev"), "docs/generated/plan-dev.md differs from this plan: run `npm run docs:generate` (or the plan is not deterministic)");
    });

    it("plans prod as docs/generated/plan-prod.md shows it (else: npm run docs:generate), exit 0", async () => {
        const result = await prodPlan;
        assert.equal(result.code, PLAN_EXIT.ok, result.stderr);
        assert.equal(planDoc("prod", result.stdout), generated("prod"), "docs/generated/plan-prod.md differs from this plan: run `npm run docs:generate` (or the plan is not deterministic)");
    });

    it("plans prod from Pulumi.prod.yaml with its policy config as one JSON document (--json), exit 0", async () => {
        const io = capture();
        const code = await runPlan({ stack: "prod", endpointUrl: "http://127.0.0.1:9", json: true }, io.io);
        assert.equal(code, PLAN_EXIT.ok, io.text());
        const doc = JSON.parse(io.text());
        assert.equal(doc.stack, "prod");
        assert.equal(doc.config, "Pulumi.prod.yaml");
        assert.equal(doc.policyPack.config, "policies/prod.json");
        assert.equal(doc.mandatoryViolations, 0);
        // prod is an environment stack: it deploys from the shared registry's group and trains nothing itself.
        const types = new Set(doc.resources.map((r: { type: string }) => r.type));
        assert.ok(!types.has("aws:sagemaker/modelPackageGroup:ModelPackageGroup"), "an environment stack owns no group");
        assert.ok(!types.has("aws:sagemaker/pipeline:Pipeline"), "an environment stack owns no pipeline");
        assert.ok(doc.resources.length > 0);
        assert.deepEqual([...new Set(doc.findings.map((f: { moment: string }) => f.moment))].every((m) => m === "preview" || m === "up"), true);
        assert.match(io.errors(), /lookups go to http:\/\/127\.0\.0\.1:9/);
    });

    it("exits 2 for an unknown stack or an invalid stack config, naming the problem", async () => {
        const unknown = capture();
        assert.equal(await runPlanCli(["--stack", "qa"], unknown.io), PLAN_EXIT.usage);
        assert.match(unknown.errors(), /No stack "qa".*Known stacks: dev, prod, shared, staging/);
        const document = parse(fs.readFileSync(path.join(REPO, "Pulumi.dev.yaml"), "utf8"));
        document.config["sagemaker-approval-gate:pipeline"].metric.comparison = "Bigger";
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "Pulumi.dev.yaml");
        fs.writeFileSync(file, stringify(document));
        const invalid = capture();
        assert.equal(await runPlanCli(["--stack", "dev", "--config-file", file], invalid.io), PLAN_EXIT.usage);
        assert.match(invalid.errors(), /sagemaker-approval-gate:pipeline\.metric\.comparison: got "Bigger"/);
    });

    it("exits 3 with the program's own message, and no stack trace, when the program stops with a RunError", async () => {
        const stopped = capture();
        const program = path.join(__dirname, "fixtures/stopsWithRunError.ts");
        assert.equal(await runPlanCli(["--stack", "dev", "--program", program, "--moment", "up"], stopped.io), PLAN_EXIT.failed);
        assert.match(stopped.errors(), /^error: The program stopped: TrainingPipeline: \/nowhere\/preprocess\.py does not exist\. Add the file there\.$/m);
        assert.doesNotMatch(stopped.errors(), /\n\s+at /);
    });

    describe("a production endpoint serving a model package version from the registry (moto)", () => {
        let endpoint: string;
        let packageArn: string;
        let configFile: string;
        let policyPackConfig: string;
        const modelName = uniqueName("plan-model");
        const ledgerTable = uniqueName("plan-ledger");
        let artifactsBucket: string;

        before(async () => {
            endpoint = await motoEndpoint();
            const group = uniqueName("plan-group");
            await createLedgerTable(new DynamoDBClient(motoClientConfig(endpoint)), ledgerTable);
            // Pinned as registration pins it: the pack's Bytes question has something to check against.
            artifactsBucket = uniqueName("plan-reports");
            [{ arn: packageArn }] = await seedRegistry(endpoint, group, artifactsBucket, [3.9], { table: ledgerTable });
            ({ configFile, policyConfig: policyPackConfig } = fixtureFiles(packageArn, group, modelName, ledgerTable));
        });

        it("fails with a mandatory violation naming the package and its real status while it is PendingManualApproval", async () => {
            const io = capture();
            const code = await runPlan({ stack: "prod", configFile, policyPackConfig, endpointUrl: endpoint, entry: FIXTURE }, io.io);
            assert.equal(code, PLAN_EXIT.mandatoryViolation, io.text());
            const out = io.text();
            assert.match(out, new RegExp(`\\[mandatory\\] approved-model-packages-only  aws:sagemaker/model:Model::served-model\\n[\\s\\S]*${packageArn.replace(/[/.]/g, "\\$&")}[\\s\\S]*PendingManualApproval`));
            assert.match(out, /FAILED: \d+ mandatory violations?;/);
            assert.match(io.errors(), new RegExp(`lookups go to ${endpoint.replace(/[/.]/g, "\\$&")}`));
        });

        it("passes once the version is Approved, its bytes untouched, and the model exists (as when pulumi up reaches the endpoint config)", async () => {
            const sagemaker = new SageMakerClient(motoClientConfig(endpoint));
            await sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: packageArn, ModelApprovalStatus: "Approved", ApprovalDescription: "plan test" }));
            await sagemaker.send(new CreateModelCommand({ ModelName: modelName, ExecutionRoleArn: "arn:aws:iam::123456789012:role/fixture-model-execution", PrimaryContainer: { ModelPackageName: packageArn } }));
            const io = capture();
            const code = await runPlan({ stack: "prod", configFile, policyPackConfig, endpointUrl: endpoint, entry: FIXTURE, moments: ["up"] }, io.io);
            assert.equal(code, PLAN_EXIT.ok, io.text());
            assert.match(io.text(), /OK: no mandatory violations/);
        });

        // That the pins were read from moto's DynamoDB and the artifact from its S3 shows --endpoint-url routes the Bytes question there too.
        it("then refuses it for its bytes once its model.tar.gz is overwritten, naming the pinned and the new version", async () => {
            // Where seedRegistry puts version 1's artifact, as the training job would.
            await new S3Client({ ...motoClientConfig(endpoint), forcePathStyle: true }).send(
                new PutObjectCommand({ Bucket: artifactsBucket, Key: "model/1/model.tar.gz", Body: "not the approved bytes" }),
            );
            const io = capture();
            const code = await runPlan({ stack: "prod", configFile, policyPackConfig, endpointUrl: endpoint, entry: FIXTURE, moments: ["up"] }, io.io);
            assert.equal(code, PLAN_EXIT.mandatoryViolation, io.text());
            assert.match(io.text(), /\(status: Approved\) is not deployable/);
            assert.match(io.text(), /overwritten: pinned version \S+/);
            assert.ok(io.text().includes(`Pins read from the ledger table ${ledgerTable} in us-east-1`), io.text());
            assert.doesNotMatch(io.text(), /PendingManualApproval|ENOTFOUND/);
        });

        it("fails closed, quickly and saying why, with neither credentials nor --endpoint-url", async () => {
            const result = await plan(["--stack", "prod", "--config-file", configFile, "--policy-pack-config", policyPackConfig, "--program", FIXTURE, "--moment", "up"]);
            assert.equal(result.code, PLAN_EXIT.mandatoryViolation, result.stderr);
            assert.match(result.stderr, /No AWS credentials/);
            assert.match(result.stdout, /approval could not be verified[^\n]*Could not load credentials/);
        });
    });
});
