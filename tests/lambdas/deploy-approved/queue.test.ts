import { strict as assert } from "assert";
import { handleQueueBatch, isQueueEvent } from "../../../lambdas/deploy-approved/queue";
import { RetryableError } from "../../../lambdas/shared/errors";
import { recordingLogger } from "../world";

const record = (id: string, body: unknown) => ({ messageId: id, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("lambdas/deploy-approved/queue", () => {
    it("recognises an SQS batch and leaves a bare EventBridge event alone", () => {
        assert.equal(isQueueEvent({ Records: [] }), true);
        assert.equal(isQueueEvent({ source: "aws.sagemaker" }), false);
        assert.equal(isQueueEvent(null), false);
    });

    it("hands each body (the EventBridge event) to the logic, and a non-JSON body as text", async () => {
        const seen: unknown[] = [];
        const response = await handleQueueBatch({ Records: [record("1", { id: "e1" }), record("2", "not json")] }, async (e) => seen.push(e), recordingLogger());
        assert.deepEqual(seen, [{ id: "e1" }, "not json"]);
        assert.deepEqual(response, { batchItemFailures: [] });
    });

    it("turns a retryable error into a batch item failure, and keeps FIFO order by failing every later message too", async () => {
        const logger = recordingLogger();
        const seen: string[] = [];
        const response = await handleQueueBatch(
            { Records: [record("1", { id: "ok" }), record("2", { id: "busy" }), record("3", { id: "later" })] },
            async (e) => {
                const id = (e as { id: string }).id;
                seen.push(id);
                if (id === "busy") throw new RetryableError("endpoint e is Updating");
            },
            logger,
        );
        assert.deepEqual(seen, ["ok", "busy"]);
        assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: "2" }, { itemIdentifier: "3" }] });
        assert.match(logger.lines[0].message, /will retry: endpoint e is Updating/);
    });

    it("throws any other error (a function error, which alarms)", async () => {
        await assert.rejects(handleQueueBatch({ Records: [record("1", {})] }, async () => { throw new TypeError("bug"); }, recordingLogger()), TypeError);
    });
});
