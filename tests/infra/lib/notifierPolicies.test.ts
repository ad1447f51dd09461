import { strict as assert } from "assert";
import { allows, notify, resourcesOf } from "./approvalPolicyInputs";

describe("infra/lib/notifierPolicies", () => {
    it("lets notify read reports only under the pipeline's prefix, decrypting through S3 only", () => {
        assert.deepEqual(resourcesOf(notify, "s3:GetObject"), ["arn:aws:s3:::artifacts/sagemaker-approval-gate-dev-training/*/Evaluate/output/evaluation/evaluation.json"]);
        const [decrypt] = allows(notify).filter((s) => s.Sid === "DecryptEvaluationReports");
        assert.deepEqual(decrypt.Condition, { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
        assert.equal(allows(notify).some((s) => s.Action.some((a) => a.startsWith("sagemaker:"))), false);
    });
});
