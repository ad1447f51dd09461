/**
 * The smoke test's ledger items: one per deployment of a version, `pk = SMOKE#<package ARN>`,
 * `sk = DEPLOYMENT#<endpoint config>` (the deploy function names a config after the version and the event that
 * deployed it, so each deployment and each rollback has its own). A Query of `SMOKE#<package ARN>` lists every smoke
 * result of a version.
 *
 * The item is a lease while `testing` (a duplicate event finds it and runs nothing; a crashed run's lease expires
 * and the retry takes it over), then final: `passed`, `failed` (with the failing payload and answer) or `not-run`
 * (why). `notified` turns true once the approvers were told (and, for a failure, the version rejected), so a retry
 * after a failed publish finishes the job, and a duplicate after it does nothing.
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

export const SMOKE_PARTITION = "SMOKE#";
export type SmokeStatus = "testing" | "passed" | "failed" | "not-run";

export interface SmokeRecord {
    readonly packageArn: string;
    readonly endpointName: string;
    readonly endpointConfigName: string;
    /** The ledger CURRENT's event: the deployment (or rollback) being tested. */
    readonly deploymentEventId: string;
    readonly groupName?: string;
    readonly version?: number;
    readonly status: Exclude<SmokeStatus, "testing">;
    readonly testedAt: string;
    /** passed: how many payloads; failed: the failing check; not-run: why. */
    readonly reason: string;
    readonly payloadsSent?: number;
    /** failed: which payload, what it sent and what came back (quoted, shortened). */
    readonly failingPayload?: string;
    readonly failingRequest?: string;
    readonly failingAnswer?: string;
    /** The state-change event that started the test. */
    readonly eventId: string;
    readonly notified: boolean;
}

type Item = Record<string, AttributeValue>;
type Dynamo = Pick<DynamoDBClient, "send">;

export function smokeKey(packageArn: string, endpointConfigName: string): Item {
    return { pk: { S: `${SMOKE_PARTITION}${packageArn}` }, sk: { S: `DEPLOYMENT#${endpointConfigName}` } };
}

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);
const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException || (error as Error)?.name === "ConditionalCheckFailedException";

function toItem(record: SmokeRecord): Item {
    const item: Item = { ...smokeKey(record.packageArn, record.endpointConfigName), notified: { BOOL: record.notified } };
    const put = (key: string, value: string | number | undefined) => {
        if (value === undefined || value === "") return;
        item[key] = typeof value === "number" ? { N: String(value) } : { S: value };
    };
    put("packageArn", record.packageArn);
    put("endpointName", record.endpointName);
    put("endpointConfigName", record.endpointConfigName);
    put("deploymentEventId", record.deploymentEventId);
    put("groupName", record.groupName);
    put("version", record.version);
    put("status", record.status);
    put("testedAt", record.testedAt);
    put("reason", record.reason);
    put("payloadsSent", record.payloadsSent);
    put("failingPayload", record.failingPayload);
    put("failingRequest", record.failingRequest);
    put("failingAnswer", record.failingAnswer);
    put("eventId", record.eventId);
    return item;
}

function fromItem(item: Item): SmokeRecord {
    const s = (k: string) => item[k]?.S;
    const n = (k: string) => (item[k]?.N === undefined ? undefined : Number(item[k].N));
    return Object.fromEntries(
        Object.entries({
            packageArn: s("packageArn") ?? "",
            endpointName: s("endpointName") ?? "",
            endpointConfigName: s("endpointConfigName") ?? "",
            deploymentEventId: s("deploymentEventId") ?? "",
            groupName: s("groupName"),
            version: n("version"),
            status: s("status"),
            testedAt: s("testedAt") ?? "",
            reason: s("reason") ?? "",
            payloadsSent: n("payloadsSent"),
            failingPayload: s("failingPayload"),
            failingRequest: s("failingRequest"),
            failingAnswer: s("failingAnswer"),
            eventId: s("eventId") ?? "",
            notified: item.notified?.BOOL === true,
        }).filter(([, v]) => v !== undefined),
    ) as unknown as SmokeRecord;
}

/** What the ledger holds for this deployment: nothing, a lease (`testing`), or the final record. */
export async function readSmoke(client: Dynamo, table: string, packageArn: string, endpointConfigName: string): Promise<{ status: "none" | "testing" } | { status: "final"; record: SmokeRecord }> {
    const out = await client.send(new GetItemCommand({ TableName: table, Key: smokeKey(packageArn, endpointConfigName), ConsistentRead: true }));
    if (!out.Item) return { status: "none" };
    if (out.Item.status?.S === "testing") return { status: "testing" };
    return { status: "final", record: fromItem(out.Item) };
}

/**
 * Takes the lease on testing this deployment: true the first time, and for a lease that expired (its run died);
 * false while another run holds it, or once a result is recorded.
 */
export async function claimSmoke(client: Dynamo, table: string, key: { packageArn: string; endpointConfigName: string }, token: string, now: Date, leaseSeconds: number): Promise<boolean> {
    try {
        await client.send(
            new PutItemCommand({
                TableName: table,
                Item: { ...smokeKey(key.packageArn, key.endpointConfigName), status: { S: "testing" }, claimToken: { S: token }, claimedAt: { S: now.toISOString() }, leaseUntil: { N: String(epochSeconds(now) + leaseSeconds) } },
                ConditionExpression: "attribute_not_exists(pk) OR (#status = :testing AND leaseUntil < :now)",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":testing": { S: "testing" }, ":now": { N: String(epochSeconds(now)) } },
            }),
        );
        return true;
    } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
    }
}

/** Gives the lease back at once (a transient failure: the retry must not wait for it to expire). */
export async function releaseSmoke(client: Dynamo, table: string, key: { packageArn: string; endpointConfigName: string }, token: string): Promise<void> {
    try {
        await client.send(
            new PutItemCommand({
                TableName: table,
                Item: { ...smokeKey(key.packageArn, key.endpointConfigName), status: { S: "testing" }, claimToken: { S: token }, leaseUntil: { N: "0" } },
                ConditionExpression: "claimToken = :token",
                ExpressionAttributeValues: { ":token": { S: token } },
            }),
        );
    } catch (error) {
        if (!isConditionFailure(error)) throw error;
    }
}

/** Replaces our lease with the result; false when the lease was taken over meanwhile (that run records its own). */
export async function recordSmokeResult(client: Dynamo, table: string, record: SmokeRecord, token: string): Promise<boolean> {
    try {
        await client.send(
            new PutItemCommand({ TableName: table, Item: toItem(record), ConditionExpression: "claimToken = :token", ExpressionAttributeValues: { ":token": { S: token } } }),
        );
        return true;
    } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
    }
}

/** The approvers were told (and a failed version rejected): duplicates and retries from now on do nothing. */
export async function markSmokeNotified(client: Dynamo, table: string, record: SmokeRecord): Promise<void> {
    await client.send(new PutItemCommand({ TableName: table, Item: toItem({ ...record, notified: true }) }));
}
