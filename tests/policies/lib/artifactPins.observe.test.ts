import * as assert from "assert";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient, type ImageFailureCode } from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { awsErrorKind } from "../../../policies/lib/awsErrors";
import { artifactTargets, newObservationCache, observeArtifacts, verifyPins, type EcrSender, type S3Sender } from "../../../policies/lib/artifactPins";
import { ACCEPTED_MANIFEST_MEDIA_TYPES } from "../../../policies/lib/artifactObserve";

const REG = "111111111111.dkr.ecr.us-east-1.amazonaws.com";
const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

const s3 = new S3Client({ region: "us-east-1" });
const ecr = new ECRClient({ region: "us-east-1" });
const s3Mock = mockClient(s3);
const ecrMock = mockClient(ecr);

/** A BatchGetImage answer: the manifests of these tags (imageId carries the tag asked for and the digest). */
const pulled = (...found: [string, string][]) => ({ images: found.map(([imageTag, imageDigest]) => ({ registryId: "111111111111", repositoryName: "serve", imageId: { imageTag, imageDigest }, imageManifest: "{}" })), failures: [] });

const awsError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} (message text is never inspected)`), { name, ...extra });

const targets = artifactTargets({
    InferenceSpecification: {
        Containers: [
            { Image: `${REG}/serve:v1`, ModelDataUrl: "s3://b/a/model.tar.gz" },
            { Image: `${REG}/serve:v2`, ModelDataUrl: "s3://b/c/model.tar.gz" },
            { Image: `${REG}/other@${D2}` },
            { Image: "registry.example.com/serve:v1" },
        ],
    },
} as any);

describe("policies/lib/artifactObserve (aws-sdk-client-mock)", () => {
    beforeEach(() => {
        s3Mock.reset();
        ecrMock.reset();
    });

    it("makes one HeadObject per artifact and one BatchGetImage per ECR repository (the pull API, never DescribeImages); none for digest URIs or other registries", async () => {
        s3Mock.on(HeadObjectCommand).callsFake((input) => ({ VersionId: `v-${input.Key}`, ETag: '"e"' }));
        ecrMock.on(BatchGetImageCommand).resolves(pulled(["v1", D1], ["v2", D1]));
        const observed = await observeArtifacts(s3, ecr, targets);
        assert.strictEqual(s3Mock.commandCalls(HeadObjectCommand).length, 2);
        // No ChecksumMode and no VersionId: the HEAD needs s3:GetObject only, no kms:Decrypt (docs/artifact-integrity.md).
        assert.deepStrictEqual(s3Mock.commandCalls(HeadObjectCommand)[0].args[0].input, { Bucket: "b", Key: "a/model.tar.gz" });
        const pulls = ecrMock.commandCalls(BatchGetImageCommand);
        assert.strictEqual(pulls.length, 1);
        assert.strictEqual(ecrMock.commandCalls(DescribeImagesCommand).length, 0);
        assert.deepStrictEqual(pulls[0].args[0].input, {
            registryId: "111111111111",
            repositoryName: "serve",
            imageIds: [{ imageTag: "v1" }, { imageTag: "v2" }],
            acceptedMediaTypes: [...ACCEPTED_MANIFEST_MEDIA_TYPES],
        });
        assert.deepStrictEqual(observed.artifacts, [
            { uri: "s3://b/a/model.tar.gz", status: "present", versionId: "v-a/model.tar.gz", etag: "e" },
            { uri: "s3://b/c/model.tar.gz", status: "present", versionId: "v-c/model.tar.gz", etag: "e" },
        ]);
        assert.deepStrictEqual(observed.images.map((i) => [i.image, i.status]), [
            [`${REG}/serve:v1`, "resolved"],
            [`${REG}/serve:v2`, "resolved"],
            [`${REG}/other@${D2}`, "resolved"],
            ["registry.example.com/serve:v1", "unverified"],
        ]);
    });

    it("carries HeadObject's LastModified as an ISO string (pinPackage compares it with the registration time), and omits it when S3 gives none", async () => {
        s3Mock.on(HeadObjectCommand, { Key: "a/model.tar.gz" }).resolves({ VersionId: "v", ETag: '"e"', LastModified: new Date("2026-12-02T10:00:05Z") });
        s3Mock.on(HeadObjectCommand, { Key: "c/model.tar.gz" }).resolves({ VersionId: "v", ETag: '"e"' });
        ecrMock.on(BatchGetImageCommand).resolves(pulled(["v1", D1], ["v2", D1]));
        const observed = await observeArtifacts(s3, ecr, targets);
        assert.deepStrictEqual(observed.artifacts, [
            { uri: "s3://b/a/model.tar.gz", status: "present", versionId: "v", etag: "e", lastModified: "2026-12-02T10:00:05.000Z" },
            { uri: "s3://b/c/model.tar.gz", status: "present", versionId: "v", etag: "e" },
        ]);
    });

    it("runs the lookups in parallel", async () => {
        const latency = 80;
        let inFlight = 0;
        let maxInFlight = 0;
        const slow = (answer: unknown): S3Sender & EcrSender => ({
            async send() {
                inFlight += 1;
                maxInFlight = Math.max(maxInFlight, inFlight);
                await new Promise((r) => setTimeout(r, latency));
                inFlight -= 1;
                return answer;
            },
        });
        const started = Date.now();
        await observeArtifacts(slow({ VersionId: "v", ETag: '"e"' }), slow({ images: [], failures: [] }), targets);
        assert.strictEqual(maxInFlight, 3);
        assert.ok(Date.now() - started < latency * 2.5, `took ${Date.now() - started} ms`);
    });

    it("turns S3 throttling, denial, 5xx and timeouts into explicit 'could not verify', never intact", async () => {
        const cases: [unknown, string][] = [
            [awsError("SlowDown", { $fault: "server", $metadata: { httpStatusCode: 503 }, $retryable: { throttling: true } }), "throttled"],
            [awsError("Forbidden", { $fault: "client", $metadata: { httpStatusCode: 403 } }), "access-denied"],
            [awsError("InternalError", { $fault: "server", $metadata: { httpStatusCode: 500 } }), "unavailable"],
            [awsError("TimeoutError"), "timed-out"],
            [awsError("SomethingNew", { $fault: "client", $metadata: { httpStatusCode: 400 } }), "invalid"],
            [awsError("SomethingNew"), "unknown"],
        ];
        for (const [error, kind] of cases) {
            s3Mock.reset();
            s3Mock.on(HeadObjectCommand).rejects(error as Error);
            ecrMock.on(BatchGetImageCommand).resolves(pulled(["v1", D1], ["v2", D1]));
            const observed = await observeArtifacts(s3, ecr, targets);
            const first = observed.artifacts[0];
            assert.ok(first.status === "unverified" && first.kind === kind, `${(error as Error).name} → ${JSON.stringify(first)}`);
            const verdict = verifyPins(
                { packageArn: "arn", pinnedAt: "t", artifacts: targets.artifacts.map((a) => ({ uri: a.uri, bucket: a.bucket, key: a.key, versionId: "v", etag: "e" })), images: [] },
                { artifacts: observed.artifacts, images: [] },
            );
            assert.ok(!verdict.intact && !verdict.tampered);
            assert.strictEqual(verdict.retryable, kind === "throttled" || kind === "unavailable" || kind === "timed-out", kind);
        }
    });

    it("gives up after timeoutMs when S3 does not answer", async () => {
        const hanging: S3Sender = { send: () => new Promise(() => undefined) };
        ecrMock.on(BatchGetImageCommand).resolves(pulled(["v1", D1], ["v2", D1]));
        const started = Date.now();
        const observed = await observeArtifacts(hanging, ecr, targets, { timeoutMs: 50 });
        assert.ok(Date.now() - started < 1000);
        assert.ok(observed.artifacts.every((a) => a.status === "unverified" && a.kind === "timed-out"));
    });

    it("reads a 404 HeadObject as deleted, and says whether a delete marker hides it", async () => {
        s3Mock.on(HeadObjectCommand).rejects(awsError("NotFound", { $fault: "client", $metadata: { httpStatusCode: 404 }, $response: { headers: { "x-amz-delete-marker": "true" } } }) as Error);
        ecrMock.on(BatchGetImageCommand).resolves({ images: [], failures: [] });
        const observed = await observeArtifacts(s3, ecr, targets);
        assert.deepStrictEqual(observed.artifacts[0], { uri: "s3://b/a/model.tar.gz", status: "deleted", deleteMarker: true });
    });

    it("classifies ECR throttling and denial, and a missing repository as missing", async () => {
        s3Mock.on(HeadObjectCommand).resolves({ VersionId: "v", ETag: '"e"' });
        ecrMock.on(BatchGetImageCommand).rejects(awsError("ThrottlingException", { $fault: "client", $metadata: { httpStatusCode: 400 } }) as Error);
        let observed = await observeArtifacts(s3, ecr, targets);
        assert.ok(observed.images.slice(0, 2).every((i) => i.status === "unverified" && i.kind === "throttled"));
        ecrMock.reset();
        ecrMock.on(BatchGetImageCommand).rejects(awsError("AccessDeniedException", { $fault: "client", $metadata: { httpStatusCode: 400 } }) as Error);
        observed = await observeArtifacts(s3, ecr, targets);
        assert.ok(observed.images.slice(0, 2).every((i) => i.status === "unverified" && i.kind === "access-denied"));
        ecrMock.reset();
        ecrMock.on(BatchGetImageCommand).rejects(awsError("RepositoryNotFoundException", { $fault: "client" }) as Error);
        observed = await observeArtifacts(s3, ecr, targets);
        assert.ok(observed.images.slice(0, 2).every((i) => i.status === "missing"));
    });

    it("reads failures[] of the one call: ImageNotFound is missing, any other code is 'could not verify', an absent answer too", async () => {
        s3Mock.on(HeadObjectCommand).resolves({ VersionId: "v", ETag: '"e"' });
        ecrMock.on(BatchGetImageCommand).resolves({
            images: pulled(["v1", D1]).images,
            failures: [{ imageId: { imageTag: "v2" }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }],
        });
        let observed = await observeArtifacts(s3, ecr, targets);
        assert.strictEqual(ecrMock.commandCalls(BatchGetImageCommand).length, 1, "a missing tag costs no second call");
        assert.deepStrictEqual(observed.images.slice(0, 2).map((i) => i.status), ["resolved", "missing"]);
        const kinds: Record<string, string> = { UpstreamTooManyRequests: "throttled", UpstreamUnavailable: "unavailable", UpstreamAccessDenied: "access-denied", KmsError: "unknown", ImageTagDoesNotMatchDigest: "unknown", SomethingNew: "unknown" };
        for (const [failureCode, kind] of Object.entries(kinds)) {
            ecrMock.reset();
            ecrMock.on(BatchGetImageCommand).resolves({ images: pulled(["v1", D1]).images, failures: [{ imageId: { imageTag: "v2" }, failureCode: failureCode as ImageFailureCode, failureReason: "r" }] });
            observed = await observeArtifacts(s3, ecr, targets);
            const v2 = observed.images[1];
            assert.ok(v2.status === "unverified" && /BatchGetImage serve:v2: r \(/.test(v2.detail), `${failureCode} → ${JSON.stringify(v2)}`);
            assert.strictEqual(v2.kind, kind, failureCode);
        }
        ecrMock.reset();
        ecrMock.on(BatchGetImageCommand).resolves({ images: pulled(["v1", D1]).images, failures: [] });
        observed = await observeArtifacts(s3, ecr, targets);
        assert.ok(observed.images[1].status === "unverified" && observed.images[1].kind === "unknown", "neither an image nor a failure for v2: never guessed missing");
    });

    it("takes the digest of the image whose tag was asked for, lower-cased, even when one answer holds several images", async () => {
        s3Mock.on(HeadObjectCommand).resolves({ VersionId: "v", ETag: '"e"' });
        ecrMock.on(BatchGetImageCommand).resolves(pulled(["v2", D2], ["v1", D1.toUpperCase().replace("SHA256", "sha256")]));
        const observed = await observeArtifacts(s3, ecr, targets);
        assert.deepStrictEqual(observed.images.slice(0, 2).map((i) => (i.status === "resolved" ? i.digest : i.status)), [D1, D2]);
    });

    it("never looks an image up in another region's ECR (where it would look deleted)", async () => {
        s3Mock.on(HeadObjectCommand).resolves({ VersionId: "v", ETag: '"e"' });
        ecrMock.on(BatchGetImageCommand).resolves(pulled(["v1", D1], ["v2", D1]));
        const observed = await observeArtifacts(s3, ecr, targets, { ecrRegion: "eu-west-1" });
        assert.strictEqual(ecrMock.commandCalls(BatchGetImageCommand).length, 0);
        assert.ok(observed.images.slice(0, 2).every((i) => i.status === "unverified" && i.kind === "other-region"));
        const regions: string[] = [];
        await observeArtifacts(s3, (region) => (regions.push(region), ecr), targets);
        assert.deepStrictEqual(regions, ["us-east-1"]);
    });

    it("with a shared cache, many packages cost one lookup per distinct artifact and repository, concurrent or not", async () => {
        s3Mock.on(HeadObjectCommand).resolves({ VersionId: "v", ETag: '"e"' });
        ecrMock.on(BatchGetImageCommand).resolves(pulled(["v1", D1], ["v2", D1]));
        const cache = newObservationCache();
        const all = await Promise.all(Array.from({ length: 500 }, () => observeArtifacts(s3, ecr, targets, { cache })));
        await observeArtifacts(s3, ecr, targets, { cache });
        assert.strictEqual(s3Mock.commandCalls(HeadObjectCommand).length, 2);
        assert.strictEqual(ecrMock.commandCalls(BatchGetImageCommand).length, 1);
        assert.ok(all.every((o) => o.images[0].status === "resolved" && o.artifacts.length === 2));
        await observeArtifacts(s3, ecr, targets);
        assert.strictEqual(s3Mock.commandCalls(HeadObjectCommand).length, 4, "without the cache, each call looks again");
    });

    it("classifies failures with awsErrors' one classifier (no twin): by name, $retryable, status and $fault, never the message", async () => {
        const cases: [unknown, string][] = [
            [awsError("X", { $retryable: { throttling: true } }), "throttled"],
            [awsError("X", { $metadata: { httpStatusCode: 429 } }), "throttled"],
            [awsError("X", { $fault: "server" }), "unavailable"],
            [awsError("AbortError"), "timed-out"],
            [Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "unavailable"],
            [Object.assign(new Error("Access Denied, throttled, timed out"), { name: "Weird" }), "unknown"],
        ];
        for (const [error, kind] of cases) {
            s3Mock.reset();
            s3Mock.on(HeadObjectCommand).rejects(error as Error);
            const observed = await observeArtifacts(s3, ecr, { artifacts: targets.artifacts.slice(0, 1), images: [] });
            assert.deepStrictEqual((observed.artifacts[0] as { kind?: string }).kind, kind, String((error as Error).name));
            assert.strictEqual(awsErrorKind(error), kind, "the same kind awsErrors gives");
        }
    });
});
