/**
 * The smoke test's AWS calls per deployment (issue 11): what one InService event costs after a deployment or rollback,
 * total and in sequential rounds, for each path. Calls are answered by mocks after a fixed latency, as bench/lambdas.ts
 * does for the deploy path; the figures are the code's own (the minimum we can justify is stated next to each).
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { gzipSync } from "zlib";
import { CURRENT_SK, endpointKey, toItem } from "../lambdas/shared/ledger";
import { snsPublisher } from "../lambdas/shared/publish";
import type { SmokeSettings } from "../lambdas/smoke-test/settings";
import { handleEndpointEvent } from "../lambdas/smoke-test/smoke";

const LATENCY_MS = 25;
const ENDPOINT = "sagemaker-approval-gate-bench-endpoint";
const ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/2";
const CONFIG = "sagemaker-approval-gate-bench--v2-12345678";
const settings: SmokeSettings = {
    environment: "bench", ledgerTableName: "t", endpointName: ENDPOINT, groupName: "g", onFailure: "reject",
    payloads: [{ contentType: "text/csv", accept: "text/csv", body: "0,0,0,0,0,0,0,0,1,0" }], check: { kind: "numeric" }, maxPayloads: 5,
};

/** A tar.gz of `n` one-line CSV files (ustar headers), for the SamplePayloadUrl path. */
function sampleArchive(n: number): Buffer {
    const parts: Buffer[] = [];
    for (let i = 0; i < n; i += 1) {
        const data = Buffer.from(`${i},0,0,0,0,0,0,0,1,0`);
        const h = Buffer.alloc(512);
        h.write(`p${i}.csv`, 0);
        h.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
        h.write("0", 156);
        parts.push(h, data, Buffer.alloc(512 - data.length));
    }
    parts.push(Buffer.alloc(1024));
    return gzipSync(Buffer.concat(parts));
}

