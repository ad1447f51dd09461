/**
 * ApprovalRules inside the real program (infra/index.ts) under Pulumi mocks, for the all-in-one example stacks:
 * the rules and their patterns, targets, the events DLQ, permissions, queue policies and the rule alarms.
 */
import { strict as assert } from "assert";
import type { ProgramRun } from "../../../cli/lib/programUnderMocks";
import { ruleDlqDeliveryFailuresAlarmName, ruleFailedInvocationsAlarmName, RULE_ROLES } from "../../../infra/components/approvalRules";
import { approvedPattern, pendingApprovalPattern, pipelineFailedPattern, rejectedPattern } from "../../../infra/events/patterns";
import { TARGET_RETRY_POLICY } from "../../../infra/lib/functionResources";
import { approvalNames, exampleRun, programCompanions, T } from "./approvalStacks";

for (const stack of ["dev", "prod"]) {
    describe(`ApprovalRules in the ${stack} stack (under mocks)`, function () {
        this.timeout(60_000);
        let run: ProgramRun;
        const { n, get, group, byUrnParent } = approvalNames(stack, () => run);

        before(async () => {
            run = await exampleRun(stack);
        });

        it("declares the four rules with the exported patterns, scoped to this group and this pipeline", () => {
            const pattern = (role: string) => JSON.parse(get(T.rule, role).inputs.eventPattern);
            assert.deepEqual(pattern("pending-approval"), pendingApprovalPattern(group));
            assert.deepEqual(pattern("approved"), approvedPattern(group));
            assert.deepEqual(pattern("rejected"), rejectedPattern(group));
            const pipelineArn = run.outputs.pipelineArn as string;
            assert.ok(pipelineArn.startsWith("arn:aws:sagemaker:us-east-1:123456789012:pipeline/"), pipelineArn);
            assert.deepEqual(pattern("pipeline-failed"), pipelineFailedPattern(pipelineArn));
        });

        it("routes each rule to its targets, every target with a KMS-encrypted DLQ and a retry policy", () => {
            const dlq = get(T.queue, "events-dlq");
            const targets = run.recorder.ofType(T.target).filter(byUrnParent);
            const routes = targets.map((t) => `${t.inputs.rule} -> ${t.inputs.targetId}`).sort();
            assert.deepEqual(routes, [
                `sagemaker-approval-gate-${stack}-approved -> deploy-requests`,
                `sagemaker-approval-gate-${stack}-pending-approval -> notify-approver`,
                `sagemaker-approval-gate-${stack}-pipeline-failed -> approvals-topic`,
                `sagemaker-approval-gate-${stack}-rejected -> approvals-topic`,
                `sagemaker-approval-gate-${stack}-rejected -> deploy-requests`,
            ]);
            const requests = get(T.queue, "deploy-requests");
            for (const t of targets.filter((t) => t.inputs.targetId === "deploy-requests")) {
                assert.equal(t.inputs.arn, requests.state.arn);
                assert.deepEqual(t.inputs.sqsTarget, { messageGroupId: `sagemaker-approval-gate-${stack}-endpoint` }, "one message group per endpoint");
            }
            for (const t of targets) {
                assert.equal(t.inputs.deadLetterConfig.arn, dlq.state.arn, t.name);
                assert.deepEqual(t.inputs.retryPolicy, TARGET_RETRY_POLICY, t.name);
            }
            const topicArn = get(T.topic, "notifications-topic").state.arn;
            for (const t of targets.filter((t) => t.inputs.targetId === "approvals-topic")) {
                assert.equal(t.inputs.arn, topicArn);
                assert.equal(typeof JSON.parse(t.inputs.inputTransformer.inputTemplate), "string");
            }
            for (const q of run.recorder.ofType(T.queue).filter(byUrnParent)) {
                assert.equal(q.inputs.kmsMasterKeyId, get(T.key, "notifications-key").state.arn, q.name);
            }
            const policy = JSON.parse(get(T.queuePolicy, "events-dlq-policy").inputs.policy);
            // Its four rules and its companions' (ArtifactGuard's two, DetectiveControl's two in prod), each by exact ARN.
            const companionRules = programCompanions(stack).ruleNames.map((r) => `arn:aws:events:us-east-1:123456789012:rule/${r}`);
            assert.deepEqual(policy.Statement[0].Condition.ArnEquals["aws:SourceArn"], [...run.recorder.ofType(T.rule).filter(byUrnParent).map((r) => r.state.arn), ...companionRules]);
        });

        it("lets only the pending rule invoke notify, and only the approved/rejected rules feed the deploy queue", () => {
            const permissions = run.recorder.ofType(T.permission).filter(byUrnParent);
            assert.deepEqual(permissions.map((p) => p.name), [n("pending-invokes-notify-approver")]);
            const policy = JSON.parse(get(T.queuePolicy, "deploy-requests-policy").inputs.policy);
            assert.deepEqual(policy.Statement[0].Principal, { Service: ["events.amazonaws.com"] });
            assert.deepEqual(policy.Statement[0].Condition.ArnEquals["aws:SourceArn"], [get(T.rule, "approved").state.arn, get(T.rule, "rejected").state.arn]);
            for (const p of permissions) {
                assert.equal(p.inputs.principal, "events.amazonaws.com");
                assert.match(p.inputs.sourceArn, /:rule\//);
            }
        });

        it("alarms when EventBridge cannot deliver a rule's events: FailedInvocations per rule, Sum > 0 over 5 minutes, to the topic", () => {
            const topicArn = get(T.topic, "notifications-topic").state.arn;
            for (const key of Object.keys(RULE_ROLES) as (keyof typeof RULE_ROLES)[]) {
                const alarm = get(T.alarm, `${RULE_ROLES[key]}-failed-invocations`);
                assert.equal(alarm.inputs.name, ruleFailedInvocationsAlarmName(stack, key));
                assert.equal(alarm.inputs.namespace, "AWS/Events");
                assert.equal(alarm.inputs.metricName, "FailedInvocations");
                assert.deepEqual(alarm.inputs.dimensions, { RuleName: get(T.rule, RULE_ROLES[key]).inputs.name });
                assert.equal(alarm.inputs.statistic, "Sum");
                assert.equal(alarm.inputs.period, 300);
                assert.equal(alarm.inputs.evaluationPeriods, 1);
                assert.equal(alarm.inputs.threshold, 0);
                assert.equal(alarm.inputs.comparisonOperator, "GreaterThanThreshold");
                // EventBridge sends FailedInvocations only when it is not zero: no data means no failure.
                assert.equal(alarm.inputs.treatMissingData, "notBreaching");
                assert.deepEqual(alarm.inputs.alarmActions, [topicArn]);
            }
            assert.deepEqual(
                run.recorder.ofType(T.rule).filter(byUrnParent).map((r) => r.inputs.name).sort(),
                Object.values(RULE_ROLES).map((r) => `sagemaker-approval-gate-${stack}-${r}`).sort(),
                "one alarm per rule: every rule is covered",
            );
        });

        it("alarms when EventBridge cannot put a failed event into the DLQ either: InvocationsFailedToBeSentToDlq per rule with a DLQ target, to the topic", () => {
            const topicArn = get(T.topic, "notifications-topic").state.arn;
            const rulesWithDlqTargets = new Set(run.recorder.ofType(T.target).filter(byUrnParent).filter((t) => t.inputs.deadLetterConfig?.arn).map((t) => t.inputs.rule));
            assert.equal(rulesWithDlqTargets.size, Object.keys(RULE_ROLES).length);
            for (const key of Object.keys(RULE_ROLES) as (keyof typeof RULE_ROLES)[]) {
                const alarm = get(T.alarm, `${RULE_ROLES[key]}-dlq-delivery-failures`);
                assert.equal(alarm.inputs.name, ruleDlqDeliveryFailuresAlarmName(stack, key));
                assert.ok(rulesWithDlqTargets.has(alarm.inputs.dimensions.RuleName), alarm.inputs.dimensions.RuleName);
                assert.equal(alarm.inputs.namespace, "AWS/Events");
                assert.equal(alarm.inputs.metricName, "InvocationsFailedToBeSentToDlq");
                assert.deepEqual(alarm.inputs.dimensions, { RuleName: get(T.rule, RULE_ROLES[key]).inputs.name });
                assert.equal(alarm.inputs.statistic, "Sum");
                assert.equal(alarm.inputs.threshold, 0);
                assert.equal(alarm.inputs.comparisonOperator, "GreaterThanThreshold");
                assert.equal(alarm.inputs.treatMissingData, "notBreaching");
                assert.deepEqual(alarm.inputs.alarmActions, [topicArn]);
            }
        });
    });
}
