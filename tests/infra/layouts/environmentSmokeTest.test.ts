/**
 * The smoke test in the promotion layout's example environment stacks (Pulumi.staging.yaml, Pulumi.prod.yaml, with
 * their defaults) under Pulumi mocks: the function, its InService rule and target (events DLQ), its alarms, its role
 * (reject its own stage on the registry's versions only), its stage variables, the deploy function told to mark
 * Deployed after the smoke test, and the registry's group policy (Pulumi.shared.yaml) admitting each smoke role.
 */
import { strict as assert } from "assert";
import { runProgramUnderMocks, type ProgramRun } from "../../../cli/lib/programUnderMocks";
import { smokeTestAlarmRoles } from "../../../infra/components/smokeTest";
import { endpointInServicePattern } from "../../../infra/events/endpointPatterns";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { environmentSmokeRegistryStatements, smokeRejectCondition } from "../../../infra/lib/promotionPolicies";
import { DEFAULT_SMOKE_PAYLOAD } from "../../../infra/lib/smokeTestConfig";
import { exampleStackConfig } from "../exampleStacks";

const REGISTRY = "111111111111";
const T = {
    fn: "aws:lambda/function:Function",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    groupPolicy: "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
};
const account = (accountId: string) => ({ accountId, region: "us-east-1", partition: "aws" });
const registryScope = account(REGISTRY);

const STACKS = [
    { stack: "staging", stage: "Staging", accountId: "222222222222" },
    { stack: "prod", stage: "Production", accountId: "333333333333" },
] as const;

