/**
 * The sandbox's stand-in for EventBridge: moto's SageMaker emits no events, so the sandbox builds the
 * "SageMaker Model Package State Change" event AWS would send from the version itself (AWS documents that its
 * `detail` mirrors DescribeModelPackage), and delivers it where the environment's rules would: a new
 * PendingManualApproval version to notify-approver, an Approved or Rejected one to deploy-approved.
 * While the sandbox waits, `watchStatuses` polls the group and delivers each change, so an approval made
 * with the CLI is deployed as it would be in an account.
 */
import { randomUUID } from "crypto";
import { DescribeModelPackageCommand, ListModelPackagesCommand, type DescribeModelPackageCommandOutput } from "@aws-sdk/client-sagemaker";
import { MODEL_PACKAGE_STATE_CHANGE } from "../../../lambdas/shared/events";

export interface StateChangeEvent {
    readonly version: "0";
    readonly id: string;
    readonly "detail-type": typeof MODEL_PACKAGE_STATE_CHANGE;
    readonly source: "aws.sagemaker";
    readonly account: string;
    readonly time: string;
    readonly region: string;
    readonly resources: string[];
    readonly detail: Record<string, unknown>;
}

/** The event for a version as DescribeModelPackage returns it (dates as ISO strings, as in events). Pure. */
export function stateChangeEvent(description: DescribeModelPackageCommandOutput, where: { account: string; region: string }, id: string = randomUUID()): StateChangeEvent {
    const { $metadata: _, ...detail } = description;
    const time = (description.LastModifiedTime ?? description.CreationTime ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
        version: "0",
        id,
        "detail-type": MODEL_PACKAGE_STATE_CHANGE,
        source: "aws.sagemaker",
        account: where.account,
        time,
        region: where.region,
        resources: [description.ModelPackageArn!],
        detail: JSON.parse(JSON.stringify(detail)) as Record<string, unknown>,
    };
}

export async function eventFor(sagemaker: { send(c: DescribeModelPackageCommand): Promise<DescribeModelPackageCommandOutput> }, arn: string, where: { account: string; region: string }): Promise<StateChangeEvent> {
    return stateChangeEvent(await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn })), where);
}

/** Versions whose approval status differs from `seen` (new ones included), by ARN. Pure. */
export function statusChanges(seen: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): { arn: string; status: string }[] {
    return [...now].filter(([arn, status]) => seen.get(arn) !== status).map(([arn, status]) => ({ arn, status }));
}

export async function groupStatuses(sagemaker: { send(c: ListModelPackagesCommand): Promise<{ ModelPackageSummaryList?: { ModelPackageArn?: string; ModelApprovalStatus?: string }[]; NextToken?: string }> }, group: string): Promise<Map<string, string>> {
    const statuses = new Map<string, string>();
    let token: string | undefined;
    do {
        const page = await sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: group, MaxResults: 100, NextToken: token }));
        for (const s of page.ModelPackageSummaryList ?? []) if (s.ModelPackageArn && s.ModelApprovalStatus) statuses.set(s.ModelPackageArn, s.ModelApprovalStatus);
        token = page.NextToken;
    } while (token);
    return statuses;
}

/** Polls the group every `intervalMs` and hands each change to `deliver`, one at a time; returns a stop function. */
export function watchStatuses(
    list: () => Promise<Map<string, string>>,
    initial: ReadonlyMap<string, string>,
    deliver: (change: { arn: string; status: string }) => Promise<void>,
    onError: (err: unknown) => void,
    intervalMs = 2_000,
): () => void {
    let seen = new Map(initial);
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
        try {
            const now = await list();
            for (const change of statusChanges(seen, now)) {
                if (stopped) return;
                await deliver(change);
                seen.set(change.arn, change.status);
            }
            seen = new Map([...seen].filter(([arn]) => now.has(arn)));
        } catch (err) {
            onError(err);
        }
        if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    timer = setTimeout(tick, intervalMs);
    return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
    };
}
