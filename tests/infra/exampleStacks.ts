/** The example stacks' config (Pulumi.<stack>.yaml), in the flat form runProgramUnderMocks takes. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { stackConfigFromYaml } from "../../cli/lib/programUnderMocks";

const ROOT = path.resolve(__dirname, "../..");

/** A fresh copy each call, so tests can change it. */
export function exampleStackConfig(stack: string): Record<string, unknown> {
    return stackConfigFromYaml(YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")));
}
