/**
 * The deploy logic: deploy exactly the version named in an Approved event, roll back when the live
 * version is Rejected. Clients are injected; the handler (index.ts) only wires them.
 *
 * Order on purpose: nothing is created before the shared approval rule has re-read the package
 * (events can be stale, replayed or forged), and the ledger is written only with a condition on what
 * was read, so a duplicate or concurrent event cannot deploy twice.
 */
import {
    CreateEndpointCommand,
    CreateEndpointConfigCommand,
    CreateModelCommand,
    DescribeEndpointCommand,
    UpdateEndpointCommand,
    type DescribeEndpointCommandOutput,
    type DescribeModelPackageCommandOutput,
    type SageMakerClient,
    type Tag,
} from "@aws-sdk/client-sagemaker";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
    checkModelPackageApproval,
    describeVerdict,
    ledgerPinReader,
    type ApprovalVerdict,
    type DescribeModelPackageSender,
    type RefusalCause,
} from "../../policies/lib/approvalRule";
import { describePinChanges, type EcrSender, type S3Sender } from "../../policies/lib/artifactPins";
import { recordTampering } from "../../policies/lib/pinStore";
import { MalformedEventError, RetryableError, retryableIfTransient } from "../shared/errors";
import { awsErrorKind } from "../../policies/lib/awsErrors";
import { approverOf, type ModelPackageEvent } from "../shared/events";
import { parseOrReport } from "../shared/malformed";
import {
    currentDeployment,
    LedgerConflictError,
    listDeployments,
    recordDeployment,
    recordOutcome,
    rollbackCandidates,
    type DeploymentRecord,
} from "../shared/ledger";
import { metricLine, type Logger } from "../shared/log";
import { deploymentResourceName } from "../shared/names";
import type { Publisher } from "../shared/publish";
import type { StageSettings } from "../shared/env";
import { approvalsCommand } from "../shared/approvals";
import { approvalTime, staleApprovalReason } from "./stale";
import { markStageDeployed, type StageMark } from "./stageMark";

/** Everything the function is configured with (env vars, read once by index.ts). */
export interface DeploySettings {
    readonly environment: string;
    /** The one group this environment deploys from. */
    readonly groupName: string;
    /** The account whose registry it deploys from (the function's own). */
    readonly registryAccountId: string;
    readonly endpointName: string;
    /** `sagemaker-approval-gate-<env>`: models and endpoint configs are created under it. */
    readonly resourcePrefix: string;
    readonly ledgerTableName: string;
    readonly modelExecutionRoleArn: string;
    readonly instanceType: string;
    readonly initialInstanceCount: number;
    /** CloudWatch alarms that roll a blue/green update back: the stack's own plus endpoint.rollbackAlarmNames. */
    readonly rollbackAlarmNames: readonly string[];
    readonly terminationWaitSeconds: number;
    /**
     * How long after a version's registration (its CreationTime) a missing pin record is waited for (retried)
     * rather than refused: the registration handler pins it within minutes or not at all.
     */
    readonly pinWaitSeconds: number;
    /**
     * Promotion layout: this environment's stage and the stage order (STAGE, STAGE_ORDER). The rule then also asks
     * the Stage question, a stage rejection rolls back, and a deployment marks the stage Deployed. Absent: all-in-one.
     */
    readonly stage?: StageSettings;
    /** Promotion layout with the smoke test on (MARK_DEPLOYED_AFTER_SMOKE_TEST): the Deployed mark waits for its pass. */
    readonly markDeployedAfterSmokeTest?: boolean;
}

export interface DeployDeps {
    readonly sagemaker: Pick<SageMakerClient, "send">;
    readonly dynamodb: DynamoDBClient;
    /** HeadObject of the pinned artifacts. */
    readonly s3: S3Sender;
    /** BatchGetImage of the pinned images: a client per region (images are looked up in their own region). */
    readonly ecr: (region: string) => EcrSender;
    readonly publisher: Publisher;
    readonly logger: Logger;
    readonly now: () => Date;
}

