/**
 * The deployment ledger: a DynamoDB table (`sagemaker-approval-gate-<env>-deployments`, keys `pk`/`sk`,
 * both strings) that records every deployment decision, so that rollback and audit work.
 *
 * Items:
 * - `pk = ENDPOINT#<endpoint>`, `sk = CURRENT`: what is live on the endpoint now (the last deployment
 *   or rollback this project started). Written only with a condition on the previous CURRENT, so two
 *   writers can never both believe they replaced the same version.
 * - `pk = ENDPOINT#<endpoint>`, `sk = H#<recordedAt>#<eventId>`: the history, one item per decision
 *   (deployed, rolled back, refused, no rollback target), newest last.
 * - `pk = NOTIFY#<package ARN>`, `sk = STATE#<approval status>#<package status>`: the notify-approver's
 *   idempotency record (one message per version and state): a lease while `sending`, final once `sent`.
 *
 * This module is the typed API to that table for the Lambdas and the approver CLI (`live`, `history`).
 */
import {
    ConditionalCheckFailedException,
    DeleteItemCommand,
    GetItemCommand,
    PutItemCommand,
    QueryCommand,
    TransactWriteItemsCommand,
    TransactionCanceledException,
    type AttributeValue,
    type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";

/** deployed/rolled-back change the endpoint; refused/no-rollback-target are recorded for audit only. */
export type DeploymentOutcome = "deployed" | "rolled-back" | "refused" | "no-rollback-target";
export type DeploymentKind = "deploy" | "rollback";

/** What a deployment replaced: the previous CURRENT, and the endpoint config that was live. */
export interface ReplacedDeployment {
    readonly packageArn?: string;
    readonly version?: number;
    readonly endpointConfigName?: string;
}

export interface DeploymentRecord {
    readonly endpointName: string;
    readonly packageArn: string;
    readonly groupName?: string;
    readonly version?: number;
    /** Endpoint config and model created for it (absent for refusals). */
    readonly endpointConfigName?: string;
    readonly modelName?: string;
    /** ISO-8601 time the decision was recorded (for `deployed`, when the blue/green update was started). */
    readonly deployedAt: string;
    /** The EventBridge event that caused it. */
    readonly eventId: string;
    readonly kind: DeploymentKind;
    readonly outcome: DeploymentOutcome;
    /** Why: the approval verdict, the refusal reason, the rejected version. */
    readonly reason?: string;
    readonly replaced?: ReplacedDeployment;
    /**
     * ISO-8601 time the deployed version was approved (the event's LastModifiedTime, never later than the
     * package's), so an older approval never replaces it. Absent on records written before it existed.
     */
    readonly approvedAt?: string;
    /** Who approved (LastModifiedBy of the package, when SageMaker reports it). */
    readonly approvedBy?: string;
    /** The approver's comment (ApprovalDescription). */
    readonly approvalDescription?: string;
    /** The version's evaluation report, so notifications can compare against what is live. */
    readonly metricsS3Uri?: string;
}

/** Another writer changed CURRENT between our read and our write: retry from the start. */
export class LedgerConflictError extends Error {
    override readonly name = "LedgerConflictError";
}

export const CURRENT_SK = "CURRENT";
const HISTORY_PREFIX = "H#";
export const endpointKey = (endpointName: string) => `ENDPOINT#${endpointName}`;

type Item = Record<string, AttributeValue>;

function put(item: Item, key: string, value: string | number | undefined): void {
    if (value === undefined || value === "") return;
    item[key] = typeof value === "number" ? { N: String(value) } : { S: value };
}

/** DeploymentRecord → DynamoDB item (pure). */
export function toItem(record: DeploymentRecord, sk: string): Item {
    const item: Item = { pk: { S: endpointKey(record.endpointName) }, sk: { S: sk } };
    put(item, "endpointName", record.endpointName);
    put(item, "packageArn", record.packageArn);
    put(item, "groupName", record.groupName);
    put(item, "version", record.version);
    put(item, "endpointConfigName", record.endpointConfigName);
    put(item, "modelName", record.modelName);
    put(item, "deployedAt", record.deployedAt);
    put(item, "eventId", record.eventId);
    put(item, "kind", record.kind);
    put(item, "outcome", record.outcome);
    put(item, "reason", record.reason);
    put(item, "replacedPackageArn", record.replaced?.packageArn);
    put(item, "replacedVersion", record.replaced?.version);
    put(item, "replacedEndpointConfigName", record.replaced?.endpointConfigName);
    put(item, "approvedAt", record.approvedAt);
    put(item, "approvedBy", record.approvedBy);
    put(item, "approvalDescription", record.approvalDescription);
    put(item, "metricsS3Uri", record.metricsS3Uri);
    return item;
}

const s = (item: Item, key: string) => item[key]?.S;
const n = (item: Item, key: string) => (item[key]?.N === undefined ? undefined : Number(item[key].N));

/** DynamoDB item → DeploymentRecord (pure). */
export function fromItem(item: Item): DeploymentRecord {
    const replaced: ReplacedDeployment = {
        packageArn: s(item, "replacedPackageArn"),
        version: n(item, "replacedVersion"),
        endpointConfigName: s(item, "replacedEndpointConfigName"),
    };
    return dropUndefined({
        endpointName: s(item, "endpointName") ?? "",
        packageArn: s(item, "packageArn") ?? "",
        groupName: s(item, "groupName"),
        version: n(item, "version"),
        endpointConfigName: s(item, "endpointConfigName"),
        modelName: s(item, "modelName"),
        deployedAt: s(item, "deployedAt") ?? "",
        eventId: s(item, "eventId") ?? "",
        kind: (s(item, "kind") as DeploymentKind) ?? "deploy",
        outcome: (s(item, "outcome") as DeploymentOutcome) ?? "deployed",
        reason: s(item, "reason"),
        replaced: replaced.packageArn || replaced.endpointConfigName ? dropUndefined(replaced) : undefined,
        approvedAt: s(item, "approvedAt"),
        approvedBy: s(item, "approvedBy"),
        approvalDescription: s(item, "approvalDescription"),
        metricsS3Uri: s(item, "metricsS3Uri"),
    });
}

function dropUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const historySk = (record: DeploymentRecord) => `${HISTORY_PREFIX}${record.deployedAt}#${record.eventId}`;

/** What is live on the endpoint according to the ledger; undefined when nothing was ever deployed. */
export async function currentDeployment(client: DynamoDBClient, tableName: string, endpointName: string): Promise<DeploymentRecord | undefined> {
    const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: endpointKey(endpointName) }, sk: { S: CURRENT_SK } }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
}

