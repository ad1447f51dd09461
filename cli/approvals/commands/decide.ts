/** `approvals approve|reject <version> --comment "…"`: the decision, with separation of duties. */
import { printJson, renderFields, type CommonOptions, type Deps } from "../context";
import { CliError, EXIT } from "../errors";
import { checkDecision, describePackage, registrarOf, shortName, type Decision } from "../packages";
import { pinReportJson, pinTable, renderPinReport } from "../pins";
import { chooseStage, stageSetup } from "../stages";
import { resolveTarget } from "../target";
import { checkPinsBeforeApproval, confirmDecision, updatePackage, type DecideOptions } from "./decideSteps";
import { runStageDecide } from "./stageDecide";

export type { DecideOptions } from "./decideSteps";

/** SageMaker's limit on ApprovalDescription. */
export const MAX_COMMENT_LENGTH = 1024;

const EXAMPLE_COMMENT: Record<Decision, string> = {
    approve: "mse 3.9 beats live 4.1; drift report reviewed",
    reject: "mse 5.2 is worse than live 4.1",
};

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
function shellWord(word: string): string {
    return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command the person ran, with a comment: what to type next. Pure. */
export function decisionExample(decision: Decision, input: string, options: CommonOptions & { stage?: string }): string {
    const scope: [string, string | undefined][] = [["--stage", options.stage], ["--env", options.env], ["--group", options.group], ["--region", options.region], ["--endpoint-url", options.endpointUrl]];
    const flags = scope.filter(([, value]) => value !== undefined).flatMap(([flag, value]) => [flag, shellWord(value!)]);
    return ["approvals", decision, shellWord(input), ...flags, "--comment", `"${EXAMPLE_COMMENT[decision]}"`].join(" ");
}

/** Validates the comment; `example` is the command to show when it is missing. Pure; throws CliError(exit 2). */
export function validateComment(comment: string | undefined, example: string): string {
    const hint = `Say why; it is stored on the version for whoever looks later, e.g. \`${example}\`.`;
    if (comment === undefined) throw new CliError(EXIT.usage, "--comment is required: approvals record why.", hint);
    const text = comment.trim();
    if (!text) throw new CliError(EXIT.usage, "--comment is empty.", hint);
    if (text.length > MAX_COMMENT_LENGTH) {
        throw new CliError(EXIT.usage, `--comment is ${text.length} characters; SageMaker stores at most ${MAX_COMMENT_LENGTH}.`, "Shorten it and link to the longer review instead.");
    }
    return text;
}


export async function runDecide(decision: Decision, input: string, options: DecideOptions, deps: Deps): Promise<number> {
    const { io } = deps;
    const comment = validateComment(options.comment, decisionExample(decision, input, options));
    const target = await resolveTarget(input, options, deps, true);
    const { scope } = target;
    // With promotion stages the decision is one stage's (`--stage`); without, today's all-in-one decision.
    const setup = stageSetup(scope.env, options.stages);
    const stage = chooseStage(setup, options.stage, (s) => decisionExample(decision, input, { ...options, stage: s }));
    if (setup && stage) return runStageDecide(decision, { setup, stage, comment, target }, options, deps);
    const caller = target.caller!;
    const before = await describePackage(scope.clients.sagemaker, target.arn, { region: target.region, endpointUrl: scope.endpointUrl });
    const name = shortName(before);
    const check = checkDecision(decision, before, caller, { allowUnknownRegistrar: options.allowUnknownRegistrar });
    if (!check.allowed) throw new CliError(EXIT.refused, `Refused: ${check.reason}`, check.hint);
    // Approving covers the bytes, not just the name: only a version whose pins are intact (rejecting is never blocked).
    const pins = decision === "approve"
        ? await checkPinsBeforeApproval(name, pinTable(options, scope, before.ModelPackageGroupName, deps), target, before, "Pass --env <env> (the environment of this version's group), or --ledger-table <name>.")
        : undefined;

    const verb = decision === "approve" ? "Approve" : "Reject";
    if (!options.json) {
        io.out(renderFields([
            ["Version", `${name} (${before.ModelPackageArn})`],
            ["Change", `${check.from} -> ${check.to}`],
            ["Comment", comment],
            ["Registered by", registrarOf(before)],
            ["You are", caller.arn],
        ]));
        if (pins) io.out(`\n${renderPinReport(pins)}`);
    }
    for (const warning of check.warnings) io.err(`warning: ${warning}`);

    await confirmDecision(decision, name, options, deps, `${verb} ${name}?`);
    await updatePackage(target, name, check.to, {
        ModelPackageArn: before.ModelPackageArn ?? target.arn,
        ModelApprovalStatus: check.to,
        ApprovalDescription: comment,
    }, "Only the approver principals in Pulumi.<env>.yaml (approvers.principalArns) may approve or reject; assume one of those roles.");
    const after = await describePackage(scope.clients.sagemaker, target.arn, { region: target.region, endpointUrl: scope.endpointUrl });
    const next =
        check.to === "Approved"
            ? `The deploy Lambda of this environment re-checks the approval and rolls ${name} out; follow it with \`approvals live${scope.env ? ` --env ${scope.env.name}` : ""}\`.`
            : `If ${name} was live, the rollback Lambda restores the previous version; check with \`approvals live${scope.env ? ` --env ${scope.env.name}` : ""}\`.`;
    const readBackDiffers = after.ModelApprovalStatus !== check.to
        ? new CliError(EXIT.aws, `SageMaker accepted the update but ${name} reads back as ${after.ModelApprovalStatus}.`, "Someone may have changed it at the same moment; run `approvals show` and decide again.")
        : undefined;
    // Under --json stdout holds one document: the error replaces the result.
    if (options.json && readBackDiffers) throw readBackDiffers;
    if (options.json) {
        printJson(io, {
            arn: after.ModelPackageArn,
            group: after.ModelPackageGroupName,
            version: after.ModelPackageVersion,
            decision,
            previousStatus: check.from,
            status: after.ModelApprovalStatus,
            comment: after.ApprovalDescription,
            caller: caller.arn,
            registeredBy: registrarOf(before),
            separationOfDuties: check.duties.verdict,
            ...(pins ? { pins: pinReportJson(pins) } : {}),
        });
    } else {
        io.out(`\n${check.to === "Approved" ? "Approved" : "Rejected"} ${name}: status is now ${after.ModelApprovalStatus}.`);
        io.out(next);
    }
    if (readBackDiffers) throw readBackDiffers;
    return EXIT.ok;
}
