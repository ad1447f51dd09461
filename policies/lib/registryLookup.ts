/**
 * The pack's window on the model registry: DescribeModel and DescribeModelPackage, made cheap and safe.
 *
 * - Per-process cache: the pack process lives for one preview or update, which is one moment in time, so
 *   each model and each package is described at most once (answers and failures alike).
 * - In-flight de-duplication: concurrent asks for the same key share one request.
 * - Bounded concurrency: at most `maxConcurrency` requests in flight, so a stack of hundreds of endpoint
 *   configs does not trip SageMaker's rate limits.
 * - SDK retries in adaptive mode (throttling is retried with client-side rate limiting), and a time budget
 *   per lookup that starts when the request leaves the queue.
 * - The Bytes question's reads (pins, S3, ECR) go through `bytes` (packageBytes.ts), under the same bound.
 * Failures are returned, never thrown: the callers turn them into "approval could not be verified".
 */
import {
    DescribeEndpointConfigCommand,
    DescribeModelCommand,
    DescribeModelPackageCommand,
    SageMakerClient,
    type DescribeEndpointConfigCommandOutput,
    type DescribeModelCommandOutput,
    type DescribeModelPackageCommandOutput,
    type ModelPackageContainerDefinition,
} from "@aws-sdk/client-sagemaker";
import {
    checkModelPackageApproval,
    parseModelPackageArn,
    type ApprovalRuleOptions,
    type ApprovalVerdict,
} from "./approvalRule";
import { awsErrorKind, describeAwsError } from "./awsErrors";
import { PackageBytesLookup, type PackageBytesOptions, type PinLedger } from "./packageBytes";

/** Anything that sends SageMaker commands: a SageMakerClient, or a test double (aws-sdk-client-mock). */
export interface SageMakerSender {
    send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

export interface RegistryLookupOptions {
    /**
     * A client per region (and named profile, when a resource's provider sets one). Defaults to a SageMakerClient
     * per region and profile (endpoint from AWS_ENDPOINT_URL_SAGEMAKER).
     */
    readonly clientFor?: (region: string | undefined, profile?: string) => SageMakerSender;
    /** Time budget of one lookup, retries included. Default 10 s. */
    readonly timeoutMs?: number;
    /** Requests in flight at once. Default 16. */
    readonly maxConcurrency?: number;
    /** SDK attempts per request (adaptive retry mode). Default 4. */
    readonly maxAttempts?: number;
    /** Clients of the bytes lookups (DynamoDB, S3, ECR). Defaults to SDK clients per service, region and profile. */
    readonly bytesClientFor?: PackageBytesOptions["clientFor"];
}

export type ModelLookup =
    | { readonly found: true; readonly model: DescribeModelCommandOutput }
    | { readonly found: false; readonly notFound: boolean; readonly reason: string };

export type EndpointConfigLookup =
    | { readonly found: true; readonly endpointConfig: DescribeEndpointConfigCommandOutput }
    | { readonly found: false; readonly notFound: boolean; readonly reason: string };

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A counting semaphore: `run` waits for a free slot. */
class Semaphore {
    private active = 0;
    private readonly waiting: (() => void)[] = [];
    constructor(private readonly limit: number) {}

