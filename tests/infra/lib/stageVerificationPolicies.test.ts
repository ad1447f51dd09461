import { strict as assert } from "assert";
import { wildcardAllowActions } from "../../../infra/lib/iamDocuments";
import { policyDocument } from "../../../infra/lib/iamDocuments";
import {
    environmentLedgerArn,
    environmentLedgerKeyStatement,
    environmentLedgerResourcePolicy,
    stageApproversVerifyingPolicy,
    stageApproverVerifyingPolicy,
} from "../../../infra/lib/stageVerificationPolicies";
import { evaluate } from "./policyEvaluator";
import { groupName, OTHER, PROD, REGISTRY, registryScope, releaseManager, stageOrder, stagingApprover } from "./promotionFixtures";

const prodScope = { partition: "aws", region: "us-east-1", accountId: PROD };
const ledger = environmentLedgerArn(prodScope, "prod");
const ledgerKey = `arn:aws:kms:us-east-1:${PROD}:key/11111111-1111-1111-1111-111111111111`;
const tablePolicy = environmentLedgerResourcePolicy({ scope: prodScope, tableName: "sagemaker-approval-gate-prod-deployments", registryAccountId: REGISTRY, stageApproverArns: [releaseManager] });
const keyPolicy = policyDocument(environmentLedgerKeyStatement({ scope: prodScope, registryAccountId: REGISTRY, stageApproverArns: [`arn:aws:sts::${REGISTRY}:assumed-role/ml-release-manager/bob`] }));
const bucketName = "sagemaker-approval-gate-shared-training-111111111111";
const pipelineName = "sagemaker-approval-gate-shared-training";
const approverDocument = stageApproverVerifyingPolicy({
    scope: registryScope,
    groupName,
    stageOrder,
    stage: "Production",
    approverPrincipalArns: [releaseManager],
    stageAccount: { accountId: PROD, environment: "prod" },
    bytes: { artifactsBucketName: bucketName, pipelineName, imageUris: ["683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"] },
});

const query = (principalArn: string, leadingKeys: string[], identity = [approverDocument], resource = ledger) =>
    evaluate({ principalArn, action: "dynamodb:Query", resource, context: { "dynamodb:LeadingKeys": leadingKeys }, resourceAccount: PROD }, { identity, resource: [tablePolicy] });

