/**
 * Policy pack performance: a production stack with 500 endpoint configurations over 50 distinct model
 * packages, against a local SageMaker (JSON 1.1 over HTTP) that adds 50 ms to every answer, reached through
 * AWS_ENDPOINT_URL_SAGEMAKER exactly as a real endpoint would be.
 *
 * Each endpoint configuration has a production variant and a shadow variant (a challenger), on two of 50
 * models; model i is built from package i, and the last package awaits approval (so 20 configurations must be
 * blocked, by both implementations). There are 1000 model references; the minimum number of AWS calls is
 * 50 DescribeModel + 50 DescribeModelPackage = 100.
 *
 * Three ways of driving the same checks, side by side:
 *  - naive: one DescribeModel and one DescribeModelPackage per reference, no cache (the references of one
 *    resource in parallel, like the pack; resources one after another, like the engine);
 *  - the pack, served by run-policy-pack over gRPC, with Analyze calls one after another (the engine's order);
 *  - the pack, with 32 Analyze calls in flight at once (what in-flight de-duplication and the concurrency
 *    bound are for).
 */
import * as http from "http";
import { DescribeModelCommand, DescribeModelPackageCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { PolicyAnalyzer, type AnalyzedResource } from "../cli/lib/policyAnalyzer";

const CONFIGS = 500;
const PACKAGES = 50;
const LATENCY_MS = 50;
const IN_FLIGHT = 32;
const ACCOUNT = "123456789012";
const packageArn = (i: number) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/bench-models/${i + 1}`;
const modelName = (i: number) => `bench-model-${i}`;

interface StubStats {
    calls: Record<string, number>;
    inFlight: number;
    maxInFlight: number;
}

/** A SageMaker JSON 1.1 endpoint: DescribeModel / DescribeModelPackage for the bench registry, 50 ms late. */
async function startStub(): Promise<{ url: string; stats: StubStats; reset(): void; close(): Promise<void> }> {
    const stats: StubStats = { calls: {}, inFlight: 0, maxInFlight: 0 };
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const operation = String(req.headers["x-amz-target"] ?? "").replace(/^SageMaker\./, "");
            stats.calls[operation] = (stats.calls[operation] ?? 0) + 1;
            stats.inFlight += 1;
            stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
            setTimeout(() => {
                stats.inFlight -= 1;
                const input = JSON.parse(body || "{}");
                let status = 200;
                let answer: unknown;
                if (operation === "DescribeModel" && /^bench-model-\d+$/.test(input.ModelName)) {
                    const i = Number(input.ModelName.split("-").pop());
                    answer = { ModelName: input.ModelName, ModelArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/${input.ModelName}`, PrimaryContainer: { ModelPackageName: packageArn(i) }, Containers: [] };
                } else if (operation === "DescribeModelPackage" && /model-package\/bench-models\/\d+$/.test(input.ModelPackageName)) {
                    const version = Number(input.ModelPackageName.split("/").pop());
                    // The last version awaits approval: both implementations must block the same 20 configs.
                    const approval = version === PACKAGES ? "PendingManualApproval" : "Approved";
                    answer = { ModelPackageArn: input.ModelPackageName, ModelPackageGroupName: "bench-models", ModelPackageVersion: version, ModelApprovalStatus: approval, ModelPackageStatus: "Completed" };
                } else {
                    status = 400;
                    answer = { __type: "ValidationException", message: `not found: ${body}` };
                }
                res.writeHead(status, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": `bench-${Date.now()}` });
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

/** The naive implementation: for every reference, describe the model, then its package. No cache. */
async function naiveCheck(client: SageMakerClient, config: AnalyzedResource): Promise<boolean> {
    const props = config.properties as { productionVariants: { modelName: string }[]; shadowProductionVariants: { modelName: string }[] };
    const verdicts = await Promise.all([...props.productionVariants, ...props.shadowProductionVariants].map(async (v) => {
        const model = await client.send(new DescribeModelCommand({ ModelName: v.modelName }));
        const pkg = await client.send(new DescribeModelPackageCommand({ ModelPackageName: model.PrimaryContainer!.ModelPackageName! }));
        return pkg.ModelApprovalStatus === "Approved";
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
    const env = { AWS_ENDPOINT_URL_SAGEMAKER: stub.url, AWS_ENDPOINT_URL: "", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench", AWS_SESSION_TOKEN: "" };
    const configs = endpointConfigs();
    const minimum = PACKAGES + PACKAGES;
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
            } finally {
                await pack.close();
            }
        }

        // Naive, engine order.
        const client = new SageMakerClient({ region: "us-east-1", endpoint: stub.url, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
        stub.reset();
        let naiveBlocked = 0;
        const started = process.hrtime.bigint();
        for (const c of configs) if (!(await naiveCheck(client, c))) naiveBlocked += 1;
        const naiveMs = Number(process.hrtime.bigint() - started) / 1e6;
        rows.unshift({ implementation: "naive (one call per reference)", driver: "Analyze calls one after another (engine order)", calls: total(stub.stats), maxInFlight: stub.stats.maxInFlight, wallMs: naiveMs, blocked: naiveBlocked });
        client.destroy();
    } finally {
        await stub.close();
    }

    const naive = rows[0].wallMs;
    console.log(`${CONFIGS} endpoint configs (production + shadow variant each: ${CONFIGS * 2} model references) over ${PACKAGES} models / ${PACKAGES} packages; SageMaker stub adds ${LATENCY_MS} ms per call.`);
    console.log(`Minimum AWS calls = distinct models + distinct packages = ${PACKAGES} + ${PACKAGES} = ${minimum}.\n`);
    console.log("| implementation | driven by | AWS calls | minimum | max in flight | wall time | vs naive | configs blocked |");
    console.log("|---|---|---:|---:|---:|---:|---:|---:|");
    for (const r of rows) {
        console.log(`| ${r.implementation} | ${r.driver} | ${r.calls} | ${minimum} | ${r.maxInFlight} | ${(r.wallMs / 1000).toFixed(2)} s | ${(naive / r.wallMs).toFixed(1)}× | ${r.blocked} |`);
    }
}

if (require.main === module) {
    run().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
