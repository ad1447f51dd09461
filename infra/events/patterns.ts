/**
 * EventBridge event patterns and notification templates for the approval events. Pure: tests run them
 * through a faithful matcher and through moto's EventBridge against the documented sample events.
 *
 * Two facts shape them (see docs/approval-events.md):
 * - `ModelPackageStatus` holds Pending|InProgress|Completed|Failed|Deleting, never an approval status;
 *   the approval lives in `ModelApprovalStatus`. Public samples that put "PendingManualApproval" in
 *   `ModelPackageStatus` never match.
 * - The group name is lower-cased inside package ARNs, so rules scope on `detail.ModelPackageGroupName`,
 *   which keeps the group's own spelling.
 */

import { MODEL_PACKAGE_STATE_CHANGE, PIPELINE_EXECUTION_STATUS_CHANGE } from "../../lambdas/shared/events";

export const SAGEMAKER_SOURCE = "aws.sagemaker";

/** The subset of the EventBridge pattern language these rules use: exact-match lists and nested objects. */
export type EventPattern = { readonly [field: string]: readonly (string | number | boolean)[] | EventPattern };

function modelPackagePattern(groupName: string, detail: Record<string, readonly string[]>): EventPattern {
    return {
        source: [SAGEMAKER_SOURCE],
        "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
        detail: { ModelPackageGroupName: [groupName], ...detail },
    };
}

/** A new version waits for a person: approval pending AND registration finished (never earlier). */
export function pendingApprovalPattern(groupName: string): EventPattern {
    return modelPackagePattern(groupName, { ModelApprovalStatus: ["PendingManualApproval"], ModelPackageStatus: ["Completed"] });
}

/**
 * A version was Approved. No ModelPackageStatus filter on purpose: the deploy Lambda re-reads the
 * package and refuses (and says why) unless it is Approved AND Completed, so nothing is dropped silently.
 */
export function approvedPattern(groupName: string): EventPattern {
    return modelPackagePattern(groupName, { ModelApprovalStatus: ["Approved"] });
}

/** A version was Rejected: the deploy Lambda rolls back if it is live, and approvers are told. */
export function rejectedPattern(groupName: string): EventPattern {
    return modelPackagePattern(groupName, { ModelApprovalStatus: ["Rejected"] });
}

/**
 * An execution of this environment's pipeline ended Failed. The ARN is listed as given and lower-cased
 * (SageMaker lower-cases names inside some ARNs; the documented sample keeps the case), so either form matches.
 */
export function pipelineFailedPattern(pipelineArn: string): EventPattern {
    const arns = [...new Set([pipelineArn, pipelineArn.toLowerCase()])];
    return {
        source: [SAGEMAKER_SOURCE],
        "detail-type": [PIPELINE_EXECUTION_STATUS_CHANGE],
        detail: { currentPipelineExecutionStatus: ["Failed"], pipelineArn: arns },
    };
}

/** An EventBridge input transformer: JSON paths into the event, and a template that uses them. */
export interface InputTransformer {
    readonly inputPaths: Record<string, string>;
    readonly inputTemplate: string;
}

/** A quoted template makes EventBridge send SNS a plain text message rather than a JSON object. */
function textTemplate(lines: readonly string[]): string {
    return JSON.stringify(lines.join("\n"));
}

/** The message approvers get when a pipeline execution fails. */
export function pipelineFailedNotification(environment: string): InputTransformer {
    return {
        inputPaths: {
            pipeline: "$.detail.pipelineArn",
            execution: "$.detail.pipelineExecutionArn",
            name: "$.detail.pipelineExecutionDisplayName",
            started: "$.detail.executionStartTime",
            ended: "$.detail.executionEndTime",
        },
        inputTemplate: textTemplate([
            `[${environment}] Training pipeline execution FAILED; no new version was registered.`,
            "Pipeline: <pipeline>",
            "Execution: <execution> (<name>)",
            "Started <started>, ended <ended>.",
            "Find the failed step: aws sagemaker list-pipeline-execution-steps --pipeline-execution-arn <execution>",
        ]),
    };
}

/** The message approvers get when a version is rejected (the deploy Lambda reports any rollback separately). */
export function rejectedNotification(environment: string): InputTransformer {
    return {
        inputPaths: {
            group: "$.detail.ModelPackageGroupName",
            version: "$.detail.ModelPackageVersion",
            arn: "$.detail.ModelPackageArn",
            time: "$.time",
        },
        inputTemplate: textTemplate([
            `[${environment}] Model version <group>/<version> was REJECTED at <time>.`,
            "Package: <arn>",
            "If it was live, the deploy function rolls the endpoint back to the previous approved version and reports the result separately.",
        ]),
    };
}
