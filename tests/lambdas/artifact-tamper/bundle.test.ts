/**
 * The artifact-tamper bundle, checked as tests/infra/lib/bundle.test.ts checks the functions in LAMBDA_ENTRIES.
 * Its own file until the component that deploys it adds it to LAMBDA_ENTRIES (whose type the component's records use).
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleLambda, clearBundleCache, REPO_ROOT } from "../../../infra/lib/bundle";

const ENTRY = "lambdas/artifact-tamper/index.ts";

describe("artifact-tamper bundle", function () {
    this.timeout(60_000);

    it("builds the same bytes twice, one CommonJS file that takes only @aws-sdk clients from the runtime", () => {
        clearBundleCache();
        const first = bundleLambda(ENTRY);
        clearBundleCache();
        const second = bundleLambda(ENTRY);
        assert.equal(second.sha256, first.sha256);
        assert.ok(first.bytes < 100 * 1024, `${first.bytes} bytes`);
        const required = [...new Set([...first.code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
        // client-s3/-ecr/-sagemaker come along with policies/lib/artifactPins.ts's re-exports (loaded, never called).
        for (const id of required) assert.match(id, /^@aws-sdk\/client-[a-z0-9-]+$/, `unexpected runtime dependency ${id}`);
        for (const id of ["@aws-sdk/client-dynamodb", "@aws-sdk/client-sns"]) assert.ok(required.includes(id), id);
        assert.ok(!first.code.includes(REPO_ROOT), "no absolute path of this clone");
        assert.match(first.code, /policies\/lib\/tamperEvents\.ts/);
    });

    it("loads in a fresh node and exports handler; a missing setting fails loudly with its name", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-tamper-"));
        const file = path.join(dir, "index.js");
        fs.writeFileSync(file, bundleLambda(ENTRY).code);
        const load = (env: Record<string, string>) =>
            spawnSync(process.execPath, ["-e", `try { console.log(typeof require(${JSON.stringify(file)}).handler) } catch (e) { console.log(e.name + ": " + e.message) }`], {
                env: { PATH: process.env.PATH!, NODE_PATH: path.join(REPO_ROOT, "node_modules"), ...env },
                encoding: "utf8",
            }).stdout;
        assert.match(load({}), /EnvironmentError: environment variable ENVIRONMENT is not set/);
        assert.match(load({ ENVIRONMENT: "dev", LEDGER_TABLE_NAME: "t" }), /EnvironmentError: environment variable ENDPOINT_NAME is not set/);
        assert.match(load({ ENVIRONMENT: "dev", LEDGER_TABLE_NAME: "t", ENDPOINT_NAME: "e" }), /EnvironmentError: environment variable TOPIC_ARN is not set/);
        assert.match(load({ ENVIRONMENT: "dev", LEDGER_TABLE_NAME: "t", ENDPOINT_NAME: "e", TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:t", AWS_REGION: "us-east-1" }), /^function$/m);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
