/**
 * artifact-tamper logic: an S3 write/delete or ECR push/delete → the versions whose pins it touches (the reverse
 * index) → the ones whose pinned identity it changed → a TAMPERED record each (idempotent) → one message to the
 * approvers naming them all, and a metric an alarm watches. Clients are injected.
 *
 * Delivery is at least once (EventBridge → async Lambda, with retries and a DLQ). The records' keys come from the
 * event (time and id), so a redelivery writes nothing new; an alert marker, written after the message went out,
 * keeps a redelivery from sending it twice, and a failed send from being lost.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describePinChanges, type ArtifactPin, type ImagePin, type PackagePins } from "../../policies/lib/artifactPins";
import { parseImageUri } from "../../policies/lib/artifactRefs";
import { packagesIndexedBy, readPins, recordTampering } from "../../policies/lib/pinStore";
import { artifactIndexKey, imageIndexKey, tamperChange, type TamperEvent } from "../../policies/lib/tamperEvents";
import { describeAwsError } from "../../policies/lib/awsErrors";
import { MalformedEventError, retryableIfTransient } from "../shared/errors";
import { currentDeployment } from "../shared/ledger";
import { metricLine, type Logger } from "../shared/log";
import { quoteEvent } from "../shared/malformed";
import type { Publisher } from "../shared/publish";
import { alertSent, markAlertSent } from "./alerts";
import { readTamperEvent, type ReadEvent } from "./event";
import { tamperMessage, type AffectedVersion, type LiveStatus, type UnreadableVersion } from "./message";
import { LIVE_TAMPER_METRIC, TAMPER_METRIC, type TamperSettings } from "./settings";

export interface TamperDeps {
    readonly dynamodb: Pick<DynamoDBClient, "send">;
    readonly publisher: Publisher;
    readonly logger: Logger;
    /** Where EMF metric lines go (stdout in Lambda). */
    readonly emitMetric: (line: string) => void;
}

export type TamperResult =
    | { readonly outcome: "alerted"; readonly affected: readonly AffectedVersion[]; readonly unreadable: readonly UnreadableVersion[]; readonly subject: string; readonly body: string }
    | { readonly outcome: "already-alerted" | "no-change" | "ignored"; readonly reason: string };

/** The pin of `pins` the event's index keys point at, if any. */
export function pinTouched(change: TamperEvent, pins: PackagePins): ArtifactPin | ImagePin | undefined {
    const keys = new Set(change.indexKeys);
    if (change.kind === "artifact") return pins.artifacts.find((a) => keys.has(artifactIndexKey(a.uri)));
    return pins.images.find((i) => {
        const ref = parseImageUri(i.image);
        return !!ref?.ecr && !!ref.tag && !ref.digest && keys.has(imageIndexKey(ref.ecr.registryId, ref.ecr.region, ref.repository, ref.tag));
    });
}

export async function handleTamperEvent(event: unknown, settings: TamperSettings, deps: TamperDeps): Promise<TamperResult> {
    let read: ReadEvent | { ignored: string };
    try {
        read = readTamperEvent(event);
    } catch (error) {
        if (!(error instanceof MalformedEventError)) throw error;
        deps.logger.log("error", error.message, { field: error.field, eventId: (event as { id?: unknown } | null)?.id });
        await deps.publisher.publish(`[${settings.environment}] Ignored a malformed S3/ECR event`, `${error.message}\n\nEvent:\n${quoteEvent(event)}`);
        return { outcome: "ignored", reason: error.message };
    }
    if ("ignored" in read) {
        deps.logger.log("info", `ignored: ${read.ignored}`, { eventId: (event as { id?: unknown }).id });
        return { outcome: "ignored", reason: read.ignored };
    }
    try {
        return await detect(read, settings, deps);
    } catch (error) {
        throw retryableIfTransient(error);
    }
}

/**
 * Is an affected version the one the endpoint serves (the ledger's CURRENT)? ARNs compare without case, as the
 * ledger's rollback candidates do. A CURRENT that cannot be read is `unknown`, which the alert treats as possibly
 * live (fail closed): the approvers are told to look, and the live alarm goes off.
 */
