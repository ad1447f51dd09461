/** approved-model-packages-only with the policy options `stage`/`stageOrder`: the rule's Stage question at deploy time. */
import * as assert from "assert";
import { approvedModelPackagesOnlyPolicy, approvedModelPackagesOnlyStackPolicy } from "../../policies/approvedModelPackages";
import { ENDPOINT_CONFIGURATION, EndpointConfiguration, MODEL, Model } from "../../policies/lib/resourceTypes";
import { UNKNOWN } from "../../policies/lib/unknowns";
import { advisory, blocking, createResourceValidationArgs, createStackValidationArgs, runResourcePolicy, runStackPolicy, stackContext } from "./helpers";
import { ACCOUNT, APPROVED, OTHER_ACCOUNT_APPROVED, REJECTED, lifecycles, newLookup, useSageMakerFixture } from "./sagemakerDoubles";

const variant = (modelName: unknown, variantName = "primary") => ({ variantName, modelName, initialInstanceCount: 1, instanceType: "ml.m5.large" });
/** A production environment of the promotion Staging → Production whose registry is the doubles' account. */
const PROD = { stage: "Production", stageOrder: ["Staging", "Production"], allowedAccounts: [ACCOUNT] };

describe("approved-model-packages-only: the Stage question (policy options stage, stageOrder)", () => {
    const state = useSageMakerFixture({ dryRun: false });
    const endpointConfig = (config: Record<string, unknown> = PROD, props: Record<string, unknown> = { productionVariants: [variant("approved-model")] }) =>
        runResourcePolicy(approvedModelPackagesOnlyPolicy(state.deps), createResourceValidationArgs(EndpointConfiguration, props, { name: "endpoint-config", config }));

    it("passes a version promoted to Production", async () => {
        lifecycles.set(APPROVED, { Stage: "Production", StageStatus: "Approved", StageDescription: "ok by the release manager" });
        assert.deepStrictEqual(await endpointConfig(), []);
        lifecycles.set(APPROVED, { Stage: "Production", StageStatus: "Deployed" });
        state.lookup = newLookup();
        assert.deepStrictEqual(await endpointConfig(), []);
    });

    it("blocks a version approved only for Staging, naming resource, model, package, status, lifecycle, stage and the command", async () => {
        lifecycles.set(APPROVED, { Stage: "Staging", StageStatus: "Deployed" });
        const reported = await endpointConfig();
        const [r] = blocking(reported);
        assert.strictEqual(reported.length, 1, JSON.stringify(reported));
        assert.match(r.message, /EndpointConfiguration urn:pulumi:prod::sagemaker-approval-gate::aws:sagemaker\/endpointConfiguration:EndpointConfiguration::endpoint-config/);
        assert.match(r.message, /variant "primary" \(productionVariants\[0\]\) -> model "approved-model" PrimaryContainer -> package /);
        assert.ok(r.message.includes(`${APPROVED} (status: Approved, lifecycle: Staging: Deployed) is not deployable for stage Production: it is approved only up to Staging`), r.message);
        assert.ok(r.message.includes('`approvals approve abalone-prod/3 --stage Production --comment "<why>"`, run in the registry account 222222222222 by a Production approver'), r.message);
        assert.match(r.message, /or reference a version already promoted to Production/);
    });

    it("blocks a version with no lifecycle, and one rejected for Production", async () => {
        assert.match(blocking(await endpointConfig())[0]?.message ?? "", /lifecycle: none\) is not deployable for stage Production: it is not yet approved for Production/);
        lifecycles.set(APPROVED, { Stage: "Production", StageStatus: "Rejected", StageDescription: "p99 latency" });
        state.lookup = newLookup();
        assert.match(blocking(await endpointConfig())[0]?.message ?? "", /it was rejected for Production \(Production: Rejected \("p99 latency"\)\)/);
    });

    it("still asks Status first: a Rejected version promoted to Production is refused as not Approved", async () => {
        lifecycles.set(REJECTED, { Stage: "Production", StageStatus: "Approved" });
        const reported = await endpointConfig(PROD, { productionVariants: [variant("rejected-model")] });
        assert.match(blocking(reported)[0]?.message ?? "", /\(status: Rejected, lifecycle: Production: Approved\) is not deployable: its ModelApprovalStatus is Rejected/);
    });

    it("refuses a lifecycle set outside the registry account (an environment account can set any lifecycle on its own packages)", async () => {
        lifecycles.set(OTHER_ACCOUNT_APPROVED, { Stage: "Production", StageStatus: "Approved" });
        const reported = await endpointConfig(PROD, { productionVariants: [variant("other-account-model")] });
        assert.match(blocking(reported)[0]?.message ?? "", /account 999999999999 is not an allowed registry account/);
    });

    it("blocks a declared Model from an unpromoted version, and the stack join does in preview", async () => {
        lifecycles.set(APPROVED, { Stage: "Staging", StageStatus: "Approved" });
        const model = await runResourcePolicy(approvedModelPackagesOnlyPolicy(state.deps), createResourceValidationArgs(Model, { primaryContainer: { modelPackageName: APPROVED } }, { name: "model", config: PROD }));
        assert.match(blocking(model)[0]?.message ?? "", /Model urn:.*::model primaryContainer -> package .*lifecycle: Staging: Approved\) is not deployable for stage Production.*Next: wait until it is deployed in Staging/);
        state.context = stackContext({ stack: "prod", dryRun: true });
        const joined = await runStackPolicy(approvedModelPackagesOnlyStackPolicy(state.deps), createStackValidationArgs([
            { type: MODEL, name: "model", props: { name: UNKNOWN, primaryContainer: { modelPackageName: APPROVED } } },
            { type: ENDPOINT_CONFIGURATION, name: "config", props: { productionVariants: [variant(UNKNOWN)] }, propertyDependencies: { productionVariants: ["model"] } },
        ], PROD));
        assert.match(blocking(joined)[0]?.message ?? "", /EndpointConfiguration .* -> Model .*not deployable for stage Production/);
    });

    it("reports the same finding as advisory in a non-production stack", async () => {
        state.context = stackContext({ stack: "staging" });
        lifecycles.set(APPROVED, { Stage: "Staging", StageStatus: "Approved" });
        const reported = await endpointConfig({ ...PROD, environment: "auto" });
        assert.deepStrictEqual([blocking(reported).length, advisory(reported).length], [0, 1]);
    });

    it("asks no Stage question without the option (the all-in-one layout is unchanged)", async () => {
        lifecycles.set(APPROVED, { Stage: "Staging", StageStatus: "Rejected" });
        assert.deepStrictEqual(await endpointConfig({}), []);
    });

    it("fails closed on a stage configuration it cannot use, naming the option and the fix", async () => {
        lifecycles.set(APPROVED, { Stage: "Production", StageStatus: "Approved" });
        const cases: [Record<string, unknown>, RegExp][] = [
            [{ ...PROD, stageOrder: ["Staging"] }, /option "stage" has the value "Production": is not in stageOrder \["Staging"\]/],
            [{ ...PROD, allowedAccounts: [] }, /option "allowedAccounts" has the value \[\]: is empty but stage "Production" is set; list the registry account/],
            [{ stageOrder: ["Staging", "Production"] }, /option "stageOrder" .*is set but stage is empty/],
        ];
        for (const [config, pattern] of cases) {
            const reported = await endpointConfig(config);
            assert.match(blocking(reported)[0]?.message ?? "", pattern, JSON.stringify(config));
        }
    });
});