/** `stageMark`: promotion environments only, what became of this stage's Deployed mark (./stageMark.ts). */
export type DeployResult =
    | { readonly outcome: "deployed"; readonly record: DeploymentRecord; readonly stageMark?: StageMark }
    | { readonly outcome: "rolled-back"; readonly record: DeploymentRecord }
    | { readonly outcome: "already-live"; readonly reason: string; readonly stageMark?: StageMark }
    | { readonly outcome: "refused" | "no-rollback-target" | "not-live" | "ignored"; readonly reason: string };

/** SageMaker endpoint states in which an update must wait: retry later. */
export const BUSY_ENDPOINT_STATES = ["Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"] as const;
export const VARIANT_NAME = "AllTraffic";
export const PACKAGE_ARN_TAG = "sagemaker-approval-gate:model-package-arn";

/**
 * Lookup failures worth retrying: throttling, timeouts, and any other failed call (a 5xx, a reset
 * connection). Final: the status was read, the package is not there, or the caller may not read it.
 * A retried event waits in the deploy queue and ends in its DLQ (with an alarm), so an approval is
 * never turned into a refusal by a passing SageMaker fault.
 */
const TRANSIENT_CAUSES: ReadonlySet<RefusalCause> = new Set<RefusalCause>(["throttled", "timed-out", "lookup-failed"]);

/**
 * Decided on the rule's `cause` (and, for bytes that could not be verified, on whether the failed lookups were
 * transient), never on the wording of its reason (which quotes the error's message).
 */
export function isTransientRefusal(verdict: ApprovalVerdict): boolean {
    if (verdict.approved || verdict.cause === undefined) return false;
    return TRANSIENT_CAUSES.has(verdict.cause) || (verdict.cause === "bytes-unverified" && verdict.bytes?.retry === "transient");
}

/**
 * A lookup that failed with an error of no known kind is neither a refusal (that would drop an approval
 * on a fault nobody understood) nor a quiet wait: it is thrown, a function error that alarms, and the
 * queue keeps the message (then its DLQ).
 */
export class UnclassifiedFailureError extends Error {
    override readonly name = "UnclassifiedFailureError";
}

/**
 * The verdict's failure as the error it must become, or undefined when it is a plain refusal. A version with no
 * pin record is waited for while it is young (the registration handler may still be pinning it) and refused after
 * that, so one never-pinned version does not hold the endpoint's FIFO queue until its DLQ.
 */
function lookupFailure({ verdict, description }: Judged, settings: DeploySettings, deps: DeployDeps): Error | undefined {
    if (verdict.approved) return undefined;
    if (isTransientRefusal(verdict)) return new RetryableError(describeVerdict(verdict));
    if (verdict.cause === "unclassified" || (verdict.cause === "bytes-unverified" && verdict.bytes?.retry === "unclassified")) {
        return new UnclassifiedFailureError(describeVerdict(verdict));
    }
    if (verdict.cause === "not-pinned") {
        const created = description?.CreationTime;
        const registered = created === undefined ? NaN : new Date(created).getTime();
        // No registration time: nothing says it is young, so it is refused now rather than waited for.
        const age = Number.isNaN(registered) ? Infinity : (deps.now().getTime() - registered) / 1000;
        if (age < settings.pinWaitSeconds) {
            return new RetryableError(`${describeVerdict(verdict)} (registered ${Math.max(0, Math.round(age))} s ago; waiting up to ${settings.pinWaitSeconds} s for its pins)`);
        }
    }
    return undefined;
}

/**
 * Entry point for one EventBridge event. Throws RetryableError for a wait (busy endpoint, lost ledger race,
 * and any AWS call on the path that failed transiently past the SDK's retries: throttling, a timeout, a 5xx,
 * a reset connection), and every other error as it is (final: a function error, which alarms).
 */
export async function handleModelPackageEvent(event: unknown, settings: DeploySettings, deps: DeployDeps): Promise<DeployResult> {
    try {
        return await decide(event, settings, deps);
    } catch (error) {
        throw retryableIfTransient(error);
    }
}

