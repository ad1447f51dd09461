/**
 * ModelRegistry under Pulumi mocks (the real program, with the example dev/prod config and variants):
 * the group, the cross-account read policy, the guardrail policies and where they are attached.
 */
import * as assert from "assert";
import { ProgramRun, runProgramUnderMocks } from "../../../cli/lib/programUnderMocks";
import { approvalGuardrailScp, approverPolicy, registrarPolicy } from "../../../infra/lib/iamDocuments";
import { distinctAttachablePrincipals, foreignPrincipalsMessage, principalsOutsideAccount } from "../../../infra/lib/attachments";
import { exampleStackConfig } from "../exampleStacks";
// prod as the all-in-one production stack it was before issue 10 (Pulumi.prod.yaml is now an environment stack; tests/infra/layouts cover that).
import { allInOneStackConfig } from "./approvalStacks";

const MOCK_SCOPE = { partition: "aws", region: "us-east-1", accountId: "123456789012" };
const T = {
    component: "sagemaker-approval-gate:registry:ModelRegistry",
    group: "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
    groupPolicy: "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
    policy: "aws:iam/policy:Policy",
    roleAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    userAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
};

function withApprovers(stack: string, approvers: Record<string, unknown>): Record<string, unknown> {
    const config = allInOneStackConfig(stack);
    config["sagemaker-approval-gate:approvers"] = { ...(config["sagemaker-approval-gate:approvers"] as object), ...approvers };
    return config;
}

