/**
 * What a failed smoke test does to the version (lambdas/smoke-test/reject.ts), SageMaker mocked: in a promotion
 * environment, its own stage only (ModelLifeCycle {stage, Rejected} on the registry's ARN, planned by planStageChange,
 * the trail kept), refusals said and never forced; all-in-one: the version's status, as before.
 */
import { strict as assert } from "assert";
import { DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand, type ModelLifeCycle } from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { rejectFailed, SmokeRejectError } from "../../../lambdas/smoke-test/reject";
import { smokeMessage } from "../../../lambdas/smoke-test/message";
import type { SmokeRecord } from "../../../lambdas/smoke-test/record";
import type { SmokeSettings } from "../../../lambdas/smoke-test/settings";
import { stageHistory } from "../../../policies/lib/approvalStage";
import { recordingLogger } from "../world";

const sagemaker = new SageMakerClient({ region: "us-east-1" });
const sm = mockClient(sagemaker);
const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone/7";
const settings: SmokeSettings = {
    environment: "staging",
    ledgerTableName: "ledger",
    endpointName: "sagemaker-approval-gate-staging-endpoint",
    groupName: "abalone",
    onFailure: "reject",
    payloads: [],
    check: { kind: "numeric" },
    maxPayloads: 5,
    stage: { stage: "Staging", order: ["Staging", "Production"] },
};
const record: SmokeRecord = {
    packageArn: ARN,
    endpointName: settings.endpointName,
    endpointConfigName: "cfg-7",
    deploymentEventId: "e-7",
    groupName: "abalone",
    version: 7,
    status: "failed",
    testedAt: "2026-12-02T20:00:00.000Z",
    reason: 'the answer "nan" is not numeric',
    failingPayload: "config[0]",
    eventId: "in-service-1",
    notified: false,
};
const deps = () => ({ sagemaker, logger: recordingLogger(), now: () => new Date("2026-12-02T20:00:05Z") });
const TRAIL = { "approval-gate:stage:Staging:Approved": "2026-12-02T19:00:00.000Z alice ok", team: "ml" };
function described(lifeCycle: ModelLifeCycle | undefined, status = "Approved", group = "abalone") {
    sm.on(DescribeModelPackageCommand).resolves({ ModelPackageArn: ARN, ModelPackageGroupName: group, ModelApprovalStatus: status as never, CustomerMetadataProperties: TRAIL, ...(lifeCycle ? { ModelLifeCycle: lifeCycle } : {}) });
}

describe("smoke-test rejectFailed (mocked SageMaker)", () => {
    beforeEach(() => {
        sm.reset();
        sm.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
    });

    it("promotion: rejects its own stage on the registry's ARN, lifecycle and trail only, never ModelApprovalStatus", async () => {
        described({ Stage: "Staging", StageStatus: "Approved" });
        assert.deepEqual(await rejectFailed(record, settings, deps()), { kind: "rejected", what: "Staging" });
        const [update] = sm.commandCalls(UpdateModelPackageCommand);
        const input = update.args[0].input;
        assert.equal(input.ModelPackageArn, ARN);
        assert.equal(input.ModelApprovalStatus, undefined);
        assert.equal(input.ApprovalDescription, undefined);
        assert.equal(input.ModelLifeCycle?.Stage, "Staging");
        assert.equal(input.ModelLifeCycle?.StageStatus, "Rejected");
        assert.match(input.ModelLifeCycle!.StageDescription!, /^Rejected for Staging by the smoke test after its deployment to sagemaker-approval-gate-staging-endpoint \(staging\).*config\[0\]: the answer "nan" is not numeric/);
        assert.equal(input.CustomerMetadataProperties?.team, "ml", "the existing metadata is written back");
        assert.deepEqual(stageHistory(input.CustomerMetadataProperties).map((h) => `${h.stage}:${h.status}:${h.by}`), ["Staging:Approved:alice", "Staging:Rejected:smoke-test@staging"]);
    });

    it("promotion: a version that passed the stage is NOT rejected, and says why (fail closed: nothing forced)", async () => {
        described({ Stage: "Production", StageStatus: "Approved" });
        const r = await rejectFailed(record, settings, deps());
        assert.equal(r.kind, "not-rejected");
        assert.match((r as { reason: string }).reason, /passed Staging and is at Production/);
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
        const { body } = smokeMessage("staging", record, "reject", r, "Staging");
        assert.match(body, /Staging was NOT rejected: .*passed Staging.*STILL SERVING here/);
    });

    it("promotion: already rejected (stage or version) writes nothing", async () => {
        for (const [lc, status] of [[{ Stage: "Staging", StageStatus: "Rejected" }, "Approved"], [{ Stage: "Staging", StageStatus: "Approved" }, "Rejected"]] as const) {
            described(lc, status);
            assert.equal((await rejectFailed(record, settings, deps())).kind, "already");
        }
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
    });

    it("another group's version is not rejected", async () => {
        described({ Stage: "Staging", StageStatus: "Approved" }, "Approved", "other");
        assert.equal((await rejectFailed(record, settings, deps())).kind, "not-rejected");
        assert.equal(sm.commandCalls(UpdateModelPackageCommand).length, 0);
    });

    it("a denied update is a final error naming the policies to fix; throttling is rethrown as it is (a retry)", async () => {
        described({ Stage: "Staging", StageStatus: "Approved" });
        sm.on(UpdateModelPackageCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
        await assert.rejects(rejectFailed(record, settings, deps()), (e: Error) => e instanceof SmokeRejectError && /group policy and this function's role must allow .*ModelLifeCycle \{Staging, Rejected\}/.test(e.message));
        sm.on(UpdateModelPackageCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
        await assert.rejects(rejectFailed(record, settings, deps()), (e: Error) => e.name === "ThrottlingException");
    });

    it("all-in-one: the version's status, as before", async () => {
        described(undefined);
        const { stage: _, ...allInOne } = settings;
        assert.deepEqual(await rejectFailed(record, allInOne, deps()), { kind: "rejected", what: "the version" });
        const input = sm.commandCalls(UpdateModelPackageCommand)[0].args[0].input;
        assert.equal(input.ModelApprovalStatus, "Rejected");
        assert.equal(input.ModelLifeCycle, undefined);
    });

    it("says in the messages what happened to the stage and the next stage", () => {
        assert.match(smokeMessage("staging", record, "reject", { kind: "rejected", what: "Staging" }, "Staging").body, /Staging was set Rejected .*ModelApprovalStatus and the other stages are unchanged.*not marked Deployed, so the next stage's approvers are not asked/);
        assert.match(smokeMessage("staging", { ...record, status: "passed" }, "reject", undefined, "Staging").body, /marks Staging Deployed, which asks the next stage's approvers/);
        assert.match(smokeMessage("staging", record, "alert", undefined, "Staging").body, /Staging is not marked Deployed.*--stage Staging/);
    });
});
