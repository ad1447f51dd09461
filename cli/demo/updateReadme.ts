/**
 * Regenerates the generated blocks of the README's operators' tools section, in place:
 *   <!-- generated:<name> --> … <!-- /generated:<name> -->
 * - `plan-dev`, `plan-prod`: `npm run plan -- --stack <stack>` without AWS credentials, an excerpt
 *   visible and the whole output in a collapsed `<details>` (see `planBlock`);
 * - `approver-<step>`: the approver's day against a fresh moto (see approverDay.ts).
 * Only text between those markers changes.
 *
 *   node -r ts-node/register/transpile-only cli/demo/updateReadme.ts
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { approverDay } from "./approverDay";

const REPO = path.resolve(__dirname, "../..");
const README = path.join(REPO, "README.md");

function plan(stack: string): string {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
    const result = spawnSync(process.execPath, [path.join(REPO, "cli/bin/plan.js"), "--stack", stack], {
        cwd: REPO,
        encoding: "utf8",
        env: { ...env, AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" },
    });
    if (result.status !== 0 && result.status !== 1) throw new Error(`plan for ${stack} failed (${result.status}): ${result.stderr}`);
    return planBlock(stack, result.stdout);
}

/**
 * The README block of one plan: a short excerpt (the header, the resource count and the policy pack's
 * verdicts) stays visible; the whole output, hundreds of lines, sits in a collapsed `<details>`. Pure.
 */
export function planBlock(stack: string, stdout: string): string {
    const command = `npm run plan -- --stack ${stack}`;
    const lines = stdout.replace(/\n$/, "").split("\n");
    const count = lines.findIndex((line) => /^\d+ resources? to create/.test(line));
    const pack = lines.findIndex((line) => line.startsWith("Policy pack "));
    if (count < 0 || pack < 0) throw new Error(`the plan for ${stack} has no resource count or policy pack section:\n${stdout}`);
    const excerpt = [lines[0], "…", lines[count], "…", ...lines.slice(pack)];
    const fence = (body: readonly string[]) => ["```console", `$ ${command}`, ...body, "```"].join("\n");
    return [
        fence(excerpt),
        "",
        `<details><summary>The whole output of <code>${command}</code> (${lines.length} lines: every resource with its inputs)</summary>`,
        "",
        fence(lines),
        "",
        "</details>",
    ].join("\n");
}

/** Replaces the text between one pair of markers. Pure; throws when the markers are missing. */
export function replaceBlock(text: string, name: string, content: string): string {
    const start = `<!-- generated:${name} -->`;
    const end = `<!-- /generated:${name} -->`;
    const i = text.indexOf(start);
    const j = text.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README.md has no ${start} … ${end} block`);
    return `${text.slice(0, i + start.length)}\n${content}\n${text.slice(j)}`;
}

async function main(): Promise<void> {
    const blocks: Record<string, string> = { "plan-dev": plan("dev"), "plan-prod": plan("prod") };
    for (const [step, block] of Object.entries(await approverDay())) blocks[`approver-${step}`] = block;
    let text = fs.readFileSync(README, "utf8");
    for (const [name, content] of Object.entries(blocks)) {
        if (text.includes(`<!-- generated:${name} -->`)) text = replaceBlock(text, name, content);
    }
    fs.writeFileSync(README, text);
    console.log(`updated ${Object.keys(blocks).filter((n) => text.includes(`<!-- generated:${n} -->`)).join(", ")}`);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
