/**
 * The pack's window on a package's bytes (issue 9, docs/artifact-integrity.md): its pins in the deployment ledger and
 * the live identities of its artifacts and images, made cheap and safe like the registry lookup.
 *
 * - Per-process caches: one pins Query per distinct (ledger, package), one HeadObject per distinct artifact, and each
 *   distinct image tag resolved once (ECR BatchGetImage, the pull API, which AWS-owned registries allow; all of one
 *   package's tags of a repository in one call), however many resources share them (the pack process lives for one
 *   preview or update, which is one moment in time). Answers and failures are cached alike.
 * - The registry lookup's concurrency bound (its `limit`) covers these requests too.
 * - Clients once per process, per region and profile (DynamoDB in the ledger's region, S3 in the package's region,
 *   where SageMaker requires its model data, ECR in each image registry's region); endpoints from
 *   AWS_ENDPOINT_URL_* as the SDK reads them.
 * Nothing here judges: `pinsContext` hands these caches to the rule (approvalRule.ts, the Bytes question), which
 * judges them with the words deploy-approved uses.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import type { PinsContext } from "./approvalRule";
import { newObservationCache, type ObservationCache } from "./artifactPins";
import { withTimeout } from "./artifactObserve";
import { readPins, type StoredPins } from "./pinStore";

/** Anything that sends AWS commands: an SDK client, or a test double. */
export interface AwsSender {
    send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

export type BytesService = "dynamodb" | "s3" | "ecr";

export interface PackageBytesOptions {
    /** A client per service, region and profile. Defaults to SDK clients (adaptive retries, `maxAttempts`). */
    readonly clientFor?: (service: BytesService, region: string | undefined, profile: string | undefined) => AwsSender;
    /** Time budget of one request, retries included. Default 10 s. */
    readonly timeoutMs?: number;
    readonly maxAttempts?: number;
    /** Runs a request when a slot is free (the registry lookup's semaphore). Default: at once. */
    readonly limit?: <T>(task: () => Promise<T>) => Promise<T>;
}

/** Where a package's pins are read: the ledger table and its region (ledgerLocation.ts). */
export interface PinLedger {
    readonly table: string;
    readonly region: string | undefined;
}

export type PinsRead = { readonly ok: true; readonly stored: StoredPins } | { readonly ok: false; readonly error: unknown };

/** Emulators (moto, LocalStack, MinIO) serve S3 on one host: address buckets by path when an endpoint is set. */
function customS3Endpoint(env: NodeJS.ProcessEnv = process.env): boolean {
    return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

export class PackageBytesLookup {
    /** AWS requests actually sent, by operation (cache hits are not counted). */
    readonly calls = { Query: 0, HeadObject: 0, BatchGetImage: 0 };
    private readonly pinReads = new Map<string, Promise<PinsRead>>();
    private readonly observationCaches = new Map<string, ObservationCache>();
    private readonly clients = new Map<string, AwsSender>();
    readonly timeoutMs: number;
    private readonly maxAttempts: number;
    private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;

    constructor(private readonly options: PackageBytesOptions = {}) {
        this.timeoutMs = options.timeoutMs ?? 10_000;
        this.maxAttempts = options.maxAttempts ?? 4;
        this.limit = options.limit ?? ((task) => task());
    }

    private newClient(service: BytesService, region: string | undefined, profile: string | undefined): AwsSender {
        if (this.options.clientFor) return this.options.clientFor(service, region, profile);
        const common = {
            ...(region ? { region } : {}),
            ...(profile ? { profile } : {}),
            retryMode: "adaptive",
            maxAttempts: this.maxAttempts,
            requestHandler: { connectionTimeout: Math.min(3_000, this.timeoutMs), requestTimeout: this.timeoutMs },
        };
        if (service === "dynamodb") return new DynamoDBClient(common);
        if (service === "ecr") return new ECRClient(common);
        return new S3Client({ ...common, forcePathStyle: customS3Endpoint() });
    }

    /** The client of a service, region and profile, counting what it sends and sending under the shared bound. */
    private client(service: BytesService, region: string | undefined, profile: string | undefined): AwsSender {
        const key = `${service}\u0000${region ?? ""}\u0000${profile ?? ""}`;
        let sender = this.clients.get(key);
        if (!sender) {
            const client = this.newClient(service, region, profile);
            sender = {
                send: (command, options) =>
                    this.limit(() => {
                        const operation = String(command?.constructor?.name ?? "").replace(/Command$/, "");
                        if (operation in this.calls) this.calls[operation as keyof PackageBytesLookup["calls"]] += 1;
                        return client.send(command, options);
                    }),
            };
            this.clients.set(key, sender);
        }
        return sender;
    }

    /** The pins and tamper records of a package: one Query per (ledger, profile, package) in this process. Never throws. */
    pins(packageArn: string, ledger: PinLedger, profile?: string): Promise<PinsRead> {
        const key = `${ledger.table}\u0000${ledger.region ?? ""}\u0000${profile ?? ""}\u0000${packageArn}`;
        let pending = this.pinReads.get(key);
        if (!pending) {
            const client = this.client("dynamodb", ledger.region, profile);
            const timed: AwsSender = { send: (command) => withTimeout(this.timeoutMs, (abortSignal) => client.send(command, { abortSignal })) };
            pending = readPins(timed as Parameters<typeof readPins>[0], ledger.table, packageArn).then(
                (stored): PinsRead => ({ ok: true, stored }),
                (error): PinsRead => ({ ok: false, error }),
            );
            this.pinReads.set(key, pending);
        }
        return pending;
    }

    /**
     * What the rule's Bytes question reads for a package of `packageRegion` (where SageMaker requires its model data):
     * the cached pins of this ledger, S3 in that region, ECR in each image registry's region, and this process's
     * observation cache (one HeadObject per distinct artifact, each distinct image tag resolved once).
     */
    pinsContext(ledger: PinLedger, packageRegion: string | undefined, profile?: string): PinsContext {
        let cache = this.observationCaches.get(profile ?? "");
        if (!cache) {
            cache = newObservationCache();
            this.observationCaches.set(profile ?? "", cache);
        }
        return {
            readPins: (arn) => this.pins(arn, ledger, profile).then((read) => (read.ok ? read.stored : Promise.reject(read.error))),
            s3: this.client("s3", packageRegion, profile),
            ecr: (region) => this.client("ecr", region, profile),
            observationCache: cache,
            timeoutMs: this.timeoutMs,
        };
    }
}

