/**
 * The policy pack served exactly as the Pulumi CLI serves it (`run-policy-pack` in policies/, Analyzer gRPC),
 * with its AWS calls going to moto. One pack process per scenario, started once for the whole suite.
 */
import * as assert from "assert";
import * as net from "net";
import { PolicyAnalyzer, UNKNOWN, type AnalyzeResult, type AnalyzedResource, type PolicyDiagnostic } from "../../cli/lib/policyAnalyzer";
import { motoAvailable, motoEndpoint, motoEnv } from "../helpers/moto";
import { ledgerTableName } from "../../policies/lib/ledgerLocation";
import { createLedgerTables, seedRegistry, type SeededRegistry } from "./motoRegistry";

const EC = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
const MODEL = "aws:sagemaker/model:Model";
const PIPELINE = "aws:sagemaker/pipeline:Pipeline";
const ENDPOINT = "aws:sagemaker/endpoint:Endpoint";
// Environments of this run (moto is shared by every suite): the pack derives its ledger, sagemaker-approval-gate-<env>-deployments.
const PROD_ENV = `prodit-${process.pid % 1_000_000}`;
const DEV_ENV = `devit-${process.pid % 1_000_000}`;
const PROD_CONFIG = { "aws:region": "us-east-1", "sagemaker-approval-gate:environment": PROD_ENV, "sagemaker-approval-gate:production": "true" };
const DEV_CONFIG = { "aws:region": "us-east-1", "sagemaker-approval-gate:environment": DEV_ENV, "sagemaker-approval-gate:production": "false" };

const variant = (modelName: unknown, variantName = "primary") => ({ variantName, modelName, initialInstanceCount: 1, instanceType: "ml.m5.large" });
const endpointConfig = (name: string, props: Record<string, unknown>): AnalyzedResource => ({ type: EC, name, properties: props });
const mandatory = (r: AnalyzeResult) => r.diagnostics.filter((d) => d.enforcementLevel === "mandatory");
const advisory = (r: AnalyzeResult) => r.diagnostics.filter((d) => d.enforcementLevel === "advisory");
const messages = (ds: PolicyDiagnostic[]) => ds.map((d) => d.message).join("\n---\n");

/** A loopback port nobody listens on: SageMaker "unreachable". */
async function closedPort(): Promise<number> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

const pipelineDefinition = (status: unknown) => JSON.stringify({
    Version: "2020-12-01",
    Parameters: [{ Name: "ModelApprovalStatus", Type: "String", DefaultValue: "PendingManualApproval" }],
    Steps: [{
        Name: "Check", Type: "Condition",
        Arguments: { Conditions: [], IfSteps: [{ Name: "Register", Type: "RegisterModel", Arguments: { ModelPackageGroupName: "g", ModelApprovalStatus: status } }], ElseSteps: [] },
    }],
});

