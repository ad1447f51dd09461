/**
 * `--env <env>` → the stack's own config file `Pulumi.<env>.yaml`, validated by the same schema the Pulumi
 * program uses (`parseStackConfig`), so the CLI and the stack can never disagree on the group or endpoint name.
 * It reads the YAML file itself (no `pulumi.Config`: there is no Pulumi engine behind a CLI).
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { missingRegionError } from "./region";
import { ConfigError, PROJECT, parseStackConfig, type MetricGate, type RawStackConfig, type StackConfig } from "../../infra/config";
import { endpointName } from "../../infra/lib/naming";
import { CliError, EXIT } from "./errors";

export interface Environment {
    readonly name: string;
    readonly configFile: string;
    readonly config: StackConfig;
    /** The stack's `aws:region`, when set. */
    readonly region?: string;
    readonly groupName: string;
    readonly endpointName: string;
    /** The pipeline's metric gate; absent for an environment stack (its registry stack trains). */
    readonly metric?: MetricGate;
}

/** The folder holding Pulumi.yaml: the nearest one above `start`, else the package this CLI ships in. */
export function findProjectDir(start: string = process.cwd()): string {
    let dir = path.resolve(start);
    for (;;) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        const parent = path.dirname(dir);
        if (parent === dir) return path.resolve(__dirname, "../..");
        dir = parent;
    }
}

/** The stacks that have a config file in `dir`, sorted. */
export function listStacks(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}

/**
 * Turns a parsed `Pulumi.<stack>.yaml` document into the raw StackConfig (project namespace stripped) and
 * its region. Pure.
 */
export function rawConfigFromDocument(document: unknown): { raw: RawStackConfig; region?: string } {
    const config = (document as { config?: Record<string, unknown> } | null)?.config ?? {};
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
    }
    const region = typeof config["aws:region"] === "string" ? (config["aws:region"] as string) : undefined;
    return { raw: raw as RawStackConfig, region };
}

/**
 * Loads and validates one environment's stack config. Throws `CliError` (exit 4 unknown env, 2 invalid).
 * A stack file without aws:region is read in `fallbackRegion` (--region, AWS_REGION), or refused with the CLI's
 * own missing-region error, which names every way to set one.
 */
export function loadEnvironment(env: string, dir: string = findProjectDir(), fallbackRegion?: string): Environment {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(env)) {
        throw new CliError(EXIT.usage, `--env "${env}" is not a stack name.`, "Use the name of a Pulumi.<env>.yaml file, e.g. --env dev.");
    }
    const configFile = path.join(dir, `Pulumi.${env}.yaml`);
    if (!fs.existsSync(configFile)) {
        const known = listStacks(dir);
        throw new CliError(EXIT.notFound, `No environment "${env}": ${configFile} does not exist.`,
            known.length ? `Known environments: ${known.join(", ")}.` : `Run the CLI inside the project (the folder with Pulumi.yaml).`);
    }
    let document: unknown;
    try {
        document = parseYaml(fs.readFileSync(configFile, "utf8"));
    } catch (err) {
        throw new CliError(EXIT.usage, `${configFile} is not valid YAML: ${(err as Error).message}`, "Fix the file (it is the stack's Pulumi config).");
    }
    const { raw, region } = rawConfigFromDocument(document);
    if (!region && !fallbackRegion) throw missingRegionError({ name: env, configFile });
    let config: StackConfig;
    try {
        config = parseStackConfig(raw, env, region ?? fallbackRegion);
    } catch (err) {
        if (err instanceof ConfigError) throw new CliError(EXIT.usage, `${configFile}: ${err.message}`);
        throw err;
    }
    return {
        name: env,
        configFile,
        config,
        region,
        groupName: config.modelPackageGroupName,
        endpointName: endpointName(config.environment),
        metric: config.layout.kind === "environment" ? undefined : config.layout.pipeline.metric,
    };
}
