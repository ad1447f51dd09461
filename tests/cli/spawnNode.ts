/** Spawning one of the repo's Node entry points as a user would (stdin not a terminal, as in CI), capturing its output. */
import { spawn } from "child_process";

export interface SpawnResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** The parent's environment without any `AWS_*` setting (nor the `also` names), so no credential or endpoint leaks in. */
export function environmentWithoutAws(also: readonly string[] = []): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !also.includes(k)));
}

/** Runs `node <script> <args…>` in `cwd` with exactly `env`, and resolves when it exits. */
export function spawnNode(script: string, args: readonly string[], options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): Promise<SpawnResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}
