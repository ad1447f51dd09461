/**
 * What `runProgramUnderMocks` changes in the Pulumi runtime while a program runs (the promise debug stacks, see
 * `withoutPromiseDebugStacks`), and that it puts everything back, even when the program fails.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { runProgramUnderMocks } from "../../../cli/lib/programUnderMocks";

const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: (p: Promise<unknown>, ctx: string) => Promise<unknown> };
const FAILING = path.join(__dirname, "fixtures/failingProgram.ts");
const SERVED = path.join(__dirname, "../plan/fixtures/servedModel.ts");
const servedConfig = { "fixture:modelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1" };

describe("cli/lib/programUnderMocks", function () {
    this.timeout(60_000);

    it("formats no stack trace for the runtime's promises while a run lasts, and restores the wrapper after", async () => {
        const original = debuggable.debuggablePromise;
        const traces: string[] = [];
        const probe = new Promise<void>((resolve) => setImmediate(resolve));
        const running = runProgramUnderMocks({ stack: "dev", config: servedConfig, entry: SERVED });
        // The run installs its wrapper synchronously, before its first await.
        assert.notEqual(debuggable.debuggablePromise, original, "the wrapper is in place during the run");
        // The wrapper writes the trace onto the promise it is given.
        await debuggable.debuggablePromise(probe, "probe");
        traces.push((probe as unknown as { _debugStackTrace?: string })._debugStackTrace ?? "");
        const run = await running;
        assert.ok(run.recorder.resources.some((r) => r.type === "aws:sagemaker/model:Model"), "the program ran");
        assert.equal(debuggable.debuggablePromise, original, "the runtime's own wrapper is back");
        assert.deepEqual(traces, ["Error"]);
        const after = Promise.resolve();
        await debuggable.debuggablePromise(after, "after");
        assert.match((after as unknown as { _debugStackTrace?: string })._debugStackTrace ?? "", /\n\s+at /, "outside a run the runtime keeps its traces");
    });

    it("keeps the full stack of an error the program throws, and restores the wrapper when the run fails", async () => {
        const original = debuggable.debuggablePromise;
        const error = await runProgramUnderMocks({ stack: "dev", config: {}, entry: FAILING }).then(
            () => assert.fail("the program should have failed"),
            (err: Error) => err,
        );
        assert.match(error.message, /the program failed here/);
        assert.match(error.stack ?? "", /declareTopicThenFail/, "the throwing function is in the stack");
        assert.equal(debuggable.debuggablePromise, original);
    });
});
