/**
 * The detective control's cost per CloudTrail event (issue 11 part 2): the out-of-band function's AWS calls for a
 * trusted call the rules let through anyway (none), a first out-of-band call, its redelivery, and a redelivery after
 * a failed send. Clients are mocked; the logic is the function's own (lambdas/out-of-band/handle.ts).
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { handleOutOfBandEvent } from "../lambdas/out-of-band/handle";
import { toAuditItem } from "../lambdas/shared/auditTrail";
import { snsPublisher } from "../lambdas/shared/publish";

const ENDPOINT = "sagemaker-approval-gate-bench-endpoint";
const DEPLOY_ROLE = "arn:aws:iam::123456789012:role/sagemaker-approval-gate-bench-deploy-approved";
const settings = {
    environment: "bench",
    ledgerTableName: "t",
    resources: { endpointName: ENDPOINT, deployedNamePrefix: "sagemaker-approval-gate-bench--", modelPackageArnPrefix: "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/" },
    trusted: { deployRoleArn: DEPLOY_ROLE, packageUpdaterArns: [] },
};

function event(role: string) {
    return {
        version: "0", id: "bench", "detail-type": "AWS API Call via CloudTrail", source: "aws.sagemaker", account: "123456789012", time: "2026-01-02T00:00:00Z", region: "us-east-1", resources: [],
        detail: {
            eventSource: "sagemaker.amazonaws.com", eventName: "UpdateEndpoint", eventID: "e-1", eventTime: "2026-01-02T00:00:00Z", sourceIPAddress: "192.0.2.1",
            userIdentity: { type: "AssumedRole", arn: `arn:aws:sts::123456789012:assumed-role/${role.split("/").pop()}/s`, sessionContext: { sessionIssuer: { arn: role } } },
            requestParameters: { endpointName: ENDPOINT, endpointConfigName: "hand-made" },
        },
    };
}

export async function run(): Promise<void> {
    const dynamodb = new DynamoDBClient({ region: "us-east-1" });
    const sns = new SNSClient({ region: "us-east-1" });
    const ddb = mockClient(dynamodb);
    const topic = mockClient(sns);
    const stored = toAuditItem({ eventId: "e-1", eventTime: "2026-01-02T00:00:00Z", eventName: "UpdateEndpoint", principal: "p", resource: ENDPOINT, parameters: "{}" });
    const scenarios: [string, string, Record<string, unknown> | undefined][] = [
        ["the deploy role's own call (re-check ignores it)", DEPLOY_ROLE, undefined],
        ["an administrator's UpdateEndpoint, first delivery", "arn:aws:iam::123456789012:role/Admin", undefined],
        ["the same event redelivered (already alerted)", "arn:aws:iam::123456789012:role/Admin", { ...stored, alertSentAt: { S: "2026-01-02T00:00:01Z" } }],
        ["redelivered after a failed send (recorded, not alerted)", "arn:aws:iam::123456789012:role/Admin", stored],
    ];
    const rows: string[][] = [["event", "outcome", "AWS calls (by client)"]];
    for (const [label, role, existing] of scenarios) {
        ddb.reset();
        topic.reset();
        ddb.on(GetItemCommand).resolves(existing ? { Item: existing as never } : {});
        ddb.on(PutItemCommand).resolves({});
        topic.on(PublishCommand).resolves({});
        const result = await handleOutOfBandEvent(event(role), settings, { dynamodb, publisher: snsPublisher(sns, "arn:aws:sns:us-east-1:123456789012:t"), logger: { log: () => undefined }, emitMetric: () => undefined });
        const calls = [...ddb.calls(), ...topic.calls()].map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ""));
        rows.push([label, result.outcome, `${calls.length}${calls.length ? ` (${calls.join(", ")})` : ""}`]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    rows.forEach((r, idx) => {
        console.log(`| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`);
        if (idx === 0) console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
    });
    console.log("\nThe rules keep the deploy role's calls (3 per deployment: CreateModel, CreateEndpointConfig, UpdateEndpoint) and the approvers' UpdateModelPackage from invoking the function at all.");
}
