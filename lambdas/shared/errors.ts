import { awsErrorKind, describeAwsError, isTransientKind } from "../../policies/lib/awsErrors";

/**
 * The two kinds of failure a handler can have, chosen on purpose for every error:
 * - `RetryableError` is thrown out of the handler so the queue's redelivery (or Lambda's async retries),
 *   then the DLQ and its alarm, take over: the endpoint is busy, a call was throttled or hit a transient
 *   AWS fault past the SDK's retries, the ledger lost a race. Any other error is final (a function error).
 * - `MalformedEventError` is final: the event can never succeed, so it is logged (field, value, fix),
 *   published, and the handler returns normally; retrying it would only be a crash loop.
 */
export class RetryableError extends Error {
    override readonly name = "RetryableError";
}

export class MalformedEventError extends Error {
    override readonly name = "MalformedEventError";
    constructor(readonly field: string, readonly value: unknown, readonly expected: string) {
        super(`malformed event: ${field} is ${describe(value)}; expected ${expected}. This event is not retried; fix the sender or replay a well-formed event.`);
    }
}

function describe(value: unknown): string {
    if (value === undefined) return "missing";
    const json = JSON.stringify(value);
    return json && json.length > 120 ? `${json.slice(0, 117)}...` : String(json);
}

/**
 * A transient AWS failure (throttling, timeout, 5xx, network; see policies/lib/awsErrors.ts) becomes a
 * RetryableError that keeps the original as its `cause`; anything else is returned as it is. Decided on
 * the error's kind, never its message.
 */
export function retryableIfTransient(error: unknown): unknown {
    if (error instanceof RetryableError) return error;
    const kind = awsErrorKind(error);
    if (!isTransientKind(kind)) return error;
    return new RetryableError(`${kind} past the SDK's retries, will wait and retry: ${describeAwsError(error)}`, { cause: error });
}
