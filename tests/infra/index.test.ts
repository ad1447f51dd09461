/**
 * The whole program under Pulumi mocks, once per example stack (Pulumi.dev.yaml, Pulumi.prod.yaml):
 * each environment declares its registry, pipeline, bucket and roles with names that carry it, and a
 * bad config stops the program before any resource is declared.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ProgramRun, ResourceRecorder, runProgramUnderMocks } from "../../cli/lib/programUnderMocks";
import { exampleStackConfig } from "./exampleStacks";
// prod as the all-in-one production stack it was before issue 10 (Pulumi.prod.yaml is now an environment stack; tests/infra/layouts cover that).
import { allInOneStackConfig } from "./components/approvalStacks";

const T = {
    group: "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
    pipeline: "aws:sagemaker/pipeline:Pipeline",
    bucket: "aws:s3/bucket:Bucket",
    role: "aws:iam/role:Role",
    policy: "aws:iam/policy:Policy",
    registry: "sagemaker-approval-gate:registry:ModelRegistry",
    training: "sagemaker-approval-gate:pipeline:TrainingPipeline",
};

for (const stack of ["dev", "prod"]) {
    describe(`infra/index.ts under mocks: stack ${stack}`, () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgramUnderMocks({ stack, config: allInOneStackConfig(stack) });
        });

        it("declares one registry and one training pipeline component", () => {
            assert.strictEqual(run.recorder.ofType(T.registry).length, 1);
            assert.strictEqual(run.recorder.ofType(T.training).length, 1);
        });

        it("declares a model package group, a pipeline, a bucket, an execution role and the guardrail policies", () => {
            const [group] = run.recorder.ofType(T.group);
            assert.strictEqual(group.inputs.modelPackageGroupName, `abalone-${stack}`);
            const [pipeline] = run.recorder.ofType(T.pipeline);
            assert.strictEqual(pipeline.inputs.pipelineName, `sagemaker-approval-gate-${stack}-training`);
            const [bucket] = run.recorder.ofType(T.bucket);
            assert.strictEqual(bucket.inputs.bucket, `sagemaker-approval-gate-${stack}-training-123456789012`);
            // Other components add roles and policies of their own; these are the registry's and the pipeline's.
            const roles = run.recorder.ofType(T.role).map((r) => r.inputs.name);
            assert.ok(roles.includes(`sagemaker-approval-gate-${stack}-training-execution`), roles.join(", "));
            const policies = run.recorder.ofType(T.policy).map((p) => p.name);
            for (const role of ["approver", "registrar"]) {
                assert.ok(policies.includes(`sagemaker-approval-gate-${stack}-registry-${role}-policy`), policies.join(", "));
            }
            for (const r of run.recorder.ofType(T.role)) assert.match(r.inputs.name, new RegExp(`^sagemaker-approval-gate-${stack}-`));
        });

        it("declares the tamper detection (issue 9): one ArtifactGuard, its two rules, EventBridge delivery on the artifacts bucket, and exports its function and alarm", () => {
            assert.deepStrictEqual(run.recorder.ofType("sagemaker-approval-gate:integrity:ArtifactGuard").map((r) => r.name), [`sagemaker-approval-gate-${stack}-artifact-guard`]);
            const rules = run.recorder.ofType("aws:cloudwatch/eventRule:EventRule").map((r) => r.inputs.name);
            for (const rule of ["artifact-changed", "image-changed"]) assert.ok(rules.includes(`sagemaker-approval-gate-${stack}-${rule}`), rules.join(", "));
            const [notification] = run.recorder.ofType("aws:s3/bucketNotification:BucketNotification");
            assert.strictEqual(notification.inputs.bucket, `sagemaker-approval-gate-${stack}-training-123456789012`);
            assert.strictEqual(notification.inputs.eventbridge, true);
            assert.strictEqual(run.outputs.artifactTamperFunctionName, `sagemaker-approval-gate-${stack}-artifact-tamper`);
            assert.strictEqual(run.outputs.artifactTamperedAlarmName, `sagemaker-approval-gate-${stack}-artifact-tampered`);
        });

        it("names every resource after its environment", () => {
            const foreign = run.recorder.resources.filter((r) => !r.name.startsWith(`sagemaker-approval-gate-${stack}-`));
            assert.deepStrictEqual(foreign.map((r) => `${r.type} ${r.name}`), []);
        });

        it("tags every taggable resource with project and environment", () => {
            const taggable = run.recorder.resources.filter((r) => r.custom && "tags" in r.inputs);
            assert.ok(taggable.length >= 6, `only ${taggable.length} taggable resources`);
            for (const r of taggable) {
                assert.strictEqual(r.inputs.tags.environment, stack, r.name);
                assert.strictEqual(r.inputs.tags.project, "sagemaker-approval-gate", r.name);
            }
        });

        it("exports what the other components and the CLI need", () => {
            const o = run.outputs;
            assert.strictEqual(o.environment, stack);
            assert.strictEqual(o.production, stack === "prod");
            assert.strictEqual(o.modelPackageGroupName, `abalone-${stack}`);
            assert.strictEqual(o.modelPackageGroupArn, run.recorder.ofType(T.group)[0].state.arn);
            assert.match(String(o.modelPackageGroupArn), /^arn:aws:sagemaker:us-east-1:123456789012:model-package-group\//);
            assert.strictEqual(o.artifactsBucketName, `sagemaker-approval-gate-${stack}-training-123456789012`);
            assert.match(String(o.artifactsKmsKeyArn), /^arn:aws:kms:us-east-1:123456789012:key\//);
            assert.strictEqual(o.pipelineName, `sagemaker-approval-gate-${stack}-training`);
            assert.match(String(o.pipelineArn), /^arn:aws:sagemaker:us-east-1:123456789012:pipeline\//);
            assert.match(String(o.pipelineExecutionRoleArn), /^arn:aws:iam::123456789012:role\//);
            assert.match(String(o.approverPolicyArn), /^arn:aws:iam::123456789012:policy\//);
        });
    });
}

describe("infra/index.ts: the two environments differ where their config differs", () => {
    it("prod shares its registry with the consumer account, dev does not", async () => {
        const dev = await runProgramUnderMocks({ stack: "dev", config: exampleStackConfig("dev") });
        const prod = await runProgramUnderMocks({ stack: "prod", config: allInOneStackConfig("prod") });
        const type = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy";
        assert.strictEqual(dev.recorder.ofType(type).length, 0);
        const [policy] = prod.recorder.ofType(type);
        assert.deepStrictEqual(JSON.parse(policy.inputs.resourcePolicy).Statement[0].Principal, { AWS: ["arn:aws:iam::333333333333:root"] });
        const thresholds = [dev, prod].map((r) => JSON.parse(r.recorder.ofType(T.pipeline)[0].inputs.pipelineDefinition).Parameters.find((p: any) => p.Name === "MetricThreshold").DefaultValue);
        assert.deepStrictEqual(thresholds, [6.0, 4.5]);
    });
});

describe("infra/index.ts: a bad config stops the program before any resource is declared", () => {
    it("rejects a missing approver list and declares nothing", async () => {
        const config = exampleStackConfig("dev");
        delete config["sagemaker-approval-gate:approvers"];
        let recorderSeen: ProgramRun | undefined;
        await assert.rejects(
            async () => {
                recorderSeen = await runProgramUnderMocks({ stack: "dev", config });
            },
            (err: Error) => {
                assert.strictEqual(err.name, "ConfigError");
                assert.match(err.message, /sagemaker-approval-gate:approvers: got nothing \(the key is not set\)/);
                return true;
            },
        );
        assert.strictEqual(recorderSeen, undefined);
    });

    it("rejects an unknown comparison and records no resource", async () => {
        const config = exampleStackConfig("dev");
        const pipeline = JSON.parse(JSON.stringify(config["sagemaker-approval-gate:pipeline"]));
        pipeline.metric.comparison = "AtMost";
        config["sagemaker-approval-gate:pipeline"] = pipeline;
        const before = ResourceRecorder.prototype.newResource;
        let declared = 0;
        ResourceRecorder.prototype.newResource = function (this: any, args: any) {
            declared++;
            return before.call(this, args);
        };
        try {
            await assert.rejects(runProgramUnderMocks({ stack: "dev", config }), /pipeline\.metric\.comparison: got "AtMost"/);
        } finally {
            ResourceRecorder.prototype.newResource = before;
        }
        assert.strictEqual(declared, 0);
    });
});

describe("infra/index.ts: checks against the account and region the stack deploys into", () => {
    const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

    function devWithApprovers(principalArns: string[], attachPolicy?: boolean): Record<string, unknown> {
        const config = exampleStackConfig("dev");
        const approvers = { ...(config["sagemaker-approval-gate:approvers"] as object), principalArns, ...(attachPolicy === undefined ? {} : { attachPolicy }) };
        config["sagemaker-approval-gate:approvers"] = approvers;
        return config;
    }

    for (const preview of [true, false]) {
        it(`refuses, in ${preview ? "preview" : "up"}, to attach the approver policy to a role of another account, and says how to fix it`, async () => {
                const before = ResourceRecorder.prototype.newResource;
            const attached: string[] = [];
            ResourceRecorder.prototype.newResource = function (this: any, args: any) {
                if (args.type === ATTACHMENT) attached.push(args.name);
                return before.call(this, args);
            };
            try {
                await assert.rejects(
                    runProgramUnderMocks({ stack: "dev", preview, config: devWithApprovers(["arn:aws:iam::111111111111:role/ml-approver"]) }),
                    (err: Error) => {
                        assert.ok(pulumi.RunError.isInstance(err), `printed without a stack trace: ${err.name}: ${err.message}`);
                        assert.match(err.message, /sagemaker-approval-gate:approvers\.principalArns\[0\]: got "arn:aws:iam::111111111111:role\/ml-approver", a principal of account 111111111111, but stack "dev" deploys into account 123456789012/);
                        assert.match(err.message, /pulumi config set --path 'approvers\.principalArns\[0\]' arn:aws:iam::123456789012:role\/<approver-role> -s dev/);
                        assert.match(err.message, /pulumi config set --path 'approvers\.attachPolicy' false -s dev/);
                        assert.match(err.message, /switch credentials/);
                        return true;
                    },
                );
            } finally {
                ResourceRecorder.prototype.newResource = before;
            }
            // Not the registry's approver attachment, nor any other component's (report reader, operator read).
            assert.deepStrictEqual(attached.filter((name) => name.endsWith("-role-ml-approver")), []);
        });
    }

    it("deploys approvers of another account with attachPolicy: false, attaching nothing to them", async () => {
        const run = await runProgramUnderMocks({ stack: "dev", config: devWithApprovers(["arn:aws:iam::111111111111:role/ml-approver"], false) });
        assert.deepStrictEqual(run.recorder.ofType(ATTACHMENT).filter((a) => a.inputs.role === "ml-approver"), []);
    });

    it("rejects a stack file without aws:region before any resource", async () => {
        const config = exampleStackConfig("dev");
        delete config["aws:region"];
        await assert.rejects(runProgramUnderMocks({ stack: "dev", config }), (err: Error) => {
            assert.strictEqual(err.name, "ConfigError");
            assert.match(err.message, /aws:region: got nothing \(the key is not set\).*Fix: pulumi config set aws:region us-east-1 -s dev/);
            return true;
        });
    });

    it("lets the sample's built-in images follow aws:region when the stack does not set them", async () => {
        const config = exampleStackConfig("dev");
        config["aws:region"] = "eu-west-1";
        const pipeline = { ...(config["sagemaker-approval-gate:pipeline"] as Record<string, unknown>) };
        delete pipeline.processingImageUri;
        delete pipeline.trainingImageUri;
        config["sagemaker-approval-gate:pipeline"] = pipeline;
        const run = await runProgramUnderMocks({ stack: "dev", config, account: { accountId: "123456789012", region: "eu-west-1", partition: "aws" } });
        const definition = run.recorder.ofType(T.pipeline)[0].inputs.pipelineDefinition as string;
        assert.match(definition, /141502667606\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/sagemaker-scikit-learn:1\.2-1-cpu-py3/);
        assert.match(definition, /141502667606\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/sagemaker-xgboost:1\.7-1/);
        assert.doesNotMatch(definition, /us-east-1/);
    });

    it("rejects images of another region than aws:region with the same built-in image's URI in the stack's region", async () => {
        const config = allInOneStackConfig("prod");
        config["aws:region"] = "eu-west-1";
        await assert.rejects(runProgramUnderMocks({ stack: "prod", config }), (err: Error) => {
            assert.strictEqual(err.name, "ConfigError");
            assert.match(err.message, /pipeline\.processingImageUri: got "683313688378\.dkr\.ecr\.us-east-1\.amazonaws\.com\/sagemaker-scikit-learn:1\.2-1-cpu-py3", an image in us-east-1; expected an image in aws:region eu-west-1/);
            assert.match(err.message, /pulumi config set --path 'pipeline\.processingImageUri' 141502667606\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/sagemaker-scikit-learn:1\.2-1-cpu-py3 -s prod/);
            return true;
        });
    });

    it("stops a stack file copied to another stack name (Pulumi.dev.yaml as staging) before any resource", async () => {
        await assert.rejects(runProgramUnderMocks({ stack: "staging", config: exampleStackConfig("dev") }), (err: Error) => {
            assert.strictEqual(err.name, "ConfigError");
            assert.match(err.message, /sagemaker-approval-gate:environment: got "dev" in stack "staging".*Fix: pulumi config rm environment -s staging/);
            return true;
        });
    });

    it("stops production: false in the prod stack", async () => {
        const config = allInOneStackConfig("prod");
        config["sagemaker-approval-gate:production"] = false;
        await assert.rejects(runProgramUnderMocks({ stack: "prod", config }), /sagemaker-approval-gate:production: got false in stack "prod".*Fix: pulumi config set production true -s prod/);
    });
});
