/**
 * The commands the walkthrough runs, printed as a person would type them and then run for real: the approver
 * CLI in this process (its `runCli`, the code `npm run approvals` runs), the offline plan as its own process
 * (`npm run plan`, so its exit code is the one a shell would see).
 */
import { spawn } from "child_process";
import * as path from "path";
import type { Io } from "../../approvals/context";
import { runCli } from "../../approvals/program";

export interface CommandRun {
    readonly command: string;
    readonly output: string;
    readonly code: number;
}

/** argv as a shell line: arguments with spaces or quotes are double-quoted. Pure. */
export function shellLine(prefix: string, args: readonly string[]): string {
    return [prefix, ...args.map((a) => (/[\s"$`]/.test(a) ? `"${a.replace(/(["\\$`])/g, "\\$1")}"` : a))].join(" ");
}

export async function approvals(args: readonly string[], projectDir: string): Promise<CommandRun> {
    const lines: string[] = [];
    const io: Io = { out: (t) => lines.push(t), err: (t) => lines.push(t), interactive: false, confirm: async () => false, now: () => new Date() };
    const code = await runCli(args, { io, projectDir });
    return { command: shellLine("npm run approvals --", args), output: lines.join("\n"), code };
}

export function plan(args: readonly string[], repo: string, env: NodeJS.ProcessEnv): Promise<CommandRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(repo, "cli/bin/plan.js"), ...args], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ command: shellLine("npm run plan --", args), output, code: code ?? 3 }));
    });
}

/**
 * The part of a plan's output that carries the verdict: the policy findings of each moment and the last line;
 * the resource tree above them is left out (the walkthrough names the three resources). Pure.
 */
export function planVerdict(output: string): string {
    const lines = output.replace(/\n$/, "").split("\n");
    const first = lines.findIndex((l) => l.startsWith("pulumi preview (") || l.startsWith("pulumi up ("));
    return (first < 0 ? lines : lines.slice(first)).join("\n");
}
