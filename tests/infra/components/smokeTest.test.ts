/**
 * SmokeTest inside the real program (infra/index.ts) under Pulumi mocks, for the example stacks: the InService rule
 * and its pattern, the function (bundle, runtime, env, async retries, its own encrypted DLQ, encrypted logs), its
 * role, the alarms to the approvals topic, what ApprovalEvents' policies admit of it, and smokeTest.enabled: false.
 */
import { strict as assert } from "assert";
import { runProgramUnderMocks, type ProgramRun } from "../../../cli/lib/programUnderMocks";
import { smokeFunctionEnvironment, smokeTestAlarmRoles, smokeTestCompanions } from "../../../infra/components/smokeTest";
import { endpointInServicePattern } from "../../../infra/events/endpointPatterns";
import { bundleLambda, LAMBDA_ENTRIES } from "../../../infra/lib/bundle";
import { TARGET_RETRY_POLICY } from "../../../infra/lib/functionResources";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { DEFAULT_SMOKE_PAYLOAD } from "../../../infra/lib/smokeTestConfig";
import { smokeTestPolicy } from "../../../infra/lib/smokeTestPolicies";
import { exampleStackConfig } from "../exampleStacks";
import { componentNames, exampleRun, SCOPE, T } from "./approvalStacks";

for (const stack of ["dev", "prod"]) {
    describe(`SmokeTest in the ${stack} stack (under mocks)`, function () {
        this.timeout(60_000);
        let run: ProgramRun;
        const { prefix, c: s, a, get, mine, topicArn, keyArn } = componentNames(stack, "smoke", () => run);

        before(async () => {
            // prod: the all-in-one production fixture (Pulumi.prod.yaml is an environment stack now).
            run = await exampleRun(stack);
        });

        it("declares one SmokeTest (on by default) and exports its function and failure alarm", () => {
            assert.deepEqual(run.recorder.ofType(T.smoke).map((r) => r.name), [`${prefix}-smoke`]);
            assert.equal(run.outputs.smokeTestFunctionName, `${prefix}-smoke-test`);
            assert.equal(run.outputs.smokeTestFailedAlarmName, `${prefix}-smoke-test-failed`);
        });

        it("wakes on this environment's endpoint reaching InService, through the events DLQ and retry policy the other rules use", () => {
            const rule = get(T.rule, s("endpoint-in-service"));
            assert.equal(rule.inputs.name, `${prefix}-endpoint-in-service`);
            assert.deepEqual(JSON.parse(rule.inputs.eventPattern), endpointInServicePattern(String(run.outputs.endpointName)));
            const [target] = mine(T.target);
            assert.equal(target.inputs.arn, get(T.fn, s("smoke-test")).state.arn);
            assert.deepEqual(target.inputs.deadLetterConfig, { arn: get(T.queue, a("events-dlq")).state.arn });
            assert.deepEqual(target.inputs.retryPolicy, TARGET_RETRY_POLICY);
            const [permission] = mine(T.permission);
            assert.equal(permission.inputs.sourceArn, rule.state.arn);
            assert.equal(permission.inputs.principal, "events.amazonaws.com");
            assert.ok(run.recorder.dependenciesOf(target).includes(permission.urn), "the target waits for its permission");
            const dlqPolicy = JSON.parse(get(T.queuePolicy, a("events-dlq-policy")).inputs.policy);
            assert.ok(dlqPolicy.Statement[0].Condition.ArnEquals["aws:SourceArn"].includes(`arn:aws:events:us-east-1:123456789012:rule/${prefix}-endpoint-in-service`));
        });

        it("ships the smoke bundle with its settings: the endpoint deploy-approved deploys, the group, the default payload and check", () => {
            const fn = get(T.fn, s("smoke-test"));
            assert.equal(fn.inputs.runtime, "nodejs22.x");
            assert.deepEqual(fn.inputs.architectures, ["arm64"]);
            assert.equal(fn.inputs.timeout, 300);
            assert.equal(fn.inputs.code.assets["index.js"].text, bundleLambda(LAMBDA_ENTRIES["smoke-test"]).code);
            const vars = fn.inputs.environment.variables;
            assert.equal(vars.ENDPOINT_NAME, get(T.fn, a("deploy-approved")).inputs.environment.variables.ENDPOINT_NAME);
            assert.equal(vars.MODEL_PACKAGE_GROUP_NAME, `abalone-${stack}`);
            assert.deepEqual(JSON.parse(vars.SMOKE_TEST), { onFailure: "reject", payloads: [DEFAULT_SMOKE_PAYLOAD], check: { kind: "numeric" }, maxPayloads: 5 });
            assert.deepEqual(
                vars,
                smokeFunctionEnvironment({
                    environment: stack,
                    endpointName: vars.ENDPOINT_NAME,
                    groupName: `abalone-${stack}`,
                    ledgerTableName: `${prefix}-deployments`,
                    topicArn: topicArn(),
                    settings: { enabled: true, onFailure: "reject", payloads: [DEFAULT_SMOKE_PAYLOAD], check: { kind: "numeric" }, maxPayloads: 5, samplePayloadS3Prefixes: [] },
                }),
            );
        });

        it("is invoked asynchronously: 2 retries within 6 hours, then its own KMS-encrypted DLQ; its logs are encrypted", () => {
            const config = get(T.invokeConfig, s("smoke-test-async"));
            const dlq = get(T.queue, s("smoke-test-dlq"));
            assert.equal(config.inputs.maximumRetryAttempts, 2);
            assert.equal(config.inputs.destinationConfig.onFailure.destination, dlq.state.arn);
            assert.equal(dlq.inputs.kmsMasterKeyId, keyArn());
            const logs = get(T.logGroup, s("smoke-test-logs"));
            assert.equal(logs.inputs.name, `/aws/lambda/${prefix}-smoke-test`);
            assert.equal(logs.inputs.kmsKeyId, keyArn());
            const keyPolicy = JSON.parse(get(T.key, a("notifications-key")).inputs.policy);
            const logsStatement = keyPolicy.Statement.find((x: any) => x.Sid === "LogsEncryptThisEnvironmentsLogGroups");
            assert.ok(logsStatement.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"].includes(`arn:aws:logs:us-east-1:123456789012:log-group:${logs.inputs.name}`));
        });

        it("runs with its own role holding exactly the smoke policy (reject only, this endpoint only)", () => {
            const role = get(T.role, s("smoke-test-role"));
            assert.equal(get(T.fn, s("smoke-test")).inputs.role, role.state.arn);
            const policy = JSON.parse(get(T.rolePolicy, s("smoke-test-policy")).inputs.policy);
            assert.deepEqual(
                policy,
                smokeTestPolicy({
                    scope: SCOPE,
                    environment: stack,
                    endpointName: String(run.outputs.endpointName),
                    groupName: `abalone-${stack}`,
                    logGroupName: `/aws/lambda/${prefix}-smoke-test`,
                    ledgerTableArn: get(T.table, a("ledger")).state.arn,
                    topicArn: topicArn(),
                    kmsKeyArn: keyArn(),
                    dlqArn: get(T.queue, s("smoke-test-dlq")).state.arn,
                    samplePayloadS3Prefixes: [],
                }),
            );
            assert.deepEqual(wildcardAllowActions(policy), []);
        });

        if (stack === "prod") {
            it("is trusted by the detective control by its role's ARN, so its rejections raise no OUT-OF-BAND alarm", () => {
                const role = get(T.role, s("smoke-test-role"));
                assert.equal(role.inputs.name, `${prefix}-smoke-test`);
                const roleArn = `arn:aws:iam::123456789012:role/${role.inputs.name}`;
                const vars = get(T.fn, `${prefix}-detective-control-out-of-band`).inputs.environment.variables;
                assert.ok(vars.PACKAGE_UPDATER_ARNS.split(",").includes(roleArn), vars.PACKAGE_UPDATER_ARNS);
            });
        }

        it("alarms to the topic on a failed and a skipped smoke test, function errors, DLQ depth and the rule's failed deliveries; the topic admits each by exact ARN", () => {
            const alarms = mine(T.alarm);
            assert.deepEqual(alarms.map((x) => x.inputs.name).sort(), smokeTestAlarmRoles().map((r) => `${prefix}-${r}`).sort());
            assert.deepEqual([...smokeTestCompanions(stack).alarmNames].sort(), alarms.map((x) => x.inputs.name).sort());
            for (const x of alarms) assert.deepEqual(x.inputs.alarmActions, [topicArn()], x.name);
            const failed = get(T.alarm, s("smoke-test-failed"));
            assert.equal(failed.inputs.metricName, "SmokeTestFailed");
            assert.deepEqual(failed.inputs.dimensions, { Environment: stack });
            assert.equal(failed.inputs.threshold, 0);
            assert.equal(failed.inputs.comparisonOperator, "GreaterThanThreshold");
            assert.equal(get(T.alarm, s("smoke-test-not-run")).inputs.metricName, "SmokeTestNotRun");
            const policy = JSON.parse(get(T.topicPolicy, a("notifications-topic-policy")).inputs.policy);
            const allowed: string[] = policy.Statement.find((x: any) => x.Sid === "AlarmsPublish").Condition.ArnEquals["aws:SourceArn"];
            for (const x of alarms) assert.ok(allowed.includes(`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${x.inputs.name}`), x.inputs.name);
        });
    });
}

describe("SmokeTest off (smokeTest.enabled: false)", function () {
    this.timeout(60_000);
    it("declares nothing of it and admits none of its names", async () => {
        const config = exampleStackConfig("dev");
        config["sagemaker-approval-gate:smokeTest"] = { enabled: false };
        const run = await runProgramUnderMocks({ stack: "dev", config });
        assert.deepEqual(run.recorder.ofType(T.smoke), []);
        assert.equal(run.outputs.smokeTestFunctionName, undefined);
        const dlqPolicy = JSON.parse(run.recorder.get(T.queuePolicy, "sagemaker-approval-gate-dev-approvals-events-dlq-policy").inputs.policy);
        assert.ok(!JSON.stringify(dlqPolicy).includes("endpoint-in-service"));
    });
});
