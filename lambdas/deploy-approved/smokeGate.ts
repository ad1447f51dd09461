/**
 * When the smoke test runs in a promotion environment (MARK_DEPLOYED_AFTER_SMOKE_TEST), a stage is marked Deployed
 * only after the smoke test of that very deployment passed: Deployed is what asks the next stage's approvers, and a
 * failure found later could no longer reject this stage (planStageChange refuses rejecting a stage the version has
 * passed). So the mark waits for the smoke result in the ledger (SMOKE#<package>/DEPLOYMENT#<config>, written by
 * lambdas/smoke-test/record.ts):
 * - none yet, or a run holds the lease: wait (RetryableError; the deploy queue redelivers the message, up to its
 *   redrive limit, then its DLQ and alarm);
 * - passed: mark;
 * - failed: never mark (the smoke test rejected the stage; that event rolls back); not-run: never mark (an untested
 *   version is not promoted; fail closed). Either consumes the message, so the queue moves on to the rollback.
 */
import { readSmoke } from "../smoke-test/record";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { RetryableError } from "../shared/errors";
import type { Logger } from "../shared/log";

export interface SmokeGateVerdict {
    readonly outcome: "smoke-failed" | "smoke-not-run";
    readonly reason: string;
}

/** undefined: the smoke test passed, mark now. Throws RetryableError while the result is not in. */
export async function smokeGate(
    deployed: { readonly packageArn: string; readonly endpointConfigName?: string },
    stage: string,
    ledger: { readonly dynamodb: Pick<DynamoDBClient, "send">; readonly tableName: string },
    logger: Logger,
): Promise<SmokeGateVerdict | undefined> {
    const config = deployed.endpointConfigName ?? "";
    const stored = await readSmoke(ledger.dynamodb as DynamoDBClient, ledger.tableName, deployed.packageArn, config);
    if (stored.status !== "final") {
        throw new RetryableError(
            `${deployed.packageArn} is InService on ${config}; ${stage} is marked Deployed once its smoke test passed (${stored.status === "testing" ? "the test is running" : "no result yet"}), so the next stage is asked only about a version that passed`,
        );
    }
    const { record } = stored;
    if (record.status === "passed") return undefined;
    const reason =
        record.status === "failed"
            ? `its smoke test failed on ${config} (${record.failingPayload ?? "a payload"}: ${record.reason}); ${stage} is NOT marked Deployed and the next stage is not asked`
            : `its smoke test could not run on ${config} (${record.reason}); ${stage} is NOT marked Deployed: an untested version is not promoted`;
    logger.log("warn", `${deployed.packageArn}: ${reason}`);
    return { outcome: record.status === "failed" ? "smoke-failed" : "smoke-not-run", reason };
}
