/** The tamper function's role document (pure): least privilege, this environment's ARNs, the key through its services only. */
import { strict as assert } from "assert";
import {
    artifactTamperPolicy,
    deployApprovedVerifyingPolicy,
    notifyApproverPinningPolicy,
    operatorReadVerifyingPolicy,
    TAMPER_LEDGER_ACTIONS,
} from "../../../infra/lib/artifactGuardPolicies";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { evaluate } from "./policyEvaluator";
import { endpointKey, notificationKey } from "../../../lambdas/shared/ledger";
import { alertKey } from "../../../lambdas/artifact-tamper/alerts";
import { pinsKey, reverseIndexKey, tamperedKey } from "../../../policies/lib/pinRecord";
import { artifactIndexKey, imageIndexKey } from "../../../policies/lib/tamperEvents";

const scope = { partition: "aws", region: "eu-west-1", accountId: "111111111111" };
const input = {
    scope,
    logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-artifact-tamper",
    ledgerTableArn: "arn:aws:dynamodb:eu-west-1:111111111111:table/sagemaker-approval-gate-dev-deployments",
    topicArn: "arn:aws:sns:eu-west-1:111111111111:sagemaker-approval-gate-dev-approvals",
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/abcd",
    dlqArn: "arn:aws:sqs:eu-west-1:111111111111:sagemaker-approval-gate-dev-artifact-tamper-dlq",
};

describe("infra/lib/artifactGuardPolicies: artifactTamperPolicy", () => {
    const doc = artifactTamperPolicy(input);
    const role = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-artifact-tamper";
    const may = (action: string, resource: string, context?: Record<string, string>) => evaluate({ principalArn: role, action, resource, context }, { identity: [doc] });

    it("grants no wildcard action, and names only this environment's ARNs", () => {
        assert.deepEqual(wildcardAllowActions(doc), []);
        for (const s of doc.Statement) for (const r of s.Resource ?? []) assert.match(r, /^arn:aws:[a-z]+:eu-west-1:111111111111:/, r);
    });

    it("writes its own logs, reads and records in the ledger (Query, GetItem, PutItem: nothing else), publishes, sends to its DLQ", () => {
        assert.deepEqual(TAMPER_LEDGER_ACTIONS, ["dynamodb:GetItem", "dynamodb:Query"]);
        assert.equal(may("dynamodb:PutItem", input.ledgerTableArn), "allowed", "PutItem, in its partitions (below)");
        // What is live (currentDeployment: GetItem of ENDPOINT#<endpoint>/CURRENT), for the live-version alert.
        assert.equal(evaluate({ principalArn: role, action: "dynamodb:GetItem", resource: input.ledgerTableArn, context: { "dynamodb:LeadingKeys": [endpointKey("e")] } }, { identity: [doc] }), "allowed");
        for (const action of TAMPER_LEDGER_ACTIONS) assert.equal(may(action, input.ledgerTableArn), "allowed", action);
        for (const action of ["dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Scan"]) assert.equal(may(action, input.ledgerTableArn), "implicit-deny", action);
        assert.equal(may("logs:PutLogEvents", `arn:aws:logs:eu-west-1:111111111111:log-group:${input.logGroupName}:log-stream:2026/12/02/x`), "allowed");
        assert.equal(may("logs:PutLogEvents", "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/other:log-stream:x"), "implicit-deny");
        assert.equal(may("sns:Publish", input.topicArn), "allowed");
        assert.equal(may("sqs:SendMessage", input.dlqArn), "allowed");
        assert.equal(may("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111111111111:sagemaker-approval-gate-dev-events-dlq"), "implicit-deny");
    });

    it("uses the approvals key only through DynamoDB, SNS and SQS in this region, and reads nothing in S3 or ECR", () => {
        for (const service of ["dynamodb", "sns", "sqs"]) {
            assert.equal(may("kms:GenerateDataKey", input.kmsKeyArn, { "kms:ViaService": `${service}.eu-west-1.amazonaws.com` }), "allowed", service);
        }
        assert.equal(may("kms:Decrypt", input.kmsKeyArn, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }), "implicit-deny");
        assert.equal(may("kms:Decrypt", input.kmsKeyArn), "implicit-deny", "not directly");
        assert.equal(may("s3:GetObject", "arn:aws:s3:::b/k"), "implicit-deny");
        assert.equal(may("ecr:DescribeImages", "arn:aws:ecr:eu-west-1:111111111111:repository/r"), "implicit-deny");
    });
});

