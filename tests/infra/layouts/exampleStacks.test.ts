/**
 * The example stacks of the multi-account layout under Pulumi mocks (issue 10): Pulumi.shared.yaml (registry,
 * account 111111111111) and Pulumi.staging.yaml (environment of stage Staging, account 222222222222), and dev
 * (all-in-one): what each declares and does not declare, the cross-account documents, the hop and the bus policy.
 */
import { strict as assert } from "assert";
import { runProgramUnderMocks, type ProgramRun } from "../../../cli/lib/programUnderMocks";
import { environmentStagePatterns, forwardingPattern } from "../../../infra/events/stagePatterns";
import { environmentBusPolicy } from "../../../infra/lib/promotionEventPolicies";
import { exampleStackConfig } from "../exampleStacks";

const REGISTRY = "111111111111";
const STAGING = "222222222222";
const PROD = "333333333333";
const T = {
    fn: "aws:lambda/function:Function",
    table: "aws:dynamodb/table:Table",
    pipeline: "aws:sagemaker/pipeline:Pipeline",
    group: "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
    groupPolicy: "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    busPolicy: "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    policy: "aws:iam/policy:Policy",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    roleAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    key: "aws:kms/key:Key",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
};
const account = (accountId: string) => ({ accountId, region: "us-east-1", partition: "aws" });

