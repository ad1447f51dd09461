/**
 * The approver's day of docs/generated/approver-day.md: starts moto (an AWS emulator), seeds the dev
 * environment's registry the way the pipeline and the deploy Lambda would (three versions, one live, a
 * ledger), then runs the real approver CLI (`runCli`, what `cli/bin/approvals.js` runs, in this process with
 * clients pointed at moto) and returns each command with its output as Markdown.
 *
 * `cli/demo/updateDocs.ts` (`npm run docs:generate`) writes it; tests/cli/demo/updateDocs.test.ts runs it
 * again and compares. Needs `python3 -m moto.server` (pip install "moto[server]"). Nothing here is used by
 * the CLI itself.
 */
import * as path from "path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { STSClient } from "@aws-sdk/client-sts";
import { endpointName, resourceName } from "../../infra/lib/naming";
import { recordDeployment } from "../../lambdas/shared/ledger";
import { launchMoto } from "./sandbox/moto";
import type { AwsClients } from "../approvals/clients";
import { ledgerTableName } from "../approvals/ledger";
import { runCli } from "../approvals/program";
import { pinVersions, publishImage, registerVersions, serveApprovedVersion, XGBOOST_IMAGE } from "./registrySeed";

const REPO = path.resolve(__dirname, "../..");
const ENV = "dev";
const GROUP = "abalone-dev";
const ACCOUNT = "123456789012";

function clientConfig(endpoint: string) {
    return { endpoint, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
}

async function seed(endpoint: string): Promise<void> {
    const config = clientConfig(endpoint);
    const sagemaker = new SageMakerClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const dynamodb = new DynamoDBClient(config);
    const ecr = new ECRClient(config);
    const bucket = `sagemaker-approval-gate-dev-training-${ACCOUNT}`;
    const pipeline = resourceName(ENV, "training");
    const executions = ["k2v9x1q7d3ab", "p8c4m2z6w1ef", "t5r7y3n9h2cd"];
    const registered = await registerVersions(
        { sagemaker, s3 },
        { group: GROUP, bucket, description: "XGBoost abalone age regressor", standardDeviation: 2.1, realtimeInstanceTypes: ["ml.m5.large", "ml.m5.xlarge"] },
        [4.71, 4.18, 3.86].map((mse, i) => ({
            mse,
            reportKey: `${pipeline}/${executions[i]}/evaluation/evaluation.json`,
            executionArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/${pipeline}/execution/${executions[i]}`,
            modelDataUrl: `s3://${bucket}/${pipeline}/${executions[i]}/model/model.tar.gz`,
        })),
    );
    const arns = registered.map((v) => v.arn);
    const table = ledgerTableName(ENV);
    await dynamodb.send(new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
    }));
    // Registration pinned each version's bytes (notify-approver does it in a real account).
    await publishImage(ecr, XGBOOST_IMAGE);
    await pinVersions({ sagemaker, s3, ecr, dynamodb }, table, arns);
    // Version 1 was approved last week and is live, as the deploy Lambda left it.
    const model = `${resourceName(ENV, "v1")}-3f9a2c1d`;
    await serveApprovedVersion(sagemaker, {
        endpointName: endpointName(ENV),
        arn: arns[0],
        modelName: model,
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${resourceName(ENV, "model-execution")}`,
        approvalDescription: "first model for dev; mse 4.71 within the gate",
    });
    await recordDeployment(dynamodb, table, {
        endpointName: endpointName(ENV),
        packageArn: arns[0],
        groupName: GROUP,
        version: 1,
        endpointConfigName: model,
        modelName: model,
        deployedAt: "2026-11-18T14:02:11.000Z",
        eventId: "6f1c2b9e-0d4a-4c55-9d0e-5b7f3c8a1e20",
        kind: "deploy",
        outcome: "deployed",
        reason: "Approved (\"first model for dev; mse 4.71 within the gate\")",
        approvedBy: `arn:aws:sts::${ACCOUNT}:assumed-role/ml-approver/alice`,
        approvalDescription: "first model for dev; mse 4.71 within the gate",
    }, undefined);
}

/** The clients the CLI would build from AWS_ENDPOINT_URL=<moto>, region us-east-1 and dummy keys. */
function motoClients(endpoint: string): () => AwsClients {
    const config = clientConfig(endpoint);
    return () => ({
        sagemaker: new SageMakerClient(config),
        s3: new S3Client({ ...config, forcePathStyle: true }),
        sts: new STSClient(config),
        dynamodb: new DynamoDBClient(config),
        ecr: new ECRClient(config),
    });
}

/** One command as a console block: stdout and stderr interleaved as a terminal shows them, then its exit code. */
async function run(args: string[], endpoint: string): Promise<string> {
    const lines: string[] = [];
    const io = {
        out: (text: string) => lines.push(text),
        err: (text: string) => lines.push(text),
        interactive: false,
        confirm: async (): Promise<boolean> => {
            throw new Error("the approver's day passes --yes wherever a prompt would ask");
        },
        now: () => new Date(),
    };
    let code: number;
    try {
        code = await runCli(args, { io, makeClients: motoClients(endpoint), projectDir: REPO });
    } catch (err) {
        // What cli/bin/approvals.js prints for an error nothing else caught.
        lines.push(`error: ${(err as Error)?.message ?? String(err)}`);
        code = 3;
    }
    const quoted = args.map((a) => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(" ");
    return ["```console", `$ npm run approvals -- ${quoted}`, lines.join("\n").replace(/\n$/, ""), `$ echo $?`, String(code), "```"].join("\n");
}

/** Runs the whole day against a fresh moto and returns it as Markdown: one console block per command, keyed by step. */
export async function approverDay(): Promise<Record<string, string>> {
    const moto = await launchMoto();
    const { endpoint } = moto;
    try {
        await moto.ready;
        await seed(endpoint);
        const comment = "mse 3.86 beats live 4.71; residuals reviewed";
        return {
            pending: await run(["pending", "--env", "dev"], endpoint),
            show: await run(["show", "abalone-dev/3", "--env", "dev"], endpoint),
            refused: await run(["approve", "abalone-dev/3", "--env", "dev", "--comment", comment], endpoint),
            approve: await run(["approve", "abalone-dev/3", "--env", "dev", "--comment", comment, "--allow-unknown-registrar", "--yes"], endpoint),
            again: await run(["approve", "abalone-dev/3", "--env", "dev", "--comment", comment, "--allow-unknown-registrar", "--yes"], endpoint),
            reject: await run(["reject", "abalone-dev/2", "--env", "dev", "--comment", "superseded by v3", "--yes", "--json"], endpoint),
            live: await run(["live", "--env", "dev"], endpoint),
            history: await run(["history", "--env", "dev"], endpoint),
            notFound: await run(["show", "abalone-dev/9", "--env", "dev"], endpoint),
        };
    } finally {
        moto.stop();
    }
}

if (require.main === module) {
    approverDay().then(
        (blocks) => console.log(Object.values(blocks).join("\n\n")),
        (err) => {
            console.error(err);
            process.exit(1);
        },
    );
}