describe("infra/lib/artifactGuardPolicies: notify-approver's pinning reads (notifyApproverPinningPolicy)", () => {
    const bucket = "sagemaker-approval-gate-dev-training-111111111111";
    const pipeline = "sagemaker-approval-gate-dev-training";
    const doc = notifyApproverPinningPolicy({
        ...input,
        logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-notify-approver",
        dlqArn: "arn:aws:sqs:eu-west-1:111111111111:sagemaker-approval-gate-dev-notify-approver-dlq",
        reportBucketName: bucket,
        reportKeyPattern: `${pipeline}/*/Evaluate/output/evaluation/evaluation.json`,
        reportKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/artifacts",
        groupName: "Abalone-Dev",
        artifactsBucketName: bucket,
        pipelineName: pipeline,
        imageUris: ["111111111111.dkr.ecr.eu-west-1.amazonaws.com/serve:v1", "683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"],
    });
    const role = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-notify-approver";
    const may = (action: string, resource: string, context?: Record<string, string>) => evaluate({ principalArn: role, action, resource, context }, { identity: [doc] });
    const artifact = `arn:aws:s3:::${bucket}/${pipeline}/exec-1/Train/output/pipelines-exec-1-Train/output/model.tar.gz`;

    it("describes this group's versions (either spelling of the group), and no other group's", () => {
        assert.equal(may("sagemaker:DescribeModelPackage", "arn:aws:sagemaker:eu-west-1:111111111111:model-package/abalone-dev/7"), "allowed");
        assert.equal(may("sagemaker:DescribeModelPackage", "arn:aws:sagemaker:eu-west-1:111111111111:model-package/Abalone-Dev/7"), "allowed");
        assert.equal(may("sagemaker:DescribeModelPackage", "arn:aws:sagemaker:eu-west-1:111111111111:model-package/other/7"), "implicit-deny");
    });

    it("heads the training outputs (s3:GetObject) and lists only the pipeline's prefix, so a missing artifact is a 404", () => {
        assert.equal(may("s3:GetObject", artifact), "allowed");
        assert.equal(may("s3:GetObject", `arn:aws:s3:::${bucket}/scripts/x/preprocess.py`), "implicit-deny");
        assert.equal(may("s3:GetObject", `arn:aws:s3:::${bucket}/${pipeline}/exec-1/Preprocess/output/train/train.csv`), "implicit-deny", "not the training data");
        assert.equal(may("s3:ListBucket", `arn:aws:s3:::${bucket}`, { "s3:prefix": `${pipeline}/exec-1/Train/output/pipelines-exec-1-Train/output/model.tar.gz` }), "allowed");
        assert.equal(may("s3:ListBucket", `arn:aws:s3:::${bucket}`, { "s3:prefix": "scripts/" }), "implicit-deny");
        assert.equal(may("s3:ListBucket", `arn:aws:s3:::${bucket}`), "implicit-deny", "no listing of the whole bucket");
    });

    it("resolves tags with the pull API (ecr:BatchGetImage) only in the serving images' repositories, AWS-owned ones included; reads the pins (Query) and writes them (PutItem) in the ledger", () => {
        assert.equal(may("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111111111111:repository/serve"), "allowed");
        assert.equal(may("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:683313688378:repository/sagemaker-xgboost"), "allowed");
        assert.equal(may("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111111111111:repository/other"), "implicit-deny");
        assert.equal(may("ecr:DescribeImages", "arn:aws:ecr:eu-west-1:683313688378:repository/sagemaker-xgboost"), "implicit-deny", "DescribeImages is no longer called");
        assert.deepEqual(doc.Statement.find((st) => st.Sid === "ResolveServingImageTags")!.Action, ["ecr:BatchGetImage"]);
        for (const action of ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"]) assert.equal(may(action, input.ledgerTableArn), "allowed", action);
        assert.equal(may("dynamodb:UpdateItem", input.ledgerTableArn), "implicit-deny");
        assert.deepEqual(wildcardAllowActions(doc), []);
    });
});

/**
 * Two production environments of one account (prod in us-east-1, prod-eu in eu-west-1), each with its own bucket,
 * pipeline, ledger and built-in serving image in its region's AWS-owned registry: what the verifying callers of the
 * bytes check (policies/lib/approvalBytes.ts) call on their own environment, and that none reaches the other's.
 */
const ACCOUNT = "123456789012";
function production(name: "prod" | "prod-eu", region: string, imageRegistry: string) {
    const prefix = `sagemaker-approval-gate-${name}`;
    const bucket = `${prefix}-training-${ACCOUNT}`;
    const pipeline = `${prefix}-training`;
    const scope = { partition: "aws", region, accountId: ACCOUNT };
    return {
        scope,
        bucket,
        pipeline,
        image: `${imageRegistry}.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:1.7-1`,
        repository: `arn:aws:ecr:${region}:${imageRegistry}:repository/sagemaker-xgboost`,
        ledger: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${prefix}-deployments`,
        artifactsKey: `arn:aws:kms:${region}:${ACCOUNT}:key/${name}-artifacts`,
        artifact: `arn:aws:s3:::${bucket}/${pipeline}/exec-7/Train/output/pipelines-exec-7-Train/output/model.tar.gz`,
        artifactKey: `${pipeline}/exec-7/Train/output/pipelines-exec-7-Train/output/model.tar.gz`,
        version: `arn:aws:sagemaker:${region}:${ACCOUNT}:model-package/abalone-${name}/7`,
        bucketArn: `arn:aws:s3:::${bucket}`,
        bytes: { scope, artifactsBucketName: bucket, pipelineName: pipeline, imageUris: [`${imageRegistry}.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:1.7-1`] },
    };
}
const prod = production("prod", "us-east-1", "683313688378");
const prodEu = production("prod-eu", "eu-west-1", "141502667606");
type Env = typeof prod;

/** The bytes check's calls (one Query of the pins, one HeadObject per artifact, one BatchGetImage per repository) as IAM sees them. */
const bytesCheckCalls = (e: Env): [string, string, Record<string, string>?][] => [
    ["dynamodb:Query", e.ledger],
    ["s3:GetObject", e.artifact],
    // What S3 checks to answer a HEAD of a missing key with 404 rather than 403.
    ["s3:ListBucket", e.bucketArn, { "s3:prefix": e.artifactKey }],
    ["ecr:BatchGetImage", e.repository],
];

describe("infra/lib/artifactGuardPolicies: deploy-approved verifies the bytes it deploys (deployApprovedVerifyingPolicy)", () => {
    const docFor = (e: Env) =>
        deployApprovedVerifyingPolicy({
            ...e.bytes,
            logGroupName: `/aws/lambda/${e.pipeline.replace(/-training$/, "")}-deploy-approved`,
            ledgerTableArn: e.ledger,
            topicArn: `arn:aws:sns:${e.scope.region}:${ACCOUNT}:x-approvals`,
            kmsKeyArn: `arn:aws:kms:${e.scope.region}:${ACCOUNT}:key/approvals`,
            requestQueueArn: `arn:aws:sqs:${e.scope.region}:${ACCOUNT}:x-deploy-requests.fifo`,
            groupName: e.version.split("/")[1],
            environment: e === prod ? "prod" : "prod-eu",
            endpointName: `x-${e === prod ? "prod" : "prod-eu"}-endpoint`,
            modelExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/x-model-role`,
            rollbackAlarmArns: [],
        });
    const doc = docFor(prod);
    const role = `arn:aws:iam::${ACCOUNT}:role/sagemaker-approval-gate-prod-deploy-approved`;
    const may = (action: string, resource: string, context?: Record<string, string>) => evaluate({ principalArn: role, action, resource, context }, { identity: [doc] });

    it("may make every call the check makes on this environment's version: the package, the pins, the artifact (404 when deleted), the image's digest", () => {
        assert.equal(may("sagemaker:DescribeModelPackage", prod.version), "allowed");
        for (const [action, resource, context] of bytesCheckCalls(prod)) assert.equal(may(action, resource, context), "allowed", `${action} ${resource}`);
    });

    it("records what it finds: the refusal and the TAMPERED record are PutItems (conditional), nothing is updated or deleted", () => {
        for (const action of ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"]) assert.equal(may(action, prod.ledger), "allowed", action);
        for (const action of ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"]) assert.equal(may(action, prod.ledger), "implicit-deny", action);
    });

    it("reaches nothing of prod-eu: not its versions, ledger, artifacts, bucket listing or registry", () => {
        assert.equal(may("sagemaker:DescribeModelPackage", prodEu.version), "implicit-deny");
        for (const [action, resource, context] of bytesCheckCalls(prodEu)) assert.equal(may(action, resource, context), "implicit-deny", `${action} ${resource}`);
        // And prod-eu's own role may make its own calls (the same document, its own environment).
        const euDoc = docFor(prodEu);
        for (const [action, resource, context] of bytesCheckCalls(prodEu)) {
            assert.equal(evaluate({ principalArn: role, action, resource, context }, { identity: [euDoc] }), "allowed", `prod-eu ${action}`);
        }
    });

    it("reads only the registered outputs, writes nothing in S3 or ECR, lists nothing outside the pipeline, and calls no DescribeImages", () => {
        assert.equal(may("s3:GetObject", `${prod.bucketArn}/${prod.pipeline}/exec-7/Preprocess/output/train/train.csv`), "implicit-deny");
        assert.equal(may("s3:GetObject", `${prod.bucketArn}/scripts/preprocess.py`), "implicit-deny");
        assert.equal(may("s3:PutObject", prod.artifact), "implicit-deny");
        assert.equal(may("s3:DeleteObject", prod.artifact), "implicit-deny");
        assert.equal(may("s3:GetObjectVersion", prod.artifact), "implicit-deny", "it never sends a version id");
        assert.equal(may("s3:ListBucket", prod.bucketArn), "implicit-deny");
        assert.equal(may("s3:ListBucket", prod.bucketArn, { "s3:prefix": "scripts/" }), "implicit-deny");
        assert.equal(may("ecr:DescribeImages", prod.repository), "implicit-deny");
        assert.equal(may("ecr:PutImage", prod.repository), "implicit-deny");
        assert.equal(may("ecr:BatchGetImage", `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/other`), "implicit-deny");
        assert.deepEqual(wildcardAllowActions(doc), []);
    });

    it("gets no kms:Decrypt on the artifacts key: HeadObject without checksum mode needs none (documented decision)", () => {
        assert.equal(may("kms:Decrypt", prod.artifactsKey, { "kms:ViaService": "s3.us-east-1.amazonaws.com" }), "implicit-deny");
    });
});

describe("infra/lib/artifactGuardPolicies: approvers check the bytes before they approve (operatorReadVerifyingPolicy)", () => {
    const approver = `arn:aws:iam::${ACCOUNT}:role/approver`;
    const docFor = (e: Env) =>
        operatorReadVerifyingPolicy({
            ...e.bytes,
            environment: e === prod ? "prod" : "prod-eu",
            endpointName: `x-${e === prod ? "prod" : "prod-eu"}-endpoint`,
            ledgerTableArn: e.ledger,
            ledgerKmsKeyArn: `arn:aws:kms:${e.scope.region}:${ACCOUNT}:key/approvals`,
            readerPrincipalArns: [approver],
        });
    const doc = docFor(prod);
    const as = (principalArn: string) => (action: string, resource: string, context?: Record<string, string>) => evaluate({ principalArn, action, resource, context }, { identity: [doc] });

    it("lets an approver make the calls `approvals approve` / `show` make (cli/approvals/pins.ts) on this environment", () => {
        for (const [action, resource, context] of bytesCheckCalls(prod)) assert.equal(as(approver)(action, resource, context), "allowed", `${action} ${resource}`);
    });

    it("grants nothing to anyone else it is attached to, and nothing on prod-eu", () => {
        for (const [action, resource, context] of bytesCheckCalls(prod)) {
            assert.equal(as(`arn:aws:iam::${ACCOUNT}:role/someone-else`)(action, resource, context), "implicit-deny", `${action} for another principal`);
        }
        for (const [action, resource, context] of bytesCheckCalls(prodEu)) assert.equal(as(approver)(action, resource, context), "implicit-deny", `${action} ${resource}`);
    });

    it("reads no training data and no bucket listing outside the pipeline, writes nothing, calls no DescribeImages", () => {
        const may = as(approver);
        assert.equal(may("s3:GetObject", `${prod.bucketArn}/${prod.pipeline}/exec-7/Preprocess/output/train/train.csv`), "implicit-deny");
        assert.equal(may("s3:ListBucket", prod.bucketArn), "implicit-deny");
        assert.equal(may("s3:PutObject", prod.artifact), "implicit-deny");
        assert.equal(may("ecr:DescribeImages", prod.repository), "implicit-deny");
        assert.equal(may("dynamodb:PutItem", prod.ledger), "implicit-deny");
        assert.equal(may("kms:Decrypt", prod.artifactsKey, { "kms:ViaService": "s3.us-east-1.amazonaws.com" }), "implicit-deny");
        assert.deepEqual(wildcardAllowActions(doc), []);
    });
});

describe("infra/lib/artifactGuardPolicies: each role writes the ledger only in the partitions its code writes (dynamodb:LeadingKeys)", () => {
    const ledger = "arn:aws:dynamodb:eu-west-1:111111111111:table/sagemaker-approval-gate-dev-deployments";
    const endpointName = "sagemaker-approval-gate-dev-endpoint";
    const common = { scope, ledgerTableArn: ledger, topicArn: input.topicArn, kmsKeyArn: input.kmsKeyArn };
    const bytes = { artifactsBucketName: "b", pipelineName: "p", imageUris: ["111111111111.dkr.ecr.eu-west-1.amazonaws.com/serve:v1"] };
    const documents = {
        notify: notifyApproverPinningPolicy({ ...common, ...bytes, logGroupName: "/aws/lambda/n", dlqArn: input.dlqArn, reportBucketName: "b", reportKeyPattern: "p/*", groupName: "g" }),
        deploy: deployApprovedVerifyingPolicy({
            ...common,
            ...bytes,
            logGroupName: "/aws/lambda/d",
            requestQueueArn: "arn:aws:sqs:eu-west-1:111111111111:q.fifo",
            groupName: "g",
            environment: "dev",
            endpointName,
            modelExecutionRoleArn: "arn:aws:iam::111111111111:role/m",
            rollbackAlarmArns: [],
        }),
        tamper: artifactTamperPolicy(input),
    };
    const write = (role: keyof typeof documents, action: string, partitionKey: string) =>
        evaluate({ principalArn: `arn:aws:iam::111111111111:role/${role}`, action, resource: ledger, context: { "dynamodb:LeadingKeys": [partitionKey] } }, { identity: [documents[role]] });

    const packageArn = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/g/7";
    // The keys as the code computes them.
    const keys = {
        current: endpointKey(endpointName),
        otherEndpoint: endpointKey("sagemaker-approval-gate-prod-endpoint"),
        notification: notificationKey(packageArn),
        pins: pinsKey(packageArn).pk,
        tampered: tamperedKey(packageArn, "2026-12-02T00:00:00.000Z", "e").pk,
        artifactIndex: reverseIndexKey(artifactIndexKey("s3://b/p/model.tar.gz"), packageArn).pk,
        imageIndex: reverseIndexKey(imageIndexKey("111111111111", "eu-west-1", "serve", "v1"), packageArn).pk,
        alert: alertKey("e").pk.S,
    };
    const writesOf: Record<keyof typeof documents, [string, string][]> = {
        // claimNotification/confirmNotification (PutItem), releaseNotification (DeleteItem), writePins (TransactWriteItems of Puts).
        notify: [["dynamodb:PutItem", keys.notification], ["dynamodb:DeleteItem", keys.notification], ["dynamodb:PutItem", keys.pins], ["dynamodb:PutItem", keys.artifactIndex], ["dynamodb:PutItem", keys.imageIndex]],
        // recordDeployment (TransactWriteItems of Puts), recordOutcome (PutItem), recordTampering (PutItem).
        deploy: [["dynamodb:PutItem", keys.current], ["dynamodb:PutItem", keys.tampered]],
        // recordTampering, markAlerted.
        tamper: [["dynamodb:PutItem", keys.tampered], ["dynamodb:PutItem", keys.alert]],
    };

    for (const role of Object.keys(documents) as (keyof typeof documents)[]) {
        it(`${role}: makes exactly the writes its code makes, and no other write or delete in any partition`, () => {
            const allowed = new Set(writesOf[role].map(([action, key]) => `${action} ${key}`));
            for (const [action, key] of writesOf[role]) assert.equal(write(role, action, key), "allowed", `${action} ${key}`);
            for (const action of ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"]) {
                for (const key of Object.values(keys)) {
                    if (!allowed.has(`${action} ${key}`)) assert.equal(write(role, action, key), "implicit-deny", `${action} ${key}`);
                }
            }
        });
    }

    it("no role may delete a PINS# item (pins or TAMPERED records), and only deploy-approved writes ENDPOINT#, its own endpoint's only", () => {
        for (const role of Object.keys(documents) as (keyof typeof documents)[]) {
            assert.equal(write(role, "dynamodb:DeleteItem", keys.tampered), "implicit-deny", role);
            assert.equal(write(role, "dynamodb:DeleteItem", keys.pins), "implicit-deny", role);
            assert.equal(write(role, "dynamodb:PutItem", keys.otherEndpoint), "implicit-deny", role);
        }
        assert.equal(write("notify", "dynamodb:PutItem", keys.current), "implicit-deny");
        assert.equal(write("tamper", "dynamodb:PutItem", keys.current), "implicit-deny");
        assert.equal(write("deploy", "dynamodb:PutItem", keys.current), "allowed");
    });
});
