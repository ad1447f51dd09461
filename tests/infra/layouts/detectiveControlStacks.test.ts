/**
 * The detective control in the promotion layout's example stacks under Pulumi mocks (issue 11): Pulumi.prod.yaml (an
 * environment stack, production) watches its endpoint; Pulumi.shared.yaml (the registry) watches UpdateModelPackage on
 * the group, trusting every stage's approvers and each environment's deploy and smoke roles, and audits in its own
 * encrypted table; Pulumi.staging.yaml (production: false) declares none. Each: function, rule, events-DLQ target,
 * OUT-OF-BAND alarm, and the topic, key and DLQ policies admitting them.
 */
import { strict as assert } from "assert";
import { runProgramUnderMocks, type ProgramRun } from "../../../cli/lib/programUnderMocks";
import { detectiveControlAlarmRoles, outOfBandFunctionEnvironment, watchScope } from "../../../infra/components/detectiveControl";
import { outOfBandPatterns } from "../../../infra/events/cloudTrailPatterns";
import { outOfBandPolicy } from "../../../infra/lib/detectiveControlPolicies";
import { TARGET_RETRY_POLICY } from "../../../infra/lib/functionResources";
import { exampleStackConfig } from "../exampleStacks";

const REGISTRY = "111111111111";
const STAGING = "222222222222";
const PROD = "333333333333";
const T = {
    control: "sagemaker-approval-gate:detective:DetectiveControl",
    fn: "aws:lambda/function:Function",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    permission: "aws:lambda/permission:Permission",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    table: "aws:dynamodb/table:Table",
    topic: "aws:sns/topic:Topic",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    key: "aws:kms/key:Key",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};
const account = (accountId: string) => ({ accountId, region: "us-east-1", partition: "aws" });

/** What every stack with the control must have: the rule(s) → function with the events DLQ, the alarms to the topic, all admitted. */
function assertWiring(run: ProgramRun, env: string, accountId: string, rules: ("endpointCalls" | "packageCalls")[], eventsDlq: string, topicPolicy: string) {
    const prefix = `sagemaker-approval-gate-${env}`;
    const mine = (type: string) => run.recorder.ofType(type).filter((r) => r.name.startsWith(`${prefix}-detective-control`));
    const fn = run.recorder.get(T.fn, `${prefix}-detective-control-out-of-band`);
    const roles = { endpointCalls: "oob-endpoint-calls", packageCalls: "oob-package-calls" };
    assert.deepEqual(mine(T.rule).map((r) => r.inputs.name).sort(), rules.map((k) => `${prefix}-${roles[k]}`).sort());
    const dlq = run.recorder.get(T.queue, eventsDlq);
    const dlqSources: string[] = JSON.parse(run.recorder.get(T.queuePolicy, `${eventsDlq}-policy`).inputs.policy).Statement[0].Condition.ArnEquals["aws:SourceArn"];
    for (const rule of mine(T.rule)) {
        const [target] = mine(T.target).filter((t) => t.inputs.rule === rule.inputs.name);
        assert.equal(target.inputs.arn, fn.state.arn, rule.name);
        assert.deepEqual(target.inputs.deadLetterConfig, { arn: dlq.state.arn });
        assert.deepEqual(target.inputs.retryPolicy, TARGET_RETRY_POLICY);
        const permission = mine(T.permission).find((p) => p.inputs.sourceArn === rule.state.arn)!;
        assert.ok(run.recorder.dependenciesOf(target).includes(permission.urn), `${target.name} waits for its permission`);
        assert.ok(dlqSources.includes(`arn:aws:events:us-east-1:${accountId}:rule/${rule.inputs.name}`), `the events DLQ admits ${rule.inputs.name}`);
    }
    const alarms = mine(T.alarm).map((a) => a.inputs.name).sort();
    assert.deepEqual(alarms, detectiveControlAlarmRoles(rules).map((r) => `${prefix}-${r}`).sort());
    const change = run.recorder.get(T.alarm, `${prefix}-detective-control-out-of-band-change`);
    assert.equal(change.inputs.metricName, "OutOfBandChange");
    assert.deepEqual(change.inputs.dimensions, { Environment: env });
    const topic = run.recorder.ofType(T.topic)[0];
    for (const a of mine(T.alarm)) assert.deepEqual(a.inputs.alarmActions, [topic.state.arn], a.name);
    const admitted: string[] = JSON.parse(run.recorder.get(T.topicPolicy, topicPolicy).inputs.policy).Statement.find((s: any) => s.Sid === "AlarmsPublish").Condition.ArnEquals["aws:SourceArn"];
    for (const name of alarms) assert.ok(admitted.includes(`arn:aws:cloudwatch:us-east-1:${accountId}:alarm:${name}`), name);
    assert.equal(run.outputs.outOfBandFunctionName, `${prefix}-out-of-band`);
    assert.equal(run.outputs.outOfBandAlarmName, `${prefix}-out-of-band-change`);
    return fn;
}

