/**
 * The "AWS API Call via CloudTrail" event, checked field by field (EventBridge User Guide, "AWS service events
 * delivered via AWS CloudTrail"; the record in `detail` is CloudTrail's, see "CloudTrail record contents"). A missing
 * or mistyped field throws MalformedEventError naming it.
 */
import { MalformedEventError } from "../shared/errors";
import { CLOUDTRAIL_DETAIL_TYPE, SAGEMAKER_EVENT_SOURCE } from "./calls";

export interface CloudTrailCall {
    /** EventBridge's id of the event (redeliveries keep it). */
    readonly id: string;
    /** CloudTrail's id of the call: the audit record's key, the same in every copy of the event. */
    readonly eventId: string;
    /** When the call was made (CloudTrail's eventTime). */
    readonly eventTime: string;
    readonly eventName: string;
    readonly account: string;
    readonly region: string;
    readonly requestParameters: Record<string, unknown>;
    readonly userIdentity: unknown;
    readonly sourceIPAddress?: string;
    readonly userAgent?: string;
    /** Set when the call failed (AccessDenied, ValidationException, ...): an attempt, nothing changed. */
    readonly errorCode?: string;
    readonly errorMessage?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function requireString(record: Json, path: string, expected: string): string {
    const value = path.split(".").reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), record);
    if (typeof value !== "string" || value.trim() === "") throw new MalformedEventError(path, value, expected);
    return value;
}

const optional = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export function readCloudTrailCall(event: unknown): CloudTrailCall {
    if (!isObject(event)) throw new MalformedEventError("event", event, "an EventBridge event object");
    const id = requireString(event, "id", "the EventBridge event id");
    const detailType = requireString(event, "detail-type", `"${CLOUDTRAIL_DETAIL_TYPE}"`);
    if (detailType !== CLOUDTRAIL_DETAIL_TYPE) throw new MalformedEventError("detail-type", detailType, `"${CLOUDTRAIL_DETAIL_TYPE}" (the out-of-band rules' detail type)`);
    const account = requireString(event, "account", "the 12-digit account id");
    const region = requireString(event, "region", "the region of the call");
    if (!isObject(event.detail)) throw new MalformedEventError("detail", event.detail, "the CloudTrail record");
    const detail = event.detail;
    const eventSource = requireString(event, "detail.eventSource", SAGEMAKER_EVENT_SOURCE);
    if (eventSource !== SAGEMAKER_EVENT_SOURCE) throw new MalformedEventError("detail.eventSource", eventSource, SAGEMAKER_EVENT_SOURCE);
    const eventId = requireString(event, "detail.eventID", "CloudTrail's id of the call");
    const eventTime = requireString(event, "detail.eventTime", "the ISO 8601 time of the call");
    if (Number.isNaN(Date.parse(eventTime))) throw new MalformedEventError("detail.eventTime", eventTime, "an ISO 8601 time such as 2026-12-02T10:00:00Z");
    const eventName = requireString(event, "detail.eventName", "the API call's name, e.g. UpdateEndpoint");
    if (!isObject(detail.requestParameters)) throw new MalformedEventError("detail.requestParameters", detail.requestParameters, "the call's parameters (every watched call has some)");
    return {
        id,
        eventId,
        eventTime,
        eventName,
        account,
        region,
        requestParameters: detail.requestParameters,
        userIdentity: detail.userIdentity,
        sourceIPAddress: optional(detail.sourceIPAddress),
        userAgent: optional(detail.userAgent),
        errorCode: optional(detail.errorCode),
        errorMessage: optional(detail.errorMessage),
    };
}
