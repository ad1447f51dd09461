import { strict as assert } from "assert";
import { environmentStagePatterns, forwardingPattern, forwardingPatterns, type StagePattern } from "../../../infra/events/stagePatterns";
import { EVENT_FIXTURES, FIXTURE_GROUP, LIFECYCLE_FIXTURES, loadEvent, modelPackageLifecycleVariant, type EventFixture } from "../../fixtures/events";
import { matches } from "./matcher";
import { motoBus, type MotoBus } from "./motoBus";

/** The samples' account, moto's default: the registry account of these tests (fixtures README). */
const REGISTRY = "123456789012";
const OTHER = "444444444444";
const ORDER = ["Staging", "Production"];
const context = (stage: string) => ({ groupName: FIXTURE_GROUP, registryAccountId: REGISTRY, stage, stageOrder: ORDER });

/** Both environments' rules on one bus, named `<stage>-<rule>`. */
const RULES: Record<string, StagePattern> = Object.fromEntries(
    ORDER.flatMap((stage) => Object.entries(environmentStagePatterns(context(stage))).map(([rule, pattern]) => [`${stage}-${rule}`, pattern as StagePattern])),
);

const APPROVAL = ["PendingManualApproval", "Approved", "Rejected"];
const LIFECYCLES = [undefined, ...ORDER.flatMap((Stage) => ["Approved", "Rejected", "Deployed"].map((StageStatus) => ({ Stage, StageStatus })))];

/** What must fire, from promotion.md "Events", independently of the patterns. */
function expected(approval: string, lifecycle?: { Stage: string; StageStatus: string }): string[] {
    const is = (stage: string, status: string) => lifecycle?.Stage === stage && lifecycle.StageStatus === status;
    return ORDER.flatMap((stage, i) => [
        ...(approval === "PendingManualApproval" ? [`${stage}-pending`] : []),
        ...(approval === "Approved" && is(stage, "Approved") ? [`${stage}-approved`] : []),
        ...(approval === "Rejected" || is(stage, "Rejected") ? [`${stage}-rejected`] : []),
        ...(i > 0 && approval === "Approved" && is(ORDER[i - 1], "Deployed") ? [`${stage}-awaiting`] : []),
    ]).sort();
}

function cases(): { label: string; event: EventFixture; fires: string[] }[] {
    const out: { label: string; event: EventFixture; fires: string[] }[] = [];
    for (const approval of APPROVAL) {
        for (const lifecycle of LIFECYCLES) {
            const label = `${approval} ${lifecycle ? `{${lifecycle.Stage}, ${lifecycle.StageStatus}}` : "no lifecycle"}`;
            out.push({ label, event: modelPackageLifecycleVariant(approval, lifecycle), fires: expected(approval, lifecycle) });
            out.push({ label: `${label}, another group`, event: modelPackageLifecycleVariant(approval, lifecycle, { ModelPackageGroupName: "another-group" }), fires: [] });
        }
    }
    out.push({ label: "Approved, stage name in other case", event: modelPackageLifecycleVariant("Approved", { Stage: "staging", StageStatus: "Approved" }), fires: [] });
    out.push({ label: "Approved, a stage outside the order", event: modelPackageLifecycleVariant("Approved", { Stage: "QA", StageStatus: "Approved" }), fires: [] });
    out.push({ label: "Approved {Staging, Approved}, registration in progress", event: modelPackageLifecycleVariant("Approved", { Stage: "Staging", StageStatus: "Approved" }, { ModelPackageStatus: "InProgress" }), fires: ["Staging-approved"] });
    return out;
}

/** What fires for the documented samples (no lifecycle) and the lifecycle fixtures. */
const FIXTURE_FIRES: Record<string, string[]> = {
    "model-package-pending": ["Production-pending", "Staging-pending"],
    "model-package-rejected": ["Production-rejected", "Staging-rejected"],
    "model-package-stage-approved": ["Staging-approved"],
    "model-package-stage-deployed": ["Production-awaiting"],
};
const FIXTURES = [...EVENT_FIXTURES, ...LIFECYCLE_FIXTURES];

const firing = (rules: Record<string, StagePattern>, event: unknown) => Object.keys(rules).filter((name) => matches(rules[name], event)).sort();

