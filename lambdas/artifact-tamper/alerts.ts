/**
 * The alert marker: written once the approvers' message about an event went out, so a redelivered event sends
 * nothing, and a send that failed (no marker) is sent by the retry. At least once, never zero.
 */
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** The alert marker's key: one per event, apart from the pins' `PINS#` items. */
export function alertKey(eventId: string): { pk: { S: string }; sk: { S: string } } {
    return { pk: { S: `TAMPER-ALERT#${eventId}` }, sk: { S: "ALERT" } };
}

export async function alertSent(client: Pick<DynamoDBClient, "send">, table: string, eventId: string): Promise<boolean> {
    const out = await client.send(new GetItemCommand({ TableName: table, Key: alertKey(eventId), ConsistentRead: true }));
    return !!out.Item;
}

export async function markAlertSent(client: Pick<DynamoDBClient, "send">, table: string, eventId: string, eventTime: string, summary: string): Promise<void> {
    await client.send(new PutItemCommand({ TableName: table, Item: { ...alertKey(eventId), eventTime: { S: eventTime }, summary: { S: summary } } }));
}
