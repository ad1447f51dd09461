/**
 * Our own stacks, as the program declares them (under Pulumi's mocks), sent through the policy pack the way
 * the CLI would: every resource to Analyze, then the whole stack to AnalyzeStack. Nothing may be blocked:
 * the pipeline registers for manual approval, and nothing deploys a model at deploy time.
 */
import * as assert from "assert";
import { PolicyAnalyzer, encodeStackConfig } from "../../cli/lib/policyAnalyzer";
import { runProgramUnderMocks, type RecordedResource } from "../../cli/lib/programUnderMocks";
import { motoEndpoint, motoEnv } from "../helpers/moto";
import { exampleStackConfig } from "../infra/exampleStacks";
// prod as the all-in-one production stack it was before issue 10 (Pulumi.prod.yaml is now an environment stack; tests/infra/layouts cover that).
import { allInOneStackConfig } from "../infra/components/approvalStacks";

describe("our example stacks through the policy pack", function () {
    this.timeout(180_000);
    const stacks = ["dev", "prod"] as const;
    const recorded: Record<string, RecordedResource[]> = {};
    const analyzers: Record<string, PolicyAnalyzer> = {};

    before(async () => {
        const env = motoEnv(await motoEndpoint());
        for (const stack of stacks) {
            recorded[stack] = (await runProgramUnderMocks({ stack, config: allInOneStackConfig(stack) })).recorder.resources;
        }
        await Promise.all(stacks.map(async (stack) => {
            analyzers[stack] = await PolicyAnalyzer.start({ stack, dryRun: false, stackConfig: allInOneStackConfig(stack), env });
        }));
    });

    after(async () => {
        await Promise.all(Object.values(analyzers).map((a) => a.close()));
    });

    for (const stack of stacks) {
        it(`${stack}: no resource and not the stack is blocked, and the pipeline was actually checked`, async () => {
            const custom = recorded[stack].filter((r) => r.custom);
            assert.ok(custom.some((r) => r.type === "aws:sagemaker/pipeline:Pipeline"), "the program declares a pipeline");
            const blocked: string[] = [];
            let pipelineChecked = false;
            for (const r of custom) {
                const result = await analyzers[stack].analyze({ type: r.type, name: r.name, urn: r.urn, properties: r.inputs });
                for (const d of result.diagnostics) if (d.enforcementLevel === "mandatory") blocked.push(`${r.urn}: ${d.message}`);
                if (r.type === "aws:sagemaker/pipeline:Pipeline") {
                    pipelineChecked = !result.notApplicable.some((n) => n.policyName === "pipelines-register-for-manual-approval");
                }
            }
            const stackResult = await analyzers[stack].analyzeStack(custom.map((r) => ({ type: r.type, name: r.name, urn: r.urn, properties: r.state })));
            for (const d of stackResult.diagnostics) if (d.enforcementLevel === "mandatory") blocked.push(`stack: ${d.message}`);
            assert.ok(pipelineChecked, "pipelines-register-for-manual-approval applied to the pipeline");
            assert.deepStrictEqual(blocked, []);
            assert.ok(Object.keys(encodeStackConfig(allInOneStackConfig(stack))).includes("sagemaker-approval-gate:production"));
        });
    }
});
