/**
 * What a version is made of, as the approver sees it: the artifact pins recorded at registration (deployment
 * ledger), the live check of those bytes now, and any TAMPERED records. `approvals show` displays it and
 * `approvals approve` refuses anything but "intact", so a person approves identified, unchanged bytes, the same
 * ones deploy-approved and the policy pack will let through. See docs/operators-tools.md.
 */
import {
    artifactTargets,
    describePinChanges,
    describePins,
    observeArtifacts,
    verifyPins,
    type Observations,
    type PackagePins,
    type PinChange,
} from "../../policies/lib/artifactPins";
import { isTransientAwsError } from "../../policies/lib/awsErrors";
import { readPins, type StoredPins, type TamperRecord } from "../../policies/lib/pinStore";
import type { Deps, Scope } from "./context";
import { findProjectDir, listStacks, loadEnvironment } from "./environment";
import { CliError, EXIT, toCliError } from "./errors";
import { ledgerTableName } from "./ledger";
import type { PackageDescription } from "./packages";

/**
 * - intact: pinned, no TAMPERED record, every pinned identity seen unchanged now.
 * - changed: the bytes differ from the pins now (overwritten, deleted, tag moved, image gone).
 * - tampered: a TAMPERED record exists (the version is never deployed again, even if the bytes were restored).
 * - not-pinned: no pins, or something the version uses has no identity (a tag without digest, an S3 prefix).
 * - unverified: the pins or the live identities could not be read (throttled, denied, corrupt record).
 */
export type PinState = "intact" | "changed" | "tampered" | "not-pinned" | "unverified";

export interface PinReport {
    /** The ledger table the pins were read from. */
    readonly table: string;
    readonly state: PinState;
    readonly pins?: PackagePins;
    readonly tampered: readonly TamperRecord[];
    /** What differs from the pins now (empty when intact or not checked). */
    readonly changes: readonly PinChange[];
    /** Why it could not be verified, when it could not. */
    readonly problem?: string;
    /** Only transient failures (throttling, timeouts): asking again may succeed. */
    readonly retryable: boolean;
    /** The pin record exists but cannot be read: nothing vouches for the bytes any more. */
    readonly corrupt?: boolean;
    /** One line saying what the state means for the approver. */
    readonly summary: string;
}

const NOT_PINNED_WHY = "it was registered before artifact pinning existed, or pinning failed at registration (the approver's notification says why)";

/** The report from what the ledger holds and what was observed now. Pure. */
export function judgePins(table: string, stored: StoredPins, observed: Observations | { readonly error: string }): PinReport {
    const base = { table, tampered: stored.tampered, ...(stored.pins ? { pins: stored.pins } : {}) };
    const check = stored.pins && !("error" in observed) ? verifyPins(stored.pins, observed) : undefined;
    const changes = check && !check.intact ? check.changes : [];
    if (stored.tampered.length) {
        const records = stored.tampered.map((t) => `${t.recordedAt} (${t.source}): ${t.summary}`).join("; ");
        return { ...base, state: "tampered", changes, retryable: false, summary: `TAMPERED: its bytes were found changed: ${records}` };
    }
    if (stored.problem) return { ...base, state: "unverified", changes, problem: stored.problem, retryable: false, corrupt: true, summary: `could not verify: ${stored.problem}` };
    if (!stored.pins) return { ...base, state: "not-pinned", changes, retryable: false, summary: `not pinned: production will refuse this version (${NOT_PINNED_WHY})` };
    if ("error" in observed) return { ...base, state: "unverified", changes, problem: observed.error, retryable: false, summary: `could not verify: ${observed.error}` };
    if (check!.intact) return { ...base, state: "intact", changes, retryable: false, summary: "intact: the bytes are the ones pinned at registration" };
    const message = describePinChanges(changes);
    if (check!.tampered) return { ...base, state: "changed", changes, retryable: false, summary: `CHANGED since registration: ${message}` };
    if (changes.some((c) => c.what === "unpinned")) {
        return { ...base, state: "not-pinned", changes, retryable: false, summary: `not fully pinned: production will refuse this version: ${message}` };
    }
    return { ...base, state: "unverified", changes, problem: message, retryable: check!.retryable, summary: `could not verify: ${message}` };
}

/**
 * The ledger table holding the version's pins: `--ledger-table`, else the `--env` stack's, else the stack of this
 * project whose model package group is the version's (so `approve <ARN>` needs no --env). Undefined when none fits.
 */
export function pinTable(options: { ledgerTable?: string }, scope: Scope, group: string | undefined, deps: Deps): string | undefined {
    if (options.ledgerTable) return options.ledgerTable;
    if (scope.env) return ledgerTableName(scope.env.name);
    if (!group) return undefined;
    try {
        const dir = deps.projectDir ?? findProjectDir();
        const owners = listStacks(dir).filter((name) => {
            try {
                return loadEnvironment(name, dir).groupName.toLowerCase() === group.toLowerCase();
            } catch {
                return false;
            }
        });
        return owners.length === 1 ? ledgerTableName(owners[0]) : undefined;
    } catch {
        return undefined;
    }
}

