/**
 * Lambda figures: each bundle's size, its cold init time in a fresh `node` (require of the bundle, the
 * runtime-provided SDK clients included, as Lambda's init phase does), and the AWS calls on the deploy
 * path (total and sequential rounds) against the minimum we can justify, and what the Bytes question (issue 9:
 * pins read beside the package lookup, then one HeadObject per artifact and one BatchGetImage per repository)
 * adds to it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    DescribeEndpointCommand,
    DescribeModelPackageCommand,
    SageMakerClient,
    UpdateEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { bundleLambda, LAMBDA_ENTRIES, REPO_ROOT } from "../infra/lib/bundle";
import { handleModelPackageEvent } from "../lambdas/deploy-approved/deploy";
import { settingsFromEnv } from "../lambdas/deploy-approved/settings";
import { snsPublisher } from "../lambdas/shared/publish";
import { checkModelPackageApproval, ledgerPinReader, parseModelPackageArn, type PinsContext } from "../policies/lib/approvalRule";
import { serializePins } from "../policies/lib/pinRecord";

const RUNS = 7;
const DUMMY_ENV: Record<string, string> = {
    ENVIRONMENT: "bench", MODEL_PACKAGE_GROUP_NAME: "g", ENDPOINT_NAME: "e", LEDGER_TABLE_NAME: "t", TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:t",
    REGISTRY_ACCOUNT_ID: "123456789012", RESOURCE_PREFIX: "sagemaker-approval-gate-bench", MODEL_EXECUTION_ROLE_ARN: "arn:aws:iam::123456789012:role/r", INSTANCE_TYPE: "ml.m5.large",
    ROLLBACK_ALARM_NAMES: "a",
    DEPLOYED_NAME_PREFIX: "sagemaker-approval-gate-bench--", MODEL_PACKAGE_ARN_PREFIX: "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/",
    DEPLOY_ROLE_ARN: "arn:aws:iam::123456789012:role/sagemaker-approval-gate-bench-deploy-approved",
    SMOKE_TEST: JSON.stringify({ onFailure: "reject", payloads: [], check: { kind: "numeric" }, maxPayloads: 5 }),
    AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x",
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** ms from process start to the end of `require(bundle)`, measured inside a fresh node. */
function coldInitMs(file: string | undefined): number {
    // performance.now() counts from the process's time origin, so this is start-up plus the bundle's init.
    const script = `${file ? `require(${JSON.stringify(file)});` : ""} process.stdout.write(String(performance.now()))`;
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
        const out = spawnSync(process.execPath, ["-e", script], {
            env: { PATH: process.env.PATH ?? "", NODE_PATH: path.join(REPO_ROOT, "node_modules"), ...DUMMY_ENV },
            encoding: "utf8",
        });
        if (out.status !== 0) throw new Error(`node failed for ${file}: ${out.stderr}`);
        samples.push(Number(out.stdout));
    }
    return median(samples);
}

function table(rows: (string | number)[][]): void {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
    rows.forEach((r, idx) => {
        console.log(`| ${r.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`);
        if (idx === 0) console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
    });
}

async function bundles(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-lambdas-"));
    const rows: (string | number)[][] = [["function", "bundle (KB)", "gzip (KB)", "sha256", "cold init, median of 7 (ms)", "of which node itself (ms)"]];
    const baseline = coldInitMs(undefined);
    for (const [role, entry] of Object.entries(LAMBDA_ENTRIES)) {
        const bundle = bundleLambda(entry);
        const file = path.join(dir, `${role}.js`);
        fs.writeFileSync(file, bundle.code);
        rows.push([role, (bundle.bytes / 1024).toFixed(1), (zlib.gzipSync(bundle.code).length / 1024).toFixed(1), bundle.sha256.slice(0, 12), coldInitMs(file).toFixed(0), baseline.toFixed(0)]);
    }
    const withSdk = bundleLambda(LAMBDA_ENTRIES["deploy-approved"], { bundleSdk: true, minify: true });
    const sdkFile = path.join(dir, "deploy-approved-with-sdk.js");
    fs.writeFileSync(sdkFile, withSdk.code);
    rows.push(["deploy-approved, SDK bundled + minified (not shipped)", (withSdk.bytes / 1024).toFixed(1), (zlib.gzipSync(withSdk.code).length / 1024).toFixed(1), withSdk.sha256.slice(0, 12), coldInitMs(sdkFile).toFixed(0), baseline.toFixed(0)]);
    table(rows);
    fs.rmSync(dir, { recursive: true, force: true });
}

