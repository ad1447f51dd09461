/**
 * Which region the AWS calls go to, and, when none is set anywhere, an error that names what is really
 * missing: with `--env`, the stack file's `aws:region`; without, any of the sources the CLI reads.
 */
import * as path from "path";
import { clientRegion } from "./clients";
import type { Environment } from "./environment";
import { CliError, EXIT } from "./errors";

/** The error for "no region anywhere". Pure. */
export function missingRegionError(env: Pick<Environment, "name" | "configFile"> | undefined): CliError {
    if (env) {
        const file = path.basename(env.configFile);
        return new CliError(EXIT.usage,
            `No AWS region for environment "${env.name}": ${file} has no aws:region, and neither --region nor AWS_REGION is set.`,
            `Set the stack's region with \`pulumi config set aws:region <region> --stack ${env.name}\` (or add "aws:region: <region>" under config: in ${file}), or pass --region <region>, or export AWS_REGION=<region>.`);
    }
    return new CliError(EXIT.usage,
        "No AWS region: none of --region, --env (its stack's aws:region), AWS_REGION or the AWS profile's region is set.",
        "Pass --region <region> (e.g. --region us-east-1), or --env <env> to use the aws:region of Pulumi.<env>.yaml, or export AWS_REGION=<region>.");
}

/**
 * The region given (target ARN, --region, the stack's aws:region), else the one the SDK finds itself
 * (AWS_REGION, the profile's region). Throws `missingRegionError` when there is none.
 */
export async function requireRegion(given: string | undefined, env: Environment | undefined, client: { config: { region: unknown } }): Promise<string> {
    const region = given ?? (await clientRegion(client));
    if (!region) throw missingRegionError(env);
    return region;
}
