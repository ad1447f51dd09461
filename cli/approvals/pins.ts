/**
 * What a version is made of, as the approver sees it: the artifact pins recorded at registration (deployment
 * ledger), the approval rule's Bytes answer now (approvalBytes.ts: the same pins observed, the same causes and
 * words as deploy-approved and the policy pack), and any TAMPERED records. `approvals show` displays it and
 * `approvals approve` refuses anything but "intact", so a person approves identified, unchanged bytes, the same
 * ones deploy-approved and the policy pack will let through. See docs/operators-tools.md.
 */
import { describePins, type PackagePins, type PinChange } from "../../policies/lib/artifactPins";
import { checkApprovedBytes, type BytesAnswer, type PinsContext } from "../../policies/lib/approvalRule";
import { readPins, type StoredPins, type TamperRecord } from "../../policies/lib/pinStore";
import type { Deps, Scope } from "./context";
import { findProjectDir, listStacks, loadEnvironment } from "./environment";
import { CliError, EXIT } from "./errors";
import { ledgerTableName } from "./ledger";
import type { PackageDescription } from "./packages";

/**
 * The rule's causes, in the approver's words:
 * - intact: pinned, no TAMPERED record, every pinned identity seen unchanged now.
 * - changed (`bytes-changed`, found now): the bytes differ from the pins (overwritten, deleted, tag moved, image gone).
 * - tampered (`bytes-changed`, recorded): a TAMPERED record exists (never deployed again, even if the bytes were restored).
 * - not-pinned (`not-pinned`, `bytes-unpinned`): no pins, or something the version uses has no identity.
 * - unverified (`bytes-unverified`): the pins or the live identities could not be read (throttled, denied, corrupt record).
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
    /** The approval rule's reason for refusing it, the words deploy-approved and the policy pack use; absent when intact. */
    readonly reason?: string;
    /** Why it could not be verified, when it could not (the rule's reason). */
    readonly problem?: string;
    /** Only transient failures (throttling, timeouts): asking again may succeed. */
    readonly retryable: boolean;
    /** The pin record exists but cannot be read: nothing vouches for the bytes any more. */
    readonly corrupt?: boolean;
    /** One line saying what the state means for the approver. */
    readonly summary: string;
}

/**
 * The report from the rule's answer and what the ledger held (`stored`, undefined when it could not be read),
 * kept for what the approver is shown: the pinned identities and the TAMPERED records. Pure.
 */
export function pinReport(table: string, answer: BytesAnswer, stored: StoredPins | undefined): PinReport {
    const pins = answer.intact ? answer.pins : stored?.pins;
    const base = { table, tampered: stored?.tampered ?? [], retryable: false, ...(pins ? { pins } : {}) };
    if (answer.intact) return { ...base, state: "intact", changes: [], summary: "intact: the bytes are the ones pinned at registration" };
    const { cause, reason, finding } = answer;
    const refused = { ...base, tampered: finding.recorded.length ? finding.recorded : base.tampered, changes: finding.changes, reason };
    switch (cause) {
        case "bytes-changed":
            return finding.recorded.length ? { ...refused, state: "tampered", summary: `TAMPERED: ${reason}` } : { ...refused, state: "changed", summary: `CHANGED: ${reason}` };
        case "not-pinned":
        case "bytes-unpinned":
            return { ...refused, state: "not-pinned", summary: `not pinned: production will refuse this version: ${reason}` };
        case "bytes-unverified":
            return {
                ...refused,
                state: "unverified",
                problem: reason,
                retryable: finding.retry === "transient",
                ...(stored?.problem ? { corrupt: true } : {}),
                summary: `could not verify: ${reason}`,
            };
    }
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

/**
 * The approval rule's Bytes question for this version, whatever its status: the pin read (one Query), then the
 * pinned artifacts and images observed (one HeadObject per artifact, one BatchGetImage per repository, in parallel).
 */
export async function inspectPins(scope: Scope, table: string, description: PackageDescription, region: string): Promise<PinReport> {
    let stored: Promise<StoredPins> | undefined;
    const ctx: PinsContext = {
        readPins: (packageArn) => (stored = readPins(scope.clients.dynamodb, table, packageArn)),
        s3: scope.clients.s3,
        ecr: scope.clients.ecr,
        ecrRegion: region,
    };
    const answer = await checkApprovedBytes(ctx, description.ModelPackageArn ?? "", description);
    // The same read the rule judged (its failure is already in the answer).
    return pinReport(table, answer, await stored?.catch(() => undefined));
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
        reason: report.reason ?? null,
    };
}

const REREGISTER = "Re-register the version (run its pipeline again, or register the artifacts you trust as a new version): registration pins the bytes as they are then.";

/** Why `approve` must refuse, or undefined when the bytes are intact: the rule's reason. Fail closed: everything but "intact" refuses. Pure. */
export function pinRefusal(name: string, report: PinReport): CliError | undefined {
    if (report.state === "intact") return undefined;
    const refused = `Refused: ${name} is not deployable: ${report.reason}.`;
    switch (report.state) {
        case "tampered":
            return new CliError(EXIT.refused, refused, `It is recorded as TAMPERED in ${report.table}. ${REREGISTER} Find out who wrote the artifact or moved the tag first.`);
        case "changed":
            return new CliError(EXIT.refused, refused, `${REREGISTER} Find out who wrote the artifact or moved the tag first.`);
        case "not-pinned":
            return new CliError(EXIT.refused, refused, report.pins
                ? `Reference images by digest (…@sha256:…) and artifacts as S3 objects, then ${REREGISTER[0].toLowerCase()}${REREGISTER.slice(1)}`
                : `${REREGISTER} (The pins were looked up in ${report.table}; if the version belongs to another environment, pass its --env or --ledger-table.)`);
        case "unverified":
            return new CliError(report.retryable ? EXIT.aws : EXIT.refused, `${refused} Nothing was changed.`,
                report.retryable ? "Wait a moment and approve again."
                : report.corrupt ? REREGISTER
                : `Approve once they can be checked: you need dynamodb:Query on the ledger (${report.table}), s3:GetObject and s3:ListBucket on the artifacts, ecr:BatchGetImage on the images (pass --env or --ledger-table if the ledger is elsewhere).`);
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
