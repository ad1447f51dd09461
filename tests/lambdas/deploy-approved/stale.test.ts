import { strict as assert } from "assert";
import { approvalTime, liveApprovalTime, staleApprovalReason } from "../../../lambdas/deploy-approved/stale";
import type { DeploymentRecord } from "../../../lambdas/shared/ledger";

const ARN = (v: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-dev/${v}`;
const evt = (v: number) => ({ packageArn: ARN(v), version: v, groupName: "abalone-dev" });
const live = (v: number, deployedAt: string, approvedAt?: string): DeploymentRecord => ({
    endpointName: "ep", packageArn: ARN(v), version: v, deployedAt, eventId: `e${v}`, kind: "deploy", outcome: "deployed", ...(approvedAt ? { approvedAt } : {}),
});
const env = { environment: "prod" };

describe("lambdas/deploy-approved/stale", () => {
    it("takes the approval time from the event's LastModifiedTime, else its time, never later than the package's own", () => {
        assert.equal(approvalTime({ lastModifiedTime: "2026-03-01T10:00:00Z", time: "2026-03-01T10:00:05Z" }), "2026-03-01T10:00:00.000Z");
        assert.equal(approvalTime({ time: "2026-03-01T10:00:05Z" }), "2026-03-01T10:00:05.000Z");
        assert.equal(approvalTime({ lastModifiedTime: "not a time", time: "2026-03-01T10:00:05Z" }), "2026-03-01T10:00:05.000Z");
        // An event cannot claim an approval newer than the package has.
        assert.equal(approvalTime({ time: "2030-01-01T00:00:00Z" }, { LastModifiedTime: new Date("2026-03-01T10:00:00Z") }), "2026-03-01T10:00:00.000Z");
        assert.equal(approvalTime({ time: "" }, { LastModifiedTime: new Date("2026-03-01T10:00:00Z") }), "2026-03-01T10:00:00.000Z");
        assert.equal(approvalTime({ time: "" }), undefined);
    });

    it("falls back to deployedAt for a ledger record written before approvedAt existed", () => {
        assert.deepEqual(liveApprovalTime(live(4, "2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z")), { at: "2026-03-01T00:00:00.000Z", fromDeployedAt: false });
        assert.deepEqual(liveApprovalTime(live(4, "2026-03-02T00:00:00Z")), { at: "2026-03-02T00:00:00.000Z", fromDeployedAt: true });
    });

    it("refuses an approval older than the live version's, naming both versions and times and how to put it back on purpose", () => {
        const reason = staleApprovalReason(evt(3), "2026-03-01T00:00:00.000Z", live(4, "2026-03-02T09:00:00.000Z", "2026-03-02T08:00:00.000Z"), env)!;
        assert.match(reason, /^stale: v3 approved at 2026-03-01T00:00:00.000Z, v4 live since 2026-03-02T09:00:00.000Z \(approved at 2026-03-02T08:00:00.000Z\)/);
        assert.match(reason, /approvals -- reject abalone-dev\/4 --env prod/);
        assert.match(reason, /approvals -- approve abalone-dev\/3 --env prod/);
    });

    it("lets a newer (or equally old) approval through, and anything when nothing else is live", () => {
        assert.equal(staleApprovalReason(evt(5), "2026-03-03T00:00:00.000Z", live(4, "2026-03-02T09:00:00.000Z", "2026-03-02T08:00:00.000Z"), env), undefined);
        assert.equal(staleApprovalReason(evt(5), "2026-03-02T08:00:00.000Z", live(4, "2026-03-02T09:00:00.000Z", "2026-03-02T08:00:00.000Z"), env), undefined);
        assert.equal(staleApprovalReason(evt(3), "2020-01-01T00:00:00.000Z", undefined, env), undefined);
        // The live version's own event is the "already live" / redeploy case, not a stale one.
        assert.equal(staleApprovalReason(evt(4), "2020-01-01T00:00:00.000Z", live(4, "2026-03-02T09:00:00.000Z", "2026-03-02T08:00:00.000Z"), env), undefined);
    });

    it("judges an old ledger record by its deployedAt, and says so", () => {
        const older = live(4, "2026-03-02T09:00:00.000Z");
        assert.match(staleApprovalReason(evt(3), "2026-03-02T08:59:00.000Z", older, env)!, /^stale: v3 .*its deployment time 2026-03-02T09:00:00.000Z stands in/);
        assert.equal(staleApprovalReason(evt(5), "2026-03-02T09:01:00.000Z", older, env), undefined);
    });

    it("refuses when the event's approval time cannot be told over a live version (fail closed)", () => {
        assert.match(staleApprovalReason(evt(3), undefined, live(4, "2026-03-02T09:00:00.000Z"), env)!, /^stale check impossible: the approval time of v3 is unknown/);
    });
});
