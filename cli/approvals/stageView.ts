/**
 * How `show` and `pending` present a version's promotion: its current stage (ModelLifeCycle, what the rule
 * judges) and its stage history (CustomerMetadataProperties entries written with each transition: a trace for
 * people, which SageMaker does not keep itself). Pure.
 */
import type { ModelLifeCycle } from "@aws-sdk/client-sagemaker";
import { describeLifecycle, HISTORY_KEY_PREFIX, stageHistory, type StageHistoryEntry } from "../../policies/lib/approvalStage";
import { nextStage } from "./stageDecision";
import type { StageSetup } from "./stages";

export interface StageView {
    readonly lifecycle: ModelLifeCycle | null;
    /** "Staging: Approved ("…")" or "none". */
    readonly current: string;
    readonly history: StageHistoryEntry[];
    /** With a known stage order: the stage whose approvers decide next, and why. */
    readonly next?: { readonly stage: string | null; readonly why: string };
}

export function stageView(pkg: { ModelLifeCycle?: ModelLifeCycle; CustomerMetadataProperties?: Record<string, string> }, setup?: StageSetup): StageView {
    const lifecycle = pkg.ModelLifeCycle?.Stage ? pkg.ModelLifeCycle : undefined;
    const next = setup ? nextStage(lifecycle, setup.order) : undefined;
    return {
        lifecycle: lifecycle ?? null,
        current: describeLifecycle(lifecycle),
        history: stageHistory(pkg.CustomerMetadataProperties),
        ...(next ? { next: { stage: next.stage ?? null, why: next.why } } : {}),
    };
}

/** One line per transition, oldest first: "2026-12-02T18:40:00.000Z  Staging Approved  by <arn>: <note>". */
export function renderStageHistory(history: readonly StageHistoryEntry[]): string | undefined {
    if (!history.length) return undefined;
    return history.map((h) => `${h.at || "(no time)"}  ${h.stage} ${h.status}${h.by ? `  by ${h.by}` : ""}${h.note ? `: ${h.note}` : ""}`).join("\n");
}

/** The customer metadata that is not stage history (shown on its own line). */
export function otherMetadata(props: Record<string, string> | undefined): [string, string][] {
    return Object.entries(props ?? {}).filter(([k]) => !k.startsWith(HISTORY_KEY_PREFIX)).sort(([a], [b]) => a.localeCompare(b));
}

/** The short stage cell of a listing: "Staging Deployed", or "-" without a lifecycle. */
export function stageCell(lifecycle: ModelLifeCycle | undefined): string {
    return lifecycle?.Stage ? `${lifecycle.Stage} ${lifecycle.StageStatus ?? "?"}` : "-";
}

/** The Stage cell of `pending`: "Staging Deployed; awaits Production", "awaits Staging". */
export function awaitsCell(pkg: { ModelLifeCycle?: ModelLifeCycle }, setup: StageSetup): string {
    const next = stageView(pkg, setup).next?.stage;
    const at = pkg.ModelLifeCycle?.Stage ? stageCell(pkg.ModelLifeCycle) : undefined;
    return [at, next ? `awaits ${next}` : undefined].filter(Boolean).join("; ") || "-";
}
