import * as assert from "assert";
import { awsErrorKind, describeAwsError, isTransientAwsError, type AwsErrorKind } from "../../../policies/lib/awsErrors";

/** An error shaped like the SDK's: a name, a fault, metadata; plus a Node `code` for socket errors. */
const sdkError = (fields: { name?: string; message?: string; $fault?: string; status?: number; code?: string; $retryable?: object; attempts?: number }) =>
    Object.assign(new Error(fields.message ?? "some text"), {
        ...(fields.name ? { name: fields.name } : {}),
        ...(fields.$fault ? { $fault: fields.$fault } : {}),
        ...(fields.code ? { code: fields.code } : {}),
        ...(fields.$retryable ? { $retryable: fields.$retryable } : {}),
        $metadata: { httpStatusCode: fields.status, attempts: fields.attempts },
    });

describe("policies/lib/awsErrors", () => {
    const cases: [string, Parameters<typeof sdkError>[0], AwsErrorKind][] = [
        ["SageMaker throttling", { name: "ThrottlingException", $fault: "client", status: 400 }, "throttled"],
        ["DynamoDB throughput", { name: "ProvisionedThroughputExceededException", $fault: "client", status: 400 }, "throttled"],
        ["DynamoDB request limit", { name: "RequestLimitExceeded", status: 400 }, "throttled"],
        ["SNS throttling", { name: "ThrottledException", $fault: "client", status: 400 }, "throttled"],
        ["SNS over KMS throttling", { name: "KMSThrottlingException", $fault: "client", status: 400 }, "throttled"],
        ["an HTTP 429 of any name", { name: "SomethingNew", status: 429 }, "throttled"],
        ["the retryable trait with throttling", { name: "SomethingNew", $retryable: { throttling: true } }, "throttled"],
        ["an SDK socket timeout", { name: "TimeoutError" }, "timed-out"],
        ["our own time budget (AbortController)", { name: "AbortError" }, "timed-out"],
        ["a Node ETIMEDOUT", { name: "Error", code: "ETIMEDOUT" }, "timed-out"],
        ["an HTTP 408", { name: "RequestTimeout", status: 408 }, "timed-out"],
        ["a SageMaker 5xx", { name: "InternalFailure", $fault: "server", status: 500 }, "unavailable"],
        ["a DynamoDB 5xx", { name: "InternalServerError", $fault: "server", status: 500 }, "unavailable"],
        ["a 503 of any name", { name: "SomethingNew", status: 503 }, "unavailable"],
        ["a server fault of any name", { name: "SomethingNew", $fault: "server" }, "unavailable"],
        ["a reset connection", { name: "Error", code: "ECONNRESET" }, "unavailable"],
        ["a refused connection", { name: "Error", code: "ECONNREFUSED" }, "unavailable"],
        ["a DNS failure", { name: "Error", code: "EAI_AGAIN" }, "unavailable"],
        ["the retryable trait", { name: "SomethingNew", $retryable: {} }, "unavailable"],
        ["access denied", { name: "AccessDeniedException", $fault: "client", status: 400 }, "access-denied"],
        ["SNS authorization", { name: "AuthorizationError", $fault: "client", status: 403 }, "access-denied"],
        ["an expired token", { name: "ExpiredTokenException", $fault: "client", status: 400 }, "access-denied"],
        ["no credentials", { name: "CredentialsProviderError" }, "access-denied"],
        ["a 403 of any name", { name: "SomethingNew", status: 403 }, "access-denied"],
        ["a missing resource", { name: "ResourceNotFound", $fault: "client", status: 400 }, "not-found"],
        ["SNS not found", { name: "NotFoundException", $fault: "client", status: 404 }, "not-found"],
        ["validation", { name: "ValidationException", $fault: "client", status: 400 }, "invalid"],
        ["a SageMaker quota (not throttling: a person must raise it)", { name: "ResourceLimitExceeded", $fault: "client", status: 400 }, "invalid"],
        ["any other client fault", { name: "KMSDisabledException", $fault: "client", status: 400 }, "invalid"],
        ["a bug", { name: "TypeError" }, "unknown"],
        ["an error with nothing structured", {}, "unknown"],
    ];
    for (const [what, fields, kind] of cases) {
        it(`classifies ${what} as ${kind}`, () => assert.strictEqual(awsErrorKind(sdkError(fields)), kind));
    }

    it("never decides on the message text", () => {
        assert.strictEqual(awsErrorKind(sdkError({ name: "Error", message: "read ECONNRESET" })), "unknown");
        assert.strictEqual(awsErrorKind(sdkError({ name: "Error", message: "Rate exceeded, throttled" })), "unknown");
        assert.strictEqual(awsErrorKind(sdkError({ name: "AccessDeniedException", message: "the request timed out while authorizing" })), "access-denied");
        assert.strictEqual(awsErrorKind(sdkError({ name: "ValidationException", message: "Cannot update in-progress endpoint" })), "invalid");
    });

    it("copes with values that are not errors", () => {
        for (const value of [undefined, null, "boom", 42, {}]) assert.strictEqual(awsErrorKind(value), "unknown");
        assert.strictEqual(describeAwsError("boom"), "Error: boom");
    });

    it("calls throttling, timeouts and server or network faults transient, and nothing else", () => {
        assert.strictEqual(isTransientAwsError(sdkError({ name: "ThrottlingException" })), true);
        assert.strictEqual(isTransientAwsError(sdkError({ name: "Error", code: "ECONNRESET" })), true);
        assert.strictEqual(isTransientAwsError(sdkError({ name: "TimeoutError" })), true);
        assert.strictEqual(isTransientAwsError(sdkError({ name: "AccessDeniedException" })), false);
        assert.strictEqual(isTransientAwsError(sdkError({ name: "ValidationException" })), false);
        assert.strictEqual(isTransientAwsError(new TypeError("x is undefined")), false);
    });

    it("describes an error by its name, code, status and attempts", () => {
        assert.strictEqual(describeAwsError(sdkError({ name: "ThrottlingException", message: "Rate exceeded", status: 400, attempts: 3 })), "ThrottlingException (HTTP 400, 3 attempts): Rate exceeded");
        assert.strictEqual(describeAwsError(sdkError({ name: "Error", code: "ECONNRESET", message: "socket hang up" })), "Error (ECONNRESET): socket hang up");
    });
});
