import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import { S3Client } from "@aws-sdk/client-s3";
import { s3ReportReader } from "../../../lambdas/shared/reports";

describe("lambdas/shared/reports", () => {
    it("gives up on a stalled S3 within its time budget, so the notice still goes out in time", async () => {
        const server = http.createServer(() => undefined); // accepts, never answers
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const { port } = server.address() as AddressInfo;
            const client = new S3Client({
                region: "us-east-1",
                endpoint: `http://127.0.0.1:${port}`,
                forcePathStyle: true,
                credentials: { accessKeyId: "x", secretAccessKey: "x" },
            });
            const started = Date.now();
            await assert.rejects(s3ReportReader(client, 300).read("s3://reports/run-1/evaluation.json"), (e: Error) => /abort|timeout/i.test(`${e.name} ${e.message}`));
            assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
        } finally {
            server.closeAllConnections();
            server.close();
        }
    });

    it("refuses a URI that is not s3://bucket/key", async () => {
        await assert.rejects(s3ReportReader(new S3Client({ region: "us-east-1" })).read("https://example.com/x"), /is not an s3:\/\/bucket\/key URI/);
    });
});
