/**
 * Parses the SageMaker events the handlers receive into small typed values, naming the exact field
 * that is wrong when an event is malformed. Pure.
 *
 * Facts this relies on (see docs/approval-events.md): `detail` mirrors DescribeModelPackage in
 * PascalCase; `ModelPackageStatus` is never an approval status; the group name is lower-cased inside
 * package ARNs, so group comparisons use `detail.ModelPackageGroupName` or ignore case.
 */
import { parseModelPackageArn } from "../../policies/lib/approvalRule";
import { MalformedEventError } from "./errors";

export const MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change";
export const PIPELINE_EXECUTION_STATUS_CHANGE = "SageMaker Model Building Pipeline Execution Status Change";

export const APPROVAL_STATUSES = ["PendingManualApproval", "Approved", "Rejected"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** What the handlers need from a "SageMaker Model Package State Change" event. */
export interface ModelPackageEvent {
    readonly eventId: string;
    readonly time: string;
    readonly account: string;
    readonly region: string;
    readonly groupName: string;
    readonly version: number;
    readonly packageArn: string;
    readonly approvalStatus: ApprovalStatus;
    readonly packageStatus: string;
    /** The pipeline execution that registered the version (MetadataProperties.GeneratedBy), if any. */
    readonly generatedBy?: string;
    /** S3 URI of the evaluation report (ModelMetrics.ModelQuality.Statistics.S3Uri), if any. */
    readonly metricsS3Uri?: string;
    readonly approvalDescription?: string;
    readonly lastModifiedBy?: string;
    readonly lastModifiedTime?: string;
    /**
     * The event's ModelLifeCycle (assumed to mirror DescribeModelPackage like the rest of `detail`; see
     * docs/approval-events.md). Only routes the event: the handlers judge the live package, never this copy.
     */
    readonly lifeCycle?: EventLifeCycle;
}

export interface EventLifeCycle {
    readonly stage: string;
    readonly stageStatus: string;
    readonly stageDescription?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function str(obj: Json, key: string, path: string, expected: string): string {
    const v = obj[key];
    if (typeof v !== "string" || v.length === 0) throw new MalformedEventError(path, v, expected);
    return v;
}

function optionalString(v: unknown): string | undefined {
    return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** LastModifiedBy/CreatedBy are UserContext objects in DescribeModelPackage; events may carry them. */
function userOf(v: unknown): string | undefined {
    if (typeof v === "string") return v;
    // The IAM identity is the precise audit trail; a Studio user profile name is the next best thing.
    if (isObject(v)) return optionalString((v.IamIdentity as Json | undefined)?.Arn) ?? optionalString(v.UserProfileName) ?? optionalString(v.UserProfileArn);
    return undefined;
}

/** `detail.ModelLifeCycle`: absent is fine (a version never promoted); present, it must carry Stage and StageStatus. */
function lifeCycleOf(detail: Json): EventLifeCycle | undefined {
    const lc = detail.ModelLifeCycle;
    if (lc === undefined || lc === null) return undefined;
    if (!isObject(lc)) throw new MalformedEventError("detail.ModelLifeCycle", lc, "an object {Stage, StageStatus, StageDescription?}");
    const stage = str(lc, "Stage", "detail.ModelLifeCycle.Stage", "the lifecycle stage name");
    const stageStatus = str(lc, "StageStatus", "detail.ModelLifeCycle.StageStatus", "the stage status (Approved | Rejected | Deployed)");
    const description = optionalString(lc.StageDescription);
    return { stage, stageStatus, ...(description ? { stageDescription: description } : {}) };
}

/** Parses and validates a model package state change event; throws MalformedEventError naming the field. */
export function parseModelPackageEvent(event: unknown): ModelPackageEvent {
    if (!isObject(event)) throw new MalformedEventError("event", event, "an EventBridge event object");
    const source = event.source;
    if (source !== "aws.sagemaker") throw new MalformedEventError("source", source, '"aws.sagemaker"');
    if (event["detail-type"] !== MODEL_PACKAGE_STATE_CHANGE) {
        throw new MalformedEventError("detail-type", event["detail-type"], JSON.stringify(MODEL_PACKAGE_STATE_CHANGE));
    }
    const eventId = str(event, "id", "id", "the EventBridge event id");
    const detail = event.detail;
    if (!isObject(detail)) throw new MalformedEventError("detail", detail, "an object mirroring DescribeModelPackage");
    const groupName = str(detail, "ModelPackageGroupName", "detail.ModelPackageGroupName", "the model package group name");
    const packageArn = str(detail, "ModelPackageArn", "detail.ModelPackageArn", "a versioned model package ARN");
    const parsed = parseModelPackageArn(packageArn);
    if (!parsed) throw new MalformedEventError("detail.ModelPackageArn", packageArn, "arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>");
    if (parsed.groupInArn.toLowerCase() !== groupName.toLowerCase()) {
        throw new MalformedEventError("detail.ModelPackageGroupName", groupName, `the group named in the ARN (${parsed.groupInArn})`);
    }
    const rawVersion = detail.ModelPackageVersion;
    const version = rawVersion === undefined ? parsed.version : rawVersion;
    if (version !== parsed.version) {
        throw new MalformedEventError("detail.ModelPackageVersion", rawVersion, `the version in the ARN (${parsed.version})`);
    }
    const approvalStatus = detail.ModelApprovalStatus;
    if (!APPROVAL_STATUSES.includes(approvalStatus as ApprovalStatus)) {
        throw new MalformedEventError("detail.ModelApprovalStatus", approvalStatus, APPROVAL_STATUSES.join(" | "));
    }
    const packageStatus = str(detail, "ModelPackageStatus", "detail.ModelPackageStatus", "Pending | InProgress | Completed | Failed | Deleting");
    const metrics = (((detail.ModelMetrics as Json | undefined)?.ModelQuality as Json | undefined)?.Statistics as Json | undefined)?.S3Uri;
    return {
        eventId,
        time: optionalString(event.time) ?? "",
        account: optionalString(event.account) ?? parsed.account,
        region: optionalString(event.region) ?? parsed.region,
        groupName,
        version: parsed.version,
        packageArn,
        approvalStatus: approvalStatus as ApprovalStatus,
        packageStatus,
        generatedBy: optionalString((detail.MetadataProperties as Json | undefined)?.GeneratedBy),
        metricsS3Uri: optionalString(metrics),
        approvalDescription: optionalString(detail.ApprovalDescription),
        lastModifiedBy: userOf(detail.LastModifiedBy),
        lastModifiedTime: optionalString(detail.LastModifiedTime),
        lifeCycle: lifeCycleOf(detail),
    };
}

/** `s3://bucket/key` → parts; undefined when it is not an S3 URI. */
export function splitS3Uri(uri: string): { bucket: string; key: string } | undefined {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    return m ? { bucket: m[1], key: m[2] } : undefined;
}

export { userOf as approverOf };
