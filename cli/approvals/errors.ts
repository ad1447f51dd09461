/**
 * Exit codes and the errors that reach a person. Every failure the CLI reports is a `CliError`: a message
 * that says what happened, and a hint that says what to do. Nothing else prints a stack trace.
 */

/** Exit codes, documented in docs/operators-tools.md and in `approvals --help`. */
export const EXIT = {
    /** The command did what was asked. */
    ok: 0,
    /** Refused: not allowed (separation of duties, wrong status, IAM denied the change, prompt declined). */
    refused: 1,
    /** Usage or bad input: unknown option, missing --comment, malformed version, invalid stack config. */
    usage: 2,
    /** AWS could not be reached or would not talk to us: no credentials, expired token, network, throttling. */
    aws: 3,
    /** Something named does not exist: version, group, environment (stack config), ledger table. */
    notFound: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  refused or not allowed (self-approval, wrong status, bytes not the pinned ones, IAM denied, prompt declined)
  2  usage or bad input (missing --comment, malformed version, invalid stack config, no TTY without --yes)
  3  AWS or credentials error (no credentials, expired token, unreachable endpoint, throttling)
  4  not found (version, model package group, environment, endpoint)`;

export class CliError extends Error {
    constructor(
        readonly exitCode: ExitCode,
        message: string,
        /** What the person should do next. */
        readonly hint?: string,
    ) {
        super(message);
        this.name = "CliError";
    }
}

/** Where AWS calls go: region and custom endpoint, named in error messages. */
export interface Where {
    readonly region?: string;
    readonly endpointUrl?: string;
}

/** Where an AWS call went and what it was for. */
export interface CallSite extends Where {
    /** What we were trying to do, e.g. "describe model package arn:…". */
    readonly action: string;
}

/** The stable names of the exit codes, used as `error.code` in `--json` error documents. */
export type ErrorCode = Exclude<keyof typeof EXIT, "ok">;

/** `{"error": {...}}`: what `--json` prints on stdout instead of the text error. Keys are stable and always present. */
export interface ErrorDocument {
    readonly error: {
        readonly code: ErrorCode;
        readonly exitCode: ExitCode;
        readonly message: string;
        /** What to do next (the text mode's `hint:`), or null when there is nothing better than the message. */
        readonly fix: string | null;
    };
}

/** The `--json` form of a CliError. Pure. */
export function errorDocument(error: CliError): ErrorDocument {
    const code = (Object.keys(EXIT) as (keyof typeof EXIT)[]).find((k) => k !== "ok" && EXIT[k] === error.exitCode) as ErrorCode;
    return { error: { code, exitCode: error.exitCode, message: error.message, fix: error.hint ?? null } };
}

interface AwsErrorLike {
    name?: string;
    message?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
}

/**
 * What answered, when it was not an AWS API: a response the SDK could not parse (it attaches `$response`
 * but no `$fault`, which every modelled service error has), or an HTML page (AWS APIs answer JSON or XML).
 * Undefined for a real AWS answer or no answer at all.
 */
export function foreignResponse(error: unknown): { status?: number; contentType?: string } | undefined {
    const e = (error ?? {}) as AwsErrorLike;
    if (!e.$response) return undefined;
    const contentType = Object.entries(e.$response.headers ?? {}).find(([k]) => k.toLowerCase() === "content-type")?.[1];
    if (e.$fault === undefined || /^text\/html\b/i.test(contentType ?? "")) {
        return { status: e.$response.statusCode ?? e.$metadata?.httpStatusCode, contentType };
    }
    return undefined;
}

/** Node's TLS failures, by `error.code`: wrong protocol (plain HTTP answered), untrusted or mismatched certificates. */
const TLS_FAILURE = /^(EPROTO|ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_)/;

const EMULATOR_EXAMPLE = "--endpoint-url http://127.0.0.1:5000 (what `python3 -m moto.server -H 127.0.0.1 -p 5000` serves)";

const CREDENTIALS_HINT =
    "Give the CLI AWS credentials: set AWS_PROFILE (then `aws sso login --profile <name>` if it uses SSO), or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN. For a local emulator pass --endpoint-url (any dummy keys work).";

/** The endpoint answered, but not as an AWS API would (`answer` says how, e.g. "HTTP 404, text/html"). Pure. */
export function notAnAwsApi(site: CallSite, answer: string): CliError {
    if (site.endpointUrl) {
        return new CliError(EXIT.aws, `--endpoint-url ${site.endpointUrl} did not answer like an AWS API (${answer}): could not ${site.action}.`,
            `Point --endpoint-url at the emulator's base URL, e.g. ${EMULATOR_EXAMPLE}, or leave it out to call AWS.`);
    }
    return new CliError(EXIT.aws, `The endpoint${site.region ? ` in ${site.region}` : ""} did not answer like an AWS API (${answer}): could not ${site.action}.`,
        "Check AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (unset them to call AWS) and any HTTPS_PROXY in between.");
}

