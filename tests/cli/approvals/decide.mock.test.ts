/**
 * approve/reject with the identities moto cannot produce (a recorded IAM registrar), and AWS failures,
 * through aws-sdk-client-mock on the same SDK clients the CLI uses.
 */
import { strict as assert } from "assert";
import { mockClient } from "aws-sdk-client-mock";
import {
    DescribeEndpointCommand,
    DescribeModelPackageCommand,
    DescribeModelPackageGroupCommand,
    ListModelPackagesCommand,
    SageMakerClient,
    UpdateModelPackageCommand,
    type DescribeModelPackageCommandOutput,
} from "@aws-sdk/client-sagemaker";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import * as path from "path";
import { runCli } from "../../../cli/approvals/program";
import { EXIT } from "../../../cli/approvals/errors";
import { pinsKey, serializePins } from "../../../policies/lib/pinRecord";
import { captureIo } from "./helpers";

const ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/7";
const PIPELINE_ROLE_SESSION = "arn:aws:sts::111111111111:assumed-role/sagemaker-approval-gate-dev-pipeline/SageMaker-ModelBuildingPipeline";
// Mock these instances only (not the classes), so suites that talk to moto in the same process are unaffected.
const sagemakerClient = new SageMakerClient({ region: "us-east-1" });
const stsClient = new STSClient({ region: "us-east-1" });
const sagemaker = mockClient(sagemakerClient);
const sts = mockClient(stsClient);
// The ledger holds the version's pins: one image referenced by digest and no S3 artifact, so the pins are intact
// by construction and checking them needs no S3 or ECR call.
const ledgerClient = new DynamoDBClient({ region: "us-east-1" });
const ledger = mockClient(ledgerClient);
const IMAGE = `111111111111.dkr.ecr.us-east-1.amazonaws.com/abalone@sha256:${"a".repeat(64)}`;
const PINS = { packageArn: ARN, pinnedAt: "2026-11-25T08:00:00.000Z", artifacts: [], images: [{ image: IMAGE, digest: `sha256:${"a".repeat(64)}`, digestSource: "uri" as const }] };
const PIN_ITEM = { ...Object.fromEntries(Object.entries(pinsKey(ARN)).map(([k, v]) => [k, { S: v }])), pins: { S: serializePins(PINS) } };

function pkg(overrides: Partial<DescribeModelPackageCommandOutput> = {}): DescribeModelPackageCommandOutput {
    return {
        $metadata: {},
        ModelPackageArn: ARN,
        ModelPackageName: "abalone-dev",
        ModelPackageGroupName: "abalone-dev",
        ModelPackageVersion: 7,
        ModelPackageStatus: "Completed",
        ModelApprovalStatus: "PendingManualApproval",
        CreationTime: new Date("2026-11-25T08:00:00Z"),
        ModelPackageStatusDetails: { ValidationStatuses: [] },
        InferenceSpecification: { Containers: [{ Image: IMAGE }], SupportedContentTypes: ["text/csv"], SupportedResponseMIMETypes: ["text/csv"] },
        CreatedBy: { IamIdentity: { Arn: PIPELINE_ROLE_SESSION, PrincipalId: "AROAPIPELINE00000001:SageMaker-ModelBuildingPipeline" } },
        ...overrides,
    };
}

const deps = () => ({
    io: captureIo(),
    projectDir: path.resolve(__dirname, "../../.."),
    makeClients: () => ({ sagemaker: sagemakerClient, sts: stsClient, s3: new S3Client({ region: "us-east-1" }), dynamodb: ledgerClient, ecr: new ECRClient({ region: "us-east-1" }) }),
});

