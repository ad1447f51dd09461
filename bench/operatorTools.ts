/**
 * Operators' tools: wall time of `npm run plan` (the spawned binary, as a reviewer or CI runs it, both
 * moments) per example stack, and the start-up cost of the `approvals` binary (`--help`: ts-node and the
 * AWS SDK loading, no AWS call). Median and max of a few runs; the machine's load shows in the spread.
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");

function time(args: string[]): { ms: number; status: number | null } {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd: REPO, env: { ...env, AWS_EC2_METADATA_DISABLED: "true" }, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // A failed run is reported, not hidden in the median.
    if (result.status !== 0) console.error(`${args.slice(1).join(" ")} exited ${result.status}:\n${result.stderr}`);
    return { ms, status: result.status };
}

function summarize(name: string, runs: { ms: number; status: number | null }[]): string[] {
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    return [name, String(runs.length), (ms[Math.floor(ms.length / 2)] / 1000).toFixed(1), (ms[ms.length - 1] / 1000).toFixed(1), [...new Set(runs.map((r) => r.status))].join(",")];
}

export async function run(): Promise<void> {
    const rows: string[][] = [];
    for (const stack of ["dev", "prod"]) {
        const runs = [0, 1, 2].map(() => time([path.join(REPO, "cli/bin/plan.js"), "--stack", stack]));
        rows.push(summarize(`npm run plan -- --stack ${stack}`, runs));
    }
    rows.push(summarize("npm run approvals -- --help", [0, 1, 2, 3, 4].map(() => time([path.join(REPO, "cli/bin/approvals.js"), "--help"]))));
    const head = ["command", "runs", "median s", "max s", "exit"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
    console.log(line(head));
    console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    rows.forEach((r) => console.log(line(r)));
    console.log(`\n${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}, Node ${process.version}`);
}
