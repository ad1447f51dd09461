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
    /**
     * Puts the events (PutEvents takes ten at a time) and answers, for each, which rules delivered it. A delivery is
     * told to its event by the id PutEvents returned, so one drain of each queue serves the whole batch.
     */
    routedAll(events: readonly EventFixture[]): Promise<string[][]>;
}

/** PutEvents' limit on entries per call. */
const PUT_EVENTS_BATCH = 10;

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
    const queues: Record<string, string> = Object.fromEntries(
        await Promise.all(
            Object.entries(rules).map(async ([rule, pattern]) => {
                const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(`q-${rule}`) }))).QueueUrl!;
                const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn;
                const ruleName = uniqueName(rule);
                await events.send(new PutRuleCommand({ Name: ruleName, EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
                await events.send(new PutTargetsCommand({ Rule: ruleName, EventBusName: bus, Targets: [{ Id: "q", Arn: arn }] }));
                return [rule, queueUrl] as const;
            }),
        ),
    );
    /** Every message waiting in the queue. moto delivers during PutEvents, so after it returns nothing is in flight. */
    const drain = async (queueUrl: string): Promise<Record<string, any>[]> => {
        const all: Record<string, any>[] = [];
        for (;;) {
            // A received message is only hidden for the visibility timeout (30 s by default), not deleted: on a slow machine
            // a drained event came back into a later case's answer. Hidden for SQS's maximum, 12 hours, it never does.
            const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 43_200 }));
            if (!out.Messages?.length) return all;
            all.push(...out.Messages.map((m) => JSON.parse(m.Body!)));
        }
    };
    const routedAll = async (batch: readonly EventFixture[]): Promise<string[][]> => {
        const ids: string[] = [];
        for (let start = 0; start < batch.length; start += PUT_EVENTS_BATCH) {
            const chunk = batch.slice(start, start + PUT_EVENTS_BATCH);
            const out = await events.send(
                new PutEventsCommand({
                    Entries: chunk.map((event) => ({ EventBusName: bus, Source: event.source, DetailType: event["detail-type"], Detail: JSON.stringify(event.detail), Resources: event.resources })),
                }),
            );
            assert.equal(out.FailedEntryCount, 0, JSON.stringify(out.Entries));
            ids.push(...out.Entries!.map((e) => e.EventId!));
        }
        const indexOf = new Map(ids.map((id, i) => [id, i]));
        const fired: string[][] = batch.map(() => []);
        const delivered = await Promise.all(Object.entries(queues).map(async ([rule, url]) => [rule, await drain(url)] as const));
        for (const [rule, messages] of delivered) {
            for (const message of messages) {
                const i = indexOf.get(message.id);
                assert.ok(i !== undefined, `${rule} delivered an event this call did not put: ${JSON.stringify(message)}`);
                assert.deepEqual(message.detail, batch[i].detail, `${rule} delivered another event under the id of event ${i}`);
                assert.ok(!fired[i].includes(rule), `${rule} delivered event ${i} twice`);
                fired[i].push(rule);
            }
        }
        // In the order the rules were given, as one event's answer always was.
        const order = Object.keys(queues);
        return fired.map((rules) => rules.sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    };
    return { events, sqs, bus, routedAll, routed: async (event) => (await routedAll([event]))[0] };
}
