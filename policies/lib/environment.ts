/**
 * Which stacks are production, learned the way the Pulumi CLI tells a policy pack:
 *  - the stack name (`getStack()`, i.e. PULUMI_NODEJS_STACK),
 *  - the stack's config (PULUMI_CONFIG: `<project>:production`, `<project>:environment`),
 *  - the policy config (`environment`, stack name patterns).
 *
 * The rule is fail-closed: a stack is production if ANY signal says so, and also when NO signal says
 * anything. It is non-production only when something says so and nothing says production. So a developer
 * cannot downgrade a stack named `prod` by editing its config, and an unrecognised name (`live-eu`) is
 * production until someone classifies it.
 */
// The metadata sub-module, not "@pulumi/pulumi": the approvals CLI loads this file and the package's index costs
// it 0.7 CPU-seconds per start.
import { getProject, getStack } from "@pulumi/pulumi/metadata";
import type { ApprovalGateConfig } from "./gateConfig";

/** What the CLI tells the pack process about the stack being previewed or updated. */
export interface StackContext {
    readonly stack: string;
    readonly project: string;
    /** True in `pulumi preview` (and the preview phase of `up`): values computed by other resources are unknown. */
    readonly dryRun: boolean;
    /** The stack's config, `{"<namespace>:<key>": "<string value>"}`. */
    readonly config: Readonly<Record<string, string>>;
    /** The stack's `aws:region`, if configured. */
    readonly region?: string;
    /** The region an AWS provider without a `region` uses: AWS_REGION, else AWS_DEFAULT_REGION. */
    readonly environmentRegion?: string;
}

function parseConfig(raw: string | undefined): Record<string, string> {
    if (!raw) return {};
    try {
        const parsed = JSON.parse(raw);
        return parsed && typeof parsed === "object" ? parsed : {};
    } catch {
        return {};
    }
}

/** The context of the current pack process, as the CLI set it. */
export function currentStackContext(env: NodeJS.ProcessEnv = process.env): StackContext {
    const config = parseConfig(env.PULUMI_CONFIG);
    return {
        stack: env.PULUMI_NODEJS_STACK || getStack() || "",
        project: env.PULUMI_NODEJS_PROJECT || getProject() || "",
        // Only an explicit "true" means preview: treating an update as a preview would defer checks it must make.
        dryRun: env.PULUMI_NODEJS_DRY_RUN === "true",
        config,
        region: config["aws:region"] || undefined,
        environmentRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    };
}

export interface EnvironmentDecision {
    readonly production: boolean;
    /** Why, for messages: e.g. `stack "prod" matches production pattern "prod"`. */
    readonly reason: string;
}

/** Glob match with `*` only, case-insensitive, on the whole name. */
export function matchesPattern(name: string, pattern: string): boolean {
    const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
    return re.test(name);
}

type Signal = { production: boolean; reason: string };

function classify(name: string, what: string, config: ApprovalGateConfig): Signal | undefined {
    const prod = config.productionStackPatterns.find((p) => matchesPattern(name, p));
    if (prod) return { production: true, reason: `${what} "${name}" matches production pattern "${prod}"` };
    const nonProd = config.nonProductionStackPatterns.find((p) => matchesPattern(name, p));
    if (nonProd) return { production: false, reason: `${what} "${name}" matches non-production pattern "${nonProd}"` };
    return undefined;
}

/** The stack config namespaces to read `production` / `environment` from: this project's, and ours. */
function namespaces(context: StackContext): string[] {
    return [...new Set([context.project, "sagemaker-approval-gate"].filter(Boolean))];
}

export function decideEnvironment(context: StackContext, config: ApprovalGateConfig): EnvironmentDecision {
    const signals: Signal[] = [];
    if (config.environment !== "auto") {
        signals.push({ production: config.environment === "production", reason: `policy config environment is "${config.environment}"` });
    }
    if (context.stack) {
        const s = classify(context.stack, "stack name", config);
        if (s) signals.push(s);
    }
    for (const ns of namespaces(context)) {
        const flag = context.config[`${ns}:production`];
        if (flag !== undefined) {
            const v = String(flag).trim().toLowerCase();
            if (v === "true") signals.push({ production: true, reason: `stack config ${ns}:production is true` });
            else if (v === "false") signals.push({ production: false, reason: `stack config ${ns}:production is false` });
            else signals.push({ production: true, reason: `stack config ${ns}:production is ${JSON.stringify(flag)}, not true/false` });
        }
        const environment = context.config[`${ns}:environment`];
        if (environment) {
            const s = classify(environment, `stack config ${ns}:environment`, config);
            if (s) signals.push(s);
        }
    }
    const production = signals.find((s) => s.production);
    if (production) return { production: true, reason: production.reason };
    if (signals.length) return { production: false, reason: signals.map((s) => s.reason).join("; ") };
    return {
        production: true,
        reason: `nothing says stack "${context.stack || "(unnamed)"}" is non-production, so it is treated as production`,
    };
}
