/**
 * ruleToFunction and functionTarget (infra/lib/functionResources.ts) under Pulumi mocks, on a fixture program: the
 * children's names, parent and aliases (what keeps a component's URNs), the rule's inputs, the permission naming the
 * rule, and the target with the DLQ, the retry policy, and its wait for the permission.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { runProgramUnderMocks, type ProgramRun } from "../../../cli/lib/programUnderMocks";
import { TARGET_RETRY_POLICY } from "../../../infra/lib/functionResources";

const T = {
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    permission: "aws:lambda/permission:Permission",
    fn: "aws:lambda/function:Function",
};

describe("infra/lib/functionResources ruleToFunction / functionTarget (under mocks)", function () {
    this.timeout(60_000);
    let run: ProgramRun;
    before(async () => {
        run = await runProgramUnderMocks({ stack: "qa", config: {}, entry: path.join(__dirname, "fixtures/ruleToFunction/index.ts") });
    });

    it("declares the rule <name>-<role> named for the environment, with the pattern, description and tags", () => {
        const rule = run.recorder.get(T.rule, "demo-thing-changed");
        assert.equal(rule.inputs.name, "sagemaker-approval-gate-qa-thing-changed");
        assert.equal(rule.inputs.description, "A thing changed");
        assert.deepEqual(JSON.parse(rule.inputs.eventPattern), { source: ["aws.s3"] });
        assert.deepEqual(rule.inputs.tags, { team: "ml" });
    });

    it("lets only that rule invoke the function: <name>-<key>-invokes-<targetId>", () => {
        const permission = run.recorder.get(T.permission, "demo-thingChanged-invokes-worker");
        assert.deepEqual(
            { action: permission.inputs.action, principal: permission.inputs.principal, function: permission.inputs.function, sourceArn: permission.inputs.sourceArn },
            { action: "lambda:InvokeFunction", principal: "events.amazonaws.com", function: "sagemaker-approval-gate-qa-worker", sourceArn: run.recorder.get(T.rule, "demo-thing-changed").state.arn },
        );
    });

    it("targets the function with the DLQ and TARGET_RETRY_POLICY, after its permission: <name>-<key>-to-<targetId>", () => {
        const target = run.recorder.get(T.target, "demo-thingChanged-to-worker");
        assert.equal(target.inputs.rule, "sagemaker-approval-gate-qa-thing-changed");
        assert.equal(target.inputs.targetId, "worker");
        assert.equal(target.inputs.arn, run.recorder.get(T.fn, "demo-worker").state.arn);
        assert.deepEqual(target.inputs.deadLetterConfig, { arn: "arn:aws:sqs:us-east-1:123456789012:sagemaker-approval-gate-qa-events-dlq" });
        assert.deepEqual(target.inputs.retryPolicy, TARGET_RETRY_POLICY);
        assert.ok(run.recorder.dependenciesOf(target).includes(run.recorder.get(T.permission, "demo-thingChanged-invokes-worker").urn), "the target waits for its permission");
    });

    it("functionTarget adds a target to an existing rule, with its own permission and DLQ", () => {
        const target = run.recorder.get(T.target, "demo-again-to-other-worker");
        const permission = run.recorder.get(T.permission, "demo-again-invokes-other-worker");
        assert.equal(target.inputs.rule, "sagemaker-approval-gate-qa-thing-changed");
        assert.deepEqual(target.inputs.deadLetterConfig, { arn: "arn:aws:sqs:us-east-1:123456789012:other-dlq" });
        assert.equal(permission.inputs.sourceArn, run.recorder.get(T.rule, "demo-thing-changed").state.arn);
        assert.ok(run.recorder.dependenciesOf(target).includes(permission.urn));
    });

    it("puts every child under the context's parent, with its aliases (the URNs a moved component keeps)", () => {
        const children = [
            run.recorder.get(T.rule, "demo-thing-changed"),
            run.recorder.get(T.permission, "demo-thingChanged-invokes-worker"),
            run.recorder.get(T.target, "demo-thingChanged-to-worker"),
            run.recorder.get(T.target, "demo-again-to-other-worker"),
        ];
        for (const child of children) {
            assert.match(child.parentUrn ?? "", /::test:fixtures:Demo::demo$/, child.name);
            assert.equal(child.aliases?.length, 1, child.name);
            assert.match(JSON.stringify(child.aliases), /test:fixtures:Legacy::demo-legacy/, child.name);
        }
    });
});
