/**
 * Loaded by mocha before any test file (.mocharc.json `require`), in every process that runs tests.
 *
 * Policy packs start transpile-only (cli/lib/policyAnalyzer.ts `packTranspileOnly`): type-checking ts-node costs
 * about 9 CPU-seconds per pack start and checks nothing `tsc --noEmit` has not checked already. Spawned
 * `plan`/`approvals` processes inherit it. tests/cli/lib/policyAnalyzer.test.ts still starts the real pack once
 * with the type-check, as the Pulumi CLI does, and compares the two.
 */
process.env.PULUMI_NODEJS_TRANSPILE_ONLY ??= "true";
