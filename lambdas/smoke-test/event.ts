/**
 * The "SageMaker Endpoint State Change" event the smoke test wakes on, checked field by field (pure).
 *
 * Documented (SageMaker Developer Guide, "Events that Amazon SageMaker AI sends to Amazon EventBridge"): `detail`
 * carries EndpointName, EndpointArn, EndpointConfigName, EndpointStatus, and the sample spells the status
 * `IN_SERVICE` (DescribeEndpoint says `InService`; both are accepted) and gives `time` as epoch milliseconds in a
 * string. Nothing in the event is trusted beyond "look now": the handler re-reads the endpoint and the ledger.
 */
import { MalformedEventError } from "../shared/errors";

export const ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change";
/** The spellings of InService: the documented event sample's and DescribeEndpoint's. */
export const IN_SERVICE_STATUSES = ["IN_SERVICE", "InService"] as const;

export interface EndpointEvent {
    readonly eventId: string;
    readonly endpointName: string;
    readonly endpointConfigName?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function requireString(obj: Json, key: string, path: string, expected: string): string {
    const value = obj[key];
    if (typeof value !== "string" || value.trim() === "") throw new MalformedEventError(path, value, expected);
    return value;
}

/** The event to act on, or why it is ignored (another endpoint, not InService). Throws MalformedEventError naming the field. */
export function readEndpointEvent(event: unknown, endpointName: string): EndpointEvent | { readonly ignored: string } {
    if (!isObject(event)) throw new MalformedEventError("event", event, "an EventBridge event object");
    const eventId = requireString(event, "id", "id", "the EventBridge event id");
    if (event.source !== "aws.sagemaker") throw new MalformedEventError("source", event.source, '"aws.sagemaker"');
    if (event["detail-type"] !== ENDPOINT_STATE_CHANGE) throw new MalformedEventError("detail-type", event["detail-type"], JSON.stringify(ENDPOINT_STATE_CHANGE));
    const detail = event.detail;
    if (!isObject(detail)) throw new MalformedEventError("detail", detail, "the endpoint's state (EndpointName, EndpointStatus, ...)");
    const name = requireString(detail, "EndpointName", "detail.EndpointName", "the endpoint's name");
    const status = requireString(detail, "EndpointStatus", "detail.EndpointStatus", `the endpoint's status, e.g. ${IN_SERVICE_STATUSES[0]}`);
    if (name !== endpointName) return { ignored: `the event is about endpoint ${name}; this environment smoke-tests ${endpointName}` };
    if (!(IN_SERVICE_STATUSES as readonly string[]).includes(status)) return { ignored: `${name} is ${status}; the smoke test runs once it is InService` };
    const config = detail.EndpointConfigName;
    return { eventId, endpointName: name, ...(typeof config === "string" && config ? { endpointConfigName: config } : {}) };
}
