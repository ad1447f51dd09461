/**
 * deploy-approved under AWS faults, every client mocked (aws-sdk-client-mock): a transient failure of any call
 * on the deploy path (throttling, timeout, 5xx, reset connection) past the SDK's retries is a batch item failure
 * (redelivered, no function error); a final one (access denied, validation, an unknown kind) is thrown.
 */
import { strict as assert } from "assert";
import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    DescribeEndpointCommand,
    DescribeModelPackageCommand,
    UpdateEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { PublishCommand } from "@aws-sdk/client-sns";
import { handleModelPackageEvent, UnclassifiedFailureError } from "../../../lambdas/deploy-approved/deploy";
import { handleQueueBatch } from "../../../lambdas/deploy-approved/queue";
import { RetryableError } from "../../../lambdas/shared/errors";
import { loadEvent } from "../../fixtures/events";
import { recordingLogger } from "../world";
import { deploySettings, liveItem, mockedDeployClients } from "./mockedDeploy";

const world = mockedDeployClients();
const { sm, ddb, topic, bytes, deps } = world;

const event = loadEvent("model-package-approved");
const ARN: string = event.detail.ModelPackageArn;
const settings = deploySettings("dev");
const approvedDescription = { ...event.detail, ModelApprovalStatus: "Approved", ModelPackageStatus: "Completed" };
const live = liveItem(ARN.replace(/\/2$/, "/1"));

/** Errors shaped as the SDK throws them once its own retries are spent. */
const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $fault: "client", $metadata: { httpStatusCode: 400, attempts: 3 } });
const serverFault = () => Object.assign(new Error("We encountered an internal error. Please try again."), { name: "InternalFailure", $fault: "server", $metadata: { httpStatusCode: 500, attempts: 3 } });
const resetConnection = () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", $metadata: { attempts: 3 } });
const accessDenied = () => Object.assign(new Error("User is not authorized to perform: sagemaker:CreateModel"), { name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 400 } });
const invalid = () => Object.assign(new Error("Instance type ml.m5.large is not valid"), { name: "ValidationException", $fault: "client", $metadata: { httpStatusCode: 400 } });

/** Approved package, v1 live on an InService endpoint, every call succeeds: each test breaks one call. */
function approvedOverALiveEndpoint(): void {
    sm.on(DescribeModelPackageCommand).resolves(approvedDescription);
    ddb.on(GetItemCommand).resolves(live);
    sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: "old" });
    sm.on(CreateModelCommand).resolves({});
    sm.on(CreateEndpointConfigCommand).resolves({});
    sm.on(UpdateEndpointCommand).resolves({});
    ddb.on(TransactWriteItemsCommand).resolves({});
}

/** One message through the queue handler, as Lambda's SQS poller hands it over. */
const viaQueue = (logger = recordingLogger()) =>
    handleQueueBatch({ Records: [{ messageId: "m-1", body: JSON.stringify(event) }] }, (e) => handleModelPackageEvent(e, settings, deps()), logger);

