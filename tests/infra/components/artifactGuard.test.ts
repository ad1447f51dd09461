/**
 * ArtifactGuard inside the real program (infra/index.ts) under Pulumi mocks, for the example stacks: the two tamper
 * rules and their patterns, the function (bundle, runtime, env, async retries, its own encrypted DLQ, encrypted
 * logs), its role, the alarms to the approvals topic, and what ApprovalEvents' policies admit of it.
 */
import { strict as assert } from "assert";
import type { ProgramRun } from "../../../cli/lib/programUnderMocks";
import {
    artifactGuardAlarmRoles,
    artifactGuardCompanions,
    TAMPER_RULE_ROLES,
    tamperFunctionEnvironment,
} from "../../../infra/components/artifactGuard";
import { tamperPatterns } from "../../../infra/events/tamperPatterns";
import { artifactTamperPolicy } from "../../../infra/lib/artifactGuardPolicies";
import { bundleLambda, LAMBDA_ENTRIES } from "../../../infra/lib/bundle";
import { TARGET_RETRY_POLICY } from "../../../infra/lib/functionResources";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { endpointName } from "../../../infra/lib/naming";
// prod as the all-in-one production stack it was before issue 10 (Pulumi.prod.yaml is now an environment stack; tests/infra/layouts cover that).
import { componentNames, exampleRun, SCOPE, T } from "./approvalStacks";

