/** The test IAM evaluator itself, for the operators whose semantics are easy to get wrong. */
import { strict as assert } from "assert";
import type { PolicyDocument } from "../../../infra/lib/iamDocuments";
import { evaluate, principalAccount } from "./policyEvaluator";

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

describe("tests/infra/lib/policyEvaluator: Null, StringEqualsIfExists", () => {
    const resource = "arn:aws:sagemaker:us-east-1:111111111111:model-package/g/1";
    const principalArn = "arn:aws:iam::111111111111:role/r";
    const allowWhen = (Condition: Record<string, Record<string, string | string[]>>): PolicyDocument => ({
        Version: "2012-10-17",
        Statement: [{ Sid: "A", Effect: "Allow", Action: ["sagemaker:UpdateModelPackage"], Resource: [resource], Condition }],
    });
    const call = (doc: PolicyDocument, context: Record<string, string>) => evaluate({ principalArn, action: "sagemaker:UpdateModelPackage", resource, context }, { identity: [doc] });

    it("Null true holds when the key is absent, false when it is present", () => {
        assert.equal(call(allowWhen({ Null: { k: "true" } }), {}), "allowed");
        assert.equal(call(allowWhen({ Null: { k: "true" } }), { k: "x" }), "implicit-deny");
        assert.equal(call(allowWhen({ Null: { k: "false" } }), { k: "x" }), "allowed");
        assert.equal(call(allowWhen({ Null: { k: "false" } }), {}), "implicit-deny");
        assert.throws(() => call(allowWhen({ Null: { k: "yes" } }), {}), /Null takes/);
    });

    it("StringEqualsIfExists passes an absent key and compares a present one exactly", () => {
        const doc = allowWhen({ StringEqualsIfExists: { k: ["Staging"] } });
        assert.equal(call(doc, {}), "allowed");
        assert.equal(call(doc, { k: "Staging" }), "allowed");
        assert.equal(call(doc, { k: "staging" }), "implicit-deny");
    });
});

describe("tests/infra/lib/policyEvaluator: accounts", () => {
    const bucketObject = "arn:aws:s3:::registry-bucket/k";
    const grantTo = (principal: string): PolicyDocument => ({
        Version: "2012-10-17",
        Statement: [{ Sid: "R", Effect: "Allow", Principal: { AWS: [principal] }, Action: ["s3:GetObject"], Resource: [bucketObject] }],
    });
    const identityAllows: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "I", Effect: "Allow", Action: ["s3:GetObject"], Resource: [bucketObject] }] };
    const read = (principalArn: string, docs: { identity?: PolicyDocument[]; resource?: PolicyDocument[] }, resourceAccount = "111111111111") =>
        evaluate({ principalArn, action: "s3:GetObject", resource: bucketObject, resourceAccount }, docs);
    const other = "arn:aws:iam::222222222222:role/reader";

    it("cross-account: allowed only when the identity policy and the resource policy both allow", () => {
        assert.equal(read(other, { identity: [identityAllows], resource: [grantTo("arn:aws:iam::222222222222:root")] }), "allowed");
        assert.equal(read(other, { resource: [grantTo("arn:aws:iam::222222222222:root")] }), "implicit-deny");
        assert.equal(read(other, { resource: [grantTo(other)] }), "implicit-deny");
        assert.equal(read(other, { identity: [identityAllows] }), "implicit-deny");
        assert.equal(read(other, { identity: [identityAllows], resource: [grantTo("arn:aws:iam::333333333333:root")] }), "implicit-deny");
    });

    it("same account: an identity Allow, or a resource policy naming the principal itself, suffices; naming the account only delegates", () => {
        const own = "arn:aws:iam::111111111111:role/reader";
        assert.equal(read(own, { identity: [identityAllows] }), "allowed");
        assert.equal(read(own, { resource: [grantTo(own)] }), "allowed");
        assert.equal(read(own, { resource: [grantTo("arn:aws:iam::111111111111:root")] }), "implicit-deny");
    });

    it("takes the account of role and assumed-role session ARNs", () => {
        assert.equal(principalAccount("arn:aws:iam::222222222222:role/path/r"), "222222222222");
        assert.equal(principalAccount("arn:aws:sts::222222222222:assumed-role/r/s"), "222222222222");
        assert.equal(principalAccount("events.amazonaws.com"), undefined);
    });
});
