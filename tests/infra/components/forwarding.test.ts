/** Forwarding's and the environment rules' names (pure): what the topic policy must admit before they exist. */
import { strict as assert } from "assert";
import { distinctTargets, forwardingAlarmRoles, forwardingRuleRoles } from "../../../infra/components/forwarding";
import { environmentRuleRoles } from "../../../infra/components/approvalRules";
import { ownAlarmRoles, ruleRoles } from "../../../infra/components/approvalEvents";

describe("infra/components/forwarding (pure)", () => {
    const targets = [
        { environment: "staging", accountId: "222222222222" },
        { environment: "prod", accountId: "333333333333" },
        { environment: "prod-eu", accountId: "333333333333" },
    ];

    it("forwards once per account (two environments in one account share its default bus), named after the first", () => {
        assert.deepEqual(distinctTargets(targets), targets.slice(0, 2));
        assert.deepEqual(forwardingRuleRoles(targets), ["forward-staging", "forward-prod"]);
    });

    it("alarms on the DLQ and on each rule's failed invocations and failed DLQ deliveries", () => {
        assert.deepEqual(forwardingAlarmRoles(targets), [
            "forwarding-dlq-depth",
            "forward-staging-failed-invocations",
            "forward-staging-dlq-delivery-failures",
            "forward-prod-failed-invocations",
            "forward-prod-dlq-delivery-failures",
        ]);
    });
});

describe("environment stack rules (pure)", () => {
    const order = ["Staging", "Production"];

    it("has no awaiting rule at the first stage (pending asks its approvers), one at a later stage, and never a pipeline rule", () => {
        assert.deepEqual(environmentRuleRoles({ stage: "Staging", stageOrder: order }), ["pending-approval", "approved", "rejected"]);
        assert.deepEqual(environmentRuleRoles({ stage: "Production", stageOrder: order }), ["pending-approval", "approved", "rejected", "awaiting-approval"]);
        assert.ok(!ruleRoles({ stage: "Production", stageOrder: order }).includes("pipeline-failed"));
        assert.ok(ruleRoles().includes("pipeline-failed"), "all-in-one keeps it");
    });

    it("admits the alarms of exactly the rules it declares", () => {
        const roles = ownAlarmRoles({ stage: "Production", stageOrder: order });
        assert.ok(roles.includes("awaiting-approval-failed-invocations"));
        assert.ok(!roles.includes("pipeline-failed-failed-invocations"));
        assert.ok(ownAlarmRoles().includes("pipeline-failed-dlq-delivery-failures"));
    });
});
