/**
 * The smoke test's documents in the promotion layout, both sides, through the IAM evaluator: an environment's smoke
 * role (its identity policy, smokeTestPolicy with `promotion`) and the registry group's resource policy
 * (promotionGroupResourcePolicy). Together they allow exactly {its stage, Rejected} on the registry's versions while
 * the version is at that stage, never Approved or Deployed, never another stage, never ModelApprovalStatus.
 */
import { strict as assert } from "assert";
import { policyDocument, wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { environmentSmokeRegistryStatements, promotionGroupResourcePolicy } from "../../../infra/lib/promotionPolicies";
import { smokeTestPolicy } from "../../../infra/lib/smokeTestPolicies";
import { evaluate } from "./policyEvaluator";
import { envRole, groupName, OTHER, PROD, REGISTRY, registryScope, STAGES, STAGING, updateContext, version, type Lifecycle } from "./promotionFixtures";

const stagingScope = { partition: "aws", region: "us-east-1", accountId: STAGING };
const identity = (stage: string, accountId: string, environment: string) =>
    smokeTestPolicy({
        scope: { ...stagingScope, accountId },
        environment,
        endpointName: `sagemaker-approval-gate-${environment}-endpoint`,
        groupName,
        logGroupName: `/aws/lambda/sagemaker-approval-gate-${environment}-smoke-test`,
        ledgerTableArn: `arn:aws:dynamodb:us-east-1:${accountId}:table/sagemaker-approval-gate-${environment}-deployments`,
        topicArn: `arn:aws:sns:us-east-1:${accountId}:sagemaker-approval-gate-${environment}-approvals`,
        kmsKeyArn: `arn:aws:kms:us-east-1:${accountId}:key/abcd`,
        dlqArn: `arn:aws:sqs:us-east-1:${accountId}:sagemaker-approval-gate-${environment}-smoke-test-dlq`,
        promotion: { registryScope, stage },
    });
const groupPolicy = promotionGroupResourcePolicy({ scope: registryScope, groupName, stages: STAGES });
const stagingSmoke = { arn: envRole(STAGING, "staging", "smoke-test"), identity: identity("Staging", STAGING, "staging") };
const prodSmoke = { arn: envRole(PROD, "prod", "smoke-test"), identity: identity("Production", PROD, "prod") };

function update(who: { arn: string; identity: ReturnType<typeof policyDocument> }, change: { set?: Lifecycle; current?: Lifecycle; approval?: string }, resource = version) {
    return evaluate(
        { principalArn: who.arn, action: "sagemaker:UpdateModelPackage", resource, context: updateContext(change), resourceAccount: REGISTRY },
        { identity: [who.identity], resource: [groupPolicy] },
    );
}

describe("infra/lib smoke test documents in the promotion layout (environment role + registry group policy)", () => {
    it("the role names no wildcard action; its SageMaker writes name only the registry's versions of the group", () => {
        assert.deepEqual(wildcardAllowActions(stagingSmoke.identity), []);
        const writes = stagingSmoke.identity.Statement.filter((s) => s.Action?.includes("sagemaker:UpdateModelPackage"));
        assert.ok(writes.length > 0);
        for (const s of writes) for (const r of s.Resource ?? []) assert.match(r, new RegExp(`^arn:aws:sagemaker:us-east-1:${REGISTRY}:model-package/(abalone|Abalone)/\\*$`), r);
    });

    it("allowed: Staging's smoke role rejects Staging of a version at Staging (Approved or Deployed)", () => {
        for (const StageStatus of ["Approved", "Deployed"]) {
            assert.equal(update(stagingSmoke, { set: { Stage: "Staging", StageStatus: "Rejected" }, current: { Stage: "Staging", StageStatus } }), "allowed", StageStatus);
        }
        assert.equal(update(prodSmoke, { set: { Stage: "Production", StageStatus: "Rejected" }, current: { Stage: "Production", StageStatus: "Approved" } }), "allowed");
    });

    it("denied: Approved or Deployed for its own stage (a machine never promotes)", () => {
        const current = { Stage: "Staging", StageStatus: "Approved" };
        assert.notEqual(update(stagingSmoke, { set: { Stage: "Staging", StageStatus: "Approved" }, current }), "allowed");
        assert.notEqual(update(stagingSmoke, { set: { Stage: "Staging", StageStatus: "Deployed" }, current }), "allowed");
    });

    it("denied: another stage, and its own stage once the version has passed it", () => {
        assert.notEqual(update(stagingSmoke, { set: { Stage: "Production", StageStatus: "Rejected" }, current: { Stage: "Production", StageStatus: "Approved" } }), "allowed");
        assert.notEqual(update(prodSmoke, { set: { Stage: "Staging", StageStatus: "Rejected" }, current: { Stage: "Staging", StageStatus: "Approved" } }), "allowed");
        assert.notEqual(update(stagingSmoke, { set: { Stage: "Staging", StageStatus: "Rejected" }, current: { Stage: "Production", StageStatus: "Approved" } }), "allowed", "passed Staging");
    });

    it("denied: any ModelApprovalStatus, with or without the lifecycle, and an update without a lifecycle", () => {
        const current = { Stage: "Staging", StageStatus: "Approved" };
        for (const approval of ["Rejected", "Approved", "PendingManualApproval"]) {
            assert.notEqual(update(stagingSmoke, { set: { Stage: "Staging", StageStatus: "Rejected" }, current, approval }), "allowed", approval);
            assert.notEqual(update(stagingSmoke, { current, approval }), "allowed", `${approval} alone`);
        }
        assert.notEqual(update(stagingSmoke, { current }), "allowed", "metadata only");
    });

    it("each side is needed: the role alone, the group policy alone, another role of the account, another account", () => {
        const change = { set: { Stage: "Staging", StageStatus: "Rejected" }, current: { Stage: "Staging", StageStatus: "Approved" } };
        const context = updateContext(change);
        const req = (principalArn: string) => ({ principalArn, action: "sagemaker:UpdateModelPackage", resource: version, context, resourceAccount: REGISTRY });
        assert.equal(evaluate(req(stagingSmoke.arn), { identity: [stagingSmoke.identity] }), "implicit-deny", "no group policy");
        assert.equal(evaluate(req(stagingSmoke.arn), { resource: [groupPolicy] }), "implicit-deny", "no identity policy");
        assert.equal(evaluate(req(envRole(STAGING, "staging", "deploy-approved")), { identity: [stagingSmoke.identity], resource: [groupPolicy] }), "implicit-deny", "the deploy role");
        assert.equal(evaluate(req(envRole(OTHER, "staging", "smoke-test")), { identity: [stagingSmoke.identity], resource: [groupPolicy] }), "implicit-deny", "same name elsewhere");
    });

    it("the group policy names each stage's smoke role by its physical name, and the role's statements carry the Denies", () => {
        const smokes = groupPolicy.Statement.filter((s) => /SmokeRoleRejectsStage$/.test(s.Sid ?? ""));
        assert.deepEqual(
            smokes.map((s) => (s.Condition as any).ArnEquals["aws:PrincipalArn"][0]),
            [`arn:aws:iam::${STAGING}:role/sagemaker-approval-gate-staging-smoke-test`, `arn:aws:iam::${PROD}:role/sagemaker-approval-gate-prod-smoke-test`],
        );
        const sids = environmentSmokeRegistryStatements({ registryScope, groupName, stage: "Staging" }).map((s) => s.Sid);
        assert.deepEqual(sids, ["DescribeRegistryVersions", "RejectThisStageOnly", "DenyOtherStages", "DenyOtherStageStatuses", "DenyApprovalStatusChanges"]);
    });

    it("may describe the registry's versions (the group check before a rejection)", () => {
        const describe = evaluate(
            { principalArn: stagingSmoke.arn, action: "sagemaker:DescribeModelPackage", resource: version, resourceAccount: REGISTRY },
            { identity: [stagingSmoke.identity], resource: [groupPolicy] },
        );
        assert.equal(describe, "allowed");
    });
});
