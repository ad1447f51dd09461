/**
 * Policy pack performance: a production stack with 500 endpoint configurations over 50 distinct model
 * packages, against a local SageMaker (JSON 1.1 over HTTP) that adds 50 ms to every answer, reached through
 * AWS_ENDPOINT_URL_SAGEMAKER exactly as a real endpoint would be.
 *
 * Each endpoint configuration has a production variant and a shadow variant (a challenger), on two of 50
 * models; model i is built from package i. Every package has its own model.tar.gz (S3) and its own image tag in one
 * of 5 ECR repositories, pinned at registration in the ledger (issue 9). The last package awaits approval and the
 * first one's model.tar.gz was overwritten after approval, so 40 configurations must be blocked, by both
 * implementations. There are 1000 model references; the minimum number of AWS calls is 50 DescribeModel +
 * 50 DescribeModelPackage + 50 pins Queries (read beside DescribeModelPackage, so the Pending one's too) +
 * 49 HeadObject (the Approved packages' artifacts) + 49 BatchGetImage (their image tags, each resolved once) = 248.
 *
 * Three ways of driving the same checks, side by side:
 *  - naive: per reference, DescribeModel, then DescribeModelPackage and the pins Query, then HeadObject and
 *    BatchGetImage by tag; no cache (the references of one resource in parallel, like the pack; resources one after
 *    another, like the engine);
 *  - the pack, served by run-policy-pack over gRPC, with Analyze calls one after another (the engine's order);
 *  - the pack, with 32 Analyze calls in flight at once (what in-flight de-duplication and the concurrency
 *    bound are for).
 */
import * as http from "http";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeModelCommand, DescribeModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { PolicyAnalyzer, type AnalyzedResource } from "../cli/lib/policyAnalyzer";
import { ledgerTableName } from "../policies/lib/ledgerLocation";
import { pinsKey, serializePins } from "../policies/lib/pinRecord";

const CONFIGS = 500;
const PACKAGES = 50;
const LATENCY_MS = 50;
const IN_FLIGHT = 32;
const ACCOUNT = "123456789012";
const REPOSITORIES = 5;
const BUCKET = "bench-artifacts";
const LEDGER = ledgerTableName("prod");
const packageArn = (i: number) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/bench-models/${i + 1}`;
const modelName = (i: number) => `bench-model-${i}`;
const repository = (i: number) => `bench-serve-${i % REPOSITORIES}`;
const imageOf = (i: number) => `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${repository(i)}:v${i}`;
const digestOf = (i: number) => `sha256:${i.toString(16).padStart(64, "0")}`;
const keyOf = (i: number) => `models/${i}/model.tar.gz`;
/** Package 1's model.tar.gz was overwritten after approval: S3 now holds version v2 of its key. */
const TAMPERED = 0;
const versionOf = (i: number) => (i === TAMPERED ? "v2" : "v1");

/** The pins notify-approver wrote for package i at registration. */
const pinsOf = (i: number) => ({
    packageArn: packageArn(i),
    pinnedAt: "2026-11-30T10:00:00.000Z",
    artifacts: [{ uri: `s3://${BUCKET}/${keyOf(i)}`, bucket: BUCKET, key: keyOf(i), versionId: "v1", etag: `etag${i}` }],
    images: [{ image: imageOf(i), digest: digestOf(i), digestSource: "sagemaker" as const }],
});

interface StubStats {
    calls: Record<string, number>;
    inFlight: number;
    maxInFlight: number;
}

/**
 * One endpoint for every service the pack calls, 50 ms late: SageMaker and ECR (JSON 1.1), DynamoDB (JSON 1.0) by
 * X-Amz-Target, S3 HeadObject by method and path (path-style, as the SDK addresses a custom endpoint here).
 */
