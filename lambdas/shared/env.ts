/**
 * Reads a handler's environment once, at module load, and fails with the variable's name when one is
 * missing: a misconfigured function should fail its first invocation loudly, not half-work.
 */
export class EnvironmentError extends Error {
    override readonly name = "EnvironmentError";
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
    const value = env[name];
    if (value === undefined || value.trim() === "") {
        throw new EnvironmentError(`environment variable ${name} is not set; the stack sets it on the function (infra/components/: ApprovalEvents, ArtifactGuard); redeploy the stack`);
    }
    return value;
}

/** A comma-separated list; empty entries dropped. */
export function listEnv(env: NodeJS.ProcessEnv, name: string): string[] {
    return (env[name] ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

export function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new EnvironmentError(`environment variable ${name} is ${JSON.stringify(raw)}; expected a non-negative integer`);
    return n;
}
