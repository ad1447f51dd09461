/** out-of-band with mocked clients (DynamoDB, SNS), and its pure reader, classification, message and settings. */
import { strict as assert } from "assert";
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { classifyCall, callIdentity } from "../../../lambdas/out-of-band/calls";
import { readCloudTrailCall } from "../../../lambdas/out-of-band/event";
import { handleOutOfBandEvent } from "../../../lambdas/out-of-band/handle";
import { keyParameters, shortWho } from "../../../lambdas/out-of-band/message";
import { OUT_OF_BAND_METRIC, settingsFromEnv } from "../../../lambdas/out-of-band/settings";
import { auditKey, OUT_OF_BAND_AUDIT_PK, toAuditItem } from "../../../lambdas/shared/auditTrail";
import { MalformedEventError, RetryableError } from "../../../lambdas/shared/errors";
import { snsPublisher } from "../../../lambdas/shared/publish";
import { assumedRole, awsService, cloudtrailCall, FIXTURE_ACCOUNT, FIXTURE_DEPLOYED_PREFIX, FIXTURE_ENDPOINT, FIXTURE_PACKAGE_PREFIX, iamUser } from "../../fixtures/events/cloudTrail";
import { recordingLogger } from "../world";

const dynamodb = new DynamoDBClient({ region: "us-west-2" });
const sns = new SNSClient({ region: "us-west-2" });
const ddb = mockClient(dynamodb);
const topic = mockClient(sns);
const DEPLOY_ROLE_ARN = `arn:aws:iam::${FIXTURE_ACCOUNT}:role/sagemaker-approval-gate-prod-deploy-approved`;
const APPROVER_ARN = `arn:aws:iam::${FIXTURE_ACCOUNT}:role/ml-approver`;
const settings = {
    environment: "prod",
    ledgerTableName: "ledger",
    resources: { endpointName: FIXTURE_ENDPOINT, deployedNamePrefix: FIXTURE_DEPLOYED_PREFIX, modelPackageArnPrefix: FIXTURE_PACKAGE_PREFIX },
    trusted: { deployRoleArn: DEPLOY_ROLE_ARN, packageUpdaterArns: [APPROVER_ARN] },
};
const NOW = new Date("2026-12-02T18:00:00Z");
let metrics: string[];
let logger: ReturnType<typeof recordingLogger>;
const deps = () => ({ dynamodb, publisher: snsPublisher(sns, "arn:aws:sns:us-west-2:123456789012:approvals"), logger, emitMetric: (l: string) => metrics.push(l), now: () => NOW });
const admin = () => assumedRole("Admin", "mallory");

