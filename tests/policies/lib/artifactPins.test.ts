import * as assert from "assert";
import {
    artifactTargets,
    describePinChanges,
    describePins,
    parseImageUri,
    pinPackage,
    verifyPins,
    type Observations,
    type PackagePins,
} from "../../../policies/lib/artifactPins";
import { loadEvent } from "../../fixtures/events";

const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/g/7";
const IMG = "111111111111.dkr.ecr.us-east-1.amazonaws.com/serve:v1";
const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const NOW = "2026-12-02T00:00:00.000Z";

function pkg(container: Record<string, unknown>, more: Record<string, unknown>[] = []) {
    return { InferenceSpecification: { Containers: [container, ...more] as any } };
}

const PINS: PackagePins = {
    packageArn: ARN,
    pinnedAt: NOW,
    artifacts: [{ uri: "s3://b/k/model.tar.gz", bucket: "b", key: "k/model.tar.gz", versionId: "v1", etag: "x" }],
    images: [{ image: IMG, digest: D1, digestSource: "ecr" }],
};
const untouched = (): Observations => ({
    artifacts: [{ uri: "s3://b/k/model.tar.gz", status: "present", versionId: "v1", etag: "x" }],
    images: [{ image: IMG, status: "resolved", digest: D1, source: "ecr" }],
});