describe("example stack shared (registry, under mocks)", function () {
    this.timeout(60_000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgramUnderMocks({ stack: "shared", config: exampleStackConfig("shared"), account: account(REGISTRY) });
    });

    it("owns the pipeline and the group, and no deployer: no function but the detective control's, no ledger (its audit table only), no endpoint", () => {
        assert.equal(run.outputs.layoutKind, "registry");
        assert.equal(run.recorder.ofType(T.pipeline).length, 1);
        assert.equal(run.recorder.ofType(T.group).length, 1);
        assert.deepEqual(run.recorder.ofType(T.fn).map((f) => f.inputs.name), ["sagemaker-approval-gate-shared-out-of-band"]);
        assert.deepEqual(run.recorder.ofType(T.table).map((t) => t.inputs.name), ["sagemaker-approval-gate-shared-audit"]);
        assert.equal(run.outputs.endpointName, undefined);
        assert.equal(run.outputs.deploymentsTableName, undefined);
        assert.equal(run.outputs.artifactsBucketName, `sagemaker-approval-gate-shared-training-${REGISTRY}`);
    });

    it("lets the environment accounts read the group and create models, and each stage's deploy role mark only its stage", () => {
        const doc = JSON.parse(run.recorder.ofType(T.groupPolicy)[0].inputs.resourcePolicy);
        const read = doc.Statement.find((s: any) => s.Sid === "EnvironmentAccountsRead");
        assert.deepEqual(read.Principal.AWS, [`arn:aws:iam::${STAGING}:root`, `arn:aws:iam::${PROD}:root`]);
        const marks = doc.Statement.filter((s: any) => /DeployRoleMarksDeployed$/.test(s.Sid));
        assert.deepEqual(marks.map((s: any) => s.Condition.ArnEquals["aws:PrincipalArn"][0]), [
            `arn:aws:iam::${STAGING}:role/sagemaker-approval-gate-staging-deploy-approved`,
            `arn:aws:iam::${PROD}:role/sagemaker-approval-gate-prod-deploy-approved`,
        ]);
        for (const s of marks) assert.deepEqual(s.Action, ["sagemaker:UpdateModelPackage"]);
    });

    it("declares one approver policy per stage, attached to that stage's approvers only, and not the all-in-one approver policy", () => {
        const policies = run.recorder.ofType(T.policy).filter((p) => p.name.includes("-stage-approver-"));
        assert.deepEqual(policies.map((p) => p.name).sort(), ["sagemaker-approval-gate-shared-registry-stage-approver-Production", "sagemaker-approval-gate-shared-registry-stage-approver-Staging"]);
        assert.equal(run.recorder.ofType(T.policy).filter((p) => p.name.endsWith("-approver-policy")).length, 0);
        const attached = run.recorder.ofType(T.roleAttachment).filter((a) => a.name.includes("-stage-approver-")).map((a) => `${a.name.split("-stage-approver-")[1].split("-role-")[0]}:${a.inputs.role}`);
        assert.deepEqual(attached.sort(), ["Production:ml-release-manager", "Staging:ml-staging-approver"]);
        assert.equal(typeof (run.outputs.stageApproverPolicyArns as Record<string, string>).Staging, "string");
    });

    it("opens the artifacts bucket and key to the environments' roles only", () => {
        const bucket = JSON.parse(run.recorder.ofType(T.bucketPolicy)[0].inputs.policy);
        const model = bucket.Statement.find((s: any) => s.Sid === "EnvironmentModelRolesReadModelArtifacts");
        assert.deepEqual(model.Condition.ArnEquals["aws:PrincipalArn"], [
            `arn:aws:iam::${STAGING}:role/sagemaker-approval-gate-staging-model-execution`,
            `arn:aws:iam::${PROD}:role/sagemaker-approval-gate-prod-model-execution`,
        ]);
        const artifactsKey = run.recorder.ofType(T.key).find((k) => k.name === "sagemaker-approval-gate-shared-training-key")!;
        const key = JSON.parse(artifactsKey.inputs.policy);
        assert.ok(key.Statement.some((s: any) => s.Sid === "EnvironmentRolesDecryptThroughS3"));
    });

    it("forwards the group's and the bucket's events to each environment account's default bus, through the role, with a DLQ and alarms", () => {
        const rules = run.recorder.ofType(T.rule).filter((r) => r.name.includes("-forward-"));
        assert.deepEqual(rules.map((r) => r.inputs.name).sort(), ["sagemaker-approval-gate-shared-forward-prod", "sagemaker-approval-gate-shared-forward-staging"]);
        const expected = forwardingPattern({ groupName: "abalone", registryAccountId: REGISTRY, artifactsBucketName: `sagemaker-approval-gate-shared-training-${REGISTRY}`, outputFolder: "sagemaker-approval-gate-shared-training" });
        for (const r of rules) assert.deepEqual(JSON.parse(r.inputs.eventPattern), expected);
        const targets = run.recorder.ofType(T.target).filter((t) => t.name.includes("-forward-"));
        const role = run.recorder.get("aws:iam/role:Role", "sagemaker-approval-gate-shared-forwarding-role");
        assert.deepEqual(targets.map((t) => t.inputs.arn).sort(), [STAGING, PROD].map((a) => `arn:aws:events:us-east-1:${a}:event-bus/default`).sort());
        const dlq = run.recorder.get("aws:sqs/queue:Queue", "sagemaker-approval-gate-shared-forwarding-forwarding-dlq");
        for (const t of targets) {
            assert.equal(t.inputs.roleArn, role.state.arn);
            assert.equal(t.inputs.deadLetterConfig.arn, dlq.state.arn);
        }
        const rolePolicy = JSON.parse(run.recorder.get(T.rolePolicy, "sagemaker-approval-gate-shared-forwarding-role-policy").inputs.policy);
        assert.deepEqual(rolePolicy.Statement[0].Action, ["events:PutEvents"]);
        const alarms = run.recorder.ofType(T.alarm).map((a) => a.inputs.name);
        for (const env of ["staging", "prod"]) {
            assert.ok(alarms.includes(`sagemaker-approval-gate-shared-forward-${env}-failed-invocations`), env);
            assert.ok(alarms.includes(`sagemaker-approval-gate-shared-forward-${env}-dlq-delivery-failures`), env);
        }
        assert.ok(alarms.includes("sagemaker-approval-gate-shared-forwarding-dlq-depth"));
    });

    it("reports pipeline failures and failed hops on its approvals topic, whose policy admits exactly those rules and alarms", () => {
        const policy = JSON.parse(run.recorder.ofType(T.topicPolicy)[0].inputs.policy);
        const allowed = (service: string) => policy.Statement.find((s: any) => s.Effect === "Allow" && s.Principal.Service.includes(service)).Condition.ArnEquals["aws:SourceArn"];
        assert.deepEqual(allowed("events.amazonaws.com"), ["forward-prod", "forward-staging", "pipeline-failed"].map((r) => `arn:aws:events:us-east-1:${REGISTRY}:rule/sagemaker-approval-gate-shared-${r}`));
        assert.deepEqual(allowed("cloudwatch.amazonaws.com"), run.recorder.ofType(T.alarm).map((a) => `arn:aws:cloudwatch:us-east-1:${REGISTRY}:alarm:${a.inputs.name}`).sort());
        const topicTargets = run.recorder.ofType(T.target).filter((t) => t.inputs.targetId === "approvals-topic");
        assert.deepEqual(topicTargets.map((t) => t.inputs.rule), ["sagemaker-approval-gate-shared-pipeline-failed"]);
    });
});