/** Maps anything an AWS SDK call threw to a `CliError` with a useful hint. Pure. */
export function toCliError(error: unknown, site: CallSite): CliError {
    if (error instanceof CliError) return error;
    const e = (error ?? {}) as AwsErrorLike;
    const name = e.name ?? "Error";
    const message = e.message ?? String(error);
    const where = `${site.region ? ` in ${site.region}` : ""}${site.endpointUrl ? ` at ${site.endpointUrl}` : ""}`;
    const foreign = foreignResponse(error);
    if (foreign) {
        const answer = [foreign.status ? `HTTP ${foreign.status}` : undefined, foreign.contentType].filter(Boolean).join(", ");
        return notAnAwsApi(site, answer || "an unreadable response");
    }
    if (name === "CredentialsProviderError" || /Could not load credentials|credential/i.test(message) && !/signature/i.test(message)) {
        return new CliError(EXIT.aws, `No usable AWS credentials: could not ${site.action}.`, CREDENTIALS_HINT);
    }
    if (/ExpiredToken|TokenRefreshRequired/i.test(name) || /expired/i.test(message)) {
        return new CliError(EXIT.aws, `Your AWS session has expired: could not ${site.action}.`, "Refresh it (e.g. `aws sso login`) and run the command again.");
    }
    if (/UnrecognizedClient|InvalidClientTokenId|InvalidSignature|SignatureDoesNotMatch/i.test(name)) {
        return new CliError(EXIT.aws, `AWS rejected the credentials (${name})${where}: could not ${site.action}.`,
            "Check AWS_PROFILE / AWS_ACCESS_KEY_ID; if the keys are for another partition or a disabled region, pass --region.");
    }
    if (/AccessDenied|NotAuthorized|Forbidden/i.test(name) || e.$metadata?.httpStatusCode === 403) {
        return new CliError(EXIT.aws, `Access denied${where}: could not ${site.action} (${message}).`,
            "Use a role that may call this API (the approver role in Pulumi.<env>.yaml approvers.principalArns for approve/reject).");
    }
    if (/Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable|InternalFailure/i.test(name)) {
        return new CliError(EXIT.aws, `AWS is throttling or unavailable${where} (${name}): could not ${site.action}.`, "Wait a moment and run the command again.");
    }
    if (e.code && TLS_FAILURE.test(e.code)) {
        return site.endpointUrl
            ? new CliError(EXIT.aws, `--endpoint-url ${site.endpointUrl}: the TLS handshake failed (${e.code}): could not ${site.action}.`,
                "An emulator serving plain HTTP needs an http:// URL (e.g. --endpoint-url http://127.0.0.1:5000); for a self-signed certificate set NODE_EXTRA_CA_CERTS to its CA file.")
            : new CliError(EXIT.aws, `The TLS handshake with AWS failed${where} (${e.code}): could not ${site.action}.`,
                "A proxy that inspects TLS needs its CA certificate in NODE_EXTRA_CA_CERTS; check HTTPS_PROXY and AWS_ENDPOINT_URL.");
    }
    if (/ENOTFOUND|ECONNREFUSED|ECONNRESET|EAI_AGAIN|ETIMEDOUT|TimeoutError|socket hang up|timed? ?out|getaddrinfo/i.test(`${name} ${e.code ?? ""} ${message}`)) {
        if (site.endpointUrl) {
            return new CliError(EXIT.aws, `Could not reach --endpoint-url ${site.endpointUrl} (${e.code ?? name}${site.region ? `, region ${site.region}` : ""}): could not ${site.action}.`,
                `Start the emulator there, or fix the URL, e.g. ${EMULATOR_EXAMPLE}; leave --endpoint-url out to call AWS.`);
        }
        return new CliError(EXIT.aws, `Could not reach AWS${where} (${e.code ?? name}: ${message}): could not ${site.action}.`,
            "Check your network, the region (--region) and any proxy settings.");
    }
    if (/Region|region/.test(message) && /missing|invalid|not.*valid/i.test(message)) {
        return new CliError(EXIT.usage, `No valid AWS region: ${message}.`, "Pass --region us-east-1, or --env <env> to use the stack's aws:region.");
    }
    return new CliError(EXIT.aws, `AWS call failed${where}: could not ${site.action} (${name}: ${message}).`);
}

/** True for the errors SageMaker uses to say "no such thing". */
export function isNotFound(error: unknown): boolean {
    const e = (error ?? {}) as AwsErrorLike;
    // A web server's 404 page says nothing about whether the AWS resource exists.
    if (foreignResponse(error)) return false;
    return (
        e.name === "ResourceNotFound" ||
        e.name === "ResourceNotFoundException" ||
        e.name === "NoSuchKey" ||
        e.name === "NotFound" ||
        (e.name === "ValidationException" && /not found|does not exist|could not find|cannot find/i.test(e.message ?? ""))
    );
}
