/**
 * The approval events components inside the real program (infra/index.ts) under Pulumi mocks, for the
 * example stacks: rules, targets, DLQs, alarms, roles, encryption, functions and their code.
 */
import { strict as assert } from "assert";
import { runProgramUnderMocks, type ProgramRun, type RecordedResource } from "../../../cli/lib/programUnderMocks";
import {
    DEPLOY_QUEUE,
    endpointAlarmNames,
    functionCode,
    functionEnvironment,
    MAX_ROLLBACK_ALARMS,
    ownAlarmNames,
    rollbackAlarmNames,
    ruleDlqDeliveryFailuresAlarmName,
    ruleFailedInvocationsAlarmName,
    RULE_ROLES,
    TARGET_RETRY_POLICY,
} from "../../../infra/components/approvalEvents";
import { subscriptionSuffix } from "../../../infra/components/approvalsTopic";
import { artifactGuardCompanions } from "../../../infra/components/artifactGuard";
import { approvedPattern, pendingApprovalPattern, pipelineFailedPattern, rejectedPattern } from "../../../infra/events/patterns";
import { bundleLambda, LAMBDA_ENTRIES } from "../../../infra/lib/bundle";
import { deployApprovedPolicy } from "../../../infra/lib/approvalEventsPolicies";
import { deployApprovedVerifyingPolicy, notifyApproverPinningPolicy, operatorReadVerifyingPolicy } from "../../../infra/lib/artifactGuardPolicies";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { exampleStackConfig } from "../exampleStacks";

const T = {
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
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    key: "aws:kms/key:Key",
    table: "aws:dynamodb/table:Table",
    policy: "aws:iam/policy:Policy",
    roleAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    events: "sagemaker-approval-gate:approvals:ApprovalEvents",
    topicComponent: "sagemaker-approval-gate:approvals:ApprovalsTopic",
};

/**
 * Where a stack's registered bytes are: its pipeline's bucket and prefix (infra/index.ts). The serving images are
 * left out here (`imageUris: []`) and compared through `withoutImages` with the model role's pull statement instead.
 */
function bytesOf(stack: string) {
    return { artifactsBucketName: `sagemaker-approval-gate-${stack}-training-123456789012`, pipelineName: `sagemaker-approval-gate-${stack}-training`, imageUris: [] };
}
const withoutImages = (doc: { Statement: { Sid: string }[] }) => doc.Statement.filter((st) => st.Sid !== "ResolveServingImageTags");

