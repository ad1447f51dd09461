/**
 * smoke-test logic: an endpoint reached InService → the version the ledger says is live, confirmed on the endpoint →
 * one test per deployment (a lease in the ledger) → its payloads invoked and checked → the result recorded, the
 * approvers told; a failure rejects the version, or in a promotion environment its stage (./reject.ts;
 * smokeTest.onFailure: reject), so the existing rejection rule and deploy queue roll the endpoint back. Clients are
 * injected.
 *
 * Delivery is at least once (EventBridge → async Lambda: retries, then a DLQ). Transient failures are thrown (a
 * retry); a duplicate event finds the lease or the result and runs nothing.
 */
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { S3Client } from "@aws-sdk/client-s3";
import { MalformedEventError, retryableIfTransient } from "../shared/errors";
import { metricLine, type Logger } from "../shared/log";
import { quoteEvent } from "../shared/malformed";
import type { Publisher } from "../shared/publish";
import { checkAnswer, quote } from "./checks";
import { readEndpointEvent } from "./event";
import { invoke } from "./invoke";
import { liveVersion } from "./live";
import { smokeMessage } from "./message";
import { rejectFailed, type Rejection } from "./reject";
import { PayloadSourceError, type Payload } from "./payloads";
import { payloadsFor } from "./samples";
import { claimSmoke, markSmokeNotified, readSmoke, recordSmokeResult, releaseSmoke, type SmokeRecord } from "./record";
import { SMOKE_FAILED_METRIC, SMOKE_LEASE_SECONDS, SMOKE_NOT_RUN_METRIC, type SmokeSettings } from "./settings";

export interface SmokeDeps {
    readonly sagemaker: Pick<SageMakerClient, "send">;
    readonly runtime: Pick<SageMakerRuntimeClient, "send">;
    readonly s3: Pick<S3Client, "send">;
    readonly dynamodb: DynamoDBClient;
    readonly publisher: Publisher;
    readonly logger: Logger;
    readonly emitMetric: (line: string) => void;
    readonly now: () => Date;
    /** A fresh id per run: whose lease it is. */
    readonly token: () => string;
}

export type SmokeResult =
    | { readonly outcome: "passed" | "failed" | "not-run"; readonly record: SmokeRecord; readonly rejected: boolean; readonly rejection?: Rejection }
    | { readonly outcome: "ignored" | "stale" | "duplicate"; readonly reason: string };

export async function handleEndpointEvent(event: unknown, settings: SmokeSettings, deps: SmokeDeps): Promise<SmokeResult> {
    let read;
    try {
        read = readEndpointEvent(event, settings.endpointName);
    } catch (error) {
        if (!(error instanceof MalformedEventError)) throw error;
        deps.logger.log("error", error.message, { field: error.field });
        await deps.publisher.publish(`[${settings.environment}] Ignored a malformed endpoint event`, `${error.message}\n\nEvent:\n${quoteEvent(event)}`);
        return { outcome: "ignored", reason: error.message };
    }
    if ("ignored" in read) return { outcome: "ignored", reason: read.ignored };
    try {
        return await smokeTest(read.eventId, settings, deps);
    } catch (error) {
        throw retryableIfTransient(error);
    }
}