async function decide(event: unknown, settings: DeploySettings, deps: DeployDeps): Promise<DeployResult> {
    const parsed = await parseOrReport(event, settings.environment, deps);
    if (parsed instanceof MalformedEventError) return { outcome: "ignored", reason: parsed.message };
    if (parsed.groupName.toLowerCase() !== settings.groupName.toLowerCase()) {
        const reason = `the event is about group "${parsed.groupName}", but this environment (${settings.environment}) deploys only from "${settings.groupName}"`;
        return refuse(parsed, reason, settings, deps);
    }
    if (isRejection(parsed, settings)) return rollBackRejected(parsed, settings, deps);
    switch (parsed.approvalStatus) {
        case "Approved":
            return deployApproved(parsed, settings, deps);
        default:
            deps.logger.log("info", `ignored: ${parsed.packageArn} is ${parsed.approvalStatus}; this function acts on Approved and Rejected only`, { eventId: parsed.eventId });
            return { outcome: "ignored", reason: `status ${parsed.approvalStatus}` };
    }
}

/**
 * A rejection to act on: ModelApprovalStatus Rejected (any layout), or this environment's own stage rejected
 * (ModelLifeCycle {S, Rejected}) while the status stays Approved. Another stage's rejection is not ours: the
 * version is still deployable here (it passed this stage), and the rule re-checks that on the deploy path.
 */
export function isRejection(evt: Pick<ModelPackageEvent, "approvalStatus" | "lifeCycle">, settings: { readonly stage?: StageSettings }): boolean {
    if (evt.approvalStatus === "Rejected") return true;
    return settings.stage !== undefined && evt.lifeCycle?.stage === settings.stage.stage && evt.lifeCycle.stageStatus === "Rejected";
}

/** "v3 was rejected" or "v3 was rejected for Production", with the approver's words when the event has them. */
function rejectionText(evt: ModelPackageEvent): string {
    const byStage = evt.approvalStatus !== "Rejected" && evt.lifeCycle;
    const words = byStage ? evt.lifeCycle!.stageDescription : evt.approvalDescription;
    return `${evt.groupName} v${evt.version} was rejected${byStage ? ` for ${evt.lifeCycle!.stage}` : ""}${words ? ` ("${words}")` : ""}`;
}

interface Judged {
    readonly verdict: ApprovalVerdict;
    readonly description?: DescribeModelPackageCommandOutput;
}

/**
 * Runs the shared approval rule once and keeps the DescribeModelPackage answer (who approved, metrics, when it was
 * registered). `bytes`: also ask whether its artifacts and images are still the pinned ones (everything that is
 * about to be deployed); a rejection is confirmed on its status alone.
 */
async function judge(arn: string, settings: DeploySettings, deps: DeployDeps, bytes: boolean): Promise<Judged> {
    let description: DescribeModelPackageCommandOutput | undefined;
    const capturing: DescribeModelPackageSender = {
        send: async (command, options) => {
            description = await deps.sagemaker.send(command, options);
            return description;
        },
    };
    const verdict = await checkModelPackageApproval(capturing, arn, {
        allowedGroups: [settings.groupName],
        allowedAccounts: [settings.registryAccountId],
        ...(settings.stage ? { stage: settings.stage } : {}),
        ...(bytes ? { pins: { readPins: ledgerPinReader(deps.dynamodb, settings.ledgerTableName), s3: deps.s3, ecr: deps.ecr } } : {}),
    });
    return { verdict, description };
}

/** Tampering this check found first goes into the ledger (TAMPERED), so the version is never deployed again. */
async function recordFinding(verdict: ApprovalVerdict, eventId: string, deps: DeployDeps, settings: DeploySettings): Promise<void> {
    if (verdict.approved || !verdict.bytes?.unrecorded) return;
    await recordTampering(deps.dynamodb, settings.ledgerTableName, {
        packageArn: verdict.packageArn,
        recordedAt: deps.now().toISOString(),
        eventId,
        source: "deploy",
        changes: verdict.bytes.changes,
        summary: describePinChanges(verdict.bytes.changes),
    });
}

