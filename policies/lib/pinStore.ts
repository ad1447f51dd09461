/**
 * The pins' home in the deployment ledger (DynamoDB, keys `pk`/`sk`): what a version was made of when it was
 * registered, the changes found since (TAMPERED), and the reverse index from an artifact or image tag to the
 * versions that use it. Keys and the pins' JSON are `pinRecord`'s; this module only does the I/O.
 *
 * One Query on `pk=PINS#<package ARN>` returns the pins and every tamper record of a version, so both
 * enforcement points (deploy-approved, the policy pack) pay one DynamoDB call per package.
 */
import {
    PutItemCommand,
    QueryCommand,
    TransactWriteItemsCommand,
    type AttributeValue,
    type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import type { PackagePins, PinChange } from "./artifactPins";
import { pinIndexKeys } from "./tamperEvents";
import { PinRecordError, parsePins, pinsKey, reverseIndexKey, serializePins, tamperedKey } from "./pinRecord";

type Item = Record<string, AttributeValue>;
type Sender = Pick<DynamoDBClient, "send">;

/** Where a change was found. */
export type TamperSource = "registration" | "deploy" | "policy-pack" | "s3-event" | "ecr-event";

export interface TamperRecord {
    readonly packageArn: string;
    readonly recordedAt: string;
    readonly eventId: string;
    readonly source: TamperSource;
    readonly changes: readonly PinChange[];
    /** The one message (describePinChanges) as it was published. */
    readonly summary: string;
}

export interface StoredPins {
    /** Undefined when the version was never pinned (or its record could not be read: see `problem`). */
    readonly pins?: PackagePins;
    /** Every change ever recorded: a version with one is never deployed again. */
    readonly tampered: readonly TamperRecord[];
    /** The pin record exists but is corrupt: treat as not verified. */
    readonly problem?: string;
}

const key = (k: { pk: string; sk: string }): Item => ({ pk: { S: k.pk }, sk: { S: k.sk } });
const TAMPERED_PREFIX = "TAMPERED#";

/**
 * Writes the pins and their reverse index once, atomically. A second write for the same version (SageMaker sends
 * duplicate events) changes nothing and answers "already-pinned": pins are never overwritten.
 */
export async function writePins(client: Sender, tableName: string, pins: PackagePins, eventId: string): Promise<"written" | "already-pinned"> {
    const own = pinsKey(pins.packageArn);
    const indexItems = [...new Set(pinIndexKeys(pins))].map((indexKey) => ({
        Put: {
            TableName: tableName,
            Item: { ...key(reverseIndexKey(indexKey, pins.packageArn)), packageArn: { S: pins.packageArn }, pinnedAt: { S: pins.pinnedAt } },
        },
    }));
    try {
        await client.send(
            new TransactWriteItemsCommand({
                TransactItems: [
                    {
                        Put: {
                            TableName: tableName,
                            Item: { ...key(own), packageArn: { S: pins.packageArn }, pins: { S: serializePins(pins) }, pinnedAt: { S: pins.pinnedAt }, eventId: { S: eventId } },
                            ConditionExpression: "attribute_not_exists(pk)",
                        },
                    },
                    ...indexItems,
                ],
            }),
        );
        return "written";
    } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
        if ((error as Error).name === "TransactionCanceledException" && reasons?.[0]?.Code === "ConditionalCheckFailed") return "already-pinned";
        throw error;
    }
}

/** The pins and tamper records of one version: one consistent Query. AWS errors are thrown for the caller to classify. */
export async function readPins(client: Sender, tableName: string, packageArn: string): Promise<StoredPins> {
    const { pk } = pinsKey(packageArn);
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
        const out = await client.send(
            new QueryCommand({
                TableName: tableName,
                KeyConditionExpression: "pk = :pk",
                ExpressionAttributeValues: { ":pk": { S: pk } },
                ConsistentRead: true,
                ExclusiveStartKey: startKey,
            }),
        );
        items.push(...(out.Items ?? []));
        startKey = out.LastEvaluatedKey;
    } while (startKey);
    const tampered = items.filter((item) => item.sk?.S?.startsWith(TAMPERED_PREFIX)).map((item) => tamperFromItem(item, packageArn));
    const pinItem = items.find((item) => item.sk?.S === pinsKey(packageArn).sk);
    if (!pinItem) return { tampered };
    try {
        return { pins: parsePins(pinItem.pins?.S ?? "", packageArn), tampered };
    } catch (error) {
        if (error instanceof PinRecordError) return { tampered, problem: error.message };
        throw error;
    }
}

/** Records a change found in a version's bytes. Idempotent per (time, event): a redelivered event adds nothing. */
export async function recordTampering(client: Sender, tableName: string, record: TamperRecord): Promise<void> {
    await client.send(
        new PutItemCommand({
            TableName: tableName,
            Item: {
                ...key(tamperedKey(record.packageArn, record.recordedAt, record.eventId)),
                packageArn: { S: record.packageArn },
                recordedAt: { S: record.recordedAt },
                eventId: { S: record.eventId },
                source: { S: record.source },
                summary: { S: record.summary },
                changes: { S: JSON.stringify(record.changes) },
            },
            ConditionExpression: "attribute_not_exists(pk)",
        }),
    ).catch((error: Error) => {
        if (error.name !== "ConditionalCheckFailedException") throw error;
    });
}

/** The versions whose pins include this artifact or image tag (`pinIndexKeys`), oldest pin first. */
export async function packagesIndexedBy(client: Sender, tableName: string, indexKey: string): Promise<string[]> {
    const arns: string[] = [];
    let startKey: Item | undefined;
    do {
        const out = await client.send(
            new QueryCommand({
                TableName: tableName,
                KeyConditionExpression: "pk = :pk AND begins_with(sk, :pkg)",
                ExpressionAttributeValues: { ":pk": { S: indexKey }, ":pkg": { S: "PKG#" } },
                ConsistentRead: true,
                ExclusiveStartKey: startKey,
            }),
        );
        arns.push(...(out.Items ?? []).map((item) => item.packageArn?.S).filter((arn): arn is string => !!arn));
        startKey = out.LastEvaluatedKey;
    } while (startKey);
    return arns;
}

function tamperFromItem(item: Item, packageArn: string): TamperRecord {
    let changes: PinChange[] = [];
    try {
        const parsed = JSON.parse(item.changes?.S ?? "[]");
        if (Array.isArray(parsed)) changes = parsed;
    } catch {
        // A tamper record whose details cannot be read still counts as tampering: its existence is the verdict.
    }
    return {
        packageArn,
        recordedAt: item.recordedAt?.S ?? "",
        eventId: item.eventId?.S ?? "",
        source: (item.source?.S as TamperSource) ?? "deploy",
        changes,
        summary: item.summary?.S ?? "bytes changed (details unreadable)",
    };
}
