import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { approvedModelPackagesOnly, approvedModelPackagesOnlyStack } from "../../policies/approvedModelPackages";
import { decideEnvironment } from "../../policies/lib/environment";
import { readApprovalGateConfig } from "../../policies/lib/gateConfig";
import { pipelinesRegisterForManualApproval, readPipelineApprovalConfig } from "../../policies/pipelineApproval";
import { stackContext } from "./helpers";

const load = (env: string) => JSON.parse(fs.readFileSync(path.resolve(__dirname, `../../policies/${env}.json`), "utf8"));
const policies = [approvedModelPackagesOnly, approvedModelPackagesOnlyStack, pipelinesRegisterForManualApproval];

describe("policies/<env>.json (--policy-pack-config examples)", () => {
    for (const env of ["dev", "prod"]) {
        it(`${env}.json names only policies of the pack, with valid levels and options the schema declares`, () => {
            const file = load(env);
            assert.deepStrictEqual(Object.keys(file).sort(), policies.map((p) => p.name).sort());
            for (const policy of policies) {
                const { enforcementLevel, ...options } = file[policy.name];
                assert.ok(["advisory", "mandatory", "disabled"].includes(enforcementLevel), `${policy.name}: ${enforcementLevel}`);
                const declared = Object.keys(policy.configSchema?.properties ?? {});
                for (const key of Object.keys(options)) assert.ok(declared.includes(key), `${env}.json: ${policy.name}.${key} is not in its configSchema`);
                if (policy === pipelinesRegisterForManualApproval) readPipelineApprovalConfig(options);
                else readApprovalGateConfig(options);
            }
        });
    }

    it("prod.json pins production; dev.json (also the org-wide default group's config) downgrades no stack it cannot classify", () => {
        const prod = readApprovalGateConfig(stripLevel(load("prod")["approved-model-packages-only"]));
        const dev = readApprovalGateConfig(stripLevel(load("dev")["approved-model-packages-only"]));
        assert.strictEqual(decideEnvironment(stackContext({ stack: "dev" }), prod).production, true);
        assert.strictEqual(decideEnvironment(stackContext({ stack: "dev" }), dev).production, false);
        assert.strictEqual(decideEnvironment(stackContext({ stack: "prod" }), dev).production, true);
        // A new production stack nobody classified yet must not become advisory because it sits in the default group.
        assert.strictEqual(decideEnvironment(stackContext({ stack: "eu-live", config: {} }), dev).production, true);
    });
});

function stripLevel(entry: Record<string, unknown>) {
    const { enforcementLevel: _level, ...rest } = entry;
    return rest;
}
