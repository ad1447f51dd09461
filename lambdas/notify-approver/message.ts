/**
 * The approver's message, built from plain values. Pure, so every line of it is tested.
 */
import { describePins } from "../../policies/lib/artifactPins";
import { approvalsCommand } from "../shared/approvals";
import type { StageSettings } from "../shared/env";
import type { ModelPackageEvent } from "../shared/events";
import type { RegistrationIntegrity } from "./pinning";

/** Numeric leaves of an evaluation report, by dotted path: `regression_metrics.mse.value → 4.2`. */
export function flattenMetrics(report: unknown, prefix = ""): Map<string, number> {
    const out = new Map<string, number>();
    if (typeof report === "number" && Number.isFinite(report)) {
        out.set(prefix || "value", report);
    } else if (report && typeof report === "object") {
        for (const [key, value] of Object.entries(report as Record<string, unknown>)) {
            for (const [k, v] of flattenMetrics(value, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
        }
    }
    return out;
}

/** Either metrics or the reason they could not be read. */
export type MetricsResult = { readonly metrics: Map<string, number>; readonly s3Uri: string } | { readonly error: string; readonly s3Uri?: string };

/** A parsed report, or why not; never throws. */
export function parseReport(text: string, s3Uri: string): MetricsResult {
    try {
        const metrics = flattenMetrics(JSON.parse(text));
        if (metrics.size === 0) return { error: `the report at ${s3Uri} holds no numeric metrics`, s3Uri };
        return { metrics, s3Uri };
    } catch (error) {
        return { error: `the report at ${s3Uri} is not valid JSON (${(error as Error).message})`, s3Uri };
    }
}

export interface LiveVersion {
    readonly packageArn: string;
    readonly version?: number;
    readonly metrics: MetricsResult | undefined;
}

export interface ApprovalMessageInput {
    readonly environment: string;
    readonly event: ModelPackageEvent;
    readonly metrics: MetricsResult;
    /** The version live in this environment (from the ledger), if any. */
    readonly live: LiveVersion | undefined;
    /** The version's pins and why production would refuse it (./pinning.ts). */
    readonly integrity: RegistrationIntegrity;
    /** Promotion layout: the stage these approvers approve for; `previous`, the stage that just deployed it. */
    readonly stage?: StageSettings & { readonly previous?: string };
}

/** `NOT APPROVABLE: <problems>; production will refuse this version.`, or nothing when it is approvable. */
export function notApprovableLine(problems: readonly string[]): string | undefined {
    return problems.length ? `NOT APPROVABLE: ${problems.join("; ")}; production will refuse this version.` : undefined;
}

/** What the approver approves: the artifact versions and ETags, the image digests and where each came from. */
export function integrityLines(integrity: RegistrationIntegrity): string[] {
    const { pins } = integrity;
    if (!pins) return ["  Nothing was pinned: there is no record of this version's bytes, so no deploy will accept it."];
    const when = integrity.pinWrite === "already-pinned" ? `pinned earlier, at ${pins.pinnedAt}` : `pinned at ${pins.pinnedAt}`;
    const lines = describePins(pins);
    return [`  (${when}; a deploy refuses any other bytes)`, ...(lines.length ? lines.map((l) => `  ${l}`) : ["  The package names no artifacts or images."])];
}

export function approveCommand(event: Pick<ModelPackageEvent, "groupName" | "version">, environment: string, verb: "approve" | "reject", stage?: StageSettings): string {
    return approvalsCommand(verb, event, { environment, stage });
}

/**
 * The raw SageMaker call. For a stage: its ModelLifeCycle, plus ModelApprovalStatus for the first stage (what
 * approvalStage.ts planStageChange writes, without the history entry the approvals CLI adds).
 */
export function awsCliCommand(packageArn: string, status: "Approved" | "Rejected", stage?: StageSettings): string {
    const base = `aws sagemaker update-model-package --model-package-arn ${packageArn}`;
    if (!stage) return `${base} --model-approval-status ${status} --approval-description "<why>"`;
    const first = stage.order.indexOf(stage.stage) === 0;
    return `${base} --model-life-cycle 'Stage=${stage.stage},StageStatus=${status},StageDescription="<why>"'${first ? ` --model-approval-status ${status}` : ""}`;
}

/** The SageMaker console page of the group (the console's URL scheme is not an API; best effort). */
export function consoleLink(region: string, groupName: string): string {
    return `https://${region}.console.aws.amazon.com/sagemaker/home?region=${region}#/model-registry/model-package-groups/${encodeURIComponent(groupName)}`;
}

function fmt(n: number | undefined): string {
    if (n === undefined) return "-";
    return Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, "");
}

function metricsTable(own: MetricsResult, live: LiveVersion | undefined): string[] {
    const lines: string[] = [];
    if ("error" in own) lines.push(`  No metrics for this version: ${own.error}. Decide with care; ask the pipeline owner for the report.`);
    const liveMetrics = live?.metrics && "metrics" in live.metrics ? live.metrics.metrics : undefined;
    const names = [...new Set([...("metrics" in own ? own.metrics.keys() : []), ...(liveMetrics?.keys() ?? [])])].sort();
    if (names.length) {
        const liveTitle = live ? `live (v${live.version ?? "?"})` : "live";
        const width = Math.max(6, ...names.map((n) => n.length));
        lines.push(`  ${"metric".padEnd(width)}  ${"this version".padStart(14)}  ${liveTitle.padStart(14)}`);
        for (const name of names) {
            const mine = "metrics" in own ? own.metrics.get(name) : undefined;
            lines.push(`  ${name.padEnd(width)}  ${fmt(mine).padStart(14)}  ${fmt(liveMetrics?.get(name)).padStart(14)}`);
        }
    }
    if (own.s3Uri) lines.push(`  Report: ${own.s3Uri}`);
    if (!live) lines.push("  Nothing is live in this environment yet (no deployment in the ledger).");
    else if (live.metrics && "error" in live.metrics) lines.push(`  Live version's metrics unavailable: ${live.metrics.error}`);
    else if (!live.metrics) lines.push(`  The live version (${live.packageArn}) has no evaluation report on record.`);
    return lines;
}

/** Subject and body of the "waiting for approval" message. */
export function approvalMessage(input: ApprovalMessageInput): { subject: string; body: string } {
    const { event, environment, integrity, stage } = input;
    const refusal = notApprovableLine(integrity.problems);
    const forWhat = stage ? `for ${stage.stage} (${environment})` : `in ${environment}`;
    const body = [
        `Model version ${event.groupName}/${event.version} is waiting for your approval ${forWhat}.${stage?.previous ? ` It is live in ${stage.previous}.` : ""}`,
        ...(refusal ? ["", refusal] : []),
        "",
        `Group:              ${event.groupName}`,
        `Version:            ${event.version}`,
        `Package ARN:        ${event.packageArn}`,
        `Pipeline execution: ${event.generatedBy ?? "not reported (MetadataProperties.GeneratedBy is empty)"}`,
        stage?.previous ? `Deployed to ${stage.previous}: ${event.time || "unknown"}` : `Registered:         ${event.time || "unknown"}`,
        "",
        "Evaluation metrics:",
        ...metricsTable(input.metrics, input.live),
        "",
        "What you approve (artifact versions and image digests):",
        ...integrityLines(integrity),
        "",
        "Approve (deploys exactly this version to this environment's endpoint):",
        `  ${approveCommand(event, environment, "approve", stage)}`,
        "Reject:",
        `  ${approveCommand(event, environment, "reject", stage)}`,
        stage ? "AWS CLI equivalent (in the registry account; the approvals CLI also checks the transition and records it):" : "AWS CLI equivalent:",
        `  ${awsCliCommand(event.packageArn, "Approved", stage)}`,
        `  ${awsCliCommand(event.packageArn, "Rejected", stage)}`,
        "",
        `Console: ${consoleLink(event.region, event.groupName)}`,
        `Event: ${event.eventId}`,
    ].join("\n");
    const what = integrity.tampered.length ? "TAMPERED, not approvable" : refusal ? "NOT APPROVABLE" : "Approval needed";
    return { subject: `[${environment}] ${what}${stage ? ` for ${stage.stage}` : ""}: ${event.groupName} v${event.version}`, body };
}
