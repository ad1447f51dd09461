/** deploy-approved with every client mocked (aws-sdk-client-mock): the failure paths moto cannot produce. */
import { strict as assert } from "assert";
import { GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    DescribeEndpointCommand,
    DescribeModelPackageCommand,
    UpdateEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { PublishCommand } from "@aws-sdk/client-sns";
import { deploymentConfig, driftNote, handleModelPackageEvent, isTransientRefusal } from "../../../lambdas/deploy-approved/deploy";
import { settingsFromEnv } from "../../../lambdas/deploy-approved/settings";
import { EnvironmentError } from "../../../lambdas/shared/env";
import { RetryableError } from "../../../lambdas/shared/errors";
import { loadEvent } from "../../fixtures/events";
import { deploySettings, liveItem, mockedDeployClients } from "./mockedDeploy";
import { judgeLookupFailure, type RefusalCause } from "../../../policies/lib/approvalRule";

const world = mockedDeployClients();
const { sm, ddb, topic, bytes, deps } = world;

const event = loadEvent("model-package-approved");
const ARN: string = event.detail.ModelPackageArn;
const settings = deploySettings("dev");
const approvedDescription = { ...event.detail, ModelApprovalStatus: "Approved", ModelPackageStatus: "Completed" };
const live = liveItem(ARN.replace(/\/2$/, "/1"));

/** The happy path's answers: the package is Approved, v1 is live on an InService endpoint, every write succeeds. */
function approvedOverALiveEndpoint(): void {
    sm.on(DescribeModelPackageCommand).resolves(approvedDescription);
    ddb.on(GetItemCommand).resolves(live);
    sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: "old" });
    sm.on(UpdateEndpointCommand).resolves({});
    ddb.on(TransactWriteItemsCommand).resolves({});
}