describe("policies/lib/artifactPins", () => {
    describe("artifactTargets", () => {
        it("finds the artifact and the SageMaker-recorded digest of the documented registration event", () => {
            const detail = loadEvent("model-package-pending").detail;
            const targets = artifactTargets(detail);
            assert.strictEqual(targets.artifacts.length, 1);
            assert.strictEqual(targets.artifacts[0].role, "ModelDataUrl");
            assert.strictEqual(targets.artifacts[0].bucket, "sagemaker-project-p-idy6c3e1fiqj");
            assert.ok(targets.artifacts[0].key.endsWith("/output/model.tar.gz"));
            assert.strictEqual(targets.images.length, 1);
            assert.strictEqual(targets.images[0].recordedDigest, "sha256:4dc8a7e4a010a19bb9e0a6b063f355393f6e623603361bd8b105f554d4f0c004");
            assert.deepStrictEqual(targets.images[0].ref.ecr, { registryId: "257758044811", region: "us-east-2" });
        });

        it("lists every data source of every container once, with the ETags the package records", () => {
            const targets = artifactTargets(
                pkg(
                    {
                        Image: IMG,
                        ModelDataUrl: "s3://b/a/model.tar.gz",
                        ModelDataETag: '"e0"',
                        AdditionalModelDataSources: [{ ChannelName: "draft", S3DataSource: { S3Uri: "s3://b/draft/", S3DataType: "S3Prefix", CompressionType: "None" } }],
                    },
                    [
                        { Image: IMG, ModelDataSource: { S3DataSource: { S3Uri: "s3://b/u/weights.bin", S3DataType: "S3Object", CompressionType: "None", ETag: "e1", ManifestS3Uri: "s3://b/u/manifest.csv", ManifestEtag: "m1" } } },
                        { Image: `${IMG}@${D2}`, ModelDataUrl: "s3://b/a/model.tar.gz" },
                    ],
                ),
            );
            assert.deepStrictEqual(
                targets.artifacts.map((a) => [a.uri, a.role, a.prefix, a.recordedEtag ?? null, a.channel ?? null]),
                [
                    ["s3://b/a/model.tar.gz", "ModelDataUrl", false, "e0", null],
                    ["s3://b/draft/", "AdditionalModelDataSource", true, null, "draft"],
                    ["s3://b/u/weights.bin", "ModelDataSource", false, "e1", null],
                    ["s3://b/u/manifest.csv", "ModelDataSource", false, "m1", "manifest"],
                ],
            );
            assert.deepStrictEqual(targets.images.map((i) => i.image), [IMG, `${IMG}@${D2}`]);
        });

        it("names the field, the value and the fix for a location it cannot pin", () => {
            assert.throws(() => artifactTargets(pkg({ Image: IMG, ModelDataUrl: "https://example.com/model.tar.gz" })), /Containers\[0\]\.ModelDataUrl is "https:\/\/example.com\/model.tar.gz".*s3:\/\/bucket\/key/);
            assert.throws(() => artifactTargets(pkg({ Image: "serve:v1" })), /Containers\[0\]\.Image is "serve:v1"/);
        });
    });

    describe("artifactTargets: packages whose bytes cannot be named", () => {
        it("refuses a package with no inference containers: nothing would be pinned, so nothing could be verified", () => {
            assert.throws(() => artifactTargets({}), /no InferenceSpecification\.Containers.*nothing to pin/);
            assert.throws(() => artifactTargets({ InferenceSpecification: { Containers: [] } as any }), /no InferenceSpecification\.Containers/);
        });

        it("refuses a package built on a source algorithm: its model data and image come from elsewhere", () => {
            const onAlgorithm = {
                ...pkg({ Image: `${IMG}@${D1}`, ModelDataUrl: "s3://b/k/model.tar.gz" }),
                SourceAlgorithmSpecification: { SourceAlgorithms: [{ AlgorithmName: "my-algo", ModelDataUrl: "s3://b/algo/model.tar.gz" }] },
            };
            assert.throws(() => artifactTargets(onAlgorithm as any), /SourceAlgorithmSpecification.*my-algo.*cannot be pinned/);
        });
    });

    describe("verifyPins: empty pins", () => {
        it("never calls a version intact when nothing was pinned", () => {
            const verdict = verifyPins({ ...PINS, artifacts: [], images: [] }, { artifacts: [], images: [] });
            assert.ok(!verdict.intact && !verdict.retryable);
            assert.deepStrictEqual(verdict.changes.map((c) => c.what), ["unpinned"]);
        });
    });

    describe("parseImageUri", () => {
        it("reads tag, digest and ECR registry", () => {
            assert.deepStrictEqual(parseImageUri(IMG), { registry: "111111111111.dkr.ecr.us-east-1.amazonaws.com", repository: "serve", tag: "v1", ecr: { registryId: "111111111111", region: "us-east-1" } });
            assert.strictEqual(parseImageUri("111111111111.dkr.ecr.us-east-1.amazonaws.com/team/serve")?.tag, "latest");
            const pinned = parseImageUri(`111111111111.dkr.ecr.us-east-1.amazonaws.com/serve:v1@${D1}`)!;
            assert.strictEqual(pinned.digest, D1);
            assert.strictEqual(pinned.tag, "v1");
            assert.strictEqual(parseImageUri("registry.example.com:5000/serve:v1")?.ecr, undefined);
            assert.strictEqual(parseImageUri("registry.example.com:5000/serve:v1")?.tag, "v1");
            assert.strictEqual(parseImageUri(`r.example.com/serve@sha256:short`), undefined);
        });
    });

    describe("pinPackage", () => {
        const targets = artifactTargets(pkg({ Image: IMG, ModelDataUrl: "s3://b/k/model.tar.gz" }));

        it("pins version id and ETag, and the ECR digest of a tag SageMaker recorded no digest for", () => {
            const outcome = pinPackage(ARN, targets, untouched(), NOW);
            assert.deepStrictEqual(outcome, { pinned: true, pins: PINS });
        });

        it("prefers the digest SageMaker recorded, and refuses to pin when the tag already moved away from it", () => {
            const recorded = artifactTargets(pkg({ Image: IMG, ImageDigest: D1, ModelDataUrl: "s3://b/k/model.tar.gz" }));
            const ok = pinPackage(ARN, recorded, untouched(), NOW);
            assert.ok(ok.pinned && ok.pins.images[0].digestSource === "sagemaker");
            const moved: Observations = { ...untouched(), images: [{ image: IMG, status: "resolved", digest: D2, source: "ecr" }] };
            const refused = pinPackage(ARN, recorded, moved, NOW);
            assert.ok(!refused.pinned && /now resolves to sha256:2+ but SageMaker recorded sha256:1+/.test(refused.problems[0]));
        });

        it("pins a digest-pinned URI as itself, and records a tag outside ECR as having no digest", () => {
            const t = artifactTargets(pkg({ Image: `${IMG}@${D2}`, ModelDataUrl: "s3://b/k/model.tar.gz" }, [{ Image: "registry.example.com/serve:v1" }]));
            const obs: Observations = {
                artifacts: untouched().artifacts,
                images: [
                    { image: `${IMG}@${D2}`, status: "resolved", digest: D2, source: "uri" },
                    { image: "registry.example.com/serve:v1", status: "unverified", kind: "not-ecr", detail: "not ECR" },
                ],
            };
            const outcome = pinPackage(ARN, t, obs, NOW);
            assert.ok(outcome.pinned);
            assert.deepStrictEqual(outcome.pins.images, [
                { image: `${IMG}@${D2}`, digest: D2, digestSource: "uri" },
                { image: "registry.example.com/serve:v1", digestSource: "none" },
            ]);
        });

        it("refuses to pin what it could not observe, what is missing, and an ETag that disagrees with the package", () => {
            const throttled: Observations = { ...untouched(), artifacts: [{ uri: "s3://b/k/model.tar.gz", status: "unverified", kind: "throttled", detail: "SlowDown" }] };
            const a = pinPackage(ARN, targets, throttled, NOW);
            assert.ok(!a.pinned && /could not be observed \(throttled: SlowDown\)/.test(a.problems[0]));
            const gone: Observations = { ...untouched(), artifacts: [{ uri: "s3://b/k/model.tar.gz", status: "deleted", deleteMarker: true }] };
            const b = pinPackage(ARN, targets, gone, NOW);
            assert.ok(!b.pinned && /does not exist/.test(b.problems[0]));
            const claimed = artifactTargets(pkg({ Image: IMG, ModelDataUrl: "s3://b/k/model.tar.gz", ModelDataETag: "other" }));
            const c = pinPackage(ARN, claimed, untouched(), NOW);
            assert.ok(!c.pinned && /has ETag "x" but the package records "other"/.test(c.problems[0]));
        });
    });

    describe("pinPackage against the registration time (bytes written after registration)", () => {
        const targets = artifactTargets(pkg({ Image: IMG, ModelDataUrl: "s3://b/k/model.tar.gz" }));
        const REGISTERED = new Date("2026-12-02T10:00:00.250Z");
        const modifiedAt = (lastModified?: string): Observations => ({
            ...untouched(),
            artifacts: [{ uri: "s3://b/k/model.tar.gz", status: "present", versionId: "v1", etag: "x", ...(lastModified ? { lastModified } : {}) }],
        });

        it("refuses to pin an artifact written after the package was registered, naming both times and the fix", () => {
            const outcome = pinPackage(ARN, targets, modifiedAt("2026-12-02T10:00:02.000Z"), NOW, { registeredAt: REGISTERED });
            assert.ok(!outcome.pinned);
            assert.strictEqual(outcome.problems.length, 1);
            assert.strictEqual(
                outcome.problems[0],
                "s3://b/k/model.tar.gz was last modified at 2026-12-02T10:00:02.000Z, after the package was registered at 2026-12-02T10:00:00.250Z: " +
                    "these may not be the bytes that were registered; re-register the version from the pipeline's untouched output",
            );
        });

        it("pins an artifact written in the same second as the registration (S3's LastModified has whole seconds)", () => {
            const outcome = pinPackage(ARN, targets, modifiedAt("2026-12-02T10:00:00.000Z"), NOW, { registeredAt: REGISTERED });
            assert.ok(outcome.pinned, JSON.stringify(outcome));
            const sameSecondLater = pinPackage(ARN, targets, modifiedAt("2026-12-02T10:00:00.000Z"), NOW, { registeredAt: new Date("2026-12-02T10:00:00.000Z") });
            assert.ok(sameSecondLater.pinned);
        });

        it("allows one second of slack: a LastModified rounded up to the next second, or another service's clock, is not a late write", () => {
            // moto rounded a PutObject at 15:45:24.9 to 15:45:25, after a registration at 15:45:24.962.
            assert.ok(pinPackage(ARN, targets, modifiedAt("2026-12-02T10:00:01.000Z"), NOW, { registeredAt: REGISTERED }).pinned);
            assert.ok(!pinPackage(ARN, targets, modifiedAt("2026-12-02T10:00:02.000Z"), NOW, { registeredAt: REGISTERED }).pinned);
        });

        it("pins an artifact written before the registration, and records no time in the pins", () => {
            const outcome = pinPackage(ARN, targets, modifiedAt("2026-12-02T09:59:59.000Z"), NOW, { registeredAt: REGISTERED });
            assert.deepStrictEqual(outcome, { pinned: true, pins: PINS });
            assert.ok(pinPackage(ARN, targets, modifiedAt("2026-12-02T09:59:59.000Z"), NOW, { registeredAt: REGISTERED.toISOString() }).pinned, "an ISO string is accepted too");
        });

        it("with a registration time, refuses an artifact whose LastModified S3 did not send (S3 always sends it; an answer without it is not understood)", () => {
            const outcome = pinPackage(ARN, targets, modifiedAt(undefined), NOW, { registeredAt: REGISTERED });
            assert.ok(!outcome.pinned && /s3:\/\/b\/k\/model\.tar\.gz: S3 sent no Last-Modified/.test(outcome.problems[0]), JSON.stringify(outcome));
        });

        it("an unreadable registration time is a problem, never a skipped check", () => {
            const outcome = pinPackage(ARN, targets, modifiedAt("2026-12-02T09:59:59.000Z"), NOW, { registeredAt: "not a time" });
            assert.ok(!outcome.pinned && /registration time "not a time" is not a time/.test(outcome.problems[0]), JSON.stringify(outcome));
        });
    });

    describe("verifyPins", () => {
        it("is intact when every identity is unchanged", () => {
            assert.deepStrictEqual(verifyPins(PINS, untouched()), { intact: true });
        });

        it("reports an overwrite (new version id, new ETag) as tampering, with old and new identity", () => {
            const obs: Observations = { ...untouched(), artifacts: [{ uri: "s3://b/k/model.tar.gz", status: "present", versionId: "v2", etag: "y" }] };
            const verdict = verifyPins(PINS, obs);
            assert.ok(!verdict.intact && verdict.tampered && !verdict.retryable);
            assert.deepStrictEqual(verdict.changes, [{ what: "overwritten", uri: "s3://b/k/model.tar.gz", pinned: { versionId: "v1", etag: "x" }, now: { versionId: "v2", etag: "y" } }]);
            assert.strictEqual(describePinChanges(verdict.changes), 'model.tar.gz s3://b/k/model.tar.gz overwritten: pinned version v1 etag "x", now version v2 etag "y"');
        });

        it("reports a new version with the same ETag too (someone wrote the key)", () => {
            const obs: Observations = { ...untouched(), artifacts: [{ uri: "s3://b/k/model.tar.gz", status: "present", versionId: "v2", etag: "x" }] };
            const verdict = verifyPins(PINS, obs);
            assert.ok(!verdict.intact && verdict.changes[0].what === "overwritten");
        });

        it("reports a deleted artifact and a moved tag", () => {
            const obs: Observations = {
                artifacts: [{ uri: "s3://b/k/model.tar.gz", status: "deleted", deleteMarker: true }],
                images: [{ image: IMG, status: "resolved", digest: D2, source: "ecr" }],
            };
            const verdict = verifyPins(PINS, obs);
            assert.ok(!verdict.intact && verdict.tampered);
            assert.deepStrictEqual(verdict.changes.map((c) => c.what), ["deleted", "tag-moved"]);
            assert.strictEqual(
                describePinChanges(verdict.changes),
                `model.tar.gz s3://b/k/model.tar.gz deleted: pinned version v1 etag "x", now deleted; image ${IMG} tag moved: pinned ${D1}, now ${D2}`,
            );
        });

        it("refuses an image without any digest as unpinned, but passes a digest-pinned URI without a lookup", () => {
            const pins: PackagePins = { ...PINS, images: [{ image: "r.example.com/serve:v1", digestSource: "none" }, { image: `${IMG}@${D2}`, digest: D2, digestSource: "uri" }] };
            const verdict = verifyPins(pins, { artifacts: untouched().artifacts, images: [] });
            assert.ok(!verdict.intact && !verdict.tampered && !verdict.retryable);
            assert.deepStrictEqual(verdict.changes.map((c) => [c.what, c.uri]), [["unpinned", "r.example.com/serve:v1"]]);
        });

        it("never calls a failed lookup intact: throttling is retryable, access denied is not", () => {
            const throttled: Observations = { ...untouched(), images: [{ image: IMG, status: "unverified", kind: "throttled", detail: "ThrottlingException" }] };
            const a = verifyPins(PINS, throttled);
            assert.ok(!a.intact && !a.tampered && a.retryable && a.changes[0].what === "unverified");
            const denied: Observations = { ...untouched(), artifacts: [{ uri: "s3://b/k/model.tar.gz", status: "unverified", kind: "access-denied", detail: "AccessDenied" }] };
            const b = verifyPins(PINS, denied);
            assert.ok(!b.intact && !b.tampered && !b.retryable);
            assert.match(describePinChanges(b.changes), /could not be verified: pinned version v1 etag "x", access-denied: AccessDenied/);
            const missing = verifyPins(PINS, { artifacts: [], images: [] });
            assert.ok(!missing.intact && missing.changes.every((c) => c.what === "unverified"));
        });

        it("refuses a target the package points at now but that was never pinned", () => {
            const obs: Observations = { ...untouched(), artifacts: [...untouched().artifacts, { uri: "s3://b/extra.bin", status: "present", versionId: "v9", etag: "z" }] };
            const verdict = verifyPins(PINS, obs);
            assert.ok(!verdict.intact);
            assert.deepStrictEqual(verdict.changes.map((c) => [c.what, c.uri]), [["unpinned", "s3://b/extra.bin"]]);
        });
    });

    it("describePins shows the approver what they approve", () => {
        assert.deepStrictEqual(describePins({ ...PINS, images: [...PINS.images, { image: "r.example.com/x:1", digestSource: "none" }] }), [
            'model.tar.gz s3://b/k/model.tar.gz: version v1 etag "x"',
            `image ${IMG}: ${D1} (from ecr)`,
            "image r.example.com/x:1: NO DIGEST (refused in production)",
        ]);
    });
});
