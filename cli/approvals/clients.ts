/**
 * The AWS clients the CLI uses, built once per run from `--region`/`--endpoint-url` (or the standard
 * environment: AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_*). Commands receive them injected, so tests can
 * hand in clients aimed at moto or mocked with aws-sdk-client-mock.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { STSClient } from "@aws-sdk/client-sts";

export interface AwsClients {
    readonly sagemaker: SageMakerClient;
    readonly s3: S3Client;
    readonly sts: STSClient;
    readonly dynamodb: DynamoDBClient;
    /** Resolves image tags to digests, to check a version's images against its pins. */
    readonly ecr: ECRClient;
}

export interface ClientOptions {
    readonly region?: string;
    readonly endpointUrl?: string;
}

/** Fail in seconds, not minutes: a person is waiting. */
const REQUEST_HANDLER = { connectionTimeout: 3_000, requestTimeout: 15_000 };

export function createClients(options: ClientOptions): AwsClients {
    const common = {
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
        maxAttempts: 3,
        requestHandler: REQUEST_HANDLER,
    };
    // Emulators (moto, LocalStack) serve S3 on one host: address buckets by path there.
    const customS3Endpoint = options.endpointUrl ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    return {
        sagemaker: new SageMakerClient(common),
        s3: new S3Client({ ...common, forcePathStyle: Boolean(customS3Endpoint) }),
        sts: new STSClient(common),
        dynamodb: new DynamoDBClient(common),
        ecr: new ECRClient(common),
    };
}

/** The region a client will use, or undefined when none is configured anywhere. */
export async function clientRegion(client: { config: { region: unknown } }): Promise<string | undefined> {
    const region = client.config.region;
    try {
        return typeof region === "function" ? await (region as () => Promise<string>)() : (region as string | undefined);
    } catch {
        return undefined;
    }
}