describe("deploy-approved with mocked clients", () => {
    beforeEach(() => {
        world.reset();
        bytes.untouched(ddb, ...[0, 1, 2, 3].map((v) => ({ ...approvedDescription, ModelPackageArn: ARN.replace(/\/2$/, `/${v}`) })));
        topic.on(PublishCommand).resolves({ MessageId: "m" });
        ddb.on(PutItemCommand).resolves({});
    });

    it("treats a throttled approval lookup as retryable and calls nothing else", async () => {
        sm.on(DescribeModelPackageCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), (e: Error) => e instanceof RetryableError && /throttled/.test(e.message));
        assert.equal(sm.calls().length, 1);
        assert.deepEqual(ddb.calls().map((c) => c.args[0].constructor.name), ["QueryCommand"], "only the pin read, which ran beside the lookup");
    });

    it("retries an approval whose lookup failed on a SageMaker 5xx instead of refusing it", async () => {
        sm.on(DescribeModelPackageCommand).rejects(Object.assign(new Error("We encountered an internal error"), { name: "InternalFailure", $fault: "server" }));
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), (e: Error) => e instanceof RetryableError && /InternalFailure/.test(e.message));
        assert.equal(topic.commandCalls(PublishCommand).length, 0, "no refusal is published for a passing fault");
        assert.deepEqual(ddb.calls().map((c) => c.args[0].constructor.name), ["QueryCommand"], "nothing written");
    });

    it("retries a rollback whose candidate lookup was throttled instead of skipping to an older version", async () => {
        const v1 = ARN.replace(/\/2$/, "/1");
        const v0 = ARN.replace(/\/2$/, "/0");
        const rejectedEvent = { ...event, detail: { ...event.detail, ModelApprovalStatus: "Rejected" } };
        sm.on(DescribeModelPackageCommand, { ModelPackageName: ARN }).resolves({ ...approvedDescription, ModelApprovalStatus: "Rejected" });
        sm.on(DescribeModelPackageCommand, { ModelPackageName: v1 }).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
        sm.on(DescribeModelPackageCommand, { ModelPackageName: v0 }).resolves({ ...approvedDescription, ModelPackageArn: v0, ModelPackageVersion: 0 });
        const liveV2 = { Item: { ...live.Item, packageArn: { S: ARN }, version: { N: "2" }, eventId: { S: "e-2" } } };
        ddb.on(GetItemCommand).resolves(liveV2);
        const history = (arn: string, v: number, at: string) => ({ pk: { S: "x" }, sk: { S: `H#${at}` }, packageArn: { S: arn }, version: { N: String(v) }, eventId: { S: at }, outcome: { S: "deployed" }, deployedAt: { S: at } });
        bytes.history = [history(ARN, 2, "t2"), history(v1, 1, "t1"), history(v0, 0, "t0")];
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: "cfg-v2" });
        await assert.rejects(handleModelPackageEvent(rejectedEvent, settings, deps()), (e: Error) => e instanceof RetryableError && /throttled/.test(e.message));
        assert.equal(sm.commandCalls(CreateModelCommand).length, 0, "did not roll back past v1");
        assert.equal(sm.commandCalls(UpdateEndpointCommand).length, 0);
    });

    it("refuses (final, not retried) when the caller may not describe the package", async () => {
        sm.on(DescribeModelPackageCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.equal(result.outcome, "refused");
        assert.equal(sm.commandCalls(CreateModelCommand).length, 0);
        assert.equal(topic.commandCalls(PublishCommand).length, 1);
    });

    it("refuses a package of the right group from another account", async () => {
        sm.on(DescribeModelPackageCommand).resolves(approvedDescription);
        const result = await handleModelPackageEvent(event, { ...settings, registryAccountId: "999999999999" }, deps());
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result && /not an allowed registry account/.test(result.reason));
    });

    it("turns an UpdateEndpoint race ('in-progress', the endpoint is Updating when asked again) into a retryable error", async () => {
        sm.on(DescribeModelPackageCommand).resolves(approvedDescription);
        ddb.on(GetItemCommand).resolves(live);
        sm.on(DescribeEndpointCommand).resolvesOnce({ EndpointStatus: "InService", EndpointConfigName: "old" }).resolves({ EndpointStatus: "Updating", EndpointConfigName: "other" });
        sm.on(UpdateEndpointCommand).rejects(Object.assign(new Error("Cannot update in-progress endpoint"), { name: "ValidationException" }));
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), RetryableError);
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0, "nothing recorded for a deployment that did not start");
    });

    it("turns a lost ledger race into a retryable error; the retry does not update the endpoint twice", async () => {
        sm.on(DescribeModelPackageCommand).resolves(approvedDescription);
        ddb.on(GetItemCommand).resolves(live);
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: "old" });
        sm.on(UpdateEndpointCommand).resolves({});
        ddb.on(TransactWriteItemsCommand).rejectsOnce(new TransactionCanceledException({ message: "cancelled", $metadata: {} })).resolves({});
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), RetryableError);
        const [update] = sm.commandCalls(UpdateEndpointCommand);
        // Retry: the endpoint already runs our config, so only the ledger is written.
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: update.args[0].input.EndpointConfigName });
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.equal(result.outcome, "deployed");
        assert.equal(sm.commandCalls(UpdateEndpointCommand).length, 1);
        assert.equal(sm.commandCalls(CreateEndpointConfigCommand).length, 1);
    });

    it("keeps a Failed endpoint's event for a person (retryable → DLQ) and says how to fix it", async () => {
        sm.on(DescribeModelPackageCommand).resolves(approvedDescription);
        ddb.on(GetItemCommand).resolves(live);
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "Failed", FailureReason: "capacity" });
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), (e: Error) => /delete-endpoint/.test(e.message));
        assert.equal(sm.commandCalls(CreateModelCommand).length, 0);
    });

    it("deploys a version the ledger says is live again when its endpoint was deleted", async () => {
        sm.on(DescribeModelPackageCommand).resolves(approvedDescription);
        ddb.on(GetItemCommand).resolves({ Item: { ...live.Item, packageArn: { S: ARN }, version: { N: "2" } } });
        sm.on(DescribeEndpointCommand).rejects(Object.assign(new Error("Could not find endpoint \"x\"."), { name: "ValidationException" }));
        sm.on(CreateEndpointCommand).resolves({});
        ddb.on(TransactWriteItemsCommand).resolves({});
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.equal(result.outcome, "deployed");
        assert.equal(sm.commandCalls(CreateEndpointCommand).length, 1);
    });

    it("announces a deployment before recording it, so a failed notice is retried with it, not lost", async () => {
        approvedOverALiveEndpoint();
        topic.on(PublishCommand).rejectsOnce(Object.assign(new Error("KMS key disabled"), { name: "KMSDisabledException" })).resolves({ MessageId: "m" });
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), /KMS key disabled/);
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0, "not recorded as live while nobody was told");
        // The retry: the endpoint already runs this event's config, so it is not updated again; the notice goes out, then the ledger.
        const [update] = sm.commandCalls(UpdateEndpointCommand);
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: update.args[0].input.EndpointConfigName });
        assert.equal((await handleModelPackageEvent(event, settings, deps())).outcome, "deployed");
        assert.equal(sm.commandCalls(UpdateEndpointCommand).length, 1, "deployed once");
        const publishes = topic.commandCalls(PublishCommand);
        assert.equal(publishes.length, 2);
        assert.match(publishes[1].args[0].input.Subject!, /Deploying .* v2/);
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 1);
    });

    it("makes the sequential call count on the deploy path explicit", async () => {
        approvedOverALiveEndpoint();
        await handleModelPackageEvent(event, settings, deps());
        const order = [...sm.calls(), ...ddb.calls(), ...topic.calls(), ...bytes.s3Mock.calls(), ...bytes.ecrMock.calls()].length;
        assert.equal(order, 11, "DescribeModelPackage ∥ Query (pins), HeadObject ∥ BatchGetImage, GetItem, DescribeEndpoint, CreateModel, CreateEndpointConfig, UpdateEndpoint, Publish, TransactWriteItems");
        assert.equal(ddb.commandCalls(QueryCommand).length, 1, "one pin read, no history read");
    });

    it("builds the blue/green deployment config and leaves out an empty alarm list", () => {
        assert.deepEqual(deploymentConfig({ rollbackAlarmNames: ["a", "b"], terminationWaitSeconds: 60 }), {
            // The bake is a baking period the alarms watch, not only a wait before the old fleet goes away.
            BlueGreenUpdatePolicy: {
                TrafficRoutingConfiguration: { Type: "ALL_AT_ONCE", WaitIntervalInSeconds: 60 },
                TerminationWaitInSeconds: 60,
                MaximumExecutionTimeoutInSeconds: 3720,
            },
            AutoRollbackConfiguration: { Alarms: [{ AlarmName: "a" }, { AlarmName: "b" }] },
        });
        // Within the API's ranges at both ends of endpoint.terminationWaitSeconds (0-3600).
        for (const bake of [0, 3600]) {
            const policy = deploymentConfig({ rollbackAlarmNames: ["a"], terminationWaitSeconds: bake }).BlueGreenUpdatePolicy;
            assert.ok(policy.MaximumExecutionTimeoutInSeconds >= 600 && policy.MaximumExecutionTimeoutInSeconds <= 28_800);
            assert.ok(policy.MaximumExecutionTimeoutInSeconds > policy.TerminationWaitInSeconds + policy.TrafficRoutingConfiguration.WaitIntervalInSeconds);
        }
        assert.equal(deploymentConfig({ rollbackAlarmNames: [], terminationWaitSeconds: 60 }).AutoRollbackConfiguration, undefined);
    });

    it("classifies the shared rule's own lookup failures (their cause is what isTransientRefusal reads)", () => {
        const kind = (name: string, message: string, code?: string) => isTransientRefusal(judgeLookupFailure(ARN, Object.assign(new Error(message), { name, ...(code ? { code } : {}) })));
        assert.equal(kind("ThrottlingException", "Rate exceeded"), true);
        assert.equal(kind("TimeoutError", "socket timed out"), true);
        assert.equal(kind("AbortError", "This operation was aborted"), true);
        assert.equal(kind("InternalFailure", "We encountered an internal error"), true);
        assert.equal(kind("Error", "read ECONNRESET", "ECONNRESET"), true);
        assert.equal(kind("ValidationException", "Model package does not exist"), false);
        assert.equal(kind("AccessDeniedException", "not authorized"), false);
        // A final failure whose message happens to say "timed out" stays final.
        assert.equal(kind("AccessDeniedException", "the request timed out while authorizing"), false);
    });

    it("retries only transient lookup failures", () => {
        const refused = (cause: RefusalCause | undefined, reason: string, verified = false) =>
            ({ approved: false as const, cause, packageArn: ARN, groupName: undefined, status: "unknown", verified, reason });
        assert.equal(isTransientRefusal(refused("throttled", "approval could not be verified: SageMaker throttled the lookup past its retries")), true);
        assert.equal(isTransientRefusal(refused("timed-out", "approval could not be verified: the lookup timed out (TimeoutError: x)")), true);
        assert.equal(isTransientRefusal(refused("lookup-failed", "approval could not be verified: the lookup failed (InternalFailure: x)")), true);
        assert.equal(isTransientRefusal(refused("not-found", "approval could not be verified: the package was not found")), false);
        assert.equal(isTransientRefusal(refused("access-denied", "approval could not be verified: the caller may not describe it (AccessDeniedException: x)")), false);
        assert.equal(isTransientRefusal(refused("unverified", "approval could not be verified: DescribeModelPackage returned nothing")), false);
        assert.equal(isTransientRefusal(refused("not-approved", "its ModelApprovalStatus is Rejected, not Approved", true)), false);
        // A hand-made verdict without a cause is final, whatever its wording.
        assert.equal(isTransientRefusal(refused(undefined, "approval could not be verified: SageMaker throttled the lookup past its retries")), false);
        assert.equal(isTransientRefusal({ approved: true, packageArn: ARN, groupName: "g", version: 1, status: "Approved", reason: "Approved" }), false);
    });

    it("reads its settings from the environment once, naming a missing variable", () => {
        const env = {
            ENVIRONMENT: "dev", MODEL_PACKAGE_GROUP_NAME: "g", ENDPOINT_NAME: "e", RESOURCE_PREFIX: "p", LEDGER_TABLE_NAME: "t", REGISTRY_ACCOUNT_ID: "123456789012",
            MODEL_EXECUTION_ROLE_ARN: "r", INSTANCE_TYPE: "ml.m5.large", ROLLBACK_ALARM_NAMES: "a, b,", INITIAL_INSTANCE_COUNT: "2",
        };
        const s = settingsFromEnv(env);
        assert.deepEqual(s.rollbackAlarmNames, ["a", "b"]);
        assert.equal(s.initialInstanceCount, 2);
        assert.equal(s.terminationWaitSeconds, 300);
        assert.equal(s.pinWaitSeconds, 900, "a missing pin is waited for 15 minutes after registration by default");
        assert.equal(settingsFromEnv({ ...env, PIN_WAIT_SECONDS: "60" }).pinWaitSeconds, 60);
        assert.throws(() => settingsFromEnv({ ...env, MODEL_EXECUTION_ROLE_ARN: "" }), (e: Error) => e instanceof EnvironmentError && /MODEL_EXECUTION_ROLE_ARN/.test(e.message));
        // Without the account the rule would accept any account's package: a missing account is an error, not "any".
        assert.throws(() => settingsFromEnv({ ...env, REGISTRY_ACCOUNT_ID: "" }), (e: Error) => e instanceof EnvironmentError && /REGISTRY_ACCOUNT_ID/.test(e.message));
        assert.throws(() => settingsFromEnv({ ...env, INITIAL_INSTANCE_COUNT: "two" }), /INITIAL_INSTANCE_COUNT is "two"/);
    });
});

