/**
 * out-of-band logic: a CloudTrail event of a watched SageMaker call → re-checked against this environment's resources
 * and trusted principals (calls.ts) → an audit record in the ledger (idempotent on CloudTrail's eventID) → one message
 * to the approvers → metric OutOfBandChange, which the OUT-OF-BAND CHANGE alarm watches. Clients are injected.
 *
 * Delivery is at least once (EventBridge → async Lambda, retries, DLQ): the record is written before the message, so
 * the audit trail has the call even when SNS fails; `alertSentAt`, written after the message went out, keeps a
 * redelivery from sending it twice.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { markAuditAlerted, readAuditRecord, recordAudit, type AuditRecord } from "../shared/auditTrail";
import { MalformedEventError, retryableIfTransient } from "../shared/errors";
import { metricLine, type Logger } from "../shared/log";
import type { Publisher } from "../shared/publish";
import { classifyCall } from "./calls";
import { readCloudTrailCall, type CloudTrailCall } from "./event";
import { keyParameters, outOfBandMessage } from "./message";
import { OUT_OF_BAND_METRIC, type OutOfBandSettings } from "./settings";

export interface OutOfBandDeps {
    readonly dynamodb: Pick<DynamoDBClient, "send">;
    readonly publisher: Publisher;
    readonly logger: Logger;
    /** Where EMF metric lines go (stdout in Lambda). */
    readonly emitMetric: (line: string) => void;
    readonly now?: () => Date;
}

export type OutOfBandResult =
    | { readonly outcome: "alerted"; readonly record: AuditRecord; readonly subject: string; readonly body: string }
    | { readonly outcome: "already-alerted" | "ignored"; readonly reason: string };

export async function handleOutOfBandEvent(event: unknown, settings: OutOfBandSettings, deps: OutOfBandDeps): Promise<OutOfBandResult> {
    let call: CloudTrailCall;
    try {
        call = readCloudTrailCall(event);
    } catch (error) {
        if (!(error instanceof MalformedEventError)) throw error;
        // Thrown on purpose: an unreadable record of a watched call may be a change nobody saw, so it goes to the
        // function's DLQ (after Lambda's retries), whose depth alarm tells the approvers; see docs/detective-control.md.
        deps.logger.log("error", error.message, { field: error.field, eventId: (event as { id?: unknown } | null)?.id });
        throw error;
    }
    const verdict = classifyCall(call, settings.resources, settings.trusted);
    if (verdict.kind === "ignored") {
        deps.logger.log("info", `ignored: ${verdict.reason}`, { eventId: call.eventId });
        return { outcome: "ignored", reason: verdict.reason };
    }
    try {
        return await alert(call, verdict, settings, deps);
    } catch (error) {
        throw retryableIfTransient(error);
    }
}

async function alert(call: CloudTrailCall, verdict: Extract<ReturnType<typeof classifyCall>, { kind: "out-of-band" }>, settings: OutOfBandSettings, deps: OutOfBandDeps): Promise<OutOfBandResult> {
    const table = settings.ledgerTableName;
    const existing = await readAuditRecord(deps.dynamodb, table, call.eventTime, call.eventId);
    if (existing?.alertSentAt) return { outcome: "already-alerted", reason: `CloudTrail event ${call.eventId} was alerted at ${existing.alertSentAt}` };
    const record: AuditRecord = existing ?? {
        eventId: call.eventId,
        eventTime: call.eventTime,
        eventName: verdict.call,
        principal: verdict.identity.principal ?? verdict.identity.invokedBy ?? verdict.identity.type ?? "unknown",
        callerArn: verdict.identity.arn,
        resource: verdict.resource.name,
        sourceIPAddress: call.sourceIPAddress,
        errorCode: call.errorCode,
        parameters: keyParameters(call.requestParameters),
    };
    if (!existing) await recordAudit(deps.dynamodb, table, record);
    const { subject, body } = outOfBandMessage({
        environment: settings.environment,
        call,
        eventName: verdict.call,
        resource: verdict.resource,
        identity: verdict.identity,
        parameters: record.parameters,
        auditKey: `AUDIT#out-of-band / ${call.eventTime}#${call.eventId}`,
        auditTable: settings.ledgerTableName,
        endpointName: settings.resources.endpointName,
    });
    await deps.publisher.publish(subject, body);
    deps.emitMetric(metricLine(OUT_OF_BAND_METRIC, settings.environment));
    await markAuditAlerted(deps.dynamodb, table, record, (deps.now ?? (() => new Date()))());
    deps.logger.log("warn", subject, { eventId: call.eventId, principal: record.principal, resource: record.resource });
    return { outcome: "alerted", record, subject, body };
}
