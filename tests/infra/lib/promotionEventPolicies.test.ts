import { strict as assert } from "assert";
import { environmentBusPolicy, forwardingRoleAssumePolicy, forwardingRolePolicy } from "../../../infra/lib/promotionEventPolicies";
import { ADMINISTRATOR_ACCESS, evaluate } from "./policyEvaluator";
import { OTHER, PROD, REGISTRY, registryScope, STAGING } from "./promotionFixtures";

const prodScope = { partition: "aws", region: "us-east-1", accountId: PROD };
const prodBus = `arn:aws:events:us-east-1:${PROD}:event-bus/default`;
const stagingBus = `arn:aws:events:us-east-1:${STAGING}:event-bus/default`;
const busPolicy = environmentBusPolicy({ scope: prodScope, registryAccountId: REGISTRY });
const forwarder = `arn:aws:iam::${REGISTRY}:role/sagemaker-approval-gate-shared-forward-events`;
const forwarderPolicy = forwardingRolePolicy({ partition: "aws", region: "us-east-1", environmentAccountIds: [PROD, STAGING, PROD] });
const put = (principalArn: string, identity = [forwarderPolicy], bus = prodBus) =>
    evaluate({ principalArn, action: "events:PutEvents", resource: bus, resourceAccount: bus.split(":")[4] }, { identity, resource: [busPolicy] });

describe("infra/lib/promotionEventPolicies", () => {
    it("the environment's default bus admits the registry account's forwarding role", () => {
        assert.strictEqual(put(forwarder), "allowed");
    });
    it("another account cannot put events on the bus, whatever its own policies say", () => {
        assert.strictEqual(put(`arn:aws:iam::${OTHER}:role/admin`, [ADMINISTRATOR_ACCESS]), "implicit-deny");
    });
    it("a registry principal needs its own policy too (cross-account), and the policy grants PutEvents only", () => {
        assert.strictEqual(put(`arn:aws:iam::${REGISTRY}:role/someone`, []), "implicit-deny");
        assert.deepStrictEqual(busPolicy.Statement.flatMap((s) => s.Action), ["events:PutEvents"]);
    });
    it("the forwarding role puts on exactly the environments' default buses, each once", () => {
        assert.deepStrictEqual(forwarderPolicy.Statement[0].Resource, [stagingBus, prodBus]);
        const registryBus = `arn:aws:events:us-east-1:${REGISTRY}:event-bus/default`;
        assert.strictEqual(evaluate({ principalArn: forwarder, action: "events:PutEvents", resource: registryBus }, { identity: [forwarderPolicy] }), "implicit-deny");
        assert.strictEqual(evaluate({ principalArn: forwarder, action: "events:PutEvents", resource: `arn:aws:events:us-east-1:${OTHER}:event-bus/default`, resourceAccount: OTHER }, { identity: [forwarderPolicy], resource: [] }), "implicit-deny");
        assert.strictEqual(evaluate({ principalArn: forwarder, action: "events:PutRule", resource: prodBus, resourceAccount: PROD }, { identity: [forwarderPolicy], resource: [busPolicy] }), "implicit-deny");
    });
    it("only EventBridge, for the registry account, assumes the forwarding role", () => {
        assert.deepStrictEqual(forwardingRoleAssumePolicy(registryScope).Statement, [
            { Sid: "EventBridgeAssumesRole", Effect: "Allow", Principal: { Service: ["events.amazonaws.com"] }, Action: ["sts:AssumeRole"], Condition: { StringEquals: { "aws:SourceAccount": REGISTRY } } },
        ]);
    });
    it("refuses a registry account equal to the environment's, and no environments", () => {
        assert.throws(() => environmentBusPolicy({ scope: prodScope, registryAccountId: PROD }), /use the all-in-one layout/);
        assert.throws(() => forwardingRolePolicy({ partition: "aws", region: "us-east-1", environmentAccountIds: [] }), /at least one environment/);
    });
});