describe("cli/approvals approve/reject (mocked SDK)", () => {
    beforeEach(() => {
        sagemaker.reset();
        sts.reset();
        ledger.reset();
        ledger.on(QueryCommand).resolves({ Items: [PIN_ITEM] });
    });
    after(() => {
        sagemaker.restore();
        sts.restore();
    });

    it("refuses self-approval: another session of the role that registered the version", async () => {
        sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:sts::111111111111:assumed-role/sagemaker-approval-gate-dev-pipeline/alice", UserId: "AROAPIPELINE00000001:alice", Account: "111111111111" });
        sagemaker.on(DescribeModelPackageCommand).resolves(pkg());
        const d = deps();
        const code = await runCli(["approve", ARN, "--comment", "lgtm", "--yes"], d);
        assert.equal(code, EXIT.refused);
        assert.match(d.io.stderr.join("\n"), /Separation of duties: you \(.*\/alice\) registered abalone-dev\/7/);
        assert.equal(sagemaker.commandCalls(UpdateModelPackageCommand).length, 0);
    });

    it("approves as a different identity and sends exactly the status and comment", async () => {
        sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:sts::111111111111:assumed-role/ml-approver/alice", UserId: "AROAAPPROVER00000001:alice", Account: "111111111111" });
        sagemaker.on(DescribeModelPackageCommand).resolvesOnce(pkg()).resolves(pkg({ ModelApprovalStatus: "Approved", ApprovalDescription: "mse 3.9" }));
        sagemaker.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
        const d = deps();
        const code = await runCli(["approve", "7", "--env", "dev", "--comment", "  mse 3.9 ", "--yes"], d);
        assert.equal(code, EXIT.ok, d.io.stderr.join("\n"));
        const calls = sagemaker.commandCalls(UpdateModelPackageCommand);
        assert.equal(calls.length, 1);
        assert.deepEqual(calls[0].args[0].input, { ModelPackageArn: ARN, ModelApprovalStatus: "Approved", ApprovalDescription: "mse 3.9" });
        // A bare version number is resolved in the env's group, in the caller's account, in the stack's region.
        assert.equal(sagemaker.commandCalls(DescribeModelPackageCommand)[0].args[0].input.ModelPackageName, ARN);
    });

    it("reports an IAM denial of the update as refused (exit 1) with the approver-role hint", async () => {
        sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:sts::111111111111:assumed-role/data-scientist/bob", UserId: "AROADATASCIENTIST001:bob", Account: "111111111111" });
        sagemaker.on(DescribeModelPackageCommand).resolves(pkg());
        sagemaker.on(UpdateModelPackageCommand).rejects(Object.assign(new Error("User is not authorized to perform: sagemaker:UpdateModelPackage"), { name: "AccessDeniedException" }));
        const d = deps();
        const code = await runCli(["approve", ARN, "--comment", "lgtm", "--yes"], d);
        assert.equal(code, EXIT.refused);
        assert.match(d.io.stderr.join("\n"), /IAM refused to set abalone-dev\/7 Approved[\s\S]*hint: Only the approver principals/);
    });

    it("says so when SageMaker reads back another status after the update (a concurrent change)", async () => {
        sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:sts::111111111111:assumed-role/ml-approver/alice", UserId: "AROAAPPROVER00000001:alice", Account: "111111111111" });
        sagemaker.on(DescribeModelPackageCommand).resolvesOnce(pkg()).resolves(pkg({ ModelApprovalStatus: "Rejected" }));
        sagemaker.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
        const d = deps();
        assert.equal(await runCli(["approve", ARN, "--comment", "lgtm", "--yes"], d), EXIT.aws);
        assert.match(d.io.stderr.join("\n"), /reads back as Rejected/);
    });

    it("with --json, that read-back error is the only document on stdout (no result before it)", async () => {
        sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:sts::111111111111:assumed-role/ml-approver/alice", UserId: "AROAAPPROVER00000001:alice", Account: "111111111111" });
        sagemaker.on(DescribeModelPackageCommand).resolvesOnce(pkg()).resolves(pkg({ ModelApprovalStatus: "Rejected" }));
        sagemaker.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: ARN });
        const d = deps();
        assert.equal(await runCli(["approve", ARN, "--comment", "lgtm", "--yes", "--json"], d), EXIT.aws);
        assert.equal(d.io.stdout.length, 1, d.io.stdout.join("\n"));
        const { error } = JSON.parse(d.io.stdout[0]);
        assert.equal(error.code, "aws");
        assert.match(error.message, /reads back as Rejected/);
    });

    it("maps missing credentials to exit 3 without a stack trace", async () => {
        sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
        const d = deps();
        assert.equal(await runCli(["approve", ARN, "--comment", "lgtm", "--yes"], d), EXIT.aws);
        const err = d.io.stderr.join("\n");
        assert.match(err, /No usable AWS credentials[\s\S]*hint: .*AWS_PROFILE/);
        assert.doesNotMatch(err, /\n\s+at /);
    });
});

describe("cli/approvals pending/show when IAM hides the endpoint (mocked SDK)", () => {
    const GROUP_ARN = "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/abalone-dev";
    const denied = Object.assign(new Error("User: arn:aws:sts::111111111111:assumed-role/ml-approver/alice is not authorized to perform: sagemaker:DescribeEndpoint"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 400 },
    });

    beforeEach(() => {
        sagemaker.reset();
        sts.reset();
        ledger.reset();
        ledger.on(QueryCommand).resolves({ Items: [PIN_ITEM] });
        sagemaker.on(DescribeModelPackageGroupCommand).resolves({
            $metadata: {}, ModelPackageGroupName: "abalone-dev", ModelPackageGroupArn: GROUP_ARN, CreationTime: new Date(), ModelPackageGroupStatus: "Completed",
            CreatedBy: {},
        });
        sagemaker.on(ListModelPackagesCommand).resolves({
            $metadata: {},
            ModelPackageSummaryList: [{ ModelPackageArn: ARN, ModelPackageGroupName: "abalone-dev", ModelPackageVersion: 7, CreationTime: new Date(), ModelPackageStatus: "Completed", ModelApprovalStatus: "PendingManualApproval" }],
        });
        sagemaker.on(DescribeModelPackageCommand).resolves(pkg());
        sagemaker.on(DescribeEndpointCommand).rejects(denied);
    });

    it("pending still lists the versions and says the live version is unknown, and why (exit 0)", async () => {
        const d = deps();
        const code = await runCli(["pending", "--env", "dev"], d);
        assert.equal(code, EXIT.ok, d.io.stderr.join("\n"));
        const out = d.io.text();
        assert.match(out, /^Live: unknown \(Access denied in us-east-1: could not describe endpoint sagemaker-approval-gate-dev-endpoint/m);
        assert.match(out, /│ 7 /);
    });

    it("live itself still fails on the denial (exit 3): it has nothing else to show", async () => {
        // The ledger read happens alongside; keep it off the network.
        const dynamodbClient = new DynamoDBClient({ region: "us-east-1" });
        const dynamodb = mockClient(dynamodbClient);
        dynamodb.onAnyCommand().rejects(denied);
        const d = { ...deps(), makeClients: () => ({ ...deps().makeClients(), dynamodb: dynamodbClient }) };
        const code = await runCli(["live", "--env", "dev"], d);
        assert.equal(code, EXIT.aws);
        assert.match(d.io.stderr.join("\n"), /Access denied/);
        dynamodb.restore();
    });

    after(() => ledger.restore());
});