describe("out-of-band handler (mocked clients)", () => {
    beforeEach(() => {
        ddb.reset();
        topic.reset();
        metrics = [];
        logger = recordingLogger();
        ddb.on(GetItemCommand).resolves({});
        ddb.on(PutItemCommand).resolves({});
        topic.on(PublishCommand).resolves({ MessageId: "m-1" });
    });

    it("an administrator's UpdateEndpoint: records the call, publishes who did what to which resource, emits the metric, then marks it alerted", async () => {
        const event = cloudtrailCall("UpdateEndpoint", { identity: admin(), eventId: "evt-1" });
        const result = await handleOutOfBandEvent(event, settings, deps());
        assert.equal(result.outcome, "alerted");
        const puts = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
        assert.equal(puts.length, 2);
        assert.deepEqual({ pk: puts[0].Item!.pk, sk: puts[0].Item!.sk }, auditKey(event.detail.eventTime, "evt-1"));
        assert.equal(puts[0].Item!.pk.S, OUT_OF_BAND_AUDIT_PK);
        assert.equal(puts[0].ConditionExpression, "attribute_not_exists(pk)");
        assert.equal(puts[0].Item!.alertSentAt, undefined, "recorded before the message");
        assert.equal(puts[0].Item!.principal.S, "arn:aws:iam::123456789012:role/Admin");
        assert.equal(puts[0].Item!.callerArn.S, "arn:aws:sts::123456789012:assumed-role/Admin/mallory");
        assert.equal(puts[0].Item!.resource.S, FIXTURE_ENDPOINT);
        assert.equal(puts[0].Item!.sourceIPAddress.S, "127.0.0.1");
        assert.equal(puts[1].Item!.alertSentAt.S, NOW.toISOString());
        const published = topic.commandCalls(PublishCommand).map((c) => c.args[0].input);
        assert.equal(published.length, 1);
        assert.equal(published[0].Subject, `[prod] OUT-OF-BAND CHANGE: UpdateEndpoint ${FIXTURE_ENDPOINT} by Admin/mallory`);
        const body = published[0].Message!;
        assert.match(body, /Who: {3}arn:aws:sts::123456789012:assumed-role\/Admin\/mallory; session of arn:aws:iam::123456789012:role\/Admin; type AssumedRole/);
        assert.match(body, /What: {2}UpdateEndpoint \{"endpointName":"sagemaker-approval-gate-prod-endpoint","endpointConfigName":"hand-made-config"\}/);
        assert.match(body, /Which: sagemaker-approval-gate-prod-endpoint \(endpoint\)/);
        assert.match(body, /When: {2}2018-01-02T15:30:00Z in us-west-2, account 123456789012/);
        assert.match(body, /From: {2}source IP 127\.0\.0\.1, user agent USER_AGENT/);
        assert.match(body, /Result: succeeded/);
        assert.match(body, /aws cloudtrail lookup-events --region us-west-2 --lookup-attributes AttributeKey=EventId,AttributeValue=evt-1/);
        assert.match(body, /describe-endpoint --endpoint-name sagemaker-approval-gate-prod-endpoint/);
        assert.equal(metrics.length, 1);
        assert.equal(JSON.parse(metrics[0])[OUT_OF_BAND_METRIC], 1);
        assert.equal(JSON.parse(metrics[0]).Environment, "prod");
    });

    it("the deploy role's own call: ignored, nothing written, nothing published", async () => {
        const result = await handleOutOfBandEvent(cloudtrailCall("UpdateEndpoint", { identity: assumedRole("sagemaker-approval-gate-prod-deploy-approved") }), settings, deps());
        assert.equal(result.outcome, "ignored");
        assert.match((result as { reason: string }).reason, /a trusted principal/);
        assert.equal(ddb.calls().length, 0);
        assert.equal(topic.calls().length, 0);
        assert.deepEqual(metrics, []);
    });

    it("an approver's UpdateModelPackage is ignored, an approver's UpdateEndpoint alerts", async () => {
        const approver = () => assumedRole("ml-approver", "alice");
        assert.equal((await handleOutOfBandEvent(cloudtrailCall("UpdateModelPackage", { identity: approver() }), settings, deps())).outcome, "ignored");
        assert.equal(topic.calls().length, 0);
        assert.equal((await handleOutOfBandEvent(cloudtrailCall("UpdateEndpoint", { identity: approver() }), settings, deps())).outcome, "alerted");
        assert.equal(topic.calls().length, 1);
    });

    it("a failed call is an ATTEMPT, named with its error", async () => {
        const result = await handleOutOfBandEvent(cloudtrailCall("DeleteEndpoint", { identity: iamUser("bob"), extra: { errorCode: "AccessDenied", errorMessage: "User: bob is not authorized" } }), settings, deps());
        assert.equal(result.outcome, "alerted");
        const { subject, body } = result as { subject: string; body: string };
        assert.equal(subject, `[prod] OUT-OF-BAND ATTEMPT: DeleteEndpoint ${FIXTURE_ENDPOINT} by bob`);
        assert.match(body, /Result: FAILED with AccessDenied \(User: bob is not authorized\): nothing changed, but someone tried/);
        assert.equal(ddb.commandCalls(PutItemCommand)[0].args[0].input.Item!.errorCode.S, "AccessDenied");
    });

    it("a redelivered event already alerted: nothing published again", async () => {
        const event = cloudtrailCall("CreateModel", { identity: admin(), eventId: "evt-2" });
        ddb.on(GetItemCommand).resolves({ Item: toAuditItem({ eventId: "evt-2", eventTime: event.detail.eventTime, eventName: "CreateModel", principal: "p", resource: "r", parameters: "{}", alertSentAt: "2026-12-02T17:00:00.000Z" }) });
        const result = await handleOutOfBandEvent(event, settings, deps());
        assert.equal(result.outcome, "already-alerted");
        assert.equal(topic.calls().length, 0);
        assert.equal(ddb.commandCalls(PutItemCommand).length, 0);
    });

    it("a redelivery after a failed send: the record exists without alertSentAt, so the message goes out now (record not rewritten)", async () => {
        const event = cloudtrailCall("CreateModel", { identity: admin(), eventId: "evt-3" });
        ddb.on(GetItemCommand).resolves({ Item: toAuditItem({ eventId: "evt-3", eventTime: event.detail.eventTime, eventName: "CreateModel", principal: "p", resource: "r", parameters: "{}" }) });
        assert.equal((await handleOutOfBandEvent(event, settings, deps())).outcome, "alerted");
        assert.equal(topic.calls().length, 1);
        const puts = ddb.commandCalls(PutItemCommand);
        assert.equal(puts.length, 1);
        assert.equal(puts[0].args[0].input.Item!.alertSentAt.S, NOW.toISOString());
    });

    it("a concurrent copy wrote the record first: the conditional put's failure is fine, the alert still goes out", async () => {
        ddb.on(PutItemCommand, { ConditionExpression: "attribute_not_exists(pk)" }).rejects(new ConditionalCheckFailedException({ message: "exists", $metadata: {} }));
        assert.equal((await handleOutOfBandEvent(cloudtrailCall("CreateEndpoint", { identity: admin() }), settings, deps())).outcome, "alerted");
        assert.equal(topic.calls().length, 1);
    });

    it("throttled SNS: a RetryableError after the record was written (the retry sends it), not marked alerted", async () => {
        topic.on(PublishCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }));
        await assert.rejects(handleOutOfBandEvent(cloudtrailCall("UpdateEndpoint", { identity: admin() }), settings, deps()), RetryableError);
        const puts = ddb.commandCalls(PutItemCommand);
        assert.equal(puts.length, 1);
        assert.equal(puts[0].args[0].input.Item!.alertSentAt, undefined);
    });

    it("a malformed event: one error log naming the field, thrown (so it ends in the DLQ), nothing written or published", async () => {
        const event = cloudtrailCall("UpdateEndpoint");
        delete event.detail.eventID;
        await assert.rejects(handleOutOfBandEvent(event, settings, deps()), (e: unknown) => e instanceof MalformedEventError && /detail\.eventID is missing/.test(e.message));
        assert.equal(logger.lines.length, 1);
        assert.equal(logger.lines[0].level, "error");
        assert.equal(logger.lines[0].fields.field, "detail.eventID");
        assert.equal(ddb.calls().length + topic.calls().length, 0);
    });
});

