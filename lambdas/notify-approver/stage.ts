/**
 * When this environment's approvers are asked, in the promotion layout (docs/approval-events.md, "Stage moments"):
 * - registration (PendingManualApproval, Completed): every environment pins the version's bytes; only the first
 *   stage's approvers are asked, the version awaits no other stage yet;
 * - the previous stage deployed it (ModelLifeCycle {order[i-1], Deployed}, still Approved): stage i's approvers
 *   are asked. Nothing is pinned then (pins are recorded only before approval); the message shows the pins of record.
 * All-in-one (no stage): registration only, as before. Pure, except `awaitingIntegrity` (one ledger read).
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { describeLifecycle, STAGE_STATUS } from "../../policies/lib/approvalStage";
import { readPins } from "../../policies/lib/pinStore";
import type { StageSettings } from "../shared/env";
import type { ModelPackageEvent } from "../shared/events";
import { describeTampering, type RegistrationIntegrity } from "./pinning";

export type NotifyMoment =
    | { readonly kind: "registration"; readonly notify: boolean }
    | { readonly kind: "awaiting"; readonly previous: string }
    | { readonly kind: "none"; readonly reason: string };

export function momentOf(evt: ModelPackageEvent, stage: StageSettings | undefined): NotifyMoment {
    if (evt.approvalStatus === "PendingManualApproval" && evt.packageStatus === "Completed") {
        return { kind: "registration", notify: !stage || stage.order.indexOf(stage.stage) === 0 };
    }
    const i = stage ? stage.order.indexOf(stage.stage) : -1;
    const previous = i > 0 ? stage!.order[i - 1] : undefined;
    if (previous && evt.approvalStatus === "Approved" && evt.lifeCycle?.stage === previous && evt.lifeCycle.stageStatus === STAGE_STATUS.deployed) {
        return { kind: "awaiting", previous };
    }
    const asked = stage
        ? i > 0
            ? `PendingManualApproval/Completed versions (to pin them) and versions deployed to ${previous} (lifecycle {${previous}, ${STAGE_STATUS.deployed}})`
            : "PendingManualApproval/Completed versions"
        : "PendingManualApproval/Completed versions";
    const lifecycle = evt.lifeCycle ? `, lifecycle ${evt.lifeCycle.stage}: ${evt.lifeCycle.stageStatus}` : "";
    return { kind: "none", reason: `${evt.packageArn} is ${evt.approvalStatus}/${evt.packageStatus}${lifecycle}; this environment acts only on ${asked}` };
}

/**
 * Whether the live package still awaits this stage (the event may be late or replayed): still Approved, and its
 * lifecycle still {previous, Deployed}. Undefined when it does; the reason not to ask otherwise.
 */
export function noLongerAwaiting(live: Pick<DescribeModelPackageCommandOutput, "ModelApprovalStatus" | "ModelLifeCycle">, previous: string, packageArn: string): string | undefined {
    const lc = live.ModelLifeCycle;
    if (live.ModelApprovalStatus === "Approved" && lc?.Stage === previous && lc.StageStatus === STAGE_STATUS.deployed) return undefined;
    return `${packageArn} no longer awaits approval after ${previous}: it is ${live.ModelApprovalStatus ?? "of unknown status"}, lifecycle ${describeLifecycle(lc)}`;
}

/** What the approvers of a later stage are told about the bytes: the pins this environment recorded at registration. */
export async function awaitingIntegrity(dynamodb: Pick<DynamoDBClient, "send">, tableName: string, packageArn: string): Promise<RegistrationIntegrity> {
    const stored = await readPins(dynamodb, tableName, packageArn);
    const problems = stored.tampered.map(describeTampering);
    if (stored.pins && !stored.problem) return { pins: stored.pins, pinWrite: "already-pinned", problems, tampered: stored.tampered };
    const why = stored.problem
        ? `the pins of record cannot be read: ${stored.problem}`
        : "this environment has no pins of record for it (it was not pinned at registration), so no deploy here will accept it";
    return { pinWrite: "not-pinned", problems: [...problems, why], tampered: stored.tampered };
}
