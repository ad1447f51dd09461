import { strict as assert } from "assert";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { PackagePins } from "../../../policies/lib/artifactPins";
import { packagesIndexedBy, readPins, recordTampering, writePins } from "../../../policies/lib/pinStore";
import { pinsKey } from "../../../policies/lib/pinRecord";
import { artifactIndexKey, imageIndexKey } from "../../../policies/lib/tamperEvents";
import { createLedgerTable } from "../../lambdas/ledgerTable";
import { motoClientConfig, motoEndpoint, uniqueName } from "../../helpers/moto";

const ARN = (v: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-dev/${v}`;
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7";

function pins(v: number, etag = "aaa"): PackagePins {
    return {
        packageArn: ARN(v),
        pinnedAt: "2026-12-01T10:00:00.000Z",
        artifacts: [{ uri: `s3://bucket/abalone/${v}/model.tar.gz`, bucket: "bucket", key: `abalone/${v}/model.tar.gz`, versionId: "v1", etag }],
        images: [{ image: IMAGE, digest: `sha256:${"a".repeat(64)}`, digestSource: "sagemaker" }],
    };
}

describe("policies/lib/pinStore (against moto)", () => {
    let client: DynamoDBClient;
    let table: string;

    before(async () => {
        client = new DynamoDBClient(motoClientConfig(await motoEndpoint()));
        table = uniqueName("pins");
        await createLedgerTable(client, table);
    });

    it("writes pins once and reads them back; a second write changes nothing", async () => {
        assert.equal(await writePins(client, table, pins(1), "evt-1"), "written");
        assert.equal(await writePins(client, table, pins(1, "bbb"), "evt-2"), "already-pinned");
        const stored = await readPins(client, table, ARN(1));
        assert.deepEqual(stored.pins, pins(1));
        assert.deepEqual(stored.tampered, []);
        assert.equal(stored.problem, undefined);
    });

    it("answers no pins for a version never pinned", async () => {
        const stored = await readPins(client, table, ARN(99));
        assert.equal(stored.pins, undefined);
        assert.deepEqual(stored.tampered, []);
    });

    it("indexes every artifact and ECR tag to the versions that use them", async () => {
        await writePins(client, table, pins(2), "evt-3");
        assert.deepEqual(await packagesIndexedBy(client, table, artifactIndexKey("s3://bucket/abalone/2/model.tar.gz")), [ARN(2)]);
        const byImage = await packagesIndexedBy(client, table, imageIndexKey("123456789012", "us-east-1", "xgb", "1.7"));
        assert.deepEqual(byImage.sort(), [ARN(1), ARN(2)]);
        assert.deepEqual(await packagesIndexedBy(client, table, artifactIndexKey("s3://bucket/other")), []);
    });

    it("returns tamper records with the pins, and a redelivered record adds nothing", async () => {
        const record = {
            packageArn: ARN(2),
            recordedAt: "2026-12-02T10:00:00.000Z",
            eventId: "s3-evt",
            source: "s3-event" as const,
            changes: [{ what: "overwritten" as const, uri: "s3://bucket/abalone/2/model.tar.gz", pinned: { versionId: "v1" }, now: { versionId: "v2" } }],
            summary: "model.tar.gz overwritten",
        };
        await recordTampering(client, table, record);
        await recordTampering(client, table, record);
        const stored = await readPins(client, table, ARN(2));
        assert.deepEqual(stored.pins, pins(2));
        assert.deepEqual(stored.tampered, [record]);
    });

    it("reports a corrupt pin record as a problem, never as pins", async () => {
        await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pinsKey(ARN(3)).pk }, sk: { S: "PINS" }, pins: { S: '{"schema":1}' } } }));
        const stored = await readPins(client, table, ARN(3));
        assert.equal(stored.pins, undefined);
        assert.match(stored.problem ?? "", /corrupt/);
    });
});