async function deployApproved(evt: ModelPackageEvent, settings: DeploySettings, deps: DeployDeps): Promise<DeployResult> {
    const judged = await judge(evt.packageArn, settings, deps, true);
    const { verdict, description } = judged;
    if (!verdict.approved) {
        const failure = lookupFailure(judged, settings, deps);
        if (failure) throw failure;
        return refuse(evt, describeVerdict(verdict), settings, deps, verdict);
    }
    // Independent reads, side by side: what the ledger says is live, and what the endpoint runs.
    const [current, endpoint] = await Promise.all([
        currentDeployment(deps.dynamodb, settings.ledgerTableName, settings.endpointName),
        describeEndpoint(deps, settings.endpointName),
    ]);
    // "Already live" needs an endpoint: if someone deleted it, the approved version is deployed again.
    if (current && endpoint && current.packageArn.toLowerCase() === evt.packageArn.toLowerCase()) {
        const reason = `${evt.packageArn} is already live on ${settings.endpointName} (event ${current.eventId}); duplicate event ${evt.eventId} ignored`;
        deps.logger.log("info", reason, { eventId: evt.eventId });
        // A redelivery after the rollout (waiting for InService, or after a failed mark) finishes the stage's mark.
        const stageMark = await markStageDeployed(current, endpoint, settings, deps);
        return { outcome: "already-live", reason, ...(stageMark ? { stageMark } : {}) };
    }
    const approvedAt = approvalTime(evt, description);
    const stale = staleApprovalReason(evt, approvedAt, current, settings);
    if (stale) return refuse(evt, stale, settings, deps);
    const record = await rollOut(
        {
            kind: "deploy",
            outcome: "deployed",
            packageArn: evt.packageArn,
            version: evt.version,
            groupName: verdict.groupName,
            eventId: evt.eventId,
            reason: verdict.reason,
            approvedAt,
            approvedBy: approverOf(description?.LastModifiedBy) ?? evt.lastModifiedBy,
            approvalDescription: description?.ApprovalDescription ?? evt.approvalDescription,
            metricsS3Uri: description?.ModelMetrics?.ModelQuality?.Statistics?.S3Uri ?? evt.metricsS3Uri,
        },
        current,
        endpoint,
        settings,
        deps,
        (started) => publishDeployed(evt, started, driftNote(current, endpoint), settings, deps),
    );
    const stageMark = settings.stage ? await markStageDeployed(record, await describeEndpoint(deps, settings.endpointName), settings, deps) : undefined;
    return { outcome: "deployed", record, ...(stageMark ? { stageMark } : {}) };
}

function publishDeployed(evt: ModelPackageEvent, record: DeploymentRecord, drift: string | undefined, settings: DeploySettings, deps: DeployDeps): Promise<void> {
    return deps.publisher.publish(
        `[${settings.environment}] Deploying ${evt.groupName} v${evt.version} to ${settings.endpointName}`,
        [
            `Deployment started: ${evt.groupName} version ${evt.version} → endpoint ${settings.endpointName} (${settings.environment}).`,
            `Package: ${evt.packageArn}`,
            `Approved by: ${record.approvedBy ?? "not reported by SageMaker"}${record.approvalDescription ? ` — "${record.approvalDescription}"` : ""}`,
            `Replaces: ${describeReplaced(record)}`,
            drift,
            `Endpoint config: ${record.endpointConfigName} (blue/green; rolls back automatically on alarms ${settings.rollbackAlarmNames.join(", ") || "none"})`,
            `Event: ${evt.eventId}`,
        ].filter((line) => line !== undefined).join("\n"),
    );
}

