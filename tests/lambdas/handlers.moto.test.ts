/**
 * The shipped handler modules (lambdas/<fn>/index.ts), loaded the way Lambda loads them: environment
 * variables set first, clients built at module scope from the standard AWS_* variables (here pointing
 * at moto). One pass through register → notify → approve → deploy → reject.
 */
import { strict as assert } from "assert";
import { DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { currentDeployment } from "../../lambdas/shared/ledger";
import { readPins } from "../../policies/lib/pinStore";
import { motoEnv, uniqueName } from "../helpers/moto";
import { createWorld, packageEvent, putReport, readInbox, registerPinnableVersion, setStatus, type World } from "./world";

describe("handler modules (index.ts) against moto", function () {
    this.timeout(60_000);
    let world: World;
    const saved = { ...process.env };
    let notify: { handler(event: unknown): Promise<{ outcome: string; approvable?: boolean }> };
    let deploy: { handler(event: unknown): Promise<unknown> };
    let queueUrl: string;

    /** Delivers an event as EventBridge does (into the FIFO queue) and hands the received message to the handler as Lambda's SQS poller would. */
    async function viaQueue(event: unknown): Promise<unknown> {
        await world.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event), MessageGroupId: "endpoint", MessageDeduplicationId: (event as { id: string }).id }));
        const received = await world.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));
        const records = (received.Messages ?? []).map((m) => ({ messageId: m.MessageId!, body: m.Body! }));
        assert.equal(records.length, 1);
        const response = await deploy.handler({ Records: records });
        for (const m of received.Messages ?? []) await world.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
        return response;
    }
    const env = "hnd";
    const quiet = { log: console.log, warn: console.warn, error: console.error };

    before(async () => {
        world = await createWorld();
        queueUrl = (await world.sqs.send(new CreateQueueCommand({ QueueName: `${uniqueName("deploy-requests")}.fifo`, Attributes: { FifoQueue: "true" } }))).QueueUrl!;
        Object.assign(process.env, motoEnv(world.endpoint), {
            ENVIRONMENT: env,
            MODEL_PACKAGE_GROUP_NAME: world.groupName,
            ENDPOINT_NAME: `sagemaker-approval-gate-${env}-endpoint`,
            LEDGER_TABLE_NAME: world.tableName,
            TOPIC_ARN: world.topicArn,
            REGISTRY_ACCOUNT_ID: "123456789012",
            RESOURCE_PREFIX: `sagemaker-approval-gate-${env}`,
            MODEL_EXECUTION_ROLE_ARN: "arn:aws:iam::123456789012:role/model",
            INSTANCE_TYPE: "ml.m5.large",
            ROLLBACK_ALARM_NAMES: "a,b",
        });
        // The handlers log JSON lines; keep the test output readable.
        console.log = console.warn = console.error = () => undefined;
        // Required only now: the handlers read their environment once, when loaded.
        notify = require("../../lambdas/notify-approver/index");
        deploy = require("../../lambdas/deploy-approved/index");
    });

    after(() => {
        Object.assign(console, quiet);
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
    });

    it("notifies about a pending version, deploys it once approved, and answers a rejection with no predecessor loudly", async () => {
        await putReport(world, "eval/1.json", { regression_metrics: { mse: { value: 3.9 } } });
        const version = await registerPinnableVersion(world, { metricsKey: "eval/1.json" });
        const arn = version.arn;
        const notified = await notify.handler(packageEvent(world, arn, "PendingManualApproval", { metricsKey: "eval/1.json" }));
        assert.deepEqual([notified.outcome, notified.approvable], ["notified", true]);
        // The module-scope S3 and ECR clients pinned what the version is made of.
        const pins = (await readPins(world.dynamodb, world.tableName, arn)).pins;
        assert.deepEqual(pins?.artifacts.map((a) => [a.versionId, a.etag]), [[version.versionId, version.etag]]);
        assert.deepEqual(pins?.images.map((i) => i.digest), [version.digest]);
        await setStatus(world, arn, "Approved", "good enough");
        assert.deepEqual(await viaQueue(packageEvent(world, arn, "Approved")), { batchItemFailures: [] });
        const endpoint = await world.sagemaker.send(new DescribeEndpointCommand({ EndpointName: `sagemaker-approval-gate-${env}-endpoint` }));
        assert.equal(endpoint.EndpointStatus, "InService");
        assert.equal((await currentDeployment(world.dynamodb, world.tableName, `sagemaker-approval-gate-${env}-endpoint`))?.packageArn, arn);
        await setStatus(world, arn, "Rejected", "drift");
        // A direct invocation (console test) with the bare EventBridge event works too.
        assert.equal(((await deploy.handler(packageEvent(world, arn, "Rejected"))) as { outcome: string }).outcome, "no-rollback-target");
        const subjects = (await readInbox(world)).map((m) => m.subject);
        assert.deepEqual(subjects.map((s) => s.replace(/:.*/, "")), [`[${env}] Approval needed`, `[${env}] Deploying ${world.groupName} v1 to sagemaker-approval-gate-${env}-endpoint`, `[${env}] ACTION NEEDED`]);
    });
});