describe("deploy-approved under AWS faults (mocked clients)", () => {
    beforeEach(() => {
        world.reset();
        bytes.untouched(ddb, ...[0, 1, 2, 3].map((v) => ({ ...approvedDescription, ModelPackageArn: ARN.replace(/\/2$/, `/${v}`) })));
        topic.on(PublishCommand).resolves({ MessageId: "m" });
        ddb.on(PutItemCommand).resolves({});
        approvedOverALiveEndpoint();
    });

    const transient: [string, () => void][] = [
        ["UpdateEndpoint is throttled", () => sm.on(UpdateEndpointCommand).rejects(throttled())],
        ["CreateModel is throttled", () => sm.on(CreateModelCommand).rejects(throttled())],
        ["CreateEndpointConfig is throttled", () => sm.on(CreateEndpointConfigCommand).rejects(throttled())],
        ["DescribeEndpoint is throttled", () => sm.on(DescribeEndpointCommand).rejects(throttled())],
        ["the ledger read (DynamoDB GetItem) is throttled", () => ddb.on(GetItemCommand).rejects(Object.assign(throttled(), { name: "ProvisionedThroughputExceededException" }))],
        ["the ledger write (DynamoDB TransactWriteItems) is throttled", () => ddb.on(TransactWriteItemsCommand).rejects(throttled())],
        ["the notice (SNS Publish) is throttled", () => topic.on(PublishCommand).rejects(Object.assign(throttled(), { name: "ThrottledException" }))],
        ["UpdateEndpoint fails with a SageMaker 5xx", () => sm.on(UpdateEndpointCommand).rejects(serverFault())],
        ["the ledger write meets a reset connection", () => ddb.on(TransactWriteItemsCommand).rejects(resetConnection())],
        ["CreateModel times out", () => sm.on(CreateModelCommand).rejects(Object.assign(new Error("socket timed out"), { name: "TimeoutError" }))],
    ];
    for (const [what, breakIt] of transient) {
        it(`waits (batch item failure, no function error) when ${what}`, async () => {
            breakIt();
            const logger = recordingLogger();
            const response = await viaQueue(logger);
            assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: "m-1" }] });
            assert.match(logger.lines[0].message, /^will retry: (throttled|unavailable|timed-out) past the SDK's retries/);
        });
    }

    it("waits when CreateEndpoint (the first deployment) is throttled", async () => {
        ddb.on(GetItemCommand).resolves({});
        sm.on(DescribeEndpointCommand).rejects(Object.assign(new Error("Could not find endpoint"), { name: "ValidationException", $fault: "client" }));
        sm.on(CreateEndpointCommand).rejects(throttled());
        assert.deepEqual(await viaQueue(), { batchItemFailures: [{ itemIdentifier: "m-1" }] });
        assert.equal(sm.commandCalls(CreateEndpointCommand).length, 1);
    });

    it("keeps the original error as the RetryableError's cause, and names its kind", async () => {
        sm.on(UpdateEndpointCommand).rejects(throttled());
        await assert.rejects(handleModelPackageEvent(event, settings, deps()), (e: Error) =>
            e instanceof RetryableError && (e.cause as Error).name === "ThrottlingException" && /ThrottlingException \(HTTP 400, 3 attempts\): Rate exceeded/.test(e.message));
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0, "nothing recorded for a deployment that did not start");
    });

    it("after a throttled UpdateEndpoint, the redelivered message deploys once", async () => {
        sm.on(UpdateEndpointCommand).rejectsOnce(throttled()).resolves({});
        assert.deepEqual(await viaQueue(), { batchItemFailures: [{ itemIdentifier: "m-1" }] });
        // Model and config already exist from the first attempt; SageMaker says so, and the retry goes on.
        sm.on(CreateModelCommand).rejects(Object.assign(new Error("Cannot create already existing model"), { name: "ValidationException", $fault: "client" }));
        sm.on(CreateEndpointConfigCommand).rejects(Object.assign(new Error("Cannot create already existing endpoint configuration"), { name: "ValidationException", $fault: "client" }));
        assert.deepEqual(await viaQueue(), { batchItemFailures: [] });
        assert.equal(sm.commandCalls(UpdateEndpointCommand).length, 2);
        assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 1);
    });

    const final: [string, () => void, RegExp][] = [
        ["CreateModel is denied", () => sm.on(CreateModelCommand).rejects(accessDenied()), /not authorized/],
        ["CreateEndpointConfig is invalid", () => sm.on(CreateEndpointConfigCommand).rejects(invalid()), /not valid/],
        ["the ledger write is denied", () => ddb.on(TransactWriteItemsCommand).rejects(Object.assign(accessDenied(), { message: "not authorized to perform: dynamodb:TransactWriteItems" })), /dynamodb:TransactWriteItems/],
        ["SNS says the topic's KMS key is disabled", () => topic.on(PublishCommand).rejects(Object.assign(new Error("KMS key disabled"), { name: "KMSDisabledException", $fault: "client" })), /KMS key disabled/],
        ["the code has a bug (an error of no AWS kind)", () => sm.on(CreateModelCommand).rejects(new TypeError("Cannot read properties of undefined")), /Cannot read properties/],
    ];
    for (const [what, breakIt, message] of final) {
        it(`throws (function error, alarm) when ${what}`, async () => {
            breakIt();
            await assert.rejects(viaQueue(), (e: Error) => !(e instanceof RetryableError) && message.test(e.message));
        });
    }

    it("reads a ValidationException from UpdateEndpoint by the endpoint's state: busy → wait, otherwise final", async () => {
        sm.on(UpdateEndpointCommand).rejects(Object.assign(new Error("Cannot update in-progress endpoint"), { name: "ValidationException", $fault: "client" }));
        sm.on(DescribeEndpointCommand).resolvesOnce({ EndpointStatus: "InService", EndpointConfigName: "old" }).resolves({ EndpointStatus: "Updating", EndpointConfigName: "someone-elses" });
        assert.deepEqual(await viaQueue(), { batchItemFailures: [{ itemIdentifier: "m-1" }] });
        // The same error while the endpoint is InService is a real validation failure: final.
        sm.on(DescribeEndpointCommand).resolves({ EndpointStatus: "InService", EndpointConfigName: "old" });
        sm.on(UpdateEndpointCommand).rejects(invalid());
        await assert.rejects(viaQueue(), (e: Error) => e.name === "ValidationException");
    });

    it("throws a lookup failure of unknown kind (function error), neither refusing nor quietly waiting", async () => {
        sm.on(DescribeModelPackageCommand).rejects(new TypeError("Cannot read properties of undefined (reading 'send')"));
        await assert.rejects(viaQueue(), (e: Error) => e instanceof UnclassifiedFailureError && /unknown kind \(TypeError/.test(e.message));
        assert.equal(topic.commandCalls(PublishCommand).length, 0, "no refusal published");
        assert.equal(ddb.commandCalls(PutItemCommand).length, 0, "no refusal recorded");
    });

    it("still refuses (final, recorded, published) when the lookup is denied", async () => {
        sm.on(DescribeModelPackageCommand).rejects(Object.assign(accessDenied(), { message: "not authorized to perform: sagemaker:DescribeModelPackage" }));
        assert.deepEqual(await viaQueue(), { batchItemFailures: [] });
        assert.equal(ddb.commandCalls(PutItemCommand).length, 1);
        assert.match(topic.commandCalls(PublishCommand)[0].args[0].input.Subject!, /Refused to deploy/);
    });
});
