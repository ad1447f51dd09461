import * as assert from "assert";
import { DescribeModelCommand, DescribeModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { describeModelFailure, RegistryLookup, type SageMakerSender } from "../../../policies/lib/registryLookup";

const ARN = (v: number) => `arn:aws:sagemaker:us-east-1:222222222222:model-package/g/${v}`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake SageMaker that answers after `latencyMs`, counts requests and the most in flight at once. */
function fakeSageMaker(latencyMs = 5) {
    const stats = { requests: 0, inFlight: 0, maxInFlight: 0, regions: new Set<string>() };
    const clientFor = (region: string | undefined): SageMakerSender => ({
        async send(command: unknown) {
            stats.requests += 1;
            stats.regions.add(region ?? "");
            stats.inFlight += 1;
            stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
            try {
                await delay(latencyMs);
                if (command instanceof DescribeModelCommand) {
                    if (command.input.ModelName === "missing") throw Object.assign(new Error("Could not find model \"missing\"."), { name: "ValidationException" });
                    return { ModelName: command.input.ModelName, PrimaryContainer: { ModelPackageName: ARN(1) } };
                }
                if (command instanceof DescribeModelPackageCommand) {
                    const arn = command.input.ModelPackageName!;
                    return { ModelPackageArn: arn, ModelPackageGroupName: "g", ModelApprovalStatus: "Approved", ModelPackageStatus: "Completed" };
                }
                throw new Error("unexpected command");
            } finally {
                stats.inFlight -= 1;
            }
        },
    });
    return { stats, clientFor };
}

describe("policies/lib/registryLookup", () => {
    it("describes each model and package once per process, and counts the calls it made", async () => {
        const { stats, clientFor } = fakeSageMaker();
        const lookup = new RegistryLookup({ clientFor });
        for (let i = 0; i < 3; i++) {
            assert.strictEqual((await lookup.describeModel("m")).found, true);
            assert.strictEqual((await lookup.checkPackage(ARN(1))).approved, true);
        }
        assert.strictEqual(stats.requests, 2);
        assert.deepStrictEqual(lookup.calls, { DescribeEndpointConfig: 0, DescribeModel: 1, DescribeModelPackage: 1 });
    });

    it("shares one request among concurrent asks for the same key", async () => {
        const { stats, clientFor } = fakeSageMaker(30);
        const lookup = new RegistryLookup({ clientFor });
        const verdicts = await Promise.all(Array.from({ length: 20 }, () => lookup.checkPackage(ARN(2))));
        assert.ok(verdicts.every((v) => v.approved));
        assert.strictEqual(stats.requests, 1);
    });

    it("keeps at most maxConcurrency requests in flight", async () => {
        const { stats, clientFor } = fakeSageMaker(20);
        const lookup = new RegistryLookup({ clientFor, maxConcurrency: 4 });
        await Promise.all(Array.from({ length: 30 }, (_, i) => lookup.checkPackage(ARN(i + 1))));
        assert.strictEqual(stats.requests, 30);
        assert.strictEqual(stats.maxInFlight, 4);
    });

    it("describes a package in the region of its ARN, and a model in the region asked", async () => {
        const { stats, clientFor } = fakeSageMaker();
        const lookup = new RegistryLookup({ clientFor });
        await lookup.checkPackage("arn:aws:sagemaker:eu-west-1:222222222222:model-package/g/1");
        await lookup.describeModel("m", "ap-south-1");
        assert.deepStrictEqual([...stats.regions].sort(), ["ap-south-1", "eu-west-1"]);
    });

    it("reports a missing model as not found, and caches that answer too", async () => {
        const { stats, clientFor } = fakeSageMaker();
        const lookup = new RegistryLookup({ clientFor });
        const first = await lookup.describeModel("missing");
        await lookup.describeModel("missing");
        assert.strictEqual(first.found, false);
        assert.ok(!first.found && first.notFound && /model "missing" was not found/.test(first.reason));
        assert.strictEqual(stats.requests, 1);
    });

    it("treats an empty answer as not verified (never as found), for models and endpoint configurations alike", async () => {
        let requests = 0;
        const lookup = new RegistryLookup({ clientFor: () => ({ send: async () => { requests += 1; return undefined; } }) });
        const model = await lookup.describeModel("m");
        const config = await lookup.describeEndpointConfig("c");
        await lookup.describeEndpointConfig("c");
        assert.ok(!model.found && !model.notFound && /DescribeModel\("m"\) returned nothing/.test(model.reason), JSON.stringify(model));
        assert.ok(!config.found && !config.notFound && /DescribeEndpointConfig\("c"\) returned nothing/.test(config.reason), JSON.stringify(config));
        assert.strictEqual(requests, 2);
        assert.deepStrictEqual(lookup.calls, { DescribeEndpointConfig: 1, DescribeModel: 1, DescribeModelPackage: 0 });
    });

    it("gives up after timeoutMs with a timeout that says so (fail closed)", async () => {
        const hang: SageMakerSender = {
            send: (_c, o) => new Promise((_, reject) => o?.abortSignal?.addEventListener("abort", () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })))),
        };
        const lookup = new RegistryLookup({ clientFor: () => hang, timeoutMs: 100 });
        const started = Date.now();
        const [model, verdict] = await Promise.all([lookup.describeModel("m"), lookup.checkPackage(ARN(1))]);
        assert.ok(Date.now() - started < 2_000);
        assert.ok(!model.found && /timed out \(TimeoutError: no answer within 100 ms/.test(model.reason), JSON.stringify(model));
        assert.strictEqual(verdict.approved, false);
        assert.match(verdict.reason, /approval could not be verified: the lookup timed out/);
    });

    it("starts the time budget when the request leaves the queue, not when it is asked", async () => {
        const { clientFor } = fakeSageMaker(60);
        const lookup = new RegistryLookup({ clientFor, maxConcurrency: 1, timeoutMs: 100 });
        const verdicts = await Promise.all([1, 2, 3, 4].map((v) => lookup.checkPackage(ARN(v))));
        assert.ok(verdicts.every((v) => v.approved), JSON.stringify(verdicts.filter((v) => !v.approved)));
    });

    it("classifies a failed describe by the error's kind, never by its message", () => {
        const failure = (name: string, message: string, extra: object = {}) => describeModelFailure("m", Object.assign(new Error(message), { name, ...extra }));
        // SageMaker's own "not found" for a model is a ValidationException; its wording is not what decides.
        assert.deepStrictEqual(failure("ValidationException", "Could not find model \"m\"."), { notFound: true, reason: 'model "m" was not found (ValidationException: Could not find model "m".)' });
        assert.strictEqual(failure("ResourceNotFound", "gone").notFound, true);
        assert.strictEqual(failure("Error", "Could not find model \"m\".").notFound, false, "words in a message are not a kind");
        assert.match(failure("ThrottlingException", "Rate exceeded", { $metadata: { attempts: 4 } }).reason, /^SageMaker throttled DescribeModel\("m"\) past its retries \(ThrottlingException \(4 attempts\)/);
        assert.match(failure("Error", "socket hang up", { code: "ETIMEDOUT" }).reason, /DescribeModel\("m"\) timed out/);
        assert.match(failure("AccessDeniedException", "the request timed out while authorizing").reason, /may not describe model "m".*grant sagemaker:DescribeModel$/);
        assert.match(failure("InternalFailure", "oops", { $fault: "server" }).reason, /^DescribeModel\("m"\) failed \(InternalFailure: oops\)/);
    });
});
