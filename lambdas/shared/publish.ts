/** Publishing to the approvals topic, behind a one-method interface the logic modules take. */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";

export interface Publisher {
    publish(subject: string, message: string): Promise<void>;
}

/** SNS subjects: at most 100 characters, printable ASCII, no newlines. */
export function snsSubject(subject: string): string {
    const clean = subject.replace(/[^\x20-\x7e]/g, "?");
    return clean.length <= 100 ? clean : `${clean.slice(0, 97)}...`;
}

export function snsPublisher(client: SNSClient, topicArn: string): Publisher {
    return {
        async publish(subject, message) {
            await client.send(new PublishCommand({ TopicArn: topicArn, Subject: snsSubject(subject), Message: message }));
        },
    };
}
