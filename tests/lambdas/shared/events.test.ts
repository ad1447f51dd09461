import { strict as assert } from "assert";
import { MalformedEventError } from "../../../lambdas/shared/errors";
import { parseModelPackageEvent } from "../../../lambdas/shared/events";
import { deploymentResourceName, shortHash } from "../../../lambdas/shared/names";
import { loadEvent } from "../../fixtures/events";

function malformed(mutate: (e: any) => void): MalformedEventError {
    const event = loadEvent("model-package-approved");
    mutate(event);
    try {
        parseModelPackageEvent(event);
    } catch (error) {
        assert.ok(error instanceof MalformedEventError, String(error));
        return error;
    }
    throw new Error("expected a MalformedEventError");
}

describe("lambdas/shared/events", () => {
    it("reads the event's ModelLifeCycle when it has one, and names the field when it is malformed", () => {
        assert.equal(parseModelPackageEvent(loadEvent("model-package-approved")).lifeCycle, undefined);
        const event = loadEvent("model-package-approved");
        event.detail.ModelLifeCycle = { Stage: "Staging", StageStatus: "Deployed", StageDescription: "deployed to e" };
        assert.deepEqual(parseModelPackageEvent(event).lifeCycle, { stage: "Staging", stageStatus: "Deployed", stageDescription: "deployed to e" });
        assert.equal(malformed((e) => (e.detail.ModelLifeCycle = { Stage: "Staging" })).field, "detail.ModelLifeCycle.StageStatus");
        assert.equal(malformed((e) => (e.detail.ModelLifeCycle = "Staging")).field, "detail.ModelLifeCycle");
    });

    it("parses the documented sample and its variants", () => {
        const e = parseModelPackageEvent(loadEvent("model-package-approved"));
        assert.equal(e.groupName, "versionedmp-p-idy6c3e1fiqj");
        assert.equal(e.version, 2);
        assert.equal(e.approvalStatus, "Approved");
        assert.equal(e.packageStatus, "Completed");
        assert.equal(e.generatedBy, "arn:aws:sagemaker:us-east-2:123456789012:pipeline/versionedmp-p-idy6c3e1fiqj/execution/4r83jejmhorv");
        assert.match(e.metricsS3Uri!, /evaluation\.json$/);
        assert.equal(e.lastModifiedBy, "arn:aws:sts::123456789012:assumed-role/ml-approver/alice");
        assert.equal(e.approvalDescription, "mse 4.1 beats live 4.8");
        const other = parseModelPackageEvent(loadEvent("model-package-approved-other-group"));
        assert.equal(other.groupName, "Other-Team-Models", "the group keeps its case; the ARN is lower-case");
        assert.equal(parseModelPackageEvent(loadEvent("model-package-rejected")).approvalStatus, "Rejected");
    });

    it("names the field, the value and what is expected when an event is malformed", () => {
        assert.equal(malformed((e) => (e.source = "aws.s3")).field, "source");
        assert.equal(malformed((e) => (e["detail-type"] = "SageMaker Endpoint State Change")).field, "detail-type");
        assert.equal(malformed((e) => delete e.id).field, "id");
        assert.equal(malformed((e) => (e.detail = null)).field, "detail");
        assert.equal(malformed((e) => (e.detail.ModelPackageArn = "arn:aws:sagemaker:us-east-2:123456789012:model-package/foo")).field, "detail.ModelPackageArn");
        assert.equal(malformed((e) => (e.detail.ModelPackageGroupName = "another-group")).field, "detail.ModelPackageGroupName");
        assert.equal(malformed((e) => (e.detail.ModelPackageVersion = 3)).field, "detail.ModelPackageVersion");
        const status = malformed((e) => (e.detail.ModelApprovalStatus = "Completed"));
        assert.equal(status.field, "detail.ModelApprovalStatus");
        assert.match(status.message, /is "Completed"; expected PendingManualApproval \| Approved \| Rejected\. This event is not retried/);
        assert.match(malformed((e) => delete e.detail.ModelPackageStatus).message, /detail\.ModelPackageStatus is missing/);
    });
});

describe("lambdas/shared/names", () => {
    it("derives unique, traceable, prefix-scoped names from version, package and event", () => {
        const arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-dev/3";
        const name = deploymentResourceName("sagemaker-approval-gate-dev", 3, arn, "event-1");
        assert.equal(name, `sagemaker-approval-gate-dev-v3-${shortHash(arn, "event-1")}`);
        assert.equal(deploymentResourceName("sagemaker-approval-gate-dev", 3, arn, "event-1"), name, "deterministic (retries reuse it)");
        assert.notEqual(deploymentResourceName("sagemaker-approval-gate-dev", 3, arn, "event-2"), name, "a new event gets a new config");
        assert.equal(deploymentResourceName("Sagemaker-Approval-Gate-DEV", 3, arn, "event-1"), name);
        assert.throws(() => deploymentResourceName(`sagemaker-approval-gate-${"x".repeat(30)}`, 3, arn, "e"), /Use a shorter environment name/);
    });
});
