/**
 * What `approvals approve --stage S` reads across accounts (infra/lib/stageVerificationPolicies.ts), as the example
 * stacks declare it under Pulumi mocks: the registry (shared) attaches the verifying policy to each stage's
 * approvers; the environment stacks (staging, and prod from the staging example) put a resource policy on their ledger
 * admitting the registry account and a decrypt statement in the ledger's key. Then the declared documents themselves,
 * evaluated together, decide who reads which ledger.
 */
import { strict as assert } from "assert";
import { runProgramUnderMocks, type ProgramRun } from "../../../cli/lib/programUnderMocks";
import { stageApproversVerifyingPolicy } from "../../../infra/lib/stageVerificationPolicies";
import { evaluate } from "../lib/policyEvaluator";
import { exampleStackConfig } from "../exampleStacks";

const REGISTRY = "111111111111";
const STAGING = "222222222222";
const PROD = "333333333333";
const releaseManager = `arn:aws:iam::${REGISTRY}:role/ml-release-manager`;
const stagingApprover = `arn:aws:iam::${REGISTRY}:role/ml-staging-approver`;
const account = (accountId: string) => ({ accountId, region: "us-east-1", partition: "aws" });
const ledgerArn = (accountId: string, env: string) => `arn:aws:dynamodb:us-east-1:${accountId}:table/sagemaker-approval-gate-${env}-deployments`;
const T = {
    policy: "aws:iam/policy:Policy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    table: "aws:dynamodb/table:Table",
    tablePolicy: "aws:dynamodb/resourcePolicy:ResourcePolicy",
    key: "aws:kms/key:Key",
};

function environmentRun(stage: "Staging" | "Production"): Promise<ProgramRun> {
    const config = exampleStackConfig("staging");
    if (stage === "Staging") return runProgramUnderMocks({ stack: "staging", config, account: account(STAGING) });
    config["sagemaker-approval-gate:environment"] = "prod";
    config["sagemaker-approval-gate:production"] = true;
    config["sagemaker-approval-gate:promotion"] = { ...(config["sagemaker-approval-gate:promotion"] as object), stage: "Production" };
    return runProgramUnderMocks({ stack: "prod", config, account: account(PROD) });
}

