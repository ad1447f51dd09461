/**
 * Evaluation metrics of a version, read from the report its `ModelMetrics` points at (the pipeline's
 * evaluation.json in S3), and the stack's metric gate applied to it. Reading is best effort: an approver
 * still sees the version when the report is missing or unreadable, with the reason.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DescribeModelPackageCommandOutput, MetricsSource } from "@aws-sdk/client-sagemaker";
import type { MetricGate } from "../../infra/config";
import { splitS3Uri } from "../../lambdas/shared/events";

export interface MetricsReport {
    /** Where the report lives. */
    readonly s3Uri?: string;
    /** Metric name → value, e.g. {mse: 4.2}. Empty when unreadable. */
    readonly values: Record<string, number>;
    /** The parsed report, for the gate's JSON path. */
    readonly raw?: unknown;
    /** Why the values are missing, when they are. */
    readonly error?: string;
}

/** Every MetricsSource a package declares, as `<Category>.<Kind>` → source, in a stable order. Pure. */
export function metricsSources(description: Pick<DescribeModelPackageCommandOutput, "ModelMetrics">): [string, MetricsSource][] {
    const found: [string, MetricsSource][] = [];
    const metrics = (description.ModelMetrics ?? {}) as Record<string, Record<string, MetricsSource | undefined> | undefined>;
    for (const category of Object.keys(metrics).sort()) {
        const kinds = metrics[category] ?? {};
        for (const kind of Object.keys(kinds).sort()) {
            const source = kinds[kind];
            if (source?.S3Uri) found.push([`${category}.${kind}`, source]);
        }
    }
    return found;
}

/** The report an approver cares about: model quality statistics (what RegisterModel's evaluation sets). Pure. */
export function evaluationSource(description: Pick<DescribeModelPackageCommandOutput, "ModelMetrics">): MetricsSource | undefined {
    return description.ModelMetrics?.ModelQuality?.Statistics ?? metricsSources(description)[0]?.[1];
}

/**
 * Flattens an evaluation report to name → number. SageMaker's evaluation.json and Clarify model-quality
 * reports put each metric under `<kind>_metrics.<name>.value`; anything else falls back to numeric leaves by
 * dotted path. Pure.
 */
export function flattenMetrics(report: unknown): Record<string, number> {
    const values: Record<string, number> = {};
    const leaves: Record<string, number> = {};
    const walk = (node: unknown, trail: string[]) => {
        if (node === null || typeof node !== "object" || Array.isArray(node)) return;
        for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
            if (child && typeof child === "object" && !Array.isArray(child) && typeof (child as { value?: unknown }).value === "number") {
                values[key] = (child as { value: number }).value;
            } else if (typeof child === "number" && Number.isFinite(child)) {
                leaves[[...trail, key].join(".")] = child;
            } else {
                walk(child, [...trail, key]);
            }
        }
    };
    walk(report, []);
    return Object.keys(values).length > 0 ? values : leaves;
}

/** The value at a dotted path such as `regression_metrics.mse.value` or `a.b[0].c`. Pure. */
export function valueAtPath(document: unknown, jsonPath: string): unknown {
    let current: unknown = document;
    for (const part of jsonPath.split(/\.|(?=\[)/)) {
        if (current === null || typeof current !== "object") return undefined;
        const index = /^\[(\d+)\]$/.exec(part);
        current = index ? (current as unknown[])[Number(index[1])] : (current as Record<string, unknown>)[part];
    }
    return current;
}

const SYMBOL: Record<MetricGate["comparison"], string> = {
    GreaterThanOrEqualTo: ">=",
    GreaterThan: ">",
    LessThanOrEqualTo: "<=",
    LessThan: "<",
};

export interface GateResult {
    readonly metric: string;
    readonly value?: number;
    readonly threshold: number;
    readonly comparison: MetricGate["comparison"];
    readonly passed?: boolean;
    /** e.g. "mse 3.91 <= 6 passes". */
    readonly text: string;
}

/** "mse <= 6". Pure. */
export function describeGate(gate: MetricGate): string {
    return `${gate.name} ${SYMBOL[gate.comparison]} ${gate.threshold}`;
}

/** Applies the stack's metric gate (the same one the pipeline's Condition step uses) to a report. Pure. */
export function evaluateGate(report: MetricsReport, gate: MetricGate): GateResult {
    const raw = report.raw === undefined ? undefined : valueAtPath(report.raw, gate.jsonPath);
    const value = typeof raw === "number" ? raw : report.values[gate.name];
    const base = { metric: gate.name, threshold: gate.threshold, comparison: gate.comparison };
    if (typeof value !== "number") {
        return { ...base, text: `${gate.name} unknown (gate ${SYMBOL[gate.comparison]} ${gate.threshold})` };
    }
    const passed =
        gate.comparison === "GreaterThanOrEqualTo" ? value >= gate.threshold
        : gate.comparison === "GreaterThan" ? value > gate.threshold
        : gate.comparison === "LessThanOrEqualTo" ? value <= gate.threshold
        : value < gate.threshold;
    return { ...base, value, passed, text: `${gate.name} ${formatNumber(value)} ${SYMBOL[gate.comparison]} ${gate.threshold} ${passed ? "passes" : "FAILS"}` };
}

export function formatNumber(value: number): string {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) >= 1000 || Math.abs(value) < 0.001 ? value.toPrecision(4) : String(Number(value.toFixed(4)));
}

/** `name=value` pairs, sorted by name. Pure. */
export function formatMetrics(values: Record<string, number>, limit = 4): string {
    const names = Object.keys(values).sort();
    const shown = names.slice(0, limit).map((n) => `${n}=${formatNumber(values[n])}`);
    return shown.join(" ") + (names.length > limit ? ` (+${names.length - limit})` : "");
}

const MAX_REPORT_BYTES = 1024 * 1024;

/** Reads and parses the report. Never throws: a failure becomes `error`. */
export async function readMetricsReport(s3: Pick<S3Client, "send">, source: MetricsSource | undefined): Promise<MetricsReport> {
    if (!source?.S3Uri) return { values: {}, error: "the version declares no ModelMetrics report" };
    const location = splitS3Uri(source.S3Uri);
    if (!location) return { s3Uri: source.S3Uri, values: {}, error: `"${source.S3Uri}" is not an s3:// URI` };
    try {
        const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
        if ((object.ContentLength ?? 0) > MAX_REPORT_BYTES) {
            return { s3Uri: source.S3Uri, values: {}, error: `the report is larger than ${MAX_REPORT_BYTES} bytes` };
        }
        const text = await object.Body!.transformToString("utf8");
        const raw = JSON.parse(text) as unknown;
        return { s3Uri: source.S3Uri, values: flattenMetrics(raw), raw };
    } catch (err) {
        const e = err as { name?: string; message?: string };
        const why = e.name === "SyntaxError" ? `not JSON (${e.message})` : `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
        return { s3Uri: source.S3Uri, values: {}, error: `could not read ${source.S3Uri}: ${why}` };
    }
}
