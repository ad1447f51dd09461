/**
 * The deploy function reads its events from a FIFO SQS queue (EventBridge → queue, one message group per
 * endpoint), so deployments to one endpoint run one at a time, in order, and a busy endpoint is retried
 * for as long as the queue's redrive policy allows (not just Lambda's two async retries).
 *
 * A RetryableError becomes a batch item failure: the message comes back after the visibility timeout,
 * without counting as a function error (no alarm for a routine wait); after maxReceiveCount it moves to
 * the DLQ, whose alarm pages the topic. Any other error is thrown (function error, alarm). Pure.
 */
import { RetryableError } from "../shared/errors";
import type { Logger } from "../shared/log";

export interface QueueRecord {
    readonly messageId: string;
    readonly body: string;
}

export interface QueueEvent {
    readonly Records: readonly QueueRecord[];
}

export interface BatchResponse {
    readonly batchItemFailures: { itemIdentifier: string }[];
}

export function isQueueEvent(event: unknown): event is QueueEvent {
    return typeof event === "object" && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

/** A message body as EventBridge wrote it (the event JSON); a body that is not JSON is handed on as text, to be reported as malformed. */
function parseBody(body: string): unknown {
    try {
        return JSON.parse(body);
    } catch {
        return body;
    }
}

export async function handleQueueBatch(event: QueueEvent, handle: (event: unknown) => Promise<unknown>, logger: Logger): Promise<BatchResponse> {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
        // FIFO: once a message must wait, every later one in the batch waits too, to keep the order.
        if (failures.length > 0) {
            failures.push({ itemIdentifier: record.messageId });
            continue;
        }
        try {
            await handle(parseBody(record.body));
        } catch (error) {
            if (!(error instanceof RetryableError)) throw error;
            logger.log("warn", `will retry: ${error.message}`, { messageId: record.messageId });
            failures.push({ itemIdentifier: record.messageId });
        }
    }
    return { batchItemFailures: failures };
}
