/**
 * Which version the endpoint serves now, and whether it is the one the ledger says is live: the ledger's CURRENT,
 * then DescribeEndpoint → its endpoint config → each variant's model → the model package it was created from
 * (DescribeModel's container ModelPackageName; the deploy function creates models from the package only, and tags
 * them with it: PACKAGE_ARN_TAG). A smoke test runs only when all of them agree, so it never tests, or rejects, a
 * version that is no longer deployed.
 */
import {
    DescribeEndpointCommand,
    DescribeEndpointConfigCommand,
    DescribeModelCommand,
    type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { awsErrorKind } from "../../policies/lib/awsErrors";
import { currentDeployment, type DeploymentRecord } from "../shared/ledger";

export type LiveVersion =
    | { readonly live: true; readonly current: DeploymentRecord; readonly endpointConfigName: string }
    | { readonly live: false; readonly reason: string };

type Sender = Pick<SageMakerClient, "send">;

/** Missing endpoint, config or model: SageMaker answers ValidationException; a stale event, not an error. */
async function describeOrMissing<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
        return await call();
    } catch (error) {
        const kind = awsErrorKind(error);
        if (kind === "invalid" || kind === "not-found") return undefined;
        throw error;
    }
}

export async function liveVersion(sagemaker: Sender, dynamodb: DynamoDBClient, table: string, endpointName: string): Promise<LiveVersion> {
    const [current, endpoint] = await Promise.all([
        currentDeployment(dynamodb, table, endpointName),
        describeOrMissing(() => sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }))),
    ]);
    if (!current || current.outcome === "refused" || !current.endpointConfigName) return { live: false, reason: `the ledger records no deployment on ${endpointName}` };
    if (!endpoint) return { live: false, reason: `${endpointName} does not exist` };
    if (endpoint.EndpointStatus !== "InService") return { live: false, reason: `${endpointName} is ${endpoint.EndpointStatus} now; the test runs at its next InService` };
    const label = `v${current.version ?? "?"} (${current.packageArn})`;
    if (endpoint.EndpointConfigName !== current.endpointConfigName) {
        return {
            live: false,
            reason: `${endpointName} runs ${endpoint.EndpointConfigName}, not the ledger's ${current.endpointConfigName} for ${label} (an automatic rollback, or a change outside the gate)`,
        };
    }
    const config = await describeOrMissing(() => sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName })));
    const modelNames = (config?.ProductionVariants ?? []).map((v) => v.ModelName).filter((n): n is string => !!n);
    if (!modelNames.length) return { live: false, reason: `endpoint config ${endpoint.EndpointConfigName} names no model` };
    for (const modelName of modelNames) {
        const model = await describeOrMissing(() => sagemaker.send(new DescribeModelCommand({ ModelName: modelName })));
        const packages = [model?.PrimaryContainer, ...(model?.Containers ?? [])].map((c) => c?.ModelPackageName).filter((p): p is string => !!p);
        if (!packages.length) return { live: false, reason: `model ${modelName} on ${endpointName} was not created from a model package` };
        const other = packages.find((p) => p.toLowerCase() !== current.packageArn.toLowerCase());
        if (other) return { live: false, reason: `model ${modelName} on ${endpointName} serves ${other}, not the ledger's ${label}` };
    }
    return { live: true, current, endpointConfigName: endpoint.EndpointConfigName };
}
