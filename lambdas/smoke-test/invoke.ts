/**
 * One InvokeEndpoint call, turned into an Answer the checks judge, or an error to retry.
 *
 * What InvokeEndpoint answers (API reference, sagemaker-runtime; the SDK's error shapes): 200 with the model's body
 * and Content-Type; ModelError (424: the container answered outside 2xx; OriginalStatusCode, OriginalMessage,
 * LogStreamArn); ValidationError (400: e.g. a content type the container refuses); ModelNotReadyException (429);
 * ServiceUnavailable (503), InternalFailure (500), InternalDependencyException (530). What the version did with its
 * own payloads (ModelError, ValidationError) is its answer, judged like any other; throttling, timeouts and 5xx are
 * transient and thrown (the async invocation is retried, then its DLQ); anything else is thrown as it is (final).
 */
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { awsErrorKind, isTransientKind } from "../../policies/lib/awsErrors";
import type { Answer } from "./checks";
import type { Payload } from "./payloads";

type Runtime = Pick<SageMakerRuntimeClient, "send">;

/** Errors that are the version's answer, not a fault of the call: judged (and failed) by the checks. */
const ANSWER_ERRORS: ReadonlySet<string> = new Set(["ModelError", "ValidationError"]);

export async function invoke(runtime: Runtime, endpointName: string, payload: Payload): Promise<Answer> {
    try {
        const out = await runtime.send(
            new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: payload.contentType, ...(payload.accept ? { Accept: payload.accept } : {}), Body: payload.body }),
        );
        return { status: 200, contentType: out.ContentType, body: out.Body ? Buffer.from(out.Body).toString("utf8") : "" };
    } catch (error) {
        const e = error as { name?: string; message?: string; OriginalStatusCode?: number; OriginalMessage?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name && ANSWER_ERRORS.has(e.name) && !isTransientKind(awsErrorKind(error))) {
            const status = e.$metadata?.httpStatusCode ?? (e.name === "ModelError" ? 424 : 400);
            const detail = e.name === "ModelError" ? `ModelError: the model answered ${e.OriginalStatusCode ?? "?"}${e.OriginalMessage ? ` ${JSON.stringify(e.OriginalMessage)}` : ""}` : e.name;
            return { status, body: e.message ?? "", detail };
        }
        throw error;
    }
}