for (const stack of ["dev", "prod"]) {
    describe(`ApprovalEvents in the ${stack} stack (under mocks)`, function () {
        this.timeout(60_000);
        let run: ProgramRun;
        const n = (role: string) => `sagemaker-approval-gate-${stack}-approvals-${role}`;
        const get = (type: string, role: string) => run.recorder.get(type, n(role));
        const group = `abalone-${stack}`;
        const byUrnParent = (r: RecordedResource) => r.name.startsWith(`sagemaker-approval-gate-${stack}-approvals`);

        before(async () => {
            run = await runProgramUnderMocks({ stack, config: exampleStackConfig(stack) });
        });

        it("declares one ApprovalEvents with its ApprovalsTopic, and exports topic, ledger, endpoint and model role", () => {
            assert.equal(run.recorder.ofType(T.events).length, 1);
            assert.equal(run.recorder.ofType(T.topicComponent).length, 1);
            assert.equal(run.outputs.endpointName, `sagemaker-approval-gate-${stack}-endpoint`);
            assert.equal(run.outputs.deploymentsTableName, `sagemaker-approval-gate-${stack}-deployments`);
            assert.match(String(run.outputs.approvalsTopicArn), new RegExp(`:sagemaker-approval-gate-${stack}-approvals$`));
            assert.match(String(run.outputs.modelExecutionRoleArn), /model-execution$/);
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
            // Its four rules and the tamper detection's two (ArtifactGuard, passed as companions), each by exact ARN.
            const companionRules = artifactGuardCompanions(stack).ruleNames.map((r) => `arn:aws:events:us-east-1:123456789012:rule/${r}`);
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

        it("sends notify's failed async invocations to its DLQ after bounded retries", () => {
            const config = get(T.invokeConfig, "notify-approver-async");
            assert.equal(config.inputs.maximumRetryAttempts, 2);
            assert.equal(config.inputs.destinationConfig.onFailure.destination, get(T.queue, "notify-approver-dlq").state.arn);
            assert.equal(run.recorder.ofType(T.invokeConfig).filter(byUrnParent).length, 1, "deploy is not invoked asynchronously");
        });

        it("feeds deploy from a FIFO queue: one at a time per endpoint, hours of retries, then a FIFO DLQ", () => {
            const requests = get(T.queue, "deploy-requests");
            assert.equal(requests.inputs.name, `sagemaker-approval-gate-${stack}-deploy-requests.fifo`);
            assert.equal(requests.inputs.fifoQueue, true);
            assert.equal(requests.inputs.contentBasedDeduplication, true);
            assert.equal(requests.inputs.visibilityTimeoutSeconds, 6 * DEPLOY_QUEUE.functionTimeoutSeconds);
            const dlq = get(T.queue, "deploy-approved-dlq");
            assert.equal(dlq.inputs.fifoQueue, true);
            assert.deepEqual(JSON.parse(requests.inputs.redrivePolicy), { deadLetterTargetArn: dlq.state.arn, maxReceiveCount: DEPLOY_QUEUE.maxReceiveCount });
            const mapping = get("aws:lambda/eventSourceMapping:EventSourceMapping", "deploy-requests-to-deploy-approved");
            assert.equal(mapping.inputs.eventSourceArn, requests.state.arn);
            assert.equal(mapping.inputs.functionName, `sagemaker-approval-gate-${stack}-deploy-approved`);
            assert.equal(mapping.inputs.batchSize, 1);
            assert.deepEqual(mapping.inputs.functionResponseTypes, ["ReportBatchItemFailures"]);
            assert.equal(get(T.fn, "deploy-approved").inputs.timeout, DEPLOY_QUEUE.functionTimeoutSeconds);
        });

        it("alarms on every DLQ's depth, each function's errors, no rollback target, and the endpoint (rollback alarms), all to the topic", () => {
            const topicArn = get(T.topic, "notifications-topic").state.arn;
            const alarms = run.recorder.ofType(T.alarm).filter(byUrnParent);
            const names = alarms.map((a) => a.inputs.name).sort();
            const own = endpointAlarmNames(stack);
            assert.deepEqual(
                names,
                [
                    "deploy-approved-dlq-depth", "deploy-approved-errors", "deploy-requests-age", own.errors5xx.replace(`sagemaker-approval-gate-${stack}-`, ""), own.latency.replace(`sagemaker-approval-gate-${stack}-`, ""),
                    "events-dlq-depth", "no-rollback-target", "notify-approver-dlq-depth", "notify-approver-errors",
                    "pending-approval-failed-invocations", "approved-failed-invocations", "rejected-failed-invocations", "pipeline-failed-failed-invocations",
                    "pending-approval-dlq-delivery-failures", "approved-dlq-delivery-failures", "rejected-dlq-delivery-failures", "pipeline-failed-dlq-delivery-failures",
                ].map((s) => `sagemaker-approval-gate-${stack}-${s}`).sort(),
            );
            for (const a of alarms) assert.deepEqual(a.inputs.alarmActions, [topicArn], a.name);
            const depth = get(T.alarm, "events-dlq-depth");
            assert.equal(depth.inputs.dimensions.QueueName, `sagemaker-approval-gate-${stack}-events-dlq`);
            const latency = get(T.alarm, "endpoint-latency");
            assert.deepEqual(latency.inputs.dimensions, { EndpointName: `sagemaker-approval-gate-${stack}-endpoint`, VariantName: "AllTraffic" });
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

        it("grants the approvers the operator-read policy (endpoint, configs, models, ledger, ledger key via DynamoDB, and the bytes `approve` checks), attached like the approver policy", () => {
            const policy = get(T.policy, "operator-read-policy");
            const approvers = (exampleStackConfig(stack)["sagemaker-approval-gate:approvers"] as { principalArns: string[] }).principalArns;
            assert.deepEqual(
                withoutImages(JSON.parse(policy.inputs.policy)),
                withoutImages(operatorReadVerifyingPolicy({
                    scope: { partition: "aws", region: "us-east-1", accountId: "123456789012" },
                    environment: stack,
                    endpointName: `sagemaker-approval-gate-${stack}-endpoint`,
                    ledgerTableArn: get(T.table, "ledger").state.arn,
                    ledgerKmsKeyArn: get(T.key, "notifications-key").state.arn,
                    readerPrincipalArns: approvers,
                    ...bytesOf(stack),
                })),
            );
            const pull = JSON.parse(get(T.rolePolicy, "model-role-policy").inputs.policy).Statement.find((st: any) => st.Sid === "PullInferenceImages");
            const resolve = JSON.parse(policy.inputs.policy).Statement.find((st: any) => st.Sid === "ResolveServingImageTags");
            assert.deepEqual([resolve.Action, resolve.Resource], [["ecr:BatchGetImage"], pull.Resource], "the serving images' repositories, by the pull API");
            assert.deepEqual(wildcardAllowActions(JSON.parse(policy.inputs.policy)), []);
            const attachments = run.recorder.ofType(T.roleAttachment).filter((a) => a.name.startsWith(n("operator-read-role-")));
            assert.deepEqual(attachments.map((a) => a.inputs.role).sort(), approvers.map((a) => a.slice(a.lastIndexOf("/") + 1)).sort());
            for (const a of attachments) assert.equal(a.inputs.policyArn, policy.state.arn);
            assert.equal(run.outputs.operatorReadPolicyArn, policy.state.arn);
        });

        it("lets exactly its rules and alarms publish to the topic, each by its ARN, and no one else's", () => {
            const policy = JSON.parse(get("aws:sns/topicPolicy:TopicPolicy", "notifications-topic-policy").inputs.policy);
            const allowed = (service: string) =>
                policy.Statement.find((s: any) => s.Effect === "Allow" && s.Principal.Service.includes(service)).Condition.ArnEquals["aws:SourceArn"] as string[];
            const topicTargets = run.recorder.ofType(T.target).filter(byUrnParent).filter((t) => t.inputs.arn === get(T.topic, "notifications-topic").state.arn);
            assert.equal(topicTargets.length, 2);
            for (const t of topicTargets) assert.ok(allowed("events.amazonaws.com").includes(get(T.rule, t.inputs.rule.replace(`sagemaker-approval-gate-${stack}-`, "")).state.arn), t.inputs.rule);
            const companionAlarms = artifactGuardCompanions(stack).alarmNames;
            const alarmArns = [...run.recorder.ofType(T.alarm).filter(byUrnParent).map((a) => a.inputs.name), ...companionAlarms].map((name) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`).sort();
            assert.deepEqual(allowed("cloudwatch.amazonaws.com"), alarmArns, "every alarm it makes and its companions' (ArtifactGuard), and only those");
            assert.deepEqual(ownAlarmNames(stack).sort(), run.recorder.ofType(T.alarm).filter(byUrnParent).map((a) => a.inputs.name).sort());
            assert.deepEqual(allowed("events.amazonaws.com"), run.recorder.ofType(T.rule).filter(byUrnParent).map((r) => r.state.arn).sort());
        });

        it("encrypts the topic, the ledger and the log groups with the approvals CMK, and subscribes the approvers' emails", () => {
            const keyArn = get(T.key, "notifications-key").state.arn;
            assert.equal(get(T.topic, "notifications-topic").inputs.kmsMasterKeyId, keyArn);
            const table = get(T.table, "ledger");
            assert.equal(table.inputs.name, `sagemaker-approval-gate-${stack}-deployments`);
            assert.deepEqual(table.inputs.serverSideEncryption, { enabled: true, kmsKeyArn: keyArn });
            assert.equal(table.inputs.hashKey, "pk");
            assert.equal(table.inputs.rangeKey, "sk");
            assert.equal(table.inputs.deletionProtectionEnabled, stack === "prod");
            for (const role of ["notify-approver", "deploy-approved"]) {
                const logs = get(T.logGroup, `${role}-logs`);
                assert.equal(logs.inputs.kmsKeyId, keyArn);
                assert.equal(logs.inputs.retentionInDays, 90);
                assert.equal(logs.inputs.name, `/aws/lambda/sagemaker-approval-gate-${stack}-${role}`);
            }
            const emails = (exampleStackConfig(stack)["sagemaker-approval-gate:approvers"] as { emails: string[] }).emails;
            const subs = run.recorder.ofType(T.subscription).filter(byUrnParent);
            assert.deepEqual(subs.map((s) => s.inputs.endpoint).sort(), [...emails].sort());
            assert.deepEqual(subs.map((s) => s.name).sort(), emails.map((e) => n(`notifications-email-${subscriptionSuffix(e)}`)).sort());
            const keyPolicy = JSON.parse(get(T.key, "notifications-key").inputs.policy);
            assert.deepEqual(wildcardAllowActions(keyPolicy), []);
            const logsStatement = keyPolicy.Statement.find((st: any) => st.Sid === "LogsEncryptThisEnvironmentsLogGroups");
            assert.deepEqual(
                logsStatement.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"],
                [
                    `/aws/lambda/sagemaker-approval-gate-${stack}-artifact-tamper`,
                    ...["deploy-approved", "notify-approver"].map((role) => get(T.logGroup, `${role}-logs`).inputs.name),
                ].map((name) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`),
            );
            assert.equal(get(T.key, "notifications-key").inputs.enableKeyRotation, true);
        });

        it("gives each function a role of its own with a least-privilege policy, and the model role to SageMaker", () => {
            for (const role of ["notify-approver", "deploy-approved", "model-role"]) {
                const policy = JSON.parse(get(T.rolePolicy, role === "model-role" ? "model-role-policy" : `${role}-policy`).inputs.policy);
                assert.deepEqual(wildcardAllowActions(policy), [], role);
            }
            const deploy = JSON.parse(get(T.rolePolicy, "deploy-approved-policy").inputs.policy);
            const pass = deploy.Statement.find((s: { Action: string[] }) => s.Action.includes("iam:PassRole"));
            assert.deepEqual(pass.Resource, [get(T.role, "model-role").state.arn]);
            assert.equal(JSON.parse(get(T.role, "model-role").inputs.assumeRolePolicy).Statement[0].Principal.Service[0], "sagemaker.amazonaws.com");
            const objects = (role: string) =>
                JSON.parse(get(T.rolePolicy, role).inputs.policy).Statement.filter((st: any) => st.Action.includes("s3:GetObject")).flatMap((st: any) => st.Resource);
            const executions = `arn:aws:s3:::sagemaker-approval-gate-${stack}-training-123456789012/sagemaker-approval-gate-${stack}-training/*`;
            // Since issue 9 notify also heads the training outputs to pin them (HeadObject is authorised as GetObject).
            assert.deepEqual(objects("notify-approver-policy"), [`${executions}/Evaluate/output/evaluation/evaluation.json`, `${executions}/Train/output/*`], "notify reads the evaluation reports and the training outputs only");
            assert.deepEqual(objects("model-role-policy"), [`${executions}/Train/output/*`], "the model reads training outputs only");
            assert.equal(JSON.parse(get(T.role, "deploy-approved-role").inputs.assumeRolePolicy).Statement[0].Principal.Service[0], "lambda.amazonaws.com");
        });

        it("lets notify-approver read what it pins (issue 9): this group's versions, the training outputs, the serving images' tags, the pins in the ledger", () => {
            const policy = JSON.parse(get(T.rolePolicy, "notify-approver-policy").inputs.policy);
            const bucket = `sagemaker-approval-gate-${stack}-training-123456789012`;
            const pipeline = `sagemaker-approval-gate-${stack}-training`;
            assert.deepEqual(
                withoutImages(policy),
                withoutImages(notifyApproverPinningPolicy({
                    scope: { partition: "aws", region: "us-east-1", accountId: "123456789012" },
                    logGroupName: `/aws/lambda/sagemaker-approval-gate-${stack}-notify-approver`,
                    ledgerTableArn: get(T.table, "ledger").state.arn,
                    topicArn: get(T.topic, "notifications-topic").state.arn,
                    kmsKeyArn: get(T.key, "notifications-key").state.arn,
                    dlqArn: get(T.queue, "notify-approver-dlq").state.arn,
                    reportBucketName: bucket,
                    reportKeyPattern: `${pipeline}/*/Evaluate/output/evaluation/evaluation.json`,
                    reportKmsKeyArn: run.outputs.artifactsKmsKeyArn as string,
                    groupName: group,
                    ...bytesOf(stack),
                })),
            );
            // The tags it resolves are those of the images the model role may pull (the serving images), no others.
            const pull = JSON.parse(get(T.rolePolicy, "model-role-policy").inputs.policy).Statement.find((st: any) => st.Sid === "PullInferenceImages");
            const resolve = policy.Statement.find((st: any) => st.Sid === "ResolveServingImageTags");
            assert.deepEqual([resolve.Action, resolve.Resource], [["ecr:BatchGetImage"], pull.Resource]);
            assert.ok(policy.Statement.some((st: any) => st.Sid === "HeadRegisteredArtifacts"));
            assert.deepEqual(wildcardAllowActions(policy), []);
        });

        it("lets deploy-approved verify what it deploys (issue 9): its document plus the training outputs (404 when deleted) and the serving images' digests", () => {
            const policy = JSON.parse(get(T.rolePolicy, "deploy-approved-policy").inputs.policy);
            const base = {
                scope: { partition: "aws", region: "us-east-1", accountId: "123456789012" },
                logGroupName: `/aws/lambda/sagemaker-approval-gate-${stack}-deploy-approved`,
                ledgerTableArn: get(T.table, "ledger").state.arn,
                topicArn: get(T.topic, "notifications-topic").state.arn,
                kmsKeyArn: get(T.key, "notifications-key").state.arn,
                requestQueueArn: get(T.queue, "deploy-requests").state.arn,
                groupName: group,
                environment: stack,
                endpointName: `sagemaker-approval-gate-${stack}-endpoint`,
                modelExecutionRoleArn: get(T.role, "model-role").state.arn,
                rollbackAlarmArns: policy.Statement.find((st: any) => st.Sid === "ReadRollbackAlarms")?.Resource ?? [],
            };
            assert.notDeepEqual(withoutImages(policy), withoutImages(deployApprovedPolicy(base)), "more than the deploy document of before");
            assert.deepEqual(withoutImages(policy), withoutImages(deployApprovedVerifyingPolicy({ ...base, ...bytesOf(stack), scope: base.scope })));
            const pull = JSON.parse(get(T.rolePolicy, "model-role-policy").inputs.policy).Statement.find((st: any) => st.Sid === "PullInferenceImages");
            const resolve = policy.Statement.find((st: any) => st.Sid === "ResolveServingImageTags");
            assert.deepEqual([resolve.Action, resolve.Resource], [["ecr:BatchGetImage"], pull.Resource]);
            const executions = `arn:aws:s3:::sagemaker-approval-gate-${stack}-training-123456789012/sagemaker-approval-gate-${stack}-training/*`;
            assert.deepEqual(policy.Statement.filter((st: any) => st.Action.includes("s3:GetObject")).flatMap((st: any) => st.Resource), [`${executions}/Train/output/*`]);
            assert.ok(!("PIN_WAIT_SECONDS" in get(T.fn, "deploy-approved").inputs.environment.variables), "the default wait (900 s) is the one meant");
        });

        it("ships the bundled handlers on nodejs22.x, configured through env vars, reserving no concurrency", () => {
            const deploy = get(T.fn, "deploy-approved");
            const notify = get(T.fn, "notify-approver");
            assert.equal(deploy.inputs.runtime, "nodejs22.x");
            assert.equal(deploy.inputs.handler, "index.handler");
            // Accounts with the new-account concurrency quota (10) reject any reservation; one at a time comes
            // from the FIFO message group and the ledger's conditional write.
            assert.equal(deploy.inputs.reservedConcurrentExecutions, undefined);
            assert.equal(notify.inputs.reservedConcurrentExecutions, undefined);
            assert.equal(deploy.inputs.environment.variables.RESOURCE_PREFIX, `sagemaker-approval-gate-${stack}-`, "names are <prefix>-v<n>-<hash>: sagemaker-approval-gate-<env>--v…");
            assert.equal(deploy.inputs.loggingConfig.logGroup, `/aws/lambda/sagemaker-approval-gate-${stack}-deploy-approved`);
            const config = exampleStackConfig(stack) as Record<string, any>;
            const endpoint = { rollbackAlarmNames: [], ...config["sagemaker-approval-gate:endpoint"] };
            assert.deepEqual(
                deploy.inputs.environment.variables,
                functionEnvironment("deploy-approved", {
                    environment: stack,
                    groupName: group,
                    endpointName: `sagemaker-approval-gate-${stack}-endpoint`,
                    ledgerTableName: `sagemaker-approval-gate-${stack}-deployments`,
                    topicArn: get(T.topic, "notifications-topic").state.arn,
                    accountId: "123456789012",
                    modelExecutionRoleArn: get(T.role, "model-role").state.arn,
                    endpoint,
                }),
            );
            assert.equal(deploy.inputs.environment.variables.ROLLBACK_ALARM_NAMES, rollbackAlarmNames(stack, []).join(","));
            assert.equal(deploy.inputs.environment.variables.INITIAL_INSTANCE_COUNT, String(endpoint.initialInstanceCount));
        });

        it("packages each function as one index.js StringAsset holding the deterministic bundle", async () => {
            for (const role of ["notify-approver", "deploy-approved"] as const) {
                const archive = functionCode(role);
                const assets = (await archive.assets) as Record<string, any>;
                assert.deepEqual(Object.keys(assets), ["index.js"]);
                assert.equal(await assets["index.js"].text, bundleLambda(LAMBDA_ENTRIES[role]).code);
            }
        });
    });
}

describe("ApprovalEvents operator-read policy when approvers.attachPolicy is false (under mocks)", function () {
    this.timeout(60_000);
    it("declares and exports the policy but attaches it to no one", async () => {
        const config = exampleStackConfig("dev");
        config["sagemaker-approval-gate:approvers"] = { ...(config["sagemaker-approval-gate:approvers"] as object), attachPolicy: false };
        const run = await runProgramUnderMocks({ stack: "dev", config });
        const policy = run.recorder.get(T.policy, "sagemaker-approval-gate-dev-approvals-operator-read-policy");
        assert.equal(run.outputs.operatorReadPolicyArn, policy.state.arn);
        assert.deepEqual(run.recorder.ofType(T.roleAttachment).filter((a) => a.name.includes("-operator-read-")), []);
    });
});

describe("ApprovalEvents rollback alarms (pure)", () => {
    it("lists the stack's two alarms first, then the configured ones, each once", () => {
        assert.deepEqual(rollbackAlarmNames("dev", ["team-slo", "team-slo"]), [endpointAlarmNames("dev").errors5xx, endpointAlarmNames("dev").latency, "team-slo"]);
    });

    it("refuses more alarms than UpdateEndpoint's AutoRollbackConfiguration takes, naming the setting", () => {
        const configured = Array.from({ length: MAX_ROLLBACK_ALARMS - 1 }, (_, i) => `a${i}`);
        assert.equal(rollbackAlarmNames("dev", configured.slice(1)).length, MAX_ROLLBACK_ALARMS);
        assert.throws(() => rollbackAlarmNames("dev", configured), /endpoint\.rollbackAlarmNames has 9 alarms; .* at most 10\. Keep at most 8/);
    });
});
