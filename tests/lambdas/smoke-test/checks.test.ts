/** The smoke test's pure parts: answer checks, JSON paths, sample payload archives, the endpoint event. */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkAnswer, parseJsonPath } from "../../../lambdas/smoke-test/checks";
import { readEndpointEvent } from "../../../lambdas/smoke-test/event";
import { archivePayloads, MAX_PAYLOAD_BYTES, parseSamplePayloadUrl, PayloadSourceError, untar } from "../../../lambdas/smoke-test/payloads";
import { settingsFromEnv } from "../../../lambdas/smoke-test/settings";
import { MalformedEventError } from "../../../lambdas/shared/errors";
import { loadEvent } from "../../fixtures/events";
import { tar, tarGz } from "./tarball";

const ok = (body: string, contentType = "text/csv") => ({ status: 200, contentType, body });

describe("smoke-test checks", () => {
    it("numeric: every value a finite number, within bounds", () => {
        assert.deepEqual(checkAnswer(ok("9.81"), "text/csv", { kind: "numeric" }), { pass: true });
        assert.deepEqual(checkAnswer(ok("9.8,10.2\n7"), "text/csv", { kind: "numeric", min: 1, max: 30 }), { pass: true });
        const nan = checkAnswer(ok("NaN"), "text/csv", { kind: "numeric" });
        assert.equal(nan.pass, false);
        assert.match((nan as { reason: string }).reason, /not numeric/);
        assert.match((checkAnswer(ok("42"), "text/csv", { kind: "numeric", max: 30 }) as { reason: string }).reason, /42 is above the maximum 30/);
        assert.match((checkAnswer(ok("-1"), "text/csv", { kind: "numeric", min: 0 }) as { reason: string }).reason, /-1 is below the minimum 0/);
        assert.match((checkAnswer(ok("  "), "text/csv", { kind: "numeric" }) as { reason: string }).reason, /empty/);
    });

    it("status and content type come first; charset parameters and * accept are fine", () => {
        const failed = checkAnswer({ status: 424, body: "boom", detail: "ModelError: the model answered 500" }, "text/csv", { kind: "numeric" });
        assert.match((failed as { reason: string }).reason, /^HTTP 424 \(ModelError: the model answered 500\): "boom"; expected 200/);
        assert.match((checkAnswer(ok("1", "application/json"), "text/csv", { kind: "numeric" }) as { reason: string }).reason, /content type "application\/json"; expected "text\/csv"/);
        assert.deepEqual(checkAnswer(ok("1", "text/csv; charset=utf-8"), "text/csv", { kind: "numeric" }), { pass: true });
        assert.deepEqual(checkAnswer(ok("1", "application/json"), "*/*", { kind: "numeric" }), { pass: true });
        assert.deepEqual(checkAnswer(ok("1", "application/json"), undefined, { kind: "numeric" }), { pass: true });
    });

    it("jsonPath: the value at the path is a number within bounds", () => {
        const body = JSON.stringify({ predictions: [{ score: 0.7 }, { score: "x" }] });
        const json = (b: string) => ok(b, "application/json");
        assert.deepEqual(checkAnswer(json(body), "application/json", { kind: "jsonPath", path: "predictions[0].score", min: 0, max: 1 }), { pass: true });
        assert.deepEqual(checkAnswer(json(body), "application/json", { kind: "jsonPath", path: "$.predictions[0].score" }), { pass: true });
        assert.match((checkAnswer(json(body), undefined, { kind: "jsonPath", path: "predictions[1].score" }) as { reason: string }).reason, /is "x"; expected a number/);
        assert.match((checkAnswer(json(body), undefined, { kind: "jsonPath", path: "predictions[2].score" }) as { reason: string }).reason, /is missing/);
        assert.match((checkAnswer(json(body), undefined, { kind: "jsonPath", path: "predictions[0].score", max: 0.5 }) as { reason: string }).reason, /0.7 is above the maximum 0.5/);
        assert.match((checkAnswer(json("not json"), undefined, { kind: "jsonPath", path: "a" }) as { reason: string }).reason, /is not JSON/);
        assert.deepEqual(parseJsonPath("a.b[0].c"), ["a", "b", 0, "c"]);
        assert.deepEqual(parseJsonPath("[1]"), [1]);
        assert.equal(parseJsonPath("a..b"), undefined);
        assert.equal(parseJsonPath(""), undefined);
    });
});

