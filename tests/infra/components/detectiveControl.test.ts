/**
 * DetectiveControl inside the real program (infra/index.ts) under Pulumi mocks: declared in prod (production: true)
 * and not in dev unless asked; its two CloudTrail rules and their patterns, the function (bundle, env, async retries,
 * its own encrypted DLQ, encrypted logs), its role, the alarms to the approvals topic, and what ApprovalEvents'
 * policies admit of it.
 */
import { strict as assert } from "assert";
import { runProgramUnderMocks, type ProgramRun } from "../../../cli/lib/programUnderMocks";
import {
    detectiveControlAlarmRoles,
    detectiveControlCompanions,
    OUT_OF_BAND_RULE_DESCRIPTIONS,
    OUT_OF_BAND_RULE_ROLES,
    outOfBandFunctionEnvironment,
    watchScope,
} from "../../../infra/components/detectiveControl";
import { outOfBandPatterns } from "../../../infra/events/cloudTrailPatterns";
import { outOfBandPolicy } from "../../../infra/lib/detectiveControlPolicies";
import { bundleLambda, LAMBDA_ENTRIES } from "../../../infra/lib/bundle";
import { TARGET_RETRY_POLICY } from "../../../infra/lib/functionResources";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { exampleStackConfig } from "../exampleStacks";
import { allInOneStackConfig } from "./approvalStacks";

const T = {
    control: "sagemaker-approval-gate:detective:DetectiveControl",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    fn: "aws:lambda/function:Function",
    invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    permission: "aws:lambda/permission:Permission",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    topic: "aws:sns/topic:Topic",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    key: "aws:kms/key:Key",
    table: "aws:dynamodb/table:Table",
};
const SCOPE = { partition: "aws", region: "us-east-1", accountId: "123456789012" };
const PROD_APPROVERS = ["arn:aws:iam::123456789012:role/ml-approver", "arn:aws:iam::123456789012:role/ml-release-manager"];

