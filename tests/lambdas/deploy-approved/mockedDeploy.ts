/**
 * The deploy function's world with every client mocked (aws-sdk-client-mock), shared by the unit tests of
 * deploy-approved: its settings for an environment, the SageMaker, DynamoDB and SNS clients with their mocks, the
 * Bytes question's doubles, and the handler's dependencies. Each test file takes its own instances.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import type { DeploySettings } from "../../../lambdas/deploy-approved/deploy";
import { snsPublisher } from "../../../lambdas/shared/publish";
import { FIXTURE_GROUP } from "../../fixtures/events";
import { recordingLogger } from "../world";
import { bytesDoubles } from "./bytesDoubles";

const REGION = "us-east-2";

/** deploy-approved's settings as the stack sets them for `environment`. */
export function deploySettings(environment: string): DeploySettings {
    const prefix = `sagemaker-approval-gate-${environment}`;
    return {
        environment,
        groupName: FIXTURE_GROUP,
        registryAccountId: "123456789012",
        endpointName: `${prefix}-endpoint`,
        resourcePrefix: prefix,
        ledgerTableName: `${prefix}-deployments`,
        modelExecutionRoleArn: `arn:aws:iam::123456789012:role/${prefix}-model-execution`,
        instanceType: "ml.m5.large",
        initialInstanceCount: 1,
        rollbackAlarmNames: ["a-5xx"],
        terminationWaitSeconds: 300,
        pinWaitSeconds: 900,
    };
}

/** The ledger's CURRENT item: `packageArn` live since before any test's event. */
export function liveItem(packageArn: string) {
    return { Item: { pk: { S: "x" }, sk: { S: "CURRENT" }, packageArn: { S: packageArn }, eventId: { S: "e-1" }, version: { N: "1" }, outcome: { S: "deployed" }, deployedAt: { S: "2021-01-01T00:00:00.000Z" } } };
}

export function mockedDeployClients(now: Date = new Date("2026-11-25T09:00:00Z")) {
    const sagemaker = new SageMakerClient({ region: REGION });
    const dynamodb = new DynamoDBClient({ region: REGION });
    const sns = new SNSClient({ region: REGION });
    const bytes = bytesDoubles(REGION);
    const mocks = { sm: mockClient(sagemaker), ddb: mockClient(dynamodb), topic: mockClient(sns) };
    return {
        sagemaker,
        dynamodb,
        sns,
        bytes,
        ...mocks,
        /** Forgets every answer and recorded call, the bytes doubles' too (beforeEach). */
        reset(): void {
            mocks.sm.reset();
            mocks.ddb.reset();
            mocks.topic.reset();
            bytes.reset();
        },
        deps: () => ({ sagemaker, dynamodb, s3: bytes.s3, ecr: bytes.ecr, publisher: snsPublisher(sns, `arn:aws:sns:${REGION}:123456789012:t`), logger: recordingLogger(), now: () => now }),
    };
}
