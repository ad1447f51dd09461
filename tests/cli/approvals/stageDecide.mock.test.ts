/**
 * approve/reject --stage through aws-sdk-client-mock, with the repo's own registry stack file (Pulumi.shared.yaml:
 * Staging in 222222222222, Production in 333333333333): the exact UpdateModelPackage, where the pins are read,
 * and the refusals in the CLI's error style.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeEndpointCommand, DescribeModelPackageCommand, SageMakerClient, UpdateModelPackageCommand, type DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { EXIT } from "../../../cli/approvals/errors";
import { runCli } from "../../../cli/approvals/program";
import { pinsKey, serializePins } from "../../../policies/lib/pinRecord";
import { captureIo } from "./helpers";

const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone/7";
const NOW = new Date("2026-12-02T18:40:00.000Z");
const ALICE = "arn:aws:sts::111111111111:assumed-role/ml-staging-approver/alice";
const IMAGE = `111111111111.dkr.ecr.us-east-1.amazonaws.com/abalone@sha256:${"a".repeat(64)}`;
const PINS = { packageArn: ARN, pinnedAt: "2026-11-25T08:00:00.000Z", artifacts: [], images: [{ image: IMAGE, digest: `sha256:${"a".repeat(64)}`, digestSource: "uri" as const }] };
const PIN_ITEM = { ...Object.fromEntries(Object.entries(pinsKey(ARN)).map(([k, v]) => [k, { S: v }])), pins: { S: serializePins(PINS) } };

const sagemakerClient = new SageMakerClient({ region: "us-east-1" });
const stsClient = new STSClient({ region: "us-east-1" });
const ledgerClient = new DynamoDBClient({ region: "us-east-1" });
const sagemaker = mockClient(sagemakerClient);
const sts = mockClient(stsClient);
const ledger = mockClient(ledgerClient);

function pkg(overrides: Partial<DescribeModelPackageCommandOutput> = {}): DescribeModelPackageCommandOutput {
    return {
        $metadata: {},
        ModelPackageArn: ARN,
        ModelPackageName: "abalone",
        ModelPackageGroupName: "abalone",
        ModelPackageVersion: 7,
        ModelPackageStatus: "Completed",
        ModelApprovalStatus: "PendingManualApproval",
        CreationTime: new Date("2026-11-25T08:00:00Z"),
        ModelPackageStatusDetails: { ValidationStatuses: [] },
        InferenceSpecification: { Containers: [{ Image: IMAGE }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
        CreatedBy: { IamIdentity: { Arn: "arn:aws:sts::111111111111:assumed-role/sagemaker-approval-gate-shared-pipeline/run", PrincipalId: "AROAPIPELINE00000001:run" } },
        CustomerMetadataProperties: { owner: "ml-team" },
        ...overrides,
    };
}

function deps() {
    return {
        io: captureIo({ now: NOW }),
        projectDir: path.resolve(__dirname, "../../.."),
        makeClients: () => ({ sagemaker: sagemakerClient, sts: stsClient, s3: new S3Client({ region: "us-east-1" }), dynamodb: ledgerClient, ecr: new ECRClient({ region: "us-east-1" }) }),
    };
}
const approve = (...args: string[]) => ["approve", ARN, "--env", "shared", "--yes", ...args];

describe("cli/approvals approve/reject --stage (mocked SDK, the repo's registry stack)", () => {
    beforeEach(() => {
        sagemaker.reset();
        sts.reset();
        ledger.reset();
        sts.on(GetCallerIdentityCommand).resolves({ Arn: ALICE, UserId: "AROASTAGINGAPPROVER1:alice", Account: "111111111111" });
        ledger.on(QueryCommand).resolves({ Items: [PIN_ITEM] });
    });
    after(() => {
        sagemaker.restore();
        sts.restore();
        ledger.restore();
    });

    it("approves for Staging with one UpdateModelPackage: lifecycle, status, comment and the history entry beside the metadata", async () => {
        const approved = { ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved", StageDescription: "mse 3.9" }, ModelApprovalStatus: "Approved" as const };
        sagemaker.on(DescribeModelPackageCommand).resolvesOnce(pkg()).resolves(pkg(approved));
        sagemaker.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
        const d = deps();
        const code = await runCli(approve("--stage", "Staging", "--comment", "mse 3.9"), d);
        assert.equal(code, EXIT.ok, d.io.stderr.join("\n"));
        const calls = sagemaker.commandCalls(UpdateModelPackageCommand);
        assert.equal(calls.length, 1);
        assert.deepEqual(calls[0].args[0].input, {
            ModelPackageArn: ARN,
            ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved", StageDescription: "mse 3.9" },
            ModelApprovalStatus: "Approved",
            ApprovalDescription: "mse 3.9",
            CustomerMetadataProperties: { owner: "ml-team", "approval-gate:stage:Staging:Approved": `2026-12-02T18:40:00.000Z ${ALICE} mse 3.9` },
        });
        // The pins are read in Staging's ledger, in Staging's account, by table ARN.
        assert.equal(ledger.commandCalls(QueryCommand)[0].args[0].input.TableName, "arn:aws:dynamodb:us-east-1:222222222222:table/sagemaker-approval-gate-staging-deployments");
        assert.match(d.io.text(), /^Stage +Staging \(of Staging -> Production\)$/m);
        assert.match(d.io.text(), /^Change +none -> Staging: Approved \("mse 3\.9"\), ModelApprovalStatus Approved$/m);
    });

    it("without --stage: exit 2 naming the stages and the stack file, and nothing sent", async () => {
        const d = deps();
        assert.equal(await runCli(approve("--comment", "ok", "--json"), d), EXIT.usage);
        const { error } = JSON.parse(d.io.text());
        assert.equal(error.code, "usage");
        assert.match(error.message, /--stage is required: this registry promotes through stages Staging, Production \(from .*Pulumi\.shared\.yaml \(promotion\)\)/);
        assert.match(error.fix, /approvals approve .* --stage Staging --env shared --comment/);
        assert.equal(sagemaker.commandCalls(UpdateModelPackageCommand).length, 0);
    });

    it("rejecting without --stage is refused the same way: a plain Rejected would withdraw it from every stage", async () => {
        const d = deps();
        assert.equal(await runCli(["reject", ARN, "--env", "shared", "--yes", "--comment", "no"], d), EXIT.usage);
        assert.match(d.io.stderr.join("\n"), /--stage is required/);
    });

    it("refuses Production while Staging is only Approved: {error:{code,exitCode,message,fix}}, exit 1, nothing sent", async () => {
        sagemaker.on(DescribeModelPackageCommand).resolves(pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved" } }));
        const d = deps();
        assert.equal(await runCli(approve("--stage", "Production", "--comment", "ship", "--json"), d), EXIT.refused);
        const { error } = JSON.parse(d.io.text());
        assert.deepEqual(Object.keys(error), ["code", "exitCode", "message", "fix"]);
        assert.equal(error.code, "refused");
        assert.equal(error.exitCode, 1);
        assert.match(error.message, /^Refused: abalone\/7 cannot be approved for Production: it is approved for Staging but not yet deployed there/);
        assert.match(error.fix, /Wait for the deploy function of Staging/);
        assert.equal(sagemaker.commandCalls(UpdateModelPackageCommand).length, 0);
        assert.equal(ledger.commandCalls(QueryCommand).length, 0);
    });

    it("reads Production's pins in Production's ledger (account 333333333333) and approves from {Staging, Deployed}", async () => {
        const before = pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Staging", StageStatus: "Deployed" } });
        sagemaker.on(DescribeModelPackageCommand).resolvesOnce(before).resolves(pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Production", StageStatus: "Approved" } }));
        sagemaker.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
        const d = deps();
        assert.equal(await runCli(approve("--stage", "Production", "--comment", "a week in Staging"), d), EXIT.ok, d.io.stderr.join("\n"));
        assert.equal(ledger.commandCalls(QueryCommand)[0].args[0].input.TableName, "arn:aws:dynamodb:us-east-1:333333333333:table/sagemaker-approval-gate-prod-deployments");
        const input = sagemaker.commandCalls(UpdateModelPackageCommand)[0].args[0].input;
        assert.equal(input.ModelApprovalStatus, undefined);
        assert.deepEqual(input.ModelLifeCycle, { Stage: "Production", StageStatus: "Approved", StageDescription: "a week in Staging" });
    });

    it("an IAM denial is a refusal (exit 1) naming the stage's approvers", async () => {
        sagemaker.on(DescribeModelPackageCommand).resolves(pkg());
        sagemaker.on(UpdateModelPackageCommand).rejects(Object.assign(new Error("not authorized: sagemaker:ModelLifeCycle:stage"), { name: "AccessDeniedException" }));
        const d = deps();
        assert.equal(await runCli(approve("--stage", "Staging", "--comment", "ok"), d), EXIT.refused);
        assert.match(d.io.stderr.join("\n"), /IAM refused to set abalone\/7 Staging Approved[\s\S]*hint: Only the approvers of Staging/);
    });

    it("a lifecycle read back other than the one set is an AWS error (exit 3)", async () => {
        sagemaker.on(DescribeModelPackageCommand).resolvesOnce(pkg()).resolves(pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Staging", StageStatus: "Rejected" } }));
        sagemaker.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
        const d = deps();
        assert.equal(await runCli(approve("--stage", "Staging", "--comment", "ok"), d), EXIT.aws);
        assert.match(d.io.stderr.join("\n"), /reads back as Staging: Rejected/);
    });

    it("show --env staging (an environment stack) names the version in the registry's account and reads its own ledger", async () => {
        sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:sts::222222222222:assumed-role/ml-staging-reader/carol", UserId: "AROASTAGINGREADER001:carol", Account: "222222222222" });
        sagemaker.on(DescribeModelPackageCommand).resolves(pkg({ ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Staging", StageStatus: "Deployed" } }));
        sagemaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error("Could not find endpoint"), { name: "ValidationException" }));
        const d = deps();
        assert.equal(await runCli(["show", "abalone/7", "--env", "staging"], d), EXIT.ok, d.io.stderr.join("\n"));
        assert.equal(sagemaker.commandCalls(DescribeModelPackageCommand)[0].args[0].input.ModelPackageName, ARN);
        assert.equal(ledger.commandCalls(QueryCommand)[0].args[0].input.TableName, "sagemaker-approval-gate-staging-deployments");
        assert.match(d.io.text(), /^Stage +Staging: Deployed \(deployed to Staging; awaits approval for Production\)$/m);
        assert.match(d.io.text(), /Decide: approvals approve abalone\/7 --stage Production/);
    });

    it("live and history on the registry stack: exit 2 naming the stages' environment stacks", async () => {
        const d = deps();
        assert.equal(await runCli(["live", "--env", "shared"], d), EXIT.usage);
        assert.match(d.io.stderr.join("\n"), /shared is a registry stack: it has no endpoint[\s\S]*hint: Pass the environment stack of a stage: --env staging \(Staging\), --env prod \(Production\)/);
    });

    it("--stage on the all-in-one dev stack, and a --stages that contradicts the stack file, are usage errors (exit 2)", async () => {
        const dev = deps();
        assert.equal(await runCli(["approve", "7", "--env", "dev", "--stage", "Staging", "--comment", "ok", "--yes"], dev), EXIT.usage);
        assert.match(dev.io.stderr.join("\n"), /no promotion stages are configured here/);
        const contradicts = deps();
        assert.equal(await runCli(approve("--stage", "Staging", "--stages", "Production,Staging", "--comment", "ok"), contradicts), EXIT.usage);
        assert.match(contradicts.io.stderr.join("\n"), /--stages Production,Staging disagrees with .*Pulumi\.shared\.yaml/);
    });
});