async function rollBackRejected(evt: ModelPackageEvent, settings: DeploySettings, deps: DeployDeps): Promise<DeployResult> {
    // A Rejected event is trusted only if the package really is Rejected now (not stale, not forged).
    const judged = await judge(evt.packageArn, settings, deps, false);
    const { verdict } = judged;
    if (verdict.approved) {
        const now = settings.stage ? `deployable for ${settings.stage.stage} now (${verdict.reason})` : "Approved now";
        const reason = `the event says ${evt.packageArn} was Rejected, but it is ${now} (a stale or forged event); nothing rolled back`;
        deps.logger.log("warn", reason, { eventId: evt.eventId });
        // Approvers got a "rejected" notice from the rule itself; tell them it did not hold.
        await deps.publisher.publish(`[${settings.environment}] Ignored a rejection of ${evt.groupName} v${evt.version}: it is Approved now`, `${reason}.\nEvent: ${evt.eventId}`);
        return { outcome: "ignored", reason };
    }
    if (!verdict.verified) {
        const failure = lookupFailure(judged, settings, deps);
        if (failure) throw failure;
        return refuse(evt, `cannot confirm the rejection, so nothing was rolled back: ${verdict.reason}`, settings, deps);
    }
    // Rejected now: its status, or (promotion) this very stage; a version merely not yet approved for it is no rejection.
    if (verdict.status !== "Rejected" && verdict.cause !== "stage-rejected") {
        const reason = `the event says Rejected but ${evt.packageArn} is ${verdict.status} now${verdict.cause === undefined ? "" : ` (${verdict.reason})`}; nothing rolled back`;
        deps.logger.log("warn", reason, { eventId: evt.eventId });
        return { outcome: "ignored", reason };
    }
    const [current, history, endpoint] = await Promise.all([
        currentDeployment(deps.dynamodb, settings.ledgerTableName, settings.endpointName),
        // Only what went live: refusals in between must not push the previous versions out of the window.
        listDeployments(deps.dynamodb, settings.ledgerTableName, settings.endpointName, 50, ["deployed", "rolled-back"]),
        describeEndpoint(deps, settings.endpointName),
    ]);
    if (!current || current.packageArn.toLowerCase() !== evt.packageArn.toLowerCase()) {
        const reason = `${evt.packageArn} was rejected but is not live on ${settings.endpointName} (live: ${current?.packageArn ?? "nothing"}); nothing to roll back`;
        deps.logger.log("info", reason, { eventId: evt.eventId });
        return { outcome: "not-live", reason };
    }
    const skipped: string[] = [];
    for (const candidate of rollbackCandidates(history, evt.packageArn)) {
        const check = await judge(candidate.packageArn, settings, deps, true);
        // Skipping a candidate SageMaker could not answer for would roll back further than it should.
        const failure = lookupFailure(check, settings, deps);
        if (failure) throw failure;
        if (!check.verdict.approved) {
            // A candidate whose bytes changed is skipped like a rejected one, and recorded so it never comes back.
            await recordFinding(check.verdict, evt.eventId, deps, settings);
            skipped.push(describeVerdict(check.verdict));
            continue;
        }
        const record = await rollOut(
            {
                kind: "rollback",
                outcome: "rolled-back",
                packageArn: candidate.packageArn,
                version: check.verdict.version ?? candidate.version,
                groupName: check.verdict.groupName,
                eventId: evt.eventId,
                reason: `rollback: ${rejectionText(evt)}`,
                // The version rolled back to keeps its own approval time: an older approval still does not replace it.
                approvedAt: candidate.approvedAt ?? check.description?.LastModifiedTime?.toISOString() ?? candidate.deployedAt,
                approvedBy: approverOf(check.description?.LastModifiedBy) ?? candidate.approvedBy,
                approvalDescription: check.description?.ApprovalDescription ?? candidate.approvalDescription,
                metricsS3Uri: check.description?.ModelMetrics?.ModelQuality?.Statistics?.S3Uri ?? candidate.metricsS3Uri,
            },
            current,
            endpoint,
            settings,
            deps,
            (started) => publishRolledBack(evt, started, skipped, settings, deps),
        );
        return { outcome: "rolled-back", record };
    }
    const reason =
        `NO ROLLBACK TARGET: the live version ${evt.packageArn} on ${settings.endpointName} was rejected, and the ledger has no earlier version that is still Approved` +
        `${skipped.length ? ` (not deployable: ${skipped.join("; ")})` : ""}. The rejected version is STILL SERVING. ` +
        `Fix: approve a good version (${approvalsCommand("approve", { groupName: evt.groupName, version: undefined }, settings)}) or delete the endpoint.`;
    deps.logger.log("error", reason, { eventId: evt.eventId });
    // Straight to stdout: the runtime would prefix a console.log line, and CloudWatch reads EMF only from pure JSON lines.
    process.stdout.write(`${metricLine("NoRollbackTarget", settings.environment)}\n`);
    await recordOutcome(deps.dynamodb, settings.ledgerTableName, unchangedRecord(evt, "no-rollback-target", reason, settings, deps));
    await deps.publisher.publish(`[${settings.environment}] ACTION NEEDED: rejected v${evt.version} is live and there is no version to roll back to`, reason);
    return { outcome: "no-rollback-target", reason };
}

