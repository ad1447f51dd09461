/** cli/plan/program.ts: reading another program's folder, and `-c key=value`. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PLAN_EXIT, runPlanCli } from "../../../cli/plan/main";
import { configOverrides, ProgramFolderError, readProgramFolder } from "../../../cli/plan/program";

const REPO = path.resolve(__dirname, "../../..");

function folder(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-program-"));
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

describe("cli/plan/program", () => {
    it("reads examples/blocked-endpoint: its project name and entry (main: index.ts)", () => {
        const program = readProgramFolder(path.join(REPO, "examples/blocked-endpoint"));
        assert.equal(program.project, "blocked-endpoint");
        assert.equal(program.entry, path.join(REPO, "examples/blocked-endpoint/index.ts"));
    });

    it("takes index.ts without main, and main as a folder holding index.ts", () => {
        assert.equal(readProgramFolder(folder({ "Pulumi.yaml": "name: p\n", "index.ts": "" })).project, "p");
        const dir = folder({ "Pulumi.yaml": "name: q\nmain: src/\n", "src/index.ts": "" });
        assert.equal(readProgramFolder(dir).entry, path.join(dir, "src/index.ts"));
    });

    it("refuses a folder without Pulumi.yaml, without a name, or whose entry is missing, saying the fix", () => {
        assert.throws(() => readProgramFolder(folder({})), (e: Error) => e instanceof ProgramFolderError && /has no Pulumi\.yaml/.test(e.message));
        assert.throws(() => readProgramFolder(folder({ "Pulumi.yaml": "runtime: nodejs\n" })), /name: got undefined.*Fix: add a line 'name: my-project'/);
        assert.throws(() => readProgramFolder(folder({ "Pulumi.yaml": "name: p\nmain: app.ts\n" })), /app\.ts does not exist\. Fix:/);
    });

    it("-c: a bare key is the project's, a namespaced one kept; values stay strings; a pair without = is refused", () => {
        assert.deepEqual(configOverrides(["modelPackageArn=arn:aws:sagemaker:us-east-1:1:model-package/g/1", "aws:region=eu-west-1", "empty="], "blocked-endpoint"), {
            "blocked-endpoint:modelPackageArn": "arn:aws:sagemaker:us-east-1:1:model-package/g/1",
            "aws:region": "eu-west-1",
            "blocked-endpoint:empty": "",
        });
        assert.throws(() => configOverrides(["modelPackageArn"], "p"), /--config "modelPackageArn": expected key=value/);
    });

    it("npm run plan --program: a usage error (exit 2, one line, nothing started) for a missing folder, a folder that is no program, a stack it has no file for, a bad -c", async () => {
        const cases: [string[], RegExp][] = [
            [["--program", "/nonexistent/program"], /^error: --program \/nonexistent\/program: no such folder or file\.$/],
            [["--program", folder({ "index.ts": "" })], /^error: \S+ has no Pulumi\.yaml: --program takes a Pulumi program's folder/],
            [["--program", path.join(REPO, "examples/blocked-endpoint"), "--stack", "qa"], /^error: No stack "qa": .*Known stacks: prod\.$/],
            [["--program", path.join(REPO, "examples/blocked-endpoint"), "--stack", "prod", "-c", "modelPackageArn"], /^error: --config "modelPackageArn": expected key=value/],
        ];
        for (const [args, expected] of cases) {
            const errors: string[] = [];
            const code = await runPlanCli(args, { out: () => undefined, err: (t) => errors.push(t) });
            assert.equal(code, PLAN_EXIT.usage, `${args.join(" ")}: ${errors.join("\n")}`);
            assert.equal(errors.length, 1, errors.join("\n"));
            assert.match(errors[0], expected);
        }
    });
});
