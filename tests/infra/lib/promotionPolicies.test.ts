import { strict as assert } from "assert";
import { wildcardAllowActions, type PolicyDocument } from "../../../infra/lib/iamDocuments";
import {
    environmentDeployRegistryStatements,
    environmentNotifyRegistryStatements,
    environmentRoleArns,
    promotionGroupResourcePolicy,
} from "../../../infra/lib/promotionPolicies";
import { policyDocument } from "../../../infra/lib/iamDocuments";
import { ADMINISTRATOR_ACCESS, evaluate } from "./policyEvaluator";
import {
    envRole,
    groupArn,
    groupName,
    OTHER,
    pipelineRole,
    PROD,
    REGISTRY,
    registryScope,
    releaseManager,
    STAGES,
    STAGING,
    stageOrder,
    stagingApprover,
    updateContext,
    version,
    type Lifecycle,
} from "./promotionFixtures";

const groupPolicy = promotionGroupResourcePolicy({ scope: registryScope, groupName, stages: STAGES, consumerAccountIds: ["555555555555"] });
const deployRole = (stage: "Staging" | "Production") =>
    policyDocument(...environmentDeployRegistryStatements({ registryScope, groupName, stage }));

const approved = (Stage: string): Lifecycle => ({ Stage, StageStatus: "Approved" });
const deployed = (Stage: string): Lifecycle => ({ Stage, StageStatus: "Deployed" });
const rejected = (Stage: string): Lifecycle => ({ Stage, StageStatus: "Rejected" });

