/**
 * The planner (policies/lib/approvalStage.ts), the IAM documents and the stage rules agree: every transition
 * planStageChange makes is allowed by IAM to exactly its maker (a stage's approvers; a stage's deploy role or smoke role, across
 * accounts) and to no other stage's, and the event it causes fires the rule promotion.md says.
 */
import { strict as assert } from "assert";
import { environmentStagePatterns } from "../../../infra/events/stagePatterns";
import { policyDocument } from "../../../infra/lib/iamDocuments";
import { environmentDeployRegistryStatements, environmentSmokeRegistryStatements, promotionGroupResourcePolicy } from "../../../infra/lib/promotionPolicies";
import { stageApproverPolicy } from "../../../infra/lib/stageApproverPolicies";
import { planStageChange, type StageAction } from "../../../policies/lib/approvalStage";
import { modelPackageLifecycleVariant } from "../../fixtures/events";
import { matches } from "../events/matcher";
import { evaluate } from "./policyEvaluator";
import { envRole, groupName, REGISTRY, registryScope, releaseManager, STAGES, stageOrder, stagingApprover, updateContext, version, type Lifecycle } from "./promotionFixtures";

const approverOf: Record<string, string> = { Staging: stagingApprover, Production: releaseManager };
const approverPolicies = STAGES.map((s) => stageApproverPolicy({ scope: registryScope, groupName, stageOrder, stage: s.name, approverPrincipalArns: s.approverArns }));
const groupPolicy = promotionGroupResourcePolicy({ scope: registryScope, groupName, stages: STAGES });
const deployRoleOf = (stage: string) => {
    const s = STAGES.find((x) => x.name === stage)!;
    return { arn: envRole(s.accountId, s.environment, "deploy-approved"), identity: [policyDocument(...environmentDeployRegistryStatements({ registryScope, groupName, stage }))] };
};

const smokeRoleOf = (stage: string) => {
    const s = STAGES.find((x) => x.name === stage)!;
    return { arn: envRole(s.accountId, s.environment, "smoke-test"), identity: [policyDocument(...environmentSmokeRegistryStatements({ registryScope, groupName, stage }))] };
};

/** May `who` make this update (request lifecycle and status) of a version in `current`? */
function iam(who: { arn: string; identity?: ReturnType<typeof policyDocument>[] }, current: Lifecycle | undefined, set: Lifecycle, approval?: string): string {
    const context = updateContext({ set, current, approval });
    const cross = !who.arn.includes(`::${REGISTRY}:`);
    return evaluate(
        { principalArn: who.arn, action: "sagemaker:UpdateModelPackage", resource: version, context, ...(cross ? { resourceAccount: REGISTRY } : {}) },
        { identity: who.identity ?? approverPolicies, resource: cross ? [groupPolicy] : [] },
    );
}

const CURRENTS: (Lifecycle | undefined)[] = [undefined, ...stageOrder.flatMap((Stage) => ["Approved", "Rejected", "Deployed"].map((StageStatus) => ({ Stage, StageStatus })))];
const STATUSES = ["PendingManualApproval", "Approved", "Rejected"];
const note = { at: new Date("2026-12-02T19:00:00Z"), by: "arn:aws:sts::111111111111:assumed-role/x/y", comment: "ok" };
const RULES = Object.fromEntries(stageOrder.flatMap((stage) => Object.entries(environmentStagePatterns({ groupName: "versionedmp-p-idy6c3e1fiqj", registryAccountId: "123456789012", stage, stageOrder })).map(([r, p]) => [`${stage}-${r}`, p])));

describe("promotion transitions: planner, IAM and stage rules agree", () => {
    let planned = 0;
    for (const stage of stageOrder) {
        for (const action of ["approve", "reject", "deployed", "reject-stage"] as StageAction[]) {
            it(`${action} for ${stage}: allowed to its maker only, and fires the right rule`, () => {
                for (const current of CURRENTS) {
                    for (const status of STATUSES) {
                        // Unreachable: every transition onto a lifecycle sets ModelApprovalStatus with it (the first stage's), or
                        // needs it Approved; and the pending rule would fire for a pending version's events, as it does today.
                        if (current && status === "PendingManualApproval") continue;
                        const plan = planStageChange(current, status, action, { stage, order: stageOrder }, note);
                        if (!plan.ok) continue;
                        planned++;
                        const set = plan.update.ModelLifeCycle as Lifecycle;
                        const approval = plan.update.ModelApprovalStatus as string | undefined;
                        const label = `${action} ${stage} from ${JSON.stringify(current)} / ${status}`;
                        const maker = action === "deployed" ? deployRoleOf(stage) : action === "reject-stage" ? smokeRoleOf(stage) : { arn: approverOf[stage] };
                        assert.equal(iam(maker, current, set, approval), "allowed", label);
                        for (const other of stageOrder.filter((s) => s !== stage)) {
                            assert.notEqual(iam({ arn: approverOf[other] }, current, set, approval), "allowed", `${label}: ${other}'s approvers`);
                            assert.notEqual(iam(deployRoleOf(other), current, set, approval), "allowed", `${label}: ${other}'s deploy role`);
                            assert.notEqual(iam(smokeRoleOf(other), current, set, approval), "allowed", `${label}: ${other}'s smoke role`);
                        }
                        const approvalAfter = approval ?? status;
                        const event = modelPackageLifecycleVariant(approvalAfter, { Stage: set.Stage, StageStatus: set.StageStatus });
                        // A version Rejected as a whole is rejected in every environment; otherwise only this stage's rule fires.
                        const fired = Object.keys(RULES).filter((r) => matches(RULES[r], event));
                        const next = stageOrder[stageOrder.indexOf(stage) + 1];
                        const expected =
                            action === "approve" ? [`${stage}-approved`] : action === "reject" || action === "reject-stage" ? (approvalAfter === "Rejected" ? stageOrder.map((s) => `${s}-rejected`) : [`${stage}-rejected`]) : next ? [`${next}-awaiting`] : [];
                        assert.deepEqual(fired.sort(), expected.sort(), label);
                    }
                }
            });
        }
    }
    after(() => assert.ok(planned >= 10, `only ${planned} transitions were planned: the test checked too little`));
});
