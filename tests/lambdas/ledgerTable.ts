import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** Creates a ledger table the way infra/components/approvalEvents.ts declares it (pk/sk strings). */
export async function createLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
    await client.send(
        new CreateTableCommand({
            TableName: tableName,
            BillingMode: "PAY_PER_REQUEST",
            AttributeDefinitions: [
                { AttributeName: "pk", AttributeType: "S" },
                { AttributeName: "sk", AttributeType: "S" },
            ],
            KeySchema: [
                { AttributeName: "pk", KeyType: "HASH" },
                { AttributeName: "sk", KeyType: "RANGE" },
            ],
        }),
    );
}
