import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadEnvironment, rawConfigFromDocument } from "../../../cli/approvals/environment";
import { CliError, EXIT, isNotFound, toCliError } from "../../../cli/approvals/errors";
import { makeProject } from "./helpers";

const repo = path.resolve(__dirname, "../../..");

describe("cli/approvals/errors", () => {
    const site = { region: "eu-west-1", action: "list model packages of g" };
    it("turns a missing-credentials error into exit 3 with what to do", () => {
        const e = toCliError(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }), site);
        assert.equal(e.exitCode, EXIT.aws);
        assert.match(e.message, /No usable AWS credentials/);
        assert.match(e.hint ?? "", /AWS_PROFILE/);
    });
    it("names region and endpoint for network failures and access denied", () => {
        const net = toCliError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), { ...site, endpointUrl: "http://127.0.0.1:1" });
        assert.equal(net.exitCode, EXIT.aws);
        assert.match(net.message, /--endpoint-url http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED, region eu-west-1\)/);
        assert.match(net.hint ?? "", /Start the emulator there, or fix the URL/);
        const noEndpoint = toCliError(Object.assign(new Error("getaddrinfo ENOTFOUND sagemaker.eu-west-1.amazonaws.com"), { code: "ENOTFOUND" }), site);
        assert.match(noEndpoint.message, /^Could not reach AWS in eu-west-1 \(ENOTFOUND/);
        const denied = toCliError(Object.assign(new Error("no"), { name: "AccessDeniedException" }), site);
        assert.match(denied.message, /Access denied in eu-west-1/);
    });
    it("recognises SageMaker's not-found errors", () => {
        assert.equal(isNotFound(Object.assign(new Error("Model package x not found"), { name: "ValidationException" })), true);
        assert.equal(isNotFound(Object.assign(new Error("1 validation error"), { name: "ValidationException" })), false);
    });
});

describe("cli/approvals/environment", () => {
    it("reads the repo's stacks: group, endpoint, region and metric gate (an environment stack has no gate: its registry trains)", () => {
        const dev = loadEnvironment("dev", repo);
        assert.equal(dev.groupName, "abalone-dev");
        assert.equal(dev.endpointName, "sagemaker-approval-gate-dev-endpoint");
        assert.equal(dev.region, "us-east-1");
        assert.equal(dev.metric?.threshold, 6);
        const shared = loadEnvironment("shared", repo);
        assert.equal(shared.groupName, "abalone");
        assert.equal(shared.metric?.threshold, 4.5);
        const staging = loadEnvironment("staging", repo);
        assert.equal(staging.groupName, "abalone");
        assert.equal(staging.metric, undefined);
        const prod = loadEnvironment("prod", repo);
        assert.equal(prod.groupName, "abalone");
        assert.equal(prod.endpointName, "sagemaker-approval-gate-prod-endpoint");
        assert.equal(prod.metric, undefined);
    });
    it("strips the project namespace and ignores other namespaces", () => {
        const { raw, region } = rawConfigFromDocument({ config: { "aws:region": "eu-west-1", "sagemaker-approval-gate:production": true, "other:x": 1 } });
        assert.deepEqual(raw, { production: true });
        assert.equal(region, "eu-west-1");
    });
    it("exits 4 for an unknown environment, listing the known ones", () => {
        assert.throws(() => loadEnvironment("qa", repo), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.notFound && /Known environments: dev, prod, shared, staging\./.test(e.hint ?? ""));
    });
    it("reads a stack file without aws:region in the region the CLI was given, and refuses it with the CLI's own hint when none is", () => {
        const dir = makeProject("staging", "abalone-staging");
        const file = path.join(dir, "Pulumi.staging.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^ {2}aws:region: .*\n/m, ""));
        try {
            const env = loadEnvironment("staging", dir, "us-east-1");
            assert.equal(env.groupName, "abalone-staging");
            assert.equal(env.region, undefined, "the stack's own region stays unset");
            assert.throws(() => loadEnvironment("staging", dir), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage && /Pulumi\.staging\.yaml has no aws:region, and neither --region nor AWS_REGION is set/.test(e.message));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
    it("exits 2 with the schema's message for an invalid stack config", () => {
        const dir = makeProject("broken", "Bad Group Name");
        try {
            assert.throws(() => loadEnvironment("broken", dir), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage && /modelPackageGroupName/.test(e.message));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