export async function run(): Promise<void> {
    const sagemaker = new SageMakerClient({ region: "us-east-1" });
    const runtime = new SageMakerRuntimeClient({ region: "us-east-1" });
    const s3 = new S3Client({ region: "us-east-1" });
    const dynamodb = new DynamoDBClient({ region: "us-east-1" });
    const sns = new SNSClient({ region: "us-east-1" });
    const mocks = [mockClient(sagemaker), mockClient(runtime), mockClient(s3), mockClient(dynamodb), mockClient(sns)] as const;
    const [sm, rt, s3m, ddb, topic] = mocks;
    const calls: string[] = [];
    const spans: { start: number; end: number; depth: number }[] = [];
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
    const current = toItem({ endpointName: ENDPOINT, packageArn: ARN, version: 2, groupName: "g", endpointConfigName: CONFIG, deployedAt: "2026-01-01T00:00:00Z", eventId: "e", kind: "deploy", outcome: "deployed" }, CURRENT_SK);
    const world = (o: { smoke?: "none" | "final"; config?: string; sample?: number; answer?: string; staged?: boolean }) => {
        for (const m of mocks) m.reset();
        sm.on(DescribeEndpointCommand).callsFake(slow("DescribeEndpoint", () => ({ EndpointStatus: "InService", EndpointConfigName: o.config ?? CONFIG })));
        sm.on(DescribeEndpointConfigCommand).callsFake(slow("DescribeEndpointConfig", () => ({ ProductionVariants: [{ VariantName: "AllTraffic", ModelName: CONFIG }] })));
        sm.on(DescribeModelCommand).callsFake(slow("DescribeModel", () => ({ PrimaryContainer: { ModelPackageName: ARN } })));
        sm.on(DescribeModelPackageCommand).callsFake(slow("DescribeModelPackage", () => ({
            ModelPackageArn: ARN, ModelPackageGroupName: "g", ModelApprovalStatus: "Approved",
            ...(o.staged ? { ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved" } } : {}),
            ...(o.sample ? { SamplePayloadUrl: "s3://samples/p.tar.gz" } : {}),
            InferenceSpecification: { Containers: [], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
        })));
        sm.on(UpdateModelPackageCommand).callsFake(slow("UpdateModelPackage", () => ({})));
        s3m.on(GetObjectCommand).callsFake(slow("GetObject", () => ({ Body: { transformToByteArray: async () => new Uint8Array(sampleArchive(o.sample ?? 0)) } })));
        rt.on(InvokeEndpointCommand).callsFake(slow("InvokeEndpoint", () => ({ Body: Buffer.from(o.answer ?? "9.5"), ContentType: "text/csv" })));
        ddb.on(GetItemCommand).callsFake(slow("GetItem", (input: { Key: Record<string, { S: string }> }) =>
            input.Key.pk.S === endpointKey(ENDPOINT) ? { Item: current } : o.smoke === "final" ? { Item: { status: { S: "passed" }, notified: { BOOL: true } } } : {}));
        ddb.on(PutItemCommand).callsFake(slow("PutItem", () => ({})));
        topic.on(PublishCommand).callsFake(slow("Publish", () => ({})));
    };
    const staged: SmokeSettings = { ...settings, stage: { stage: "Staging", order: ["Staging", "Production"] } };
    const scenarios: { name: string; minimum: string; setup(): void; settings?: SmokeSettings }[] = [
        { name: "pass, one configured payload", minimum: "CURRENT ∥ DescribeEndpoint → DescribeEndpointConfig → DescribeModel (the live version, confirmed) → GetItem (its smoke record) → PutItem (lease) → DescribeModelPackage → InvokeEndpoint → PutItem (result) → Publish → PutItem (notified)", setup: () => world({}) },
        { name: "pass, SamplePayloadUrl with 3 files", minimum: "as above + GetObject, and one InvokeEndpoint per file (sequential: a failure stops at the first)", setup: () => world({ sample: 3 }) },
        { name: "fail, rejected", minimum: "as the pass + the live version confirmed again before acting (4 reads) + DescribeModelPackage (still Approved, this group) → UpdateModelPackage (Rejected)", setup: () => world({ answer: "NaN" }) },
        { name: "fail in a promotion environment, its stage rejected", minimum: "as the rejection, but UpdateModelPackage sets ModelLifeCycle {Staging, Rejected} on the registry's version (planStageChange), never its status", setup: () => world({ answer: "NaN", staged: true }), settings: staged },
        { name: "duplicate event (already tested)", minimum: "the live version confirmed (4 reads) → GetItem; nothing else", setup: () => world({ smoke: "final" }) },
        { name: "stale event (endpoint runs another config)", minimum: "CURRENT ∥ DescribeEndpoint; nothing else", setup: () => world({ config: "other" }) },
    ];
    const rows: string[][] = [["path", "AWS calls", "rounds", "calls"]];
    const event = { version: "0", id: "bench", "detail-type": "SageMaker Endpoint State Change", source: "aws.sagemaker", detail: { EndpointName: ENDPOINT, EndpointStatus: "IN_SERVICE" } };
    for (const s of scenarios) {
        calls.length = 0;
        spans.length = 0;
        s.setup();
        const result = await handleEndpointEvent(event, s.settings ?? settings, {
            sagemaker, runtime, s3, dynamodb, publisher: snsPublisher(sns, "arn:aws:sns:us-east-1:123456789012:t"),
            logger: { log: () => undefined }, emitMetric: () => undefined, now: () => new Date(), token: () => "bench",
        });
        const counts = Object.entries(calls.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {})).map(([c, n]) => (n > 1 ? `${c}×${n}` : c));
        rows.push([`${s.name} (${result.outcome})`, String(calls.length), String(Math.max(0, ...spans.map((d) => d.depth))), counts.join(", ")]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    rows.forEach((r, idx) => {
        console.log(`| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`);
        if (idx === 0) console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
    });
    console.log("\nPaths, as the code orders them:");
    for (const s of scenarios) console.log(`- ${s.name}: ${s.minimum}`);
    console.log("\nIn a promotion environment the deploy function also reads this deployment's smoke result (one GetItem) each time the deploy queue redelivers the approval, and marks the stage Deployed only once it is passed (lambdas/deploy-approved/smokeGate.ts).");
}
