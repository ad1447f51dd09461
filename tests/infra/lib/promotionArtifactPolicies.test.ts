import { strict as assert } from "assert";
import { modelExecutionRolePolicy } from "../../../infra/lib/deployerPolicies";
import { notifyApproverPolicy } from "../../../infra/lib/notifierPolicies";
import { bytesReadStatements } from "../../../infra/lib/artifactGuardPolicies";
import { artifactsBucketPolicy, policyDocument, wildcardAllowActions, type PolicyDocument } from "../../../infra/lib/iamDocuments";
import { environmentArtifactStatements, promotionArtifactsBucketPolicy, promotionArtifactsKeyPolicy } from "../../../infra/lib/promotionArtifactPolicies";
import { evaluate } from "./policyEvaluator";
import { envRole, OTHER, pipelineRole, PROD, REGISTRY, registryScope, STAGES, STAGING } from "./promotionFixtures";

const bucketName = "sagemaker-approval-gate-shared-training-111111111111";
const pipelineName = "sagemaker-approval-gate-shared-training";
const keyArn = `arn:aws:kms:us-east-1:${REGISTRY}:key/00000000-0000-0000-0000-000000000000`;
const environments = STAGES.map(({ environment, accountId }) => ({ environment, accountId }));
const bucketPolicy = promotionArtifactsBucketPolicy({ partition: "aws", bucketName, pipelineName, pipelineRoleArn: pipelineRole, environments });
const keyPolicy = promotionArtifactsKeyPolicy({ scope: registryScope, environments });

const objects = {
    model: `arn:aws:s3:::${bucketName}/${pipelineName}/exec1/Train/output/pipelines-exec1-Train-x/output/model.tar.gz`,
    report: `arn:aws:s3:::${bucketName}/${pipelineName}/exec1/Evaluate/output/evaluation/evaluation.json`,
    processed: `arn:aws:s3:::${bucketName}/${pipelineName}/exec1/Preprocess/output/train/train.csv`,
    script: `arn:aws:s3:::${bucketName}/scripts/preprocess.py`,
};

/** Each environment role with what its own stack attaches (its side of the cross-account check), in the prod account. */
const prod = {
    model: envRole(PROD, "prod", "model-execution"),
    notify: envRole(PROD, "prod", "notify-approver"),
    deploy: envRole(PROD, "prod", "deploy-approved"),
};
const envScope = { partition: "aws", region: "us-east-1", accountId: PROD };
const modelRoleDocument = modelExecutionRolePolicy({
    scope: envScope,
    endpointName: "sagemaker-approval-gate-prod-endpoint",
    artifactsBucketName: bucketName,
    modelArtifactsKeyPattern: `${pipelineName}/*/Train/output/*`,
    artifactsKmsKeyArn: keyArn,
    imageUris: [],
});
const bytesRead = policyDocument(...bytesReadStatements({ scope: envScope, artifactsBucketName: bucketName, pipelineName, imageUris: [] }));
const notifyDocument = notifyApproverPolicy({
    scope: envScope,
    logGroupName: "/aws/lambda/sagemaker-approval-gate-prod-notify-approver",
    ledgerTableArn: `arn:aws:dynamodb:us-east-1:${PROD}:table/t`,
    topicArn: `arn:aws:sns:us-east-1:${PROD}:t`,
    kmsKeyArn: `arn:aws:kms:us-east-1:${PROD}:key/k`,
    reportBucketName: bucketName,
    reportKeyPattern: `${pipelineName}/*/Evaluate/output/evaluation/evaluation.json`,
    reportKmsKeyArn: keyArn,
});

const s3 = (principalArn: string, action: string, resource: string, identity: PolicyDocument[], context: Record<string, string> = {}) =>
    evaluate({ principalArn, action, resource, context, resourceAccount: REGISTRY }, { identity, resource: [bucketPolicy] });
const decrypt = (principalArn: string, identity: PolicyDocument[], viaService = "s3.us-east-1.amazonaws.com") =>
    evaluate({ principalArn, action: "kms:Decrypt", resource: keyArn, context: viaService ? { "kms:ViaService": viaService } : {}, resourceAccount: REGISTRY }, { identity, resource: [keyPolicy] });

