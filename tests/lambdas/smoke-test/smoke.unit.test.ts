/** smoke-test's handler logic with mocked clients (SageMaker, SageMaker Runtime, S3, DynamoDB, SNS). */
import { strict as assert } from "assert";
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient, ServiceUnavailable } from "@aws-sdk/client-sagemaker-runtime";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { handleEndpointEvent } from "../../../lambdas/smoke-test/smoke";
import type { SmokeSettings } from "../../../lambdas/smoke-test/settings";
import { RetryableError } from "../../../lambdas/shared/errors";
import { toItem, CURRENT_SK, endpointKey } from "../../../lambdas/shared/ledger";
import { snsPublisher } from "../../../lambdas/shared/publish";
import { loadEvent } from "../../fixtures/events";
import { recordingLogger } from "../world";
import { tarGz } from "./tarball";

const REGION = "us-west-2";
const sagemaker = new SageMakerClient({ region: REGION });
const runtime = new SageMakerRuntimeClient({ region: REGION });
const s3 = new S3Client({ region: REGION });
const dynamodb = new DynamoDBClient({ region: REGION });
const sns = new SNSClient({ region: REGION });
const sm = mockClient(sagemaker);
const rt = mockClient(runtime);
const s3m = mockClient(s3);
const ddb = mockClient(dynamodb);
const topic = mockClient(sns);

const ENDPOINT = "sagemaker-approval-gate-dev-endpoint";
const ARN = "arn:aws:sagemaker:us-west-2:123456789012:model-package/abalone-dev/3";
const CONFIG = "sagemaker-approval-gate-dev--v3-1a2b3c4d";
const settings: SmokeSettings = {
    environment: "dev",
    ledgerTableName: "ledger",
    endpointName: ENDPOINT,
    groupName: "abalone-dev",
    onFailure: "reject",
    payloads: [{ contentType: "text/csv", accept: "text/csv", body: "0,0,0,0,0,0,0,0,1,0" }],
    check: { kind: "numeric", min: 1, max: 30 },
    maxPayloads: 5,
};
const current = toItem(
    { endpointName: ENDPOINT, packageArn: ARN, groupName: "abalone-dev", version: 3, endpointConfigName: CONFIG, modelName: CONFIG, deployedAt: "2026-12-02T10:00:00Z", eventId: "approve-evt", kind: "deploy", outcome: "deployed" },
    CURRENT_SK,
);
let metrics: string[];
let smokeItem: Record<string, any> | undefined;

function event(status = "IN_SERVICE") {
    const e = loadEvent("endpoint-in-service");
    e.detail.EndpointName = ENDPOINT;
    e.detail.EndpointStatus = status;
    return e;
}

const deps = () => ({
    sagemaker,
    runtime,
    s3,
    dynamodb,
    publisher: snsPublisher(sns, "arn:aws:sns:us-west-2:123456789012:approvals"),
    logger: recordingLogger(),
    emitMetric: (l: string) => metrics.push(l),
    now: () => new Date("2026-12-02T10:30:00Z"),
    token: () => "run-1",
});

/** The endpoint serves `servedArn` on `config`; the package is Approved (optionally with a sample archive). */
function world(opts: { config?: string; servedArn?: string; sample?: Buffer; status?: string } = {}) {
    sm.on(DescribeEndpointCommand).resolves({ EndpointName: ENDPOINT, EndpointConfigName: opts.config ?? CONFIG, EndpointStatus: (opts.status ?? "InService") as never });
    sm.on(DescribeEndpointConfigCommand).resolves({ ProductionVariants: [{ VariantName: "AllTraffic", ModelName: CONFIG }] });
    sm.on(DescribeModelCommand).resolves({ PrimaryContainer: { ModelPackageName: opts.servedArn ?? ARN } });
    sm.on(DescribeModelPackageCommand).resolves({
        ModelPackageArn: ARN,
        ModelPackageGroupName: "abalone-dev",
        ModelApprovalStatus: "Approved",
        SamplePayloadUrl: opts.sample ? "s3://samples/abalone.tar.gz" : undefined,
        InferenceSpecification: { Containers: [], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
    } as never);
    sm.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
    if (opts.sample) s3m.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array(opts.sample!) } as never });
    // The ledger: CURRENT, and the smoke item as the code writes it (conditions evaluated like DynamoDB would).
    ddb.on(GetItemCommand).callsFake((input) => {
        if (input.Key.pk.S === endpointKey(ENDPOINT)) return { Item: current };
        return smokeItem ? { Item: smokeItem } : {};
    });
    ddb.on(PutItemCommand).callsFake((input) => {
        const cond: string | undefined = input.ConditionExpression;
        const now = Number(input.ExpressionAttributeValues?.[":now"]?.N ?? 0);
        const held = smokeItem && smokeItem.status.S === "testing";
        if (cond?.startsWith("attribute_not_exists") && smokeItem && !(held && Number(smokeItem.leaseUntil?.N) < now)) {
            throw new ConditionalCheckFailedException({ message: "held", $metadata: {} });
        }
        if (cond === "claimToken = :token" && smokeItem?.claimToken?.S !== input.ExpressionAttributeValues[":token"].S) {
            throw new ConditionalCheckFailedException({ message: "taken", $metadata: {} });
        }
        smokeItem = input.Item;
        return {};
    });
}