function publishRolledBack(evt: ModelPackageEvent, record: DeploymentRecord, skipped: readonly string[], settings: DeploySettings, deps: DeployDeps): Promise<void> {
    return deps.publisher.publish(
        `[${settings.environment}] Rolled back ${settings.endpointName} to v${record.version}`,
        [
            `The live version: ${rejectionText(evt)}; ${settings.endpointName} is rolling back (blue/green) to version ${record.version}.`,
            `Rejected: ${evt.packageArn}`,
            `Rolled back to: ${record.packageArn} (re-checked: Approved${settings.stage ? ` and deployable for ${settings.stage.stage}` : ""})`,
            skipped.length ? `Skipped, not deployable: \n  ${skipped.join("\n  ")}` : undefined,
            `Endpoint config: ${record.endpointConfigName}`,
            `Event: ${evt.eventId}`,
        ].filter((line) => line !== undefined).join("\n"),
    );
}

type Intent = Omit<DeploymentRecord, "endpointName" | "deployedAt" | "endpointConfigName" | "modelName" | "replaced">;

/**
 * Creates the model and endpoint config for `intent.packageArn` and starts the endpoint deployment,
 * announces it, then records it. Safe to re-run for the same event: names are derived from package +
 * event, an "already exists" is accepted, and an endpoint already on our config is not updated again.
 * The announcement comes before the ledger write on purpose: once the ledger says the version is live,
 * a retry ends as "already live", so a notice that failed after the write would be lost for good.
 */
