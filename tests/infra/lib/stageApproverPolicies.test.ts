import { strict as assert } from "assert";
import { approverPolicy, registrarPolicy, wildcardAllowActions, type PolicyDocument } from "../../../infra/lib/iamDocuments";
import { stageApproverPolicy } from "../../../infra/lib/stageApproverPolicies";
import { ADMINISTRATOR_ACCESS, evaluate } from "./policyEvaluator";
import { groupName, pipelineRole, REGISTRY, registryScope, releaseManager, stageOrder, stagingApprover, updateContext, version, type Lifecycle } from "./promotionFixtures";

const approvers = {
    Staging: stageApproverPolicy({ scope: registryScope, groupName, stageOrder, stage: "Staging", approverPrincipalArns: [stagingApprover] }),
    Production: stageApproverPolicy({ scope: registryScope, groupName, stageOrder, stage: "Production", approverPrincipalArns: [releaseManager] }),
};
const approved = (Stage: string): Lifecycle => ({ Stage, StageStatus: "Approved" });
const deployed = (Stage: string): Lifecycle => ({ Stage, StageStatus: "Deployed" });
const rejected = (Stage: string): Lifecycle => ({ Stage, StageStatus: "Rejected" });

describe("infra/lib/stageApproverPolicies", () => {
    it("every stage's document: unique alphanumeric Sids, no wildcard action in an Allow", () => {
        for (const document of Object.values(approvers)) {
            const sids = document.Statement.map((s) => s.Sid);
            assert.strictEqual(new Set(sids).size, sids.length, sids.join(", "));
            for (const sid of sids) assert.match(sid, /^[A-Za-z0-9]+$/);
            assert.deepStrictEqual(wildcardAllowActions(document), []);
        }
    });

    describe("per-stage approver policies (registry account)", () => {
        const decide = (principalArn: string, change: { set?: Lifecycle; current?: Lifecycle; approval?: string }, identity: PolicyDocument[] = [approvers.Staging, approvers.Production]) =>
            evaluate({ principalArn, action: "sagemaker:UpdateModelPackage", resource: version, context: updateContext(change) }, { identity });

        it("the first stage's approvers approve (with ModelApprovalStatus Approved) from no lifecycle or their stage", () => {
            assert.strictEqual(decide(stagingApprover, { set: approved("Staging"), approval: "Approved" }), "allowed");
            assert.strictEqual(decide(stagingApprover, { set: approved("Staging"), current: rejected("Staging"), approval: "Approved" }), "allowed");
            assert.strictEqual(decide(stagingApprover, { set: rejected("Staging"), current: approved("Staging"), approval: "Rejected" }), "allowed");
            assert.strictEqual(decide(stagingApprover, { set: approved("Staging") }), "implicit-deny", "the first stage's approval sets the status with it");
            assert.strictEqual(decide(stagingApprover, { set: approved("Staging"), approval: "Rejected" }), "implicit-deny", "approved with rejected: not one of our calls");
            assert.strictEqual(decide(stagingApprover, { approval: "Approved" }), "implicit-deny", "a status without a lifecycle");
        });

        it("only the first stage's approvers set ModelApprovalStatus", () => {
            assert.strictEqual(decide(releaseManager, { set: approved("Production"), current: deployed("Staging"), approval: "Approved" }), "implicit-deny");
            assert.strictEqual(decide(releaseManager, { set: rejected("Production"), current: approved("Production"), approval: "Rejected" }), "implicit-deny");
            assert.strictEqual(decide(releaseManager, { approval: "Rejected" }), "implicit-deny");
        });

        it("Production approvers cannot set Staging", () => {
            for (const current of [undefined, approved("Staging"), deployed("Staging")]) {
                assert.strictEqual(decide(releaseManager, { set: approved("Staging"), current, approval: "Approved" }), "implicit-deny");
                assert.strictEqual(decide(releaseManager, { set: rejected("Staging"), current }), "implicit-deny");
            }
        });

        it("Staging approvers cannot set Production, nor take a version past Staging back to it", () => {
            assert.strictEqual(decide(stagingApprover, { set: approved("Production"), current: deployed("Staging") }), "implicit-deny");
            assert.strictEqual(decide(stagingApprover, { set: rejected("Staging"), current: approved("Production"), approval: "Rejected" }), "implicit-deny");
            assert.strictEqual(decide(stagingApprover, { set: approved("Staging"), current: deployed("Production"), approval: "Approved" }), "implicit-deny");
        });

        it("Production is decided once Staging is Deployed, or again at Production; never before", () => {
            assert.strictEqual(decide(releaseManager, { set: approved("Production"), current: deployed("Staging") }), "allowed");
            assert.strictEqual(decide(releaseManager, { set: rejected("Production"), current: deployed("Staging") }), "allowed");
            assert.strictEqual(decide(releaseManager, { set: rejected("Production"), current: approved("Production") }), "allowed");
            assert.strictEqual(decide(releaseManager, { set: approved("Production"), current: rejected("Production") }), "allowed");
            assert.strictEqual(decide(releaseManager, { set: approved("Production"), current: approved("Staging") }), "implicit-deny", "approved for Staging but not yet deployed there");
            assert.strictEqual(decide(releaseManager, { set: approved("Production") }), "implicit-deny", "not yet approved for Staging");
            assert.strictEqual(decide(releaseManager, { set: deployed("Production"), current: approved("Production") }), "implicit-deny", "Deployed is the deploy function's");
        });

        it("grants nothing to anyone else it is attached to, and reads only as an approver", () => {
            const intruder = `arn:aws:iam::${REGISTRY}:role/intruder`;
            assert.strictEqual(decide(intruder, { set: approved("Staging"), approval: "Approved" }), "implicit-deny");
            assert.strictEqual(evaluate({ principalArn: releaseManager, action: "sagemaker:DescribeModelPackage", resource: version }, { identity: [approvers.Production] }), "allowed");
            assert.strictEqual(evaluate({ principalArn: intruder, action: "sagemaker:DescribeModelPackage", resource: version }, { identity: [approvers.Production] }), "implicit-deny");
        });

        it("refuses a stage outside the order and an empty approver list", () => {
            assert.throws(() => stageApproverPolicy({ scope: registryScope, groupName, stageOrder, stage: "QA", approverPrincipalArns: [stagingApprover] }), /"QA" is not in the stage order/);
            assert.throws(() => stageApproverPolicy({ scope: registryScope, groupName, stageOrder, stage: "Staging", approverPrincipalArns: [] }), /at least one approver/);
        });

        it("the all-in-one approver policy would let a Production approver set ModelApprovalStatus: it is not for stage approvers", () => {
            const allInOne = approverPolicy({ scope: registryScope, groupName, approverPrincipalArns: [releaseManager] });
            assert.strictEqual(decide(releaseManager, { approval: "Approved" }, [allInOne]), "allowed");
        });
    });

    describe("the pipeline (registrar) cannot set a stage", () => {
        const registrar = registrarPolicy({ scope: registryScope, groupName });
        const call = (action: string, context: Record<string, string>) => evaluate({ principalArn: pipelineRole, action, resource: version, context }, { identity: [registrar, ADMINISTRATOR_ACCESS] });

        it("registers only as PendingManualApproval with no lifecycle, even with an administrator policy attached", () => {
            assert.strictEqual(evaluate({ principalArn: pipelineRole, action: "sagemaker:CreateModelPackage", resource: version, context: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } }, { identity: [registrar] }), "allowed");
            assert.strictEqual(call("sagemaker:CreateModelPackage", { "sagemaker:ModelApprovalStatus": "PendingManualApproval", ...updateContext({ set: approved("Production") }) }), "explicit-deny");
            assert.strictEqual(call("sagemaker:CreateModelPackage", { "sagemaker:ModelApprovalStatus": "PendingManualApproval", ...updateContext({ set: deployed("Staging") }) }), "explicit-deny");
        });
        it("updates no version, lifecycle or not", () => {
            assert.strictEqual(call("sagemaker:UpdateModelPackage", updateContext({ set: approved("Staging"), approval: "Approved" })), "explicit-deny");
            assert.strictEqual(call("sagemaker:UpdateModelPackage", updateContext({ set: deployed("Production"), current: approved("Production") })), "explicit-deny");
        });
    });
});
