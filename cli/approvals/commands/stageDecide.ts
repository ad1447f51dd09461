/**
 * `approvals approve|reject <version> --stage <Stage> --comment "…"`: one promotion stage's decision. The
 * version's ModelLifeCycle moves as planStageChange allows (first stage: ModelApprovalStatus too), and the same
 * UpdateModelPackage call records the transition in the version's stage history.
 */
import { describeLifecycle } from "../../../policies/lib/approvalStage";
import { printJson, renderFields, type Deps } from "../context";
import { CliError, EXIT } from "../errors";
import { describePackage, registrarOf, shortName, type Decision } from "../packages";
import { pinReportJson, renderPinReport } from "../pins";
import { checkStageDecision } from "../stageDecision";
import { stageLedgerTable, type StageSetup } from "../stages";
import type { Target } from "../target";
import { checkPinsBeforeApproval, confirmDecision, updatePackage, type DecideOptions } from "./decideSteps";

export interface StageRequest {
    readonly setup: StageSetup;
    readonly stage: string;
    readonly comment: string;
    readonly target: Target;
}

const partitionOf = (arn: string) => /^arn:(aws[a-z-]*):/.exec(arn)?.[1] ?? "aws";

export async function runStageDecide(decision: Decision, request: StageRequest, options: DecideOptions, deps: Deps): Promise<number> {
    const { io } = deps;
    const { setup, stage, comment, target } = request;
    const { scope } = target;
    const caller = target.caller!;
    const ctx = { stage, order: setup.order };
    const where = { region: target.region, endpointUrl: scope.endpointUrl };
    const before = await describePackage(scope.clients.sagemaker, target.arn, where);
    const name = shortName(before);
    const check = checkStageDecision(decision, before, caller, ctx, { at: io.now(), comment }, { allowUnknownRegistrar: options.allowUnknownRegistrar });
    if (!check.allowed) throw new CliError(EXIT.refused, `Refused: ${check.reason}`, check.hint);
    // The bytes are checked against the pins in the ledger of the stage's environment (every environment pins at registration).
    const table = options.ledgerTable ?? stageLedgerTable(setup, stage, caller, target.region, partitionOf(target.arn));
    const pins = decision === "approve"
        ? await checkPinsBeforeApproval(name, table, target, before,
            `Pass --env <registry stack> (its promotion.stages name ${stage}'s environment and account), or --ledger-table <name or ARN of ${stage}'s ledger>.`)
        : undefined;

    const to = check.update.ModelLifeCycle!;
    const toText = `${describeLifecycle(to)}${check.update.ModelApprovalStatus ? `, ModelApprovalStatus ${check.update.ModelApprovalStatus}` : ""}`;
    if (!options.json) {
        io.out(renderFields([
            ["Version", `${name} (${before.ModelPackageArn})`],
            ["Stage", `${stage} (of ${setup.order.join(" -> ")})`],
            ["Change", `${describeLifecycle(check.from)} -> ${toText}`],
            ["Comment", comment],
            ["Registered by", registrarOf(before)],
            ["You are", caller.arn],
        ]));
        if (pins) io.out(`\n${renderPinReport(pins)}`);
    }
    for (const warning of check.warnings) io.err(`warning: ${warning}`);

    await confirmDecision(decision, name, options, deps, `${decision === "approve" ? "Approve" : "Reject"} ${name} for ${stage}?`);
    await updatePackage(target, name, `${to.Stage} ${to.StageStatus}`, {
        ...check.update,
        ModelPackageArn: before.ModelPackageArn ?? target.arn,
        ...(check.update.ModelApprovalStatus && !check.update.ApprovalDescription ? { ApprovalDescription: comment } : {}),
    }, `Only the approvers of ${stage} (promotion.stages[].approvers of the registry stack) may set its lifecycle; assume one of those roles in the registry account.`);

    const after = await describePackage(scope.clients.sagemaker, target.arn, where);
    const lifecycle = after.ModelLifeCycle;
    const readBackDiffers = lifecycle?.Stage !== to.Stage || lifecycle?.StageStatus !== to.StageStatus
        || (check.update.ModelApprovalStatus !== undefined && after.ModelApprovalStatus !== check.update.ModelApprovalStatus)
        ? new CliError(EXIT.aws, `SageMaker accepted the update but ${name} reads back as ${describeLifecycle(lifecycle)} (${after.ModelApprovalStatus ?? "no status"}).`,
            "Someone may have changed it at the same moment; run `approvals show` and decide again.")
        : undefined;
    if (options.json && readBackDiffers) throw readBackDiffers;
    if (options.json) {
        printJson(io, {
            arn: after.ModelPackageArn,
            group: after.ModelPackageGroupName,
            version: after.ModelPackageVersion,
            decision,
            stage,
            stageOrder: setup.order,
            previousLifecycle: check.from ?? null,
            lifecycle: lifecycle ?? null,
            status: after.ModelApprovalStatus,
            comment,
            caller: caller.arn,
            registeredBy: registrarOf(before),
            separationOfDuties: check.duties.verdict,
            ...(pins ? { pins: pinReportJson(pins) } : {}),
        });
    } else {
        const following = setup.order[setup.order.indexOf(stage) + 1];
        io.out(`\n${decision === "approve" ? "Approved" : "Rejected"} ${name} for ${stage}: its lifecycle is now ${describeLifecycle(lifecycle)}; status ${after.ModelApprovalStatus ?? "unknown"}.`);
        io.out(decision === "approve"
            ? `The deploy function of ${stage}'s environment re-checks the approval and rolls ${name} out, then marks ${stage} Deployed${following ? `; after that the approvers of ${following} can approve it` : ""}.`
            : `If ${name} was live in ${stage}'s environment, its deploy function rolls that endpoint back.`);
    }
    if (readBackDiffers) throw readBackDiffers;
    return EXIT.ok;
}