describe("infra/lib/stageVerificationPolicies", () => {
    it("names the stage's ledger by its physical name", () => {
        assert.equal(ledger, `arn:aws:dynamodb:us-east-1:${PROD}:table/sagemaker-approval-gate-prod-deployments`);
    });

    it("Production's approvers Query Production's pins, and nothing else of its ledger", () => {
        assert.equal(query(releaseManager, ["PINS#arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone/7"]), "allowed");
        assert.equal(query(releaseManager, ["ENDPOINT#sagemaker-approval-gate-prod-endpoint"]), "implicit-deny");
        assert.equal(
            evaluate({ principalArn: releaseManager, action: "dynamodb:GetItem", resource: ledger, context: { "dynamodb:LeadingKeys": ["PINS#x"] }, resourceAccount: PROD }, { identity: [approverDocument], resource: [tablePolicy] }),
            "implicit-deny",
        );
    });

    it("nobody else reads it: another stage's approvers, another registry principal, another account", () => {
        const stagingDocument = stageApproverVerifyingPolicy({
            scope: registryScope,
            groupName,
            stageOrder,
            stage: "Staging",
            approverPrincipalArns: [stagingApprover],
            stageAccount: { accountId: "222222222222", environment: "staging" },
            bytes: { artifactsBucketName: bucketName, pipelineName, imageUris: [] },
        });
        assert.equal(query(stagingApprover, ["PINS#x"], [stagingDocument]), "implicit-deny", "its policy names the staging ledger only");
        const anyQuery = policyDocument({ Sid: "Q", Effect: "Allow", Action: ["dynamodb:Query"], Resource: ["*"] });
        assert.equal(query(stagingApprover, ["PINS#x"], [anyQuery]), "implicit-deny", "the table policy names Production's approvers");
        assert.equal(query(`arn:aws:iam::${OTHER}:role/admin`, ["PINS#x"], [anyQuery]), "implicit-deny");
    });

    it("the ledger key: those approvers decrypt through DynamoDB only (sessions matched by their role)", () => {
        const decrypt = (principalArn: string, viaService: string) =>
            evaluate({ principalArn, action: "kms:Decrypt", resource: ledgerKey, context: { "kms:ViaService": viaService }, resourceAccount: PROD }, { identity: [approverDocument], resource: [keyPolicy] });
        assert.equal(decrypt(releaseManager, "dynamodb.us-east-1.amazonaws.com"), "allowed");
        assert.equal(decrypt(releaseManager, "s3.us-east-1.amazonaws.com"), "implicit-deny");
        assert.equal(decrypt(stagingApprover, "dynamodb.us-east-1.amazonaws.com"), "implicit-deny");
    });

    it("the approvers check the registry's bytes (HeadObject on training outputs, the pipeline's prefix, the images)", () => {
        const head = (principalArn: string) =>
            evaluate({ principalArn, action: "s3:GetObject", resource: `arn:aws:s3:::${bucketName}/${pipelineName}/e1/Train/output/x/output/model.tar.gz` }, { identity: [approverDocument] });
        assert.equal(head(releaseManager), "allowed");
        assert.equal(head(`arn:aws:iam::${REGISTRY}:role/intruder`), "implicit-deny");
        assert.equal(
            evaluate({ principalArn: releaseManager, action: "ecr:BatchGetImage", resource: "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost" }, { identity: [approverDocument] }),
            "allowed",
        );
        assert.deepEqual(wildcardAllowActions(approverDocument), []);
    });

    it("without stage approver ARNs the table admits the registry account, whose own policies still decide", () => {
        const open = environmentLedgerResourcePolicy({ scope: prodScope, tableName: "sagemaker-approval-gate-prod-deployments", registryAccountId: REGISTRY });
        const call = (principalArn: string, identity = [approverDocument]) =>
            evaluate({ principalArn, action: "dynamodb:Query", resource: ledger, context: { "dynamodb:LeadingKeys": ["PINS#x"] }, resourceAccount: PROD }, { identity, resource: [open] });
        assert.equal(call(releaseManager), "allowed");
        assert.equal(call(`arn:aws:iam::${REGISTRY}:role/intruder`), "implicit-deny");
        assert.throws(() => environmentLedgerResourcePolicy({ scope: prodScope, tableName: "t", registryAccountId: PROD }), /use the all-in-one layout/);
    });

    it("a stage of several environments: its approvers Query each one's pins, the approval and bytes statements once", () => {
        const euScope = { ...prodScope, accountId: OTHER };
        const both = stageApproversVerifyingPolicy({
            scope: registryScope,
            groupName,
            stageOrder,
            stage: "Production",
            approverPrincipalArns: [releaseManager],
            stageAccounts: [{ accountId: PROD, environment: "prod" }, { accountId: OTHER, environment: "prod-eu" }],
            bytes: { artifactsBucketName: bucketName, pipelineName, imageUris: [] },
        });
        const sids = both.Statement.map((s) => s.Sid);
        assert.equal(new Set(sids).size, sids.length, "Sids are unique");
        assert.ok(sids.every((sid) => /^[A-Za-z0-9]+$/.test(sid)), sids.join());
        const euLedger = environmentLedgerArn(euScope, "prod-eu");
        const euTable = environmentLedgerResourcePolicy({ scope: euScope, tableName: "sagemaker-approval-gate-prod-eu-deployments", registryAccountId: REGISTRY });
        const ask = (resource: string, table: object, account: string, keys = ["PINS#x"]) =>
            evaluate({ principalArn: releaseManager, action: "dynamodb:Query", resource, context: { "dynamodb:LeadingKeys": keys }, resourceAccount: account }, { identity: [both], resource: [table as any] });
        assert.equal(ask(ledger, tablePolicy, PROD), "allowed");
        assert.equal(ask(euLedger, euTable, OTHER), "allowed");
        assert.equal(ask(euLedger, euTable, OTHER, ["ENDPOINT#x"]), "implicit-deny");
        assert.equal(sids.filter((sid) => sid.startsWith("QueryTheStagesPins")).length, 2);
        assert.equal(sids.filter((sid) => sid === "HeadRegisteredArtifacts").length, 1);
        assert.throws(() => stageApproversVerifyingPolicy({ scope: registryScope, groupName, stageOrder, stage: "Production", approverPrincipalArns: [releaseManager], stageAccounts: [], bytes: { artifactsBucketName: bucketName, pipelineName, imageUris: [] } }), /stage Production has no environment/);
    });
});
