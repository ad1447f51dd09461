/**
 * `approvals --version`. The version is package.json's, imported (not read from disk at run time) so it
 * stays right when the CLI is bundled or run from another working directory.
 */
import packageJson from "../../package.json";

export const CLI_NAME = "approvals";

export interface VersionInfo {
    readonly name: string;
    readonly version: string;
    /** The npm package the CLI ships in. */
    readonly package: string;
    /** The Node.js running it (the SDK's support depends on it). */
    readonly node: string;
}

export function versionInfo(): VersionInfo {
    return { name: CLI_NAME, version: packageJson.version, package: packageJson.name, node: process.version };
}

/** One line, or with `json` one JSON document. Pure apart from reading `process.version`. */
export function versionText(json: boolean): string {
    const info = versionInfo();
    return json ? JSON.stringify(info, null, 2) : `${info.name} ${info.version} (${info.package}, Node ${info.node})`;
}
