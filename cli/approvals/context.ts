/**
 * What every command shares: the terminal (injected, so tests capture it), the options common to all
 * commands, and the scope they resolve to (environment, group, endpoint, region, AWS clients).
 */
import Table from "cli-table3";
import { createClients, type AwsClients, type ClientOptions } from "./clients";
import { loadEnvironment, findProjectDir, listStacks, type Environment } from "./environment";
import { CliError, EXIT } from "./errors";
import { requireRegion } from "./region";

export interface Io {
    /** Writes to stdout (a newline is added). */
    out(text: string): void;
    /** Writes to stderr (a newline is added). */
    err(text: string): void;
    /** True when a person can answer a prompt (stdin and stderr are terminals). */
    readonly interactive: boolean;
    /** Asks a yes/no question; only called when `interactive`. */
    confirm(message: string): Promise<boolean>;
    now(): Date;
}

export interface Deps {
    readonly io: Io;
    readonly makeClients?: (options: ClientOptions) => AwsClients;
    /** Folder holding Pulumi.yaml and Pulumi.<env>.yaml. Defaults to the nearest one above the cwd. */
    readonly projectDir?: string;
}

/** Options every command accepts. */
export interface CommonOptions {
    readonly env?: string;
    readonly group?: string;
    readonly region?: string;
    readonly endpointUrl?: string;
    readonly json?: boolean;
}

export interface Scope {
    readonly env?: Environment;
    readonly group?: string;
    readonly endpointName?: string;
    /** Always set: `resolveScope` fails when no region is configured anywhere. */
    readonly region: string;
    readonly endpointUrl?: string;
    readonly clients: AwsClients;
}

export interface ScopeNeeds {
    /** The command needs a model package group (pending, bare version numbers). */
    readonly group?: boolean;
    /** The command needs an environment (live, history). */
    readonly env?: boolean;
    /** A region that wins over everything else (the region inside a package ARN). */
    readonly regionFromTarget?: string;
}

/** Checks `--endpoint-url` before any call. Pure; throws CliError(exit 2). */
export function validateEndpointUrl(value: string): string {
    let url: URL | undefined;
    try {
        url = new URL(value);
    } catch {
        url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || !url.hostname) {
        const why = !url ? "is not a valid URL" : !/^https?:$/.test(url.protocol) ? "is not an http:// or https:// URL" : "has no host";
        throw new CliError(EXIT.usage, `--endpoint-url "${value}" ${why}.`,
            "Give the scheme, host and port of the emulator, e.g. --endpoint-url http://127.0.0.1:5000; leave it out to call AWS.");
    }
    return value;
}

/** Resolves --env/--group/--region/--endpoint-url into a scope with clients and a region. */
export async function resolveScope(options: CommonOptions, deps: Deps, needs: ScopeNeeds = {}): Promise<Scope> {
    const projectDir = deps.projectDir ?? findProjectDir();
    const env = options.env ? loadEnvironment(options.env, projectDir, options.region ?? process.env.AWS_REGION) : undefined;
    if (needs.env && !env) {
        const known = safeListStacks(projectDir);
        throw new CliError(EXIT.usage, "This command needs an environment.", `Pass --env <env>${known.length ? ` (one of ${known.join(", ")})` : ""}, or set APPROVALS_ENV.`);
    }
    if (needs.env && env?.config.layout?.kind === "registry") {
        const stages = env.config.layout.stages.map((s) => `--env ${s.environment} (${s.name})`);
        throw new CliError(EXIT.usage, `${env.name} is a registry stack: it has no endpoint and no deployment ledger.`,
            `Pass the environment stack of a stage: ${stages.join(", ")}.`);
    }
    const group = options.group ?? env?.groupName;
    if (needs.group && !group) {
        const known = safeListStacks(projectDir);
        throw new CliError(EXIT.usage, "Which model package group?", `Pass --env <env>${known.length ? ` (one of ${known.join(", ")})` : ""} or --group <name>, or set APPROVALS_ENV.`);
    }
    const given = needs.regionFromTarget ?? options.region ?? env?.region;
    const endpointUrl = options.endpointUrl === undefined ? undefined : validateEndpointUrl(options.endpointUrl);
    const clients = (deps.makeClients ?? createClients)({ region: given, endpointUrl });
    const region = await requireRegion(given, env, clients.sagemaker);
    // A registry stack serves no endpoint: its stages' environment stacks do.
    const endpointName = env && env.config.layout?.kind !== "registry" ? env.endpointName : undefined;
    return { env, group, endpointName, region, endpointUrl, clients };
}

function safeListStacks(dir: string): string[] {
    try {
        return listStacks(dir);
    } catch {
        return [];
    }
}

/** A plain table: no colours, so output is the same on a terminal, in CI logs and in docs/generated/approver-day.md. */
export function renderTable(head: string[], rows: string[][]): string {
    const table = new Table({ head, style: { head: [], border: [] }, wordWrap: true });
    table.push(...rows);
    return table.toString();
}

/** Key/value lines, keys padded to one column. */
export function renderFields(fields: [string, string | undefined][]): string {
    const shown = fields.filter(([, v]) => v !== undefined && v !== "");
    const width = Math.max(...shown.map(([k]) => k.length));
    return shown.map(([k, v]) => `${k.padEnd(width)}  ${String(v).replace(/\n/g, `\n${" ".repeat(width + 2)}`)}`).join("\n");
}

/** "3d 4h", "25m", "40s". Pure. */
export function formatAge(from: Date | undefined, now: Date): string {
    if (!from) return "-";
    const seconds = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}m`;
    if (m > 0) return `${m}m`;
    return `${seconds}s`;
}

/** JSON for scripts: dates as ISO strings, two-space indent. */
export function printJson(io: Io, value: unknown): void {
    io.out(JSON.stringify(value, (_k, v) => (v instanceof Date ? v.toISOString() : v), 2));
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}
