import { strict as assert } from "assert";
import { PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import {
    approvedPattern,
    pendingApprovalPattern,
    pipelineFailedNotification,
    pipelineFailedPattern,
    rejectedNotification,
    rejectedPattern,
    type EventPattern,
} from "../../../infra/events/patterns";
import { EVENT_FIXTURES, FIXTURE_GROUP, FIXTURE_PIPELINE_ARN, loadEvent, modelPackageVariant, type EventFixture } from "../../fixtures/events";
import { uniqueName } from "../../helpers/moto";
import { matches } from "./matcher";
import { motoBus, type MotoBus } from "./motoBus";

const RULES: Record<string, EventPattern> = {
    pending: pendingApprovalPattern(FIXTURE_GROUP),
    approved: approvedPattern(FIXTURE_GROUP),
    rejected: rejectedPattern(FIXTURE_GROUP),
    pipelineFailed: pipelineFailedPattern(FIXTURE_PIPELINE_ARN),
};

/** Which rule must fire for each documented fixture (none for the others). */
const EXPECTED: Record<(typeof EVENT_FIXTURES)[number], string[]> = {
    "model-package-pending": ["pending"],
    "model-package-pending-inprogress": [],
    "model-package-approved": ["approved"],
    "model-package-rejected": ["rejected"],
    "model-package-approved-other-group": [],
    "pipeline-execution-succeeded": [],
    "pipeline-execution-failed": ["pipelineFailed"],
    "pipeline-step-succeeded": [],
    "endpoint-in-service": [],
};

const APPROVAL = ["PendingManualApproval", "Approved", "Rejected"];
const PACKAGE = ["Pending", "InProgress", "Completed", "Failed", "Deleting"];

/** Every approval status × package status, for our group and another; what must fire is derived from the rules. */
function variants(): { label: string; event: EventFixture; fires: string[] }[] {
    const out: { label: string; event: EventFixture; fires: string[] }[] = [];
    for (const a of APPROVAL) {
        for (const p of PACKAGE) {
            const fires = a === "PendingManualApproval" ? (p === "Completed" ? ["pending"] : []) : a === "Approved" ? ["approved"] : ["rejected"];
            out.push({ label: `${a}/${p}`, event: modelPackageVariant(a, p), fires });
            out.push({ label: `${a}/${p} other group`, event: modelPackageVariant(a, p, { ModelPackageGroupName: "another-group" }), fires: [] });
        }
    }
    // Same group but different case: EventBridge matching is case-sensitive; the group's own spelling is what the event carries.
    out.push({ label: "Approved, group name in other case", event: modelPackageVariant("Approved", "Completed", { ModelPackageGroupName: FIXTURE_GROUP.toUpperCase() }), fires: [] });
    for (const status of ["Executing", "Stopping", "Stopped", "Succeeded", "Failed"]) {
        const event = loadEvent("pipeline-execution-succeeded");
        event.detail.currentPipelineExecutionStatus = status;
        out.push({ label: `pipeline ${status}`, event, fires: status === "Failed" ? ["pipelineFailed"] : [] });
        const lower = JSON.parse(JSON.stringify(event));
        lower.detail.pipelineArn = FIXTURE_PIPELINE_ARN.toLowerCase();
        out.push({ label: `pipeline ${status}, lower-cased ARN`, event: lower, fires: status === "Failed" ? ["pipelineFailed"] : [] });
        const other = JSON.parse(JSON.stringify(event));
        other.detail.pipelineArn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/another-pipeline";
        out.push({ label: `pipeline ${status}, another pipeline`, event: other, fires: [] });
    }
    return out;
}

function firing(event: unknown): string[] {
    return Object.entries(RULES).filter(([, pattern]) => matches(pattern, event)).map(([name]) => name);
}

describe("infra/events/patterns", () => {
    describe("the matcher itself", () => {
        it("matches exact values, arrays in events, nested objects, and nothing else", () => {
            assert.equal(matches({ a: ["x"] }, { a: "x", b: 1 }), true);
            assert.equal(matches({ a: ["x"] }, { a: ["y", "x"] }), true);
            assert.equal(matches({ a: ["x"] }, { a: "X" }), false);
            assert.equal(matches({ a: ["x"] }, {}), false);
            assert.equal(matches({ a: [2] }, { a: "2" }), false);
            assert.equal(matches({ a: { b: ["x"] } }, { a: { b: "x" } }), true);
            assert.equal(matches({ a: { b: ["x"] } }, { a: "x" }), false);
            assert.throws(() => matches({ a: [{ "anything-but": "x" } as never] }, { a: "x" }), /not supported/);
            assert.equal(matches({ a: [{ prefix: "x/" }] }, { a: "x/y" }), true);
            assert.equal(matches({ a: [{ prefix: "x/" }] }, { a: "X/y" }), false);
            assert.equal(matches({ a: [{ prefix: "1" }] }, { a: 12 }), false);
        });
    });

    describe("with the faithful matcher", () => {
        for (const name of EVENT_FIXTURES) {
            it(`${name}: fires ${EXPECTED[name].join(", ") || "no rule"}`, () => {
                assert.deepEqual(firing(loadEvent(name)), EXPECTED[name]);
            });
        }
        it("every approval status × package status, our group and another, pipeline statuses", () => {
            for (const v of variants()) assert.deepEqual(firing(v.event), v.fires, v.label);
        });
        it("the pattern found in public samples (approval value in ModelPackageStatus) never matches anything", () => {
            const wrong: EventPattern = { source: ["aws.sagemaker"], detail: { ModelPackageStatus: ["PendingManualApproval", "Approved"] } };
            for (const v of variants()) assert.equal(matches(wrong, v.event), false, v.label);
        });
        it("scopes every model package rule to the group and uses ModelApprovalStatus for approval", () => {
            for (const pattern of [RULES.pending, RULES.approved, RULES.rejected]) {
                const detail = pattern.detail as Record<string, string[]>;
                assert.deepEqual(detail.ModelPackageGroupName, [FIXTURE_GROUP]);
                assert.equal(detail.ModelApprovalStatus.length, 1);
                for (const v of detail.ModelPackageStatus ?? []) assert.ok(["Pending", "InProgress", "Completed", "Failed", "Deleting"].includes(v));
            }
        });
    });

    describe("notification templates", () => {
        it("only reference paths that exist in the documented events, and are JSON strings", () => {
            const cases: [ReturnType<typeof pipelineFailedNotification>, EventFixture][] = [
                [pipelineFailedNotification("dev"), loadEvent("pipeline-execution-failed")],
                [rejectedNotification("dev"), loadEvent("model-package-rejected")],
            ];
            for (const [transformer, event] of cases) {
                for (const [key, jsonPath] of Object.entries(transformer.inputPaths)) {
                    const value = jsonPath.slice(2).split(".").reduce<any>((o, k) => o?.[k], event);
                    assert.notEqual(value, undefined, `${jsonPath} missing in the sample`);
                    assert.ok(transformer.inputTemplate.includes(`<${key}>`), `<${key}> unused`);
                }
                assert.equal(typeof JSON.parse(transformer.inputTemplate), "string");
                assert.match(transformer.inputTemplate, /\[dev\]/);
            }
        });
    });

    describe("with moto's EventBridge (rule + SQS target + PutEvents)", function () {
        this.timeout(60_000);
        let moto: MotoBus;
        const routed = (event: EventFixture) => moto.routed(event);

        before(async () => {
            moto = await motoBus("approval-bus", RULES);
        });

        it("routes each documented fixture to exactly the expected rule", async () => {
            const fired = await moto.routedAll(EVENT_FIXTURES.map(loadEvent));
            EVENT_FIXTURES.forEach((name, i) => assert.deepEqual(fired[i], EXPECTED[name], name));
        });

        it("delivers approved events into a FIFO queue with the endpoint as message group, as the deploy target is declared", async () => {
            const { events, sqs, bus } = moto;
            const fifo = (await sqs.send(new CreateQueueCommand({ QueueName: `${uniqueName("deploy-requests")}.fifo`, Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" } }))).QueueUrl!;
            const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: fifo, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn;
            const ruleName = uniqueName("approved-fifo");
            await events.send(new PutRuleCommand({ Name: ruleName, EventBusName: bus, EventPattern: JSON.stringify(RULES.approved) }));
            await events.send(new PutTargetsCommand({ Rule: ruleName, EventBusName: bus, Targets: [{ Id: "deploy-requests", Arn: arn, SqsParameters: { MessageGroupId: "sagemaker-approval-gate-dev-endpoint" } }] }));
            await routed(loadEvent("model-package-approved"));
            await routed(loadEvent("model-package-pending"));
            const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fifo, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["MessageGroupId"] }));
            assert.equal(out.Messages?.length, 1);
            assert.equal(out.Messages![0].Attributes?.MessageGroupId, "sagemaker-approval-gate-dev-endpoint");
            assert.equal(JSON.parse(out.Messages![0].Body!).detail.ModelApprovalStatus, "Approved");
        });

        it("routes every status variant as the matcher does", async () => {
            const all = variants();
            const fired = await moto.routedAll(all.map((v) => v.event));
            all.forEach((v, i) => assert.deepEqual(fired[i], v.fires, v.label));
        });
    });
});
