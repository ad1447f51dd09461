/**
 * The Notifier inside the real program (infra/index.ts) under Pulumi mocks, for the all-in-one example stacks:
 * its async invocations and DLQ, and what its role may read to pin a version's bytes.
 */
import { strict as assert } from "assert";
import type { ProgramRun } from "../../../cli/lib/programUnderMocks";
import { notifyApproverPinningPolicy } from "../../../infra/lib/artifactGuardPolicies";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { approvalNames, bytesOf, exampleRun, T, withoutImages } from "./approvalStacks";

for (const stack of ["dev", "prod"]) {
    describe(`Notifier in the ${stack} stack (under mocks)`, function () {
        this.timeout(60_000);
        let run: ProgramRun;
        const { n, get, group, byUrnParent } = approvalNames(stack, () => run);

        before(async () => {
            run = await exampleRun(stack);
        });

        it("sends notify's failed async invocations to its DLQ after bounded retries", () => {
            const config = get(T.invokeConfig, "notify-approver-async");
            assert.equal(config.inputs.maximumRetryAttempts, 2);
            assert.equal(config.inputs.destinationConfig.onFailure.destination, get(T.queue, "notify-approver-dlq").state.arn);
            assert.equal(run.recorder.ofType(T.invokeConfig).filter(byUrnParent).length, 1, "deploy is not invoked asynchronously");
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
    });
}
