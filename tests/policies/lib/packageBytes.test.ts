import * as assert from "assert";
import { BatchGetImageCommand } from "@aws-sdk/client-ecr";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { artifactTargets, observeArtifacts } from "../../../policies/lib/artifactPins";
import { PackageBytesLookup, type AwsSender, type BytesService } from "../../../policies/lib/packageBytes";

const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** Fake DynamoDB, S3 and ECR that count what they are sent and remember with which region. */
function fakes(ecrAnswer?: (input: any) => Promise<any>) {
    const sent: { service: BytesService; region?: string; command: string; input: any }[] = [];
    const clientFor = (service: BytesService, region: string | undefined): AwsSender => ({
        async send(command: any) {
            sent.push({ service, region, command: command.constructor.name, input: command.input });
            if (command instanceof QueryCommand) return { Items: [] };
            if (command instanceof HeadObjectCommand) return { VersionId: "v1", ETag: "\"e\"" };
            if (command instanceof BatchGetImageCommand) {
                if (ecrAnswer) return ecrAnswer(command.input);
                const tags = (command.input.imageIds ?? []).map((id) => id.imageTag ?? "");
                return { images: tags.map((imageTag) => ({ imageId: { imageTag, imageDigest: digest(imageTag.slice(1).padStart(1, "0").slice(-1)) } })), failures: [] };
            }
            throw new Error(`unexpected ${command.constructor.name}`);
        },
    });
    return { sent, clientFor };
}

const packageWith = (image: string, uri: string) => ({ InferenceSpecification: { Containers: [{ Image: image, ModelDataUrl: uri }] } });

describe("policies/lib/packageBytes", () => {
    it("resolves each distinct tag once (BatchGetImage, the pull API), however many packages use it", async () => {
        const { sent, clientFor } = fakes();
        const bytes = new PackageBytesLookup({ clientFor });
        const ctx = bytes.pinsContext({ table: "ledger", region: "us-east-1" }, "us-east-1");
        const observe = (i: number) => observeArtifacts(ctx.s3, ctx.ecr, artifactTargets(packageWith(`${REGISTRY}/serve:v${i % 5}`, `s3://b/m/${i}/model.tar.gz`)), { cache: ctx.observationCache });
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => observe(i)));
        assert.deepStrictEqual(results.map((r) => r.images[0].status === "resolved" && r.images[0].digest), Array.from({ length: 20 }, (_, i) => digest(String(i % 5))));
        const lookups = sent.filter((s) => s.command === "BatchGetImageCommand");
        assert.deepStrictEqual(lookups.map((s) => [s.input.repositoryName, s.input.registryId, s.input.imageIds]).sort(), [0, 1, 2, 3, 4].map((i) => ["serve", "123456789012", [{ imageTag: `v${i}` }]]));
        assert.deepStrictEqual(bytes.calls, { Query: 0, HeadObject: 20, BatchGetImage: 5 });
        // the same artifact and tag again: cached
        await observe(3);
        assert.deepStrictEqual(bytes.calls, { Query: 0, HeadObject: 20, BatchGetImage: 5 });
    });

    it("a tag ECR reports as not found is missing; a failed lookup is every sharer's failure, and is not repeated", async () => {
        const missing = fakes(async (input) => ({ images: [], failures: input.imageIds.map((imageId: unknown) => ({ imageId, failureCode: "ImageNotFound", failureReason: "Requested image not found" })) }));
        let ctx = new PackageBytesLookup({ clientFor: missing.clientFor }).pinsContext({ table: "t", region: "us-east-1" }, "us-east-1");
        let observed = await observeArtifacts(ctx.s3, ctx.ecr, artifactTargets(packageWith(`${REGISTRY}/serve:v1`, "s3://b/k")), { cache: ctx.observationCache });
        assert.strictEqual(observed.images[0].status, "missing");
        const throttled = fakes(async () => { throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }); });
        const bytes = new PackageBytesLookup({ clientFor: throttled.clientFor });
        ctx = bytes.pinsContext({ table: "t", region: "us-east-1" }, "us-east-1");
        const both = await Promise.all(["a", "b"].map((key) => observeArtifacts(ctx.s3, ctx.ecr, artifactTargets(packageWith(`${REGISTRY}/serve:v1`, `s3://b/${key}`)), { cache: ctx.observationCache })));
        assert.deepStrictEqual(both.map((o) => o.images[0].status === "unverified" && o.images[0].kind), ["throttled", "throttled"]);
        assert.strictEqual(bytes.calls.BatchGetImage, 1, "the failed lookup is not repeated for the second package");
    });

    it("reads pins once per (ledger, package), in the ledger's region; S3 in the package's region, ECR in the image's", async () => {
        const { sent, clientFor } = fakes(async () => ({ images: [{ imageId: { imageTag: "v1", imageDigest: digest("1") } }], failures: [] }));
        const bytes = new PackageBytesLookup({ clientFor });
        const ledger = { table: "sagemaker-approval-gate-prod-deployments", region: "eu-west-1" };
        const arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1";
        await Promise.all([bytes.pins(arn, ledger), bytes.pins(arn, ledger), bytes.pins(arn, ledger)]);
        const ctx = bytes.pinsContext(ledger, "us-east-1");
        await ctx.readPins(arn);
        await observeArtifacts(ctx.s3, ctx.ecr, artifactTargets(packageWith("123456789012.dkr.ecr.us-west-2.amazonaws.com/serve:v1", "s3://b/k")), { cache: ctx.observationCache });
        assert.deepStrictEqual(sent.map((s) => `${s.service} ${s.region}`).sort(), ["dynamodb eu-west-1", "ecr us-west-2", "s3 us-east-1"]);
        assert.strictEqual(sent[0].input.TableName, "sagemaker-approval-gate-prod-deployments");
    });
});
