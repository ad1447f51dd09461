import { strict as assert } from "assert";
import { artifactChangePattern, imageChangePattern, keyPrefixOf, tamperPatterns, type FilteredEventPattern } from "../../../infra/events/tamperPatterns";
import { EVENT_FIXTURES, loadEvent, type EventFixture } from "../../fixtures/events";
import { matches } from "./matcher";
import { motoBus, type MotoBus } from "./motoBus";

/** The documented samples: S3 in account 111122223333 (bucket DOC-EXAMPLE-BUCKET1), ECR in 123456789012. */
const BUCKET = "DOC-EXAMPLE-BUCKET1";
const FOLDER = "abalone-pipeline-dev";
const ECR_ACCOUNT = "123456789012";
const RULES: Record<string, FilteredEventPattern> = tamperPatterns({ bucketName: BUCKET, outputFolder: FOLDER, accountId: ECR_ACCOUNT });

function variant(name: "s3-object-created" | "s3-object-deleted" | "ecr-image-push" | "ecr-image-delete", change: (e: EventFixture) => void): EventFixture {
    const event = loadEvent(name);
    change(event);
    return event;
}

const underOutputs = (e: EventFixture) => (e.detail.object.key = `${FOLDER}/exec-1/train/output/model.tar.gz`);

/** Each case: an event and the rules that must fire for it. */
const CASES: { label: string; event: EventFixture; fires: string[] }[] = [
    { label: "documented Object Created, key outside the outputs", event: loadEvent("s3-object-created"), fires: [] },
    { label: "documented Object Deleted, key outside the outputs", event: loadEvent("s3-object-deleted"), fires: [] },
    { label: "documented ECR PUSH", event: loadEvent("ecr-image-push"), fires: ["imageChanged"] },
    { label: "documented ECR DELETE", event: loadEvent("ecr-image-delete"), fires: ["imageChanged"] },
    { label: "Object Created under the outputs", event: variant("s3-object-created", underOutputs), fires: ["artifactChanged"] },
    { label: "Object Deleted under the outputs", event: variant("s3-object-deleted", underOutputs), fires: ["artifactChanged"] },
    { label: "Object Created, another bucket", event: variant("s3-object-created", (e) => (underOutputs(e), (e.detail.bucket.name = "another-bucket"))), fires: [] },
    { label: "Object Created, sibling folder sharing the name's start", event: variant("s3-object-created", (e) => (e.detail.object.key = `${FOLDER}-old/model.tar.gz`)), fires: [] },
    { label: "Object Created, the folder name in other case", event: variant("s3-object-created", (e) => (e.detail.object.key = `${FOLDER.toUpperCase()}/model.tar.gz`)), fires: [] },
    { label: "Object Created, the folder as a file", event: variant("s3-object-created", (e) => (e.detail.object.key = FOLDER)), fires: [] },
    { label: "Object Restore Completed under the outputs", event: variant("s3-object-created", (e) => (underOutputs(e), (e["detail-type"] = "Object Restore Completed"))), fires: [] },
    { label: "Object Created from another source", event: variant("s3-object-created", (e) => (underOutputs(e), (e.source = "my.app"))), fires: [] },
    { label: "ECR PUSH FAILURE", event: variant("ecr-image-push", (e) => (e.detail.result = "FAILURE")), fires: [] },
    { label: "ECR DELETE FAILURE", event: variant("ecr-image-delete", (e) => (e.detail.result = "FAILURE")), fires: [] },
    { label: "ECR PUSH of another account", event: variant("ecr-image-push", (e) => (e.account = "210987654321")), fires: [] },
    { label: "ECR PUSH, another action type", event: variant("ecr-image-push", (e) => (e.detail["action-type"] = "REPLICATE")), fires: [] },
    { label: "ECR scan event", event: variant("ecr-image-push", (e) => (e["detail-type"] = "ECR Image Scan")), fires: [] },
];

function firing(event: unknown): string[] {
    return Object.entries(RULES).filter(([, pattern]) => matches(pattern, event)).map(([name]) => name);
}

describe("infra/events/tamperPatterns", () => {
    it("watches only the pipeline's folder, with one trailing slash, and refuses to watch a whole bucket", () => {
        assert.equal(keyPrefixOf("abalone"), "abalone/");
        assert.equal(keyPrefixOf("/abalone//"), "abalone/");
        assert.equal(keyPrefixOf("a/b"), "a/b/");
        assert.throws(() => keyPrefixOf("/"), /artifact key prefix "\/" is empty; pass the pipeline's output folder/);
        assert.throws(() => artifactChangePattern(" ", "x"), /artifacts bucket name " " is empty/);
        assert.throws(() => imageChangePattern("12345"), /account id "12345" is not 12 digits/);
        assert.deepEqual(artifactChangePattern(BUCKET, FOLDER).detail, { bucket: { name: [BUCKET] }, object: { key: [{ prefix: `${FOLDER}/` }] } });
    });

    describe("with the faithful matcher", () => {
        for (const c of CASES) {
            it(`${c.label}: fires ${c.fires.join(", ") || "no rule"}`, () => assert.deepEqual(firing(c.event), c.fires));
        }
        it("the approval events fire neither rule", () => {
            for (const name of EVENT_FIXTURES) assert.deepEqual(firing(loadEvent(name)), [], name);
        });
    });

    describe("with moto's EventBridge (rule + SQS target + PutEvents)", function () {
        this.timeout(60_000);
        let moto: MotoBus;

        before(async () => {
            moto = await motoBus("tamper-bus", RULES);
        });

        it("routes the S3 cases as the matcher does (PutEvents cannot set `account`, so ECR is the matcher's alone)", async () => {
            const s3Cases = CASES.filter((c) => c.event.source !== "aws.ecr");
            const fired = await moto.routedAll(s3Cases.map((c) => c.event));
            s3Cases.forEach((c, i) => assert.deepEqual(fired[i], c.fires, c.label));
        });
    });
});
