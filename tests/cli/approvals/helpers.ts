/**
 * Helpers for the approver CLI tests: a captured terminal, moto-aimed clients, a throwaway project folder
 * with its own Pulumi.<env>.yaml, and a registry seeded through the real SageMaker/S3 APIs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { STSClient } from "@aws-sdk/client-sts";
import { stringify } from "yaml";
import type { AwsClients } from "../../../cli/approvals/clients";
import type { Io } from "../../../cli/approvals/context";
import { pinVersions, publishImage, registerVersions, serveApprovedVersion, XGBOOST_IMAGE, type RegisteredVersion } from "../../../cli/demo/registrySeed";
import { motoClientConfig } from "../../helpers/moto";

export interface CapturedIo extends Io {
    readonly stdout: string[];
    readonly stderr: string[];
    readonly prompts: string[];
    text(): string;
}

export function captureIo(options: { interactive?: boolean; answer?: boolean; now?: Date } = {}): CapturedIo {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const prompts: string[] = [];
    return {
        stdout,
        stderr,
        prompts,
        interactive: options.interactive ?? false,
        out: (t) => stdout.push(t),
        err: (t) => stderr.push(t),
        confirm: async (message) => {
            prompts.push(message);
            return options.answer ?? false;
        },
        now: () => options.now ?? new Date(),
        text: () => stdout.join("\n"),
    };
}

export function motoClients(endpoint: string) {
    return (options: { region?: string }): AwsClients => {
        const config = motoClientConfig(endpoint, options.region ?? "us-east-1");
        return {
            sagemaker: new SageMakerClient(config),
            s3: new S3Client({ ...config, forcePathStyle: true }),
            sts: new STSClient(config),
            dynamodb: new DynamoDBClient(config),
            ecr: new ECRClient(config),
        };
    };
}

/** A project folder with Pulumi.yaml and Pulumi.<env>.yaml (the dev stack's config with another env/group). */
export function makeProject(env: string, group: string, overrides: Record<string, unknown> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "approvals-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: sagemaker-approval-gate\nruntime: nodejs\n");
    const config: Record<string, unknown> = {
        "aws:region": "us-east-1",
        "sagemaker-approval-gate:environment": env,
        "sagemaker-approval-gate:production": false,
        "sagemaker-approval-gate:modelPackageGroupName": group,
        "sagemaker-approval-gate:pipeline": {
            inputDataS3Uri: "s3://sagemaker-sample-files/datasets/tabular/uci_abalone/abalone.csv",
            processingImageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
            trainingImageUri: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            metric: { name: "mse", jsonPath: "regression_metrics.mse.value", comparison: "LessThanOrEqualTo", threshold: 6.0 },
        },
        "sagemaker-approval-gate:approvers": { principalArns: ["arn:aws:iam::123456789012:role/ml-approver"] },
        ...overrides,
    };
    fs.writeFileSync(path.join(dir, `Pulumi.${env}.yaml`), stringify({ config }));
    return dir;
}

export type SeededVersion = RegisteredVersion;

export interface SeedPins {
    /** The ledger table (it must exist) where registration records the versions' artifact pins. */
    readonly table: string;
    /** Versions (1-based) registered without pins, as before pinning existed. */
    readonly unpinned?: readonly number[];
}

/**
 * Creates the group, one package per mse (PendingManualApproval, with an evaluation report and a model artifact
 * in S3); with `pins`, its image in ECR and each version's artifact pins in the ledger, as registration does.
 */
export async function seedRegistry(endpoint: string, group: string, bucket: string, mses: readonly number[], pins?: SeedPins): Promise<SeededVersion[]> {
    const config = motoClientConfig(endpoint);
    const clients = { sagemaker: new SageMakerClient(config), s3: new S3Client({ ...config, forcePathStyle: true }), ecr: new ECRClient(config), dynamodb: new DynamoDBClient(config) };
    const seeded = await registerVersions(clients, { group, bucket, standardDeviation: 0.4 }, mses.map((mse, i) => ({
        mse,
        reportKey: `evaluation/${i + 1}/evaluation.json`,
        executionArn: `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${group}-pipeline/execution/run${i + 1}`,
        modelDataUrl: `s3://${bucket}/model/${i + 1}/model.tar.gz`,
    })));
    if (pins) {
        await publishImage(clients.ecr, XGBOOST_IMAGE);
        const pinned = seeded.filter((v) => !pins.unpinned?.includes(v.version)).map((v) => v.arn);
        await pinVersions(clients, pins.table, pinned, "2026-11-25T08:00:00.000Z");
    }
    return seeded;
}

/** Approves `arn` and serves it on the env's endpoint, as the deploy Lambda would. */
export async function deployLive(endpoint: string, endpointName: string, arn: string, modelName: string): Promise<void> {
    await serveApprovedVersion(new SageMakerClient(motoClientConfig(endpoint)), {
        endpointName,
        arn,
        modelName,
        executionRoleArn: "arn:aws:iam::123456789012:role/deploy",
        approvalDescription: "seeded",
    });
}