describe("policy pack over the Analyzer gRPC protocol, against moto", function () {
    this.timeout(180_000);
    let registry: SeededRegistry;
    let prodUp: PolicyAnalyzer;
    let prodPreview: PolicyAnalyzer;
    let devUp: PolicyAnalyzer;
    let unreachable: PolicyAnalyzer;

    before(async function () {
        if (!motoAvailable()) throw new Error('moto is required for these tests: pip install "moto[server]" or set MOTO_ENDPOINT');
        const endpoint = await motoEndpoint();
        const ledgers = [ledgerTableName(PROD_ENV), ledgerTableName(DEV_ENV)];
        await createLedgerTables(endpoint, ledgers);
        registry = await seedRegistry(endpoint, ledgers);
        const env = motoEnv(endpoint);
        const deadPort = await closedPort();
        // The four pack processes start in parallel: each is a full `run-policy-pack` with type-checking ts-node.
        [prodUp, prodPreview, devUp, unreachable] = await Promise.all([
            PolicyAnalyzer.start({ stack: "prod", dryRun: false, stackConfig: PROD_CONFIG, env }),
            PolicyAnalyzer.start({ stack: "prod", dryRun: true, stackConfig: PROD_CONFIG, env }),
            PolicyAnalyzer.start({ stack: "dev", dryRun: false, stackConfig: DEV_CONFIG, env }),
            PolicyAnalyzer.start({
                stack: "prod", dryRun: false, stackConfig: PROD_CONFIG,
                env: { ...env, AWS_ENDPOINT_URL: "", AWS_ENDPOINT_URL_SAGEMAKER: `http://127.0.0.1:${deadPort}` },
                policyConfig: { "approved-model-packages-only": { lookupTimeoutMs: 3_000, maxAttempts: 2 } },
            }),
        ]);
    });

    after(async () => {
        await Promise.all([prodUp, prodPreview, devUp, unreachable].map((a) => a?.close()));
    });

    it("describes the pack as the CLI sees it: three mandatory policies with config schemas", async () => {
        const info = await prodUp.getAnalyzerInfo();
        assert.strictEqual(info.name, "sagemaker-approval-gate");
        assert.strictEqual(info.version, "0.1.0");
        assert.deepStrictEqual(info.policies.map((p) => [p.name, p.type, p.enforcementLevel]), [
            ["approved-model-packages-only", "resource", "mandatory"],
            ["approved-model-packages-only-stack", "stack", "mandatory"],
            ["pipelines-register-for-manual-approval", "resource", "mandatory"],
        ]);
        assert.deepStrictEqual((info.policies[0].configSchema as any).productionStackPatterns.default.slice(0, 4), ["prod", "prod-*", "*-prod", "production"]);
    });

    describe("production stack, pulumi up", () => {
        it("passes an endpoint config whose production and shadow variants serve Approved packages", async () => {
            const r = await prodUp.analyze(endpointConfig("ok", { productionVariants: [variant(registry.models.approved)], shadowProductionVariants: [variant(registry.models.approved, "shadow")] }));
            assert.deepStrictEqual(r.diagnostics, []);
        });

        it("blocks a shadow variant serving a Pending package, saying which resource, variant, model, package and status", async () => {
            const r = await prodUp.analyze(endpointConfig("shadow-pending", { productionVariants: [variant(registry.models.approved)], shadowProductionVariants: [variant(registry.models.pending, "challenger")] }));
            const [d] = mandatory(r);
            assert.strictEqual(r.diagnostics.length, 1, messages(r.diagnostics));
            assert.strictEqual(d.policyName, "approved-model-packages-only");
            assert.match(d.message, /EndpointConfiguration urn:pulumi:prod::sagemaker-approval-gate::aws:sagemaker\/endpointConfiguration:EndpointConfiguration::shadow-pending/);
            assert.match(d.message, /variant "challenger" \(shadowProductionVariants\[0\]\)/);
            assert.ok(d.message.includes(`model "${registry.models.pending}"`), d.message);
            assert.ok(d.message.includes(`${registry.packages.pending} (status: PendingManualApproval)`), d.message);
            assert.match(d.message, /Fix: /);
        });

        it("checks every container of a multi-container model", async () => {
            const r = await prodUp.analyze(endpointConfig("multi", { productionVariants: [variant(registry.models.multiContainer)] }));
            assert.strictEqual(mandatory(r).length, 1, messages(r.diagnostics));
            assert.match(r.diagnostics[0].message, /Containers\[1\] -> package .* \(status: PendingManualApproval\)/);
        });

        it("blocks an existing model that names an Approved package but brings its own image and model data", async () => {
            const r = await prodUp.analyze(endpointConfig("swapped", { productionVariants: [variant(registry.models.swappedArtifacts)] }));
            assert.strictEqual(mandatory(r).length, 1, messages(r.diagnostics));
            assert.match(r.diagnostics[0].message, /names package .* but its image, modelDataUrl differ from the package's/);
        });

        it("blocks an existing model built from a raw image", async () => {
            const r = await prodUp.analyze(endpointConfig("raw", { productionVariants: [variant(registry.models.raw)] }));
            assert.match(mandatory(r)[0].message, /is built from image .* with no model package: it bypasses the model registry/);
        });

        it("blocks a package that was approved and then rejected (the live status counts)", async () => {
            const r = await prodUp.analyze(endpointConfig("flipped", { productionVariants: [variant(registry.models.approvedThenRejected)] }));
            assert.ok(mandatory(r)[0].message.includes(`${registry.packages.approvedThenRejected} (status: Rejected)`), messages(r.diagnostics));
        });

        it("blocks a Rejected package", async () => {
            const r = await prodUp.analyze(endpointConfig("rejected", { productionVariants: [variant(registry.models.rejected)] }));
            assert.match(mandatory(r)[0].message, /status: Rejected/);
        });

        it("blocks a model whose package lives in another account the deployer cannot see (not found = not verified)", async () => {
            const r = await prodUp.analyze(endpointConfig("other-account", { productionVariants: [variant(registry.models.otherAccount)] }));
            assert.match(mandatory(r)[0].message, /999999999999.*approval could not be verified: the package was not found/);
        });

        it("blocks a model name that does not exist", async () => {
            const r = await prodUp.analyze(endpointConfig("ghost", { productionVariants: [variant("no-such-model-anywhere")] }));
            assert.match(mandatory(r)[0].message, /model "no-such-model-anywhere": approval could not be verified: model "no-such-model-anywhere" was not found/);
        });

        it("blocks a package from another group once production is restricted to its own group", async () => {
            assert.deepStrictEqual((await prodUp.analyze(endpointConfig("other-group", { productionVariants: [variant(registry.models.otherGroup)] }))).diagnostics, []);
            await prodUp.configure({ "approved-model-packages-only": { allowedModelPackageGroups: [registry.group] } });
            try {
                const r = await prodUp.analyze(endpointConfig("other-group", { productionVariants: [variant(registry.models.otherGroup)] }));
                assert.match(mandatory(r)[0].message, /is not an allowed group/);
                const ok = await prodUp.analyze(endpointConfig("same-group", { productionVariants: [variant(registry.models.approved)] }));
                assert.deepStrictEqual(ok.diagnostics, []);
            } finally {
                await prodUp.configure({});
            }
        });

        it("blocks a Model resource built from a raw image, and passes one built from an Approved package", async () => {
            const raw = await prodUp.analyze({ type: MODEL, name: "raw", properties: { executionRoleArn: "arn:aws:iam::123456789012:role/r", primaryContainer: { image: "custom:latest", modelDataUrl: "s3://x/model.tar.gz" } } });
            assert.match(mandatory(raw)[0].message, /Model urn:.*::raw primaryContainer is built from image "custom:latest"/);
            const ok = await prodUp.analyze({ type: MODEL, name: "ok", properties: { executionRoleArn: "arn:aws:iam::123456789012:role/r", primaryContainer: { modelPackageName: registry.packages.approved } } });
            assert.deepStrictEqual(ok.diagnostics, []);
        });

        it("blocks a Model whose containers[] include a Pending package", async () => {
            const r = await prodUp.analyze({ type: MODEL, name: "multi", properties: { containers: [{ modelPackageName: registry.packages.approved }, { modelPackageName: registry.packages.pending }] } });
            assert.strictEqual(mandatory(r).length, 1, messages(r.diagnostics));
            assert.match(r.diagnostics[0].message, /containers\[1\] -> package/);
        });

        it("follows an endpoint to a configuration made outside the program, and blocks its Pending second variant", async () => {
            const ok = await prodUp.analyze({ type: ENDPOINT, name: "ok", properties: { endpointConfigName: registry.endpointConfigs.approved } });
            assert.deepStrictEqual(ok.diagnostics, []);
            const r = await prodUp.analyze({ type: ENDPOINT, name: "sneaky", properties: { endpointConfigName: registry.endpointConfigs.secondVariantPending } });
            assert.strictEqual(mandatory(r).length, 1, messages(r.diagnostics));
            assert.match(r.diagnostics[0].message, /Endpoint .*::sneaky -> endpoint configuration ".*" variant "challenger" \(ProductionVariants\[1\]\) -> model ".*-pending" PrimaryContainer -> package .*status: PendingManualApproval/);
        });

        it("describes a model in the region the endpoint config will be created in (its region input, its provider's region)", async () => {
            const here = await prodUp.analyze(endpointConfig("home", { productionVariants: [variant(registry.models.approved)] }));
            assert.deepStrictEqual(here.diagnostics, []);
            const own = await prodUp.analyze(endpointConfig("elsewhere", { region: "eu-west-1", productionVariants: [variant(registry.models.approved)] }));
            assert.match(mandatory(own)[0]?.message ?? "", /approval could not be verified: model ".*" was not found/, messages(own.diagnostics));
            const viaProvider = await prodUp.analyze({
                ...endpointConfig("via-provider", { productionVariants: [variant(registry.models.approved)] }),
                provider: { type: "pulumi:providers:aws", name: "eu", urn: "urn:pulumi:prod::sagemaker-approval-gate::pulumi:providers:aws::eu", properties: { region: "eu-west-1" } },
            });
            assert.match(mandatory(viaProvider)[0]?.message ?? "", /was not found/, messages(viaProvider.diagnostics));
        });

        it("sees through secret-wrapped values (the server unwraps them before the policy reads them)", async () => {
            const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
            const raw = await prodUp.analyze({ type: MODEL, name: "secret-raw", properties: { primaryContainer: secret({ image: "custom:latest" }) } });
            assert.match(mandatory(raw)[0]?.message ?? "", /primaryContainer is built from image "custom:latest"/, messages(raw.diagnostics));
            const pending = await prodUp.analyze(endpointConfig("secret-pending", { productionVariants: [variant(secret(registry.models.pending))] }));
            assert.match(mandatory(pending)[0]?.message ?? "", /status: PendingManualApproval/, messages(pending.diagnostics));
        });

        it("refuses SageMaker resources of the aws-native provider, which it cannot trace", async () => {
            const r = await prodUp.analyze({ type: "aws-native:sagemaker:EndpointConfig", name: "native", properties: { productionVariants: [{ modelName: registry.models.approved }] } });
            assert.match(mandatory(r)[0].message, /cannot trace to an Approved model package version/);
        });

        it("parses an object templateBody (aws-native Stack): blocks its SageMaker endpoint, passes a harmless template", async () => {
            const stack = (name: string, type: string): AnalyzedResource => ({
                type: "aws-native:cloudformation:Stack", name,
                properties: { templateBody: { Resources: { Logs: { Type: "AWS::S3::Bucket" }, Serving: { Type: type, Properties: { EndpointConfigName: "cfg" } } } } },
            });
            const blocked = await prodUp.analyze(stack("cfn-endpoint", "AWS::SageMaker::Endpoint"));
            assert.strictEqual(mandatory(blocked).length, 1, messages(blocked.diagnostics));
            assert.match(blocked.diagnostics[0].message, /aws-native:cloudformation:Stack urn:.*::cfn-endpoint deploys a CloudFormation template that declares "Serving" \(AWS::SageMaker::Endpoint\)/);
            const ok = await prodUp.analyze(stack("cfn-topic", "AWS::SNS::Topic"));
            assert.deepStrictEqual(ok.diagnostics, []);
        });

        it("blocks a pipeline that registers models as Approved, and passes one that registers them for manual approval", async () => {
            const bad = await prodUp.analyze({ type: PIPELINE, name: "self-approving", properties: { pipelineName: "p", pipelineDefinition: pipelineDefinition("Approved") } });
            assert.strictEqual(mandatory(bad)[0].policyName, "pipelines-register-for-manual-approval");
            const good = await prodUp.analyze({ type: PIPELINE, name: "good", properties: { pipelineName: "p", pipelineDefinition: pipelineDefinition({ Get: "Parameters.ModelApprovalStatus" }) } });
            assert.deepStrictEqual(good.diagnostics, []);
        });
    });

    describe("production stack, pulumi up: the bytes a person approved (issue 9)", () => {
        it("refuses a Model from an Approved package whose model.tar.gz was overwritten, with the rule's message, and allows an untouched one", async () => {
            const tampered = await prodUp.analyze({ type: MODEL, name: "tampered", properties: { primaryContainer: { modelPackageName: registry.packages.overwrittenArtifact } } });
            const [d, ...rest] = mandatory(tampered);
            assert.deepStrictEqual(rest, [], messages(tampered.diagnostics));
            assert.strictEqual(d.policyName, "approved-model-packages-only");
            const uri = `s3://${registry.bytes.bucket}/${registry.bytes.overwrittenKey}`;
            assert.ok(d.message.includes(`${registry.packages.overwrittenArtifact} (status: Approved) is not deployable: its bytes changed since it was pinned at registration`), d.message);
            assert.match(d.message, new RegExp(`model\\.tar\\.gz ${uri.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} overwritten: pinned version \\S+ etag "[0-9a-f]+", now version \\S+ etag "[0-9a-f]+"`));
            assert.match(d.message, new RegExp(`Pins read from the ledger table ${ledgerTableName(PROD_ENV)} in us-east-1`));
            const untouched = await prodUp.analyze({ type: MODEL, name: "untouched", properties: { primaryContainer: { modelPackageName: registry.packages.approved } } });
            assert.deepStrictEqual(untouched.diagnostics, []);
        });

        it("refuses an endpoint configuration whose model's image tag was re-pushed since registration", async () => {
            const r = await prodUp.analyze(endpointConfig("moved-tag", { productionVariants: [variant(registry.models.movedTag)] }));
            assert.strictEqual(mandatory(r).length, 1, messages(r.diagnostics));
            assert.ok(r.diagnostics[0].message.includes(`image ${registry.bytes.movedImage} tag moved: pinned sha256:`), r.diagnostics[0].message);
            assert.match(r.diagnostics[0].message, /, now sha256:[0-9a-f]{64}/);
        });

        it("fails closed when the ledger table does not exist (ResourceNotFoundException): not verified, not approved", async () => {
            await prodUp.configure({ "approved-model-packages-only": { ledgerTableName: ledgerTableName(`empty-${process.pid % 1_000_000}`) } });
            try {
                const r = await prodUp.analyze({ type: MODEL, name: "no-ledger", properties: { primaryContainer: { modelPackageName: registry.packages.approved } } });
                assert.match(mandatory(r)[0]?.message ?? "", /is not deployable: its artifact pins could not be read from the deployment ledger \(ResourceNotFoundException/, messages(r.diagnostics));
            } finally {
                await prodUp.configure({});
            }
        });
    });

    describe("production stack, pulumi preview (unknown values)", () => {
        const model = (name: string, packageArn: string): AnalyzedResource => ({ type: MODEL, name, properties: { name: UNKNOWN, executionRoleArn: UNKNOWN, primaryContainer: { modelPackageName: packageArn } } });
        const ecOn = (name: string, modelUrn: string | undefined): AnalyzedResource => ({
            type: EC, name, properties: { productionVariants: [variant(UNKNOWN)] },
            propertyDependencies: modelUrn ? { productionVariants: [modelUrn] } : {},
            dependencies: modelUrn ? [modelUrn] : [],
        });
        const urn = (type: string, name: string) => `urn:pulumi:prod::sagemaker-approval-gate::${type}::${name}`;

        it("defers an unknown model name at the resource level with an advisory note, never silently", async () => {
            const r = await prodPreview.analyze(ecOn("new-config", undefined));
            assert.strictEqual(mandatory(r).length, 0);
            assert.strictEqual(advisory(r).length, 1);
            assert.match(r.diagnostics[0].message, /model name that is not known during preview\. It is judged by approved-model-packages-only-stack/);
        });

        it("joins the unknown name to an approved Model of the stack: passes", async () => {
            const r = await prodPreview.analyzeStack([model("good-model", registry.packages.approved), ecOn("new-config", urn(MODEL, "good-model"))]);
            assert.deepStrictEqual(mandatory(r), [], messages(r.diagnostics));
        });

        it("joins the unknown name to a Model built from a Pending package: blocks the endpoint config", async () => {
            const r = await prodPreview.analyzeStack([model("pending-model", registry.packages.pending), ecOn("new-config", urn(MODEL, "pending-model"))]);
            const [d] = mandatory(r);
            assert.strictEqual(d.policyName, "approved-model-packages-only-stack");
            assert.strictEqual(d.urn, urn(EC, "new-config"));
            assert.match(d.message, /status: PendingManualApproval/);
        });

        it("blocks an unknown name it cannot attribute to any Model of the stack", async () => {
            const r = await prodPreview.analyzeStack([ecOn("orphan-config", undefined)]);
            assert.match(mandatory(r)[0].message, /cannot be attributed to a Model declared in this stack/);
        });

        it("blocks a Model whose package ARN is unknown in preview", async () => {
            const r = await prodPreview.analyze(model("unknown-package", UNKNOWN));
            assert.match(mandatory(r)[0].message, /modelPackageName is not known during preview/);
        });

        it("notes an unknown pipeline definition (checked again before creation)", async () => {
            const r = await prodPreview.analyze({ type: PIPELINE, name: "p", properties: { pipelineName: "p", pipelineDefinition: UNKNOWN } });
            assert.strictEqual(mandatory(r).length, 0);
            assert.match(advisory(r)[0].message, /not known during preview/);
        });
    });

    describe("dev stack", () => {
        it("does not block: the same findings are advisory", async () => {
            const r = await devUp.analyze(endpointConfig("dev-config", { productionVariants: [variant(registry.models.pending)] }));
            assert.strictEqual(mandatory(r).length, 0);
            assert.strictEqual(advisory(r).length, 1);
            assert.match(r.diagnostics[0].message, /advisory: not a production stack \(stack name "dev" matches non-production pattern "dev"/);
            const model = await devUp.analyze({ type: MODEL, name: "raw", properties: { primaryContainer: { image: "custom:latest" } } });
            assert.deepStrictEqual(model.diagnostics.map((d) => d.enforcementLevel), ["advisory"]);
        });

        it("reports a tampered package as advisory, and passes an untouched one", async () => {
            const tampered = await devUp.analyze({ type: MODEL, name: "tampered", properties: { primaryContainer: { modelPackageName: registry.packages.overwrittenArtifact } } });
            assert.deepStrictEqual(tampered.diagnostics.map((d) => d.enforcementLevel), ["advisory"], messages(tampered.diagnostics));
            assert.match(tampered.diagnostics[0].message, /\[advisory: not a production stack .*its bytes changed since it was pinned at registration/);
            assert.deepStrictEqual((await devUp.analyze({ type: MODEL, name: "ok", properties: { primaryContainer: { modelPackageName: registry.packages.approved } } })).diagnostics, []);
        });

        it("still blocks a self-approving pipeline (mandatory everywhere)", async () => {
            const r = await devUp.analyze({ type: PIPELINE, name: "self-approving", properties: { pipelineDefinition: pipelineDefinition("Approved") } });
            assert.strictEqual(mandatory(r).length, 1);
        });
    });

    describe("SageMaker unreachable", () => {
        it("fails closed on the endpoint config, saying approval could not be verified and why", async () => {
            const r = await unreachable.analyze(endpointConfig("cfg", { productionVariants: [variant(registry.models.approved)] }));
            assert.match(mandatory(r)[0].message, /approval could not be verified: DescribeModel\(".*"\) (failed|timed out) \(.*(ECONNREFUSED|TimeoutError)/);
        });

        it("fails closed on a Model built from an Approved package", async () => {
            const r = await unreachable.analyze({ type: MODEL, name: "m", properties: { primaryContainer: { modelPackageName: registry.packages.approved } } });
            assert.match(mandatory(r)[0].message, /approval could not be verified: the lookup (failed|timed out)/);
        });
    });
});
