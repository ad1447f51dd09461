/**
 * `npm run bench`: performance figures for docs/performance.md. Each module measures one concern and prints its own table.
 * Figures come from here, never from timed tests.
 */
// Each suite is required when it runs (it may start servers or read files as it loads).
const suites: { title: string; load: () => Promise<{ run(): Promise<void> }> }[] = [
    { title: "Approval Lambdas: bundle size, cold init, AWS calls on the deploy path", load: async () => require("./lambdas") },
    { title: "Detective control: the out-of-band function's AWS calls per CloudTrail event", load: async () => require("./outOfBand") },
    { title: "Smoke test: AWS calls per deployment (after InService)", load: async () => require("./smokeTest") },
    { title: "Policy pack: AWS calls and wall time for 500 endpoint configs", load: async () => require("./policyPack") },
    { title: "Stack: pipeline definition build time, whole program under mocks", load: async () => require("./stack") },
    { title: "Operators' tools: offline plan wall time, approvals CLI start-up", load: async () => require("./operatorTools") },
];

async function main(): Promise<void> {
    for (const suite of suites) {
        console.log(`\n## ${suite.title}\n`);
        await (await suite.load()).run();
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
