/**
 * One JSON line per log call, so CloudWatch Logs Insights can filter on fields, and a helper that emits
 * CloudWatch Embedded Metric Format: a metric from a log line, with no extra API call on the hot path.
 */
export type LogLevel = "info" | "warn" | "error";

export interface Logger {
    log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
    log(level, message, fields = {}) {
        const line = JSON.stringify({ level, message, ...fields });
        if (level === "error") console.error(line);
        else if (level === "warn") console.warn(line);
        else console.log(line);
    },
};

/** The CloudWatch namespace of the metrics the handlers emit (alarms in infra/ use the same). */
export const METRIC_NAMESPACE = "SageMakerApprovalGate";

/** An EMF record: CloudWatch turns this log line into the metric `name` with dimension Environment. */
export function metricLine(name: string, environment: string, value = 1, now = Date.now()): string {
    return JSON.stringify({
        _aws: {
            Timestamp: now,
            CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [["Environment"]], Metrics: [{ Name: name, Unit: "Count" }] }],
        },
        Environment: environment,
        [name]: value,
    });
}