const LATENCY_MS = 25;
const ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/2";
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:v1";
const MODEL = "s3://artifacts/pipelines/exec-1/TrainModel/output/model.tar.gz";
const DIGEST = `sha256:${"1".repeat(64)}`;
/** The pin record registration wrote for any version of the bench's group: untouched since. */
const pinItem = (packageArn: string) => ({
    pk: { S: `PINS#${packageArn}` }, sk: { S: "PINS" },
    pins: { S: serializePins({ packageArn, pinnedAt: "2026-01-01T00:00:00.000Z", artifacts: [{ uri: MODEL, bucket: "artifacts", key: "pipelines/exec-1/TrainModel/output/model.tar.gz", versionId: "v1", etag: "e1" }], images: [{ image: IMAGE, digest: DIGEST, digestSource: "ecr" }] }) },
});
/** The settings the deploy function would read from the environment the cold-init runs get. */
const settings = settingsFromEnv(DUMMY_ENV);
const event = (status: string) => ({
    version: "0", id: `bench-${status}`, "detail-type": "SageMaker Model Package State Change", source: "aws.sagemaker", account: "123456789012", region: "us-east-1", time: "2026-01-02T00:00:00Z", resources: [ARN],
    detail: { ModelPackageGroupName: "g", ModelPackageVersion: 2, ModelPackageArn: ARN, ModelApprovalStatus: status, ModelPackageStatus: "Completed" },
});

