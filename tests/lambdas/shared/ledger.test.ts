import { strict as assert } from "assert";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createLedgerTable } from "../ledgerTable";
import {
    claimNotification,
    confirmNotification,
    currentDeployment,
    fromItem,
    LedgerConflictError,
    listDeployments,
    recordDeployment,
    recordOutcome,
    releaseNotification,
    rollbackCandidates,
    toItem,
    type DeploymentRecord,
} from "../../../lambdas/shared/ledger";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../helpers/moto";

const ARN = (v: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-dev/${v}`;

function record(v: number, at: string, outcome: DeploymentRecord["outcome"] = "deployed"): DeploymentRecord {
    return {
        endpointName: "ep",
        packageArn: ARN(v),
        groupName: "abalone-dev",
        version: v,
        endpointConfigName: `cfg-v${v}`,
        deployedAt: at,
        eventId: `event-${v}-${at}`,
        kind: "deploy",
        outcome,
        approvedBy: "arn:aws:iam::123456789012:role/ml-approver",
    };
}

describe("lambdas/shared/ledger", () => {
    describe("pure parts", () => {
        it("round-trips a record through a DynamoDB item, dropping empty fields", () => {
            const r: DeploymentRecord = { ...record(3, "2026-01-01T00:00:00.000Z"), replaced: { packageArn: ARN(2), version: 2, endpointConfigName: "cfg-v2" } };
            const item = toItem(r, "CURRENT");
            assert.equal(item.version.N, "3");
            assert.equal(item.reason, undefined);
            assert.deepEqual(fromItem(item), r);
        });

        it("keeps the live version's approval time (approvedAt), and reads an older item without it", () => {
            const r: DeploymentRecord = { ...record(3, "2026-01-02T00:00:00.000Z"), approvedAt: "2026-01-01T12:00:00.000Z" };
            const item = toItem(r, "CURRENT");
            assert.equal(item.approvedAt.S, "2026-01-01T12:00:00.000Z");
            assert.equal(fromItem(item).approvedAt, "2026-01-01T12:00:00.000Z");
            const { approvedAt: _gone, ...older } = item;
            assert.equal(fromItem(older).approvedAt, undefined);
        });

        it("offers rollback candidates newest first, once each, never the rejected one or a refusal", () => {
            const history = [
                record(4, "t4"),
                record(9, "t3b", "refused"),
                record(3, "t3"),
                record(4, "t2"),
                record(2, "t1"),
                record(3, "t0"),
            ];
            assert.deepEqual(rollbackCandidates(history, ARN(4)).map((r) => r.version), [3, 2]);
            assert.deepEqual(rollbackCandidates([record(4, "t")], ARN(4).toUpperCase()), []);
        });
    });

    describe("against moto DynamoDB", () => {
        let client: DynamoDBClient;
        let table: string;
        before(async () => {
            client = new DynamoDBClient(motoClientConfig(await motoEndpoint()));
            table = uniqueName("ledger");
            await createLedgerTable(client, table);
        });

        it("records deployments with an optimistic lock on CURRENT and lists history newest first", async () => {
            assert.equal(await currentDeployment(client, table, "ep"), undefined);
            const first = record(1, "2026-01-01T00:00:00.000Z");
            await recordDeployment(client, table, first, undefined);
            await assert.rejects(recordDeployment(client, table, record(2, "2026-01-02T00:00:00.000Z"), undefined), LedgerConflictError);
            await assert.rejects(recordDeployment(client, table, record(2, "2026-01-02T00:00:00.000Z"), "some-other-event"), LedgerConflictError);
            const second = { ...record(2, "2026-01-03T00:00:00.000Z"), replaced: { packageArn: ARN(1), version: 1 } };
            await recordDeployment(client, table, second, first.eventId);
            await recordOutcome(client, table, { ...record(7, "2026-01-04T00:00:00.000Z", "refused"), reason: "its ModelApprovalStatus is Rejected" });

            assert.deepEqual(await currentDeployment(client, table, "ep"), second);
            const history = await listDeployments(client, table, "ep", 10);
            assert.deepEqual(history.map((r) => [r.version, r.outcome]), [[7, "refused"], [2, "deployed"], [1, "deployed"]]);
            assert.deepEqual((await listDeployments(client, table, "ep", 2)).map((r) => r.version), [7, 2]);
            assert.deepEqual(await listDeployments(client, table, "other-endpoint"), []);
            // Only what went live, paging past the refusals in between.
            assert.deepEqual((await listDeployments(client, table, "ep", 2, ["deployed", "rolled-back"])).map((r) => r.version), [2, 1]);
            assert.deepEqual((await listDeployments(client, table, "ep", 10, ["refused"])).map((r) => r.version), [7]);
        });

        it("claims a notification once per package and state, and can release it", async () => {
            const t0 = new Date("2026-01-01T00:00:00Z");
            const pending = { packageArn: ARN(5), approvalStatus: "PendingManualApproval", packageStatus: "Completed", eventId: "e1" };
            const claim = () => claimNotification(client, table, pending, t0, 60);
            assert.equal(await claim(), true);
            assert.equal(await claim(), false);
            assert.equal(await claimNotification(client, table, { ...pending, approvalStatus: "Approved", eventId: "e2" }, t0, 60), true);
            await releaseNotification(client, table, pending);
            assert.equal(await claim(), true);
        });

        it("lets a retry take over a claim whose invocation died (lease expired), never a sent one", async () => {
            const t0 = new Date("2026-01-01T00:00:00Z");
            const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
            const pending = { packageArn: ARN(6), approvalStatus: "PendingManualApproval", packageStatus: "Completed", eventId: "e1" };
            assert.equal(await claimNotification(client, table, pending, t0, 60), true);
            assert.equal(await claimNotification(client, table, { ...pending, eventId: "dup" }, at(30), 60), false, "still leased to the first invocation");
            assert.equal(await claimNotification(client, table, { ...pending, eventId: "retry" }, at(90), 60), true, "the first invocation timed out");
            await confirmNotification(client, table, pending, at(91));
            assert.equal(await claimNotification(client, table, { ...pending, eventId: "late" }, at(100_000), 60), false, "sent is final");
        });
    });
});