async function rollOut(
    intent: Intent,
    current: DeploymentRecord | undefined,
    endpoint: DescribeEndpointCommandOutput | undefined,
    settings: DeploySettings,
    deps: DeployDeps,
    announce: (record: DeploymentRecord) => Promise<void>,
): Promise<DeploymentRecord> {
    if (endpoint && (BUSY_ENDPOINT_STATES as readonly string[]).includes(endpoint.EndpointStatus ?? "")) {
        throw new RetryableError(`endpoint ${settings.endpointName} is ${endpoint.EndpointStatus}; one deployment at a time, retrying later`);
    }
    if (endpoint && endpoint.EndpointStatus !== "InService") {
        throw new RetryableError(
            `endpoint ${settings.endpointName} is ${endpoint.EndpointStatus} (${endpoint.FailureReason ?? "no reason given"}); it cannot be updated. ` +
                `Fix: aws sagemaker delete-endpoint --endpoint-name ${settings.endpointName}, then redrive this event from the DLQ`,
        );
    }
    const name = deploymentResourceName(settings.resourcePrefix, intent.version ?? 0, intent.packageArn, intent.eventId);
    const tags: Tag[] = [
        { Key: PACKAGE_ARN_TAG, Value: intent.packageArn },
        { Key: "sagemaker-approval-gate:event-id", Value: intent.eventId },
        { Key: "project", Value: "sagemaker-approval-gate" },
        { Key: "environment", Value: settings.environment },
    ];
    if (endpoint?.EndpointConfigName !== name) {
        await ignoreAlreadyExists(() =>
            deps.sagemaker.send(
                new CreateModelCommand({
                    ModelName: name,
                    ExecutionRoleArn: settings.modelExecutionRoleArn,
                    // The package, never its image or model data URL: SageMaker resolves both from the approved version.
                    PrimaryContainer: { ModelPackageName: intent.packageArn },
                    Tags: tags,
                }),
            ),
        );
        await ignoreAlreadyExists(() =>
            deps.sagemaker.send(
                new CreateEndpointConfigCommand({
                    EndpointConfigName: name,
                    ProductionVariants: [
                        { VariantName: VARIANT_NAME, ModelName: name, InstanceType: settings.instanceType as never, InitialInstanceCount: settings.initialInstanceCount },
                    ],
                    Tags: tags,
                }),
            ),
        );
        if (!endpoint) {
            await deps.sagemaker.send(new CreateEndpointCommand({ EndpointName: settings.endpointName, EndpointConfigName: name, Tags: tags.slice(2) }));
        } else {
            try {
                await deps.sagemaker.send(
                    new UpdateEndpointCommand({ EndpointName: settings.endpointName, EndpointConfigName: name, DeploymentConfig: deploymentConfig(settings) }),
                );
            } catch (error) {
                throw await busyOr(error, settings, deps);
            }
        }
    }
    const record: DeploymentRecord = {
        ...intent,
        endpointName: settings.endpointName,
        endpointConfigName: name,
        modelName: name,
        deployedAt: deps.now().toISOString(),
        replaced: current || endpoint?.EndpointConfigName
            ? { packageArn: current?.packageArn, version: current?.version, endpointConfigName: endpoint?.EndpointConfigName ?? current?.endpointConfigName }
            : undefined,
    };
    await announce(record);
    try {
        await recordDeployment(deps.dynamodb, settings.ledgerTableName, record, current?.eventId);
    } catch (error) {
        if (error instanceof LedgerConflictError) throw new RetryableError(error.message);
        throw error;
    }
    return record;
}

/** Time the new fleet gets to come up, on top of the waits, before SageMaker calls the deployment failed. */
export const PROVISIONING_ALLOWANCE_SECONDS = 3600;

/**
 * Blue/green, all at once, baked behind the rollback alarms for terminationWaitSeconds. Pure.
 *
 * The bake is both the baking period (`WaitIntervalInSeconds`, when SageMaker's guardrails docs say the
 * alarms are watched after the traffic shift) and the wait before the old fleet is terminated
 * (`TerminationWaitInSeconds`, which the docs' all-at-once example uses). With a baking period of 0 the
 * alarms could have no window at all, and the automatic rollback would never fire. The execution
 * timeout must exceed both waits (API reference), so it is set explicitly (600 to 28800 s).
 */
export function deploymentConfig(settings: Pick<DeploySettings, "rollbackAlarmNames" | "terminationWaitSeconds">) {
    const bake = settings.terminationWaitSeconds;
    return {
        BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: { Type: "ALL_AT_ONCE" as const, WaitIntervalInSeconds: bake },
            TerminationWaitInSeconds: bake,
            MaximumExecutionTimeoutInSeconds: Math.min(28_800, Math.max(600, 2 * bake + PROVISIONING_ALLOWANCE_SECONDS)),
        },
        AutoRollbackConfiguration: settings.rollbackAlarmNames.length
            ? { Alarms: settings.rollbackAlarmNames.map((AlarmName) => ({ AlarmName })) }
            : undefined,
    };
}

/**
 * SageMaker rejects an update of an endpoint that another update made busy (a race after our describe) with
 * a ValidationException, like any other invalid update. Which one it was is read from the endpoint's state,
 * not from the message: busy now → wait (RetryableError); otherwise the error stands (final).
 */
async function busyOr(error: unknown, settings: DeploySettings, deps: DeployDeps): Promise<unknown> {
    if (awsErrorKind(error) !== "invalid") return error;
    const now = await describeEndpoint(deps, settings.endpointName);
    if (now && (BUSY_ENDPOINT_STATES as readonly string[]).includes(now.EndpointStatus ?? "")) {
        return new RetryableError(`endpoint ${settings.endpointName} became ${now.EndpointStatus} while this update started; one deployment at a time, retrying later`, { cause: error });
    }
    return error;
}