    async run<T>(task: () => Promise<T>): Promise<T> {
        if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
        this.active += 1;
        try {
            return await task();
        } finally {
            this.active -= 1;
            this.waiting.shift()?.();
        }
    }
}

/** Why a DescribeModel (or DescribeEndpointConfig) failed, in words a person can act on. Decided on the error's kind (awsErrors.ts), never its message. */
export function describeModelFailure(name: string, error: unknown, what: "model" | "endpoint configuration" = "model"): { notFound: boolean; reason: string } {
    const operation = what === "model" ? "DescribeModel" : "DescribeEndpointConfig";
    const text = describeAwsError(error);
    switch (awsErrorKind(error)) {
        // SageMaker answers "Could not find model" with ValidationException; the name itself came from the stack, so that is the meaning.
        case "invalid":
        case "not-found":
            return { notFound: true, reason: `${what} "${name}" was not found (${text})` };
        case "access-denied":
            return { notFound: false, reason: `the deployer may not describe ${what} "${name}" (${text}); grant sagemaker:${operation}` };
        case "throttled":
            return { notFound: false, reason: `SageMaker throttled ${operation}("${name}") past its retries (${text})` };
        case "timed-out":
            return { notFound: false, reason: `${operation}("${name}") timed out (${text})` };
        default:
            return { notFound: false, reason: `${operation}("${name}") failed (${text})` };
    }
}

export class RegistryLookup {
    /** AWS requests actually sent, by operation (cache hits and de-duplicated asks are not counted). */
    readonly calls = { DescribeEndpointConfig: 0, DescribeModel: 0, DescribeModelPackage: 0 };
    private readonly endpointConfigs = new Map<string, Promise<Settled<DescribeEndpointConfigCommandOutput>>>();
    private readonly models = new Map<string, Promise<Settled<DescribeModelCommandOutput>>>();
    private readonly packages = new Map<string, Promise<Settled<DescribeModelPackageCommandOutput>>>();
    private readonly clients = new Map<string, SageMakerSender>();
    private readonly semaphore: Semaphore;
    readonly timeoutMs: number;
    private readonly maxAttempts: number;
    /** Pins and live artifact identities, under the same concurrency bound. */
    readonly bytes: PackageBytesLookup;

    constructor(private readonly options: RegistryLookupOptions = {}) {
        this.timeoutMs = options.timeoutMs ?? 10_000;
        this.maxAttempts = options.maxAttempts ?? 4;
        this.semaphore = new Semaphore(options.maxConcurrency ?? 16);
        this.bytes = new PackageBytesLookup({
            clientFor: options.bytesClientFor,
            timeoutMs: this.timeoutMs,
            maxAttempts: this.maxAttempts,
            limit: (task) => this.semaphore.run(task),
        });
    }

    private client(region: string | undefined, profile: string | undefined): SageMakerSender {
        const key = `${region ?? ""}\u0000${profile ?? ""}`;
        let client = this.clients.get(key);
        if (!client) {
            client = this.options.clientFor
                ? this.options.clientFor(region, profile)
                : new SageMakerClient({
                      ...(region ? { region } : {}),
                      ...(profile ? { profile } : {}),
                      retryMode: "adaptive",
                      maxAttempts: this.maxAttempts,
                      requestHandler: { connectionTimeout: Math.min(3_000, this.timeoutMs), requestTimeout: this.timeoutMs },
                  });
            this.clients.set(key, client);
        }
        return client;
    }

    /** Sends one command when a slot is free, under the lookup's time budget. */
    private send<T>(region: string | undefined, command: unknown, profile?: string): Promise<Settled<T>> {
        return this.semaphore.run(async () => {
            const controller = new AbortController();
            let timedOut = false;
            const timer = setTimeout(() => {
                timedOut = true;
                controller.abort();
            }, this.timeoutMs);
            try {
                const value = (await this.client(region, profile).send(command, { abortSignal: controller.signal })) as T;
                return { ok: true as const, value };
            } catch (error) {
                if (timedOut) {
                    const timeout = new Error(`no answer within ${this.timeoutMs} ms, retries included`);
                    timeout.name = "TimeoutError";
                    return { ok: false as const, error: timeout };
                }
                return { ok: false as const, error };
            } finally {
                clearTimeout(timer);
            }
        });
    }

    /** DescribeModel, at most once per (region, profile, name) in this process. */
    async describeModel(name: string, region?: string, profile?: string): Promise<ModelLookup> {
        const found = await this.describeOnce(this.models, "DescribeModel", name, region, profile, () => new DescribeModelCommand({ ModelName: name }), "model");
        return found.found ? { found: true, model: found.value } : found;
    }

    /** DescribeEndpointConfig, at most once per (region, profile, name) in this process. */
    async describeEndpointConfig(name: string, region?: string, profile?: string): Promise<EndpointConfigLookup> {
        const found = await this.describeOnce(this.endpointConfigs, "DescribeEndpointConfig", name, region, profile, () => new DescribeEndpointConfigCommand({ EndpointConfigName: name }), "endpoint configuration");
        return found.found ? { found: true, endpointConfig: found.value } : found;
    }