async function startStub(): Promise<{ url: string; stats: StubStats; reset(): void; close(): Promise<void> }> {
    const stats: StubStats = { calls: {}, inFlight: 0, maxInFlight: 0 };
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const target = String(req.headers["x-amz-target"] ?? "");
            const operation = req.method === "HEAD" ? "HeadObject" : target.replace(/^(SageMaker|DynamoDB_20120810|AmazonEC2ContainerRegistry_V20150921)\./, "");
            stats.calls[operation] = (stats.calls[operation] ?? 0) + 1;
            stats.inFlight += 1;
            stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
            setTimeout(() => {
                stats.inFlight -= 1;
                const input = JSON.parse(body || "{}");
                let status = 200;
                let answer: unknown;
                if (operation === "HeadObject") {
                    const match = new RegExp(`^/${BUCKET}/models/(\\d+)/model\\.tar\\.gz$`).exec((req.url ?? "").split("?")[0]);
                    const i = match ? Number(match[1]) : -1;
                    res.writeHead(match ? 200 : 404, match ? { ETag: `"${i === TAMPERED ? "other" : `etag${i}`}"`, "x-amz-version-id": versionOf(i), "Content-Length": "0" } : {});
                    res.end();
                    return;
                }
                if (operation === "Query") {
                    const pk: string = input.ExpressionAttributeValues?.[":pk"]?.S ?? "";
                    const i = Number(pk.split("/").pop()) - 1;
                    const pins = pinsOf(i);
                    const key = pinsKey(pins.packageArn);
                    answer = input.TableName === LEDGER && pk === key.pk ? { Items: [{ pk: { S: key.pk }, sk: { S: key.sk }, pins: { S: serializePins(pins) } }], Count: 1 } : { Items: [], Count: 0 };
                } else if (operation === "BatchGetImage") {
                    const wanted: number[] = (input.imageIds ?? []).map((id: { imageTag: string }) => Number(id.imageTag.slice(1)));
                    answer = { images: wanted.map((i) => ({ registryId: ACCOUNT, repositoryName: input.repositoryName, imageId: { imageTag: `v${i}`, imageDigest: digestOf(i) } })), failures: [] };
                } else if (operation === "DescribeModel" && /^bench-model-\d+$/.test(input.ModelName)) {
                    const i = Number(input.ModelName.split("-").pop());
                    answer = { ModelName: input.ModelName, ModelArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/${input.ModelName}`, PrimaryContainer: { ModelPackageName: packageArn(i) }, Containers: [] };
                } else if (operation === "DescribeModelPackage" && /model-package\/bench-models\/\d+$/.test(input.ModelPackageName)) {
                    const version = Number(input.ModelPackageName.split("/").pop());
                    // The last version awaits approval: both implementations must block the same 20 configs.
                    const approval = version === PACKAGES ? "PendingManualApproval" : "Approved";
                    const i = version - 1;
                    answer = {
                        ModelPackageArn: input.ModelPackageName, ModelPackageGroupName: "bench-models", ModelPackageVersion: version, ModelApprovalStatus: approval, ModelPackageStatus: "Completed",
                        InferenceSpecification: { Containers: [{ Image: imageOf(i), ImageDigest: digestOf(i), ModelDataUrl: `s3://${BUCKET}/${keyOf(i)}` }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
                    };
                } else {
                    status = 400;
                    answer = { __type: "ValidationException", message: `not found: ${body}` };
                }
                res.writeHead(status, { "Content-Type": target.startsWith("DynamoDB") ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1", "x-amzn-RequestId": `bench-${Date.now()}` });
                res.end(JSON.stringify(answer));
            }, LATENCY_MS);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    return {
        url: `http://127.0.0.1:${port}`,
        stats,
        reset: () => {
            stats.calls = {};
            stats.maxInFlight = 0;
        },
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

function endpointConfigs(): AnalyzedResource[] {
    return Array.from({ length: CONFIGS }, (_, i) => ({
        type: "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        name: `config-${i}`,
        properties: {
            productionVariants: [{ variantName: "champion", modelName: modelName(i % PACKAGES), initialInstanceCount: 1, instanceType: "ml.m5.large" }],
            shadowProductionVariants: [{ variantName: "challenger", modelName: modelName((i + PACKAGES / 2) % PACKAGES), initialInstanceCount: 1, instanceType: "ml.m5.large" }],
        },
    }));
}

interface NaiveClients {
    sagemaker: SageMakerClient;
    dynamodb: DynamoDBClient;
    s3: S3Client;
    ecr: ECRClient;
}

/** The naive implementation: for every reference, the model, then its package and pins, then its artifact and image. No cache. */
async function naiveCheck(c: NaiveClients, config: AnalyzedResource): Promise<boolean> {
    const props = config.properties as { productionVariants: { modelName: string }[]; shadowProductionVariants: { modelName: string }[] };
    const verdicts = await Promise.all([...props.productionVariants, ...props.shadowProductionVariants].map(async (v) => {
        const model = await c.sagemaker.send(new DescribeModelCommand({ ModelName: v.modelName }));
        const arn = model.PrimaryContainer!.ModelPackageName!;
        const [pkg, pins] = await Promise.all([
            c.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })),
            c.dynamodb.send(new QueryCommand({ TableName: LEDGER, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: pinsKey(arn).pk } } })),
        ]);
        if (pkg.ModelApprovalStatus !== "Approved") return false;
        const pinned = JSON.parse(pins.Items![0].pins.S!);
        const container = pkg.InferenceSpecification!.Containers![0];
        const [, repo, tag] = /\/([^/:]+):([^:]+)$/.exec(container.Image!)!;
        const [head, images] = await Promise.all([
            c.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: container.ModelDataUrl!.replace(`s3://${BUCKET}/`, "") })),
            c.ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: tag }] })),
        ]);
        return head.VersionId === pinned.artifacts[0].versionId && images.images?.[0]?.imageId?.imageDigest === pinned.images[0].digest;
    }));
    return verdicts.every(Boolean);
}

