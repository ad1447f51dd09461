import * as assert from "assert";
import { describePinChanges, type PackagePins } from "../../../policies/lib/artifactPins";
import { parseTamperEvent, pinIndexKeys, tamperChange } from "../../../policies/lib/tamperEvents";
import { loadEvent } from "../../fixtures/events";

// The documented samples' bucket, key, account, region and repository, pinned as a registered version would be.
const IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name:latest";
const PUSHED = "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234";
const PINS: PackagePins = {
    packageArn: "arn:aws:sagemaker:us-west-2:123456789012:model-package/g/7",
    pinnedAt: "2021-11-11T00:00:00Z",
    artifacts: [{ uri: "s3://DOC-EXAMPLE-BUCKET1/example-key", bucket: "DOC-EXAMPLE-BUCKET1", key: "example-key", versionId: "pinned-version", etag: "pinned-etag" }],
    images: [
        { image: IMAGE, digest: `sha256:${"a".repeat(64)}`, digestSource: "ecr" },
        { image: `123456789012.dkr.ecr.us-west-2.amazonaws.com/other@sha256:${"b".repeat(64)}`, digest: `sha256:${"b".repeat(64)}`, digestSource: "uri" },
    ],
};

describe("policies/lib/tamperEvents", () => {
    it("indexes a version by its artifacts and its tag-referenced ECR images", () => {
        assert.deepStrictEqual(pinIndexKeys(PINS), ["ARTIFACT#s3://DOC-EXAMPLE-BUCKET1/example-key", "IMAGE#123456789012/us-west-2/my-repository-name:latest"]);
    });

    it("an S3 Object Created event on a pinned key is an overwrite, named with old and new identity", () => {
        const event = parseTamperEvent(loadEvent("s3-object-created"))!;
        assert.deepStrictEqual(event, {
            kind: "artifact",
            indexKeys: ["ARTIFACT#s3://DOC-EXAMPLE-BUCKET1/example-key"],
            uri: "s3://DOC-EXAMPLE-BUCKET1/example-key",
            change: "created",
            versionId: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
            etag: "b1946ac92492d2347c6235b4d2611184",
            reason: "PutObject",
        });
        const change = tamperChange(event, PINS.artifacts[0])!;
        assert.strictEqual(
            describePinChanges([change]),
            'example-key s3://DOC-EXAMPLE-BUCKET1/example-key overwritten: pinned version pinned-version etag "pinned-etag", now version IYV3p45BT0ac8hjHg1houSdS1a.Mro8e etag "b1946ac92492d2347c6235b4d2611184", by PutObject',
        );
    });

    it("the registration write itself (same version id) is no change", () => {
        const event = parseTamperEvent(loadEvent("s3-object-created"))!;
        assert.strictEqual(tamperChange(event, { ...PINS.artifacts[0], versionId: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e" }), undefined);
    });

    it("an S3 Object Deleted event (delete marker) is a deletion; a permanent delete of another version is not", () => {
        const event = parseTamperEvent(loadEvent("s3-object-deleted"))!;
        assert.ok(event.kind === "artifact" && event.change === "deleted" && event.deletionType === "Delete Marker Created");
        assert.strictEqual(tamperChange(event, PINS.artifacts[0])?.what, "deleted");
        const permanent = { ...event, deletionType: "Permanently Deleted" };
        assert.strictEqual(tamperChange(permanent, PINS.artifacts[0]), undefined);
        assert.strictEqual(tamperChange({ ...permanent, versionId: "pinned-version" }, PINS.artifacts[0])?.what, "deleted");
    });

    it("an ECR push that moves a pinned tag is tag-moved; a push of the pinned digest is not", () => {
        const event = parseTamperEvent(loadEvent("ecr-image-push"))!;
        assert.deepStrictEqual(event, { kind: "image", indexKeys: ["IMAGE#123456789012/us-west-2/my-repository-name:latest"], repository: "my-repository-name", tag: "latest", digest: PUSHED, action: "PUSH" });
        assert.deepStrictEqual(tamperChange(event, PINS.images[0]), { what: "tag-moved", uri: IMAGE, pinned: { digest: PINS.images[0].digest }, now: { digest: PUSHED } });
        assert.strictEqual(tamperChange(event, { ...PINS.images[0], digest: PUSHED }), undefined);
    });

    it("an ECR delete of a pinned tag means the image is gone", () => {
        const event = parseTamperEvent(loadEvent("ecr-image-delete"))!;
        assert.strictEqual(tamperChange(event, PINS.images[0])?.what, "image-missing");
    });

    it("ignores events that cannot change a pinned identity", () => {
        const push = loadEvent("ecr-image-push");
        assert.strictEqual(parseTamperEvent({ ...push, detail: { ...push.detail, result: "FAILURE" } }), undefined);
        assert.strictEqual(parseTamperEvent({ ...push, detail: { ...push.detail, "image-tag": "" } }), undefined);
        assert.strictEqual(parseTamperEvent(loadEvent("model-package-pending")), undefined);
        assert.strictEqual(parseTamperEvent({}), undefined);
    });

    it("looks a key up as sent and URL-decoded (S3 encodes keys in classic notifications; the EventBridge page is silent)", () => {
        const created = loadEvent("s3-object-created");
        created.detail.object.key = "models/my+model%281%29.tar.gz";
        assert.deepStrictEqual(parseTamperEvent(created)?.indexKeys, [
            "ARTIFACT#s3://DOC-EXAMPLE-BUCKET1/models/my+model%281%29.tar.gz",
            "ARTIFACT#s3://DOC-EXAMPLE-BUCKET1/models/my model(1).tar.gz",
        ]);
        created.detail.object.key = "models/100%.tar.gz";
        assert.deepStrictEqual(parseTamperEvent(created)?.indexKeys, ["ARTIFACT#s3://DOC-EXAMPLE-BUCKET1/models/100%.tar.gz"]);
    });
});