describe("DetectiveControl in the prod stack (under mocks)", function () {
    this.timeout(60_000);
    let run: ProgramRun;
    const prefix = "sagemaker-approval-gate-prod";
    const d = (role: string) => `${prefix}-detective-control-${role}`;
    const a = (role: string) => `${prefix}-approvals-${role}`;
    const get = (type: string, name: string) => run.recorder.get(type, name);
    const mine = (type: string) => run.recorder.ofType(type).filter((r) => r.name.startsWith(`${prefix}-detective-control`));
    const topicArn = () => get(T.topic, a("notifications-topic")).state.arn;
    const keyArn = () => get(T.key, a("notifications-key")).state.arn;
    const watched = () => watchScope({ scope: SCOPE, environment: "prod", endpointName: `${prefix}-endpoint`, groupName: "abalone-prod", packageUpdaterArns: PROD_APPROVERS, packageUpdaterRoleNames: [`${prefix}-smoke-test`] });

    before(async () => {
        // The all-in-one production fixture: Pulumi.prod.yaml is an environment stack now.
        run = await runProgramUnderMocks({ stack: "prod", config: allInOneStackConfig("prod") });
    });

    it("is declared once (production: true) and exports its function and the OUT-OF-BAND CHANGE alarm", () => {
        assert.deepEqual(run.recorder.ofType(T.control).map((r) => r.name), [`${prefix}-detective-control`]);
        assert.equal(run.outputs.outOfBandFunctionName, `${prefix}-out-of-band`);
        assert.equal(run.outputs.outOfBandAlarmName, `${prefix}-out-of-band-change`);
    });

    it("watches this endpoint, the deploy function's names and this group; trusts the deploy role, and the approvers and the smoke test's role for packages", () => {
        const w = watched();
        assert.deepEqual(w.resources, { endpointName: `${prefix}-endpoint`, deployedNamePrefix: `${prefix}--`, modelPackageArnPrefix: "arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-prod/" });
        assert.deepEqual(w.trusted, { deployRoleArn: `arn:aws:iam::123456789012:role/${prefix}-deploy-approved`, packageUpdaterArns: [...PROD_APPROVERS, `arn:aws:iam::123456789012:role/${prefix}-smoke-test`] });
        assert.equal(get(T.role, a("deploy-approved-role")).inputs.name, `${prefix}-deploy-approved`, "the deploy role is named so");
        const expected = outOfBandPatterns(w.resources, w.trusted);
        assert.deepEqual(JSON.parse(get(T.rule, d("oob-endpoint-calls")).inputs.eventPattern), expected.endpointCalls);
        assert.deepEqual(JSON.parse(get(T.rule, d("oob-package-calls")).inputs.eventPattern), expected.packageCalls);
        for (const r of mine(T.rule)) {
            assert.equal(r.inputs.eventBusName, undefined, "the default bus, where CloudTrail sends");
            assert.ok(r.inputs.name.length <= 64, r.inputs.name);
        }
    });

    it("targets the function from each rule with the events DLQ and the shared retry policy, after a permission naming the rule; the DLQ's policy admits both rules", () => {
        const fn = get(T.fn, d("out-of-band"));
        const targets = mine(T.target);
        assert.deepEqual(targets.map((t) => `${t.inputs.rule} -> ${t.inputs.targetId}`).sort(), [`${prefix}-oob-endpoint-calls -> out-of-band`, `${prefix}-oob-package-calls -> out-of-band`]);
        for (const t of targets) {
            assert.equal(t.inputs.arn, fn.state.arn);
            assert.deepEqual(t.inputs.deadLetterConfig, { arn: get(T.queue, a("events-dlq")).state.arn });
            assert.deepEqual(t.inputs.retryPolicy, TARGET_RETRY_POLICY);
            const permission = mine(T.permission).find((p) => p.inputs.sourceArn === get(T.rule, d(t.inputs.rule.slice(prefix.length + 1))).state.arn)!;
            assert.equal(permission.inputs.principal, "events.amazonaws.com");
            assert.ok(run.recorder.dependenciesOf(t).includes(permission.urn), `${t.name} waits for its permission`);
        }
        const sources: string[] = JSON.parse(get(T.queuePolicy, a("events-dlq-policy")).inputs.policy).Statement[0].Condition.ArnEquals["aws:SourceArn"];
        for (const r of mine(T.rule)) assert.ok(sources.includes(r.state.arn), r.inputs.name);
    });

    it("ships the out-of-band bundle with its settings, async retries to its own encrypted DLQ, encrypted logs", () => {
        const fn = get(T.fn, d("out-of-band"));
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.equal(fn.inputs.timeout, 30);
        assert.equal(fn.inputs.code.assets["index.js"].text, bundleLambda(LAMBDA_ENTRIES["out-of-band"]).code);
        const w = watched();
        assert.deepEqual(fn.inputs.environment.variables, outOfBandFunctionEnvironment({ environment: "prod", ledgerTableName: `${prefix}-deployments`, topicArn: topicArn(), ...w }));
        const config = get(T.invokeConfig, d("out-of-band-async"));
        const dlq = get(T.queue, d("out-of-band-dlq"));
        assert.equal(config.inputs.maximumRetryAttempts, 2);
        assert.equal(config.inputs.destinationConfig.onFailure.destination, dlq.state.arn);
        assert.equal(dlq.inputs.kmsMasterKeyId, keyArn());
        const logs = get(T.logGroup, d("out-of-band-logs"));
        assert.equal(logs.inputs.name, `/aws/lambda/${prefix}-out-of-band`);
        assert.equal(logs.inputs.kmsKeyId, keyArn());
        const keyPolicy = JSON.parse(get(T.key, a("notifications-key")).inputs.policy);
        const logsStatement = keyPolicy.Statement.find((s: any) => s.Sid === "LogsEncryptThisEnvironmentsLogGroups");
        assert.ok(logsStatement.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"].includes(`arn:aws:logs:us-east-1:123456789012:log-group:${logs.inputs.name}`));
    });

    it("runs with a role of its own holding exactly outOfBandPolicy", () => {
        const role = get(T.role, d("out-of-band-role"));
        assert.equal(role.inputs.name, `${prefix}-out-of-band`);
        const policy = JSON.parse(get(T.rolePolicy, d("out-of-band-policy")).inputs.policy);
        assert.deepEqual(
            policy,
            outOfBandPolicy({ scope: SCOPE, logGroupName: `/aws/lambda/${prefix}-out-of-band`, ledgerTableArn: get(T.table, a("ledger")).state.arn, topicArn: topicArn(), kmsKeyArn: keyArn(), dlqArn: get(T.queue, d("out-of-band-dlq")).state.arn }),
        );
        assert.deepEqual(wildcardAllowActions(policy), []);
        assert.equal(get(T.fn, d("out-of-band")).inputs.role, role.state.arn);
    });

    it("alarms to the topic: OUT-OF-BAND CHANGE (OutOfBandChange Sum > 0 over 60 s), errors, DLQ depth, each rule's failed deliveries; the topic admits each by exact ARN", () => {
        const alarms = mine(T.alarm);
        assert.deepEqual(alarms.map((x) => x.inputs.name).sort(), detectiveControlAlarmRoles().map((r) => `${prefix}-${r}`).sort());
        for (const x of alarms) assert.deepEqual(x.inputs.alarmActions, [topicArn()], x.name);
        const change = get(T.alarm, d("out-of-band-change"));
        assert.match(change.inputs.alarmDescription, /^OUT-OF-BAND CHANGE in prod: .* the ledger's AUDIT#out-of-band items\.$/);
        assert.equal(get(T.rule, d("oob-package-calls")).inputs.description, OUT_OF_BAND_RULE_DESCRIPTIONS.packageCalls, "all-in-one keeps its description");
        assert.equal(change.inputs.namespace, "SageMakerApprovalGate");
        assert.equal(change.inputs.metricName, "OutOfBandChange");
        assert.deepEqual(change.inputs.dimensions, { Environment: "prod" });
        assert.equal(change.inputs.period, 60);
        assert.equal(change.inputs.threshold, 0);
        assert.equal(change.inputs.comparisonOperator, "GreaterThanThreshold");
        for (const role of Object.values(OUT_OF_BAND_RULE_ROLES)) assert.deepEqual(get(T.alarm, d(`${role}-failed-invocations`)).inputs.dimensions, { RuleName: `${prefix}-${role}` });
        const allowed: string[] = JSON.parse(get(T.topicPolicy, a("notifications-topic-policy")).inputs.policy).Statement.find((s: any) => s.Sid === "AlarmsPublish").Condition.ArnEquals["aws:SourceArn"];
        for (const x of alarms) assert.ok(allowed.includes(`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${x.inputs.name}`), x.inputs.name);
        assert.deepEqual([...detectiveControlCompanions("prod").alarmNames].sort(), alarms.map((x) => x.inputs.name).sort());
    });
});

describe("DetectiveControl in the dev stack (under mocks)", function () {
    this.timeout(60_000);

    it("is off by default outside production (nothing declared, nothing admitted), and on when detectiveControl.enabled says so", async () => {
        const off = await runProgramUnderMocks({ stack: "dev", config: exampleStackConfig("dev") });
        assert.equal(off.recorder.ofType(T.control).length, 0);
        assert.equal(off.outputs.outOfBandFunctionName, undefined);
        const offTopic = JSON.parse(off.recorder.get(T.topicPolicy, "sagemaker-approval-gate-dev-approvals-notifications-topic-policy").inputs.policy);
        assert.ok(!JSON.stringify(offTopic).includes("out-of-band"), "the topic admits no out-of-band alarm");
        const config = { ...exampleStackConfig("dev"), "sagemaker-approval-gate:detectiveControl": JSON.stringify({ enabled: true, packageUpdaterArns: ["arn:aws:iam::123456789012:role/smoke-test"] }) };
        const on = await runProgramUnderMocks({ stack: "dev", config });
        assert.equal(on.recorder.ofType(T.control).length, 1);
        const env = on.recorder.get(T.fn, "sagemaker-approval-gate-dev-detective-control-out-of-band").inputs.environment.variables;
        assert.ok(env.PACKAGE_UPDATER_ARNS.split(",").includes("arn:aws:iam::123456789012:role/smoke-test"));
    });
});
