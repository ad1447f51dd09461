/** The rule's Stage question (approvalStage.ts through judgeModelPackage / checkModelPackageApproval). */
import * as assert from "assert";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { DescribeModelPackageCommand, SageMakerClient, type DescribeModelPackageCommandOutput, type ModelLifeCycle } from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import {
    checkModelPackageApproval,
    describeVerdict,
    judgeModelPackage,
    ledgerPinReader,
    stageApproveCommand,
    type ApprovalVerdict,
    type RefusedVerdict,
} from "../../../policies/lib/approvalRule";
import type { StageContext } from "../../../policies/lib/approvalStage";
import { fixFor } from "../../../policies/lib/modelJudge";

const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone/3";
const production: StageContext = { stage: "Production", order: ["Staging", "Production"] };
const staging: StageContext = { stage: "Staging", order: ["Staging", "Production"] };
const lc = (Stage: string, StageStatus: string, StageDescription?: string): ModelLifeCycle => ({ Stage, StageStatus, ...(StageDescription ? { StageDescription } : {}) });
const described = (lifecycle?: ModelLifeCycle, over: Partial<DescribeModelPackageCommandOutput> = {}): Partial<DescribeModelPackageCommandOutput> => ({
    ModelPackageArn: ARN,
    ModelPackageGroupName: "abalone",
    ModelPackageVersion: 3,
    ModelApprovalStatus: "Approved",
    ModelPackageStatus: "Completed",
    ...(lifecycle ? { ModelLifeCycle: lifecycle } : {}),
    ...over,
});
const refused = (v: ApprovalVerdict): RefusedVerdict => {
    assert.strictEqual(v.approved, false, describeVerdict(v));
    return v as RefusedVerdict;
};

