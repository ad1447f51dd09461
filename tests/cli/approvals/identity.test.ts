import { strict as assert } from "assert";
import { checkSeparationOfDuties, parsePrincipalArn } from "../../../cli/approvals/identity";

describe("cli/approvals/identity", () => {
    it("parses role, user, assumed-role and root ARNs into principals", () => {
        assert.deepEqual(parsePrincipalArn("arn:aws:iam::111111111111:role/teams/ML-Dev"), { account: "111111111111", kind: "role", name: "ml-dev" });
        assert.deepEqual(parsePrincipalArn("arn:aws:sts::111111111111:assumed-role/ml-dev/alice@example.com"), {
            account: "111111111111", kind: "role", name: "ml-dev", session: "alice@example.com",
        });
        assert.deepEqual(parsePrincipalArn("arn:aws:iam::111111111111:user/bob"), { account: "111111111111", kind: "user", name: "bob" });
        assert.equal(parsePrincipalArn("arn:aws:iam::111111111111:root")?.kind, "root");
        assert.equal(parsePrincipalArn("not an arn"), undefined);
    });

    it("treats an assumed-role session as the role that registered the version, whatever the session name or role path", () => {
        const check = checkSeparationOfDuties(
            { arn: "arn:aws:iam::111111111111:role/teams/ml-dev" },
            { arn: "arn:aws:sts::111111111111:assumed-role/ml-dev/alice" },
        );
        assert.equal(check.verdict, "same");
        const sessions = checkSeparationOfDuties(
            { arn: "arn:aws:sts::111111111111:assumed-role/ml-dev/SageMaker-pipeline" },
            { arn: "arn:aws:sts::111111111111:assumed-role/ML-DEV/bob" },
        );
        assert.equal(sessions.verdict, "same");
    });

    it("sees different roles, different accounts and users as different identities", () => {
        const registrar = { arn: "arn:aws:sts::111111111111:assumed-role/pipeline-exec/SageMaker-1" };
        assert.equal(checkSeparationOfDuties(registrar, { arn: "arn:aws:sts::111111111111:assumed-role/ml-approver/alice" }).verdict, "different");
        assert.equal(checkSeparationOfDuties(registrar, { arn: "arn:aws:sts::222222222222:assumed-role/pipeline-exec/alice" }).verdict, "different");
        assert.equal(checkSeparationOfDuties({ arn: "arn:aws:iam::111111111111:user/bob" }, { arn: "arn:aws:iam::111111111111:role/bob" }).verdict, "different");
    });

    it("matches on the unique principal ID even when the ARNs are written differently", () => {
        const check = checkSeparationOfDuties(
            { arn: "arn:aws:iam::111111111111:role/renamed", principalId: "AROAEXAMPLEID123456:pipeline" },
            { arn: "arn:aws:sts::111111111111:assumed-role/other/alice", principalId: "AROAEXAMPLEID123456:alice" },
        );
        assert.equal(check.verdict, "same");
    });

    it("says unknown when the version records no IAM identity", () => {
        const check = checkSeparationOfDuties(undefined, { arn: "arn:aws:sts::111111111111:assumed-role/ml-approver/alice" });
        assert.equal(check.verdict, "unknown");
        assert.match((check as { reason: string }).reason, /CreatedBy\.IamIdentity is empty/);
    });
});
