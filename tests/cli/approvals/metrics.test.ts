import { strict as assert } from "assert";
import { evaluateGate, evaluationSource, flattenMetrics, formatMetrics, metricsSources, valueAtPath } from "../../../cli/approvals/metrics";

const gate = { name: "mse", jsonPath: "regression_metrics.mse.value", comparison: "LessThanOrEqualTo" as const, threshold: 4.5 };

describe("cli/approvals/metrics", () => {
    it("flattens SageMaker evaluation reports to metric name -> value", () => {
        const report = { regression_metrics: { mse: { value: 3.9, standard_deviation: 0.4 }, r2: { value: 0.61 } } };
        assert.deepEqual(flattenMetrics(report), { mse: 3.9, r2: 0.61 });
        assert.equal(formatMetrics(flattenMetrics(report)), "mse=3.9 r2=0.61");
    });
    it("falls back to numeric leaves by dotted path for other shapes", () => {
        assert.deepEqual(flattenMetrics({ accuracy: 0.93, by_class: { a: 0.9 }, labels: ["a"] }), { accuracy: 0.93, "by_class.a": 0.9 });
    });
    it("reads dotted and indexed JSON paths", () => {
        assert.equal(valueAtPath({ a: { b: [{ c: 7 }] } }, "a.b[0].c"), 7);
        assert.equal(valueAtPath({ a: 1 }, "a.b.c"), undefined);
    });
    it("applies the stack's gate from the raw report, in each comparison direction", () => {
        const raw = { regression_metrics: { mse: { value: 4.6 } } };
        const report = { values: flattenMetrics(raw), raw };
        assert.equal(evaluateGate(report, gate).passed, false);
        assert.match(evaluateGate(report, gate).text, /mse 4\.6 <= 4\.5 FAILS/);
        assert.equal(evaluateGate(report, { ...gate, threshold: 4.6 }).passed, true);
        assert.equal(evaluateGate(report, { ...gate, comparison: "LessThan", threshold: 4.6 }).passed, false);
        assert.equal(evaluateGate(report, { ...gate, comparison: "GreaterThan", threshold: 1 }).passed, true);
        assert.equal(evaluateGate({ values: {}, error: "gone" }, gate).passed, undefined);
    });
    it("prefers model quality statistics as the evaluation report and lists every source in order", () => {
        const d = {
            ModelMetrics: {
                Bias: { Report: { ContentType: "application/json", S3Uri: "s3://b/bias.json" } },
                ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: "s3://b/eval.json" } },
            },
        };
        assert.equal(evaluationSource(d)?.S3Uri, "s3://b/eval.json");
        assert.deepEqual(metricsSources(d).map(([k]) => k), ["Bias.Report", "ModelQuality.Statistics"]);
        assert.equal(evaluationSource({ ModelMetrics: { Bias: { Report: { ContentType: "x", S3Uri: "s3://b/bias.json" } } } })?.S3Uri, "s3://b/bias.json");
    });
});
