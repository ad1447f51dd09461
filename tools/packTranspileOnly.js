/**
 * Preloaded (`node -r`) into `run-policy-pack` when the pack's environment has PULUMI_NODEJS_TRANSPILE_ONLY=true,
 * the switch Pulumi's own program runner honours and its policy-pack runner does not. run-policy-pack always
 * registers type-checking ts-node (about 9 CPU-seconds per start, compiling the whole pack and @pulumi/aws's
 * types); this makes that registration load tools/register.js instead (esbuild, transpile only). Everything
 * else — run-policy-pack, the gRPC server, configuration, the policies — is unchanged.
 *
 * The tests use it for every pack but one (tests/cli/lib/policyAnalyzer.test.ts serves the real pack with
 * type-checking ts-node, as the CLI does); `tsc --noEmit` in `npm test` checks the pack's types.
 */
"use strict";
const path = require("path");

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The copy run-policy-pack loads: it resolves "ts-node" from @pulumi/pulumi's own folder.
const tsNode = require(require.resolve("ts-node", { paths: [pulumiDir] }));
tsNode.register = function registerTranspileOnly() {
    require("./register");
};
