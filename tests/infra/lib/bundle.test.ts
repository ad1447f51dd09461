import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APPROVAL_FUNCTION_ROLES, bundleLambda, clearBundleCache, esbuildTarget, lambdaArchive, LAMBDA_ENTRIES, LAMBDA_RUNTIME, REPO_ROOT } from "../../../infra/lib/bundle";

/** The text of every TypeScript source a bundle may hold (lambdas/, policies/). */
function sourceTexts(): string[] {
    const walk = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [fs.readFileSync(path.join(dir, e.name), "utf8")] : []));
    return ["lambdas", "policies"].flatMap((d) => walk(path.join(REPO_ROOT, d)));
}

describe("infra/lib/bundle", function () {
    this.timeout(60_000);

    it("derives esbuild's target from the Lambda runtime", () => {
        assert.equal(esbuildTarget("nodejs22.x"), "node22");
        assert.equal(esbuildTarget("nodejs20.x"), "node20");
        assert.equal(LAMBDA_RUNTIME, "nodejs22.x");
        assert.throws(() => esbuildTarget("python3.12"), /unsupported Lambda runtime "python3.12"/);
    });

    it("ships every handler, the tamper function included, and tells ApprovalEvents' functions apart", () => {
        assert.deepEqual(Object.keys(LAMBDA_ENTRIES).sort(), ["artifact-tamper", "deploy-approved", "notify-approver", "out-of-band", "smoke-test"]);
        assert.equal(LAMBDA_ENTRIES["out-of-band"], "lambdas/out-of-band/index.ts");
        assert.equal(LAMBDA_ENTRIES["artifact-tamper"], "lambdas/artifact-tamper/index.ts");
        assert.deepEqual([...APPROVAL_FUNCTION_ROLES], ["notify-approver", "deploy-approved"]);
    });

    it("packages a function as one index.js StringAsset holding its deterministic bundle", async () => {
        const assets = (await lambdaArchive("artifact-tamper").assets) as Record<string, any>;
        assert.deepEqual(Object.keys(assets), ["index.js"]);
        assert.equal(await assets["index.js"].text, bundleLambda(LAMBDA_ENTRIES["artifact-tamper"]).code);
    });

    for (const [role, entry] of Object.entries(LAMBDA_ENTRIES)) {
        describe(role, () => {
            it("builds the same bytes twice from fresh builds, and caches within a process", () => {
                clearBundleCache();
                const first = bundleLambda(entry);
                assert.equal(bundleLambda(entry), first, "cached");
                clearBundleCache();
                const second = bundleLambda(entry);
                assert.notEqual(second, first);
                assert.equal(second.sha256, first.sha256);
                assert.equal(second.code, first.code);
            });

            it("is one CommonJS file under 100 KB that takes @aws-sdk from the runtime and holds no machine paths or timestamps", () => {
                const { code, bytes } = bundleLambda(entry);
                assert.ok(bytes < 100 * 1024, `${bytes} bytes`);
                const required = [...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
                for (const id of required) assert.match(id, /^(@aws-sdk\/client-[a-z0-9-]+|crypto|zlib)$/, `unexpected runtime dependency ${id}`);
                assert.ok(!code.includes(REPO_ROOT), "no absolute path of this clone");
                assert.ok(!code.includes(os.homedir()) || os.homedir() === "/", "no home directory");
                // No build timestamp: any date-time in the bundle is one written in the sources (e.g. an example in a message).
                const sources = sourceTexts();
                for (const [stamp] of code.matchAll(/20\d\d-\d\d-\d\dT\d\d:\d\d[^"'`\s]*/g)) assert.ok(sources.some((t) => t.includes(stamp)), `timestamp ${stamp} is not from the sources`);
                assert.match(code, /policies\/lib\/(approvalRule|tamperEvents)\.ts|lambdas\/shared\/(events|auditTrail)\.ts/, "repo-relative source markers");
            });

            it("loads in a fresh node and exports handler; a missing setting fails loudly with its name", () => {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
                const file = path.join(dir, "index.js");
                fs.writeFileSync(file, bundleLambda(entry).code);
                // The runtime provides @aws-sdk; here it resolves from the repo's node_modules.
                const run = spawnSync(process.execPath, ["-e", `try { require(${JSON.stringify(file)}) } catch (e) { console.log(e.name + ": " + e.message) }`], {
                    env: { PATH: process.env.PATH, NODE_PATH: path.join(REPO_ROOT, "node_modules") },
                    encoding: "utf8",
                });
                // out-of-band with no setting watches nothing: it names the group setting (lambdas/out-of-band/settings.ts) first.
                const firstMissing = role === "out-of-band" ? "MODEL_PACKAGE_ARN_PREFIX" : "ENVIRONMENT";
                assert.match(run.stdout, new RegExp(`EnvironmentError: environment variable ${firstMissing} is not set`));
                fs.rmSync(dir, { recursive: true, force: true });
            });
        });
    }

    it("can bundle the SDK too (the alternative we did not choose), which makes the bundle far larger", () => {
        const withSdk = bundleLambda(LAMBDA_ENTRIES["deploy-approved"], { bundleSdk: true, minify: true });
        assert.ok(!/require\("@aws-sdk\/client-/.test(withSdk.code));
        assert.ok(withSdk.bytes > 5 * bundleLambda(LAMBDA_ENTRIES["deploy-approved"]).bytes);
    });
});
