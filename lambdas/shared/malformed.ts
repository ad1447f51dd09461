/**
 * What both handlers do with an event they cannot parse: one `error` log line naming the field, one
 * message to the topic, and a normal return. A malformed event can never succeed, so retrying it would
 * only be a crash loop.
 */
import { MalformedEventError } from "./errors";
import { parseModelPackageEvent, type ModelPackageEvent } from "./events";
import type { Logger } from "./log";
import type { Publisher } from "./publish";

/** How much of the offending event the message quotes: SNS messages stop at 256 KB, and so may an event. */
export const MAX_QUOTED_EVENT_CHARS = 4096;

export function quoteEvent(event: unknown): string {
    const text = JSON.stringify(event, null, 2) ?? String(event);
    return text.length <= MAX_QUOTED_EVENT_CHARS ? text : `${text.slice(0, MAX_QUOTED_EVENT_CHARS)}\n… (${text.length - MAX_QUOTED_EVENT_CHARS} more characters)`;
}

/** The parsed event, or the MalformedEventError after it was logged and published once. Other errors are thrown. */
export async function parseOrReport(
    event: unknown,
    environment: string,
    deps: { readonly logger: Logger; readonly publisher: Publisher },
): Promise<ModelPackageEvent | MalformedEventError> {
    try {
        return parseModelPackageEvent(event);
    } catch (error) {
        if (!(error instanceof MalformedEventError)) throw error;
        deps.logger.log("error", error.message, { field: error.field, eventId: (event as { id?: unknown } | null)?.id });
        await deps.publisher.publish(`[${environment}] Ignored a malformed model package event`, `${error.message}\n\nEvent:\n${quoteEvent(event)}`);
        return error;
    }
}
