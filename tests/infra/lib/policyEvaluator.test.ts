/** The test IAM evaluator itself, for the operators whose semantics are easy to get wrong. */
import { strict as assert } from "assert";
import type { PolicyDocument } from "../../../infra/lib/iamDocuments";
import { evaluate } from "./policyEvaluator";

describe("tests/infra/lib/policyEvaluator: ForAllValues:StringLike on dynamodb:LeadingKeys", () => {
    const table = "arn:aws:dynamodb:eu-west-1:111111111111:table/t";
    const doc: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [{ Sid: "W", Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: [table], Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["NOTIFY#*", "PINS#arn:?"] } } }],
    };
    const put = (keys?: string | string[]) =>
        evaluate({ principalArn: "arn:aws:iam::111111111111:role/r", action: "dynamodb:PutItem", resource: table, context: keys === undefined ? {} : { "dynamodb:LeadingKeys": keys } }, { identity: [doc] });

    it("allows when every partition key matches one pattern (* and ? as IAM, case-sensitive)", () => {
        assert.equal(put(["NOTIFY#arn:aws:sagemaker:x"]), "allowed");
        assert.equal(put(["NOTIFY#a", "PINS#arn:x"]), "allowed");
        assert.equal(put("NOTIFY#a"), "allowed");
    });

    it("denies when any key matches none, or only in another case", () => {
        assert.equal(put(["NOTIFY#a", "ENDPOINT#e"]), "implicit-deny");
        assert.equal(put(["notify#a"]), "implicit-deny");
        assert.equal(put(["PINS#arn:xy"]), "implicit-deny");
    });

    it("passes an absent or empty key set, as AWS's ForAllValues does", () => {
        assert.equal(put(), "allowed");
        assert.equal(put([]), "allowed");
    });
});
