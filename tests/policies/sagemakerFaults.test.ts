/**
 * The pack against a SageMaker that misbehaves, over the wire: a local JSON 1.1 endpoint (reached through
 * AWS_ENDPOINT_URL_SAGEMAKER like the real one) that throttles every call, or never answers. The SDK's
 * adaptive retries run for real; the verdict must still be "not verified", saying why, and the failed
 * lookup must not be repeated for every later reference.
 */
import * as assert from "assert";
import * as http from "http";
import { PolicyAnalyzer } from "../../cli/lib/policyAnalyzer";

const EC = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";

describe("policy pack against a throttling or silent SageMaker", function () {
    this.timeout(180_000);
    const requests: Record<string, number> = {};
    let server: http.Server;
    let pack: PolicyAnalyzer;
    const held: http.ServerResponse[] = [];
    /** The silent lookup, started with the throttled one as Pulumi sends many resources at once: the file waits its time budget once, alongside the retries. */
    let silent: { started: number; result: ReturnType<PolicyAnalyzer["analyze"]> };

    before(async () => {
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                const input = JSON.parse(body || "{}");
                const key = `${req.headers["x-amz-target"]}:${input.ModelName ?? input.ModelPackageName}`;
                requests[key] = (requests[key] ?? 0) + 1;
                if (String(input.ModelName).startsWith("silent-")) {
                    held.push(res); // never answers
                    return;
                }
                res.writeHead(400, { "Content-Type": "application/x-amz-json-1.1" });
                res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const { port } = server.address() as { port: number };
        pack = await PolicyAnalyzer.start({
            stack: "prod",
            dryRun: false,
            stackConfig: { "aws:region": "us-east-1" },
            env: { AWS_ENDPOINT_URL: "", AWS_ENDPOINT_URL_SAGEMAKER: `http://127.0.0.1:${port}`, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "t", AWS_SECRET_ACCESS_KEY: "t", AWS_SESSION_TOKEN: "" },
            policyConfig: { "approved-model-packages-only": { maxAttempts: 3, lookupTimeoutMs: 6_000 } },
        });
    });

    after(async () => {
        await pack?.close();
        held.forEach((r) => r.destroy());
        await new Promise((resolve) => server?.close(resolve));
    });

    const config = (modelName: string) => ({ type: EC, name: `cfg-${modelName}`, properties: { productionVariants: [{ variantName: "primary", modelName, initialInstanceCount: 1, instanceType: "ml.m5.large" }] } });

    before(() => {
        const started = Date.now();
        silent = { started, result: pack.analyze(config("silent-model")) };
        silent.result.catch(() => {}); // awaited by its test
    });

    it("retries a throttled lookup, then blocks saying SageMaker throttled it past its retries; later references reuse that answer", async () => {
        const first = await pack.analyze(config("busy-model"));
        const [d] = first.diagnostics;
        assert.strictEqual(d?.enforcementLevel, "mandatory", JSON.stringify(first));
        assert.match(d.message, /approval could not be verified: SageMaker throttled DescribeModel\("busy-model"\) past its retries \(ThrottlingException \(HTTP 400, 3 attempts\): Rate exceeded\)/);
        assert.strictEqual(requests["SageMaker.DescribeModel:busy-model"], 3, "maxAttempts requests, no more");
        const second = await pack.analyze(config("busy-model"));
        assert.strictEqual(second.diagnostics[0]?.enforcementLevel, "mandatory");
        assert.strictEqual(requests["SageMaker.DescribeModel:busy-model"], 3, "the failed lookup is not repeated");
    });

    it("blocks when SageMaker never answers, within the lookup's time budget", async () => {
        const r = await silent.result;
        assert.ok(Date.now() - silent.started < 15_000, `took ${Date.now() - silent.started} ms`);
        assert.strictEqual(r.diagnostics[0]?.enforcementLevel, "mandatory", JSON.stringify(r));
        assert.match(r.diagnostics[0].message, /approval could not be verified: DescribeModel\("silent-model"\) timed out \(TimeoutError: no answer within 6000 ms, retries included\)/);
    });
});
