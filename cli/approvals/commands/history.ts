/** `approvals history`: the deployment ledger of an environment, newest first. */
import type { DeploymentRecord } from "../../../lambdas/shared/ledger";
import { printJson, renderTable, resolveScope, type Deps } from "../context";
import { CliError, EXIT } from "../errors";
import { ledgerTableName, readHistory } from "../ledger";
import type { LedgerOptions } from "./live";

export interface HistoryOptions extends LedgerOptions {
    readonly limit?: string;
}

export function parseLimit(value: string | undefined): number {
    if (value === undefined) return 20;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError(EXIT.usage, `--limit "${value}" is not a whole number from 1 to 1000.`, "e.g. --limit 50");
    return n;
}

/** One table row per ledger record. Pure. */
export function historyRow(r: DeploymentRecord): string[] {
    const version = `${r.groupName ?? "?"}/${r.version ?? "?"}`;
    const replaced = r.replaced?.version !== undefined ? `v${r.replaced.version}` : r.replaced?.packageArn ?? "-";
    return [r.deployedAt, r.kind, r.outcome, version, replaced, r.approvedBy ?? "-", r.approvalDescription ?? r.reason ?? "-"];
}

export async function runHistory(options: HistoryOptions, deps: Deps): Promise<number> {
    const { io } = deps;
    const limit = parseLimit(options.limit);
    const scope = await resolveScope(options, deps, { env: true });
    const env = scope.env!;
    const table = options.ledgerTable ?? ledgerTableName(env.config.environment);
    const records = await readHistory(scope, table, env.endpointName, limit);
    if (options.json) {
        printJson(io, { environment: env.name, endpointName: env.endpointName, table, records });
        return EXIT.ok;
    }
    io.out(`Deployment ledger of ${env.name} (${table}, endpoint ${env.endpointName}), newest first:`);
    if (records.length === 0) {
        io.out("No deployments recorded yet.");
        return EXIT.ok;
    }
    io.out(renderTable(["When (UTC)", "Kind", "Outcome", "Version", "Replaced", "Approved by", "Comment / reason"], records.map(historyRow)));
    return EXIT.ok;
}
