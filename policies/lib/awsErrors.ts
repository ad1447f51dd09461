/**
 * One classifier of AWS SDK (and Node network) errors, by kind: the error's `name`, `$fault`,
 * `$retryable`, `$metadata.httpStatusCode` and Node `code`, never its message text (wording changes
 * between services and SDK versions, and a message can quote anything).
 *
 * Used by the approval rule (lookup failures), the pack's registry lookup, and every call on the deploy
 * function's path. The code lists mirror the SDK's own retry classification
 * (`@smithy/core` retry/service-error-classification), so "transient" here means what the SDK would
 * have retried: an error still transient after the SDK's retries is worth waiting for, not paging about.
 */

/**
 * - `throttled`, `timed-out`, `unavailable` (a 5xx, a reset or refused connection): transient, worth retrying later.
 * - `not-found`, `access-denied`, `invalid`: final; retrying cannot help.
 * - `unknown`: nothing about the error says what it is (a bug, a new service error). Treated as final on
 *   purpose: it surfaces as a function error that alarms, and the deploy queue still redelivers the
 *   message and keeps it in its DLQ, so nothing is lost and a person looks at something new.
 */
export type AwsErrorKind = "throttled" | "timed-out" | "unavailable" | "not-found" | "access-denied" | "invalid" | "unknown";

const THROTTLING_NAMES: ReadonlySet<string> = new Set([
    "BandwidthLimitExceeded",
    "EC2ThrottledException",
    "LimitExceededException",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ThrottledException",
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "TransactionInProgressException",
    // SNS with a KMS-encrypted topic: KMS's request rate, not ours to fix.
    "KMSThrottlingException",
]);

/** AbortError: our own time budget (AbortController) ran out; the SDK names its socket timeouts TimeoutError. */
const TIMEOUT_NAMES: ReadonlySet<string> = new Set(["TimeoutError", "AbortError", "RequestTimeout", "RequestTimeoutException"]);
const TIMEOUT_CODES: ReadonlySet<string> = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT"]);

const UNAVAILABLE_NAMES: ReadonlySet<string> = new Set([
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "InternalErrorException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
]);
const NETWORK_CODES: ReadonlySet<string> = new Set([
    "ECONNRESET",
    "ECONNREFUSED",
    "ECONNABORTED",
    "EPIPE",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ENOTFOUND",
    "EAI_AGAIN",
]);

const NOT_FOUND_NAMES: ReadonlySet<string> = new Set(["ResourceNotFound", "ResourceNotFoundException", "NotFound", "NotFoundException"]);

const ACCESS_DENIED_NAMES: ReadonlySet<string> = new Set([
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "CredentialsProviderError",
    "KMSAccessDeniedException",
]);

/** SageMaker says "not found" with ValidationException, so callers that know the resource exists-or-not decide that themselves. */
const INVALID_NAMES: ReadonlySet<string> = new Set(["ValidationException", "ValidationError", "InvalidParameterException", "InvalidParameterValue", "SerializationException"]);

interface ErrorShape {
    readonly name?: unknown;
    readonly code?: unknown;
    readonly $fault?: unknown;
    readonly $retryable?: { readonly throttling?: boolean };
    readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

const shape = (error: unknown): ErrorShape => (typeof error === "object" && error !== null ? (error as ErrorShape) : {});

/** The kind of a failed call. Pure; looks only at the error's structured fields. */
export function awsErrorKind(error: unknown): AwsErrorKind {
    const e = shape(error);
    const name = typeof e.name === "string" ? e.name : "";
    const code = typeof e.code === "string" ? e.code : "";
    const status = e.$metadata?.httpStatusCode;
    if (THROTTLING_NAMES.has(name) || e.$retryable?.throttling === true || status === 429) return "throttled";
    if (TIMEOUT_NAMES.has(name) || TIMEOUT_CODES.has(code) || status === 408) return "timed-out";
    if (ACCESS_DENIED_NAMES.has(name) || name.startsWith("AccessDenied")) return "access-denied";
    if (NOT_FOUND_NAMES.has(name)) return "not-found";
    if (INVALID_NAMES.has(name)) return "invalid";
    if (UNAVAILABLE_NAMES.has(name) || NETWORK_CODES.has(code) || e.$retryable !== undefined || e.$fault === "server" || (status !== undefined && status >= 500)) {
        return "unavailable";
    }
    if (status === 401 || status === 403) return "access-denied";
    if (status === 404) return "not-found";
    if (e.$fault === "client") return "invalid";
    return "unknown";
}

const TRANSIENT_KINDS: ReadonlySet<AwsErrorKind> = new Set<AwsErrorKind>(["throttled", "timed-out", "unavailable"]);

export const isTransientKind = (kind: AwsErrorKind): boolean => TRANSIENT_KINDS.has(kind);

/** True when waiting and trying again can succeed: throttling, a timeout, a 5xx, a network fault. */
export function isTransientAwsError(error: unknown): boolean {
    return isTransientKind(awsErrorKind(error));
}

/** `ThrottlingException (HTTP 400, 3 attempts)`: what a log line or notice says about an error, without guessing from its message. */
export function describeAwsError(error: unknown): string {
    const e = shape(error);
    const name = typeof e.name === "string" && e.name ? e.name : "Error";
    const details = [
        typeof e.code === "string" ? e.code : undefined,
        e.$metadata?.httpStatusCode !== undefined ? `HTTP ${e.$metadata.httpStatusCode}` : undefined,
        e.$metadata?.attempts ? `${e.$metadata.attempts} attempts` : undefined,
    ].filter((d) => d !== undefined);
    const message = typeof (error as { message?: unknown })?.message === "string" ? (error as { message: string }).message : String(error);
    return `${name}${details.length ? ` (${details.join(", ")})` : ""}: ${message}`;
}
