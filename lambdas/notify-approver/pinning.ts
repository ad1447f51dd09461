/**
 * Pin at registration (issue 9 item 1; docs/artifact-integrity.md "Pinning at registration"): before approvers are
 * asked, record what the version is made of, read from the live package (never the event's copy: an event's detail
 * is whatever its sender wrote) and from S3 and ECR as they are now.
 *
 * - A transient failure (throttled, timed out, 5xx) throws `TransientPinningError`: nothing is pinned, nothing is
 *   sent, and Lambda's async retry (then the function's DLQ) keeps the event.
 * - Anything final (unpinned image, prefix artifact, access denied, a package that disagrees with what is there, a
 *   version already TAMPERED) is a problem: the approvers are still told, and told that production will refuse it.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeModelPackageCommand, type DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import type { DescribeModelPackageSender } from "../../policies/lib/approvalRule";
import {
    artifactTargets,
    describePinChanges,
    observeArtifacts,
    pinPackage,
    verifyPins,
    type ArtifactTargets,
    type EcrSender,
    type Observations,
    type PackagePins,
    type S3Sender,
} from "../../policies/lib/artifactPins";
import { describeAwsError, isTransientAwsError, isTransientKind, type AwsErrorKind } from "../../policies/lib/awsErrors";
import { readPins, writePins, type TamperRecord } from "../../policies/lib/pinStore";

export interface PinningDeps {
    readonly sagemaker: DescribeModelPackageSender;
    readonly s3: S3Sender;
    /** ECR of this function's account and region (`PinningSettings.region`). */
    readonly ecr: EcrSender;
    readonly dynamodb: Pick<DynamoDBClient, "send">;
    readonly now: () => Date;
}

export interface PinningSettings {
    readonly ledgerTableName: string;
    /** The function's region: images of ECR registries elsewhere are not looked up in the wrong region. */
    readonly region: string;
}

/** What the approvers are told about the bytes of a version. */
export interface RegistrationIntegrity {
    /** The pins of record (written now, or earlier by a first attempt); undefined when nothing could be pinned. */
    readonly pins?: PackagePins;
    readonly pinWrite: "written" | "already-pinned" | "not-pinned";
    /** Why production will refuse this version; empty when it is approvable. */
    readonly problems: readonly string[];
    /** TAMPERED records of this version (each is also a problem). */
    readonly tampered: readonly TamperRecord[];
}

/** A lookup failed in a way that waiting can fix: the event must be retried, not answered. */
export class TransientPinningError extends Error {
    override readonly name = "TransientPinningError";
}


/** The observations that failed transiently, as one line each. Pure. */
export function transientObservationFailures(observed: Observations): string[] {
    return [...observed.artifacts, ...observed.images].flatMap((o) => (o.status === "unverified" && isTransientKind(o.kind as AwsErrorKind) ? [o.detail] : []));
}

/** One line per TAMPERED record, as the approvers read it. Pure. */
export function describeTampering(record: TamperRecord): string {
    return `TAMPERED (found by ${record.source} at ${record.recordedAt}): ${record.summary}`;
}

/** Why the live package cannot be pinned before approval, if it cannot. Pure. */
export function livePackageProblem(description: Pick<DescribeModelPackageCommandOutput, "ModelApprovalStatus" | "ModelPackageStatus">, packageArn: string): string | undefined {
    const { ModelApprovalStatus: approval, ModelPackageStatus: status } = description;
    if (approval === "PendingManualApproval" && status === "Completed") return undefined;
    return `${packageArn} is ${approval ?? "of unknown approval status"}/${status ?? "of unknown status"} in the registry, not PendingManualApproval/Completed, so it was not pinned (pins are recorded only before approval)`;
}

/**
 * Candidate pins from registration-time observations, and why production would refuse them: `pinPackage`'s refusals,
 * or what `verifyPins` would report against the very observations they came from (no digest, a prefix, an image
 * nobody here can resolve). Pure.
 */