describe("deploy-approved stale approvals (mocked clients)", () => {
    // The fixture event's version 2 was approved at 2021-02-24T17:00:14Z (detail.LastModifiedTime and time).
    const V3 = ARN.replace(/\/2$/, "/3");
    const liveV3 = (fields: Record<string, { S: string }>) => ({ Item: { ...live.Item, packageArn: { S: V3 }, version: { N: "3" }, eventId: { S: "e-3" }, ...fields } });
    const writtenCurrent = () => ddb.commandCalls(TransactWriteItemsCommand)[0].args[0].input.TransactItems![0].Put!.Item!;

    beforeEach(() => {
        world.reset();
        bytes.untouched(ddb, ...[0, 1, 2, 3].map((v) => ({ ...approvedDescription, ModelPackageArn: ARN.replace(/\/2$/, `/${v}`) })));
        topic.on(PublishCommand).resolves({ MessageId: "m" });
        ddb.on(PutItemCommand).resolves({});
        approvedOverALiveEndpoint();
    });

    it("refuses an Approved event older than the live version's approval: recorded, published with both versions and times, nothing deployed", async () => {
        ddb.on(GetItemCommand).resolves(liveV3({ approvedAt: { S: "2021-03-01T08:00:00.000Z" }, deployedAt: { S: "2021-03-01T09:00:00.000Z" } }));
        const result = await handleModelPackageEvent(event, settings, deps());
        assert.equal(result.outcome, "refused");
        assert.ok("reason" in result);
        assert.match(result.reason, /^stale: v2 approved at 2021-02-24T17:00:14.000Z, v3 live since 2021-03-01T09:00:00.000Z \(approved at 2021-03-01T08:00:00.000Z\)/);
        assert.equal(sm.commandCalls(CreateModelCommand).length, 0);
        assert.equal(sm.commandCalls(UpdateEndpointCommand).length, 0);
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0, "CURRENT untouched");
        const [audit] = ddb.commandCalls(PutItemCommand);
        assert.equal(audit.args[0].input.Item!.outcome.S, "refused");
        assert.match(audit.args[0].input.Item!.reason.S!, /^stale: v2 approved at .*, v3 live since/);
        const [notice] = topic.commandCalls(PublishCommand);
        assert.match(notice.args[0].input.Subject!, /Refused to deploy .* v2/);
        assert.match(notice.args[0].input.Message!, /stale: v2 approved at 2021-02-24T17:00:14.000Z, v3 live since 2021-03-01T09:00:00.000Z/);
        assert.match(notice.args[0].input.Message!, /approvals -- approve .*\/2 /);
    });

    it("deploys an event approved after the live version, and records its approval time", async () => {
        ddb.on(GetItemCommand).resolves(liveV3({ approvedAt: { S: "2021-02-20T08:00:00.000Z" }, deployedAt: { S: "2021-02-20T09:00:00.000Z" } }));
        assert.equal((await handleModelPackageEvent(event, settings, deps())).outcome, "deployed");
        assert.equal(writtenCurrent().approvedAt.S, "2021-02-24T17:00:14.000Z");
    });

    it("judges a live record without approvedAt (written before it existed) by its deployedAt", async () => {
        ddb.on(GetItemCommand).resolves(liveV3({ deployedAt: { S: "2021-02-24T17:05:00.000Z" } }));
        const refused = await handleModelPackageEvent(event, settings, deps());
        assert.ok("reason" in refused && /^stale: .*its deployment time 2021-02-24T17:05:00.000Z stands in/.test(refused.reason), JSON.stringify(refused));
        ddb.on(GetItemCommand).resolves(liveV3({ deployedAt: { S: "2021-02-24T17:00:00.000Z" } }));
        assert.equal((await handleModelPackageEvent(event, settings, deps())).outcome, "deployed");
    });

    it("never lets an event claim an approval newer than the package's own LastModifiedTime", async () => {
        sm.on(DescribeModelPackageCommand).resolves({ ...approvedDescription, LastModifiedTime: new Date("2021-02-24T17:00:14Z") });
        ddb.on(GetItemCommand).resolves(liveV3({ approvedAt: { S: "2021-03-01T08:00:00.000Z" } }));
        const claimsNewer = { ...event, time: "2030-01-01T00:00:00Z", detail: { ...event.detail, LastModifiedTime: "2030-01-01T00:00:00Z" } };
        assert.equal((await handleModelPackageEvent(claimsNewer, settings, deps())).outcome, "refused");
    });

    it("leaves rollback alone: a rejection rolls back whatever its time, and the restored version keeps its own approval time", async () => {
        const v1 = ARN.replace(/\/2$/, "/1");
        const rejectedEvent = { ...event, detail: { ...event.detail, ModelApprovalStatus: "Rejected" } };
        sm.on(DescribeModelPackageCommand, { ModelPackageName: ARN }).resolves({ ...approvedDescription, ModelApprovalStatus: "Rejected" });
        sm.on(DescribeModelPackageCommand, { ModelPackageName: v1 }).resolves({ ...approvedDescription, ModelPackageArn: v1, ModelPackageVersion: 1 });
        ddb.on(GetItemCommand).resolves({ Item: { ...live.Item, packageArn: { S: ARN }, version: { N: "2" }, eventId: { S: "e-2" }, approvedAt: { S: "2030-01-01T00:00:00.000Z" } } });
        const history = (arn: string, v: number, at: string, approvedAt?: string) => ({
            pk: { S: "x" }, sk: { S: `H#${at}` }, packageArn: { S: arn }, version: { N: String(v) }, eventId: { S: at }, outcome: { S: "deployed" }, deployedAt: { S: at },
            ...(approvedAt ? { approvedAt: { S: approvedAt } } : {}),
        });
        bytes.history = [history(ARN, 2, "2021-02-24T18:00:00.000Z"), history(v1, 1, "2021-01-02T00:00:00.000Z", "2021-01-01T00:00:00.000Z")];
        const result = await handleModelPackageEvent(rejectedEvent, settings, deps());
        assert.equal(result.outcome, "rolled-back");
        assert.equal(writtenCurrent().packageArn.S, v1);
        assert.equal(writtenCurrent().approvedAt.S, "2021-01-01T00:00:00.000Z");
    });
});

describe("deploy-approved drift note", () => {
    const current = { endpointName: "e", packageArn: "arn", version: 4, endpointConfigName: "cfg-v4", deployedAt: "t", eventId: "e4", kind: "deploy" as const, outcome: "deployed" as const };
    it("says when the endpoint runs another config than the ledger's CURRENT (e.g. an automatic rollback)", () => {
        assert.match(driftNote(current, { EndpointConfigName: "cfg-v3" } as never)!, /running cfg-v3, not cfg-v4 \(v4\).*automatic rollback/);
    });
    it("says nothing when they agree or nothing is known", () => {
        assert.equal(driftNote(current, { EndpointConfigName: "cfg-v4" } as never), undefined);
        assert.equal(driftNote(undefined, { EndpointConfigName: "cfg-v3" } as never), undefined);
        assert.equal(driftNote(current, undefined), undefined);
    });
});