/** Reads the pins (one Query) and observes the live identities (one HeadObject per artifact, one BatchGetImage per repository) in parallel. */
export async function inspectPins(scope: Scope, table: string, description: PackageDescription, region: string): Promise<PinReport> {
    const arn = description.ModelPackageArn ?? "";
    const observe = async (): Promise<Observations | { error: string }> => {
        try {
            return await observeArtifacts(scope.clients.s3, scope.clients.ecr, artifactTargets(description), { ecrRegion: region });
        } catch (err) {
            return { error: (err as Error).message };
        }
    };
    const [stored, observed] = await Promise.all([
        readPins(scope.clients.dynamodb, table, arn).catch((err: unknown) => ({ failed: readFailure(err, table, scope, arn), transient: isTransientAwsError(err) })),
        observe(),
    ]);
    if ("failed" in stored) {
        const problem = stored.failed.message;
        return { table, state: "unverified", tampered: [], changes: [], problem, retryable: stored.transient, summary: `could not verify: ${problem}` };
    }
    return judgePins(table, stored, observed);
}

function readFailure(err: unknown, table: string, scope: Scope, arn: string): CliError {
    if ((err as { name?: string })?.name === "ResourceNotFoundException") {
        return new CliError(EXIT.notFound, `the deployment ledger table ${table} does not exist${scope.region ? ` in ${scope.region}` : ""}, so no pins can be read`);
    }
    return toCliError(err, { region: scope.region, endpointUrl: scope.endpointUrl, action: `read the artifact pins of ${arn} from ${table}` });
}

/** The "What you approve" block of `show` and of the approval's confirmation. Pure. */
export function renderPinReport(report: PinReport): string {
    const lines: string[] = [];
    if (report.pins) {
        lines.push(`What you approve (pinned at registration ${report.pins.pinnedAt}; ledger ${report.table}):`);
        lines.push(...describePins(report.pins).map((l) => `  ${l}`));
    } else {
        lines.push(`What you approve: nothing is pinned in ledger ${report.table}.`);
    }
    lines.push(`Checked now: ${report.summary}`);
    return lines.join("\n");
}

/** The pins part of `show --json`. Pure. */
export function pinReportJson(report: PinReport) {
    return {
        table: report.table,
        state: report.state,
        summary: report.summary,
        pinnedAt: report.pins?.pinnedAt ?? null,
        artifacts: report.pins?.artifacts ?? [],
        images: report.pins?.images ?? [],
        changes: report.changes,
        tampered: report.tampered,
        problem: report.problem ?? null,
    };
}

const REREGISTER = "Re-register the version (run its pipeline again, or register the artifacts you trust as a new version): registration pins the bytes as they are then.";

/** Why `approve` must refuse, or undefined when the bytes are intact. Fail closed: everything but "intact" refuses. Pure. */
export function pinRefusal(name: string, report: PinReport): CliError | undefined {
    switch (report.state) {
        case "intact":
            return undefined;
        case "tampered":
            return new CliError(EXIT.refused, `Refused: ${name} is recorded as TAMPERED in ${report.table}: ${report.tampered.map((t) => t.summary).join("; ")}. A version whose bytes changed is never deployed again.`,
                `${REREGISTER} Find out who wrote the artifact or moved the tag first.`);
        case "changed":
            return new CliError(EXIT.refused, `Refused: the bytes of ${name} changed since registration: ${describePinChanges(report.changes)}.`,
                `${REREGISTER} Find out who wrote the artifact or moved the tag first.`);
        case "not-pinned":
            return new CliError(EXIT.refused, report.pins
                ? `Refused: ${name} is not fully pinned, so production would refuse it: ${describePinChanges(report.changes)}.`
                : `Refused: ${name} has no artifact pins in ${report.table}, so nobody can tell whether its bytes are the ones registered; production would refuse it. ${NOT_PINNED_WHY[0].toUpperCase()}${NOT_PINNED_WHY.slice(1)}.`,
                report.pins ? `Reference images by digest (…@sha256:…) and artifacts as S3 objects, then ${REREGISTER[0].toLowerCase()}${REREGISTER.slice(1)}` : REREGISTER);
        case "unverified":
            return new CliError(report.retryable ? EXIT.aws : EXIT.refused, `Refused: could not verify the bytes of ${name} against its pins (${report.problem}). Nothing was changed.`,
                report.retryable ? "Wait a moment and approve again."
                : report.corrupt ? REREGISTER
                : "Approve once they can be checked: you need dynamodb:Query on the ledger, s3:GetObject and s3:ListBucket on the artifacts, ecr:BatchGetImage on the images (pass --env or --ledger-table if the ledger is elsewhere).");
    }
}

/** One word for `pending`: from the ledger alone (one Query per version, no S3 or ECR call). */
export type PinWord = "pinned" | "NOT PINNED" | "TAMPERED" | "unknown";

export async function pinWord(scope: Scope, table: string, packageArn: string): Promise<PinWord> {
    try {
        const stored = await readPins(scope.clients.dynamodb, table, packageArn);
        if (stored.tampered.length) return "TAMPERED";
        if (stored.problem) return "unknown";
        return stored.pins ? "pinned" : "NOT PINNED";
    } catch {
        // pending is a listing: an unreadable ledger shows as unknown here; `show` and `approve` say why.
        return "unknown";
    }
}
