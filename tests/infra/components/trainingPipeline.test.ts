/**
 * TrainingPipeline under Pulumi mocks: the encrypted, versioned, private, TLS-only bucket; the execution
 * role and what is attached to it; the uploaded scripts; the SageMaker Pipeline and its definition.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ProgramRun, runProgramUnderMocks } from "../../../cli/lib/programUnderMocks";
import { EXAMPLE_SCRIPTS_DIR, readScript, scriptObjectKey } from "../../../infra/components/trainingPipeline";
import { artifactsBucketPolicy, pipelineExecutionRolePolicy, reportReaderPolicy, sagemakerAssumeRolePolicy, tlsOnlyBucketPolicy } from "../../../infra/lib/iamDocuments";
import { buildPipelineDefinition } from "../../../infra/pipeline/definition";
import { definitionProblems } from "../../../infra/pipeline/validate";
import { loadEnvironment } from "../../../cli/approvals/environment";
import { layoutOf } from "../../../infra/config";
import { exampleStackConfig } from "../exampleStacks";

const REPO = path.resolve(__dirname, "../../..");

const MOCK_SCOPE = { partition: "aws", region: "us-east-1", accountId: "123456789012" };
const NAME = "sagemaker-approval-gate-dev-training";
const BUCKET = `${NAME}-123456789012`;
/** getCallerIdentity's ARN under the mocks (cli/lib/programUnderMocks.ts): the identity running `pulumi up`. */
const MOCK_DEPLOYER = "arn:aws:iam::123456789012:user/mock";
const t = (module: string, resource: string) => `aws:${module}/${resource[0].toLowerCase()}${resource.slice(1)}:${resource}`;