for (const stack of ["dev", "prod"]) {
    describe(`ArtifactGuard in the ${stack} stack (under mocks)`, function () {
        this.timeout(60_000);
        let run: ProgramRun;
        const { prefix, c: g, a, get, mine, topicArn, keyArn } = componentNames(stack, "artifact-guard", () => run);

        before(async () => {
            run = await exampleRun(stack);
        });

        it("declares one ArtifactGuard and exports its function and tamper alarm", () => {
            assert.deepEqual(run.recorder.ofType(T.guard).map((r) => r.name), [`${prefix}-artifact-guard`]);
            assert.equal(run.outputs.artifactTamperFunctionName, `${prefix}-artifact-tamper`);
            assert.equal(run.outputs.artifactTamperedAlarmName, `${prefix}-artifact-tampered`);
        });

        it("watches writes under the pipeline's outputs in the artifacts bucket, and this account's ECR pushes and deletes", () => {
            const expected = tamperPatterns({ bucketName: `${prefix}-training-123456789012`, outputFolder: `${prefix}-training`, accountId: "123456789012" });
            assert.deepEqual(JSON.parse(get(T.rule, g("artifact-changed")).inputs.eventPattern), expected.artifactChanged);
            assert.deepEqual(JSON.parse(get(T.rule, g("image-changed")).inputs.eventPattern), expected.imageChanged);
            assert.deepEqual(mine(T.rule).map((r) => r.inputs.name).sort(), [`${prefix}-artifact-changed`, `${prefix}-image-changed`]);
            for (const r of mine(T.rule)) assert.equal(r.inputs.eventBusName, undefined, "the default bus, where S3 and ECR send");
        });

        it("targets the function from each rule, with the events DLQ and the retry policy the other rules use, allowed by a permission naming the rule", () => {
            const fn = get(T.fn, g("artifact-tamper"));
            const eventsDlq = get(T.queue, a("events-dlq"));
            const targets = mine(T.target);
            assert.deepEqual(targets.map((t) => `${t.inputs.rule} -> ${t.inputs.targetId}`).sort(), [`${prefix}-artifact-changed -> artifact-tamper`, `${prefix}-image-changed -> artifact-tamper`]);
            for (const t of targets) {
                assert.equal(t.inputs.arn, fn.state.arn);
                assert.deepEqual(t.inputs.deadLetterConfig, { arn: eventsDlq.state.arn });
                assert.deepEqual(t.inputs.retryPolicy, TARGET_RETRY_POLICY);
            }
            const permissions = mine(T.permission);
            assert.deepEqual(permissions.map((p) => p.inputs.sourceArn).sort(), mine(T.rule).map((r) => r.state.arn).sort());
            for (const p of permissions) {
                assert.equal(p.inputs.principal, "events.amazonaws.com");
                assert.equal(p.inputs.action, "lambda:InvokeFunction");
                assert.equal(p.inputs.function, fn.inputs.name);
            }
            for (const t of targets) {
                const permission = permissions.find((p) => p.inputs.sourceArn === get(T.rule, g(t.inputs.rule.slice(prefix.length + 1))).state.arn)!;
                assert.ok(run.recorder.dependenciesOf(t).includes(permission.urn), `${t.name} waits for its permission`);
            }
        });

        it("admits both rules to the events DLQ's policy, next to ApprovalEvents' own", () => {
            const policy = JSON.parse(get(T.queuePolicy, a("events-dlq-policy")).inputs.policy);
            const sources: string[] = policy.Statement[0].Condition.ArnEquals["aws:SourceArn"];
            for (const r of mine(T.rule)) assert.ok(sources.includes(r.state.arn), r.inputs.name);
        });

        it("ships the tamper bundle on the project's runtime, arm64, 30 s, with its four settings (the endpoint ApprovalEvents serves on)", () => {
            const fn = get(T.fn, g("artifact-tamper"));
            assert.equal(fn.inputs.name, `${prefix}-artifact-tamper`);
            assert.equal(fn.inputs.runtime, "nodejs22.x");
            assert.deepEqual(fn.inputs.architectures, ["arm64"]);
            assert.equal(fn.inputs.handler, "index.handler");
            assert.equal(fn.inputs.timeout, 30);
            assert.equal(fn.inputs.code.assets["index.js"].text, bundleLambda(LAMBDA_ENTRIES["artifact-tamper"]).code);
            assert.deepEqual(
                fn.inputs.environment.variables,
                tamperFunctionEnvironment({ environment: stack, ledgerTableName: `${prefix}-deployments`, topicArn: topicArn(), endpointName: String(run.outputs.endpointName) }),
            );
            assert.deepEqual(Object.keys(fn.inputs.environment.variables).sort(), ["ENDPOINT_NAME", "ENVIRONMENT", "LEDGER_TABLE_NAME", "TOPIC_ARN"]);
            assert.equal(fn.inputs.environment.variables.ENDPOINT_NAME, endpointName(stack));
            assert.equal(fn.inputs.environment.variables.ENDPOINT_NAME, get(T.fn, a("deploy-approved")).inputs.environment.variables.ENDPOINT_NAME, "the endpoint deploy-approved deploys");
            assert.equal(fn.inputs.reservedConcurrentExecutions, undefined);
        });

        it("is invoked asynchronously like notify-approver: 2 retries within 6 hours, then its own KMS-encrypted DLQ; its logs are encrypted and kept", () => {
            const config = get(T.invokeConfig, g("artifact-tamper-async"));
            const dlq = get(T.queue, g("artifact-tamper-dlq"));
            assert.equal(config.inputs.functionName, `${prefix}-artifact-tamper`);
            assert.equal(config.inputs.maximumRetryAttempts, 2);
            assert.equal(config.inputs.maximumEventAgeInSeconds, 6 * 3600);
            assert.equal(config.inputs.destinationConfig.onFailure.destination, dlq.state.arn);
            assert.equal(dlq.inputs.name, `${prefix}-artifact-tamper-dlq`);
            assert.equal(dlq.inputs.kmsMasterKeyId, keyArn());
            assert.equal(dlq.inputs.messageRetentionSeconds, 14 * 24 * 3600);
            const logs = get(T.logGroup, g("artifact-tamper-logs"));
            assert.equal(logs.inputs.name, `/aws/lambda/${prefix}-artifact-tamper`);
            assert.equal(logs.inputs.kmsKeyId, keyArn());
            assert.equal(logs.inputs.retentionInDays, 90);
            assert.equal(get(T.fn, g("artifact-tamper")).inputs.loggingConfig.logGroup, logs.inputs.name);
            const keyPolicy = JSON.parse(get(T.key, a("notifications-key")).inputs.policy);
            const logsStatement = keyPolicy.Statement.find((s: any) => s.Sid === "LogsEncryptThisEnvironmentsLogGroups");
            assert.ok(logsStatement.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"].includes(`arn:aws:logs:us-east-1:123456789012:log-group:${logs.inputs.name}`));
        });

        it("runs with a role of its own, assumed by Lambda, holding exactly the tamper policy: no wildcard action, this environment's ARNs", () => {
            const role = get(T.role, g("artifact-tamper-role"));
            assert.equal(role.inputs.name, `${prefix}-artifact-tamper`);
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, { Service: ["lambda.amazonaws.com"] });
            const policy = JSON.parse(get(T.rolePolicy, g("artifact-tamper-policy")).inputs.policy);
            assert.deepEqual(
                policy,
                artifactTamperPolicy({
                    scope: SCOPE,
                    logGroupName: `/aws/lambda/${prefix}-artifact-tamper`,
                    ledgerTableArn: get(T.table, a("ledger")).state.arn,
                    topicArn: topicArn(),
                    kmsKeyArn: keyArn(),
                    dlqArn: get(T.queue, g("artifact-tamper-dlq")).state.arn,
                }),
            );
            assert.deepEqual(wildcardAllowActions(policy), []);
            for (const s of policy.Statement) for (const r of s.Resource ?? []) assert.match(r, /^arn:aws:[a-z]+:us-east-1:123456789012:/, r);
            const fn = get(T.fn, g("artifact-tamper"));
            assert.equal(fn.inputs.role, role.state.arn);
        });

        it("alarms to the topic on tampering (ArtifactTampered Sum > 0 over 60 s), function errors, DLQ depth and each rule's failed deliveries", () => {
            const alarms = mine(T.alarm);
            assert.deepEqual(alarms.map((x) => x.inputs.name).sort(), artifactGuardAlarmRoles().map((r) => `${prefix}-${r}`).sort());
            for (const x of alarms) {
                assert.deepEqual(x.inputs.alarmActions, [topicArn()], x.name);
                assert.equal(x.inputs.treatMissingData, "notBreaching", x.name);
            }
            const tampered = get(T.alarm, g("artifact-tampered"));
            assert.equal(tampered.inputs.namespace, "SageMakerApprovalGate");
            assert.equal(tampered.inputs.metricName, "ArtifactTampered");
            assert.deepEqual(tampered.inputs.dimensions, { Environment: stack });
            assert.equal(tampered.inputs.statistic, "Sum");
            assert.equal(tampered.inputs.period, 60);
            assert.equal(tampered.inputs.evaluationPeriods, 1);
            assert.equal(tampered.inputs.threshold, 0);
            assert.equal(tampered.inputs.comparisonOperator, "GreaterThanThreshold");
            const live = get(T.alarm, g("live-version-tampered"));
            assert.equal(live.inputs.name, `${prefix}-live-version-tampered`);
            assert.equal(live.inputs.metricName, "LiveVersionTampered");
            assert.equal(live.inputs.namespace, "SageMakerApprovalGate");
            assert.deepEqual(live.inputs.dimensions, { Environment: stack });
            assert.equal(live.inputs.statistic, "Sum");
            assert.equal(live.inputs.period, 60);
            assert.equal(live.inputs.threshold, 0);
            assert.equal(live.inputs.comparisonOperator, "GreaterThanThreshold");
            assert.deepEqual(live.inputs.alarmActions, [topicArn()]);
            assert.deepEqual(get(T.alarm, g("artifact-tamper-errors")).inputs.dimensions, { FunctionName: `${prefix}-artifact-tamper` });
            assert.deepEqual(get(T.alarm, g("artifact-tamper-dlq-depth")).inputs.dimensions, { QueueName: `${prefix}-artifact-tamper-dlq` });
            for (const role of Object.values(TAMPER_RULE_ROLES)) {
                assert.equal(get(T.alarm, g(`${role}-failed-invocations`)).inputs.metricName, "FailedInvocations");
                assert.equal(get(T.alarm, g(`${role}-dlq-delivery-failures`)).inputs.metricName, "InvocationsFailedToBeSentToDlq");
                assert.deepEqual(get(T.alarm, g(`${role}-failed-invocations`)).inputs.dimensions, { RuleName: `${prefix}-${role}` });
            }
        });

        it("lets every alarm it makes publish to the approvals topic, by exact ARN (no wildcard)", () => {
            const policy = JSON.parse(get(T.topicPolicy, a("notifications-topic-policy")).inputs.policy);
            const allowed: string[] = policy.Statement.find((s: any) => s.Sid === "AlarmsPublish").Condition.ArnEquals["aws:SourceArn"];
            for (const x of mine(T.alarm)) assert.ok(allowed.includes(`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${x.inputs.name}`), x.inputs.name);
            for (const arn of allowed) assert.ok(!arn.includes("*"), arn);
            assert.deepEqual([...artifactGuardCompanions(stack).alarmNames].sort(), mine(T.alarm).map((x) => x.inputs.name).sort());
        });
    });
}
