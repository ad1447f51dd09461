/** The steps approve and reject share, with or without promotion stages: pins, confirmation, the update. */
import { UpdateModelPackageCommand, type UpdateModelPackageCommandInput } from "@aws-sdk/client-sagemaker";
import type { CommonOptions, Deps } from "../context";
import { CliError, EXIT, toCliError } from "../errors";
import type { Decision, PackageDescription } from "../packages";
import { inspectPins, pinRefusal, type PinReport } from "../pins";
import type { Target } from "../target";

export interface DecideOptions extends CommonOptions {
    readonly comment?: string;
    readonly yes?: boolean;
    readonly allowUnknownRegistrar?: boolean;
    readonly ledgerTable?: string;
    /** The promotion stage decided for (required when stages are configured). */
    readonly stage?: string;
    /** The stage order when no stack file says it: "Staging,Production". */
    readonly stages?: string;
}

/**
 * The pins' report when they are intact; throws the refusal otherwise (fail closed). `table` is the ledger
 * holding them; `whereHint` says how to name one when none is known.
 */
export async function checkPinsBeforeApproval(name: string, table: string | undefined, target: Target, description: PackageDescription, whereHint: string): Promise<PinReport> {
    if (!table) {
        throw new CliError(EXIT.usage, `Cannot check the artifact pins of ${name}: no environment says which deployment ledger holds them, and approving needs them.`, whereHint);
    }
    const report = await inspectPins(target.scope, table, description, target.region);
    const refusal = pinRefusal(name, report);
    if (refusal) throw refusal;
    return report;
}

/** Asks the person to confirm (or takes --yes); throws when there is no one to ask or they decline. */
export async function confirmDecision(decision: Decision, name: string, options: DecideOptions, deps: Deps, question: string): Promise<void> {
    if (options.yes) return;
    if (!deps.io.interactive) {
        throw new CliError(EXIT.usage, `Not ${decision === "approve" ? "approving" : "rejecting"} ${name}: there is no terminal to confirm on.`, "Re-run with --yes to confirm non-interactively.");
    }
    if (!(await deps.io.confirm(question))) throw new CliError(EXIT.refused, `Not ${decision === "approve" ? "approved" : "rejected"}: you declined. Nothing changed.`);
}

/** One UpdateModelPackage; IAM's refusal is a refusal (exit 1) naming who may make the change. */
export async function updatePackage(target: Target, name: string, what: string, input: UpdateModelPackageCommandInput, whoMay: string): Promise<void> {
    try {
        await target.scope.clients.sagemaker.send(new UpdateModelPackageCommand(input));
    } catch (err) {
        const e = err as { name?: string; message?: string };
        if (/AccessDenied/i.test(e.name ?? "")) throw new CliError(EXIT.refused, `IAM refused to set ${name} ${what}: ${e.message ?? e.name}`, whoMay);
        throw toCliError(err, { region: target.region, endpointUrl: target.scope.endpointUrl, action: `update model package ${name}` });
    }
}
