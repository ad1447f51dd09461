/**
 * The environment's two approval functions, run here with their real logic and real SDK clients aimed at the
 * sandbox: where the stack's EventBridge rules send an event, `deliver` sends it. Their log lines are kept, not
 * printed, so the walkthrough shows what a person sees (the message, the endpoint, the ledger).
 */
import { handleModelPackageEvent, type DeployResult } from "../../../lambdas/deploy-approved/deploy";
import { handlePendingEvent, type NotifyResult } from "../../../lambdas/notify-approver/notify";
import type { Logger } from "../../../lambdas/shared/log";
import { snsPublisher } from "../../../lambdas/shared/publish";
import { s3ReportReader } from "../../../lambdas/shared/reports";
import type { StateChangeEvent } from "./events";
import type { World } from "./world";

export type Delivery =
    | { readonly function: "notify-approver"; readonly result: NotifyResult }
    | { readonly function: "deploy-approved"; readonly result: DeployResult };

export interface Functions {
    deliver(event: StateChangeEvent): Promise<Delivery | undefined>;
    /** The functions' log lines so far (JSON, as CloudWatch would hold them). */
    readonly logs: string[];
}

export function environmentFunctions(world: World): Functions {
    const logs: string[] = [];
    const logger: Logger = { log: (level, message, fields = {}) => logs.push(JSON.stringify({ level, message, ...fields })) };
    const { sagemaker, dynamodb, s3, ecr, sns } = world.clients;
    const publisher = snsPublisher(sns, world.topicArn);
    const now = () => new Date();
    return {
        logs,
        async deliver(event) {
            const status = event.detail.ModelApprovalStatus;
            // The environment's rules: pending versions to the notifier, decisions to the deploy function.
            if (status === "PendingManualApproval") {
                const result = await handlePendingEvent(event, world.notify, { dynamodb, reports: s3ReportReader(s3), publisher, sagemaker, s3, ecr, logger, now });
                return { function: "notify-approver", result };
            }
            if (status === "Approved" || status === "Rejected") {
                const result = await handleModelPackageEvent(event, world.deploy, { sagemaker, dynamodb, s3, ecr: () => ecr, publisher, logger, now });
                return { function: "deploy-approved", result };
            }
            return undefined;
        },
    };
}

/** One line saying what a function did. Pure. */
export function describeDelivery(delivery: Delivery): string {
    const r = delivery.result;
    switch (r.outcome) {
        case "notified":
            return `${delivery.function}: notified the approvers${r.approvable ? "" : ` (NOT APPROVABLE: ${r.problems.join("; ")})`}`;
        case "deployed":
        case "rolled-back":
            return `${delivery.function}: ${r.outcome} ${r.record.groupName}/${r.record.version} on ${r.record.endpointName} (endpoint config ${r.record.endpointConfigName})`;
        case "pinned":
            return `${delivery.function}: pinned (${r.pinWrite})`;
        case "already-live":
        case "refused":
        case "no-rollback-target":
        case "not-live":
        case "ignored":
        case "duplicate":
            return `${delivery.function}: ${r.outcome}: ${r.reason}`;
    }
}