describe("out-of-band pure parts", () => {
    it("readCloudTrailCall names the bad field and what it expects", () => {
        const bad = (change: (e: any) => void) => {
            const e = cloudtrailCall("UpdateEndpoint");
            change(e);
            return () => readCloudTrailCall(e);
        };
        assert.throws(bad((e) => (e["detail-type"] = "SageMaker Endpoint State Change")), /detail-type is "SageMaker Endpoint State Change"; expected "AWS API Call via CloudTrail"/);
        assert.throws(bad((e) => (e.detail.eventSource = "s3.amazonaws.com")), /detail\.eventSource is "s3\.amazonaws\.com"; expected sagemaker\.amazonaws\.com/);
        assert.throws(bad((e) => (e.detail.eventTime = "yesterday")), /detail\.eventTime is "yesterday"; expected an ISO 8601 time/);
        assert.throws(bad((e) => (e.detail.requestParameters = null)), /detail\.requestParameters is null; expected the call's parameters/);
        assert.throws(() => readCloudTrailCall("nope"), /event is "nope"; expected an EventBridge event object/);
    });

    it("callIdentity judges on the session issuer, else the caller's ARN, else nothing", () => {
        assert.equal(callIdentity(assumedRole("R", "s")).principal, "arn:aws:iam::123456789012:role/R");
        assert.equal(callIdentity(iamUser("Alice")).principal, "arn:aws:iam::123456789012:user/Alice");
        assert.deepEqual(callIdentity(awsService()), { principal: undefined, type: undefined, arn: undefined, accessKeyId: undefined, invokedBy: "AWS Internal" });
        assert.equal(shortWho(callIdentity(awsService())), "AWS Internal");
        assert.equal(shortWho(callIdentity(iamUser("Alice"))), "Alice");
    });

    it("classifyCall ignores a package call that names an endpoint and an endpoint call that names a package", () => {
        const pkgOnEndpoint = cloudtrailCall("UpdateModelPackage", { identity: iamUser() });
        pkgOnEndpoint.detail.requestParameters = { endpointName: FIXTURE_ENDPOINT };
        assert.equal(classifyCall(pkgOnEndpoint.detail, settings.resources, settings.trusted).kind, "ignored");
        const endpointOnPkg = cloudtrailCall("UpdateEndpoint", { identity: iamUser() });
        endpointOnPkg.detail.requestParameters = { modelPackageArn: `${FIXTURE_PACKAGE_PREFIX}3` };
        assert.equal(classifyCall(endpointOnPkg.detail, settings.resources, settings.trusted).kind, "ignored");
    });

    it("keyParameters quotes names, status and variants, never a container's environment", () => {
        const text = keyParameters({ modelName: "m", primaryContainer: { image: "i", modelDataUrl: "s3://b/k", environment: { SECRET: "x" } }, productionVariants: [{ variantName: "v", modelName: "m", instanceType: "ml.m5.large" }] });
        assert.deepEqual(JSON.parse(text), { modelName: "m", productionVariants: [{ variantName: "v", modelName: "m" }], primaryContainer: { image: "i", modelDataUrl: "s3://b/k" } });
        assert.match(keyParameters({ approvalDescription: "x".repeat(3000) }), /… \(cut\)$/);
    });

    it("settingsFromEnv reads every setting once and names a missing one", () => {
        const env = {
            ENVIRONMENT: "prod",
            LEDGER_TABLE_NAME: "t",
            ENDPOINT_NAME: FIXTURE_ENDPOINT,
            DEPLOYED_NAME_PREFIX: FIXTURE_DEPLOYED_PREFIX,
            MODEL_PACKAGE_ARN_PREFIX: FIXTURE_PACKAGE_PREFIX,
            DEPLOY_ROLE_ARN: DEPLOY_ROLE_ARN,
            PACKAGE_UPDATER_ARNS: `${APPROVER_ARN}, arn:aws:iam::123456789012:user/u`,
        };
        assert.deepEqual(settingsFromEnv(env), { ...settings, ledgerTableName: "t", trusted: { deployRoleArn: DEPLOY_ROLE_ARN, packageUpdaterArns: [APPROVER_ARN, "arn:aws:iam::123456789012:user/u"] } });
        assert.throws(() => settingsFromEnv({ ...env, DEPLOY_ROLE_ARN: "" }), /DEPLOY_ROLE_ARN is not set/);
    });
});