describe("infra/components/trainingPipeline", () => {
    let run: ProgramRun;
    const child = (type: string, role: string) => run.recorder.get(type, `${NAME}-${role}`);
    before(async () => {
        run = await runProgramUnderMocks({ stack: "dev", config: exampleStackConfig("dev") });
    });

    it("is a component of type sagemaker-approval-gate:pipeline:TrainingPipeline", () => {
        assert.deepStrictEqual(run.recorder.ofType("sagemaker-approval-gate:pipeline:TrainingPipeline").map((r) => r.name), [NAME]);
    });

    describe("artifacts bucket", () => {
        it("is named after the pipeline and the account, and is not force-destroyed", () => {
            const bucket = child(t("s3", "Bucket"), "artifacts");
            assert.strictEqual(bucket.inputs.bucket, BUCKET);
            assert.strictEqual(bucket.inputs.forceDestroy, false);
        });

        it("encrypts with a per-environment CMK that rotates", () => {
            const key = child(t("kms", "Key"), "key");
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            const sse = child(t("s3", "BucketServerSideEncryptionConfiguration"), "artifacts-encryption");
            assert.deepStrictEqual(sse.inputs.rules, [
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.state.arn }, bucketKeyEnabled: true },
            ]);
            const alias = child(t("kms", "Alias"), "key-alias");
            assert.deepStrictEqual([alias.inputs.name, alias.inputs.targetKeyId], [`alias/${NAME}`, key.state.arn]);
        });

        it("configures this bucket (every bucket setting names it)", () => {
            const settings = ["artifacts-encryption", "artifacts-versioning", "artifacts-public-access-block", "artifacts-tls-only"];
            const types = ["BucketServerSideEncryptionConfiguration", "BucketVersioning", "BucketPublicAccessBlock", "BucketPolicy"];
            assert.deepStrictEqual(settings.map((role, i) => child(t("s3", types[i]), role).inputs.bucket), settings.map(() => BUCKET));
        });

        it("is versioned and blocks every kind of public access", () => {
            assert.deepStrictEqual(child(t("s3", "BucketVersioning"), "artifacts-versioning").inputs.versioningConfiguration, { status: "Enabled" });
            const pab = child(t("s3", "BucketPublicAccessBlock"), "artifacts-public-access-block").inputs;
            assert.deepStrictEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true]);
        });

        it("has the TLS-only bucket policy, which also keeps the pipeline role's writes inside its executions and forbids its deletes", () => {
            const policy = JSON.parse(child(t("s3", "BucketPolicy"), "artifacts-tls-only").inputs.policy);
            const role = child(t("iam", "Role"), "execution-role");
            assert.deepStrictEqual(policy, artifactsBucketPolicy({ partition: "aws", bucketName: BUCKET, pipelineName: NAME, pipelineRoleArn: role.state.arn }));
            assert.deepStrictEqual(policy.Statement[0], tlsOnlyBucketPolicy("aws", BUCKET).Statement[0]);
            const outside = policy.Statement.find((s: any) => s.Sid === "DenyPipelineRoleWritesOutsideItsPrefix")!;
            assert.deepStrictEqual(outside.NotResource, [`arn:aws:s3:::${BUCKET}/${NAME}/*`]);
            assert.deepStrictEqual(outside.Condition!.ArnEquals["aws:PrincipalArn"], [role.state.arn]);
        });
    });

    describe("artifacts bucket: prevention and detection (issue 9)", () => {
        it("lets nobody but the pipeline role write its outputs, and names no deploying identity (the same policy whoever runs pulumi up)", () => {
            const policy = JSON.parse(child(t("s3", "BucketPolicy"), "artifacts-tls-only").inputs.policy);
            const role = child(t("iam", "Role"), "execution-role");
            const sid = (id: string) => policy.Statement.find((s: any) => s.Sid === id);
            assert.deepStrictEqual(sid("OnlyThePipelineRoleWritesItsOutputs").Resource, [`arn:aws:s3:::${BUCKET}/${NAME}/*`]);
            assert.deepStrictEqual(sid("OnlyThePipelineRoleWritesItsOutputs").Condition, { ArnNotEquals: { "aws:PrincipalArn": [role.state.arn] } });
            assert.ok(!JSON.stringify(policy).includes(MOCK_DEPLOYER), "no statement names the caller running the program");
        });

        it("uploads the scripts only after the bucket policy is in place", () => {
            const policy = child(t("s3", "BucketPolicy"), "artifacts-tls-only");
            for (const role of ["preprocess", "evaluate"]) {
                const script = child(t("s3", "BucketObjectv2"), `script-${role}`);
                assert.ok(run.recorder.dependenciesOf(script).includes(policy.urn), `${script.name} depends on ${run.recorder.dependenciesOf(script).join(", ")}`);
            }
        });

        it("sends the bucket's object events to EventBridge (the tamper rules' source), after the policy", () => {
            const notification = child(t("s3", "BucketNotification"), "artifacts-eventbridge");
            assert.strictEqual(notification.inputs.bucket, BUCKET);
            assert.strictEqual(notification.inputs.eventbridge, true);
            assert.ok(run.recorder.dependenciesOf(notification).includes(child(t("s3", "BucketPolicy"), "artifacts-tls-only").urn));
        });
    });

    describe("execution role", () => {
        it("is assumed by SageMaker only", () => {
            const role = child(t("iam", "Role"), "execution-role");
            assert.strictEqual(role.inputs.name, `${NAME}-execution`);
            assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy), sagemakerAssumeRolePolicy(MOCK_SCOPE));
        });

        it("holds the scoped policy built by pipelineExecutionRolePolicy() for this bucket, key, data and images", () => {
            const role = child(t("iam", "Role"), "execution-role");
            const policy = child(t("iam", "RolePolicy"), "execution-policy");
            assert.strictEqual(policy.inputs.role, role.inputs.name);
            assert.deepStrictEqual(
                JSON.parse(policy.inputs.policy),
                pipelineExecutionRolePolicy({
                    scope: MOCK_SCOPE,
                    roleArn: role.state.arn,
                    artifactsBucketName: BUCKET,
                    pipelineName: NAME,
                    kmsKeyArn: child(t("kms", "Key"), "key").state.arn,
                    inputDataS3Uri: "s3://sagemaker-sample-files/datasets/tabular/uci_abalone/abalone.csv",
                    imageUris: [
                        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                    ],
                }),
            );
        });

        it("writes (and reads) only its own executions' prefix, reads the scripts, and deletes nothing in the bucket", () => {
            const statements = JSON.parse(child(t("iam", "RolePolicy"), "execution-policy").inputs.policy).Statement as { Action: string[]; Resource: string[] }[];
            const on = (action: string) => statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource).filter((r) => r.includes(BUCKET));
            assert.deepStrictEqual(on("s3:PutObject"), [`arn:aws:s3:::${BUCKET}/${NAME}/*`]);
            assert.deepStrictEqual(on("s3:DeleteObject"), []);
            assert.deepStrictEqual(on("s3:GetObject").sort(), [`arn:aws:s3:::${BUCKET}/${NAME}/*`, `arn:aws:s3:::${BUCKET}/scripts/*`]);
            const scripts = run.recorder.ofType(t("s3", "BucketObjectv2")).filter((o) => o.inputs.bucket === BUCKET);
            assert.strictEqual(scripts.length, 2);
            for (const o of scripts) assert.ok(o.inputs.key.startsWith("scripts/"), `${o.inputs.key}: under the read-only scripts prefix`);
        });

        it("has the registry's registrar guardrail attached", () => {
            const attachment = child(t("iam", "RolePolicyAttachment"), "registrar-attachment");
            const registrar = run.recorder.get(t("iam", "Policy"), "sagemaker-approval-gate-dev-registry-registrar-policy");
            assert.strictEqual(attachment.inputs.policyArn, registrar.state.arn);
            assert.strictEqual(attachment.inputs.role, `${NAME}-execution`);
        });
    });

    describe("report reader policy", () => {
        it("lets the approvers read this pipeline's evaluation reports and is attached to the approver role", () => {
            const policy = child(t("iam", "Policy"), "report-reader-policy");
            assert.deepStrictEqual(
                JSON.parse(policy.inputs.policy),
                reportReaderPolicy({
                    scope: MOCK_SCOPE,
                    artifactsBucketName: BUCKET,
                    reportKeyPattern: `${NAME}/*/Evaluate/output/evaluation/evaluation.json`,
                    kmsKeyArn: child(t("kms", "Key"), "key").state.arn,
                    readerPrincipalArns: ["arn:aws:iam::123456789012:role/ml-approver"],
                }),
            );
            const attachment = child(t("iam", "RolePolicyAttachment"), "report-reader-role-ml-approver");
            assert.deepStrictEqual([attachment.inputs.role, attachment.inputs.policyArn], ["ml-approver", policy.state.arn]);
            assert.strictEqual(run.outputs.reportReaderPolicyArn, policy.state.arn);
        });

        it("is declared but not attached when approvers.attachPolicy is false", async () => {
            const config = exampleStackConfig("dev");
            config["sagemaker-approval-gate:approvers"] = { ...(config["sagemaker-approval-gate:approvers"] as object), attachPolicy: false };
            const other = await runProgramUnderMocks({ stack: "dev", config });
            assert.ok(other.recorder.get(t("iam", "Policy"), `${NAME}-report-reader-policy`));
            assert.deepStrictEqual(other.recorder.ofType(t("iam", "RolePolicyAttachment")).filter((a) => a.name.includes("report-reader")), []);
        });
    });

    describe("scripts", () => {
        for (const [role, file] of [["preprocess", "preprocess.py"], ["evaluate", "evaluate.py"]]) {
            it(`uploads ${file} under a content-addressed key, encrypted with the CMK`, () => {
                const object = child(t("s3", "BucketObjectv2"), `script-${role}`);
                const content = fs.readFileSync(path.join(EXAMPLE_SCRIPTS_DIR, file), "utf8");
                assert.strictEqual(object.inputs.content, content);
                assert.strictEqual(object.inputs.key, scriptObjectKey(file, content));
                assert.match(object.inputs.key, new RegExp(`^scripts/[0-9a-f]{16}/${file.replace(".", "\\.")}$`));
                assert.strictEqual(object.inputs.bucket, BUCKET);
                assert.strictEqual(object.inputs.serverSideEncryption, "aws:kms");
                assert.strictEqual(object.inputs.kmsKeyId, child(t("kms", "Key"), "key").state.arn);
            });
        }

        it("names the missing file and the fix when a script is absent", () => {
            assert.throws(() => readScript("/nonexistent/scripts", "preprocess.py"), (err: Error) => {
                assert.match(err.message, /^TrainingPipeline: \/nonexistent\/scripts\/preprocess\.py does not exist\./);
                assert.match(err.message, /preprocess\.py and evaluate\.py/);
                assert.match(err.message, /point scriptsDir at the folder/);
                assert.ok(pulumi.RunError.isInstance(err), "Pulumi prints a RunError without a stack trace");
                return true;
            });
            assert.strictEqual(readScript(EXAMPLE_SCRIPTS_DIR, "evaluate.py"), fs.readFileSync(path.join(EXAMPLE_SCRIPTS_DIR, "evaluate.py"), "utf8"));
        });

        it("derives keys from content: same content same key, any change a new key", () => {
            assert.strictEqual(scriptObjectKey("a.py", "print(1)\n"), scriptObjectKey("a.py", "print(1)\n"));
            assert.notStrictEqual(scriptObjectKey("a.py", "print(1)\n"), scriptObjectKey("a.py", "print(2)\n"));
        });
    });

    describe("SageMaker Pipeline", () => {
        it("is named after the environment, runs as the execution role, and is tagged", () => {
            const pipeline = child(t("sagemaker", "Pipeline"), "pipeline");
            assert.strictEqual(pipeline.inputs.pipelineName, NAME);
            assert.strictEqual(pipeline.inputs.roleArn, child(t("iam", "Role"), "execution-role").state.arn);
            assert.strictEqual(pipeline.inputs.tags.environment, "dev");
        });

        it("gets exactly the builder's definition for this environment's bucket, role, key, group and uploaded scripts", () => {
            const pipeline = child(t("sagemaker", "Pipeline"), "pipeline");
            const key = (role: string) => child(t("s3", "BucketObjectv2"), `script-${role}`).inputs.key;
            // The component passes the stack's validated pipeline settings through unchanged.
            const settings = layoutOf(loadEnvironment("dev", REPO).config, "all-in-one").pipeline;
            const expected = buildPipelineDefinition({
                pipelineName: NAME,
                roleArn: child(t("iam", "Role"), "execution-role").state.arn,
                artifactsBucket: BUCKET,
                kmsKeyArn: child(t("kms", "Key"), "key").state.arn,
                modelPackageGroupName: "abalone-dev",
                ...settings,
                scripts: { preprocess: `s3://${BUCKET}/${key("preprocess")}`, evaluate: `s3://${BUCKET}/${key("evaluate")}` },
            });
            const actual = JSON.parse(pipeline.inputs.pipelineDefinition);
            assert.deepStrictEqual(actual, JSON.parse(JSON.stringify(expected)));
            assert.deepStrictEqual(definitionProblems(actual), []);
        });

        it("gives the same definition on a second run of the program (no spurious diff)", async () => {
            const again = await runProgramUnderMocks({ stack: "dev", config: exampleStackConfig("dev") });
            const first = child(t("sagemaker", "Pipeline"), "pipeline").inputs.pipelineDefinition;
            assert.strictEqual(again.recorder.get(t("sagemaker", "Pipeline"), `${NAME}-pipeline`).inputs.pipelineDefinition, first);
        });
    });

    describe("preview (unknown values)", () => {
        it("declares the same resources in preview without hanging on unknowns", async () => {
            const preview = await runProgramUnderMocks({ stack: "dev", config: exampleStackConfig("dev"), preview: true });
            const names = (r: ProgramRun) => r.recorder.resources.map((x) => `${x.type} ${x.name}`).sort();
            assert.deepStrictEqual(names(preview), names(run));
        });
    });
});
