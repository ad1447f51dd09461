import * as assert from "assert";
import { DescribeModelPackageCommand, type DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import {
    checkModelPackageApproval,
    describeVerdict,
    judgeLookupFailure,
    judgeModelPackage,
    parseModelPackageArn,
} from "../../../policies/lib/approvalRule";

const ARN = "arn:aws:sagemaker:us-east-1:222222222222:model-package/abalone-prod/3";
const approved = (): Partial<DescribeModelPackageCommandOutput> => ({
    ModelPackageArn: ARN,
    ModelPackageGroupName: "Abalone-Prod",
    ModelPackageVersion: 3,
    ModelApprovalStatus: "Approved",
    ModelPackageStatus: "Completed",
    ApprovalDescription: "looks good",
});
const err = (name: string, message: string, attempts?: number, code?: string) => Object.assign(new Error(message), { name, $metadata: { attempts }, ...(code ? { code } : {}) });

describe("policies/lib/approvalRule", () => {
    it("parses versioned package ARNs and nothing else", () => {
        assert.deepStrictEqual(parseModelPackageArn(ARN), { partition: "aws", region: "us-east-1", account: "222222222222", groupInArn: "abalone-prod", version: 3 });
        assert.strictEqual(parseModelPackageArn("arn:aws-cn:sagemaker:cn-north-1:222222222222:model-package/g/12")?.partition, "aws-cn");
        for (const bad of ["abalone-prod", "arn:aws:sagemaker:us-east-1:222222222222:model-package/abalone-prod", "arn:aws:sagemaker:us-east-1:222222222222:model-package-group/abalone-prod", "arn:aws:sagemaker:us-east-1:2222:model-package/g/1", `${ARN}/extra`]) {
            assert.strictEqual(parseModelPackageArn(bad), undefined, bad);
        }
    });

    describe("judgeModelPackage", () => {
        it("approves an Approved, Completed package, whatever the group's case", () => {
            const v = judgeModelPackage(ARN, approved(), { allowedGroups: ["abalone-prod"], allowedAccounts: ["222222222222"] });
            assert.strictEqual(v.approved, true);
            assert.match(describeVerdict(v), /is Approved \(group Abalone-Prod, version 3\)/);
        });

        for (const status of ["PendingManualApproval", "Rejected"]) {
            it(`refuses ${status}, as verified`, () => {
                const v = judgeModelPackage(ARN, { ...approved(), ModelApprovalStatus: status as "Rejected" });
                assert.strictEqual(v.approved, false);
                assert.strictEqual(v.approved === false && v.verified, true);
                assert.strictEqual(v.status, status);
            });
        }

        it("refuses an Approved package that is not Completed", () => {
            assert.match(judgeModelPackage(ARN, { ...approved(), ModelPackageStatus: "InProgress" }).reason, /ModelPackageStatus is InProgress/);
        });

        it("refuses an answer about another ARN (a confused or malicious endpoint)", () => {
            const v = judgeModelPackage(ARN, { ...approved(), ModelPackageArn: ARN.replace("/3", "/4") });
            assert.strictEqual(v.approved, false);
            assert.match(v.reason, /answered for .*\/4/);
        });

        it("names the cause of every refusal", () => {
            const causes = [
                judgeModelPackage("abalone-prod", approved()),
                judgeModelPackage(ARN, undefined),
                judgeModelPackage(ARN, approved(), { allowedAccounts: ["111111111111"] }),
                judgeModelPackage(ARN, approved(), { allowedGroups: ["churn"] }),
                judgeModelPackage(ARN, { ...approved(), ModelApprovalStatus: "Rejected" }),
                judgeModelPackage(ARN, { ...approved(), ModelPackageStatus: "Failed" }),
                judgeModelPackage(ARN, { ...approved(), ModelPackageArn: ARN.replace("/3", "/4") }),
                judgeLookupFailure(ARN, err("ThrottlingException", "Rate exceeded")),
            ].map((v) => (v.approved ? "approved" : v.cause));
            assert.deepStrictEqual(causes, ["not-a-versioned-arn", "unverified", "account-not-allowed", "group-not-allowed", "not-approved", "not-completed", "unverified", "throttled"]);
        });

        it("refuses groups and accounts outside the allow-lists", () => {
            assert.match(judgeModelPackage(ARN, approved(), { allowedGroups: ["churn"] }).reason, /group "Abalone-Prod" is not an allowed group/);
            assert.match(judgeModelPackage(ARN, approved(), { allowedAccounts: ["111111111111"] }).reason, /account 222222222222 is not an allowed/);
        });

        it("refuses a missing answer and a non-versioned ARN as unverified", () => {
            const none = judgeModelPackage(ARN, undefined);
            assert.strictEqual(none.approved === false && none.verified, false);
            assert.match(judgeModelPackage("abalone-prod", approved()).reason, /not a versioned model package ARN/);
        });
    });

    it("judgeLookupFailure names the cause", () => {
        assert.match(judgeLookupFailure(ARN, err("ValidationException", "Model package not found")).reason, /was not found/);
        assert.match(judgeLookupFailure(ARN, err("AccessDeniedException", "no")).reason, /grant sagemaker:DescribeModelPackage/);
        assert.match(judgeLookupFailure(ARN, err("ThrottlingException", "Rate exceeded", 4)).reason, /throttled the lookup past its retries \(ThrottlingException \(4 attempts\): Rate exceeded\)/);
        assert.match(judgeLookupFailure(ARN, err("TimeoutError", "no answer")).reason, /timed out/);
        assert.match(judgeLookupFailure(ARN, err("Error", "connect ECONNREFUSED 127.0.0.1:1", undefined, "ECONNREFUSED")).reason, /the lookup failed \(Error \(ECONNREFUSED\): connect ECONNREFUSED/);
        assert.match(judgeLookupFailure(ARN, err("TypeError", "x is undefined")).reason, /failed with an error of unknown kind \(TypeError: x is undefined\)/);
        assert.strictEqual(judgeLookupFailure(ARN, err("X", "y")).status, "unknown");
    });

    it("judgeLookupFailure sets a cause for each kind of failure, never verified", () => {
        const cases: [string, string, string, string?][] = [
            ["ValidationException", "Model package not found", "not-found"],
            ["ResourceNotFound", "gone", "not-found"],
            ["AccessDeniedException", "no", "access-denied"],
            ["ExpiredTokenException", "expired", "access-denied"],
            ["ThrottlingException", "Rate exceeded", "throttled"],
            ["TooManyRequestsException", "slow down", "throttled"],
            ["TimeoutError", "no answer", "timed-out"],
            ["AbortError", "This operation was aborted", "timed-out"],
            ["InternalFailure", "We encountered an internal error", "lookup-failed"],
            ["Error", "read ECONNRESET", "lookup-failed", "ECONNRESET"],
            ["Error", "connect ETIMEDOUT", "timed-out", "ETIMEDOUT"],
            ["TypeError", "Cannot read properties of undefined", "unclassified"],
        ];
        for (const [name, message, cause, code] of cases) {
            const v = judgeLookupFailure(ARN, err(name, message, undefined, code));
            assert.strictEqual(v.cause, cause, name);
            assert.strictEqual(v.verified, false, name);
        }
        // The cause comes from the error's kind, not from words that happen to be in its message.
        assert.strictEqual(judgeLookupFailure(ARN, err("AccessDeniedException", "the request timed out while authorizing")).cause, "access-denied");
        assert.strictEqual(judgeLookupFailure(ARN, err("Error", "Model package does not exist")).cause, "unclassified");
        assert.strictEqual(judgeLookupFailure(ARN, err("Error", "read ECONNRESET")).cause, "unclassified", "a code in the message is not a code");
    });

    describe("checkModelPackageApproval", () => {
        it("describes the package and judges the answer", async () => {
            const sent: string[] = [];
            const v = await checkModelPackageApproval({
                send: async (c: DescribeModelPackageCommand) => {
                    sent.push(c.input.ModelPackageName!);
                    return approved() as DescribeModelPackageCommandOutput;
                },
            }, ARN);
            assert.deepStrictEqual(sent, [ARN]);
            assert.strictEqual(v.approved, true);
        });

        it("never throws: a failing client is a refusal", async () => {
            const v = await checkModelPackageApproval({ send: async () => { throw err("InternalFailure", "boom"); } }, ARN);
            assert.strictEqual(v.approved, false);
            assert.match(v.reason, /approval could not be verified: the lookup failed \(InternalFailure: boom\)/);
        });

        it("times out a lookup that never answers", async () => {
            const hang = {
                send: (_c: DescribeModelPackageCommand, o?: { abortSignal?: AbortSignal }) =>
                    new Promise<DescribeModelPackageCommandOutput>((_, reject) => o?.abortSignal?.addEventListener("abort", () => reject(err("AbortError", "Request aborted")))),
            };
            const started = Date.now();
            const v = await checkModelPackageApproval(hang, ARN, { timeoutMs: 50 });
            assert.ok(Date.now() - started < 2_000);
            assert.match(v.reason, /timed out/);
        });

        it("does not call AWS for something that is not a versioned ARN", async () => {
            let calls = 0;
            const v = await checkModelPackageApproval({ send: async () => { calls += 1; return approved() as DescribeModelPackageCommandOutput; } }, "abalone-prod/3");
            assert.strictEqual(calls, 0);
            assert.strictEqual(v.approved, false);
        });
    });
});
