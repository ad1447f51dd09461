import * as assert from "assert";
import { DEFAULT_APPROVAL_GATE_CONFIG, PolicyConfigError, approvalGateConfigSchema, readApprovalGateConfig } from "../../../policies/lib/gateConfig";

const STAGED = { stage: "Production", stageOrder: ["Staging", "Production"], allowedAccounts: ["111111111111"] };

function refusal(raw: Record<string, unknown>): PolicyConfigError {
    try {
        readApprovalGateConfig(raw);
    } catch (err) {
        assert.ok(err instanceof PolicyConfigError, String(err));
        return err;
    }
    assert.fail(`accepted ${JSON.stringify(raw)}`);
}

describe("policies/lib/gateConfig: stage and stageOrder", () => {
    it("defaults to no Stage question", () => {
        const config = readApprovalGateConfig({});
        assert.deepStrictEqual([config.stage, config.stageOrder], ["", []]);
        assert.deepStrictEqual([DEFAULT_APPROVAL_GATE_CONFIG.stage, DEFAULT_APPROVAL_GATE_CONFIG.stageOrder], ["", []]);
    });

    it("reads a stage of its order, with the registry account allowed", () => {
        const config = readApprovalGateConfig(STAGED);
        assert.deepStrictEqual([config.stage, config.stageOrder, config.allowedAccounts], ["Production", ["Staging", "Production"], ["111111111111"]]);
    });

    it("declares both options in the schema the CLI validates", () => {
        assert.deepStrictEqual(approvalGateConfigSchema.properties.stage, {
            type: "string",
            pattern: "^$|^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",
            default: "",
            description: approvalGateConfigSchema.properties.stage.description,
        });
        assert.strictEqual((approvalGateConfigSchema.properties.stageOrder as { type: string }).type, "array");
    });

    it("refuses a stage outside its order, or with no order", () => {
        assert.strictEqual(refusal({ ...STAGED, stageOrder: ["Staging"] }).option, "stage");
        assert.match(refusal({ ...STAGED, stageOrder: undefined }).message, /"Production": is not in stageOrder \[\]/);
    });

    it("refuses a stage without allowedAccounts: a lifecycle set in any account proves nothing", () => {
        const err = refusal({ ...STAGED, allowedAccounts: [] });
        assert.strictEqual(err.option, "allowedAccounts");
        assert.match(err.message, /list the registry account/);
    });

    it("refuses an order without a stage, a stage named twice, and names SageMaker would not accept", () => {
        assert.strictEqual(refusal({ stageOrder: ["Staging", "Production"] }).option, "stageOrder");
        assert.match(refusal({ ...STAGED, stageOrder: ["Staging", "Production", "Staging"] }).message, /names "Staging" twice/);
        assert.strictEqual(refusal({ ...STAGED, stage: "Prod uction" }).option, "stage");
        assert.strictEqual(refusal({ ...STAGED, stage: 7 }).option, "stage");
        assert.strictEqual(refusal({ ...STAGED, stageOrder: ["Staging", "-Production"] }).option, "stageOrder");
    });
});