describe("approve --stage across accounts: the example stacks' declared documents (under mocks)", function () {
    this.timeout(120_000);
    let shared: ProgramRun;
    let staging: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        shared = await runProgramUnderMocks({ stack: "shared", config: exampleStackConfig("shared"), account: account(REGISTRY) });
        staging = await environmentRun("Staging");
        prod = await environmentRun("Production");
    });

    const stagePolicy = (stage: string) => shared.recorder.get(T.policy, `sagemaker-approval-gate-shared-registry-stage-approver-${stage}`);
    const stageDocument = (stage: string) => JSON.parse(stagePolicy(stage).inputs.policy);
    const tablePolicy = (run: ProgramRun) => {
        const policies = run.recorder.ofType(T.tablePolicy);
        assert.equal(policies.length, 1, "one resource policy: the ledger's");
        return policies[0];
    };
    const keyPolicy = (run: ProgramRun, env: string) => JSON.parse(run.recorder.get(T.key, `sagemaker-approval-gate-${env}-approvals-notifications-key`).inputs.policy);

    it("the registry attaches the verifying policy to exactly each stage's approvers", () => {
        const bytes = { artifactsBucketName: `sagemaker-approval-gate-shared-training-${REGISTRY}`, pipelineName: "sagemaker-approval-gate-shared-training", imageUris: ["683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"] };
        const common = { scope: account(REGISTRY), groupName: "abalone", stageOrder: ["Staging", "Production"], bytes };
        assert.deepEqual(stageDocument("Production"), stageApproversVerifyingPolicy({ ...common, stage: "Production", approverPrincipalArns: [releaseManager], stageAccounts: [{ accountId: PROD, environment: "prod" }] }));
        assert.deepEqual(stageDocument("Staging"), stageApproversVerifyingPolicy({ ...common, stage: "Staging", approverPrincipalArns: [stagingApprover], stageAccounts: [{ accountId: STAGING, environment: "staging" }] }));
        const attached = shared.recorder
            .ofType(T.attachment)
            .filter((a) => a.name.includes("-stage-approver-"))
            .map((a) => `${a.inputs.role}:${["Staging", "Production"].find((s) => a.inputs.policyArn === stagePolicy(s).state.arn)}`);
        assert.deepEqual(attached.sort(), ["ml-release-manager:Production", "ml-staging-approver:Staging"]);
    });

    it("each environment declares its ledger's resource policy with the registry account only, and the key's decrypt statement", () => {
        for (const [run, accountId, env] of [[staging, STAGING, "staging"], [prod, PROD, "prod"]] as const) {
            const declared = tablePolicy(run);
            assert.equal(declared.inputs.resourceArn, run.recorder.ofType(T.table)[0].state.arn, env);
            const doc = JSON.parse(declared.inputs.policy);
            assert.deepEqual(doc.Statement.map((s: any) => s.Principal.AWS), [[`arn:aws:iam::${REGISTRY}:root`]], env);
            assert.deepEqual(doc.Statement.map((s: any) => s.Action), [["dynamodb:Query"]], env);
            assert.deepEqual(doc.Statement[0].Resource, [ledgerArn(accountId, env)], env);
            const decrypt = keyPolicy(run, env).Statement.find((s: any) => s.Sid === "RegistryApproversDecryptThePinsThroughDynamoDB");
            assert.deepEqual(decrypt?.Principal.AWS, [`arn:aws:iam::${REGISTRY}:root`], env);
        }
        // The registry holds no ledger and declares none.
        assert.deepEqual(shared.recorder.ofType(T.tablePolicy), []);
    });

    it("evaluated together: a Production approver Queries Production's pins and nothing else, writes nothing, and cannot read Staging's ledger", () => {
        const prodTable = JSON.parse(tablePolicy(prod).inputs.policy);
        const stagingTable = JSON.parse(tablePolicy(staging).inputs.policy);
        const ask = (principalArn: string, action: string, resource: string, leadingKeys: string[], identity: object, tableDoc: object, resourceAccount: string) =>
            evaluate({ principalArn, action, resource, context: { "dynamodb:LeadingKeys": leadingKeys }, resourceAccount }, { identity: [identity as any], resource: [tableDoc as any] });
        const prodLedger = ledgerArn(PROD, "prod");
        const pins = [`PINS#arn:aws:sagemaker:us-east-1:${REGISTRY}:model-package/abalone/7`];
        const production = stageDocument("Production");
        assert.equal(ask(releaseManager, "dynamodb:Query", prodLedger, pins, production, prodTable, PROD), "allowed");
        assert.equal(ask(releaseManager, "dynamodb:Query", prodLedger, ["ENDPOINT#sagemaker-approval-gate-prod-endpoint"], production, prodTable, PROD), "implicit-deny");
        assert.equal(ask(releaseManager, "dynamodb:Query", prodLedger, [...pins, "ENDPOINT#x"], production, prodTable, PROD), "implicit-deny");
        for (const action of ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:DeleteItem"]) {
            assert.equal(ask(releaseManager, action, prodLedger, pins, production, prodTable, PROD), "implicit-deny", action);
        }
        assert.equal(ask(releaseManager, "dynamodb:Query", ledgerArn(STAGING, "staging"), pins, production, stagingTable, STAGING), "implicit-deny");
        assert.equal(ask(stagingApprover, "dynamodb:Query", prodLedger, pins, stageDocument("Staging"), prodTable, PROD), "implicit-deny");
        assert.equal(ask(stagingApprover, "dynamodb:Query", ledgerArn(STAGING, "staging"), pins, stageDocument("Staging"), stagingTable, STAGING), "allowed");
    });
});