/**
 * The ledger's history for one endpoint, newest first: every outcome, refusals included, or only the
 * given outcomes (filtered in DynamoDB, paging on until `limit` records match or the history ends).
 */
export async function listDeployments(
    client: DynamoDBClient,
    tableName: string,
    endpointName: string,
    limit = 20,
    outcomes?: readonly DeploymentOutcome[],
): Promise<DeploymentRecord[]> {
    const records: DeploymentRecord[] = [];
    const filter = outcomes?.length
        ? {
              FilterExpression: `#outcome IN (${outcomes.map((_, i) => `:o${i}`).join(", ")})`,
              ExpressionAttributeNames: { "#outcome": "outcome" },
          }
        : {};
    const outcomeValues = Object.fromEntries((outcomes ?? []).map((o, i) => [`:o${i}`, { S: o }]));
    let startKey: Item | undefined;
    do {
        const out = await client.send(
            new QueryCommand({
                TableName: tableName,
                KeyConditionExpression: "pk = :pk AND begins_with(sk, :h)",
                ...filter,
                ExpressionAttributeValues: { ":pk": { S: endpointKey(endpointName) }, ":h": { S: HISTORY_PREFIX }, ...outcomeValues },
                ScanIndexForward: false,
                Limit: limit - records.length,
                ExclusiveStartKey: startKey,
                ConsistentRead: true,
            }),
        );
        records.push(...(out.Items ?? []).map(fromItem));
        startKey = out.LastEvaluatedKey;
    } while (startKey && records.length < limit);
    return records;
}

/**
 * Records a deployment or rollback: CURRENT becomes `record` and a history item is added, atomically.
 * `expectedCurrentEventId` is the eventId of the CURRENT we read (undefined if there was none); if
 * someone else wrote CURRENT since, nothing is written and LedgerConflictError is thrown.
 */