describe("example stack staging (environment of stage Staging, under mocks)", function () {
    this.timeout(60_000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgramUnderMocks({ stack: "staging", config: exampleStackConfig("staging"), account: account(STAGING) });
    });

    it("owns no pipeline and no group, and deploys: functions, ledger, endpoint", () => {
        assert.equal(run.outputs.layoutKind, "environment");
        assert.deepEqual(run.recorder.ofType(T.pipeline), []);
        assert.deepEqual(run.recorder.ofType(T.group), []);
        assert.deepEqual(run.recorder.ofType(T.groupPolicy), []);
        assert.deepEqual(run.recorder.ofType(T.fn).map((f) => f.inputs.name).sort(), ["artifact-tamper", "deploy-approved", "notify-approver", "smoke-test"].map((f) => `sagemaker-approval-gate-staging-${f}`));
        assert.equal(run.outputs.deploymentsTableName, "sagemaker-approval-gate-staging-deployments");
        assert.equal(run.outputs.endpointName, "sagemaker-approval-gate-staging-endpoint");
        assert.equal(run.outputs.artifactsBucketName, `sagemaker-approval-gate-shared-training-${REGISTRY}`);
        assert.equal(run.outputs.pipelineArn, undefined);
    });

    it("admits only the registry account on its default bus", () => {
        const [bus] = run.recorder.ofType(T.busPolicy);
        assert.equal(bus.inputs.eventBusName, "default");
        assert.deepEqual(JSON.parse(bus.inputs.policy), environmentBusPolicy({ scope: account(STAGING), registryAccountId: REGISTRY }));
    });

    it("matches the registry's forwarded events for its stage: pending, approved, rejected (first stage: no awaiting rule)", () => {
        const patterns = environmentStagePatterns({ groupName: "abalone", registryAccountId: REGISTRY, stage: "Staging", stageOrder: ["Staging", "Production"] });
        const rule = (role: string) => JSON.parse(run.recorder.get(T.rule, `sagemaker-approval-gate-staging-approvals-${role}`).inputs.eventPattern);
        assert.deepEqual(rule("pending-approval"), patterns.pending);
        assert.deepEqual(rule("approved"), patterns.approved);
        assert.deepEqual(rule("rejected"), patterns.rejected);
        const names = run.recorder.ofType(T.rule).map((r) => r.inputs.name);
        assert.ok(!names.includes("sagemaker-approval-gate-staging-awaiting-approval"));
        assert.ok(!names.includes("sagemaker-approval-gate-staging-pipeline-failed"));
        for (const r of run.recorder.ofType(T.rule).filter((r) => r.name.includes("-approvals-"))) assert.deepEqual(JSON.parse(r.inputs.eventPattern).account, [REGISTRY], r.name);
    });

    it("tells its functions their stage and the registry, and lets them reach the registry's versions only as their stage", () => {
        const vars = (fn: string) => run.recorder.get(T.fn, `sagemaker-approval-gate-staging-approvals-${fn}`).inputs.environment.variables;
        for (const fn of ["deploy-approved", "notify-approver"]) {
            assert.equal(vars(fn).STAGE, "Staging", fn);
            assert.equal(vars(fn).STAGE_ORDER, "Staging,Production", fn);
            assert.equal(vars(fn).REGISTRY_ACCOUNT_ID, REGISTRY, fn);
            assert.equal(vars(fn).MODEL_PACKAGE_GROUP_NAME, "abalone", fn);
        }
        const deploy = JSON.parse(run.recorder.get(T.rolePolicy, "sagemaker-approval-gate-staging-approvals-deploy-approved-policy").inputs.policy);
        const mark = deploy.Statement.find((s: any) => s.Sid === "MarkThisStageDeployed");
        assert.ok(mark.Resource.every((r: string) => r.startsWith(`arn:aws:sagemaker:us-east-1:${REGISTRY}:model-package/abalone`)), mark.Resource.join());
        assert.equal(mark.Condition.StringEquals["sagemaker:ModelLifeCycle:Stage"] ?? Object.values(mark.Condition.StringEquals)[0], "Staging");
        const notify = JSON.parse(run.recorder.get(T.rolePolicy, "sagemaker-approval-gate-staging-approvals-notify-approver-policy").inputs.policy);
        assert.ok(notify.Statement.some((s: any) => s.Sid === "DescribeRegistryVersions"));
        const model = JSON.parse(run.recorder.get(T.rolePolicy, "sagemaker-approval-gate-staging-approvals-model-role-policy").inputs.policy);
        assert.deepEqual(model.Statement.find((s: any) => s.Sid === "ReadModelArtifacts").Resource, [`arn:aws:s3:::sagemaker-approval-gate-shared-training-${REGISTRY}/sagemaker-approval-gate-shared-training/*/Train/output/*`]);
    });

    it("watches the registry's bucket and the registry account's ECR for tampering", () => {
        const tamper = run.recorder.ofType(T.rule).filter((r) => r.name.includes("artifact-guard"));
        const patterns = tamper.map((r) => JSON.parse(r.inputs.eventPattern));
        assert.ok(patterns.some((p) => JSON.stringify(p).includes(`sagemaker-approval-gate-shared-training-${REGISTRY}`)));
        assert.ok(patterns.some((p) => p.source?.[0] === "aws.ecr" && p.account?.[0] === REGISTRY));
    });
});

