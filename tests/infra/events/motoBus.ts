/**
 * A moto EventBridge bus with one rule per pattern, each delivering to its own SQS queue: the independent check of
 * our event patterns (moto's EventBridge matches rule patterns on PutEvents and delivers to SQS targets).
 */
import { strict as assert } from "assert";
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { EventFixture } from "../../fixtures/events";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../helpers/moto";
import { actAs } from "../../helpers/sagemakerLifecycleProxy";

export interface MotoBus {
    readonly events: EventBridgeClient;
    readonly sqs: SQSClient;
    readonly bus: string;
    /** Puts the event on the bus and answers which rules delivered it (each exactly this event). */
    routed(event: EventFixture): Promise<string[]>;
}

/**
 * `accountId`: the account the bus, its rules and queues live in (moto's default 123456789012 when omitted). moto
 * stamps every event put on a bus with the bus's account, as EventBridge does for PutEvents.
 */
export async function motoBus(name: string, rules: Record<string, unknown>, options: { readonly accountId?: string } = {}): Promise<MotoBus> {
    const endpoint = await motoEndpoint();
    const inAccount = <C extends EventBridgeClient | SQSClient>(client: C) => (options.accountId ? actAs(client, options.accountId) : client);
    const events = inAccount(new EventBridgeClient(motoClientConfig(endpoint)));
    const sqs = inAccount(new SQSClient(motoClientConfig(endpoint)));
    const bus = uniqueName(name);
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const queues: Record<string, string> = {};
    for (const [rule, pattern] of Object.entries(rules)) {
        const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(`q-${rule}`) }))).QueueUrl!;
        const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn;
        const ruleName = uniqueName(rule);
        await events.send(new PutRuleCommand({ Name: ruleName, EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
        await events.send(new PutTargetsCommand({ Rule: ruleName, EventBusName: bus, Targets: [{ Id: "q", Arn: arn }] }));
        queues[rule] = queueUrl;
    }
    const drain = async (queueUrl: string): Promise<Record<string, any>[]> => {
        // A received message is only hidden for the visibility timeout (30 s by default), not deleted: on a slow machine
        // a drained event came back into a later case's answer. Hidden for SQS's maximum, 12 hours, it never does.
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 43_200 }));
        return (out.Messages ?? []).map((m) => JSON.parse(m.Body!));
    };
    return {
        events,
        sqs,
        bus,
        async routed(event) {
            const out = await events.send(
                new PutEventsCommand({
                    Entries: [{ EventBusName: bus, Source: event.source, DetailType: event["detail-type"], Detail: JSON.stringify(event.detail), Resources: event.resources }],
                }),
            );
            assert.equal(out.FailedEntryCount, 0);
            const fired: string[] = [];
            for (const [rule, url] of Object.entries(queues)) {
                const messages = await drain(url);
                if (messages.length) {
                    assert.deepEqual(messages.map((m) => m.detail), [event.detail], `${rule} delivered another event`);
                    fired.push(rule);
                }
            }
            return fired;
        },
    };
}