export async function liveStatus(deps: Pick<TamperDeps, "dynamodb">, settings: TamperSettings, affected: readonly AffectedVersion[]): Promise<LiveStatus> {
    let current;
    try {
        current = await currentDeployment(deps.dynamodb as DynamoDBClient, settings.ledgerTableName, settings.endpointName);
    } catch (error) {
        return { kind: "unknown", endpointName: settings.endpointName, problem: describeAwsError(error) };
    }
    const liveArn = current?.packageArn.toLowerCase();
    const hit = liveArn ? affected.find((v) => v.packageArn.toLowerCase() === liveArn) : undefined;
    return hit ? { kind: "live", endpointName: settings.endpointName, packageArn: hit.packageArn } : { kind: "not-live" };
}

async function detect(read: ReadEvent, settings: TamperSettings, deps: TamperDeps): Promise<TamperResult> {
    const table = settings.ledgerTableName;
    const indexed = await Promise.all(read.change.indexKeys.map((k) => packagesIndexedBy(deps.dynamodb, table, k)));
    const packageArns = [...new Set(indexed.flat())];
    if (!packageArns.length) {
        const reason = `no registered version uses ${read.change.kind === "artifact" ? read.change.uri : `${read.change.repository}:${read.change.tag}`}`;
        deps.logger.log("info", `no change: ${reason}`, { eventId: read.eventId });
        return { outcome: "no-change", reason };
    }
    const stored = await Promise.all(packageArns.map(async (packageArn) => ({ packageArn, stored: await readPins(deps.dynamodb, table, packageArn) })));
    const affected: AffectedVersion[] = [];
    const unreadable: UnreadableVersion[] = [];
    for (const { packageArn, stored: s } of stored) {
        if (!s.pins) {
            unreadable.push({ packageArn, problem: s.problem ?? "the reverse index names it but it has no pin record" });
            continue;
        }
        const pin = pinTouched(read.change, s.pins);
        const change = pin && tamperChange(read.change, pin);
        if (change) affected.push({ packageArn, change });
    }
    if (!affected.length && !unreadable.length) {
        const reason = `${read.summary}: no pinned identity changed (a replay of the registration write, or a push of the pinned digest)`;
        deps.logger.log("info", `no change: ${reason}`, { eventId: read.eventId, packages: packageArns });
        return { outcome: "no-change", reason };
    }
    // The records first: they are what keeps the versions from being deployed, whatever happens to the message.
    await Promise.all(
        affected.map((v) =>
            recordTampering(deps.dynamodb, table, {
                packageArn: v.packageArn,
                recordedAt: new Date(read.time).toISOString(),
                eventId: read.eventId,
                source: read.source,
                changes: [v.change],
                summary: describePinChanges([v.change]),
            }),
        ),
    );
    for (const v of affected) deps.logger.log("error", `TAMPERED: ${v.packageArn}: ${describePinChanges([v.change])}`, { eventId: read.eventId, packageArn: v.packageArn });
    for (const v of unreadable) deps.logger.log("error", `pin record unreadable: ${v.packageArn}: ${v.problem}`, { eventId: read.eventId, packageArn: v.packageArn });
    if (await alertSent(deps.dynamodb, table, read.eventId)) {
        const reason = `approvers were already told about event ${read.eventId}`;
        deps.logger.log("info", `duplicate: ${reason}`, { eventId: read.eventId });
        return { outcome: "already-alerted", reason };
    }
    const live = affected.length ? await liveStatus(deps, settings, affected) : undefined;
    const { subject, body } = tamperMessage({ environment: settings.environment, summary: read.summary, affected, unreadable, live });
    // Before the message: should SNS fail for good, the alarms on these metrics still go off.
    if (affected.length) deps.emitMetric(metricLine(TAMPER_METRIC, settings.environment, affected.length));
    if (live && live.kind !== "not-live") {
        deps.logger.log("error", `live version tampered: ${live.kind === "live" ? live.packageArn : `unknown (${live.problem})`} on ${settings.endpointName}`, { eventId: read.eventId });
        deps.emitMetric(metricLine(LIVE_TAMPER_METRIC, settings.environment, 1));
    }
    await deps.publisher.publish(subject, body);
    await markAlertSent(deps.dynamodb, table, read.eventId, read.time, read.summary);
    return { outcome: "alerted", affected, unreadable, subject, body };
}
