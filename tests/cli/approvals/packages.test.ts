import { strict as assert } from "assert";
import { CliError, EXIT } from "../../../cli/approvals/errors";
import { checkDecision, packageArnFor, parseVersionRef, shortExecution, type PackageDescription } from "../../../cli/approvals/packages";

const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/4";
const pending: PackageDescription = {
    ModelPackageArn: ARN,
    ModelPackageName: "abalone-dev",
    ModelPackageGroupName: "abalone-dev",
    ModelPackageVersion: 4,
    ModelPackageStatus: "Completed",
    ModelApprovalStatus: "PendingManualApproval",
    CreationTime: new Date("2026-11-25T08:00:00Z"),
    ModelPackageStatusDetails: { ValidationStatuses: [] },
    CreatedBy: { IamIdentity: { Arn: "arn:aws:sts::111111111111:assumed-role/pipeline-exec/SageMaker-run1", PrincipalId: "AROAPIPELINEEXEC0001:SageMaker-run1" } },
};
const approver = { arn: "arn:aws:sts::111111111111:assumed-role/ml-approver/alice", principalId: "AROAAPPROVER00000001:alice" };

function expectUsage(fn: () => unknown, pattern: RegExp) {
    assert.throws(fn, (err: unknown) => err instanceof CliError && err.exitCode === EXIT.usage && pattern.test(err.message));
}

describe("cli/approvals/packages", () => {
    describe("parseVersionRef", () => {
        it("accepts an ARN, group/version and a bare version", () => {
            assert.deepEqual(parseVersionRef(ARN), { kind: "arn", arn: ARN, region: "us-east-1" });
            assert.deepEqual(parseVersionRef("abalone-dev/12"), { kind: "group", group: "abalone-dev", version: 12 });
            assert.deepEqual(parseVersionRef(" 3 "), { kind: "version", version: 3 });
        });
        it("rejects anything else with the accepted forms", () => {
            expectUsage(() => parseVersionRef("abalone-dev"), /does not name a model package version/);
            expectUsage(() => parseVersionRef("abalone-dev/0"), /does not name/);
            expectUsage(() => parseVersionRef("arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev"), /not a versioned model package ARN/);
            expectUsage(() => parseVersionRef("a b/1"), /does not name/);
        });
    });

    it("builds the ARN in the caller's partition and account, with the group lower-cased as SageMaker does", () => {
        assert.equal(packageArnFor("Abalone-Dev", 4, "eu-west-1", "arn:aws:sts::111111111111:assumed-role/r/s"),
            "arn:aws:sagemaker:eu-west-1:111111111111:model-package/abalone-dev/4");
        assert.equal(packageArnFor("g", 1, "cn-north-1", "arn:aws-cn:iam::111111111111:user/u"), "arn:aws-cn:sagemaker:cn-north-1:111111111111:model-package/g/1");
    });

    it("shortens a pipeline execution ARN to pipeline/execution", () => {
        assert.equal(shortExecution("arn:aws:sagemaker:us-east-1:1:pipeline/p-dev/execution/abc123"), "p-dev/abc123");
        assert.equal(shortExecution(undefined), "-");
    });

    describe("checkDecision", () => {
        it("lets another identity approve a pending, completed version", () => {
            const check = checkDecision("approve", pending, approver);
            assert.equal(check.allowed, true);
            assert.deepEqual(check.allowed && [check.from, check.to, check.duties.verdict], ["PendingManualApproval", "Approved", "different"]);
        });
        it("refuses self-approval: a session of the role that registered it", () => {
            const check = checkDecision("approve", pending, { arn: "arn:aws:sts::111111111111:assumed-role/pipeline-exec/alice" });
            assert.equal(check.allowed, false);
            assert.match(!check.allowed ? check.reason : "", /Separation of duties.*registered abalone-dev\/4/);
        });
        for (const status of ["Approved", "Rejected"] as const) {
            it(`refuses to approve a version that is ${status}`, () => {
                const check = checkDecision("approve", { ...pending, ModelApprovalStatus: status }, approver);
                assert.equal(check.allowed, false);
                assert.match(!check.allowed ? check.reason : "", new RegExp(`is ${status}, not PendingManualApproval`));
            });
        }
        it("refuses to approve a version SageMaker has not finished registering", () => {
            const check = checkDecision("approve", { ...pending, ModelPackageStatus: "InProgress" }, approver);
            assert.match(!check.allowed ? check.reason : "", /ModelPackageStatus InProgress, not Completed/);
        });
        it("refuses when the registrar is unknown, unless explicitly allowed (and then warns)", () => {
            const unknown = { ...pending, CreatedBy: { UserProfileName: "studio-bob" } };
            const refused = checkDecision("approve", unknown, approver);
            assert.equal(refused.allowed, false);
            assert.match(!refused.allowed ? refused.reason : "", /Cannot verify separation of duties.*studio-bob/);
            const allowed = checkDecision("approve", unknown, approver, { allowUnknownRegistrar: true });
            assert.equal(allowed.allowed, true);
            assert.match(allowed.allowed ? allowed.warnings.join() : "", /registrar unknown/);
        });
        it("lets anyone reject a pending or approved version, even their own, but not a rejected one", () => {
            assert.equal(checkDecision("reject", pending, { arn: "arn:aws:sts::111111111111:assumed-role/pipeline-exec/x" }).allowed, true);
            const approved = checkDecision("reject", { ...pending, ModelApprovalStatus: "Approved" }, approver);
            assert.equal(approved.allowed, true);
            assert.match(approved.allowed ? approved.warnings.join() : "", /rolls the endpoint back/);
            const again = checkDecision("reject", { ...pending, ModelApprovalStatus: "Rejected" }, approver);
            assert.match(!again.allowed ? again.reason : "", /already Rejected/);
        });
    });
});
