import * as assert from "assert";
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
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
            if (command instanceof DescribeImagesCommand) {
                if (ecrAnswer) return ecrAnswer(command.input);
                if (command.input.imageIds) throw new Error("a tag lookup: the pack lists the repository instead");
                const first = !command.input.nextToken;
                return first
                    ? { imageDetails: Array.from({ length: 10 }, (_, i) => ({ imageTags: [`v${i}`], imageDigest: digest(String(i)) })), nextToken: "page-2" }
                    : { imageDetails: Array.from({ length: 10 }, (_, i) => ({ imageTags: [`v${i + 10}`], imageDigest: digest("f") })) };
            }
            throw new Error(`unexpected ${command.constructor.name}`);
        },
    });
    return { sent, clientFor };
}

const packageWith = (image: string, uri: string) => ({ InferenceSpecification: { Containers: [{ Image: image, ModelDataUrl: uri }] } });

describe("policies/lib/packageBytes", () => {
    it("answers every tag of a repository from one listing (its pages), however many packages use it", async () => {
        const { sent, clientFor } = fakes();
        const bytes = new PackageBytesLookup({ clientFor });
        const ctx = bytes.pinsContext({ table: "ledger", region: "us-east-1" }, "us-east-1");
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
            observeArtifacts(ctx.s3, ctx.ecr, artifactTargets(packageWith(`${REGISTRY}/serve:v${i}`, `s3://b/m/${i}/model.tar.gz`)), { cache: ctx.observationCache })));
        assert.deepStrictEqual(results.map((r) => r.images[0].status === "resolved" && r.images[0].digest), Array.from({ length: 20 }, (_, i) => (i < 10 ? digest(String(i)) : digest("f"))));
        const listings = sent.filter((s) => s.command === "DescribeImagesCommand");
        assert.deepStrictEqual(listings.map((s) => [s.input.repositoryName, s.input.registryId, s.input.filter, s.input.nextToken]), [["serve", "123456789012", { tagStatus: "TAGGED" }, undefined], ["serve", "123456789012", { tagStatus: "TAGGED" }, "page-2"]]);
        assert.deepStrictEqual(bytes.calls, { Query: 0, HeadObject: 20, DescribeImages: 2 });
        // the same artifact again: cached
        await observeArtifacts(ctx.s3, ctx.ecr, artifactTargets(packageWith(`${REGISTRY}/serve:v3`, "s3://b/m/3/model.tar.gz")), { cache: ctx.observationCache });
        assert.deepStrictEqual(bytes.calls, { Query: 0, HeadObject: 20, DescribeImages: 2 });
    });

    it("a tag missing from the listing is missing; a failed listing is every caller's failure", async () => {
        const missing = fakes(async () => ({ imageDetails: [{ imageTags: ["other"], imageDigest: digest("1") }] }));
        let ctx = new PackageBytesLookup({ clientFor: missing.clientFor }).pinsContext({ table: "t", region: "us-east-1" }, "us-east-1");
        let observed = await observeArtifacts(ctx.s3, ctx.ecr, artifactTargets(packageWith(`${REGISTRY}/serve:v1`, "s3://b/k")), { cache: ctx.observationCache });
        assert.strictEqual(observed.images[0].status, "missing");
        const throttled = fakes(async () => { throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }); });
        const bytes = new PackageBytesLookup({ clientFor: throttled.clientFor });
        ctx = bytes.pinsContext({ table: "t", region: "us-east-1" }, "us-east-1");
        const both = await Promise.all(["v1", "v2"].map((tag) => observeArtifacts(ctx.s3, ctx.ecr, artifactTargets(packageWith(`${REGISTRY}/serve:${tag}`, `s3://b/${tag}`)), { cache: ctx.observationCache })));
        assert.deepStrictEqual(both.map((o) => o.images[0].status === "unverified" && o.images[0].kind), ["throttled", "throttled"]);
        assert.strictEqual(bytes.calls.DescribeImages, 1, "the failed listing is not repeated for the second tag");
    });

    it("reads pins once per (ledger, package), in the ledger's region; S3 in the package's region, ECR in the image's", async () => {
        const { sent, clientFor } = fakes(async () => ({ imageDetails: [{ imageTags: ["v1"], imageDigest: digest("1") }] }));
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