    /** One Describe call per (region, name), answers and failures cached alike, failures put in words. */
    private async describeOnce<T>(
        cache: Map<string, Promise<Settled<T>>>,
        operation: "DescribeModel" | "DescribeEndpointConfig",
        name: string,
        region: string | undefined,
        profile: string | undefined,
        command: () => unknown,
        what: "model" | "endpoint configuration",
    ): Promise<{ found: true; value: T } | { found: false; notFound: boolean; reason: string }> {
        const key = `${region ?? ""}\u0000${profile ?? ""}\u0000${name}`;
        let pending = cache.get(key);
        if (!pending) {
            this.calls[operation] += 1;
            pending = this.send<T>(region, command(), profile);
            cache.set(key, pending);
        }
        const settled = await pending;
        if (settled.ok) {
            if (!settled.value) return { found: false, notFound: false, reason: `${operation}("${name}") returned nothing` };
            return { found: true, value: settled.value };
        }
        return { found: false, ...describeModelFailure(name, settled.error, what) };
    }

    /** DescribeModelPackage, at most once per ARN in this process. Rejects like the SDK does, for the rule. */
    private describePackage(arn: string): Promise<DescribeModelPackageCommandOutput> {
        let pending = this.packages.get(arn);
        if (!pending) {
            this.calls.DescribeModelPackage += 1;
            // A package is described in its own region (from its ARN): cross-region ARNs are not "not found".
            const region = parseModelPackageArn(arn)?.region;
            pending = this.send<DescribeModelPackageCommandOutput>(region, new DescribeModelPackageCommand({ ModelPackageName: arn }));
            this.packages.set(arn, pending);
        }
        return pending.then((s) => (s.ok ? s.value : Promise.reject(s.error)));
    }

    /**
     * The containers the package itself declares, from the cached DescribeModelPackage answer: no extra call
     * after `checkPackage`. Undefined when the package could not be described.
     */
    async packageContainers(arn: string): Promise<readonly ModelPackageContainerDefinition[] | undefined> {
        try {
            const description = await this.describePackage(arn);
            return description?.InferenceSpecification?.Containers ?? [];
        } catch {
            return undefined;
        }
    }

    /**
     * The shared approval rule over this lookup's caches. Never throws. With `bytes` (the ledger holding the pins),
     * the rule asks the Bytes question too: the pins are read beside DescribeModelPackage (one Query per package),
     * the pinned artifacts and images observed once per process.
     */
    checkPackage(arn: string, rule: ApprovalRuleOptions = {}, bytes?: { ledger: PinLedger; profile?: string }): Promise<ApprovalVerdict> {
        const cached = {
            send: (command: DescribeModelPackageCommand) => this.describePackage(command.input.ModelPackageName ?? arn),
        };
        const pins = bytes ? this.bytes.pinsContext(bytes.ledger, parseModelPackageArn(arn)?.region, bytes.profile) : undefined;
        // The budget is enforced per request in `send`; the rule's own timer only needs to outlast the queue.
        return checkModelPackageApproval(cached, arn, { ...rule, timeoutMs: this.timeoutMs * 4 + 60_000, ...(pins ? { pins } : {}) });
    }
}

const shared = new Map<string, RegistryLookup>();

/** One lookup (one cache) per pack process and settings. */
export function sharedRegistryLookup(settings: { lookupTimeoutMs: number; maxConcurrentLookups: number; maxAttempts: number }): RegistryLookup {
    const key = `${settings.lookupTimeoutMs}/${settings.maxConcurrentLookups}/${settings.maxAttempts}`;
    let lookup = shared.get(key);
    if (!lookup) {
        lookup = new RegistryLookup({ timeoutMs: settings.lookupTimeoutMs, maxConcurrency: settings.maxConcurrentLookups, maxAttempts: settings.maxAttempts });
        shared.set(key, lookup);
    }
    return lookup;
}