describe("smoke-test sample payload archives (SamplePayloadUrl: one .tar.gz of payload files)", () => {
    it("reads the files of a tar.gz in name order, skipping directories and macOS metadata, at most max", () => {
        const gz = tarGz({ "inputs/": "", "inputs/b.csv": "2,3", "inputs/a.csv": "1,2", "inputs/._a.csv": "junk", "c.csv": "3,4" });
        const payloads = archivePayloads("s3://b/p.tar.gz", gz, "text/csv", "text/csv", 2);
        assert.deepEqual(payloads.map((p) => [p.source, Buffer.from(p.body).toString()]), [["s3://b/p.tar.gz#c.csv", "3,4"], ["s3://b/p.tar.gz#inputs/a.csv", "1,2"]]);
        assert.equal(payloads[0].contentType, "text/csv");
    });

    it("reads what the system tar writes (pax/GNU headers, long names)", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-tar-"));
        const long = `${"x".repeat(120)}.csv`;
        fs.writeFileSync(path.join(dir, long), "5,6");
        fs.writeFileSync(path.join(dir, "short.csv"), "7,8");
        execFileSync("tar", ["czf", path.join(dir, "p.tar.gz"), "-C", dir, long, "short.csv"]);
        const payloads = archivePayloads("s3://b/p.tar.gz", fs.readFileSync(path.join(dir, "p.tar.gz")), "text/csv", undefined, 5);
        assert.deepEqual(payloads.map((p) => [p.source.split("#")[1], Buffer.from(p.body).toString()]), [["short.csv", "7,8"], [long, "5,6"]].sort());
        fs.rmSync(dir, { recursive: true });
    });

    it("refuses what is not documented: not gzip, not tar, empty, a file over InvokeEndpoint's limit, an https URL", () => {
        assert.throws(() => archivePayloads("s3://b/p.tar.gz", Buffer.from("plain"), "text/csv", undefined, 5), (e: Error) => e instanceof PayloadSourceError && /not a gzip'd tar/.test(e.message));
        assert.throws(() => untar(Buffer.concat([Buffer.from("garbage"), Buffer.alloc(600)])), /not a tar file/);
        assert.throws(() => archivePayloads("s3://b/p.tar.gz", tarGz({ "d/": "" }), "text/csv", undefined, 5), /holds no file/);
        assert.throws(() => untar(tar({ "a.csv": "12345" }).subarray(0, 514)), /truncated/);
        const big = tarGz({ "big.bin": "x".repeat(MAX_PAYLOAD_BYTES + 1) });
        assert.throws(() => archivePayloads("s3://b/p.tar.gz", big, "text/csv", undefined, 5), /big.bin is 6291457 bytes; InvokeEndpoint takes at most 6291456/);
        assert.throws(() => parseSamplePayloadUrl("https://example.com/p.tar.gz"), /only s3:\/\/ archives are read/);
        assert.deepEqual(parseSamplePayloadUrl("s3://bucket/a/p.tar.gz"), { bucket: "bucket", key: "a/p.tar.gz" });
    });
});

describe("smoke-test endpoint event (documented SageMaker Endpoint State Change sample)", () => {
    const sample = (name = "ep-1", status = "IN_SERVICE") => {
        const e = loadEvent("endpoint-in-service");
        e.detail.EndpointName = name;
        e.detail.EndpointStatus = status;
        return e;
    };

    it("acts on this endpoint InService, in the documented spelling and DescribeEndpoint's", () => {
        assert.deepEqual(readEndpointEvent(sample(), "ep-1"), { eventId: "d2921b5a-b0ad-cace-a8e3-0f159d018e06", endpointName: "ep-1", endpointConfigName: "MyEndpointConfig" });
        assert.equal((readEndpointEvent(sample("ep-1", "InService"), "ep-1") as { endpointName: string }).endpointName, "ep-1");
    });

    it("ignores other endpoints and other states; names the field of a malformed event", () => {
        assert.match((readEndpointEvent(sample("other"), "ep-1") as { ignored: string }).ignored, /about endpoint other/);
        assert.match((readEndpointEvent(sample("ep-1", "UPDATING"), "ep-1") as { ignored: string }).ignored, /is UPDATING/);
        const broken = sample();
        delete broken.detail.EndpointStatus;
        assert.throws(() => readEndpointEvent(broken, "ep-1"), (e: Error) => e instanceof MalformedEventError && e.field === "detail.EndpointStatus");
        assert.throws(() => readEndpointEvent({ ...sample(), "detail-type": "x" }, "ep-1"), (e: Error) => e instanceof MalformedEventError && e.field === "detail-type");
    });
});

describe("smoke-test settings", () => {
    const env = (smoke: unknown) => ({ ENVIRONMENT: "dev", LEDGER_TABLE_NAME: "t", ENDPOINT_NAME: "e", MODEL_PACKAGE_GROUP_NAME: "g", TOPIC_ARN: "arn", SMOKE_TEST: JSON.stringify(smoke) });
    it("reads SMOKE_TEST and refuses a malformed one by name", () => {
        const good = { onFailure: "reject", payloads: [{ contentType: "text/csv", body: "1" }], check: { kind: "numeric" }, maxPayloads: 5 };
        assert.equal(settingsFromEnv(env(good)).onFailure, "reject");
        assert.throws(() => settingsFromEnv(env({ ...good, onFailure: "rollback" })), /SMOKE_TEST is .*expected \{onFailure, payloads, check, maxPayloads\}/);
        assert.throws(() => settingsFromEnv({ ...env(good), SMOKE_TEST: "{" }), /SMOKE_TEST is not JSON/);
        assert.throws(() => settingsFromEnv({ ...env(good), ENDPOINT_NAME: "" }), /ENDPOINT_NAME is not set/);
    });
});