describe("detective control in the example prod stack (environment, production; under mocks)", function () {
    this.timeout(120_000);
    let run: ProgramRun;
    const prefix = "sagemaker-approval-gate-prod";
    before(async () => {
        run = await runProgramUnderMocks({ stack: "prod", config: exampleStackConfig("prod"), account: account(PROD) });
    });

    it("declares the control once, with its endpoint rule only (the group and its UpdateModelPackage calls are the registry's)", () => {
        assert.deepEqual(run.recorder.ofType(T.control).map((c) => c.name), [`${prefix}-detective-control`]);
        const fn = assertWiring(run, "prod", PROD, ["endpointCalls"], `${prefix}-approvals-events-dlq`, `${prefix}-approvals-notifications-topic-policy`);
        assert.equal(fn.inputs.environment.variables.MODEL_PACKAGE_ARN_PREFIX, undefined);
    });

    it("watches this endpoint and the deploy function's names, trusting this account's deploy role only", () => {
        const w = watchScope({ scope: account(PROD), environment: "prod", endpointName: `${prefix}-endpoint`, packageUpdaterArns: [], rules: ["endpointCalls"] });
        assert.deepEqual(w.trusted, { deployRoleArn: `arn:aws:iam::${PROD}:role/${prefix}-deploy-approved`, packageUpdaterArns: [] });
        const rule = run.recorder.get(T.rule, `${prefix}-detective-control-oob-endpoint-calls`);
        assert.deepEqual(JSON.parse(rule.inputs.eventPattern), outOfBandPatterns(w.resources, w.trusted, ["endpointCalls"]).endpointCalls);
        const fn = run.recorder.get(T.fn, `${prefix}-detective-control-out-of-band`);
        const topic = run.recorder.ofType(T.topic)[0];
        assert.deepEqual(fn.inputs.environment.variables, outOfBandFunctionEnvironment({ environment: "prod", ledgerTableName: `${prefix}-deployments`, topicArn: topic.state.arn, ...w }));
    });

    it("audits in the deployment ledger", () => {
        const ledger = run.recorder.get(T.table, `${prefix}-approvals-ledger`);
        const policy = JSON.parse(run.recorder.get(T.rolePolicy, `${prefix}-detective-control-out-of-band-policy`).inputs.policy);
        assert.ok(JSON.stringify(policy).includes(ledger.state.arn));
    });

    it("is not declared in staging (production: false), and nothing of it is admitted", async () => {
        const staging = await runProgramUnderMocks({ stack: "staging", config: exampleStackConfig("staging"), account: account(STAGING) });
        assert.equal(staging.recorder.ofType(T.control).length, 0);
        assert.equal(staging.outputs.outOfBandFunctionName, undefined);
        assert.ok(!staging.recorder.ofType(T.topicPolicy)[0].inputs.policy.includes("out-of-band"));
    });
});

