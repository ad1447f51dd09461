/**
 * The IAM documents: least privilege (no wildcard action in any Allow, found recursively), resources
 * scoped to this environment's ARNs, and the approval-gate guardrails.
 */
import * as assert from "assert";
import {
    approvalGuardrailScp,
    artifactsBucketPolicy,
    pipelineKeyPatterns,
    PIPELINE_OUTPUT_WRITE_ACTIONS,
    approverPolicy,
    modelPackageGroupResourcePolicy,
    pipelineExecutionRolePolicy,
    PolicyDocument,
    registrarPolicy,
    reportReaderPolicy,
    sagemakerAssumeRolePolicy,
    tlsOnlyBucketPolicy,
    wildcardAllowActions,
} from "../../../infra/lib/iamDocuments";
import { buildPipelineDefinition } from "../../../infra/pipeline/definition";
import { sampleInput } from "../../../infra/pipeline/sampleInput";
import { attachablePrincipal, AwsScope, ecrRepositoryArn, modelPackageArnPattern, parseS3Uri, principalArnForCondition } from "../../../infra/lib/arns";
import { ADMINISTRATOR_ACCESS, evaluate } from "./policyEvaluator";

const scope: AwsScope = { partition: "aws", region: "us-east-1", accountId: "111111111111" };
const groupName = "Abalone-Dev";
const approvers = ["arn:aws:iam::111111111111:role/ml-approver", "arn:aws:sts::111111111111:assumed-role/release-manager/alice"];
const roleArn = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-training-execution";
const pipelineInput = {
    scope,
    roleArn,
    artifactsBucketName: "sagemaker-approval-gate-dev-training-111111111111",
    pipelineName: "sagemaker-approval-gate-dev-training",
    kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/1234",
    inputDataS3Uri: "s3://sagemaker-sample-files/datasets/tabular/uci_abalone/abalone.csv",
    imageUris: [
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    ],
};

/** Every string under an "Action" key, at any depth (statements could be nested by mistake). */
function allActions(value: unknown, underAction = false): string[] {
    if (typeof value === "string") return underAction ? [value] : [];
    if (Array.isArray(value)) return value.flatMap((v) => allActions(v, underAction));
    if (value && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => allActions(v, underAction || k === "Action" || k === "NotAction"));
    }
    return [];
}

function allowedActions(document: PolicyDocument): string[] {
    return allActions(document.Statement.filter((s) => s.Effect === "Allow"));
}

function statement(document: PolicyDocument, sid: string) {
    const found = document.Statement.find((s) => s.Sid === sid);
    assert.ok(found, `no statement ${sid} in ${document.Statement.map((s) => s.Sid).join(", ")}`);
    return found;
}

/** Resources of Allow statements that are not this environment's (account, region, bucket, key, own role). */
function foreignAllowResources(document: PolicyDocument, allowed: RegExp[]): string[] {
    return document.Statement.filter((s) => s.Effect === "Allow")
        .flatMap((s) => s.Resource ?? [])
        .filter((r) => !allowed.some((re) => re.test(r)));
}

const documents: Record<string, PolicyDocument> = {
    registrar: registrarPolicy({ scope, groupName }),
    approver: approverPolicy({ scope, groupName, approverPrincipalArns: approvers }),
    groupPolicy: modelPackageGroupResourcePolicy({ scope, groupName, consumerAccountIds: ["333333333333"] })!,
    pipelineRole: pipelineExecutionRolePolicy(pipelineInput),
    trust: sagemakerAssumeRolePolicy(scope),
    bucket: tlsOnlyBucketPolicy("aws", pipelineInput.artifactsBucketName),
    reportReader: reportReaderPolicy({
        scope,
        artifactsBucketName: pipelineInput.artifactsBucketName,
        reportKeyPattern: "sagemaker-approval-gate-dev-training/*/Evaluate/output/evaluation/evaluation.json",
        kmsKeyArn: pipelineInput.kmsKeyArn,
        readerPrincipalArns: approvers,
    }),
};

