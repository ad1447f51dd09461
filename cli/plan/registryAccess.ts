/**
 * Where the policy pack's model-registry lookups go during the plan, decided before the pack starts:
 * - `--endpoint-url`: to that endpoint (an emulator such as moto), for SageMaker and for what the Bytes question
 *   reads (the pins in the DynamoDB ledger, the artifacts in S3, the images in ECR); dummy keys if none are configured;
 * - otherwise the normal AWS credential chain, if it yields credentials;
 * - otherwise nowhere: the pack is started with the instance metadata service disabled, so every lookup
 *   fails at once with "could not load credentials" and every production check fails closed, quickly.
 */
import { STSClient } from "@aws-sdk/client-sts";

export interface RegistryAccess {
    /** Added to the pack process's environment. */
    readonly packEnv: NodeJS.ProcessEnv;
    /** One line for the person running the plan. */
    readonly description: string;
    readonly mode: "endpoint" | "credentials" | "none";
}

const CREDENTIAL_CHECK_TIMEOUT_MS = 5_000;

/** Resolves the default credential chain once, within a time budget. Never throws. */
export async function findCredentials(region: string | undefined): Promise<{ ok: true; source: string } | { ok: false; reason: string }> {
    const client = new STSClient({ region: region ?? "us-east-1" });
    let timer: NodeJS.Timeout | undefined;
    try {
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer from the credential chain within ${CREDENTIAL_CHECK_TIMEOUT_MS} ms`)), CREDENTIAL_CHECK_TIMEOUT_MS);
        });
        const credentials = await Promise.race([client.config.credentials(), timeout]);
        const source = process.env.AWS_PROFILE ? `profile ${process.env.AWS_PROFILE}` : credentials.accessKeyId?.startsWith("ASIA") ? "temporary credentials" : "the AWS credential chain";
        return { ok: true, source };
    } catch (err) {
        return { ok: false, reason: (err as Error).message.split("\n")[0] };
    } finally {
        if (timer) clearTimeout(timer);
        client.destroy();
    }
}

export async function decideRegistryAccess(endpointUrl: string | undefined, region: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<RegistryAccess> {
    if (endpointUrl) {
        const hasKeys = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
        return {
            mode: "endpoint",
            packEnv: {
                AWS_ENDPOINT_URL_SAGEMAKER: endpointUrl,
                AWS_ENDPOINT_URL_DYNAMODB: endpointUrl,
                AWS_ENDPOINT_URL_S3: endpointUrl,
                AWS_ENDPOINT_URL_ECR: endpointUrl,
                ...(hasKeys ? {} : { AWS_ACCESS_KEY_ID: "offline-plan", AWS_SECRET_ACCESS_KEY: "offline-plan" }),
            },
            description: `Model-registry lookups go to ${endpointUrl}${hasKeys ? "" : " (with dummy keys)"}, and so do those of the pins (DynamoDB), artifacts (S3) and images (ECR).`,
        };
    }
    const found = await findCredentials(region);
    if (found.ok) {
        return { mode: "credentials", packEnv: {}, description: `Model-registry lookups use ${found.source} in ${region ?? "the default region"}.` };
    }
    return {
        mode: "none",
        packEnv: { AWS_EC2_METADATA_DISABLED: "true" },
        description:
            `No AWS credentials (${found.reason}): model-registry lookups fail closed, so any production model or endpoint configuration is reported as not approved. ` +
            "Configure credentials (AWS_PROFILE, or OIDC in CI), or pass --endpoint-url for an emulator such as moto.",
    };
}
