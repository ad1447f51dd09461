/**
 * The deployment ledger's audit trail: one item per out-of-band call the detective control saw (issue 11,
 * docs/detective-control.md), next to the deployment history of ledger.ts.
 *
 * - `pk = AUDIT#out-of-band`, `sk = <call time>#<CloudTrail eventID>`: one partition, so `auditTrail()` lists them
 *   newest first with one Query; CloudTrail's eventID makes every copy of an event write the same item.
 *   `alertSentAt` is set once the approvers' message went out, so a redelivery sends nothing and a failed send
 *   is sent again by the retry (at least once, never zero).
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

export const AUDIT_PARTITION_PREFIX = "AUDIT#";
export const OUT_OF_BAND_AUDIT_PK = `${AUDIT_PARTITION_PREFIX}out-of-band`;

export interface AuditRecord {
    /** CloudTrail's eventID. */
    readonly eventId: string;
    /** When the call was made (CloudTrail's eventTime). */
    readonly eventTime: string;
    readonly eventName: string;
    /** The principal judged (session issuer role, or the caller), and the caller's own ARN. */
    readonly principal: string;
    readonly callerArn?: string;
    readonly resource: string;
    readonly sourceIPAddress?: string;
    readonly errorCode?: string;
    /** The call's key request parameters, as JSON. */
    readonly parameters: string;
    /** When the approvers were told; absent until they were. */
    readonly alertSentAt?: string;
}

type Item = Record<string, AttributeValue>;

export function auditKey(eventTime: string, eventId: string): Item {
    return { pk: { S: OUT_OF_BAND_AUDIT_PK }, sk: { S: `${eventTime}#${eventId}` } };
}

/** AuditRecord → item (pure). Empty optional fields are left out. */
export function toAuditItem(record: AuditRecord): Item {
    const item: Item = { ...auditKey(record.eventTime, record.eventId) };
    for (const [key, value] of Object.entries(record)) if (typeof value === "string" && value !== "") item[key] = { S: value };
    return item;
}

export function fromAuditItem(item: Item): AuditRecord {
    const s = (key: string) => item[key]?.S;
    return Object.fromEntries(
        ["eventId", "eventTime", "eventName", "principal", "callerArn", "resource", "sourceIPAddress", "errorCode", "parameters", "alertSentAt"].flatMap((k) => (s(k) === undefined ? [] : [[k, s(k)]])),
    ) as unknown as AuditRecord;
}

export async function readAuditRecord(client: Pick<DynamoDBClient, "send">, table: string, eventTime: string, eventId: string): Promise<AuditRecord | undefined> {
    const out = await client.send(new GetItemCommand({ TableName: table, Key: auditKey(eventTime, eventId), ConsistentRead: true }));
    return out.Item ? fromAuditItem(out.Item) : undefined;
}

/** Writes the record unless one for this call exists (a concurrent copy of the event wrote it first: fine). */
export async function recordAudit(client: Pick<DynamoDBClient, "send">, table: string, record: AuditRecord): Promise<void> {
    try {
        await client.send(new PutItemCommand({ TableName: table, Item: toAuditItem(record), ConditionExpression: "attribute_not_exists(pk)" }));
    } catch (error) {
        if (error instanceof ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException") return;
        throw error;
    }
}

/** Marks the record alerted (the same item, with alertSentAt). */
export async function markAuditAlerted(client: Pick<DynamoDBClient, "send">, table: string, record: AuditRecord, at: Date): Promise<void> {
    await client.send(new PutItemCommand({ TableName: table, Item: toAuditItem({ ...record, alertSentAt: at.toISOString() }) }));
}

/** The audit trail, newest first. */
export async function auditTrail(client: Pick<DynamoDBClient, "send">, table: string, limit = 20): Promise<AuditRecord[]> {
    const out = await client.send(
        new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: OUT_OF_BAND_AUDIT_PK } }, ScanIndexForward: false, Limit: limit, ConsistentRead: true }),
    );
    return (out.Items ?? []).map(fromAuditItem);
}