describe("infra/lib/promotionPolicies", () => {
    it("names the environment roles by their physical names", () => {
        assert.deepStrictEqual(environmentRoleArns("aws", PROD, "prod"), {
            modelExecution: envRole(PROD, "prod", "model-execution"),
            notifyApprover: envRole(PROD, "prod", "notify-approver"),
            smokeTest: envRole(PROD, "prod", "smoke-test"),
            deployApproved: envRole(PROD, "prod", "deploy-approved"),
        });
    });

    it("every document: unique alphanumeric Sids, no wildcard action in an Allow", () => {
        const documents: PolicyDocument[] = [groupPolicy, deployRole("Staging"), policyDocument(...environmentNotifyRegistryStatements({ registryScope, groupName }))];
        for (const document of documents) {
            const sids = document.Statement.map((s) => s.Sid);
            assert.strictEqual(new Set(sids).size, sids.length, sids.join(", "));
            for (const sid of sids) assert.match(sid, /^[A-Za-z0-9]+$/);
            assert.deepStrictEqual(wildcardAllowActions(document), []);
        }
    });

    describe("the group's resource policy for the environment accounts", () => {
        const asEnv = (principalArn: string, action: string, resource = version, context: Record<string, string> = {}, identity = [ADMINISTRATOR_ACCESS]) =>
            evaluate({ principalArn, action, resource, context, resourceAccount: REGISTRY }, { identity, resource: [groupPolicy] });

        it("lets each environment account read the group and its versions and create models from them", () => {
            for (const [account, env] of [[STAGING, "staging"], [PROD, "prod"]]) {
                const notify = envRole(account, env, "notify-approver");
                assert.strictEqual(asEnv(notify, "sagemaker:DescribeModelPackage"), "allowed");
                assert.strictEqual(asEnv(notify, "sagemaker:DescribeModelPackageGroup", groupArn), "allowed");
                assert.strictEqual(asEnv(envRole(account, env, "deploy-approved"), "sagemaker:CreateModel"), "allowed");
            }
        });

        it("grants another account nothing, whatever its own policies say", () => {
            for (const action of ["sagemaker:DescribeModelPackage", "sagemaker:CreateModel", "sagemaker:UpdateModelPackage"]) {
                assert.strictEqual(asEnv(`arn:aws:iam::${OTHER}:role/admin`, action, version, updateContext({ set: deployed("Staging"), current: approved("Staging") })), "implicit-deny", action);
            }
        });

        it("keeps the read-only consumers read-only", () => {
            assert.strictEqual(asEnv("arn:aws:iam::555555555555:role/reader", "sagemaker:DescribeModelPackage"), "allowed");
            assert.strictEqual(asEnv("arn:aws:iam::555555555555:role/reader", "sagemaker:CreateModel"), "implicit-deny");
        });

        it("lets a stage's deploy role mark its own stage Deployed, from {stage, Approved} only", () => {
            const staging = envRole(STAGING, "staging", "deploy-approved");
            const mark = (set: Lifecycle, current?: Lifecycle, approval?: string) => asEnv(staging, "sagemaker:UpdateModelPackage", version, updateContext({ set, current, approval }));
            assert.strictEqual(mark(deployed("Staging"), approved("Staging")), "allowed");
            assert.strictEqual(mark(deployed("Staging"), rejected("Staging")), "implicit-deny", "a rejected version is not marked deployed");
            assert.strictEqual(mark(deployed("Staging")), "implicit-deny", "a version with no lifecycle is not marked deployed");
            assert.strictEqual(mark(approved("Staging"), approved("Staging")), "implicit-deny", "the deploy role never approves");
            assert.strictEqual(mark(deployed("Staging"), approved("Staging"), "Approved"), "implicit-deny", "nor sets ModelApprovalStatus");
        });

        it("staging's deploy role cannot mark Production Deployed, even as an administrator of its account", () => {
            const staging = envRole(STAGING, "staging", "deploy-approved");
            assert.strictEqual(asEnv(staging, "sagemaker:UpdateModelPackage", version, updateContext({ set: deployed("Production"), current: approved("Production") })), "implicit-deny");
            // Its own documents deny it outright.
            assert.strictEqual(
                asEnv(staging, "sagemaker:UpdateModelPackage", version, updateContext({ set: deployed("Production"), current: approved("Production") }), [deployRole("Staging"), ADMINISTRATOR_ACCESS]),
                "explicit-deny",
            );
            assert.strictEqual(asEnv(envRole(PROD, "prod", "deploy-approved"), "sagemaker:UpdateModelPackage", version, updateContext({ set: deployed("Production"), current: approved("Production") })), "allowed");
        });

        it("no other role of an environment account may update a version (aws:PrincipalArn)", () => {
            for (const role of [envRole(PROD, "prod", "notify-approver"), `arn:aws:iam::${PROD}:role/admin`]) {
                assert.strictEqual(asEnv(role, "sagemaker:UpdateModelPackage", version, updateContext({ set: deployed("Production"), current: approved("Production") })), "implicit-deny", role);
            }
        });

        it("refuses to build without stages", () => {
            assert.throws(() => promotionGroupResourcePolicy({ scope: registryScope, groupName, stages: [] }), /at least one stage/);
        });
    });

    describe("the environment deploy role's statements for the registry", () => {
        const identity = [deployRole("Production")];
        const prodDeploy = envRole(PROD, "prod", "deploy-approved");
        const call = (action: string, context: Record<string, string> = {}) => evaluate({ principalArn: prodDeploy, action, resource: version, context, resourceAccount: REGISTRY }, { identity, resource: [groupPolicy] });

        it("describes the registry's versions and creates models from them", () => {
            assert.strictEqual(call("sagemaker:DescribeModelPackage"), "allowed");
            assert.strictEqual(call("sagemaker:CreateModel"), "allowed");
        });
        it("marks Production Deployed from {Production, Approved} and nothing else", () => {
            assert.strictEqual(call("sagemaker:UpdateModelPackage", updateContext({ set: deployed("Production"), current: approved("Production") })), "allowed");
            assert.strictEqual(call("sagemaker:UpdateModelPackage", updateContext({ set: deployed("Staging"), current: approved("Staging") })), "explicit-deny");
            assert.strictEqual(call("sagemaker:UpdateModelPackage", updateContext({ set: rejected("Production"), current: approved("Production") })), "explicit-deny");
            assert.strictEqual(call("sagemaker:UpdateModelPackage", updateContext({ approval: "Approved" })), "explicit-deny", "no lifecycle, a status: denied");
            assert.strictEqual(call("sagemaker:UpdateModelPackage", updateContext({ set: deployed("Production"), current: deployed("Staging") })), "implicit-deny");
        });
        it("names only the registry's versions of this group", () => {
            const other = `arn:aws:sagemaker:us-east-1:${REGISTRY}:model-package/another-group/1`;
            assert.strictEqual(evaluate({ principalArn: prodDeploy, action: "sagemaker:DescribeModelPackage", resource: other, resourceAccount: REGISTRY }, { identity, resource: [groupPolicy] }), "implicit-deny");
        });
    });
});
