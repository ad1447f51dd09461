/**
 * The pure part of the approver's pin check: the approval rule's Bytes answer (judgeBytes, from ledger +
 * observations of the pinned targets) to a state, and from a state to approve's refusal, in the rule's words.
 */
import { strict as assert } from "assert";
import type { DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { EXIT } from "../../../cli/approvals/errors";
import { pinRefusal, pinReport, pinReportJson, renderPinReport } from "../../../cli/approvals/pins";
import { judgeBytes } from "../../../policies/lib/approvalRule";
import type { Observations, PackagePins } from "../../../policies/lib/artifactPins";
import type { StoredPins } from "../../../policies/lib/pinStore";

const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-prod/7";
const TABLE = "sagemaker-approval-gate-prod-deployments";
const URI = "s3://artifacts/abalone/run7/model/model.tar.gz";
const IMAGE = "111111111111.dkr.ecr.us-east-1.amazonaws.com/abalone:1.7-1";
const DIGEST = `sha256:${"a".repeat(64)}`;

const pins = (images: PackagePins["images"] = [{ image: IMAGE, digest: DIGEST, digestSource: "ecr" }]): PackagePins => ({
    packageArn: ARN,
    pinnedAt: "2026-11-25T08:00:00.000Z",
    artifacts: [{ uri: URI, bucket: "artifacts", key: "abalone/run7/model/model.tar.gz", versionId: "v1", etag: "e1" }],
    images,
});
const seen = (artifact: Observations["artifacts"][number], image: Observations["images"][number] = { image: IMAGE, status: "resolved", digest: DIGEST, source: "ecr" }): Observations => ({
    artifacts: [artifact],
    images: [image],
});
const present = { uri: URI, status: "present", versionId: "v1", etag: "e1" } as const;
const described: Partial<DescribeModelPackageCommandOutput> = { InferenceSpecification: { Containers: [{ Image: IMAGE, ModelDataUrl: URI }], SupportedContentTypes: [], SupportedResponseMIMETypes: [] } };
/** What `approvals show` and `approve` report: the rule's answer for the ledger's record and what was observed now. */
const reportFor = (stored: StoredPins, observed: Observations, description = described) =>
    pinReport(TABLE, judgeBytes(ARN, description, { ok: true, value: stored }, observed), stored);

describe("cli/approvals/pins (pure)", () => {
    it("intact: approve is not refused, and the block lists artifact and image identities", () => {
        const report = reportFor({ pins: pins(), tampered: [] }, seen(present));
        assert.equal(report.state, "intact");
        assert.equal(pinRefusal("abalone-prod/7", report), undefined);
        assert.equal(renderPinReport(report), [
            `What you approve (pinned at registration 2026-11-25T08:00:00.000Z; ledger ${TABLE}):`,
            `  model.tar.gz ${URI}: version v1 etag "e1"`,
            `  image ${IMAGE}: ${DIGEST} (from ecr)`,
            "Checked now: intact: the bytes are the ones pinned at registration",
        ].join("\n"));
    });

    it("a moved tag is a change: refused (exit 1) with both digests", () => {
        const moved = `sha256:${"b".repeat(64)}`;
        const report = reportFor({ pins: pins(), tampered: [] }, seen(present, { image: IMAGE, status: "resolved", digest: moved, source: "ecr" }));
        assert.equal(report.state, "changed");
        const refusal = pinRefusal("abalone-prod/7", report)!;
        assert.equal(refusal.exitCode, EXIT.refused);
        assert.match(refusal.message, new RegExp(`image ${IMAGE.replace(/\./g, "\\.")} tag moved: pinned ${DIGEST}, now ${moved}`));
    });

    it("an image pinned without digest is not fully pinned: refused (exit 1), fix names digests", () => {
        const report = reportFor({ pins: pins([{ image: IMAGE, digestSource: "none" }]), tampered: [] }, seen(present));
        assert.equal(report.state, "not-pinned");
        const refusal = pinRefusal("abalone-prod/7", report)!;
        assert.equal(refusal.exitCode, EXIT.refused);
        assert.match(refusal.message, /^Refused: abalone-prod\/7 is not deployable: part of it is not pinned, so its bytes cannot be verified: image .* not pinned: a mutable tag with no recorded digest/);
        assert.match(refusal.hint!, /by digest \(…@sha256:…\)/);
    });

    it("a throttled lookup is unverified and retryable: refused with exit 3 and 'approve again'", () => {
        const report = reportFor({ pins: pins(), tampered: [] }, seen({ uri: URI, status: "unverified", kind: "throttled", detail: "HeadObject failed: SlowDown" }));
        assert.equal(report.state, "unverified");
        const refusal = pinRefusal("abalone-prod/7", report)!;
        assert.equal(refusal.exitCode, EXIT.aws);
        assert.match(refusal.message, /^Refused: abalone-prod\/7 is not deployable: its bytes could not be verified against the pins: .*SlowDown.*\. Nothing was changed\.$/);
        assert.match(refusal.hint!, /Wait a moment and approve again/);
    });

    it("access denied is unverified and final: refused with exit 1 and the permissions needed", () => {
        const report = reportFor({ pins: pins(), tampered: [] }, seen({ uri: URI, status: "unverified", kind: "access-denied", detail: "HeadObject failed: AccessDenied (HTTP 403)" }));
        const refusal = pinRefusal("abalone-prod/7", report)!;
        assert.equal(refusal.exitCode, EXIT.refused);
        assert.match(refusal.hint!, /s3:GetObject and s3:ListBucket .* ecr:BatchGetImage/);
    });

    it("a corrupt pin record cannot be verified, and the fix is to re-register, not to grant permissions", () => {
        const problem = `pin record of ${ARN}: schema is 9, expected 1; the record is corrupt: record the version as tampered and re-register it`;
        const report = reportFor({ tampered: [], problem }, seen(present));
        assert.equal(report.state, "unverified");
        const refusal = pinRefusal("abalone-prod/7", report)!;
        assert.equal(refusal.exitCode, EXIT.refused);
        assert.match(refusal.message, /schema is 9/);
        assert.match(refusal.hint!, /^Re-register the version/);
        assert.doesNotMatch(refusal.hint!, /s3:GetObject/);
    });

    it("a package the rule cannot pin (a source algorithm) is not-pinned, as the rule says (bytes-unpinned), not unverified", () => {
        const algorithm = { ...described, SourceAlgorithmSpecification: { SourceAlgorithms: [{ AlgorithmName: "xgboost-algo" }] } };
        const answer = judgeBytes(ARN, algorithm, { ok: true, value: { pins: pins(), tampered: [] } }, undefined);
        assert.equal(!answer.intact && answer.cause, "bytes-unpinned");
        const report = reportFor({ pins: pins(), tampered: [] }, seen(present), algorithm);
        assert.equal(report.state, "not-pinned");
        assert.equal(report.reason, !answer.intact && answer.reason);
        const refusal = pinRefusal("abalone-prod/7", report)!;
        assert.equal(refusal.exitCode, EXIT.refused);
        assert.equal(refusal.message, `Refused: abalone-prod/7 is not deployable: ${!answer.intact && answer.reason}.`);
    });

    it("pins that could not be read: unverified with the rule's words, exit 3 when transient", () => {
        const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
        const answer = judgeBytes(ARN, described, { ok: false, error: throttled }, undefined);
        const report = pinReport(TABLE, answer, undefined);
        assert.equal(report.state, "unverified");
        assert.equal(report.retryable, true);
        assert.equal(report.problem, !answer.intact && answer.reason);
        assert.equal(pinRefusal("abalone-prod/7", report)!.exitCode, EXIT.aws);
    });

    it("--json carries the state, identities, changes and tamper records", () => {
        const record = { packageArn: ARN, recordedAt: "2026-11-26T09:00:00.000Z", eventId: "e", source: "ecr-event" as const, changes: [], summary: "tag moved" };
        const doc = pinReportJson(reportFor({ pins: pins(), tampered: [record] }, seen(present)));
        assert.equal(doc.state, "tampered");
        assert.deepEqual(doc.tampered, [record]);
        assert.equal(doc.artifacts[0].versionId, "v1");
        assert.equal(doc.images[0].digest, DIGEST);
    });
});