describe("infra/events/stagePatterns", () => {
    describe("the matcher's $or", () => {
        it("matches when one sub-pattern matches at its level, and refuses an empty list", () => {
            const pattern: StagePattern = { a: ["x"], d: { $or: [{ b: ["1"] }, { c: { e: ["2"] } }] } };
            assert.equal(matches(pattern, { a: "x", d: { b: "1" } }), true);
            assert.equal(matches(pattern, { a: "x", d: { c: { e: "2" } } }), true);
            assert.equal(matches(pattern, { a: "x", d: { b: "2", c: { e: "1" } } }), false);
            assert.equal(matches(pattern, { a: "y", d: { b: "1" } }), false);
            assert.throws(() => matches({ $or: [] }, {}), /non-empty array/);
        });
    });

    describe("environment rules, with the faithful matcher", () => {
        for (const name of FIXTURES) {
            const fires = FIXTURE_FIRES[name] ?? [];
            it(`${name}: fires ${fires.join(", ") || "no rule"}`, () => assert.deepEqual(firing(RULES, loadEvent(name)), fires));
        }
        it("every approval status × lifecycle, our group and another: the right stage's rule, only", () => {
            for (const c of cases()) assert.deepEqual(firing(RULES, c.event), c.fires, c.label);
        });
        it("another account's events (forwarded or its own) fire nothing", () => {
            for (const c of cases()) assert.deepEqual(firing(RULES, { ...c.event, account: OTHER }), [], c.label);
        });
        it("the first stage has no awaiting rule (pending asks its approvers); a later one has", () => {
            assert.equal(environmentStagePatterns(context("Staging")).awaiting, undefined);
            assert.ok(environmentStagePatterns(context("Production")).awaiting);
        });
        it("refuses a stage outside the order and a malformed registry account, naming the fix", () => {
            assert.throws(() => environmentStagePatterns(context("QA")), /stage "QA" is not in the stage order .*promotion\.stage/);
            assert.throws(() => environmentStagePatterns({ ...context("Staging"), registryAccountId: "12345" }), /"12345" is not 12 digits; pass promotion\.registry\.accountId/);
        });
    });

    describe("registry forwarding rules, with the faithful matcher", () => {
        const FORWARD = forwardingPatterns({ groupName: FIXTURE_GROUP, registryAccountId: REGISTRY, artifactsBucketName: "DOC-EXAMPLE-BUCKET1", outputFolder: "abalone-pipeline-dev" });
        const s3 = (name: "s3-object-created" | "s3-object-deleted", key: string, account = REGISTRY) => {
            const event = loadEvent(name);
            event.account = account;
            event.detail.object.key = key;
            return event;
        };
        const forwardCases: { label: string; event: EventFixture; fires: string[] }[] = [
            ...cases().map((c) => ({ label: c.label, event: c.event, fires: c.event.detail.ModelPackageGroupName === FIXTURE_GROUP ? ["modelPackages"] : [] })),
            { label: "pipeline execution failed (the registry's own topic reports it)", event: loadEvent("pipeline-execution-failed"), fires: [] },
            { label: "artifact written under the outputs", event: s3("s3-object-created", "abalone-pipeline-dev/x/model.tar.gz"), fires: ["artifactChanges"] },
            { label: "artifact deleted under the outputs", event: s3("s3-object-deleted", "abalone-pipeline-dev/x/model.tar.gz"), fires: ["artifactChanges"] },
            { label: "object outside the outputs", event: s3("s3-object-created", "scripts/x.py"), fires: [] },
            { label: "artifact event of another account", event: s3("s3-object-created", "abalone-pipeline-dev/x/model.tar.gz", OTHER), fires: [] },
            { label: "ECR push in the registry account", event: loadEvent("ecr-image-push"), fires: ["imageChanges"] },
            { label: "ECR delete in another account", event: { ...loadEvent("ecr-image-delete"), account: OTHER }, fires: [] },
        ];
        it("forwards all of the group's package events and the tamper events, from the registry account only", () => {
            for (const c of forwardCases) assert.deepEqual(firing(FORWARD, c.event), c.fires, c.label);
        });
        it("the combined pattern ($or) forwards exactly what the three do", () => {
            const combined = forwardingPattern({ groupName: FIXTURE_GROUP, registryAccountId: REGISTRY, artifactsBucketName: "DOC-EXAMPLE-BUCKET1", outputFolder: "abalone-pipeline-dev" });
            for (const c of forwardCases) assert.equal(matches(combined, c.event), c.fires.length > 0, c.label);
        });
    });

    describe("with moto's EventBridge (rule + SQS target + PutEvents)", function () {
        this.timeout(120_000);
        let registryBus: MotoBus;
        let otherBus: MotoBus;

        before(async () => {
            // The environment rules on a bus of the registry account: moto stamps events with the bus's account, as a
            // forwarded event keeps the registry's. The same rules in another account see that account's events.
            registryBus = await motoBus("stage-bus", RULES);
            // The control rule is Staging's approved rule without `account`: it shows the other account's bus delivers.
            const { account: _, ...control } = RULES["Staging-approved"];
            otherBus = await motoBus("stage-bus-other", { ...RULES, control }, { accountId: OTHER });
        });

        it("routes the samples and the lifecycle fixtures to the expected rules", async () => {
            const routed = await registryBus.routedAll(FIXTURES.map(loadEvent));
            FIXTURES.forEach((name, i) => assert.deepEqual(routed[i].sort(), FIXTURE_FIRES[name] ?? [], name));
        });
        it("routes every approval status × lifecycle as the matcher does ($or included)", async () => {
            const all = cases();
            const routed = await registryBus.routedAll(all.map((c) => c.event));
            all.forEach((c, i) => assert.deepEqual(routed[i].sort(), c.fires, c.label));
        });
        it("another account's events fire no rule (only the control rule, which does not name the account)", async () => {
            const names = ["model-package-pending", "model-package-rejected", "model-package-stage-deployed", "model-package-stage-approved"];
            const routed = await otherBus.routedAll(names.map(loadEvent));
            names.forEach((name, i) => assert.deepEqual(routed[i], name === "model-package-stage-approved" ? ["control"] : [], name));
        });
        it("the combined forwarding pattern ($or at the top level) delivers what the matcher says", async () => {
            const combined = forwardingPattern({ groupName: FIXTURE_GROUP, registryAccountId: REGISTRY, artifactsBucketName: "DOC-EXAMPLE-BUCKET1", outputFolder: "abalone-pipeline-dev" });
            const bus = await motoBus("forwarding-bus", { forward: combined });
            const push = loadEvent("ecr-image-push");
            const written = loadEvent("s3-object-created");
            written.detail.object.key = "abalone-pipeline-dev/x/model.tar.gz";
            const forwarded = [loadEvent("model-package-pending"), loadEvent("model-package-stage-deployed"), push, written];
            const ignored = [loadEvent("model-package-approved-other-group"), loadEvent("s3-object-created"), loadEvent("pipeline-execution-failed")];
            const routed = await bus.routedAll([...forwarded, ...ignored]);
            [...forwarded, ...ignored].forEach((event, i) => assert.deepEqual(routed[i], i < forwarded.length ? ["forward"] : [], event.id));
        });
    });
});
