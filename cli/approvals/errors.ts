/**
 * Exit codes and the errors that reach a person. Every failure the CLI reports is a `CliError`: a message
 * that says what happened, and a hint that says what to do. Nothing else prints a stack trace.
 */

/** Exit codes, documented in the README and in `approvals --help`. */
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
  1  refused or not allowed (self-approval, wrong status, IAM denied, prompt declined)
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

interface AwsErrorLike {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
}

const CREDENTIALS_HINT =
    "Give the CLI AWS credentials: set AWS_PROFILE (then `aws sso login --profile <name>` if it uses SSO), or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN. For a local emulator pass --endpoint-url (any dummy keys work).";

/** Maps anything an AWS SDK call threw to a `CliError` with a useful hint. Pure. */
export function toCliError(error: unknown, site: CallSite): CliError {
    if (error instanceof CliError) return error;
    const e = (error ?? {}) as AwsErrorLike;
    const name = e.name ?? "Error";
    const message = e.message ?? String(error);
    const where = `${site.region ? ` in ${site.region}` : ""}${site.endpointUrl ? ` at ${site.endpointUrl}` : ""}`;
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
    if (/ENOTFOUND|ECONNREFUSED|ECONNRESET|EAI_AGAIN|ETIMEDOUT|TimeoutError|socket hang up|timed? ?out|getaddrinfo/i.test(`${name} ${e.code ?? ""} ${message}`)) {
        return new CliError(EXIT.aws, `Could not reach AWS${where} (${e.code ?? name}: ${message}): could not ${site.action}.`,
            site.endpointUrl ? `Is the emulator running at ${site.endpointUrl}?` : "Check your network, the region (--region) and any proxy settings.");
    }
    if (/Region|region/.test(message) && /missing|invalid|not.*valid/i.test(message)) {
        return new CliError(EXIT.usage, `No valid AWS region: ${message}.`, "Pass --region us-east-1, or --env <env> to use the stack's aws:region.");
    }
    return new CliError(EXIT.aws, `AWS call failed${where}: could not ${site.action} (${name}: ${message}).`);
}

/** True for the errors SageMaker uses to say "no such thing". */
export function isNotFound(error: unknown): boolean {
    const e = (error ?? {}) as AwsErrorLike;
    return (
        e.name === "ResourceNotFound" ||
        e.name === "ResourceNotFoundException" ||
        e.name === "NoSuchKey" ||
        e.name === "NotFound" ||
        (e.name === "ValidationException" && /not found|does not exist|could not find|cannot find/i.test(e.message ?? ""))
    );
}