async function smokeTest(eventId: string, settings: SmokeSettings, deps: SmokeDeps): Promise<SmokeResult> {
    const live = await liveVersion(deps.sagemaker, deps.dynamodb, settings.ledgerTableName, settings.endpointName);
    if (!live.live) {
        deps.logger.log("info", `not tested: ${live.reason}`, { eventId });
        return { outcome: "stale", reason: live.reason };
    }
    const { current, endpointConfigName } = live;
    const key = { packageArn: current.packageArn, endpointConfigName };
    const table = settings.ledgerTableName;
    const stored = await readSmoke(deps.dynamodb, table, key.packageArn, endpointConfigName);
    if (stored.status === "final") {
        if (stored.record.notified) return duplicate(`deployment ${endpointConfigName} was smoke-tested already (${stored.record.status})`, eventId, deps);
        return finish(stored.record, settings, deps);
    }
    const token = deps.token();
    if (!(await claimSmoke(deps.dynamodb, table, key, token, deps.now(), SMOKE_LEASE_SECONDS))) {
        return duplicate(`another run is smoke-testing deployment ${endpointConfigName}`, eventId, deps);
    }
    let record: SmokeRecord;
    try {
        record = await runTest(eventId, current, endpointConfigName, settings, deps);
    } catch (error) {
        await releaseSmoke(deps.dynamodb, table, key, token);
        throw error;
    }
    if (record.status === "failed") {
        // Before acting on a failure: the endpoint must still serve this deployment (never reject a version no longer live).
        const still = await liveVersion(deps.sagemaker, deps.dynamodb, table, settings.endpointName);
        if (!still.live || still.endpointConfigName !== endpointConfigName) {
            await releaseSmoke(deps.dynamodb, table, key, token);
            const reason = `the test failed, but ${still.live ? `the endpoint now runs ${still.endpointConfigName}` : still.reason}; not recorded against it`;
            deps.logger.log("warn", reason, { eventId });
            return { outcome: "stale", reason };
        }
    }
    if (!(await recordSmokeResult(deps.dynamodb, table, record, token))) return duplicate(`another run took over deployment ${endpointConfigName}`, eventId, deps);
    return finish(record, settings, deps);
}

function duplicate(reason: string, eventId: string, deps: SmokeDeps): SmokeResult {
    deps.logger.log("info", `duplicate: ${reason}`, { eventId });
    return { outcome: "duplicate", reason };
}

async function runTest(eventId: string, current: { packageArn: string; eventId: string; version?: number; groupName?: string }, endpointConfigName: string, settings: SmokeSettings, deps: SmokeDeps): Promise<SmokeRecord> {
    const base = {
        packageArn: current.packageArn,
        endpointName: settings.endpointName,
        endpointConfigName,
        deploymentEventId: current.eventId,
        groupName: current.groupName,
        version: current.version,
        eventId,
        notified: false,
    };
    let payloads: Payload[];
    try {
        payloads = await payloadsFor(current.packageArn, settings, deps);
    } catch (error) {
        if (!(error instanceof PayloadSourceError)) throw error;
        return { ...base, status: "not-run", testedAt: deps.now().toISOString(), reason: error.message };
    }
    for (const [i, payload] of payloads.entries()) {
        const answer = await invoke(deps.runtime, settings.endpointName, payload);
        const verdict = checkAnswer(answer, payload.accept, settings.check);
        if (!verdict.pass) {
            return {
                ...base,
                status: "failed",
                testedAt: deps.now().toISOString(),
                reason: verdict.reason,
                payloadsSent: i + 1,
                failingPayload: payload.source,
                failingRequest: `${payload.contentType} ${quote(Buffer.from(payload.body).toString("utf8"))}`,
                failingAnswer: `HTTP ${answer.status} ${answer.contentType ?? ""} ${quote(answer.body)}`.replace(/\s+/g, " "),
            };
        }
    }
    return { ...base, status: "passed", testedAt: deps.now().toISOString(), reason: `${payloads.length} payload(s) answered as expected`, payloadsSent: payloads.length };
}

/** The actions of a recorded result, then the marker that they were done: at least once, never zero. */
async function finish(record: SmokeRecord, settings: SmokeSettings, deps: SmokeDeps): Promise<SmokeResult> {
    let rejection: Rejection | undefined;
    if (record.status === "failed") {
        deps.emitMetric(metricLine(SMOKE_FAILED_METRIC, settings.environment, 1));
        deps.logger.log("error", `smoke test failed: ${record.packageArn} on ${record.endpointName}: ${record.failingPayload}: ${record.reason}`, { eventId: record.eventId });
        if (settings.onFailure === "reject") rejection = await rejectFailed(record, settings, deps);
    }
    if (record.status === "not-run") deps.emitMetric(metricLine(SMOKE_NOT_RUN_METRIC, settings.environment, 1));
    const { subject, body } = smokeMessage(settings.environment, record, settings.onFailure, rejection, settings.stage?.stage);
    await deps.publisher.publish(subject, body);
    await markSmokeNotified(deps.dynamodb, settings.ledgerTableName, record);
    return { outcome: record.status, record, rejected: rejection?.kind === "rejected", ...(rejection ? { rejection } : {}) };
}
