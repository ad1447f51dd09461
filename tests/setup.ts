/**
 * Loaded by mocha before any test file (.mocharc.json `require`), in every process that runs tests.
 *
 * Policy packs start transpile-only (cli/lib/policyAnalyzer.ts `packTranspileOnly`): type-checking ts-node costs
 * about 9 CPU-seconds per pack start and checks nothing `tsc --noEmit` has not checked already. Spawned
 * `plan`/`approvals` processes inherit it. tests/cli/lib/policyAnalyzer.test.ts still starts the real pack once
 * with the type-check, as the Pulumi CLI does, and compares the two.
 */
process.env.PULUMI_NODEJS_TRANSPILE_ONLY ??= "true";

/**
 * `npm test` (tools/test.js) starts one moto per mocha worker and lists them in MOTO_ENDPOINTS: moto is one
 * single-threaded Python process, and two workers sharing one wait for each other. A file runs wholly in one
 * worker, so it sees one server throughout.
 */
const endpoints = process.env.MOTO_ENDPOINTS?.split(",").filter(Boolean) ?? [];
if (!process.env.MOTO_ENDPOINT && endpoints.length && process.env.MOCHA_WORKER_ID !== undefined) {
    process.env.MOTO_ENDPOINT = endpoints[Number(process.env.MOCHA_WORKER_ID) % endpoints.length];
}