/** Undefined when there is no endpoint: SageMaker answers DescribeEndpoint for a missing one with ValidationException (our name is well-formed). */
async function describeEndpoint(deps: DeployDeps, endpointName: string): Promise<DescribeEndpointCommandOutput | undefined> {
    try {
        return await deps.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    } catch (error) {
        const kind = awsErrorKind(error);
        if (kind === "invalid" || kind === "not-found") return undefined;
        throw error;
    }
}

async function ignoreAlreadyExists(create: () => Promise<unknown>): Promise<void> {
    try {
        await create();
    } catch (error) {
        if (/already exist/i.test((error as Error).message ?? "")) return;
        throw error;
    }
}

/**
 * When the endpoint runs another config than the ledger's CURRENT, something changed it behind the ledger's
 * back: most often SageMaker's automatic rollback of a blue/green update on an alarm. Say so. Pure.
 */
export function driftNote(current: DeploymentRecord | undefined, endpoint: DescribeEndpointCommandOutput | undefined): string | undefined {
    if (!current?.endpointConfigName || !endpoint?.EndpointConfigName || current.endpointConfigName === endpoint.EndpointConfigName) return undefined;
    return (
        `Note: the endpoint was running ${endpoint.EndpointConfigName}, not ${current.endpointConfigName} (v${current.version ?? "?"}) as the ledger says; ` +
        "most likely an automatic rollback on an alarm. Check the endpoint's events before trusting what was live."
    );
}

function describeReplaced(record: DeploymentRecord): string {
    if (!record.replaced) return "nothing (new endpoint)";
    const version = record.replaced.version !== undefined ? `v${record.replaced.version} ` : "";
    return `${version}${record.replaced.packageArn ?? ""} (config ${record.replaced.endpointConfigName ?? "unknown"})`.trim();
}

/** The ledger's history item for a decision that left the endpoint as it was (refusal, no rollback target). */
function unchangedRecord(
    evt: ModelPackageEvent,
    outcome: "refused" | "no-rollback-target",
    reason: string,
    settings: DeploySettings,
    deps: DeployDeps,
): DeploymentRecord {
    return {
        endpointName: settings.endpointName,
        packageArn: evt.packageArn,
        groupName: evt.groupName,
        version: evt.version,
        deployedAt: deps.now().toISOString(),
        eventId: evt.eventId,
        kind: isRejection(evt, settings) ? "rollback" : "deploy",
        outcome,
        reason,
    };
}

async function refuse(evt: ModelPackageEvent, reason: string, settings: DeploySettings, deps: DeployDeps, verdict?: ApprovalVerdict): Promise<DeployResult> {
    deps.logger.log("warn", `refused: ${reason}`, { eventId: evt.eventId, packageArn: evt.packageArn, ...(verdict && !verdict.approved ? { cause: verdict.cause } : {}) });
    const tampered = verdict !== undefined && !verdict.approved && verdict.bytes?.tampered === true;
    // Independent: the tamper record, the audit record and the notice go out side by side.
    await Promise.all([
        verdict ? recordFinding(verdict, evt.eventId, deps, settings) : undefined,
        recordOutcome(deps.dynamodb, settings.ledgerTableName, unchangedRecord(evt, "refused", reason, settings, deps)),
        deps.publisher.publish(
            `[${settings.environment}] Refused to deploy ${evt.groupName} v${evt.version}${tampered ? ": ITS BYTES CHANGED since approval" : ""}`,
            [
                `Nothing was deployed to ${settings.endpointName}.`,
                `Why: ${reason}`,
                tampered ? "This version is never deployed again (recorded in the ledger as TAMPERED). Find out who wrote the artifact or moved the tag (CloudTrail)." : undefined,
                `Package: ${evt.packageArn}`,
                `Event: ${evt.eventId}`,
            ].filter((line) => line !== undefined).join("\n"),
        ),
    ]);
    return { outcome: "refused", reason };
}
