/**
 * The `approvals` command line: commander wiring only. Each command's logic lives in `commands/*` and
 * takes its clients and terminal injected (`Deps`), so tests run it in-process against moto or mocks.
 */
import { Command, CommanderError, Option } from "commander";
// Types only: each command's module (and the AWS SDK clients it needs) is required when that command runs, so
// `--help`, `--version` and usage errors answer without loading the SDK (about a third of a start).
import type * as DecideCommand from "./commands/decide";
import type * as HistoryCommand from "./commands/history";
import type * as LiveCommand from "./commands/live";
import type * as PendingCommand from "./commands/pending";
import type * as ShowCommand from "./commands/show";
type DecideOptions = DecideCommand.DecideOptions;
type HistoryOptions = HistoryCommand.HistoryOptions;
type LedgerOptions = LiveCommand.LedgerOptions;
type PendingOptions = PendingCommand.PendingOptions;
type ShowOptions = ShowCommand.ShowOptions;
import type { CommonOptions, Deps } from "./context";
import { CliError, EXIT, EXIT_CODES_HELP, errorDocument, toCliError } from "./errors";
import { CLI_NAME, versionText } from "./version";

const VERSION_ARG = "<version>";
const PIN_TABLE_HELP = "ledger table holding the version's artifact pins (default: the --env stack's, or the stack whose group it is)";
const STAGES_HELP = "the stage order, comma-separated (e.g. Staging,Production), when no --env stack file says it (promotion.stages)";
const VERSION_HELP = "an ARN, <group>/<version> (e.g. abalone-dev/3), or a version number with --env/--group";

function addCommonOptions(command: Command, withGroup = true): Command {
    command.addOption(new Option("-e, --env <env>", "environment: reads Pulumi.<env>.yaml for group, endpoint and region").env("APPROVALS_ENV"));
    if (withGroup) command.option("-g, --group <name>", "model package group (overrides the environment's)");
    return command
        .option("-r, --region <region>", "AWS region (overrides the environment's aws:region and AWS_REGION)")
        .option("--endpoint-url <url>", "send every AWS call to this endpoint (a local emulator such as moto)")
        .option("--json", "print one JSON document on stdout instead of text");
}

/** True when `--json` comes before any `--` (which ends the options). Pure. */
export function wantsJson(argv: readonly string[]): boolean {
    const end = argv.indexOf("--");
    return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

/**
 * Builds a fresh program whose actions record their exit code in `result`. With `json`, commander's own
 * error text is silenced: `runCli` reports its errors as a JSON document instead.
 */
export function buildProgram(deps: Deps, result: { code: number }, json = false): Command {
    const { io } = deps;
    const writeErr = json ? () => undefined : (s: string) => io.err(s.replace(/\n$/, ""));
    const program = new Command(CLI_NAME)
        .description("Approve or reject SageMaker model package versions, and see what is live. Separation of duties is enforced: you cannot approve what you registered.")
        .version(versionText(json), "-V, --version", "print the CLI's name and version (with --json, as JSON)")
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr })
        .showHelpAfterError("(run with --help for usage)")
        .addHelpText("after", `\n${EXIT_CODES_HELP}\n\nExamples:\n  approvals pending --env prod\n  approvals show abalone-prod/7 --env prod\n  approvals approve abalone-prod/7 --env prod --comment "mse 3.9 < live 4.1; drift report reviewed"\n  approvals approve abalone/7 --env shared --stage Production --comment "a week in Staging without alarms"\n  approvals live --env prod --json`);

    const run = (fn: () => Promise<number>) => async () => {
        result.code = await fn();
    };

    addCommonOptions(program.command("pending").description("List the versions awaiting approval (with promotion stages: awaiting any stage), with age, pipeline execution, metrics and stage, next to the live version"))
        .option("--stages <list>", STAGES_HELP)
        .action(function (this: Command) {
            return run(() => (require("./commands/pending") as typeof PendingCommand).runPending(this.opts<PendingOptions>(), deps))();
        });

    addCommonOptions(program.command("show").description("Show everything an approver needs to decide on one version: what it is made of (its artifact pins, checked now), its promotion stage and stage history").argument(VERSION_ARG, VERSION_HELP))
        .option("--ledger-table <name>", PIN_TABLE_HELP)
        .option("--stages <list>", STAGES_HELP)
        .action(function (this: Command, version: string) {
            return run(() => (require("./commands/show") as typeof ShowCommand).runShow(version, this.opts<ShowOptions>(), deps))();
        });

    for (const decision of ["approve", "reject"] as const) {
        const cmd = program
            .command(decision)
            .description(decision === "approve"
                ? "Approve a version awaiting approval (never one you registered, never one whose bytes differ from its pins); the environment's deploy Lambda then rolls it out"
                : "Reject a pending or approved version; rejecting the live version rolls the endpoint back")
            .argument(VERSION_ARG, VERSION_HELP)
            // Checked by runDecide, not commander, so the error can show a complete example for this version.
            .option("-m, --comment <text>", "why; stored as the version's ApprovalDescription (required, at most 1024 characters)")
            .option("-y, --yes", "do not ask for confirmation (needed without a terminal, e.g. in CI)")
            .option("--stage <Stage>", "the promotion stage decided for (required when the registry has promotion stages; e.g. Staging, Production)")
            .option("--stages <list>", STAGES_HELP);
        if (decision === "approve") {
            cmd.option("--ledger-table <name>", `${PIN_TABLE_HELP}; with --stage, the stage environment's (a table ARN for another account)`);
            cmd.option("--allow-unknown-registrar", "approve even though the version records no IAM identity for its registrar (separation of duties cannot be checked)");
        }
        addCommonOptions(cmd).action(function (this: Command, version: string) {
            return run(() => (require("./commands/decide") as typeof DecideCommand).runDecide(decision, version, this.opts<DecideOptions>(), deps))();
        });
    }

    addCommonOptions(program.command("live").description("Show what the environment's endpoint serves now, and whether the deployment ledger agrees"), false)
        .option("--ledger-table <name>", "ledger table (default sagemaker-approval-gate-<env>-deployments)")
        .action(function (this: Command) {
            return run(() => (require("./commands/live") as typeof LiveCommand).runLive(this.opts<LedgerOptions>(), deps))();
        });

    addCommonOptions(program.command("history").description("Show the environment's deployment ledger, newest first"), false)
        .option("--ledger-table <name>", "ledger table (default sagemaker-approval-gate-<env>-deployments)")
        .option("-n, --limit <count>", "how many records (1-1000)", "20")
        .action(function (this: Command) {
            return run(() => (require("./commands/history") as typeof HistoryCommand).runHistory(this.opts<HistoryOptions>(), deps))();
        });

    return program;
}

