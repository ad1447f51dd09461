/**
 * The Deployer inside the real program (infra/index.ts) under Pulumi mocks, for the all-in-one example stacks:
 * the deploy queue, the deploy function's role and settings, the operator-read policy; and its pure helpers.
 */
import { strict as assert } from "assert";
import { runProgramUnderMocks, type ProgramRun } from "../../../cli/lib/programUnderMocks";
import { DEPLOY_QUEUE, deployerEnvironment, endpointAlarmNames, MAX_ROLLBACK_ALARMS, rollbackAlarmNames } from "../../../infra/components/deployer";
import { deployApprovedPolicy } from "../../../infra/lib/deployerPolicies";
import { deployApprovedVerifyingPolicy, operatorReadVerifyingPolicy } from "../../../infra/lib/artifactGuardPolicies";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { allInOneStackConfig, approvalNames, bytesOf, exampleRun, T, withoutImages } from "./approvalStacks";

for (const stack of ["dev", "prod"]) {
    describe(`Deployer in the ${stack} stack (under mocks)`, function () {
        this.timeout(60_000);
        let run: ProgramRun;
        const { n, get, group, byUrnParent } = approvalNames(stack, () => run);

        before(async () => {
            run = await exampleRun(stack);
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

        it("grants the approvers the operator-read policy (endpoint, configs, models, ledger, ledger key via DynamoDB, and the bytes `approve` checks), attached like the approver policy", () => {
            const policy = get(T.policy, "operator-read-policy");
            const approvers = (allInOneStackConfig(stack)["sagemaker-approval-gate:approvers"] as { principalArns: string[] }).principalArns;
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
            const config = allInOneStackConfig(stack) as Record<string, any>;
            const endpoint = { rollbackAlarmNames: [], ...config["sagemaker-approval-gate:endpoint"] };
            assert.deepEqual(
                deploy.inputs.environment.variables,
                deployerEnvironment({
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
    });
}

describe("ApprovalEvents operator-read policy when approvers.attachPolicy is false (under mocks)", function () {
    this.timeout(60_000);
    it("declares and exports the policy but attaches it to no one", async () => {
        const config = allInOneStackConfig("dev");
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
