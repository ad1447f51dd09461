import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { approvedModelPackagesOnly, approvedModelPackagesOnlyStack } from "../../policies/approvedModelPackages";
import { decideEnvironment } from "../../policies/lib/environment";
import { readApprovalGateConfig } from "../../policies/lib/gateConfig";
import { pipelinesRegisterForManualApproval, readPipelineApprovalConfig } from "../../policies/pipelineApproval";
import { stackContext } from "./helpers";
import { exampleStackConfig } from "../infra/exampleStacks";

const load = (env: string) => JSON.parse(fs.readFileSync(path.resolve(__dirname, `../../policies/${env}.json`), "utf8"));
const policies = [approvedModelPackagesOnly, approvedModelPackagesOnlyStack, pipelinesRegisterForManualApproval];

describe("policies/<env>.json (--policy-pack-config examples)", () => {
    for (const env of ["dev", "shared", "staging", "prod"]) {
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

describe("policies/<env>.json and Pulumi.<env>.yaml agree", () => {
    const NS = "sagemaker-approval-gate:";
    for (const env of ["dev", "shared", "staging", "prod"]) {
        it(`${env}.json allows exactly the stack's group, in the account that owns it (the registry's for an environment stack)`, () => {
            const stack = exampleStackConfig(env);
            const promotion = stack[`${NS}promotion`] as { registry?: { accountId: string }; stages?: { approvers: string[] }[] } | undefined;
            const approvers = stack[`${NS}approvers`] as { principalArns?: string[] };
            // The group's account: the registry's for an environment stack; the stack's own otherwise (its approvers' account:
            // an all-in-one stack such as dev deploys into it, as the offline plan assumes: cli/plan planAccount).
            const owner = promotion?.registry?.accountId ?? (promotion?.stages?.[0]?.approvers ?? approvers.principalArns ?? [])[0]?.split(":")[4];
            for (const name of ["approved-model-packages-only", "approved-model-packages-only-stack"]) {
                const options = load(env)[name];
                assert.deepStrictEqual(options.allowedModelPackageGroups, [stack[`${NS}modelPackageGroupName`]], `${env}.json ${name}`);
                assert.deepStrictEqual(options.allowedAccounts, [owner], `${env}.json ${name}`);
            }
        });
    }
});

describe("policies/<env>.json asks the Stage question of its stack's stage", () => {
    const NS = "sagemaker-approval-gate:";
    for (const env of ["dev", "shared", "staging", "prod"]) {
        it(`${env}.json's stage and stageOrder are the stack's promotion.stage and promotion.stages (none outside an environment stack)`, () => {
            const promotion = exampleStackConfig(env)[`${NS}promotion`] as { stage?: string; stages?: unknown[] } | undefined;
            const expected = promotion?.stage ? { stage: promotion.stage, stageOrder: promotion.stages } : { stage: "", stageOrder: [] };
            for (const name of ["approved-model-packages-only", "approved-model-packages-only-stack"]) {
                const { stage, stageOrder } = readApprovalGateConfig(stripLevel(load(env)[name]));
                assert.deepStrictEqual({ stage, stageOrder }, expected, `${env}.json ${name}`);
            }
        });
    }
});

function stripLevel(entry: Record<string, unknown>) {
    const { enforcementLevel: _level, ...rest } = entry;
    return rest;
}