describe("detective control in the example shared stack (registry; under mocks)", function () {
    this.timeout(120_000);
    let run: ProgramRun;
    const prefix = "sagemaker-approval-gate-shared";
    before(async () => {
        run = await runProgramUnderMocks({ stack: "shared", config: exampleStackConfig("shared"), account: account(REGISTRY) });
    });

    it("is on by default in a registry stack (production: false) and has the package rule only", () => {
        assert.deepEqual(run.recorder.ofType(T.control).map((c) => c.name), [`${prefix}-detective-control`]);
        assertWiring(run, "shared", REGISTRY, ["packageCalls"], `${prefix}-approvals-events-dlq`, `${prefix}-approvals-topic-policy`);
    });

    it("watches the group's versions, trusting every stage's approvers and each environment's deploy and smoke roles, and no deploy role of its own", () => {
        const rule = run.recorder.get(T.rule, `${prefix}-detective-control-oob-package-calls`);
        const pattern = JSON.parse(rule.inputs.eventPattern);
        assert.deepEqual(pattern.detail.requestParameters.modelPackageArn, [{ prefix: { "equals-ignore-case": `arn:aws:sagemaker:us-east-1:${REGISTRY}:model-package/abalone/` } }]);
        const trusted = [
            `arn:aws:iam::${REGISTRY}:role/ml-release-manager`,
            `arn:aws:iam::${REGISTRY}:role/ml-staging-approver`,
            `arn:aws:iam::${STAGING}:role/sagemaker-approval-gate-staging-deploy-approved`,
            `arn:aws:iam::${STAGING}:role/sagemaker-approval-gate-staging-smoke-test`,
            `arn:aws:iam::${PROD}:role/sagemaker-approval-gate-prod-deploy-approved`,
            `arn:aws:iam::${PROD}:role/sagemaker-approval-gate-prod-smoke-test`,
        ].sort();
        assert.deepEqual(pattern.detail.$or[0].userIdentity.sessionContext.sessionIssuer.arn[0]["anything-but"], trusted);
        assert.match(rule.inputs.description, /by anyone but the stages' approvers and the stage environments' deploy and smoke roles$/);
        assert.match(run.recorder.get(T.alarm, `${prefix}-detective-control-out-of-band-change`).inputs.alarmDescription, /the audit table's AUDIT#out-of-band items/);
        const vars = run.recorder.get(T.fn, `${prefix}-detective-control-out-of-band`).inputs.environment.variables;
        assert.deepEqual(vars.PACKAGE_UPDATER_ARNS.split(","), trusted);
        assert.equal(vars.DEPLOY_ROLE_ARN, undefined);
        assert.equal(vars.ENDPOINT_NAME, undefined);
    });

    it("audits in a table of its own, encrypted with the topic's key, point-in-time recovery on, protected from deletion; the function writes only there", () => {
        const table = run.recorder.get(T.table, `${prefix}-audit`);
        const key = run.recorder.get(T.key, `${prefix}-approvals-key`);
        assert.equal(table.inputs.name, `${prefix}-audit`);
        assert.deepEqual(table.inputs.serverSideEncryption, { enabled: true, kmsKeyArn: key.state.arn });
        assert.equal(table.inputs.pointInTimeRecovery.enabled, true);
        assert.equal(table.inputs.deletionProtectionEnabled, true);
        assert.equal(run.outputs.auditTableName, `${prefix}-audit`);
        const fn = run.recorder.get(T.fn, `${prefix}-detective-control-out-of-band`);
        assert.equal(fn.inputs.environment.variables.LEDGER_TABLE_NAME, `${prefix}-audit`);
        const policy = JSON.parse(run.recorder.get(T.rolePolicy, `${prefix}-detective-control-out-of-band-policy`).inputs.policy);
        const topic = run.recorder.ofType(T.topic)[0];
        const dlq = run.recorder.get(T.queue, `${prefix}-detective-control-out-of-band-dlq`);
        assert.deepEqual(policy, outOfBandPolicy({ scope: account(REGISTRY), logGroupName: `/aws/lambda/${prefix}-out-of-band`, ledgerTableArn: table.state.arn, topicArn: topic.state.arn, kmsKeyArn: key.state.arn, dlqArn: dlq.state.arn }));
        const keyPolicy = JSON.parse(key.inputs.policy);
        const logs = keyPolicy.Statement.find((s: any) => s.Sid === "LogsEncryptThisEnvironmentsLogGroups");
        assert.deepEqual(logs.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"], [`arn:aws:logs:us-east-1:${REGISTRY}:log-group:/aws/lambda/${prefix}-out-of-band`]);
    });

    it("is left out when detectiveControl.enabled is false: no control, no audit table, nothing admitted", async () => {
        const config = { ...exampleStackConfig("shared"), "sagemaker-approval-gate:detectiveControl": JSON.stringify({ enabled: false }) };
        const off = await runProgramUnderMocks({ stack: "shared", config, account: account(REGISTRY) });
        assert.equal(off.recorder.ofType(T.control).length, 0);
        assert.deepEqual(off.recorder.ofType(T.table), []);
        assert.ok(!off.recorder.ofType(T.topicPolicy)[0].inputs.policy.includes("out-of-band"));
    });
});
