import * as assert from "assert";
import type { ModelLifeCycle } from "@aws-sdk/client-sagemaker";
import {
    HISTORY_KEY_PREFIX,
    MAX_HISTORY_VALUE,
    STAGE_STATUS,
    describeLifecycle,
    formatStageHistoryValue,
    judgeStage,
    parseStageHistoryEntry,
    planStageChange,
    stageHistory,
    stageHistoryKey,
    type StageContext,
    type StagePlan,
} from "../../../policies/lib/approvalStage";

const ORDER = ["Staging", "Production"] as const;
const staging: StageContext = { stage: "Staging", order: ORDER };
const production: StageContext = { stage: "Production", order: ORDER };
const lc = (Stage: string, StageStatus: string, StageDescription?: string): ModelLifeCycle => ({ Stage, StageStatus, ...(StageDescription ? { StageDescription } : {}) });
const AT = new Date("2026-12-02T18:20:00.000Z");
const BY = "arn:aws:sts::111111111111:assumed-role/ml-release-manager/alice";
const note = (comment = "mse 3.9 beats live 4.1") => ({ at: AT, by: BY, comment });

function okUpdate(plan: StagePlan) {
    assert.ok(plan.ok, plan.ok ? "" : plan.reason);
    return plan.update;
}
function refusal(plan: StagePlan, pattern: RegExp) {
    assert.strictEqual(plan.ok, false, `expected a refusal, got ${JSON.stringify(plan)}`);
    if (!plan.ok) assert.match(plan.reason, pattern);
    return plan as Extract<StagePlan, { ok: false }>;
}

