/**
 * The all-in-one example stacks run once each under Pulumi mocks and shared by the approval components' tests
 * (ApprovalEvents, ApprovalRules, Notifier, Deployer): resource types, and what a stack's registered bytes are.
 */
import { runProgramUnderMocks, type ProgramRun, type RecordedResource } from "../../../cli/lib/programUnderMocks";
import * as fs from "fs";
import * as path from "path";
import { exampleStackConfig } from "../exampleStacks";
import { artifactGuardCompanions } from "../../../infra/components/artifactGuard";
import { detectiveControlCompanions, mergeCompanions } from "../../../infra/components/detectiveControl";
import { smokeTestCompanions } from "../../../infra/components/smokeTest";

/** What the program passes ApprovalEvents as companions: ArtifactGuard's and SmokeTest's (on by default) names, and DetectiveControl's where it is on (prod, production: true). */
export function programCompanions(stack: string) {
    return mergeCompanions(artifactGuardCompanions(stack), smokeTestCompanions(stack), ...(stack === "prod" ? [detectiveControlCompanions(stack)] : []));
}


export const T = {
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
    guard: "sagemaker-approval-gate:integrity:ArtifactGuard",
    smoke: "sagemaker-approval-gate:smoke:SmokeTest",
    topicComponent: "sagemaker-approval-gate:approvals:ApprovalsTopic",
};

/** The mocks' default account, where the all-in-one example stacks run. */
export const SCOPE = { partition: "aws", region: "us-east-1", accountId: "123456789012" };

/**
 * Where a stack's registered bytes are: its pipeline's bucket and prefix (infra/index.ts). The serving images are
 * left out here (`imageUris: []`) and compared through `withoutImages` with the model role's pull statement instead.
 */
export function bytesOf(stack: string) {
    return { artifactsBucketName: `sagemaker-approval-gate-${stack}-training-123456789012`, pipelineName: `sagemaker-approval-gate-${stack}-training`, imageUris: [] };
}
export const withoutImages = (doc: { Statement: { Sid: string }[] }) => doc.Statement.filter((st) => st.Sid !== "ResolveServingImageTags");

const runs = new Map<string, Promise<ProgramRun>>();

/** The program run for an example stack (its Pulumi.<stack>.yaml), once per process. */
/**
 * The all-in-one config of an example stack: dev's Pulumi.dev.yaml; prod's as it was before prod became an environment
 * stack of the multi-account layout (issue 10), kept with the URN snapshot in tests/fixtures/urns.
 */
export function allInOneStackConfig(stack: string): Record<string, unknown> {
    if (stack === "dev") return exampleStackConfig("dev");
    return JSON.parse(fs.readFileSync(path.join(__dirname, `../../fixtures/urns/${stack}-before-split.json`), "utf8")).config;
}

export function exampleRun(stack: string): Promise<ProgramRun> {
    if (!runs.has(stack)) runs.set(stack, runProgramUnderMocks({ stack, config: allInOneStackConfig(stack) }));
    return runs.get(stack)!;
}

/** Lookups by the role suffix of the children of the stack's ApprovalEvents (`sagemaker-approval-gate-<stack>-approvals-<role>`). */
export function approvalNames(stack: string, run: () => ProgramRun) {
    const n = (role: string) => `sagemaker-approval-gate-${stack}-approvals-${role}`;
    return {
        n,
        get: (type: string, role: string) => run().recorder.get(type, n(role)),
        group: `abalone-${stack}`,
        byUrnParent: (r: RecordedResource) => r.name.startsWith(`sagemaker-approval-gate-${stack}-approvals`),
    };
}

/**
 * Lookups for a companion component's children (`sagemaker-approval-gate-<stack>-<component>-<role>`: `c`, `mine`)
 * next to ApprovalEvents' (`a`), and the approvals topic and CMK they use.
 */
export function componentNames(stack: string, component: string, run: () => ProgramRun) {
    const prefix = `sagemaker-approval-gate-${stack}`;
    const a = approvalNames(stack, run).n;
    const get = (type: string, name: string) => run().recorder.get(type, name);
    return {
        prefix,
        a,
        c: (role: string) => `${prefix}-${component}-${role}`,
        get,
        mine: (type: string) => run().recorder.ofType(type).filter((r) => r.name.startsWith(`${prefix}-${component}-`)),
        topicArn: () => get(T.topic, a("notifications-topic")).state.arn,
        keyArn: () => get(T.key, a("notifications-key")).state.arn,
    };
}
