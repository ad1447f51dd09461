/**
 * The example scripts the stack uploads. `npm test` machines have Python 3 (moto needs it) but not
 * necessarily pandas/scikit-learn/xgboost, so here they are compiled and their contract with the
 * pipeline definition is checked; `tests/infra/pipeline/scripts/local_run.py` runs them end to end.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXAMPLE_SCRIPTS_DIR } from "../../../infra/components/trainingPipeline";
import { buildPipelineDefinition, EVALUATION_REPORT, SCRIPT_FILES } from "../../../infra/pipeline/definition";
import { sampleInput } from "../../../infra/pipeline/sampleInput";

const read = (file: string) => fs.readFileSync(path.join(EXAMPLE_SCRIPTS_DIR, file), "utf8");

describe("infra/pipeline/scripts", () => {
    for (const file of Object.values(SCRIPT_FILES)) {
        it(`${file} compiles with python3`, () => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "pyc-"));
            const result = spawnSync("python3", ["-c", "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", path.join(EXAMPLE_SCRIPTS_DIR, file), path.join(out, "x.pyc")], { encoding: "utf8" });
            assert.strictEqual(result.status, 0, result.stderr);
        });
    }

    it("the compile check fails on a broken script (it is not vacuous)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pybad-"));
        fs.writeFileSync(path.join(dir, "bad.py"), "def broken(:\n");
        const result = spawnSync("python3", ["-c", "import py_compile,sys; py_compile.compile(sys.argv[1], doraise=True)", path.join(dir, "bad.py")], { encoding: "utf8" });
        assert.notStrictEqual(result.status, 0);
    });

    it("preprocess.py writes the three outputs where the Preprocess step collects them", () => {
        const step = buildPipelineDefinition(sampleInput()).Steps[0] as any;
        const localPaths = step.Arguments.ProcessingOutputConfig.Outputs.map((o: any) => o.S3Output.LocalPath);
        assert.deepStrictEqual(localPaths, ["/opt/ml/processing/train", "/opt/ml/processing/validation", "/opt/ml/processing/test"]);
        assert.match(read("preprocess.py"), /BASE = "\/opt\/ml\/processing"/);
        assert.match(read("preprocess.py"), /zip\(\("train", "validation", "test"\)/);
        assert.strictEqual(step.Arguments.ProcessingInputs[0].S3Input.LocalPath, "/opt/ml/processing/input");
    });

    it("evaluate.py writes evaluation.json with regression_metrics.mse.value where the Evaluate step collects it", () => {
        const step = buildPipelineDefinition(sampleInput()).Steps[2] as any;
        assert.strictEqual(step.Arguments.ProcessingOutputConfig.Outputs[0].S3Output.LocalPath, "/opt/ml/processing/evaluation");
        assert.deepStrictEqual(step.Arguments.ProcessingInputs.slice(0, 2).map((i: any) => i.S3Input.LocalPath), ["/opt/ml/processing/model", "/opt/ml/processing/test"]);
        const script = read("evaluate.py");
        assert.match(script, new RegExp(`"${EVALUATION_REPORT.FilePath.replace(".", "\\.")}"`));
        assert.match(script, /\{"regression_metrics": regression_metrics\(/);
        assert.match(script, /"mse": \{"value":/);
    });
});
