/**
 * The per-environment stack: how long building the pipeline definition takes (build + validate +
 * serialise, pure), and how long the whole program takes under Pulumi mocks per example stack (the cost
 * of `npm run plan` and of every test that runs the program). Also checks, while it measures, that every
 * build gives the same bytes.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { runProgramUnderMocks, stackConfigFromYaml } from "../cli/lib/programUnderMocks";
import { pipelineDefinitionJson } from "../infra/pipeline/definition";
import { sampleInput } from "../infra/pipeline/sampleInput";

const input = sampleInput({ kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/bench" });

function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function run(): Promise<void> {
    const rows: string[][] = [];

    const first = pipelineDefinitionJson(input);
    const iterations = 2000;
    const times: number[] = [];
    let differing = 0;
    for (let i = 0; i < iterations; i++) {
        const start = process.hrtime.bigint();
        const json = pipelineDefinitionJson(input);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (json !== first) differing++;
    }
    times.sort((a, b) => a - b);
    rows.push([
        `pipeline definition (build + validate + JSON), ${iterations} runs`,
        `p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms`,
        `${Buffer.byteLength(first)} bytes, ${differing} runs differed`,
    ]);

    for (const stack of ["dev", "prod"]) {
        const config = stackConfigFromYaml(YAML.parse(fs.readFileSync(path.resolve(__dirname, `../Pulumi.${stack}.yaml`), "utf8")));
        const samples: number[] = [];
        let resources = 0;
        for (let i = 0; i < 5; i++) {
            const start = process.hrtime.bigint();
            const { recorder } = await runProgramUnderMocks({ stack, config });
            samples.push(Number(process.hrtime.bigint() - start) / 1e6);
            resources = recorder.resources.length;
        }
        samples.sort((a, b) => a - b);
        rows.push([`whole program under mocks: ${stack} (5 runs)`, `median ${percentile(samples, 50).toFixed(0)} ms, max ${samples[samples.length - 1].toFixed(0)} ms (the first run loads the modules)`, `${resources} resources`]);
    }

    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
    for (const row of rows) console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c])).join(" | ")} |`);
}