describe("infra/lib/iamDocuments", () => {
    describe("least privilege, every document", () => {
        for (const [name, document] of Object.entries(documents)) {
            it(`${name}: no Allow grants a wildcard action`, () => {
                const actions = allowedActions(document);
                const hasAllow = document.Statement.some((s) => s.Effect === "Allow");
                assert.strictEqual(actions.length > 0, hasAllow);
                assert.deepStrictEqual(actions.filter((a) => a.includes("*")), []);
                assert.deepStrictEqual(wildcardAllowActions(document), []);
            });
            it(`${name}: is a valid 2012-10-17 document with unique Sids`, () => {
                assert.strictEqual(document.Version, "2012-10-17");
                const sids = document.Statement.map((s) => s.Sid);
                assert.strictEqual(new Set(sids).size, sids.length);
                for (const s of document.Statement) assert.match(s.Sid, /^[A-Za-z0-9]+$/);
            });
        }

        it("the recursive check finds a wildcard hidden in a nested statement", () => {
            const bad = { Version: "2012-10-17", Statement: [{ Sid: "X", Effect: "Allow", Action: ["s3:GetObject"], Nested: { Action: ["sagemaker:*"] } }] } as unknown as PolicyDocument;
            assert.deepStrictEqual(allowedActions(bad).filter((a) => a.includes("*")), ["sagemaker:*"]);
            assert.deepStrictEqual(wildcardAllowActions({ Version: "2012-10-17", Statement: [{ Sid: "Y", Effect: "Allow", Action: ["iam:*"], Resource: ["x"] }] }), ["iam:*"]);
        });
    });

    describe("registrar guardrail (pipeline execution role)", () => {
        const doc = documents.registrar;
        it("allows CreateModelPackage only with ModelApprovalStatus = PendingManualApproval", () => {
            const allow = statement(doc, "RegisterOnlyAsPendingManualApproval");
            assert.deepStrictEqual(allow.Action, ["sagemaker:CreateModelPackage"]);
            assert.deepStrictEqual(allow.Condition, { StringEquals: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } });
        });
        it("explicitly denies registering with any other (or no) status, so another policy cannot re-open it", () => {
            const deny = statement(doc, "DenySelfApprovalAtRegistration");
            assert.strictEqual(deny.Effect, "Deny");
            assert.deepStrictEqual(deny.Condition, { StringNotEquals: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } });
        });
        it("explicitly denies registering with a lifecycle stage: only a stage's approvers put a version on a stage", () => {
            const deny = statement(doc, "DenyRegisteringWithALifecycleStage");
            assert.strictEqual(deny.Effect, "Deny");
            assert.deepStrictEqual(deny.Action, ["sagemaker:CreateModelPackage"]);
            assert.deepStrictEqual(deny.Condition, { Null: { "sagemaker:ModelLifeCycle:Stage": "false" } });
        });
        it("denies every UpdateModelPackage on the group's versions and allows none", () => {
            assert.strictEqual(statement(doc, "DenyStatusChanges").Effect, "Deny");
            assert.ok(!allowedActions(doc).includes("sagemaker:UpdateModelPackage"));
        });
        it("is scoped to this group's ARNs, with the group lower-cased in package ARNs", () => {
            const resources = new Set(doc.Statement.flatMap((s) => s.Resource ?? []));
            assert.deepStrictEqual([...resources].sort(), [
                "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/Abalone-Dev",
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/Abalone-Dev/*",
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/*",
            ]);
        });
        it("names the group's versions in both spellings in the Allow and the Denies when the name has capitals", () => {
            const both = [
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/*",
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/Abalone-Dev/*",
            ];
            for (const sid of ["RegisterOnlyAsPendingManualApproval", "DenySelfApprovalAtRegistration"]) {
                assert.deepStrictEqual(statement(doc, sid).Resource, ["arn:aws:sagemaker:us-east-1:111111111111:model-package-group/Abalone-Dev", ...both]);
            }
            assert.deepStrictEqual(statement(doc, "DenyStatusChanges").Resource, both);
            const lower = registrarPolicy({ scope, groupName: "abalone-dev" });
            assert.deepStrictEqual(statement(lower, "DenyStatusChanges").Resource, [both[0]], "a lower-case name has one spelling");
        });
    });

    describe("approver policy", () => {
        const doc = documents.approver;
        it("allows UpdateModelPackage to Approved or Rejected only, on this group's versions only", () => {
            const allow = statement(doc, "ApproveOrRejectThisGroupsVersions");
            assert.deepStrictEqual(allow.Action, ["sagemaker:UpdateModelPackage"]);
            assert.deepStrictEqual(allow.Resource, [
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/*",
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/Abalone-Dev/*",
            ]);
            assert.deepStrictEqual(allow.Condition!.StringEquals, { "sagemaker:ModelApprovalStatus": ["Approved", "Rejected"] });
        });
        it("reads the group's versions; lists (which IAM cannot scope) only as an approver", () => {
            assert.deepStrictEqual(statement(doc, "ReadThisRegistry").Resource, [
                "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/Abalone-Dev",
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/*",
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/Abalone-Dev/*",
            ]);
            const list = statement(doc, "ListVersions");
            assert.deepStrictEqual([list.Action, list.Resource], [["sagemaker:ListModelPackages"], ["*"]]);
            // The only Allow on "*" is this list action.
            const unscoped = doc.Statement.filter((s) => s.Effect === "Allow" && (s.Resource ?? []).includes("*")).flatMap((s) => s.Action);
            assert.deepStrictEqual(unscoped, ["sagemaker:ListModelPackages"]);
        });

        it("grants nothing to a principal that is not a configured approver (aws:PrincipalArn), matching sessions by their role", () => {
            for (const s of doc.Statement) {
                assert.deepStrictEqual(s.Condition!.ArnEquals, {
                    "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/ml-approver", "arn:aws:iam::111111111111:role/release-manager"],
                });
            }
        });
        it("refuses to build without approvers", () => {
            assert.throws(() => approverPolicy({ scope, groupName, approverPrincipalArns: [] }), /at least one approver/);
        });
    });

    describe("approval guardrail SCP (for the management account)", () => {
        it("denies every update of this group's versions (status or what they serve) to every principal but the approvers, and registering as anything but PendingManualApproval to everyone", () => {
            const doc = approvalGuardrailScp({ scope, groupName, approverPrincipalArns: approvers });
            const versions = [
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/*",
                "arn:aws:sagemaker:us-east-1:111111111111:model-package/Abalone-Dev/*",
            ];
            assert.deepStrictEqual(doc.Statement, [
                {
                    Sid: "OnlyApproversUpdateVersions",
                    Effect: "Deny",
                    Action: ["sagemaker:UpdateModelPackage"],
                    Resource: versions,
                    // No status condition: AdditionalInferenceSpecificationsToAdd on an Approved version changes what it serves.
                    Condition: {
                        ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/ml-approver", "arn:aws:iam::111111111111:role/release-manager"] },
                    },
                },
                {
                    Sid: "NoVersionRegisteredApproved",
                    Effect: "Deny",
                    Action: ["sagemaker:CreateModelPackage"],
                    Resource: ["arn:aws:sagemaker:us-east-1:111111111111:model-package-group/Abalone-Dev", ...versions],
                    Condition: { StringNotEquals: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } },
                },
                {
                    // ModelLifeCycle requires Stage: a request carrying a lifecycle carries the key.
                    Sid: "NoVersionRegisteredWithAStage",
                    Effect: "Deny",
                    Action: ["sagemaker:CreateModelPackage"],
                    Resource: ["arn:aws:sagemaker:us-east-1:111111111111:model-package-group/Abalone-Dev", ...versions],
                    Condition: { Null: { "sagemaker:ModelLifeCycle:Stage": "false" } },
                },
            ]);
            assert.throws(() => approvalGuardrailScp({ scope, groupName, approverPrincipalArns: [] }), /at least one approver/);
        });
    });

    describe("model package group resource policy", () => {
        it("gives consumer accounts the three read actions on the group and its versions, nothing more", () => {
            const doc = modelPackageGroupResourcePolicy({ scope, groupName, consumerAccountIds: ["444444444444", "333333333333", "333333333333"] })!;
            assert.deepStrictEqual(doc.Statement, [
                {
                    Sid: "ConsumerAccountsReadOnly",
                    Effect: "Allow",
                    Principal: { AWS: ["arn:aws:iam::333333333333:root", "arn:aws:iam::444444444444:root"] },
                    Action: ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:ListModelPackages"],
                    Resource: [
                        "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/Abalone-Dev",
                        "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/*",
                        "arn:aws:sagemaker:us-east-1:111111111111:model-package/Abalone-Dev/*",
                    ],
                },
            ]);
        });
        it("is absent without consumers", () => {
            assert.strictEqual(modelPackageGroupResourcePolicy({ scope, groupName, consumerAccountIds: [] }), undefined);
        });
    });

    describe("pipeline execution role", () => {
        const doc = documents.pipelineRole;
        it("scopes every Allow to this environment (own account/region, its bucket, key and role), the input data and the image repositories", () => {
            const foreign = foreignAllowResources(doc, [
                /^arn:aws:sagemaker:us-east-1:111111111111:(processing|training)-job\/pipelines-\*$/,
                /^arn:aws:logs:us-east-1:111111111111:log-group:\/aws\/sagemaker\/(Processing|Training)Jobs(:log-stream:\*)?$/,
                /^arn:aws:s3:::sagemaker-approval-gate-dev-training-111111111111(\/(sagemaker-approval-gate-dev-training|scripts)\/\*)?$/,
                /^arn:aws:s3:::sagemaker-sample-files(\/datasets\/tabular\/uci_abalone\/abalone\.csv\*)?$/,
                /^arn:aws:ecr:us-east-1:683313688378:repository\/sagemaker-(scikit-learn|xgboost)$/,
                new RegExp(`^${roleArn}$`),
                /^arn:aws:kms:us-east-1:111111111111:key\/1234$/,
            ]);
            // GetAuthorizationToken and PutMetricData exist only on "*" in IAM; they are the exceptions.
            assert.deepStrictEqual(foreign, ["*", "*"]);
            const unscoped = doc.Statement.filter((s) => s.Effect === "Allow" && (s.Resource ?? []).includes("*")).map((s) => s.Sid);
            assert.deepStrictEqual(unscoped, ["JobMetrics", "EcrAuthorizationToken"]);
            assert.deepStrictEqual(statement(doc, "EcrAuthorizationToken").Action, ["ecr:GetAuthorizationToken"]);
        });
        it("writes only under its own pipeline's prefix, deletes nothing, and reads the scripts without writing them", () => {
            const bucket = "arn:aws:s3:::sagemaker-approval-gate-dev-training-111111111111";
            const writes = doc.Statement.filter((s) => s.Effect === "Allow" && s.Action.some((a) => a === "s3:PutObject" || a === "s3:AbortMultipartUpload"));
            assert.deepStrictEqual(writes.map((s) => s.Resource), [[`${bucket}/sagemaker-approval-gate-dev-training/*`]]);
            assert.deepStrictEqual(allowedActions(doc).filter((a) => a.startsWith("s3:Delete")), []);
            const reads = doc.Statement.filter((s) => s.Effect === "Allow" && s.Action.includes("s3:GetObject")).flatMap((s) => s.Resource ?? []);
            assert.ok(reads.includes(`${bucket}/scripts/*`), "the jobs read their scripts");
            assert.ok(reads.includes(`${bucket}/sagemaker-approval-gate-dev-training/*`), "later steps read earlier steps' outputs");
            assert.ok(!reads.includes(`${bucket}/*`) && !writes.flatMap((s) => s.Resource).includes(`${bucket}/*`), "never the whole bucket");
        });
        it("covers every S3 location the definition writes and reads in the artifacts bucket (any execution id)", () => {
            const input = sampleInput();
            const doc = pipelineExecutionRolePolicy({ ...pipelineInput, artifactsBucketName: input.artifactsBucket, pipelineName: input.pipelineName });
            const iamMatches = (pattern: string, arn: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`).test(arn);
            const granted = (action: string, arn: string) =>
                doc.Statement.some((s) => s.Effect === "Allow" && s.Action.includes(action) && (s.Resource ?? []).some((r) => iamMatches(r, arn)));
            /** Every `s3://…` the definition names, an execution id standing in for each run-time value. */
            const uris: string[] = [];
            const walk = (v: unknown): void => {
                if (typeof v === "string" && v.startsWith(`s3://${input.artifactsBucket}/`)) uris.push(v);
                else if (Array.isArray(v)) v.forEach(walk);
                else if (v && typeof v === "object") {
                    const join = (v as Record<string, any>)["Std:Join"];
                    if (join && join.Values[0] === "s3:/") uris.push(join.Values.map((x: unknown) => (typeof x === "string" ? x : "execution-1")).join(join.On) + "/object");
                    else Object.values(v).forEach(walk);
                }
            };
            walk(buildPipelineDefinition(input));
            const arns = uris.map((u) => `arn:aws:s3:::${u.slice("s3://".length)}`);
            const outputs = arns.filter((a) => !a.includes("/scripts/"));
            assert.ok(outputs.length >= 5, `processing outputs and the training output path: ${outputs.join(", ")}`);
            for (const arn of outputs) assert.ok(granted("s3:PutObject", arn) && granted("s3:GetObject", arn), arn);
            const scripts = arns.filter((a) => a.includes("/scripts/"));
            assert.strictEqual(scripts.length, 2);
            for (const arn of scripts) assert.ok(granted("s3:GetObject", arn) && !granted("s3:PutObject", arn), arn);
        });
        it("key patterns follow the definition: executions, their evaluation reports and training outputs, the scripts", () => {
            assert.deepStrictEqual(pipelineKeyPatterns("p"), {
                executions: "p/*",
                evaluationReports: "p/*/Evaluate/output/evaluation/evaluation.json",
                modelArtifacts: "p/*/Train/output/*",
                scripts: "scripts/*",
            });
        });
        it("publishes job metrics only to SageMaker's job namespaces", () => {
            const metrics = statement(doc, "JobMetrics");
            assert.deepStrictEqual(metrics.Action, ["cloudwatch:PutMetricData"]);
            assert.deepStrictEqual(metrics.Condition, {
                StringEquals: { "cloudwatch:namespace": ["/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TrainingJobs"] },
            });
        });
        it("passes only itself, and only to SageMaker", () => {
            const pass = statement(doc, "PassOnlyItselfToSageMaker");
            assert.deepStrictEqual(pass.Resource, [roleArn]);
            assert.deepStrictEqual(pass.Condition, { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
        });
        it("grants no registry or endpoint actions of its own (those come from the registrar guardrail)", () => {
            assert.deepStrictEqual(allowedActions(doc).filter((a) => /ModelPackage|Endpoint|CreateModel$/.test(a)), []);
        });
        it("can use the artifacts key, and omits KMS when there is no CMK", () => {
            assert.deepStrictEqual(statement(doc, "UseArtifactsKey").Resource, [pipelineInput.kmsKeyArn]);
            const withoutKey = pipelineExecutionRolePolicy({ ...pipelineInput, kmsKeyArn: undefined });
            assert.ok(!withoutKey.Statement.some((s) => s.Sid === "UseArtifactsKey"));
        });
    });

    describe("report reader policy (approvers read evaluation reports)", () => {
        const doc = documents.reportReader;
        it("reads only evaluation reports of this pipeline, and decrypts only through S3 in this region", () => {
            assert.deepStrictEqual(statement(doc, "ReadEvaluationReports").Resource, [
                "arn:aws:s3:::sagemaker-approval-gate-dev-training-111111111111/sagemaker-approval-gate-dev-training/*/Evaluate/output/evaluation/evaluation.json",
            ]);
            const decrypt = statement(doc, "DecryptReportsThroughS3");
            assert.deepStrictEqual(decrypt.Action, ["kms:Decrypt"]);
            assert.deepStrictEqual(decrypt.Condition!.StringEquals, { "kms:ViaService": "s3.us-east-1.amazonaws.com" });
        });
        it("grants nothing to anyone but the readers", () => {
            for (const s of doc.Statement) assert.ok(s.Condition!.ArnEquals["aws:PrincipalArn"].includes("arn:aws:iam::111111111111:role/ml-approver"));
            assert.throws(() => reportReaderPolicy({ scope, artifactsBucketName: "b", reportKeyPattern: "k", kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/1", readerPrincipalArns: [] }), /at least one reader/);
        });
    });

    describe("trust and bucket policies", () => {
        it("lets only SageMaker, on behalf of this account, assume the role", () => {
            const [s] = documents.trust.Statement;
            assert.deepStrictEqual(s.Principal, { Service: ["sagemaker.amazonaws.com"] });
            assert.deepStrictEqual(s.Condition, { StringEquals: { "aws:SourceAccount": "111111111111" } });
        });
        it("denies any request without TLS on the bucket and its objects", () => {
            const [s] = documents.bucket.Statement;
            assert.strictEqual(s.Effect, "Deny");
            assert.deepStrictEqual(s.Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.deepStrictEqual(s.Resource, ["arn:aws:s3:::sagemaker-approval-gate-dev-training-111111111111", "arn:aws:s3:::sagemaker-approval-gate-dev-training-111111111111/*"]);
        });
        it("the artifacts bucket denies the pipeline role any write outside its prefix and any delete, whatever else it is granted", () => {
            const bucket = "arn:aws:s3:::sagemaker-approval-gate-dev-training-111111111111";
            const doc = artifactsBucketPolicy({ partition: "aws", bucketName: pipelineInput.artifactsBucketName, pipelineName: pipelineInput.pipelineName, pipelineRoleArn: roleArn });
            assert.deepStrictEqual(doc.Statement[0], documents.bucket.Statement[0], "TLS only, as before");
            const outside = statement(doc, "DenyPipelineRoleWritesOutsideItsPrefix");
            assert.strictEqual(outside.Effect, "Deny");
            assert.deepStrictEqual(outside.Action, ["s3:PutObject"]);
            assert.deepStrictEqual(outside.NotResource, [`${bucket}/sagemaker-approval-gate-dev-training/*`]);
            assert.deepStrictEqual(outside.Condition, { ArnEquals: { "aws:PrincipalArn": [roleArn] } });
            const deletes = statement(doc, "DenyPipelineRoleDeletes");
            assert.deepStrictEqual(deletes.Action, ["s3:DeleteObject", "s3:DeleteObjectVersion"]);
            assert.deepStrictEqual(deletes.Resource, [`${bucket}/*`]);
            assert.deepStrictEqual(deletes.Condition, { ArnEquals: { "aws:PrincipalArn": [roleArn] } });
            assert.deepStrictEqual(wildcardAllowActions(doc), []);
        });
    });
});

describe("infra/lib/iamDocuments: the artifacts bucket's writers (bucket policy and roles, evaluated)", () => {
    const bucketName = pipelineInput.artifactsBucketName;
    const pipeline = pipelineInput.pipelineName;
    const bucketPolicy = artifactsBucketPolicy({ partition: "aws", bucketName, pipelineName: pipeline, pipelineRoleArn: roleArn });
    const deployer = "arn:aws:iam::111111111111:role/deployer";
    const admin = "arn:aws:iam::111111111111:role/Admin";
    const pipelineRole = [pipelineExecutionRolePolicy(pipelineInput)];
    const object = (key: string) => `arn:aws:s3:::${bucketName}/${key}`;
    const artifact = object(`${pipeline}/exec-1/Train/output/pipelines-exec-1-Train/output/model.tar.gz`);
    const report = object(`${pipeline}/exec-1/Evaluate/output/evaluation/evaluation.json`);
    const script = object("scripts/0123456789abcdef/preprocess.py");
    const may = (principalArn: string, identity: PolicyDocument[], action: string, resource: string) =>
        evaluate({ principalArn, action, resource }, { identity, resource: [bucketPolicy] });

    it("the pipeline role writes its executions' outputs (model artifacts and reports), and nothing outside them", () => {
        assert.strictEqual(may(roleArn, pipelineRole, "s3:PutObject", artifact), "allowed");
        assert.strictEqual(may(roleArn, pipelineRole, "s3:PutObject", report), "allowed");
        for (const key of ["scripts/0123456789abcdef/preprocess.py", "other-pipeline/exec-1/Train/output/model.tar.gz", `${pipeline}-old/x`, "model.tar.gz"]) {
            assert.notStrictEqual(may(roleArn, pipelineRole, "s3:PutObject", object(key)), "allowed", key);
            // Whatever is attached to it later: the bucket policy's Deny holds.
            assert.strictEqual(may(roleArn, [ADMINISTRATOR_ACCESS], "s3:PutObject", object(key)), "explicit-deny", key);
        }
    });

    it("the pipeline role deletes nothing, not even its own outputs, whatever is attached to it", () => {
        for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion"]) {
            assert.strictEqual(may(roleArn, [ADMINISTRATOR_ACCESS], action, artifact), "explicit-deny", action);
        }
    });

    it("nothing but the producing job's role may write, delete, re-ACL or unlock a registered artifact: not an administrator, not the deployer", () => {
        for (const principal of [admin, deployer, "arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:root", "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-deploy-approved"]) {
            for (const action of PIPELINE_OUTPUT_WRITE_ACTIONS) {
                assert.strictEqual(may(principal, [ADMINISTRATOR_ACCESS], action, artifact), "explicit-deny", `${principal} ${action}`);
                assert.strictEqual(may(principal, [ADMINISTRATOR_ACCESS], action, report), "explicit-deny", `${principal} ${action} (report)`);
            }
            // Reading stays governed by IAM: the Deny is about writes only.
            assert.strictEqual(may(principal, [ADMINISTRATOR_ACCESS], "s3:GetObject", artifact), "allowed", principal);
        }
        // A role of the same name in another account is another principal.
        assert.strictEqual(may("arn:aws:iam::222222222222:role/sagemaker-approval-gate-dev-training-execution", [ADMINISTRATOR_ACCESS], "s3:PutObject", artifact), "explicit-deny");
    });

    it("names the write actions that change what a key serves or keeps, and the whole output prefix", () => {
        assert.deepStrictEqual([...PIPELINE_OUTPUT_WRITE_ACTIONS].sort(), [
            "s3:BypassGovernanceRetention", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject", "s3:PutObjectAcl",
            "s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:PutObjectVersionAcl",
        ]);
        const deny = statement(bucketPolicy, "OnlyThePipelineRoleWritesItsOutputs");
        assert.deepStrictEqual(deny.Resource, [object(`${pipeline}/*`)]);
        assert.deepStrictEqual(deny.Condition, { ArnNotEquals: { "aws:PrincipalArn": [roleArn] } });
    });

    it("ties nothing to the deploying identity: any deployer IAM allows (CI, a person through Identity Center) writes the scripts and bucket settings", () => {
        for (const principal of [deployer, "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"]) {
            assert.strictEqual(may(principal, [ADMINISTRATOR_ACCESS], "s3:PutObject", script), "allowed", principal);
            assert.strictEqual(may(principal, [ADMINISTRATOR_ACCESS], "s3:DeleteObject", script), "allowed", "Pulumi deletes a replaced script");
            for (const action of ["s3:PutBucketVersioning", "s3:PutBucketNotification", "s3:PutBucketPolicy"]) {
                assert.strictEqual(may(principal, [ADMINISTRATOR_ACCESS], action, `arn:aws:s3:::${bucketName}`), "allowed", action);
            }
        }
        // The jobs' role still cannot touch the scripts, whatever is attached to it.
        assert.strictEqual(may(roleArn, [ADMINISTRATOR_ACCESS], "s3:PutObject", script), "explicit-deny");
    });

    it("keeps refusing requests without TLS, from anyone", () => {
        assert.strictEqual(evaluate({ principalArn: roleArn, action: "s3:PutObject", resource: artifact, context: { "aws:SecureTransport": "false" } }, { identity: pipelineRole, resource: [bucketPolicy] }), "explicit-deny");
    });
});

describe("tests/infra/lib/policyEvaluator (the evaluator the tests above trust)", () => {
    const doc = (statement: object): PolicyDocument => ({ Version: "2012-10-17", Statement: [statement as never] });
    it("an explicit Deny beats an Allow; no Allow is an implicit deny; NotResource and conditions are honoured", () => {
        const allow = doc({ Sid: "A", Effect: "Allow", Action: ["s3:Get*"], Resource: ["arn:aws:s3:::b/*"] });
        const deny = doc({ Sid: "D", Effect: "Deny", Principal: "*", Action: ["s3:GetObject"], NotResource: ["arn:aws:s3:::b/ok/*"], Condition: { ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::1:role/r"] } } });
        const req = (principalArn: string, key: string) => evaluate({ principalArn, action: "s3:GetObject", resource: `arn:aws:s3:::b/${key}` }, { identity: [allow], resource: [deny] });
        assert.strictEqual(req("arn:aws:iam::1:role/x", "ok/1"), "allowed");
        assert.strictEqual(req("arn:aws:iam::1:role/x", "no/1"), "explicit-deny");
        assert.strictEqual(req("arn:aws:iam::1:role/r", "no/1"), "allowed");
        assert.strictEqual(evaluate({ principalArn: "x", action: "s3:PutObject", resource: "arn:aws:s3:::b/1" }, { identity: [allow] }), "implicit-deny");
    });
});

describe("infra/lib/arns", () => {
    it("lower-cases the group in package ARNs", () => {
        assert.strictEqual(modelPackageArnPattern(scope, "MyGroup"), "arn:aws:sagemaker:us-east-1:111111111111:model-package/mygroup/*");
    });
    it("parses S3 URIs and rejects others", () => {
        assert.deepStrictEqual(parseS3Uri("s3://b/k/x.csv"), { bucket: "b", key: "k/x.csv" });
        assert.deepStrictEqual(parseS3Uri("s3://b"), { bucket: "b", key: "" });
        assert.throws(() => parseS3Uri("https://b/k"), /Not an S3 URI: "https:\/\/b\/k"/);
    });
    it("derives ECR repository ARNs from image URIs (tag or digest)", () => {
        assert.strictEqual(ecrRepositoryArn("aws", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/model@sha256:" + "a".repeat(64)), "arn:aws:ecr:eu-west-1:123456789012:repository/team/model");
        assert.throws(() => ecrRepositoryArn("aws", "docker.io/library/python:3"), /Not an ECR image URI/);
    });
    it("maps assumed-role sessions to their role and parses attachable principals", () => {
        assert.strictEqual(principalArnForCondition("arn:aws:sts::111111111111:assumed-role/r/s"), "arn:aws:iam::111111111111:role/r");
        assert.deepStrictEqual(attachablePrincipal("arn:aws:iam::111111111111:role/team/approver"), {
            kind: "role",
            accountId: "111111111111",
            name: "approver",
            arn: "arn:aws:iam::111111111111:role/team/approver",
        });
        assert.strictEqual(attachablePrincipal("arn:aws:iam::111111111111:user/bob").kind, "user");
        assert.throws(() => attachablePrincipal("arn:aws:iam::111111111111:group/g"), /Not an IAM role or user ARN/);
    });
});