describe("policies/lib/approvalStage", () => {
    it("names the statuses it writes", () => {
        assert.deepStrictEqual(STAGE_STATUS, { approved: "Approved", rejected: "Rejected", deployed: "Deployed" });
    });

    describe("judgeStage", () => {
        it("refuses a version without lifecycle as pending, naming the stage", () => {
            const j = judgeStage(undefined, production);
            assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-pending"]);
            assert.match(j.reason, /not yet approved for Production/);
        });

        it("refuses a stage outside the order as unknown", () => {
            const j = judgeStage(lc("QA", "Approved"), production);
            assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-unknown"]);
            assert.match(j.reason, /"QA" is not one of the stages Staging → Production/);
        });

        it("refuses a lifecycle without Stage as unknown", () => {
            const j = judgeStage({ Stage: undefined, StageStatus: "Approved" }, production);
            assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-unknown"]);
        });

        it("refuses when the environment's own stage is not in its order (a configuration error), fail closed", () => {
            const j = judgeStage(lc("Production", "Approved"), { stage: "Prod", order: ORDER });
            assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-unknown"]);
            assert.match(j.reason, /stage "Prod" is not in its stage order/);
        });

        for (const status of ["Approved", "Deployed"]) {
            it(`refuses an earlier stage (${status}) as pending: "approved only up to"`, () => {
                const j = judgeStage(lc("Staging", status), production);
                assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-pending"]);
                assert.match(j.reason, /approved only up to Staging \(Staging: \w+\), not yet for Production/);
            });
        }

        it("refuses an earlier stage that was rejected as pending, without claiming it was approved", () => {
            const j = judgeStage(lc("Staging", "Rejected"), production);
            assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-pending"]);
            assert.doesNotMatch(j.reason, /approved only up to/);
            assert.match(j.reason, /not yet approved for Production: its lifecycle is Staging: Rejected/);
        });

        it("accepts its own stage Approved or Deployed", () => {
            assert.deepStrictEqual(judgeStage(lc("Production", "Approved", "ok by bob"), production), { ok: true, reason: 'approved for Production (Production: Approved ("ok by bob"))' });
            assert.strictEqual(judgeStage(lc("Production", "Deployed"), production).ok, true);
            assert.strictEqual(judgeStage(lc("Staging", "Approved"), staging).ok, true);
        });

        it("refuses its own stage Rejected as rejected", () => {
            const j = judgeStage(lc("Production", "Rejected", "latency regression"), production);
            assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-rejected"]);
            assert.match(j.reason, /rejected for Production .*latency regression/);
        });

        for (const status of ["PendingApproval", "InProgress", undefined]) {
            it(`refuses its own stage with status ${status} as pending`, () => {
                const j = judgeStage({ Stage: "Production", StageStatus: status }, production);
                assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-pending"]);
                assert.match(j.reason, /Production stage status is \w+, not Approved/);
            });
        }

        for (const status of ["Approved", "Deployed", "Rejected"]) {
            it(`accepts a later stage (${status}): it passed this stage on its way`, () => {
                const j = judgeStage(lc("Production", status), staging);
                assert.strictEqual(j.ok, true);
                assert.match(j.reason, /passed Staging on its way to Production/);
            });
        }

        it("compares stage names exactly, as IAM and EventBridge do", () => {
            const j = judgeStage(lc("production", "Approved"), production);
            assert.deepStrictEqual([j.ok, !j.ok && j.cause], [false, "stage-unknown"]);
        });
    });

    describe("planStageChange", () => {
        describe("approve", () => {
            it("approves the first stage from no lifecycle, also setting ModelApprovalStatus Approved", () => {
                const u = okUpdate(planStageChange(undefined, "PendingManualApproval", "approve", staging, note()));
                assert.deepStrictEqual(u, {
                    ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved", StageDescription: "mse 3.9 beats live 4.1" },
                    ModelApprovalStatus: "Approved",
                    ApprovalDescription: "mse 3.9 beats live 4.1",
                    CustomerMetadataProperties: { "approval-gate:stage:Staging:Approved": `2026-12-02T18:20:00.000Z ${BY} mse 3.9 beats live 4.1` },
                });
            });

            it("re-approves the first stage after a rejection there", () => {
                const u = okUpdate(planStageChange(lc("Staging", "Rejected"), "Rejected", "approve", staging, note()));
                assert.strictEqual(u.ModelApprovalStatus, "Approved");
                assert.deepStrictEqual(u.ModelLifeCycle?.StageStatus, "Approved");
            });

            it("approves a later stage only from the previous stage Deployed, without touching ModelApprovalStatus", () => {
                const u = okUpdate(planStageChange(lc("Staging", "Deployed"), "Approved", "approve", production, note()));
                assert.deepStrictEqual(u.ModelLifeCycle, { Stage: "Production", StageStatus: "Approved", StageDescription: "mse 3.9 beats live 4.1" });
                assert.strictEqual(u.ModelApprovalStatus, undefined);
                assert.strictEqual(u.ApprovalDescription, undefined);
                assert.deepStrictEqual(Object.keys(u.CustomerMetadataProperties ?? {}), ["approval-gate:stage:Production:Approved"]);
            });

            it("re-approves a later stage it is at (e.g. after a rejection there)", () => {
                assert.ok(planStageChange(lc("Production", "Rejected"), "Approved", "approve", production, note()).ok);
                assert.ok(planStageChange(lc("Production", "Approved"), "Approved", "approve", production, note()).ok);
            });

            it("refuses a later stage before the previous one is approved", () => {
                refusal(planStageChange(undefined, "PendingManualApproval", "approve", production, note()), /ModelApprovalStatus is PendingManualApproval, not Approved; approve it for Staging first/);
                refusal(planStageChange(undefined, "Approved", "approve", production, note()), /not yet approved for Staging \(lifecycle: none\)/);
            });

            it("refuses a later stage while the previous one is approved but not yet deployed", () => {
                refusal(planStageChange(lc("Staging", "Approved"), "Approved", "approve", production, note()), /approved for Staging but not yet deployed there/);
            });

            it("refuses a later stage when the previous one was rejected, or has another status", () => {
                refusal(planStageChange(lc("Staging", "Rejected"), "Approved", "approve", production, note()), /rejected for Staging/);
                refusal(planStageChange(lc("Staging", "Testing"), "Approved", "approve", production, note()), /Staging status is Testing, not Deployed/);
            });

            it("refuses a later stage when ModelApprovalStatus is no longer Approved", () => {
                refusal(planStageChange(lc("Staging", "Deployed"), "Rejected", "approve", production, note()), /ModelApprovalStatus is Rejected, not Approved/);
                refusal(planStageChange(lc("Staging", "Deployed"), undefined, "approve", production, note()), /ModelApprovalStatus is unknown/);
            });

            it("refuses to approve an earlier stage than the one it is at", () => {
                refusal(planStageChange(lc("Production", "Approved"), "Approved", "approve", staging, note()), /already at Production .*would withdraw it from Production/);
            });

            it("says there is nothing to do when the stage is already deployed", () => {
                const r = refusal(planStageChange(lc("Production", "Deployed"), "Approved", "approve", production, note()), /already approved for Production and deployed there/);
                assert.strictEqual(r.already, true);
            });

            it("skips no stage in a longer order", () => {
                const ctx = { stage: "Production", order: ["Dev", "Staging", "Production"] };
                refusal(planStageChange(lc("Dev", "Deployed"), "Approved", "approve", ctx, note()), /not yet approved for Staging \(lifecycle: Dev: Deployed\)/);
                assert.ok(planStageChange(lc("Staging", "Deployed"), "Approved", "approve", ctx, note()).ok);
            });
        });

        describe("reject", () => {
            it("rejects the first stage from no lifecycle, also setting ModelApprovalStatus Rejected", () => {
                const u = okUpdate(planStageChange(undefined, "PendingManualApproval", "reject", staging, note("mse 5.2 is worse")));
                assert.deepStrictEqual(u.ModelLifeCycle, { Stage: "Staging", StageStatus: "Rejected", StageDescription: "mse 5.2 is worse" });
                assert.strictEqual(u.ModelApprovalStatus, "Rejected");
                assert.strictEqual(u.ApprovalDescription, "mse 5.2 is worse");
                assert.ok(u.CustomerMetadataProperties?.["approval-gate:stage:Staging:Rejected"]);
            });

            it("rejects the first stage it is at, approved or deployed", () => {
                for (const s of ["Approved", "Deployed", "Rejected"]) {
                    assert.strictEqual(okUpdate(planStageChange(lc("Staging", s), "Approved", "reject", staging, note())).ModelApprovalStatus, "Rejected", s);
                }
            });

            it("rejects a later stage from the previous stage Deployed or at that stage, leaving ModelApprovalStatus alone", () => {
                for (const current of [lc("Staging", "Deployed"), lc("Production", "Approved"), lc("Production", "Deployed")]) {
                    const u = okUpdate(planStageChange(current, "Approved", "reject", production, note()));
                    assert.deepStrictEqual([u.ModelLifeCycle?.Stage, u.ModelLifeCycle?.StageStatus, u.ModelApprovalStatus], ["Production", "Rejected", undefined]);
                }
            });

            it("refuses to reject a later stage the version has not reached", () => {
                refusal(planStageChange(undefined, "PendingManualApproval", "reject", production, note()), /has not reached Production \(lifecycle: none\); reject it for Staging instead/);
                refusal(planStageChange(lc("Staging", "Approved"), "Approved", "reject", production, note()), /has not reached Production .*reject it for Staging instead/);
            });

            it("refuses to reject a stage the version has passed: the later stage's approvers must", () => {
                refusal(planStageChange(lc("Production", "Approved"), "Approved", "reject", staging, note()), /passed Staging and is at Production .*Production's approvers must reject it \(--stage Production\)/);
            });
        });

        describe("deployed", () => {
            it("marks an approved stage deployed, keeping the approver's description when the note has none", () => {
                const u = okUpdate(planStageChange(lc("Production", "Approved", "ok by bob"), "Approved", "deployed", production, { at: AT, by: "deploy-approved", comment: "" }));
                assert.deepStrictEqual(u, {
                    ModelLifeCycle: { Stage: "Production", StageStatus: "Deployed", StageDescription: "ok by bob" },
                    CustomerMetadataProperties: { "approval-gate:stage:Production:Deployed": "2026-12-02T18:20:00.000Z deploy-approved" },
                });
            });

            it("says there is nothing to do when already deployed (a retry)", () => {
                assert.strictEqual(refusal(planStageChange(lc("Staging", "Deployed"), "Approved", "deployed", staging, note()), /already marked deployed for Staging/).already, true);
            });

            it("refuses any other lifecycle, and a status that is not Approved", () => {
                for (const current of [undefined, lc("Staging", "Deployed"), lc("Production", "Rejected"), lc("Staging", "Approved")]) {
                    refusal(planStageChange(current, "Approved", "deployed", production, note()), /not approved for Production .*only an approved stage can be marked deployed/);
                }
                refusal(planStageChange(lc("Production", "Approved"), "Rejected", "deployed", production, note()), /ModelApprovalStatus is Rejected, not Approved/);
            });
        });

        describe("reject-stage (a smoke test's failure in the stage's environment)", () => {
            it("rejects the stage only, never ModelApprovalStatus, even for the first stage, from Approved or Deployed", () => {
                for (const [ctx, current] of [[staging, lc("Staging", "Approved")], [staging, lc("Staging", "Deployed")], [production, lc("Production", "Approved")]] as const) {
                    const u = okUpdate(planStageChange(current, "Approved", "reject-stage", ctx, { at: AT, by: "smoke-test@staging", comment: "HTTP 424 on config[0]" }, { team: "ml" }));
                    assert.deepStrictEqual(u.ModelLifeCycle, { Stage: ctx.stage, StageStatus: "Rejected", StageDescription: "HTTP 424 on config[0]" });
                    assert.strictEqual(u.ModelApprovalStatus, undefined);
                    assert.strictEqual(u.ApprovalDescription, undefined);
                    assert.deepStrictEqual(Object.keys(u.CustomerMetadataProperties ?? {}).sort(), [`approval-gate:stage:${ctx.stage}:Rejected`, "team"]);
                }
            });

            it("refuses a stage the version has passed: a failure in Staging does not withdraw it from Production", () => {
                refusal(planStageChange(lc("Production", "Approved"), "Approved", "reject-stage", staging, note()), /passed Staging and is at Production .*Production's approvers must reject it/);
            });

            it("refuses a version not approved for the stage (no lifecycle, the previous stage, pending)", () => {
                refusal(planStageChange(undefined, "PendingManualApproval", "reject-stage", staging, note()), /ModelApprovalStatus is PendingManualApproval, not Approved/);
                refusal(planStageChange(lc("Staging", "Deployed"), "Approved", "reject-stage", production, note()), /not approved for Production .*only a version approved for Production can fail there/);
                refusal(planStageChange(undefined, "Approved", "reject-stage", staging, note()), /not approved for Staging \(lifecycle: none\)/);
            });

            it("says there is nothing to do when the stage or the version is rejected already (a retry, or a human first)", () => {
                assert.strictEqual(refusal(planStageChange(lc("Staging", "Rejected"), "Approved", "reject-stage", staging, note()), /rejected for Staging already/).already, true);
                assert.strictEqual(refusal(planStageChange(lc("Staging", "Approved"), "Rejected", "reject-stage", staging, note()), /rejected as a whole already/).already, true);
            });
        });

        it("refuses a stage outside the order, a lifecycle of an unknown stage or without one, and a bad time", () => {
            refusal(planStageChange(undefined, "PendingManualApproval", "approve", { stage: "QA", order: ORDER }, note()), /stage "QA" is not in the stage order \(Staging → Production\)/);
            for (const action of ["approve", "reject", "deployed", "reject-stage"] as const) {
                refusal(planStageChange(lc("QA", "Approved"), "Approved", action, staging, note()), /stage "QA" is not one of the stages/);
                refusal(planStageChange({ Stage: undefined, StageStatus: "Approved" }, "Approved", action, staging, note()), /has no Stage/);
            }
            refusal(planStageChange(undefined, "PendingManualApproval", "approve", staging, { at: new Date("nope"), by: BY, comment: "x" }), /not a valid date/);
        });

        it("writes the existing metadata back beside the new entry, and keeps descriptions to one line of 1024 characters", () => {
            const u = okUpdate(planStageChange(undefined, "PendingManualApproval", "approve", staging, note(`line one\nline two ${"x".repeat(2000)}`), { team: "ml", [stageHistoryKey("Staging", "Rejected")]: "old" }));
            assert.deepStrictEqual(Object.keys(u.CustomerMetadataProperties ?? {}).sort(), ["approval-gate:stage:Staging:Approved", "approval-gate:stage:Staging:Rejected", "team"]);
            assert.strictEqual(u.ModelLifeCycle?.StageDescription?.length, 1024);
            assert.match(u.ModelLifeCycle?.StageDescription ?? "", /^line one line two x/);
            assert.strictEqual(u.ApprovalDescription?.length, 1024);
        });
    });

    describe("history", () => {
        it("keys entries by stage and status", () => {
            assert.strictEqual(stageHistoryKey("Production", "Deployed"), "approval-gate:stage:Production:Deployed");
            assert.ok(stageHistoryKey("Production", "Deployed").startsWith(HISTORY_KEY_PREFIX));
        });

        it("formats a value SageMaker accepts: metadata-safe characters, at most 256 of them", () => {
            const v = formatStageHistoryValue({ at: AT, by: "alice smith", comment: `ok, "ship" it! ${"é".repeat(300)}` });
            assert.strictEqual(v.length, MAX_HISTORY_VALUE);
            assert.match(v, /^2026-12-02T18:20:00\.000Z alice_smith ok ship it é+$/);
            assert.match(v, /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u);
            assert.strictEqual(formatStageHistoryValue({ at: AT, by: "", comment: "" }), "2026-12-02T18:20:00.000Z unknown");
        });

        it("parses what it formats, and only its own keys", () => {
            const value = formatStageHistoryValue(note());
            assert.deepStrictEqual(parseStageHistoryEntry(stageHistoryKey("Staging", "Approved"), value), { stage: "Staging", status: "Approved", at: "2026-12-02T18:20:00.000Z", by: BY, note: "mse 3.9 beats live 4.1" });
            assert.strictEqual(parseStageHistoryEntry("team", "ml"), undefined);
            assert.strictEqual(parseStageHistoryEntry("approval-gate:stage:Staging", "x"), undefined);
            assert.strictEqual(parseStageHistoryEntry("approval-gate:stage:Staging:", "x"), undefined);
            assert.deepStrictEqual(parseStageHistoryEntry("approval-gate:stage:Staging:Approved", "hand written"), { stage: "Staging", status: "Approved", at: "", by: "", note: "hand written" });
        });

        it("lists a version's transitions oldest first, ignoring other metadata", () => {
            const props = {
                team: "ml",
                [stageHistoryKey("Production", "Approved")]: "2026-12-03T09:00:00.000Z bob go",
                [stageHistoryKey("Staging", "Deployed")]: "2026-12-02T19:00:00.000Z deploy-approved",
                [stageHistoryKey("Staging", "Approved")]: "2026-12-02T18:20:00.000Z alice fine",
                [stageHistoryKey("Production", "Rejected")]: "no time here",
            };
            assert.deepStrictEqual(stageHistory(props).map((e) => `${e.stage}:${e.status}:${e.by}`), ["Staging:Approved:alice", "Staging:Deployed:deploy-approved", "Production:Approved:bob", "Production:Rejected:"]);
            assert.deepStrictEqual(stageHistory(undefined), []);
        });

        it("a full promotion leaves a complete trace", () => {
            let current: ModelLifeCycle | undefined;
            let status: string | undefined = "PendingManualApproval";
            let props: Record<string, string> | undefined;
            const steps = [["approve", staging], ["deployed", staging], ["approve", production], ["deployed", production]] as const;
            steps.forEach(([action, ctx], n) => {
                const u = okUpdate(planStageChange(current, status, action, ctx, { at: new Date(AT.getTime() + n * 60_000), by: "someone", comment: `step ${n}` }, props));
                current = u.ModelLifeCycle;
                status = u.ModelApprovalStatus ?? status;
                props = u.CustomerMetadataProperties;
            });
            assert.strictEqual(describeLifecycle(current), 'Production: Deployed ("step 3")');
            assert.deepStrictEqual(stageHistory(props).map((e) => `${e.stage}:${e.status}:${e.note}`), ["Staging:Approved:step 0", "Staging:Deployed:step 1", "Production:Approved:step 2", "Production:Deployed:step 3"]);
            assert.strictEqual(judgeStage(current, production).ok, true);
            assert.strictEqual(judgeStage(current, staging).ok, true);
        });
    });
});
