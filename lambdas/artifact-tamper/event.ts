/**
 * The envelope of an S3 or ECR event, checked field by field before policies/lib/tamperEvents.ts reads it: a
 * malformed event names its field (MalformedEventError); a well-formed event that cannot move a pinned identity
 * (a failed push, an untagged push) is ignored with a reason.
 */
import { parseTamperEvent, type TamperEvent } from "../../policies/lib/tamperEvents";
import type { TamperSource } from "../../policies/lib/pinStore";
import { MalformedEventError } from "../shared/errors";

export interface ReadEvent {
    readonly eventId: string;
    /** EventBridge's time of the event: the TAMPERED record's time, so a redelivery writes the same key. */
    readonly time: string;
    readonly source: Extract<TamperSource, "s3-event" | "ecr-event">;
    readonly change: TamperEvent;
    /** One line for the message: what happened, where, by whom. */
    readonly summary: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function requireString(record: Json, path: string, expected: string): string {
    const value = path.split(".").reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), record);
    if (typeof value !== "string" || value.trim() === "") throw new MalformedEventError(path, value, expected);
    return value;
}

/** The event to check, or why it is ignored. Throws MalformedEventError for a missing or mistyped field. */
export function readTamperEvent(event: unknown): ReadEvent | { readonly ignored: string } {
    if (!isObject(event)) throw new MalformedEventError("event", event, "an EventBridge event object");
    const eventId = requireString(event, "id", "the EventBridge event id");
    const time = requireString(event, "time", "the event's ISO 8601 time");
    if (Number.isNaN(Date.parse(time))) throw new MalformedEventError("time", time, "an ISO 8601 time such as 2026-12-02T10:00:00Z");
    const source = requireString(event, "source", "aws.s3 or aws.ecr (the tamper rules' sources)");
    const detailType = requireString(event, "detail-type", "Object Created, Object Deleted or ECR Image Action");
    if (!isObject(event.detail)) throw new MalformedEventError("detail", event.detail, "the event's detail object");
    if (source === "aws.s3") {
        const bucket = requireString(event, "detail.bucket.name", "the bucket's name");
        const key = requireString(event, "detail.object.key", "the object's key");
        const change = parseTamperEvent(event);
        if (!change) return { ignored: `S3 ${detailType} events cannot change a pinned artifact` };
        const who = typeof event.detail.requester === "string" ? ` by ${event.detail.requester}` : "";
        const why = typeof event.detail.reason === "string" ? ` (${event.detail.reason})` : "";
        return { eventId, time, source: "s3-event", change, summary: `S3 ${detailType} s3://${bucket}/${key}${why}${who} at ${time}, event ${eventId}` };
    }
    if (source === "aws.ecr") {
        requireString(event, "account", "the 12-digit account id of the registry");
        requireString(event, "region", "the registry's region");
        const repository = requireString(event, "detail.repository-name", "the repository's name");
        const action = requireString(event, "detail.action-type", "PUSH or DELETE");
        const result = requireString(event, "detail.result", "SUCCESS or FAILURE");
        const change = parseTamperEvent(event);
        if (!change) return { ignored: `ECR ${detailType} ${action} ${result} in ${repository} cannot move a pinned tag (failed, untagged, or another action)` };
        const tag = change.kind === "image" ? `${repository}:${change.tag} → ${change.digest}` : repository;
        return { eventId, time, source: "ecr-event", change, summary: `ECR ${action} ${tag} in ${event.account}/${event.region} at ${time}, event ${eventId}` };
    }
    throw new MalformedEventError("source", source, "aws.s3 or aws.ecr (the tamper rules' sources)");
}