async function inBatches<T>(items: T[], inFlight: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
        while (next < items.length) await work(items[next++]);
    }));
}

interface Row {
    implementation: string;
    driver: string;
    calls: number;
    maxInFlight: number;
    wallMs: number;
    blocked: number;
}

export async function run(): Promise<void> {
    const stub = await startStub();
    const env = { AWS_ENDPOINT_URL: stub.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench", AWS_SESSION_TOKEN: "" };
    const configs = endpointConfigs();
    const minimumByOperation: Record<string, number> = { DescribeModel: PACKAGES, DescribeModelPackage: PACKAGES, Query: PACKAGES, HeadObject: PACKAGES - 1, BatchGetImage: PACKAGES - 1 };
    const minimum = Object.values(minimumByOperation).reduce((a, b) => a + b, 0);
    const packCalls: Record<string, Record<string, number>> = {};
    const rows: Row[] = [];
    const total = (s: StubStats) => Object.values(s.calls).reduce((a, b) => a + b, 0);

    try {
        // The pack, engine order: one Analyze after another, in a fresh pack process (empty cache).
        for (const [driver, inFlight] of [["Analyze calls one after another (engine order)", 1], [`${IN_FLIGHT} Analyze calls in flight`, IN_FLIGHT]] as const) {
            const pack = await PolicyAnalyzer.start({ stack: "prod", dryRun: false, stackConfig: { "aws:region": "us-east-1", "sagemaker-approval-gate:production": "true" }, env });
            try {
                stub.reset();
                let blocked = 0;
                const started = process.hrtime.bigint();
                await inBatches(configs, inFlight, async (c) => {
                    const r = await pack.analyze(c);
                    if (r.diagnostics.some((d) => d.enforcementLevel === "mandatory")) blocked += 1;
                });
                const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
                rows.push({ implementation: "this pack (cache, de-dup, ≤16 in flight)", driver, calls: total(stub.stats), maxInFlight: stub.stats.maxInFlight, wallMs, blocked });
                packCalls[driver] = { ...stub.stats.calls };
            } finally {
                await pack.close();
            }
        }

        // Naive, engine order.
        const common = { region: "us-east-1", endpoint: stub.url, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } };
        const clients: NaiveClients = { sagemaker: new SageMakerClient(common), dynamodb: new DynamoDBClient(common), s3: new S3Client({ ...common, forcePathStyle: true }), ecr: new ECRClient(common) };
        stub.reset();
        let naiveBlocked = 0;
        const started = process.hrtime.bigint();
        for (const c of configs) if (!(await naiveCheck(clients, c))) naiveBlocked += 1;
        const naiveMs = Number(process.hrtime.bigint() - started) / 1e6;
        rows.unshift({ implementation: "naive (one call per reference)", driver: "Analyze calls one after another (engine order)", calls: total(stub.stats), maxInFlight: stub.stats.maxInFlight, wallMs: naiveMs, blocked: naiveBlocked });
        Object.values(clients).forEach((client) => client.destroy());
    } finally {
        await stub.close();
    }

    const naive = rows[0].wallMs;
    console.log(`${CONFIGS} endpoint configs (production + shadow variant each: ${CONFIGS * 2} model references) over ${PACKAGES} models / ${PACKAGES} packages / ${PACKAGES} artifacts / ${REPOSITORIES} ECR repositories; the stub adds ${LATENCY_MS} ms per call.`);
    console.log(`Minimum AWS calls = ${Object.entries(minimumByOperation).map(([op, n]) => `${n} ${op}`).join(" + ")} = ${minimum}.\n`);
    console.log("| implementation | driven by | AWS calls | minimum | max in flight | wall time | vs naive | configs blocked |");
    console.log("|---|---|---:|---:|---:|---:|---:|---:|");
    for (const r of rows) {
        console.log(`| ${r.implementation} | ${r.driver} | ${r.calls} | ${minimum} | ${r.maxInFlight} | ${(r.wallMs / 1000).toFixed(2)} s | ${(naive / r.wallMs).toFixed(1)}× | ${r.blocked} |`);
    }
    const drivers = Object.keys(packCalls);
    console.log(`\nThe pack's calls by operation (minimum: one per distinct model, package, artifact and repository):\n`);
    console.log(`| operation | minimum | ${drivers.join(" | ")} |`);
    console.log(`|---|---:|${drivers.map(() => "---:").join("|")}|`);
    for (const [operation, min] of Object.entries(minimumByOperation)) {
        console.log(`| ${operation} | ${min} | ${drivers.map((d) => packCalls[d][operation] ?? 0).join(" | ")} |`);
    }
}

if (require.main === module) {
    run().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