const answers = (...bodies: (string | Error)[]) => {
    let i = 0;
    rt.on(InvokeEndpointCommand).callsFake(() => {
        const next = bodies[Math.min(i++, bodies.length - 1)];
        if (next instanceof Error) throw next;
        return { Body: Buffer.from(next), ContentType: "text/csv" };
    });
};

const published = () => topic.commandCalls(PublishCommand).map((c) => c.args[0].input);

describe("smoke-test with mocked clients", () => {
    beforeEach(() => {
        sm.reset();
        rt.reset();
        s3m.reset();
        ddb.reset();
        topic.reset();
        topic.on(PublishCommand).resolves({});
        metrics = [];
        smokeItem = undefined;
    });

    it("pass: invokes the configured payload, records passed, tells the approvers in one line", async () => {
        world();
        answers("9.87");
        const result = await handleEndpointEvent(event(), settings, deps());
        assert.equal(result.outcome, "passed");
        const [call] = rt.commandCalls(InvokeEndpointCommand);
        assert.equal(call.args[0].input.EndpointName, ENDPOINT);
        assert.equal(call.args[0].input.ContentType, "text/csv");
        assert.equal(call.args[0].input.Accept, "text/csv");
        assert.equal(Buffer.from(call.args[0].input.Body as Uint8Array).toString(), "0,0,0,0,0,0,0,0,1,0");
        assert.equal(smokeItem?.pk.S, `SMOKE#${ARN}`);
        assert.equal(smokeItem?.sk.S, `DEPLOYMENT#${CONFIG}`);
        assert.equal(smokeItem?.status.S, "passed");
        assert.equal(smokeItem?.notified.BOOL, true);
        assert.equal(smokeItem?.deploymentEventId.S, "approve-evt");
        const [msg] = published();
        assert.equal(msg.Subject, `[dev] Smoke test passed: abalone-dev v3 on ${ENDPOINT}`);
        assert.equal(msg.Message!.split("\n").length, 1);
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
    });

    it("fail: records the failing payload and answer, rejects the version with a comment, tells the approvers, emits the metric", async () => {
        world();
        answers("not-a-number");
        const result = await handleEndpointEvent(event(), settings, deps());
        assert.equal(result.outcome, "failed");
        assert.equal(smokeItem?.status.S, "failed");
        assert.equal(smokeItem?.failingPayload.S, "config[0]");
        assert.match(smokeItem?.failingAnswer.S, /HTTP 200 text\/csv "not-a-number"/);
        assert.match(smokeItem?.failingRequest.S, /text\/csv "0,0,0,0,0,0,0,0,1,0"/);
        const [update] = sm.commandCalls(UpdateModelPackageCommand);
        assert.equal(update.args[0].input.ModelApprovalStatus, "Rejected");
        assert.equal(update.args[0].input.ModelPackageArn, ARN);
        assert.match(update.args[0].input.ApprovalDescription!, /^Rejected by the smoke test after its deployment to sagemaker-approval-gate-dev-endpoint \(dev\).*config\[0\]: the answer "not-a-number" is not numeric/);
        const [msg] = published();
        assert.equal(msg.Subject, `[dev] SMOKE TEST FAILED: abalone-dev v3 on ${ENDPOINT}`);
        assert.match(msg.Message!, /set Rejected .* rolls the endpoint back/);
        assert.equal(JSON.parse(metrics[0]).SmokeTestFailed, 1);
    });

    it("fail with onFailure alert: recorded and told, not rejected", async () => {
        world();
        answers("99");
        const result = await handleEndpointEvent(event(), { ...settings, onFailure: "alert" }, deps());
        assert.equal(result.outcome, "failed");
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
        assert.match(published()[0].Message!, /NOT rejected and is STILL SERVING/);
    });

    it("a ModelError (424) is the version's answer: failed, with the container's status", async () => {
        world();
        answers(new ModelError({ message: "Received server error (500) from primary", OriginalStatusCode: 500, OriginalMessage: "boom", $metadata: { httpStatusCode: 424 } }));
        const result = await handleEndpointEvent(event(), settings, deps());
        assert.equal(result.outcome, "failed");
        assert.match(smokeItem?.reason.S, /^HTTP 424 \(ModelError: the model answered 500 "boom"\)/);
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 1);
    });

    it("throttling or 5xx from the runtime is retried: RetryableError, the lease given back, nothing recorded or rejected", async () => {
        world();
        answers(new ServiceUnavailable({ message: "busy", $metadata: { httpStatusCode: 503 } }));
        await assert.rejects(handleEndpointEvent(event(), settings, deps()), RetryableError);
        assert.equal(smokeItem?.status.S, "testing");
        assert.equal(smokeItem?.leaseUntil.N, "0");
        assert.equal(published().length, 0);
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
        // The retry takes the released lease over and tests.
        answers("5");
        assert.equal((await handleEndpointEvent(event(), settings, deps())).outcome, "passed");
    });

    it("a duplicate event runs no second test; a run still holding the lease blocks a duplicate too", async () => {
        world();
        answers("5");
        await handleEndpointEvent(event(), settings, deps());
        const again = await handleEndpointEvent(event(), settings, deps());
        assert.equal(again.outcome, "duplicate");
        assert.equal(rt.commandCalls(InvokeEndpointCommand).length, 1);
        assert.equal(published().length, 1);
        smokeItem = { ...smokeItem, status: { S: "testing" }, leaseUntil: { N: String(Date.parse("2026-12-02T10:35:00Z") / 1000) } };
        assert.equal((await handleEndpointEvent(event(), settings, deps())).outcome, "duplicate");
    });

    it("a result recorded but not announced (SNS failed) is announced by the retry, without testing again", async () => {
        world();
        answers("not-a-number");
        topic.on(PublishCommand).rejectsOnce(Object.assign(new Error("throttled"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }));
        await assert.rejects(handleEndpointEvent(event(), settings, deps()), RetryableError);
        assert.equal(smokeItem?.status.S, "failed");
        assert.equal(smokeItem?.notified.BOOL, false);
        sm.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: ARN, ModelPackageGroupName: "abalone-dev", ModelApprovalStatus: "Rejected" });
        const retry = await handleEndpointEvent(event(), settings, deps());
        assert.equal(retry.outcome, "failed");
        assert.equal(rt.commandCalls(InvokeEndpointCommand).length, 1, "not tested again");
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 1, "rejected once");
        assert.equal(smokeItem?.notified.BOOL, true);
    });

    it("a stale event is not tested: the endpoint runs another config, another version, or is not InService", async () => {
        for (const [opts, why] of [
            [{ config: "other-config" }, /runs other-config, not the ledger's/],
            [{ servedArn: "arn:aws:sagemaker:us-west-2:123456789012:model-package/abalone-dev/2" }, /serves .*abalone-dev\/2, not the ledger's v3/],
            [{ status: "Updating" }, /is Updating now/],
        ] as const) {
            sm.reset();
            world(opts);
            answers("5");
            const result = await handleEndpointEvent(event(), settings, deps());
            assert.equal(result.outcome, "stale");
            assert.match((result as { reason: string }).reason, why);
        }
        assert.equal(rt.commandCalls(InvokeEndpointCommand).length, 0);
        assert.equal(published().length, 0);
    });

    it("uses the version's SamplePayloadUrl archive, with its declared content types, over the configured payloads", async () => {
        world({ sample: tarGz({ "a.csv": "1,1", "b.csv": "2,2" }) });
        answers("5", "6");
        assert.equal((await handleEndpointEvent(event(), settings, deps())).outcome, "passed");
        const bodies = rt.commandCalls(InvokeEndpointCommand).map((c) => Buffer.from(c.args[0].input.Body as Uint8Array).toString());
        assert.deepEqual(bodies, ["1,1", "2,2"]);
        assert.deepEqual(s3m.commandCalls(GetObjectCommand)[0].args[0].input, { Bucket: "samples", Key: "abalone.tar.gz" });
    });

    it("an unusable sample archive is refused clearly: not-run, recorded, told, not rejected", async () => {
        world({ sample: Buffer.from("not gzip") });
        const result = await handleEndpointEvent(event(), settings, deps());
        assert.equal(result.outcome, "not-run");
        assert.equal(smokeItem?.status.S, "not-run");
        assert.match(published()[0].Subject!, /Smoke test NOT RUN/);
        assert.match(published()[0].Message!, /not a gzip'd tar archive/);
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
        assert.equal(JSON.parse(metrics[0]).SmokeTestNotRun, 1);
    });

    it("other endpoints and non-InService states are ignored; a malformed event is reported once", async () => {
        world();
        assert.equal((await handleEndpointEvent(event("UPDATING"), settings, deps())).outcome, "ignored");
        const bad = event();
        delete bad.detail.EndpointName;
        assert.equal((await handleEndpointEvent(bad, settings, deps())).outcome, "ignored");
        assert.match(published()[0].Subject!, /malformed endpoint event/);
        assert.equal(sm.commandCalls(DescribeEndpointCommand).length, 0);
    });
});
