/** The stand-in account of an offline plan: the one the stack's approvers (and a registry's stage approvers) live in. */
import * as assert from "assert";
import { planAccount } from "../../../cli/plan/main";
import { DEFAULT_MOCK_ACCOUNT } from "../../../cli/lib/programUnderMocks";
import { exampleStackConfig } from "../../infra/exampleStacks";

describe("cli/plan planAccount", () => {
    it("plans a registry stack in its stage approvers' account (the registry's), so the stage approver check passes", () => {
        assert.strictEqual(planAccount(exampleStackConfig("shared")).accountId, "111111111111");
    });

    it("plans an all-in-one stack in its attached approvers' account", () => {
        assert.strictEqual(planAccount(exampleStackConfig("dev")).accountId, "123456789012");
    });

    it("uses the stand-in account when nothing names one, or the approvers span accounts", () => {
        assert.deepStrictEqual(planAccount(exampleStackConfig("staging")), DEFAULT_MOCK_ACCOUNT);
        const mixed = exampleStackConfig("shared") as Record<string, any>;
        mixed["sagemaker-approval-gate:promotion"].stages[1].approvers = ["arn:aws:iam::999999999999:role/x"];
        assert.deepStrictEqual(planAccount(mixed), DEFAULT_MOCK_ACCOUNT);
    });

    it("counts stage approvers even when the stack does not attach its own approvers' policies", () => {
        const config = exampleStackConfig("shared") as Record<string, any>;
        config["sagemaker-approval-gate:approvers"] = { principalArns: ["arn:aws:iam::999999999999:role/ops"], attachPolicy: false };
        assert.strictEqual(planAccount(config).accountId, "111111111111");
    });
});
