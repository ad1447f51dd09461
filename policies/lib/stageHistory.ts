/**
 * The trace of stage transitions on a version. SageMaker keeps only the current ModelLifeCycle, so every
 * transition this project makes also writes one CustomerMetadataProperties entry
 * `approval-gate:stage:<Stage>:<status>` = `<ISO time> <who> <note>` in the same UpdateModelPackage call.
 * For people (the CLI shows it); the rule never judges it. Pure. Re-exported by approvalStage.ts.
 */

export interface StageNote {
    readonly at: Date;
    /** Who made the change (an IAM ARN, or the deploy function's name). */
    readonly by: string;
    readonly comment: string;
}

export interface StageHistoryEntry {
    readonly stage: string;
    readonly status: string;
    /** ISO 8601 time as written; "" when the value did not start with one. */
    readonly at: string;
    readonly by: string;
    readonly note: string;
}

/** Our limit on a history value (CustomerMetadataProperties values are short strings). */
export const MAX_HISTORY_VALUE = 256;
export const HISTORY_KEY_PREFIX = "approval-gate:stage:";

/** The CustomerMetadataProperties key of one transition. */
export function stageHistoryKey(stage: string, status: string): string {
    return `${HISTORY_KEY_PREFIX}${stage}:${status}`;
}

/**
 * Characters outside the set SageMaker admits in metadata values (letters, digits, spaces, `_.:/=+-@`, as for
 * tags; assumed from the API reference's pattern) become spaces, so a free-text comment cannot fail the update.
 */
function metadataSafe(text: string): string {
    return text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]+/gu, " ").replace(/\s+/g, " ").trim();
}

/** `<ISO time> <who> <note>`, made metadata-safe and cut to MAX_HISTORY_VALUE characters. */
export function formatStageHistoryValue(note: StageNote): string {
    const by = metadataSafe(note.by).replace(/ /g, "_") || "unknown";
    return `${note.at.toISOString()} ${by} ${metadataSafe(note.comment)}`.trim().slice(0, MAX_HISTORY_VALUE);
}

/** Reads one history entry back; undefined for keys that are not ours. */
export function parseStageHistoryEntry(key: string, value: string): StageHistoryEntry | undefined {
    if (!key.startsWith(HISTORY_KEY_PREFIX)) return undefined;
    const rest = key.slice(HISTORY_KEY_PREFIX.length);
    const colon = rest.lastIndexOf(":");
    if (colon <= 0 || colon === rest.length - 1) return undefined;
    const [at = "", by = "", ...note] = value.split(" ");
    const timed = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(at);
    return timed
        ? { stage: rest.slice(0, colon), status: rest.slice(colon + 1), at, by, note: note.join(" ") }
        : { stage: rest.slice(0, colon), status: rest.slice(colon + 1), at: "", by: "", note: value };
}

/** Every stage transition recorded on a version, oldest first (entries without a time last). */
export function stageHistory(props: Record<string, string> | undefined): StageHistoryEntry[] {
    const entries = Object.entries(props ?? {}).flatMap(([k, v]) => parseStageHistoryEntry(k, v) ?? []);
    return entries.sort((a, b) => (a.at && b.at ? a.at.localeCompare(b.at) : a.at ? -1 : b.at ? 1 : 0) || a.stage.localeCompare(b.stage));
}

