import * as assert from "assert";
import { currentStackContext, decideEnvironment, matchesPattern } from "../../../policies/lib/environment";
import { DEFAULT_APPROVAL_GATE_CONFIG, readApprovalGateConfig, type ApprovalGateConfig } from "../../../policies/lib/gateConfig";
import { stackContext } from "../helpers";

const config = (overrides: Partial<ApprovalGateConfig> = {}): ApprovalGateConfig => ({ ...DEFAULT_APPROVAL_GATE_CONFIG, ...overrides });

describe("policies/lib/environment", () => {
    describe("decideEnvironment", () => {
        it("treats the repo's prod stack as production and its dev stack as non-production", () => {
            const prod = decideEnvironment(stackContext({ stack: "prod", config: { "sagemaker-approval-gate:production": "true", "sagemaker-approval-gate:environment": "prod" } }), config());
            assert.strictEqual(prod.production, true);
            const dev = decideEnvironment(stackContext({ stack: "dev", config: { "sagemaker-approval-gate:production": "false", "sagemaker-approval-gate:environment": "dev" } }), config());
            assert.strictEqual(dev.production, false);
            assert.match(dev.reason, /stack name "dev" matches non-production pattern "dev"/);
        });

        it("defaults to production when nothing says otherwise", () => {
            const d = decideEnvironment(stackContext({ stack: "eu-central-1", config: {} }), config());
            assert.strictEqual(d.production, true);
            assert.match(d.reason, /nothing says .* non-production/);
            assert.strictEqual(decideEnvironment(stackContext({ stack: "", config: {} }), config()).production, true);
        });

        it("cannot be downgraded by stack config when the stack name says production", () => {
            const d = decideEnvironment(stackContext({ stack: "team-prod", config: { "sagemaker-approval-gate:production": "false", "sagemaker-approval-gate:environment": "dev" } }), config());
            assert.strictEqual(d.production, true);
            assert.match(d.reason, /matches production pattern "\*-prod"/);
        });

        it("cannot be downgraded by policy config either when the name says production", () => {
            assert.strictEqual(decideEnvironment(stackContext({ stack: "prod" }), config({ environment: "non-production" })).production, true);
        });

        it("is production when stack config says so, whatever the name", () => {
            assert.strictEqual(decideEnvironment(stackContext({ stack: "dev", config: { "sagemaker-approval-gate:production": "true" } }), config()).production, true);
            assert.strictEqual(decideEnvironment(stackContext({ stack: "dev", config: { "sagemaker-approval-gate:environment": "production" } }), config()).production, true);
        });

        it("reads the stack config of the project being previewed, not only ours", () => {
            const d = decideEnvironment(stackContext({ stack: "blue", project: "fraud-models", config: { "fraud-models:production": "false" } }), config());
            assert.strictEqual(d.production, false);
            assert.strictEqual(decideEnvironment(stackContext({ stack: "blue", project: "fraud-models", config: { "fraud-models:production": "yes" } }), config()).production, true);
        });

        it("honours the policy config environment and custom patterns", () => {
            assert.strictEqual(decideEnvironment(stackContext({ stack: "blue" }), config({ environment: "non-production" })).production, false);
            assert.strictEqual(decideEnvironment(stackContext({ stack: "dev" }), config({ environment: "production" })).production, true);
            assert.strictEqual(decideEnvironment(stackContext({ stack: "blue" }), config({ nonProductionStackPatterns: ["blue"] })).production, false);
            assert.strictEqual(decideEnvironment(stackContext({ stack: "dev" }), config({ productionStackPatterns: ["d*"] })).production, true);
        });
    });

    it("matchesPattern matches whole names, case-insensitively, with * only", () => {
        assert.ok(matchesPattern("Prod", "prod"));
        assert.ok(matchesPattern("eu-prod", "*-prod"));
        assert.ok(!matchesPattern("product", "prod"));
        assert.ok(!matchesPattern("prod.x", "prod?x"));
        assert.ok(matchesPattern("a.b", "a.b"));
        assert.ok(!matchesPattern("axb", "a.b"));
    });

    it("currentStackContext reads what the CLI puts in the environment", () => {
        const c = currentStackContext({
            PULUMI_NODEJS_STACK: "prod",
            PULUMI_NODEJS_PROJECT: "sagemaker-approval-gate",
            PULUMI_NODEJS_DRY_RUN: "true",
            PULUMI_CONFIG: JSON.stringify({ "aws:region": "eu-west-1", "sagemaker-approval-gate:production": "true" }),
            AWS_DEFAULT_REGION: "ap-south-1",
        });
        assert.deepStrictEqual(c, { stack: "prod", project: "sagemaker-approval-gate", dryRun: true, config: { "aws:region": "eu-west-1", "sagemaker-approval-gate:production": "true" }, region: "eu-west-1", environmentRegion: "ap-south-1" });
        assert.strictEqual(currentStackContext({ AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "ap-south-1" }).environmentRegion, "us-west-2");
        assert.strictEqual(currentStackContext({ PULUMI_NODEJS_STACK: "prod", PULUMI_NODEJS_DRY_RUN: "false", PULUMI_CONFIG: "not json" }).dryRun, false);
    });

    describe("readApprovalGateConfig", () => {
        it("fills every default when no config arrives", () => {
            assert.deepStrictEqual(readApprovalGateConfig({}), DEFAULT_APPROVAL_GATE_CONFIG);
            assert.deepStrictEqual(readApprovalGateConfig(undefined), DEFAULT_APPROVAL_GATE_CONFIG);
        });

        it("rejects values of the wrong shape, naming option, value and fix", () => {
            assert.throws(() => readApprovalGateConfig({ environment: "dev" }), /"environment" has the value "dev": use "auto", "production" or "non-production"/);
            assert.throws(() => readApprovalGateConfig({ allowedAccounts: ["abc"] }), /"allowedAccounts" has the value \["abc"\]/);
            assert.throws(() => readApprovalGateConfig({ maxConcurrentLookups: 0 }), /"maxConcurrentLookups" .* from 1 to 64/);
            assert.throws(() => readApprovalGateConfig({ productionStackPatterns: "prod" }), /list of strings/);
        });
    });
});
