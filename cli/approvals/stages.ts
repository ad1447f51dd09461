/**
 * Which promotion stages the CLI knows, and where each stage's pins live. The order comes from the stack file
 * the CLI already reads (`--env`: `promotion.stages` of a registry stack, `promotion.stages` of an environment
 * stack, both as `config.layout.stageOrder`), or from `--stages Staging,Production` when no stack file says it.
 * A stack file and a `--stages` that disagree are refused: approving for the wrong order must not be possible.
 */
import type { Layout } from "../../infra/config";
import type { Environment } from "./environment";
import { CliError, EXIT } from "./errors";
import { ledgerTableName } from "./ledger";

/** SageMaker's EntityName pattern, which promotion stage names follow (infra/config.ts checks the same). */
const STAGE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export interface StageSetup {
    readonly order: readonly string[];
    /** Where the order came from, for messages: "Pulumi.shared.yaml (promotion)" or "--stages". */
    readonly source: string;
    readonly env?: Environment;
}

/** Parses `--stages Staging,Production`. Pure; throws CliError(exit 2) naming the bad value. */
export function parseStagesFlag(value: string): string[] {
    const names = value.split(",").map((s) => s.trim());
    const hint = "List the stages in promotion order, comma-separated, e.g. --stages Staging,Production (the names in promotion.stages of the registry stack).";
    const bad = names.find((n) => !STAGE_NAME.test(n));
    if (bad !== undefined) throw new CliError(EXIT.usage, `--stages "${value}": "${bad}" is not a stage name (letters, digits and hyphens, at most 63).`, hint);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new CliError(EXIT.usage, `--stages "${value}" names ${dup} twice.`, hint);
    return names;
}

/** The stack file's layout; a config without one (as older tests build) reads as all-in-one. */
function layoutOf(env: Environment | undefined): Layout | undefined {
    return (env?.config as { layout?: Layout } | undefined)?.layout;
}

/** The stage order, or undefined for the all-in-one layout (no stages anywhere). Pure. */
export function stageSetup(env: Environment | undefined, stagesFlag: string | undefined): StageSetup | undefined {
    const flag = stagesFlag === undefined ? undefined : parseStagesFlag(stagesFlag);
    const layout = layoutOf(env);
    const fromStack = layout && layout.kind !== "all-in-one" ? layout.stageOrder : undefined;
    if (fromStack && flag && fromStack.join(",") !== flag.join(",")) {
        throw new CliError(EXIT.usage, `--stages ${flag.join(",")} disagrees with ${env!.configFile}, whose promotion stages are ${fromStack.join(", ")}.`,
            "Leave --stages out (the stack file says the order), or fix the stack file.");
    }
    if (fromStack) return { order: fromStack, source: `${env!.configFile} (promotion)`, env };
    if (flag) return { order: flag, source: "--stages", env };
    return undefined;
}

/** Checks `--stage` against the order; `undefined` when the layout has no stages and none was asked for. Pure. */
export function chooseStage(setup: StageSetup | undefined, stage: string | undefined, example: (stage: string) => string): string | undefined {
    if (!setup) {
        if (stage === undefined) return undefined;
        throw new CliError(EXIT.usage, `--stage ${stage}: no promotion stages are configured here, so there is no stage to approve for.`,
            "Pass --env <registry stack> (its promotion.stages say the order) or --stages Staging,Production; without stages, leave --stage out (all-in-one layout).");
    }
    const list = setup.order.join(", ");
    if (stage === undefined) {
        throw new CliError(EXIT.usage, `--stage is required: this registry promotes through stages ${list} (from ${setup.source}).`,
            `Name the stage you approve for, e.g. \`${example(setup.order[0])}\`.`);
    }
    if (!setup.order.includes(stage)) {
        throw new CliError(EXIT.usage, `--stage ${stage} is not one of the stages ${list} (from ${setup.source}).`, `e.g. \`${example(setup.order[0])}\` (stage names are case-sensitive).`);
    }
    return stage;
}

/**
 * The ledger of the stage's environment, where registration pinned the version's bytes (every environment pins),
 * when the stack file says which environment that is. A registry stack names each stage's environment and account:
 * another account's table is addressed by its ARN (DynamoDB accepts a table ARN as TableName for cross-account
 * access, which that table's resource-based policy must allow). An environment stack for this very stage has its
 * own ledger. Several environments may share a stage: the first one's ledger is read (all pin the same registered
 * bytes). Undefined when the CLI cannot tell. Pure.
 */
export function stageLedgerTable(setup: StageSetup, stage: string, caller: { account?: string }, region: string, partition = "aws"): string | undefined {
    const layout = layoutOf(setup.env);
    if (layout?.kind === "registry") {
        const target = layout.stages.find((s) => s.name === stage);
        if (!target) return undefined;
        const name = ledgerTableName(target.environment);
        return caller.account && caller.account === target.accountId ? name : `arn:${partition}:dynamodb:${region}:${target.accountId}:table/${name}`;
    }
    if (layout?.kind === "environment" && layout.stage === stage) return ledgerTableName(setup.env!.config.environment);
    return undefined;
}
