/**
 * The two kinds of failure a handler can have, chosen on purpose for every error:
 * - `RetryableError` is thrown out of the handler so Lambda's async retries (and then the on-failure DLQ
 *   and its alarm) take over: the endpoint is busy, a lookup was throttled, the ledger lost a race.
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
