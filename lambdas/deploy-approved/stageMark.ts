/**
 * After a deployment in a promotion environment: mark its stage Deployed on the version in the registry
 * (ModelLifeCycle {S, Deployed}, planStageChange "deployed"), which is what lets the next stage's approvers
 * approve it. Cross-account: an UpdateModelPackage on the registry's ARN, admitted by the group's resource
 * policy only for this stage and Deployed.
 *
 * Marked only once the endpoint is InService on this deployment's config: a blue/green update that SageMaker
 * rolled back on an alarm never made it to Deployed. Until then the message waits (RetryableError: the deploy
 * queue redelivers it, and the redelivery finds the version live and comes back here). Every other outcome is
 * said: a failure that is not transient is thrown as it is (function error, alarm, then the DLQ), a deployment
 * that did not hold is published, a version that needs no mark is logged. Idempotent: a second mark is "already".
 * With the smoke test on, the mark also waits for this deployment's smoke test to pass (./smokeGate.ts).
 */
import {
    DescribeModelPackageCommand,
    UpdateModelPackageCommand,
    type DescribeEndpointCommandOutput,
    type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { planStageChange, STAGE_STATUS } from "../../policies/lib/approvalStage";
import { awsErrorKind, describeAwsError, isTransientKind } from "../../policies/lib/awsErrors";
import { RetryableError } from "../shared/errors";
import type { StageSettings } from "../shared/env";
import type { Logger } from "../shared/log";
import type { Publisher } from "../shared/publish";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { smokeGate } from "./smokeGate";

export interface StageMarkSettings {
    readonly environment: string;
    readonly endpointName: string;
    readonly stage?: StageSettings;
    readonly ledgerTableName: string;
    /** The smoke test runs here: mark only after it passed on this deployment (./smokeGate.ts). Defaults to false. */
    readonly markDeployedAfterSmokeTest?: boolean;
}

export interface StageMarkDeps {
    readonly sagemaker: Pick<SageMakerClient, "send">;
    readonly dynamodb: Pick<DynamoDBClient, "send">;
    readonly publisher: Publisher;
    readonly logger: Logger;
    readonly now: () => Date;
}

export interface StageMark {
    /**
     * marked: written now; already: it was; not-needed: the version is past this stage or no longer deployable here;
     * not-held: the endpoint runs another config; smoke-failed / smoke-not-run: never marked (./smokeGate.ts).
     */
    readonly outcome: "marked" | "already" | "not-needed" | "not-held" | "smoke-failed" | "smoke-not-run";
    readonly reason: string;
}

/** Endpoint states in which a deployment is still going on. */
const IN_PROGRESS = new Set(["Creating", "Updating", "SystemUpdating", "RollingBack"]);

/** A mark that cannot succeed by waiting (access denied, an invalid update, a failed endpoint): thrown as it is. */
export class StageMarkError extends Error {
    override readonly name = "StageMarkError";
}

/** The identity written into the version's stage history for marks made by this function. */
export function markedBy(environment: string): string {
    return `deploy-approved@${environment}`;
}

export async function markStageDeployed(
    deployed: { readonly packageArn: string; readonly version?: number; readonly endpointConfigName?: string },
    endpoint: DescribeEndpointCommandOutput | undefined,
    settings: StageMarkSettings,
    deps: StageMarkDeps,
): Promise<StageMark | undefined> {
    const ctx = settings.stage;
    if (!ctx) return undefined;
    const S = ctx.stage;
    const what = `${deployed.packageArn} on ${settings.endpointName}`;
    if (!endpoint) throw new RetryableError(`${what}: the endpoint is gone before ${S} could be marked Deployed; the redelivered event deploys it again`);
    const status = endpoint.EndpointStatus ?? "unknown";
    if (IN_PROGRESS.has(status)) throw new RetryableError(`${what} is rolling out (endpoint ${status}); ${S} is marked Deployed once it is InService on ${deployed.endpointConfigName}`);
    if (status !== "InService") {
        throw new StageMarkError(`${what}: the endpoint is ${status} (${endpoint.FailureReason ?? "no reason given"}), so ${S} is NOT marked Deployed. Fix the endpoint, then redrive this event from the DLQ`);
    }
    if (endpoint.EndpointConfigName !== deployed.endpointConfigName) {
        const reason = `the endpoint runs ${endpoint.EndpointConfigName ?? "no config"}, not ${deployed.endpointConfigName} (most likely SageMaker rolled the update back on an alarm); ${S} is NOT marked Deployed`;
        deps.logger.log("warn", `${what}: ${reason}`);
        await deps.publisher.publish(`[${settings.environment}] v${deployed.version ?? "?"} did not stay live: ${S} not marked Deployed`, `${what}: ${reason}. Check the endpoint's events and alarms.`);
        return { outcome: "not-held", reason };
    }
    if (settings.markDeployedAfterSmokeTest) {
        const gate = await smokeGate(deployed, S, { dynamodb: deps.dynamodb, tableName: settings.ledgerTableName }, deps.logger);
        if (gate) return gate;
    }
    // Read again right before writing: the narrower the gap, the less a concurrent rejection can be overwritten.
    const described = await sagemakerCall(() => deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: deployed.packageArn })), `DescribeModelPackage ${deployed.packageArn}`);
    const plan = planStageChange(
        described.ModelLifeCycle,
        described.ModelApprovalStatus,
        "deployed",
        ctx,
        { at: deps.now(), by: markedBy(settings.environment), comment: `deployed to ${settings.endpointName} (${deployed.endpointConfigName})` },
        described.CustomerMetadataProperties,
    );
    if (!plan.ok) {
        const outcome = plan.already ? "already" : "not-needed";
        deps.logger.log(plan.already ? "info" : "warn", `${S} not marked ${STAGE_STATUS.deployed} for ${deployed.packageArn}: ${plan.reason}`);
        return { outcome, reason: plan.reason };
    }
    await sagemakerCall(
        () => deps.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: deployed.packageArn, ...plan.update })),
        `UpdateModelPackage ${deployed.packageArn} (ModelLifeCycle {${S}, ${STAGE_STATUS.deployed}})`,
        `the registry's group policy and this function's role must allow sagemaker:UpdateModelPackage with ModelLifeCycle {${S}, ${STAGE_STATUS.deployed}}`,
    );
    const reason = `${S} marked ${STAGE_STATUS.deployed} for ${deployed.packageArn}`;
    deps.logger.log("info", reason);
    return { outcome: "marked", reason };
}

/** Transient failures are rethrown as they are (the handler makes them a RetryableError); anything else says what failed and how to fix it. */
async function sagemakerCall<T>(call: () => Promise<T>, what: string, fix?: string): Promise<T> {
    try {
        return await call();
    } catch (error) {
        const kind = awsErrorKind(error);
        if (isTransientKind(kind)) throw error;
        const hint = kind === "access-denied" && fix ? `; ${fix}` : "";
        throw new StageMarkError(`${what} failed (${describeAwsError(error)})${hint}; the stage is NOT marked Deployed and this event is retried until its DLQ`, { cause: error });
    }
}