for (const { stack, stage, accountId } of STACKS) {
    describe(`example stack ${stack}: the smoke test of stage ${stage} (under mocks)`, function () {
        this.timeout(60_000);
        let run: ProgramRun;
        const prefix = `sagemaker-approval-gate-${stack}`;
        const s = (role: string) => `${prefix}-smoke-${role}`;
        const a = (role: string) => `${prefix}-approvals-${role}`;
        before(async () => {
            run = await runProgramUnderMocks({ stack, config: exampleStackConfig(stack), account: account(accountId) });
        });

        it("declares the smoke function with the default settings and its stage", () => {
            assert.equal(run.outputs.smokeTestFunctionName, `${prefix}-smoke-test`);
            assert.equal(run.outputs.smokeTestFailedAlarmName, `${prefix}-smoke-test-failed`);
            const vars = run.recorder.get(T.fn, s("smoke-test")).inputs.environment.variables;
            assert.equal(vars.STAGE, stage);
            assert.equal(vars.STAGE_ORDER, "Staging,Production");
            assert.equal(vars.ENDPOINT_NAME, `${prefix}-endpoint`);
            assert.equal(vars.MODEL_PACKAGE_GROUP_NAME, "abalone");
            assert.deepEqual(JSON.parse(vars.SMOKE_TEST), { onFailure: "reject", payloads: [DEFAULT_SMOKE_PAYLOAD], check: { kind: "numeric" }, maxPayloads: 5 });
        });

        it("wakes on its endpoint's InService through a rule whose target has the events DLQ (admitted by its policy); async failures go to its own DLQ", () => {
            const rule = run.recorder.get(T.rule, s("endpoint-in-service"));
            assert.deepEqual(JSON.parse(rule.inputs.eventPattern), endpointInServicePattern(`${prefix}-endpoint`));
            const [target] = run.recorder.ofType(T.target).filter((t) => t.name.startsWith(`${prefix}-smoke-`));
            assert.equal(target.inputs.arn, run.recorder.get(T.fn, s("smoke-test")).state.arn);
            const eventsDlq = run.recorder.get(T.queue, a("events-dlq"));
            assert.deepEqual(target.inputs.deadLetterConfig, { arn: eventsDlq.state.arn });
            const dlqPolicy = JSON.parse(run.recorder.get(T.queuePolicy, a("events-dlq-policy")).inputs.policy);
            assert.ok(dlqPolicy.Statement[0].Condition.ArnEquals["aws:SourceArn"].includes(`arn:aws:events:us-east-1:${accountId}:rule/${prefix}-endpoint-in-service`));
            const invoke = run.recorder.get(T.invokeConfig, s("smoke-test-async"));
            assert.equal(invoke.inputs.destinationConfig.onFailure.destination, run.recorder.get(T.queue, s("smoke-test-dlq")).state.arn);
        });

        it("has its alarms, on the approvals topic, whose policy admits them", () => {
            const alarms = run.recorder.ofType(T.alarm).map((x) => x.inputs.name);
            for (const role of smokeTestAlarmRoles()) assert.ok(alarms.includes(`${prefix}-${role}`), role);
            const failed = run.recorder.ofType(T.alarm).find((x) => x.inputs.name === `${prefix}-smoke-test-failed`)!;
            assert.equal(failed.inputs.metricName, "SmokeTestFailed");
            const topic = JSON.parse(run.recorder.ofType(T.topicPolicy)[0].inputs.policy);
            const cw = topic.Statement.find((x: any) => x.Effect === "Allow" && x.Principal?.Service?.includes?.("cloudwatch.amazonaws.com"));
            assert.ok(cw.Condition.ArnEquals["aws:SourceArn"].includes(`arn:aws:cloudwatch:us-east-1:${accountId}:alarm:${prefix}-smoke-test-failed`));
        });

        it("its role may reject only its own stage of the registry's versions, never set ModelApprovalStatus", () => {
            const policy = JSON.parse(run.recorder.get(T.rolePolicy, s("smoke-test-policy")).inputs.policy);
            assert.deepEqual(wildcardAllowActions(policy), []);
            const registrySide = environmentSmokeRegistryStatements({ registryScope, groupName: "abalone", stage });
            for (const statement of registrySide) assert.deepEqual(policy.Statement.find((x: any) => x.Sid === statement.Sid), JSON.parse(JSON.stringify(statement)), statement.Sid);
            const reject = policy.Statement.find((x: any) => x.Sid === "RejectThisStageOnly");
            assert.deepEqual(reject.Condition, smokeRejectCondition(stage));
            assert.ok(!policy.Statement.some((x: any) => x.Sid === "RejectOnlyThisGroupsVersions"), "not the all-in-one statement (ModelApprovalStatus Rejected)");
        });

        it("tells the deploy function to mark the stage Deployed only after the smoke test passed", () => {
            const vars = run.recorder.get(T.fn, a("deploy-approved")).inputs.environment.variables;
            assert.equal(vars.MARK_DEPLOYED_AFTER_SMOKE_TEST, "true");
            assert.equal(vars.STAGE, stage);
        });

        it("declares none of it with smokeTest.enabled false, and the deploy function marks at InService", async () => {
            const config = exampleStackConfig(stack);
            config["sagemaker-approval-gate:smokeTest"] = { enabled: false };
            const off = await runProgramUnderMocks({ stack, config, account: account(accountId) });
            assert.ok(!off.recorder.ofType(T.fn).some((f) => f.inputs.name === `${prefix}-smoke-test`));
            assert.equal(off.recorder.get(T.fn, a("deploy-approved")).inputs.environment.variables.MARK_DEPLOYED_AFTER_SMOKE_TEST, undefined);
        });
    });
}

describe("example stack shared: the group policy admits each environment's smoke role to reject its stage", function () {
    this.timeout(60_000);
    it("one statement per stage, by the role's ARN, with the stage's reject condition", async () => {
        const run = await runProgramUnderMocks({ stack: "shared", config: exampleStackConfig("shared"), account: account(REGISTRY) });
        const doc = JSON.parse(run.recorder.ofType(T.groupPolicy)[0].inputs.resourcePolicy);
        const smokes = doc.Statement.filter((x: any) => /SmokeRoleRejectsStage$/.test(x.Sid));
        assert.deepEqual(
            smokes.map((x: any) => [x.Principal.AWS[0], x.Condition.ArnEquals["aws:PrincipalArn"][0], x.Condition.StringEquals["sagemaker:ModelLifeCycle:Stage"]]),
            STACKS.map((e) => [`arn:aws:iam::${e.accountId}:root`, `arn:aws:iam::${e.accountId}:role/sagemaker-approval-gate-${e.stack}-smoke-test`, e.stage]),
        );
        for (const x of smokes) assert.deepEqual(x.Action, ["sagemaker:UpdateModelPackage"]);
    });
});
