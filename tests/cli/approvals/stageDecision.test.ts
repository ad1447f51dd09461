/** The stage decision's own checks on top of planStageChange, the next stage, and how show/pending present a stage. Pure. */
import { strict as assert } from "assert";
import type { DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { checkStageDecision, nextStage } from "../../../cli/approvals/stageDecision";
import { awaitsCell, otherMetadata, renderStageHistory, stageCell, stageView } from "../../../cli/approvals/stageView";

const ORDER = ["Staging", "Production"];
const AT = new Date("2026-12-02T18:40:00.000Z");
const ALICE = { arn: "arn:aws:sts::111111111111:assumed-role/ml-staging-approver/alice", principalId: "AROAALICE000000000001:alice" };
const PIPELINE = { Arn: "arn:aws:sts::111111111111:assumed-role/sagemaker-approval-gate-shared-pipeline/run", PrincipalId: "AROAPIPELINE00000001:run" };

function pkg(overrides: Partial<DescribeModelPackageCommandOutput> = {}): DescribeModelPackageCommandOutput {
    return {
        $metadata: {},
        ModelPackageArn: "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone/3",
        ModelPackageName: "abalone",
        ModelPackageGroupName: "abalone",
        ModelPackageVersion: 3,
        ModelPackageStatus: "Completed",
        ModelApprovalStatus: "PendingManualApproval",
        CreationTime: new Date("2026-12-02T18:00:00Z"),
        CreatedBy: { IamIdentity: PIPELINE },
        CustomerMetadataProperties: { owner: "ml-team" },
        ...overrides,
    } as DescribeModelPackageCommandOutput;
}
const check = (decision: "approve" | "reject", p: DescribeModelPackageCommandOutput, stage: string, caller = ALICE, options = {}) =>
    checkStageDecision(decision, p, caller, { stage, order: ORDER }, { at: AT, comment: "reviewed" }, options);

describe("cli/approvals/stageDecision", () => {
    describe("checkStageDecision", () => {
        it("approving the first stage plans lifecycle, approval status, comment and a history entry beside the existing metadata", () => {
            const c = check("approve", pkg(), "Staging");
            assert.ok(c.allowed);
            assert.deepEqual(c.update.ModelLifeCycle, { Stage: "Staging", StageStatus: "Approved", StageDescription: "reviewed" });
            assert.equal(c.update.ModelApprovalStatus, "Approved");
            assert.equal(c.update.ApprovalDescription, "reviewed");
            assert.deepEqual(c.update.CustomerMetadataProperties, {
                owner: "ml-team",
                "approval-gate:stage:Staging:Approved": `2026-12-02T18:40:00.000Z ${ALICE.arn} reviewed`,
            });
            assert.equal(c.duties.verdict, "different");
        });
        it("refuses self-approval for a stage: another session of the role that registered it", () => {
            const c = check("approve", pkg(), "Staging", { arn: "arn:aws:sts::111111111111:assumed-role/sagemaker-approval-gate-shared-pipeline/bob", principalId: "AROAPIPELINE00000001:bob" });
            assert.equal(c.allowed, false);
            assert.match(!c.allowed ? c.reason : "", /Separation of duties: .* Someone else must approve it for Staging/);
        });
        it("refuses an unknown registrar unless --allow-unknown-registrar, then warns", () => {
            const unknown = pkg({ CreatedBy: {} });
            assert.equal(check("approve", unknown, "Staging").allowed, false);
            const allowed = check("approve", unknown, "Staging", ALICE, { allowUnknownRegistrar: true });
            assert.ok(allowed.allowed);
            assert.match(allowed.warnings[0], /registrar unknown/);
        });
        it("refuses a package SageMaker has not finished registering, and any decision on a Rejected version", () => {
            assert.match(JSON.stringify(check("approve", pkg({ ModelPackageStatus: "InProgress" }), "Staging")), /not Completed/);
            const rejected = check("reject", pkg({ ModelApprovalStatus: "Rejected", ModelLifeCycle: { Stage: "Staging", StageStatus: "Rejected" } }), "Staging");
            assert.equal(rejected.allowed, false);
            assert.match(!rejected.allowed ? rejected.reason : "", /is Rejected \(ModelApprovalStatus\); a rejected version is never promoted again/);
        });
        it("refuses Production while Staging is only Approved, saying to wait for the deployment", () => {
            const c = check("approve", pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved" } }), "Production");
            assert.equal(c.allowed, false);
            assert.match(!c.allowed ? c.reason : "", /abalone\/3 cannot be approved for Production: it is approved for Staging but not yet deployed there .*\(its lifecycle: Staging: Approved\)/);
            assert.match(!c.allowed ? c.hint ?? "" : "", /Wait for the deploy function of Staging/);
        });
        it("refuses Production for a version not yet approved for Staging, pointing at --stage Staging", () => {
            const c = check("approve", pkg(), "Production");
            assert.equal(c.allowed, false);
            assert.match(!c.allowed ? c.hint ?? "" : "", /awaits approval for Staging: `--stage Staging`/);
        });
        it("approves Production from {Staging, Deployed} without touching ModelApprovalStatus", () => {
            const c = check("approve", pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Staging", StageStatus: "Deployed" } }), "Production");
            assert.ok(c.allowed);
            assert.deepEqual(c.update.ModelLifeCycle, { Stage: "Production", StageStatus: "Approved", StageDescription: "reviewed" });
            assert.equal(c.update.ModelApprovalStatus, undefined);
        });
        it("rejecting for a stage the version has passed is refused; rejecting where it is deployed warns of the rollback", () => {
            const atProd = pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Production", StageStatus: "Approved" } });
            const late = check("reject", atProd, "Staging");
            assert.equal(late.allowed, false);
            assert.match(!late.allowed ? late.hint ?? "" : "", /Ask the approvers of Production to reject it/);
            const deployed = check("reject", pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Production", StageStatus: "Deployed" } }), "Production");
            assert.ok(deployed.allowed);
            assert.match(deployed.warnings.join(" "), /deployed to Production; rejecting it there rolls that endpoint back/);
            assert.deepEqual(deployed.update.ModelLifeCycle?.StageStatus, "Rejected");
        });
        it("rejecting never asks who registered it (the registrar may pull its own version back)", () => {
            const own = check("reject", pkg(), "Staging", { arn: PIPELINE.Arn, principalId: PIPELINE.PrincipalId });
            assert.ok(own.allowed);
            assert.equal(own.update.ModelApprovalStatus, "Rejected");
        });
    });

    describe("nextStage", () => {
        it("says which stage decides next, or why none does", () => {
            assert.deepEqual(nextStage(undefined, ORDER), { stage: "Staging", why: "awaits approval for Staging" });
            assert.deepEqual(nextStage({ Stage: "Staging", StageStatus: "Deployed" }, ORDER), { stage: "Production", why: "deployed to Staging; awaits approval for Production" });
            assert.equal(nextStage({ Stage: "Staging", StageStatus: "Approved" }, ORDER).stage, undefined);
            assert.equal(nextStage({ Stage: "Production", StageStatus: "Deployed" }, ORDER).why, "deployed to Production, the last stage");
            assert.match(nextStage({ Stage: "QA", StageStatus: "Approved" }, ORDER).why, /not one of Staging, Production/);
        });
    });

    describe("stageView", () => {
        const props = {
            owner: "ml-team",
            "approval-gate:stage:Staging:Deployed": "2026-12-02T19:00:00.000Z deploy-approved ",
            "approval-gate:stage:Staging:Approved": "2026-12-02T18:40:00.000Z arn:aws:sts::1:assumed-role/a/alice reviewed the drift report",
        };
        it("has the lifecycle, the history oldest first and the next stage", () => {
            const v = stageView({ ModelLifeCycle: { Stage: "Staging", StageStatus: "Deployed" }, CustomerMetadataProperties: props }, { order: ORDER, source: "--stages" });
            assert.equal(v.current, "Staging: Deployed");
            assert.deepEqual(v.history.map((h) => h.status), ["Approved", "Deployed"]);
            assert.deepEqual(v.next, { stage: "Production", why: "deployed to Staging; awaits approval for Production" });
            assert.equal(renderStageHistory(v.history),
                "2026-12-02T18:40:00.000Z  Staging Approved  by arn:aws:sts::1:assumed-role/a/alice: reviewed the drift report\n2026-12-02T19:00:00.000Z  Staging Deployed  by deploy-approved");
        });
        it("without a lifecycle: none, no history, no next stage without an order", () => {
            const v = stageView({});
            assert.deepEqual(v, { lifecycle: null, current: "none", history: [] });
            assert.equal(renderStageHistory(v.history), undefined);
            assert.equal(stageCell(undefined), "-");
        });
        it("pending's Stage cell: where it is and what it awaits", () => {
            const setup = { order: ORDER, source: "--stages" };
            assert.equal(awaitsCell({}, setup), "awaits Staging");
            assert.equal(awaitsCell({ ModelLifeCycle: { Stage: "Staging", StageStatus: "Deployed" } }, setup), "Staging Deployed; awaits Production");
            assert.equal(awaitsCell({ ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved" } }, setup), "Staging Approved");
        });
        it("keeps the other customer metadata apart from the history", () => {
            assert.deepEqual(otherMetadata(props), [["owner", "ml-team"]]);
        });
    });
});