async function deployPath(): Promise<void> {
    const sagemaker = new SageMakerClient({ region: "us-east-1" });
    const dynamodb = new DynamoDBClient({ region: "us-east-1" });
    const sns = new SNSClient({ region: "us-east-1" });
    const s3 = new S3Client({ region: "us-east-1" });
    const ecr = new ECRClient({ region: "us-east-1" });
    const sm = mockClient(sagemaker);
    const ddb = mockClient(dynamodb);
    const topic = mockClient(sns);
    const s3Mock = mockClient(s3);
    const ecrMock = mockClient(ecr);
    const calls: string[] = [];
    const spans: { start: number; end: number; depth: number }[] = [];
    /**
     * A fake AWS call: recorded, answered after LATENCY_MS; `answer` may read the input, or throw to fail the call.
     * Its depth is one more than the deepest call that had finished when it started, so the deepest call is the
     * number of sequential rounds, whatever the timers' jitter on a busy machine.
     */
    const slow = <I, T>(name: string, answer: (input: I) => T) => async (input: I) => {
        calls.push(name);
        const start = performance.now();
        const span = { start, end: Infinity, depth: 1 + Math.max(0, ...spans.filter((d) => d.end <= start).map((d) => d.depth)) };
        spans.push(span);
        try {
            await new Promise((r) => setTimeout(r, LATENCY_MS));
            return answer(input);
        } finally {
            span.end = performance.now();
        }
    };
    const rounds = () => Math.max(0, ...spans.map((d) => d.depth));
    const describe = (arn: string, status: string) => ({
        ModelPackageArn: arn, ModelPackageGroupName: "g", ModelApprovalStatus: status, ModelPackageStatus: "Completed", ModelPackageVersion: parseModelPackageArn(arn)?.version,
        InferenceSpecification: { Containers: [{ Image: IMAGE, ModelDataUrl: MODEL }] },
    });
    /** The ledger's Query: a version's pins (pk PINS#…), or the endpoint's history. */
    const query = (history: () => unknown) => slow("Query", (input: { ExpressionAttributeValues?: Record<string, { S?: string }> }) => {
        const pk = input.ExpressionAttributeValues?.[":pk"]?.S ?? "";
        return pk.startsWith("PINS#") ? { Items: [pinItem(pk.slice(5))] } : history();
    });
    const scenarios: { name: string; minimum: string; before: string; setup(): void; status: string }[] = [
        {
            name: "approve, endpoint InService (blue/green update)",
            minimum: "11 calls / 8 rounds: DescribeModelPackage ∥ Query (the rule: status and pins) → HeadObject ∥ BatchGetImage (bytes) → GetItem ∥ DescribeEndpoint → CreateModel → CreateEndpointConfig → UpdateEndpoint → Publish (before the ledger, so a failed notice is retried) → TransactWriteItems",
            before: "8 calls / 7 rounds (no Query, HeadObject, BatchGetImage)",
            status: "Approved",
            setup() {
                sm.on(DescribeModelPackageCommand).callsFake(slow("DescribeModelPackage", () => describe(ARN, "Approved")));
                ddb.on(GetItemCommand).callsFake(slow("GetItem", () => ({ Item: { packageArn: { S: ARN.replace(/2$/, "1") }, eventId: { S: "old" }, approvedAt: { S: "2026-01-01T00:00:00.000Z" } } })));
                sm.on(DescribeEndpointCommand).callsFake(slow("DescribeEndpoint", () => ({ EndpointStatus: "InService", EndpointConfigName: "old" })));
            },
        },
        {
            name: "approve, no endpoint yet (create)",
            minimum: "11 calls / 8 rounds (CreateEndpoint instead of UpdateEndpoint)",
            before: "8 calls / 7 rounds",
            status: "Approved",
            setup() {
                sm.on(DescribeModelPackageCommand).callsFake(slow("DescribeModelPackage", () => describe(ARN, "Approved")));
                ddb.on(GetItemCommand).callsFake(slow("GetItem", () => ({})));
                sm.on(DescribeEndpointCommand).callsFake(slow("DescribeEndpoint", () => {
                    throw Object.assign(new Error("Could not find endpoint"), { name: "ValidationException" });
                }));
            },
        },
        {
            name: "duplicate Approved event (already live)",
            minimum: "6 calls / 3 rounds: the rule (status ∥ pins, then bytes), then the ledger (DescribeEndpoint rides along in parallel); no write",
            before: "3 calls / 2 rounds",
            status: "Approved",
            setup() {
                sm.on(DescribeModelPackageCommand).callsFake(slow("DescribeModelPackage", () => describe(ARN, "Approved")));
                ddb.on(GetItemCommand).callsFake(slow("GetItem", () => ({ Item: { packageArn: { S: ARN }, eventId: { S: "e" } } })));
                sm.on(DescribeEndpointCommand).callsFake(slow("DescribeEndpoint", () => ({ EndpointStatus: "InService", EndpointConfigName: "x" })));
            },
        },
        {
            name: "forged Approved event (version still pending)",
            minimum: "4 calls / 2 rounds: the rule (its pin read beside the status lookup; nothing to observe for a version nobody approved), then the audit record ∥ the refusal notice",
            before: "3 calls / 2 rounds",
            status: "Approved",
            setup() {
                sm.on(DescribeModelPackageCommand).callsFake(slow("DescribeModelPackage", () => describe(ARN, "PendingManualApproval")));
            },
        },
        {
            name: "reject the live version, one approved predecessor",
            minimum: "13 calls / 9 rounds: rule(rejected, status only) → GetItem ∥ Query ∥ DescribeEndpoint → rule(candidate: status ∥ pins, then bytes) → CreateModel → CreateEndpointConfig → UpdateEndpoint → Publish (before the ledger, so a failed notice is retried) → TransactWriteItems",
            before: "10 calls / 8 rounds",
            status: "Rejected",
            setup() {
                sm.on(DescribeModelPackageCommand).callsFake(slow("DescribeModelPackage", (input: { ModelPackageName: string }) =>
                    describe(input.ModelPackageName, input.ModelPackageName === ARN ? "Rejected" : "Approved")));
                ddb.on(GetItemCommand).callsFake(slow("GetItem", () => ({ Item: { packageArn: { S: ARN }, eventId: { S: "e2" } } })));
                ddb.on(QueryCommand).callsFake(query(() => ({ Items: [
                    { packageArn: { S: ARN }, outcome: { S: "deployed" }, eventId: { S: "e2" } },
                    { packageArn: { S: ARN.replace(/2$/, "1") }, outcome: { S: "deployed" }, eventId: { S: "e1" } },
                ] })));
                sm.on(DescribeEndpointCommand).callsFake(slow("DescribeEndpoint", () => ({ EndpointStatus: "InService", EndpointConfigName: "v2" })));
            },
        },
    ];
    const rows: (string | number)[][] = [["scenario", "AWS calls", "sequential rounds", "minimum we can justify", "before issue 9 (bytes not checked)"]];
    for (const scenario of scenarios) {
        sm.reset();
        ddb.reset();
        topic.reset();
        s3Mock.reset();
        ecrMock.reset();
        calls.length = 0;
        spans.length = 0;
        ddb.on(QueryCommand).callsFake(query(() => ({ Items: [] })));
        s3Mock.on(HeadObjectCommand).callsFake(slow("HeadObject", () => ({ VersionId: "v1", ETag: '"e1"' })));
        ecrMock.on(BatchGetImageCommand).callsFake(slow("BatchGetImage", () => ({ images: [{ imageId: { imageTag: "v1", imageDigest: DIGEST } }], failures: [] })));
        sm.on(CreateModelCommand).callsFake(slow("CreateModel", () => ({})));
        sm.on(CreateEndpointConfigCommand).callsFake(slow("CreateEndpointConfig", () => ({})));
        sm.on(UpdateEndpointCommand).callsFake(slow("UpdateEndpoint", () => ({})));
        sm.on(CreateEndpointCommand).callsFake(slow("CreateEndpoint", () => ({})));
        ddb.on(TransactWriteItemsCommand).callsFake(slow("TransactWriteItems", () => ({})));
        ddb.on(PutItemCommand).callsFake(slow("PutItem", () => ({})));
        topic.on(PublishCommand).callsFake(slow("Publish", () => ({})));
        scenario.setup();
        await handleModelPackageEvent(event(scenario.status), settings, {
            sagemaker, dynamodb, s3, ecr: () => ecr, publisher: snsPublisher(sns, "arn:aws:sns:us-east-1:123456789012:t"), logger: { log: () => undefined }, now: () => new Date(),
        });
        rows.push([scenario.name, `${calls.length} (${calls.join(", ")})`, rounds(), scenario.minimum, scenario.before]);
    }
    table(rows);

    // The rule alone, both ways, measured: what the Bytes question costs in calls and rounds.
    console.log("\nThe approval rule alone (checkModelPackageApproval, the deploy function's first step):\n");
    const ruleRows: (string | number)[][] = [["questions asked", "AWS calls", "sequential rounds"]];
    const pins: PinsContext = { readPins: ledgerPinReader(dynamodb, "t"), s3, ecr: () => ecr };
    for (const [label, options] of [["status only (before issue 9)", {}], ["status + bytes (pins ∥ package, then HeadObject ∥ BatchGetImage)", { pins }]] as const) {
        sm.reset();
        ddb.reset();
        s3Mock.reset();
        ecrMock.reset();
        calls.length = 0;
        spans.length = 0;
        sm.on(DescribeModelPackageCommand).callsFake(slow("DescribeModelPackage", () => describe(ARN, "Approved")));
        ddb.on(QueryCommand).callsFake(query(() => ({ Items: [] })));
        s3Mock.on(HeadObjectCommand).callsFake(slow("HeadObject", () => ({ VersionId: "v1", ETag: '"e1"' })));
        ecrMock.on(BatchGetImageCommand).callsFake(slow("BatchGetImage", () => ({ images: [{ imageId: { imageTag: "v1", imageDigest: DIGEST } }], failures: [] })));
        const verdict = await checkModelPackageApproval(sagemaker, ARN, options);
        if (!verdict.approved) throw new Error(`bench: the rule refused an untouched package: ${verdict.reason}`);
        ruleRows.push([label, `${calls.length} (${calls.join(", ")})`, rounds()]);
    }
    table(ruleRows);
}

export async function run(): Promise<void> {
    console.log("Bundles (esbuild, platform node, target node22, @aws-sdk/* external), cold init in a fresh node:\n");
    await bundles();
    console.log(`\nDeploy path (deploy-approved logic with every AWS call answered after ${LATENCY_MS} ms; rounds = the longest chain of calls each started after the previous one answered):\n`);
    await deployPath();
}
