import * as assert from "assert";
import type { PackagePins } from "../../../policies/lib/artifactPins";
import { parsePins, pinsKey, reverseIndexKey, serializePins, tamperedKey } from "../../../policies/lib/pinRecord";

const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/g/7";
const PINS: PackagePins = {
    packageArn: ARN,
    pinnedAt: "2026-12-02T00:00:00.000Z",
    artifacts: [
        { uri: "s3://b/k/model.tar.gz", bucket: "b", key: "k/model.tar.gz", versionId: "v1", etag: "x" },
        { uri: "s3://b/u/", bucket: "b", key: "u/" },
    ],
    images: [
        { image: "111111111111.dkr.ecr.us-east-1.amazonaws.com/serve:v1", digest: `sha256:${"1".repeat(64)}`, digestSource: "ecr" },
        { image: "r.example.com/serve:v1", digestSource: "none" },
    ],
};

describe("policies/lib/pinRecord", () => {
    it("keys pins, tamper markers and the reverse index in the ledger's pk/sk", () => {
        assert.deepStrictEqual(pinsKey(ARN), { pk: `PINS#${ARN}`, sk: "PINS" });
        assert.deepStrictEqual(tamperedKey(ARN, "2026-12-02T00:00:00Z", "e-1"), { pk: `PINS#${ARN}`, sk: "TAMPERED#2026-12-02T00:00:00Z#e-1" });
        assert.deepStrictEqual(reverseIndexKey("ARTIFACT#s3://b/k/model.tar.gz", ARN), { pk: "ARTIFACT#s3://b/k/model.tar.gz", sk: `PKG#${ARN}` });
    });

    it("round-trips pins, deterministically", () => {
        const json = serializePins(PINS);
        assert.strictEqual(json, serializePins(JSON.parse(JSON.stringify(PINS))));
        assert.deepStrictEqual(parsePins(json, ARN), PINS);
    });

    it("refuses a corrupt or foreign record, naming the field, the value and the fix", () => {
        const bad = (mutate: (r: any) => void) => {
            const record = JSON.parse(serializePins(PINS));
            mutate(record);
            return JSON.stringify(record);
        };
        assert.throws(() => parsePins("{", ARN), { name: "PinRecordError", message: /the record is "\{", expected JSON/ });
        assert.throws(() => parsePins(serializePins(PINS), ARN.replace("/7", "/8")), /packageArn is ".*\/7", expected ".*\/8"/);
        assert.throws(() => parsePins(bad((r) => (r.schema = 2)), ARN), /schema is 2, expected 1/);
        assert.throws(() => parsePins(bad((r) => (r.artifacts[0].etag = 5)), ARN), /artifacts\[0\]\.etag is 5, expected a string or absent/);
        assert.throws(() => parsePins(bad((r) => (r.images[0].digest = "sha256:abc")), ARN), /images\[0\]\.digest is "sha256:abc", expected sha256:<64 hex digits>.*re-register it/);
        assert.throws(() => parsePins(bad((r) => (r.images[1].digest = `sha256:${"2".repeat(64)}`)), ARN), /images\[1\]\.digest .* expected absent/);
        assert.throws(() => parsePins(bad((r) => (r.images[0].digestSource = "guess")), ARN), /digestSource is "guess"/);
    });
});
