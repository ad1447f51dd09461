/** The approval functions' code (infra/components/approvalFunction.ts): one deterministic bundle each. */
import { strict as assert } from "assert";
import type { ProgramRun } from "../../../cli/lib/programUnderMocks";
import { functionCode } from "../../../infra/components/approvalFunction";
import { bundleLambda, LAMBDA_ENTRIES } from "../../../infra/lib/bundle";
import { approvalNames, exampleRun } from "./approvalStacks";

for (const stack of ["dev", "prod"]) {
    describe(`The approval functions in the ${stack} stack (under mocks)`, function () {
        this.timeout(60_000);
        let run: ProgramRun;
        const { n, get, group, byUrnParent } = approvalNames(stack, () => run);

        before(async () => {
            run = await exampleRun(stack);
        });

        it("packages each function as one index.js StringAsset holding the deterministic bundle", async () => {
            for (const role of ["notify-approver", "deploy-approved"] as const) {
                const archive = functionCode(role);
                const assets = (await archive.assets) as Record<string, any>;
                assert.deepEqual(Object.keys(assets), ["index.js"]);
                assert.equal(await assets["index.js"].text, bundleLambda(LAMBDA_ENTRIES[role]).code);
            }
        });
    });
}
