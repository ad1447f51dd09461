/**
 * What an operator sees when something is wrong (issue 8): a wrong --endpoint-url, a missing region or
 * --comment, and every error as one JSON object under --json. In-process, with real SDK clients aimed at
 * local HTTP stubs (so the SDK's own error shapes are what gets mapped), and at a port where nothing listens.
 */
import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { STSClient } from "@aws-sdk/client-sts";
import { ECRClient } from "@aws-sdk/client-ecr";
import type { AwsClients, ClientOptions } from "../../../cli/approvals/clients";
import { EXIT } from "../../../cli/approvals/errors";
import { runCli } from "../../../cli/approvals/program";
import { captureIo, type CapturedIo } from "./helpers";

const repo = path.resolve(__dirname, "../../..");

/** Real SDK clients where the CLI would aim them, with dummy keys and one attempt (a stub does not get better). */
function stubbedClients(options: ClientOptions): AwsClients {
    const config = {
        region: options.region ?? "us-east-1",
        ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
        maxAttempts: 1,
    };
    return { sagemaker: new SageMakerClient(config), s3: new S3Client({ ...config, forcePathStyle: true }), sts: new STSClient(config), dynamodb: new DynamoDBClient(config), ecr: new ECRClient(config) };
}

/** An HTTP server that answers every request with `status` and an HTML page, like a web server or proxy would. */
async function htmlServer(status: number): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((_req, res) => {
        res.writeHead(status, { "content-type": "text/html" });
        res.end(`<html><body><h1>${status}</h1></body></html>`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
}

/** A port nobody listens on: bind one, then let it go. */
async function freePort(): Promise<number> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
}

async function run(argv: string[]): Promise<{ code: number; io: CapturedIo }> {
    const io = captureIo();
    const code = await runCli(argv, { io, projectDir: repo, makeClients: stubbedClients });
    return { code, io };
}

function assertOneLineErrorWithFix(io: CapturedIo, flagAndValue: RegExp): void {
    const [error, hint, ...rest] = io.stderr;
    assert.match(error ?? "", /^error: /, io.stderr.join("\n"));
    assert.match(error, flagAndValue);
    assert.doesNotMatch(error, /\n/);
    assert.doesNotMatch(error, /\$response|Deserialization|SyntaxError|TypeError|Unexpected token/);
    assert.match(hint ?? "", /^hint: \S/, io.stderr.join("\n"));
    assert.deepEqual(rest, []);
}

describe("cli/approvals: a wrong --endpoint-url", function () {
    this.timeout(20_000);

    it("nothing listening: exit 3, names the flag and the value, says to start the emulator or fix the flag", async () => {
        const url = `http://127.0.0.1:${await freePort()}`;
        const { code, io } = await run(["pending", "--group", "g", "--region", "us-east-1", "--endpoint-url", url]);
        assert.equal(code, EXIT.aws);
        assertOneLineErrorWithFix(io, new RegExp(`--endpoint-url ${url.replace(/\./g, "\\.")}`));
        assert.match(io.stderr[1], /moto\.server|emulator/);
    });

    for (const status of [404, 200]) {
        it(`an HTML page with HTTP ${status}: exit 3, "not an AWS API" instead of the SDK's deserialization internals`, async () => {
            const stub = await htmlServer(status);
            try {
                for (const argv of [["pending", "--group", "g"], ["show", "g/3"], ["live", "--env", "dev"]]) {
                    const { code, io } = await run([...argv, "--region", "us-east-1", "--endpoint-url", stub.url]);
                    assert.equal(code, EXIT.aws, argv.join(" "));
                    assertOneLineErrorWithFix(io, new RegExp(`--endpoint-url ${stub.url.replace(/\./g, "\\.")}.*not .*AWS`));
                    assert.match(io.stderr[0], new RegExp(`HTTP ${status}`));
                }
            } finally {
                await stub.close();
            }
        });
    }

    it("https:// to a plain-HTTP server: exit 3, a TLS failure named as such, with the fix (http://)", async () => {
        const stub = await htmlServer(404);
        try {
            const url = stub.url.replace(/^http:/, "https:");
            const { code, io } = await run(["pending", "--group", "g", "--region", "us-east-1", "--endpoint-url", url]);
            assert.equal(code, EXIT.aws);
            assertOneLineErrorWithFix(io, new RegExp(`--endpoint-url ${url.replace(/\./g, "\\.")}.*TLS.*\\(EPROTO\\)`));
            assert.doesNotMatch(io.stderr[0], /SSL routines|openssl/);
            assert.match(io.stderr[1], /http:\/\//);
        } finally {
            await stub.close();
        }
    });

    for (const url of ["http://[::1", "http://127.0.0.1:99999", "localhost:5000", "ftp://127.0.0.1:5000"]) {
        it(`a malformed URL (${url}): exit 2 before any call, names the flag and the value, shows a well-formed one`, async () => {
            const { code, io } = await run(["pending", "--group", "g", "--region", "us-east-1", "--endpoint-url", url]);
            assert.equal(code, EXIT.usage);
            assertOneLineErrorWithFix(io, new RegExp(`--endpoint-url "${url.replace(/[.[\]]/g, "\\$&")}"`));
            assert.match(io.stderr[1], /--endpoint-url http:\/\/127\.0\.0\.1:5000/);
        });
    }
});

describe("cli/approvals: a missing --comment", () => {
    it("approve: exit 2 with a complete example for the version and scope given, before any AWS call", async () => {
        const { code, io } = await run(["approve", "abalone-dev/3", "--env", "dev"]);
        assert.equal(code, EXIT.usage);
        assert.match(io.stderr[0], /^error: --comment is required/);
        assert.match(io.stderr[1], /^hint: .*`approvals approve abalone-dev\/3 --env dev --comment "[^"]+"`/);
    });
    it("reject, with a bare version number and --region: the example keeps them", async () => {
        const { code, io } = await run(["reject", "7", "--group", "abalone-dev", "--region", "eu-west-1"]);
        assert.equal(code, EXIT.usage);
        assert.match(io.stderr[1], /`approvals reject 7 --group abalone-dev --region eu-west-1 --comment "[^"]+"`/);
    });
    it("--comment (or -m) as the last word, without its text: the same error and example, not the parser's", async () => {
        for (const flag of ["--comment", "-m"]) {
            const { code, io } = await run(["approve", "abalone-dev/3", "--env", "dev", flag]);
            assert.equal(code, EXIT.usage);
            assert.deepEqual(io.stderr.length, 2, io.stderr.join("\n"));
            assert.match(io.stderr[0], /^error: --comment is required/);
            assert.match(io.stderr[1], /`approvals approve abalone-dev\/3 --env dev --comment "[^"]+"`/);
        }
    });
    it("an empty --comment gets the same example", async () => {
        const { code, io } = await run(["approve", "arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/7", "--comment", "  "]);
        assert.equal(code, EXIT.usage);
        assert.match(io.stderr[0], /^error: --comment is empty/);
        assert.match(io.stderr[1], /`approvals approve arn:aws:sagemaker:us-east-1:111111111111:model-package\/abalone-dev\/7 --comment "[^"]+"`/);
    });
});

describe("cli/approvals --json: errors are one JSON object on stdout", () => {
    interface ErrorDocument {
        error: { code: string; exitCode: number; message: string; fix: string | null };
    }
    function errorDocument(io: CapturedIo): ErrorDocument {
        assert.equal(io.stdout.length, 1, `one document on stdout, got ${JSON.stringify(io.stdout)}`);
        const doc = JSON.parse(io.stdout[0]) as ErrorDocument;
        assert.deepEqual(Object.keys(doc), ["error"]);
        assert.deepEqual(Object.keys(doc.error), ["code", "exitCode", "message", "fix"]);
        assert.equal(io.stderr.length, 0, `nothing on stderr, got ${JSON.stringify(io.stderr)}`);
        return doc;
    }

    it("argument errors from the parser, for every command: code usage, exit 2, the parser's message and where to look", async () => {
        for (const command of ["pending", "show x/1", "approve x/1", "reject x/1", "live", "history"]) {
            const { code, io } = await run([...command.split(" "), "--bogus", "--json"]);
            assert.equal(code, EXIT.usage, command);
            const { error } = errorDocument(io);
            assert.deepEqual({ code: error.code, exitCode: error.exitCode }, { code: "usage", exitCode: EXIT.usage }, command);
            assert.equal(error.message, "unknown option '--bogus'", command);
            assert.match(error.fix ?? "", new RegExp(`approvals ${command.split(" ")[0]} --help`), command);
        }
    });
    it("the fix names the command that was run, not a command name given as a value", async () => {
        const { io } = await run(["show", "--group", "pending", "--bogus", "--json"]);
        assert.match(errorDocument(io).error.fix ?? "", /`approvals show --help`/);
    });
    it("an unknown command and a missing argument", async () => {
        const unknown = await run(["promote", "--json"]);
        assert.equal(unknown.code, EXIT.usage);
        assert.match(errorDocument(unknown.io).error.message, /^unknown command 'promote'/);
        const missing = await run(["show", "--json"]);
        assert.equal(missing.code, EXIT.usage);
        assert.match(errorDocument(missing.io).error.message, /missing required argument 'version'/);
    });
    it("the CLI's own errors keep their exit code and carry the hint as fix", async () => {
        const noGroup = await run(["pending", "--json"]);
        assert.equal(noGroup.code, EXIT.usage);
        assert.deepEqual(errorDocument(noGroup.io).error.code, "usage");
        const noEnv = await run(["history", "--env", "qa", "--json"]);
        assert.equal(noEnv.code, EXIT.notFound);
        const { error } = errorDocument(noEnv.io);
        assert.deepEqual([error.code, error.exitCode], ["notFound", EXIT.notFound]);
        assert.match(error.message, /No environment "qa"/);
        assert.match(error.fix ?? "", /Known environments: dev, prod/);
        const noComment = await run(["approve", "abalone-dev/3", "--json"]);
        assert.match(errorDocument(noComment.io).error.fix ?? "", /approvals approve abalone-dev\/3 --comment/);
    });
    it("AWS errors too (nothing listening at --endpoint-url): code aws, exit 3", async () => {
        const url = `http://127.0.0.1:${await freePort()}`;
        const { code, io } = await run(["live", "--env", "dev", "--endpoint-url", url, "--json"]);
        assert.equal(code, EXIT.aws);
        const { error } = errorDocument(io);
        assert.deepEqual([error.code, error.exitCode], ["aws", EXIT.aws]);
        assert.match(error.message, /--endpoint-url/);
    });
    it("without --json, errors stay text on stderr and stdout stays empty", async () => {
        const { code, io } = await run(["promote"]);
        assert.equal(code, EXIT.usage);
        assert.deepEqual(io.stdout, []);
        assert.match(io.stderr.join("\n"), /^error: unknown command 'promote'/);
    });
});