describe("policies/lib/approvalRule: the Stage question", () => {
    it("approves a version promoted to the stage, carrying its lifecycle and naming it", () => {
        const v = judgeModelPackage(ARN, described(lc("Production", "Approved", "ok by bob")), { stage: production, allowedAccounts: ["111111111111"] });
        assert.ok(v.approved);
        assert.deepStrictEqual(v.lifecycle, lc("Production", "Approved", "ok by bob"));
        assert.strictEqual(v.stage, "Production");
        assert.match(v.reason, /^Approved; approved for Production/);
        assert.strictEqual(describeVerdict(v), `${ARN} is Approved (group abalone, version 3), promoted to Production: lifecycle: Production: Approved ("ok by bob")`);
    });

    it("approves in an earlier stage a version that has gone on to a later one", () => {
        assert.strictEqual(judgeModelPackage(ARN, described(lc("Production", "Deployed")), { stage: staging }).approved, true);
    });

    it("refuses a version approved only for Staging, as verified, naming the stage, its lifecycle and the command", () => {
        const v = refused(judgeModelPackage(ARN, described(lc("Staging", "Deployed")), { stage: production }));
        assert.deepStrictEqual([v.cause, v.verified, v.status, v.stage], ["stage-pending", true, "Approved", "Production"]);
        assert.deepStrictEqual(v.lifecycle, lc("Staging", "Deployed"));
        assert.strictEqual(describeVerdict(v),
            `${ARN} (status: Approved, lifecycle: Staging: Deployed) is not deployable for stage Production: it is approved only up to Staging (Staging: Deployed), not yet for Production. ` +
            `Next: approve it for Production (\`approvals approve abalone/3 --stage Production --comment "<why>"\`, run in the registry account 111111111111 by a Production approver)`);
        assert.match(fixFor(v), /reference a version already promoted to Production/);
    });

    it("says to wait for the deployment when the previous stage is approved but not deployed yet", () => {
        const v = refused(judgeModelPackage(ARN, described(lc("Staging", "Approved")), { stage: production }));
        assert.strictEqual(v.cause, "stage-pending");
        assert.match(describeVerdict(v), /Next: wait until it is deployed in Staging .*then approve it for Production$/);
        assert.doesNotMatch(describeVerdict(v), /approvals approve/);
    });

    it("refuses a version without lifecycle, pointing at the first stage", () => {
        const v = refused(judgeModelPackage(ARN, described(), { stage: production }));
        assert.deepStrictEqual([v.cause, v.lifecycle], ["stage-pending", undefined]);
        assert.match(describeVerdict(v), /\(status: Approved, lifecycle: none\) is not deployable for stage Production: it is not yet approved for Production/);
        assert.match(describeVerdict(v), /Next: approve it for Staging, then promote it stage by stage up to Production \(`approvals approve abalone\/3 --stage Staging/);
    });

    it("refuses a version rejected for the stage as stage-rejected", () => {
        const v = refused(judgeModelPackage(ARN, described(lc("Production", "Rejected", "latency")), { stage: production }));
        assert.deepStrictEqual([v.cause, v.verified], ["stage-rejected", true]);
        assert.match(describeVerdict(v), /rejected for Production \(Production: Rejected \("latency"\)\)\. Next: it was rejected for Production: after a new review re-approve it/);
    });

    it("refuses a stage outside the order as stage-unknown, with no command to run", () => {
        const v = refused(judgeModelPackage(ARN, described(lc("QA", "Approved")), { stage: production }));
        assert.strictEqual(v.cause, "stage-unknown");
        assert.doesNotMatch(describeVerdict(v), /approvals approve/);
        assert.match(describeVerdict(v), /registry administrator must set it/);
    });

    it("asks Status first: a Rejected or pending version is refused as not-approved, whatever its lifecycle", () => {
        for (const status of ["Rejected", "PendingManualApproval"] as const) {
            const v = refused(judgeModelPackage(ARN, described(lc("Production", "Approved"), { ModelApprovalStatus: status }), { stage: production }));
            assert.strictEqual(v.cause, "not-approved");
            assert.deepStrictEqual(v.lifecycle, lc("Production", "Approved"));
            assert.match(describeVerdict(v), /\(status: Rejected|\(status: PendingManualApproval/);
            assert.match(describeVerdict(v), /lifecycle: Production: Approved\) is not deployable: its ModelApprovalStatus/);
        }
        assert.strictEqual(refused(judgeModelPackage(ARN, described(lc("Staging", "Approved"), { ModelPackageStatus: "InProgress" }), { stage: production })).cause, "not-completed");
    });

    it("asks no Stage question without a stage (the all-in-one layout), and says nothing of lifecycles then", () => {
        const v = judgeModelPackage(ARN, described());
        assert.ok(v.approved);
        assert.strictEqual(describeVerdict(v), `${ARN} is Approved (group abalone, version 3)`);
        assert.strictEqual(judgeModelPackage(ARN, described(lc("Staging", "Rejected"))).approved, true);
    });

    it("formats the approver command", () => {
        assert.strictEqual(stageApproveCommand("abalone", 7, "Staging"), 'approvals approve abalone/7 --stage Staging --comment "<why>"');
    });

    describe("checkModelPackageApproval", () => {
        const sagemaker = new SageMakerClient({ region: "us-east-1" });
        const dynamodb = new DynamoDBClient({ region: "us-east-1" });
        const sm = mockClient(sagemaker);
        const ddb = mockClient(dynamodb);
        beforeEach(() => {
            sm.reset();
            ddb.reset();
        });

        it("reads the live lifecycle and asks the Stage question", async () => {
            sm.on(DescribeModelPackageCommand).resolves({ $metadata: {}, ...described(lc("Staging", "Deployed")) } as DescribeModelPackageCommandOutput);
            assert.strictEqual(refused(await checkModelPackageApproval(sagemaker, ARN, { stage: production })).cause, "stage-pending");
            assert.strictEqual((await checkModelPackageApproval(sagemaker, ARN, { stage: staging })).approved, true);
        });

        it("refuses on the Stage question before the Bytes question decides (bytes of an unpromoted version never count)", async () => {
            sm.on(DescribeModelPackageCommand).resolves({ $metadata: {}, ...described(lc("Staging", "Approved")) } as DescribeModelPackageCommandOutput);
            ddb.on(QueryCommand).resolves({ Items: [] }); // no pins: the Bytes question alone would say not-pinned
            const pins = { readPins: ledgerPinReader(dynamodb, "t"), s3: new S3Client({ region: "us-east-1" }), ecr: new ECRClient({ region: "us-east-1" }), ecrRegion: "us-east-1" };
            assert.strictEqual(refused(await checkModelPackageApproval(sagemaker, ARN, { stage: production, pins })).cause, "stage-pending");
            assert.strictEqual(refused(await checkModelPackageApproval(sagemaker, ARN, { stage: staging, pins })).cause, "not-pinned");
        });

        it("keeps the lifecycle and stage on a Bytes refusal", async () => {
            sm.on(DescribeModelPackageCommand).resolves({ $metadata: {}, ...described(lc("Production", "Approved")) } as DescribeModelPackageCommandOutput);
            ddb.on(QueryCommand).resolves({ Items: [] });
            const pins = { readPins: ledgerPinReader(dynamodb, "t"), s3: new S3Client({ region: "us-east-1" }), ecr: new ECRClient({ region: "us-east-1" }), ecrRegion: "us-east-1" };
            const v = refused(await checkModelPackageApproval(sagemaker, ARN, { stage: production, pins }));
            assert.deepStrictEqual([v.cause, v.stage, v.lifecycle], ["not-pinned", "Production", lc("Production", "Approved")]);
        });

        it("still fails closed on a failed lookup, with no lifecycle", async () => {
            sm.on(DescribeModelPackageCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { attempts: 4 } }));
            const v = refused(await checkModelPackageApproval(sagemaker, ARN, { stage: production }));
            assert.deepStrictEqual([v.cause, v.verified, v.lifecycle], ["throttled", false, undefined]);
        });
    });
});