const COMMANDER_SUCCESS = new Set(["commander.helpDisplayed", "commander.help", "commander.version"]);

/** A commander parse error as a CliError (exit 2), pointing at the help of the command it was for. */
function parseError(err: CommanderError, program: Command, argv: readonly string[]): CliError {
    const names = new Set(program.commands.map((c) => c.name()));
    const command = argv.find((arg) => names.has(arg));
    return new CliError(EXIT.usage, err.message.replace(/^error: /, ""),
        command ? `Run \`${CLI_NAME} ${command} --help\` for its arguments and options.` : `Run \`${CLI_NAME} --help\` for the commands.`);
}

/**
 * `approve <version> --comment` with nothing after it is a missing comment: drop the dangling flag so the
 * command's own check reports it, with a complete example, instead of commander's "argument missing". Pure.
 */
export function withoutDanglingComment(argv: readonly string[]): readonly string[] {
    const last = argv[argv.length - 1];
    // The program itself takes no option with a value, so its first bare word is the command.
    const command = argv.find((arg) => !arg.startsWith("-"));
    const decides = command === "approve" || command === "reject";
    return decides && (last === "--comment" || last === "-m") && !argv.includes("--") ? argv.slice(0, -1) : argv;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], deps: Deps): Promise<number> {
    const result = { code: EXIT.ok as number };
    const json = wantsJson(argv);
    const program = buildProgram(deps, result, json);
    try {
        if (argv.length === 0) {
            program.outputHelp();
            return EXIT.usage;
        }
        await program.parseAsync([...withoutDanglingComment(argv)], { from: "user" });
        return result.code;
    } catch (err) {
        if (err instanceof CommanderError) {
            // Help and version are successes; every parse error is a usage error, already printed as text.
            if (COMMANDER_SUCCESS.has(err.code)) return EXIT.ok;
            if (!json) return EXIT.usage;
        }
        const cliError =
            err instanceof CommanderError ? parseError(err, program, argv)
            : err instanceof CliError ? err
            : toCliError(err, { action: "run the command" });
        if (json) {
            // stdout, not stderr: under --json stdout is always exactly one document, the result or this error;
            // stderr carries warnings and prompts as text, so it could not be parsed as one.
            deps.io.out(JSON.stringify(errorDocument(cliError), null, 2));
        } else {
            deps.io.err(`error: ${cliError.message}`);
            if (cliError.hint) deps.io.err(`hint: ${cliError.hint}`);
        }
        if (process.env.APPROVALS_DEBUG && !(err instanceof CliError || err instanceof CommanderError)) deps.io.err(String((err as Error)?.stack ?? err));
        return cliError.exitCode;
    }
}