export function judgeRegistration(packageArn: string, targets: ArtifactTargets, observed: Observations, pinnedAt: string, registeredAt?: Date): { pins?: PackagePins; problems: string[] } {
    const outcome = pinPackage(packageArn, targets, observed, pinnedAt, { registeredAt });
    if (!outcome.pinned) return { problems: [...outcome.problems] };
    return { pins: outcome.pins, problems: verdictProblems(outcome.pins, observed) };
}

function verdictProblems(pins: PackagePins, observed: Observations): string[] {
    const verdict = verifyPins(pins, observed);
    return verdict.intact ? [] : [describePinChanges(verdict.changes)];
}

/** DescribeModelPackage's budget, SDK retries included: well inside the function's 30 s, so a hung call is a retry, not a timeout. */
export const DESCRIBE_TIMEOUT_MS = 10_000;

async function describeLive(sagemaker: DescribeModelPackageSender, packageArn: string): Promise<DescribeModelPackageCommandOutput | { problem: string }> {
    try {
        return await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }), { abortSignal: AbortSignal.timeout(DESCRIBE_TIMEOUT_MS) });
    } catch (error) {
        if (isTransientAwsError(error)) throw new TransientPinningError(`DescribeModelPackage ${packageArn} failed transiently: ${describeAwsError(error)}`);
        return { problem: `DescribeModelPackage ${packageArn} failed: ${describeAwsError(error)}` };
    }
}

/** Describes, observes, pins (once: a duplicate finds the pins of record) and judges one version. */
export async function pinAtRegistration(packageArn: string, eventId: string, settings: PinningSettings, deps: PinningDeps): Promise<RegistrationIntegrity> {
    const [described, stored] = await Promise.all([describeLive(deps.sagemaker, packageArn), readPins(deps.dynamodb, settings.ledgerTableName, packageArn)]);
    const tampered = stored.tampered;
    const notPinned = (problems: readonly string[]): RegistrationIntegrity => ({ pinWrite: "not-pinned", problems: [...tampered.map(describeTampering), ...problems], tampered });
    if ("problem" in described) return notPinned([described.problem]);
    const liveProblem = livePackageProblem(described, packageArn);
    if (liveProblem) return notPinned([liveProblem]);
    // Artifacts written after this time are refused (pinPackage); DescribeModelPackage always answers it, so a
    // package without one is an answer we do not understand, not a reason to skip the check.
    if (!described.CreationTime) return notPinned([`DescribeModelPackage ${packageArn} answered no CreationTime, so its artifacts cannot be shown to predate the registration`]);
    let targets: ArtifactTargets;
    try {
        targets = artifactTargets(described);
    } catch (error) {
        return notPinned([(error as Error).message]);
    }
    const observed = await observeArtifacts(deps.s3, deps.ecr, targets, { ecrRegion: settings.region });
    const transient = transientObservationFailures(observed);
    if (transient.length) throw new TransientPinningError(`could not observe ${packageArn}'s artifacts yet: ${transient.join("; ")}`);
    const judged = judgeRegistration(packageArn, targets, observed, deps.now().toISOString(), described.CreationTime);
    if (!judged.pins) return notPinned(judged.problems);
    const write = await writePins(deps.dynamodb, settings.ledgerTableName, judged.pins, eventId);
    if (write === "written") return { pins: judged.pins, pinWrite: write, problems: [...tampered.map(describeTampering), ...judged.problems], tampered };
    // Pinned by an earlier attempt: show the pins of record, and what differs from them now.
    const ofRecord = stored.pins || stored.problem ? stored : await readPins(deps.dynamodb, settings.ledgerTableName, packageArn);
    if (!ofRecord.pins) return notPinned([`the pins of record cannot be read: ${ofRecord.problem ?? "not found after the write reported them"}`]);
    return { pins: ofRecord.pins, pinWrite: write, problems: [...ofRecord.tampered.map(describeTampering), ...verdictProblems(ofRecord.pins, observed)], tampered: ofRecord.tampered };
}
