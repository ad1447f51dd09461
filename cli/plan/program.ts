/**
 * Which program the offline plan runs: this repository's (infra/, project sagemaker-approval-gate), or another
 * Pulumi program in a folder of its own (`--program examples/blocked-endpoint`), read the way the Pulumi CLI
 * reads one: its `Pulumi.yaml` names the project and (`main`) the entry, `Pulumi.<stack>.yaml` beside it holds
 * the stack's config. `-c key=value` sets one config value, as `pulumi preview -c` does.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

export interface ProgramFolder {
    readonly dir: string;
    /** `name` of its Pulumi.yaml: the namespace of its config keys. */
    readonly project: string;
    /** The entry module: `main` (a file, or a folder holding index.ts), else index.ts. */
    readonly entry: string;
}

/** Thrown for a folder that is not a Pulumi program; the message names the file, the problem and the fix. */
export class ProgramFolderError extends Error {}

/** Reads a program folder's Pulumi.yaml. */
export function readProgramFolder(dir: string): ProgramFolder {
    const file = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(file)) throw new ProgramFolderError(`${dir} has no Pulumi.yaml: --program takes a Pulumi program's folder (or its entry module).`);
    let document: { name?: unknown; main?: unknown } | null;
    try {
        document = parseYaml(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new ProgramFolderError(`${file} is not valid YAML: ${(err as Error).message}`);
    }
    const name = document?.name;
    if (typeof name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(name)) {
        throw new ProgramFolderError(`${file}: name: got ${JSON.stringify(name)}; expected the project name (letters, digits, '-', '_', '.'). Fix: add a line 'name: my-project'.`);
    }
    const main = typeof document?.main === "string" ? path.resolve(dir, document.main) : dir;
    const entry = fs.existsSync(main) && fs.statSync(main).isDirectory() ? path.join(main, "index.ts") : main;
    if (!fs.existsSync(entry)) throw new ProgramFolderError(`${file}: the program's entry ${path.relative(process.cwd(), entry) || entry} does not exist. Fix: add it, or point 'main:' at the entry module.`);
    return { dir: path.resolve(dir), project: name, entry };
}

/**
 * `-c key=value` pairs as flat stack config (`{"<ns>:<key>": value}`); a key without a namespace is the
 * project's, as with `pulumi config set`. Values stay strings, as the CLI passes them. Pure.
 */
export function configOverrides(pairs: readonly string[], project: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const pair of pairs) {
        const eq = pair.indexOf("=");
        const key = eq > 0 ? pair.slice(0, eq) : "";
        if (!/^([A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$/.test(key)) {
            throw new ProgramFolderError(`--config "${pair}": expected key=value (e.g. -c modelPackageArn=arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-dev/3).`);
        }
        out[key.includes(":") ? key : `${project}:${key}`] = pair.slice(eq + 1);
    }
    return out;
}
