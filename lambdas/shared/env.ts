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
        throw new EnvironmentError(`environment variable ${name} is not set; the stack sets it on the function (infra/components/: Deployer, Notifier, ArtifactGuard); redeploy the stack`);
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

/** The environment's place in the promotion order (policies/lib/approvalStage.ts StageContext). */
export interface StageSettings {
    readonly stage: string;
    readonly order: readonly string[];
}

/**
 * STAGE and STAGE_ORDER (comma-separated, first stage first), set by environment stacks. Both absent: the
 * all-in-one layout, no Stage question (undefined). One without the other, a stage outside the order, or a
 * stage named twice is a misconfiguration that would judge against the wrong stage: it fails loudly.
 */
export function stageEnv(env: NodeJS.ProcessEnv): StageSettings | undefined {
    const stage = (env.STAGE ?? "").trim();
    const order = listEnv(env, "STAGE_ORDER");
    if (!stage && order.length === 0) return undefined;
    const fix = "the environment stack sets both from promotion.stage and promotion.stages; redeploy it";
    if (!stage) throw new EnvironmentError(`environment variable STAGE is not set but STAGE_ORDER is ${JSON.stringify(env.STAGE_ORDER)}; ${fix}`);
    if (order.length === 0) throw new EnvironmentError(`environment variable STAGE_ORDER is not set but STAGE is ${JSON.stringify(stage)}; ${fix}`);
    if (!order.includes(stage)) throw new EnvironmentError(`environment variable STAGE is ${JSON.stringify(stage)}, which is not in STAGE_ORDER (${order.join(", ")}); ${fix}`);
    const twice = order.find((s, i) => order.indexOf(s) !== i);
    if (twice) throw new EnvironmentError(`environment variable STAGE_ORDER names ${JSON.stringify(twice)} twice (${order.join(", ")}); ${fix}`);
    return { stage, order };
}
