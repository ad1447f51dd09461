/** Where a version's smoke payloads come from (see ./payloads.ts for what AWS documents about SamplePayloadUrl). */
import { DescribeModelPackageCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { awsErrorKind, describeAwsError } from "../../policies/lib/awsErrors";
import { archivePayloads, configuredPayloads, parseSamplePayloadUrl, PayloadSourceError, type Payload } from "./payloads";
import type { SmokeSettings } from "./settings";

export interface SampleDeps {
    readonly sagemaker: Pick<SageMakerClient, "send">;
    readonly s3: Pick<S3Client, "send">;
}

/** The version's sample payloads (its SamplePayloadUrl archive), else the configured ones; PayloadSourceError when neither can be used. */
export async function payloadsFor(packageArn: string, settings: Pick<SmokeSettings, "payloads" | "maxPayloads">, deps: SampleDeps): Promise<Payload[]> {
    const pkg = await deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
    if (!pkg.SamplePayloadUrl) {
        if (!settings.payloads.length) throw new PayloadSourceError("the version has no SamplePayloadUrl and smokeTest.payloads is empty");
        return configuredPayloads(settings.payloads);
    }
    const contentType = pkg.InferenceSpecification?.SupportedContentTypes?.[0];
    if (!contentType) throw new PayloadSourceError(`the version's SamplePayloadUrl has no content type: its InferenceSpecification.SupportedContentTypes is empty`);
    const { bucket, key } = parseSamplePayloadUrl(pkg.SamplePayloadUrl);
    const bytes = await readArchive(deps, pkg.SamplePayloadUrl, bucket, key);
    const accept = pkg.InferenceSpecification?.SupportedResponseMIMETypes?.[0];
    return archivePayloads(pkg.SamplePayloadUrl, bytes, contentType, accept, settings.maxPayloads);
}

/** A missing or unreadable archive is the version's problem (not run, with the fix), not a reason to retry. */
async function readArchive(deps: SampleDeps, url: string, bucket: string, key: string): Promise<Uint8Array> {
    try {
        const out = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
        const kind = awsErrorKind(error);
        if (kind === "access-denied") throw new PayloadSourceError(`the smoke test may not read SamplePayloadUrl ${url} (${describeAwsError(error)}); add its prefix to smokeTest.samplePayloadS3Prefixes`);
        if (kind === "not-found") throw new PayloadSourceError(`SamplePayloadUrl ${url} does not exist (${describeAwsError(error)})`);
        throw error;
    }
}
