/** The smoke test's rule: this endpoint's state change to InService, against the documented sample (matcher and moto). */
import { strict as assert } from "assert";
import { endpointInServicePattern } from "../../../infra/events/endpointPatterns";
import { loadEvent, modelPackageVariant, type EventFixture } from "../../fixtures/events";
import { matches } from "./matcher";
import { motoBus } from "./motoBus";

const ENDPOINT = "sagemaker-approval-gate-dev-endpoint";
const RULES = { inService: endpointInServicePattern(ENDPOINT) };

function sample(change: (e: EventFixture) => void = () => undefined): EventFixture {
    const event = loadEvent("endpoint-in-service");
    event.detail.EndpointName = ENDPOINT;
    change(event);
    return event;
}

const CASES: { label: string; event: EventFixture; fires: string[] }[] = [
    { label: "documented sample, this endpoint, IN_SERVICE", event: sample(), fires: ["inService"] },
    { label: "InService as DescribeEndpoint spells it", event: sample((e) => (e.detail.EndpointStatus = "InService")), fires: ["inService"] },
    { label: "documented sample as published (MyEndpoint)", event: loadEvent("endpoint-in-service"), fires: [] },
    { label: "another environment's endpoint", event: sample((e) => (e.detail.EndpointName = "sagemaker-approval-gate-prod-endpoint")), fires: [] },
    { label: "the name in other case", event: sample((e) => (e.detail.EndpointName = ENDPOINT.toUpperCase())), fires: [] },
    { label: "UPDATING", event: sample((e) => (e.detail.EndpointStatus = "UPDATING")), fires: [] },
    { label: "FAILED", event: sample((e) => (e.detail.EndpointStatus = "FAILED")), fires: [] },
    { label: "an Endpoint Deployment State Change", event: sample((e) => (e["detail-type"] = "SageMaker Endpoint Deployment State Change")), fires: [] },
    { label: "another source", event: sample((e) => (e.source = "my.app")), fires: [] },
    { label: "a model package event", event: modelPackageVariant("Approved", "Completed"), fires: [] },
];

const firing = (event: unknown) => Object.entries(RULES).filter(([, p]) => matches(p, event)).map(([n]) => n);

describe("infra/events/endpointPatterns", () => {
    it("names the endpoint exactly and refuses a name SageMaker would not take", () => {
        assert.deepEqual(RULES.inService.detail, { EndpointName: [ENDPOINT], EndpointStatus: ["IN_SERVICE", "InService"] });
        assert.throws(() => endpointInServicePattern("bad_name"), /endpoint name "bad_name" is not a SageMaker endpoint name/);
    });

    describe("with the faithful matcher", () => {
        for (const c of CASES) it(`${c.label}: fires ${c.fires.join(", ") || "no rule"}`, () => assert.deepEqual(firing(c.event), c.fires));
    });

    describe("on moto's EventBridge", () => {
        // Every case is put on the bus in one batch; each test checks its own case's answer.
        let routed: string[][];
        before(async function () {
            this.timeout(60_000);
            const bus = await motoBus("endpoint-patterns", RULES);
            routed = await bus.routedAll(CASES.map((c) => c.event));
        });
        for (const [i, c] of CASES.entries()) it(`${c.label}: fires ${c.fires.join(", ") || "no rule"}`, () => assert.deepEqual(routed[i], c.fires));
    });
});