describe("an environment stack of a later stage (Production, from the staging example, under mocks)", function () {
    this.timeout(60_000);
    let run: ProgramRun;
    before(async () => {
        const config = exampleStackConfig("staging");
        config["sagemaker-approval-gate:environment"] = "prod";
        config["sagemaker-approval-gate:production"] = true;
        config["sagemaker-approval-gate:promotion"] = { ...(config["sagemaker-approval-gate:promotion"] as object), stage: "Production" };
        run = await runProgramUnderMocks({ stack: "prod", config, account: account(PROD) });
    });

    it("asks its approvers when the previous stage serves the version (awaiting → notify), and deploys on Production's approval", () => {
        const patterns = environmentStagePatterns({ groupName: "abalone", registryAccountId: REGISTRY, stage: "Production", stageOrder: ["Staging", "Production"] });
        const awaiting = run.recorder.get(T.rule, "sagemaker-approval-gate-prod-approvals-awaiting-approval");
        assert.deepEqual(JSON.parse(awaiting.inputs.eventPattern), patterns.awaiting);
        assert.deepEqual(JSON.parse(run.recorder.get(T.rule, "sagemaker-approval-gate-prod-approvals-approved").inputs.eventPattern), patterns.approved);
        const targets = run.recorder.ofType(T.target).filter((t) => t.inputs.rule === "sagemaker-approval-gate-prod-awaiting-approval");
        assert.deepEqual(targets.map((t) => t.inputs.targetId), ["notify-approver"]);
        const alarms = run.recorder.ofType(T.alarm).map((a) => a.inputs.name);
        assert.ok(alarms.includes("sagemaker-approval-gate-prod-awaiting-approval-failed-invocations"));
        const vars = run.recorder.get(T.fn, "sagemaker-approval-gate-prod-approvals-deploy-approved").inputs.environment.variables;
        assert.equal(vars.STAGE, "Production");
        const ledger = run.recorder.ofType(T.table)[0];
        assert.equal(ledger.inputs.deletionProtectionEnabled, true, "production: the ledger is protected");
    });
});