export async function recordDeployment(
    client: DynamoDBClient,
    tableName: string,
    record: DeploymentRecord,
    expectedCurrentEventId: string | undefined,
): Promise<void> {
    const condition =
        expectedCurrentEventId === undefined
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : { ConditionExpression: "eventId = :expected", ExpressionAttributeValues: { ":expected": { S: expectedCurrentEventId } } };
    try {
        await client.send(
            new TransactWriteItemsCommand({
                TransactItems: [
                    { Put: { TableName: tableName, Item: toItem(record, CURRENT_SK), ...condition } },
                    { Put: { TableName: tableName, Item: toItem(record, historySk(record)), ConditionExpression: "attribute_not_exists(pk)" } },
                ],
            }),
        );
    } catch (error) {
        if (error instanceof TransactionCanceledException || (error as Error).name === "TransactionCanceledException") {
            throw new LedgerConflictError(
                `the ledger's CURRENT for ${record.endpointName} changed while deploying ${record.packageArn} (expected eventId ${expectedCurrentEventId ?? "none"})`,
            );
        }
        throw error;
    }
}

/** Records a decision that did not change the endpoint (refusal, no rollback target): history only. */
export async function recordOutcome(client: DynamoDBClient, tableName: string, record: DeploymentRecord): Promise<void> {
    await client.send(new PutItemCommand({ TableName: tableName, Item: toItem(record, historySk(record)) }));
}

/**
 * Package ARNs the endpoint may roll back to, newest first: versions this ledger deployed or rolled back
 * to, minus `rejectedPackageArn`, each once. Pure; the caller still re-checks each with the approval rule.
 */
export function rollbackCandidates(history: readonly DeploymentRecord[], rejectedPackageArn: string): DeploymentRecord[] {
    const seen = new Set<string>([rejectedPackageArn.toLowerCase()]);
    const candidates: DeploymentRecord[] = [];
    for (const record of history) {
        if (record.outcome !== "deployed" && record.outcome !== "rolled-back") continue;
        const key = record.packageArn.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        candidates.push(record);
    }
    return candidates;
}

export const notificationKey = (packageArn: string) => `NOTIFY#${packageArn}`;
export const notificationStateKey = (approvalStatus: string, packageStatus: string) => `STATE#${approvalStatus}#${packageStatus}`;

export interface NotificationClaim {
    readonly packageArn: string;
    readonly approvalStatus: string;
    readonly packageStatus: string;
    readonly eventId: string;
}

const notificationItemKey = (claim: NotificationClaim): Item => ({
    pk: { S: notificationKey(claim.packageArn) },
    sk: { S: notificationStateKey(claim.approvalStatus, claim.packageStatus) },
});

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

/**
 * Claims the right to notify about one version in one state. True the first time, false for every
 * duplicate (conditional put). The claim is a lease: it reads `sending` until `confirmNotification`
 * marks it `sent`. A claim still `sending` after `leaseSeconds` belongs to an invocation that died
 * without releasing it (a Lambda timeout runs no catch block), so a retry may take it over; otherwise
 * that notification would be lost silently. Release the claim if the notification could not be sent.
 */
export async function claimNotification(
    client: DynamoDBClient,
    tableName: string,
    claim: NotificationClaim,
    now: Date,
    leaseSeconds: number,
): Promise<boolean> {
    try {
        await client.send(
            new PutItemCommand({
                TableName: tableName,
                Item: {
                    ...notificationItemKey(claim),
                    eventId: { S: claim.eventId },
                    claimedAt: { S: now.toISOString() },
                    status: { S: "sending" },
                    leaseUntil: { N: String(epochSeconds(now) + leaseSeconds) },
                },
                ConditionExpression: "attribute_not_exists(pk) OR (#status = :sending AND leaseUntil < :now)",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":sending": { S: "sending" }, ":now": { N: String(epochSeconds(now)) } },
            }),
        );
        return true;
    } catch (error) {
        if (error instanceof ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException") return false;
        throw error;
    }
}

/** Marks a claimed notification as sent: from now on every duplicate is silent, whatever its age. */
export async function confirmNotification(client: DynamoDBClient, tableName: string, claim: NotificationClaim, now: Date): Promise<void> {
    await client.send(
        new PutItemCommand({
            TableName: tableName,
            Item: { ...notificationItemKey(claim), eventId: { S: claim.eventId }, notifiedAt: { S: now.toISOString() }, status: { S: "sent" } },
        }),
    );
}

export async function releaseNotification(client: DynamoDBClient, tableName: string, claim: NotificationClaim): Promise<void> {
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: notificationItemKey(claim) }));
}