describe("infra/lib/promotionArtifactPolicies", () => {
    it("keeps the bucket's own statements and adds only Allows for the environment accounts, no wildcard action", () => {
        const own = artifactsBucketPolicy({ partition: "aws", bucketName, pipelineName, pipelineRoleArn: pipelineRole });
        assert.deepStrictEqual(bucketPolicy.Statement.slice(0, own.Statement.length), own.Statement);
        const added = bucketPolicy.Statement.slice(own.Statement.length);
        assert.ok(added.every((s) => s.Effect === "Allow"));
        for (const s of added) assert.deepStrictEqual(s.Principal, { AWS: [`arn:aws:iam::${STAGING}:root`, `arn:aws:iam::${PROD}:root`] });
        assert.deepStrictEqual(wildcardAllowActions(bucketPolicy), []);
        assert.deepStrictEqual(wildcardAllowActions(keyPolicy), []);
    });

    it("the model execution role reads model artifacts and nothing else of the pipeline's", () => {
        assert.strictEqual(s3(prod.model, "s3:GetObject", objects.model, [modelRoleDocument]), "allowed");
        for (const other of [objects.report, objects.processed, objects.script]) assert.strictEqual(s3(prod.model, "s3:GetObject", other, [modelRoleDocument]), "implicit-deny", other);
        // The bucket's grant alone opens nothing: the role's own policy must allow too (and names model artifacts only).
        assert.strictEqual(s3(prod.model, "s3:GetObject", objects.report, [{ Version: "2012-10-17", Statement: [{ Sid: "A", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["*"] }] }]), "implicit-deny");
    });

    it("the deploy and notify roles HeadObject the model artifacts and list the pipeline's prefix; only notify reads the reports", () => {
        for (const role of [prod.deploy, prod.notify]) {
            assert.strictEqual(s3(role, "s3:GetObject", objects.model, [bytesRead]), "allowed", role);
            assert.strictEqual(s3(role, "s3:ListBucket", `arn:aws:s3:::${bucketName}`, [bytesRead], { "s3:prefix": `${pipelineName}/exec1/Train/output/x/output/model.tar.gz` }), "allowed", role);
            assert.strictEqual(s3(role, "s3:ListBucket", `arn:aws:s3:::${bucketName}`, [bytesRead], { "s3:prefix": "scripts/" }), "implicit-deny", role);
        }
        assert.strictEqual(s3(prod.notify, "s3:GetObject", objects.report, [notifyDocument]), "allowed");
        assert.strictEqual(s3(prod.deploy, "s3:GetObject", objects.report, [notifyDocument]), "implicit-deny");
        assert.strictEqual(s3(prod.model, "s3:GetObject", objects.report, [notifyDocument]), "implicit-deny");
    });

    it("no environment role writes or deletes, and another account reads nothing", () => {
        const admin = [{ Version: "2012-10-17" as const, Statement: [{ Sid: "A", Effect: "Allow" as const, Action: ["s3:*"], Resource: ["*"] }] }];
        for (const action of ["s3:PutObject", "s3:DeleteObject"]) assert.strictEqual(s3(prod.deploy, action, objects.model, admin), "explicit-deny", action);
        assert.strictEqual(s3(`arn:aws:iam::${OTHER}:role/sagemaker-approval-gate-prod-model-execution`, "s3:GetObject", objects.model, admin), "implicit-deny");
        assert.strictEqual(s3(`arn:aws:iam::${PROD}:role/admin`, "s3:GetObject", objects.model, admin), "implicit-deny");
    });

    it("the key: model and notify roles decrypt through S3 in the registry's region only; the deploy role not at all", () => {
        assert.strictEqual(decrypt(prod.model, [modelRoleDocument]), "allowed");
        assert.strictEqual(decrypt(prod.notify, [notifyDocument]), "allowed");
        assert.strictEqual(decrypt(prod.model, [modelRoleDocument], ""), "implicit-deny");
        assert.strictEqual(decrypt(prod.model, [modelRoleDocument], "s3.eu-west-1.amazonaws.com"), "implicit-deny");
        const anyKey = [{ Version: "2012-10-17" as const, Statement: [{ Sid: "K", Effect: "Allow" as const, Action: ["kms:Decrypt"], Resource: ["*"] }] }];
        assert.strictEqual(decrypt(prod.deploy, anyKey), "implicit-deny");
        assert.strictEqual(decrypt(`arn:aws:iam::${OTHER}:role/x`, anyKey), "implicit-deny");
        // The registry account keeps the key (and delegates its use to IAM: the pipeline role's policy names it).
        assert.strictEqual(evaluate({ principalArn: pipelineRole, action: "kms:Decrypt", resource: keyArn }, { identity: anyKey, resource: [keyPolicy] }), "allowed");
    });

    it("refuses to build without environments", () => {
        assert.throws(() => environmentArtifactStatements({ partition: "aws", bucketName, pipelineName, environments: [] }), /at least one environment/);
    });
});