describe("infra/components/modelRegistry", () => {
    describe("dev example stack", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgramUnderMocks({ stack: "dev", config: exampleStackConfig("dev") });
        });

        it("is a component of type sagemaker-approval-gate:registry:ModelRegistry whose children carry its name", () => {
            const [component] = run.recorder.ofType(T.component);
            assert.strictEqual(component.name, "sagemaker-approval-gate-dev-registry");
            const children = run.recorder.resources.filter((r) => r.name.startsWith(`${component.name}-`));
            assert.ok(children.length >= 4, children.map((c) => c.name).join(","));
        });

        it("declares the model package group with its description and tags", () => {
            const group = run.recorder.get(T.group, "sagemaker-approval-gate-dev-registry-group");
            assert.strictEqual(group.inputs.modelPackageGroupName, "abalone-dev");
            assert.match(group.inputs.modelPackageGroupDescription, /pending manual approval/);
            assert.deepStrictEqual(group.inputs.tags, { team: "ml-platform", "cost-center": "ml-dev", project: "sagemaker-approval-gate", environment: "dev" });
        });

        it("has no group resource policy when no consumer account is configured", () => {
            assert.deepStrictEqual(run.recorder.ofType(T.groupPolicy), []);
        });

        it("declares the registrar guardrail as a managed policy built by registrarPolicy()", () => {
            const policy = run.recorder.get(T.policy, "sagemaker-approval-gate-dev-registry-registrar-policy");
            assert.deepStrictEqual(JSON.parse(policy.inputs.policy), registrarPolicy({ scope: MOCK_SCOPE, groupName: "abalone-dev" }));
        });

        it("declares the approver policy and attaches it to the configured approver role", () => {
            const policy = run.recorder.get(T.policy, "sagemaker-approval-gate-dev-registry-approver-policy");
            assert.deepStrictEqual(
                JSON.parse(policy.inputs.policy),
                approverPolicy({ scope: MOCK_SCOPE, groupName: "abalone-dev", approverPrincipalArns: ["arn:aws:iam::123456789012:role/ml-approver"] }),
            );
            const attachments = run.recorder.ofType(T.roleAttachment).filter((a) => a.name.includes("-registry-approver-"));
            assert.deepStrictEqual(attachments.map((a) => [a.name, a.inputs.role, a.inputs.policyArn]), [
                ["sagemaker-approval-gate-dev-registry-approver-role-ml-approver", "ml-approver", policy.state.arn],
            ]);
        });
    });

    it("exports the approval guardrail SCP for this environment's group and approvers", async () => {
        const run = await runProgramUnderMocks({ stack: "prod", config: allInOneStackConfig("prod") });
        assert.deepStrictEqual(
            JSON.parse(String(run.outputs.approvalGuardrailScp)),
            approvalGuardrailScp({
                scope: MOCK_SCOPE,
                groupName: "abalone-prod",
                approverPrincipalArns: ["arn:aws:iam::123456789012:role/ml-approver", "arn:aws:iam::123456789012:role/ml-release-manager"],
            }),
        );
    });

    describe("prod example stack", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgramUnderMocks({ stack: "prod", config: allInOneStackConfig("prod") });
        });

        it("shares the group read-only with the consumer account", () => {
            const [policy] = run.recorder.ofType(T.groupPolicy);
            assert.strictEqual(policy.inputs.modelPackageGroupName, "abalone-prod");
            const doc = JSON.parse(policy.inputs.resourcePolicy);
            assert.deepStrictEqual(doc.Statement.map((s: any) => [s.Effect, s.Principal.AWS, s.Action]), [
                ["Allow", ["arn:aws:iam::333333333333:root"], ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:ListModelPackages"]],
            ]);
        });

        it("attaches the approver policy to both approver roles", () => {
            const roles = run.recorder.ofType(T.roleAttachment).filter((a) => a.name.includes("-registry-approver-")).map((a) => a.inputs.role);
            assert.deepStrictEqual(roles, ["ml-approver", "ml-release-manager"]);
        });
    });

    describe("approver attachment variants", () => {
        it("attaches nothing when approvers.attachPolicy is false, but still declares the policy", async () => {
            const run = await runProgramUnderMocks({ stack: "dev", config: withApprovers("dev", { attachPolicy: false }) });
            assert.deepStrictEqual(run.recorder.ofType(T.roleAttachment).filter((a) => a.name.includes("-registry-approver-")), []);
            assert.ok(run.recorder.get(T.policy, "sagemaker-approval-gate-dev-registry-approver-policy"));
            assert.match(String(run.outputs.approverPolicyArn), /policy\//);
        });

        it("attaches to users with a user attachment, and to a session's role once", async () => {
            const run = await runProgramUnderMocks({
                stack: "dev",
                config: withApprovers("dev", {
                    principalArns: ["arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/ml-approver/bob", "arn:aws:iam::123456789012:role/ml-approver"],
                }),
            });
            assert.deepStrictEqual(run.recorder.ofType(T.userAttachment).filter((a) => a.name.includes("-registry-approver-")).map((a) => a.inputs.user), ["alice"]);
            assert.deepStrictEqual(run.recorder.ofType(T.roleAttachment).filter((a) => a.name.includes("-registry-approver-")).map((a) => a.inputs.role), ["ml-approver"]);
        });

        it("distinctAttachablePrincipals de-duplicates by kind and name", () => {
            assert.deepStrictEqual(
                distinctAttachablePrincipals(["arn:aws:iam::1:role/x".replace("1", "111111111111"), "arn:aws:iam::111111111111:role/path/x", "arn:aws:iam::111111111111:user/x"]).map((p) => `${p.kind}/${p.name}`),
                ["role/x", "user/x"],
            );
        });

        it("finds the principals of another account, which IAM cannot attach to from the deploying one", () => {
            const arns = ["arn:aws:iam::123456789012:role/a", "arn:aws:sts::111111111111:assumed-role/b/session", "arn:aws:iam::111111111111:user/c"];
            assert.deepStrictEqual(principalsOutsideAccount(arns, "123456789012"), arns.slice(1));
            assert.deepStrictEqual(principalsOutsideAccount(arns.slice(0, 1), "123456789012"), []);
            assert.match(foreignPrincipalsMessage(arns.slice(1), "123456789012"), /^Not attaching a policy to arn:aws:sts::111111111111:assumed-role\/b\/session, arn:aws:iam::111111111111:user\/c: not in the deploying account 123456789012 \(IAM attaches by name/);
        });
    });
});
