/**
 * The pack's Stage question served as the Pulumi CLI serves it (`run-policy-pack`, Analyzer gRPC), configured as
 * policies/prod.json configures a production environment of the promotion Staging → Production. moto keeps no
 * ModelLifeCycle, so SageMaker is the lifecycle double in front of moto (tests/helpers/sagemakerLifecycleProxy.ts);
 * DynamoDB, S3 and ECR (the Bytes question) are moto's.
 */
import * as assert from "assert";
import { SageMakerClient, UpdateModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { PolicyAnalyzer, type AnalyzeResult, type AnalyzedResource } from "../../cli/lib/policyAnalyzer";
import { motoAvailable, motoClientConfig, motoEndpoint, motoEnv } from "../helpers/moto";
import { startLifecycleProxy, type LifecycleProxy } from "../helpers/sagemakerLifecycleProxy";
import { ledgerTableName } from "../../policies/lib/ledgerLocation";
import { createLedgerTables, seedRegistry, type SeededRegistry } from "./motoRegistry";

const EC = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
const MOTO_ACCOUNT = "123456789012";
const ENV = `prodstage-${process.pid % 1_000_000}`;
const STACK_CONFIG = { "aws:region": "us-east-1", "sagemaker-approval-gate:environment": ENV, "sagemaker-approval-gate:production": "true" };
/** prod.json's options, with moto's account as the registry account (all of this test's packages live there). */
const STAGE_OPTIONS = { environment: "production", stage: "Production", stageOrder: ["Staging", "Production"], allowedAccounts: [MOTO_ACCOUNT] };

const variant = (modelName: string) => ({ variantName: "primary", modelName, initialInstanceCount: 1, instanceType: "ml.m5.large" });
const endpointConfig = (name: string, modelName: string): AnalyzedResource => ({ type: EC, name, properties: { productionVariants: [variant(modelName)] } });
const mandatory = (r: AnalyzeResult) => r.diagnostics.filter((d) => d.enforcementLevel === "mandatory");
const messages = (r: AnalyzeResult) => r.diagnostics.map((d) => d.message).join("\n---\n");

describe("policy pack over the Analyzer gRPC protocol: the Stage question (SageMaker lifecycle double in front of moto)", function () {
    this.timeout(300_000);
    let proxy: LifecycleProxy;
    let registry: SeededRegistry;
    let pack: PolicyAnalyzer;

    before(async function () {
        if (!motoAvailable()) throw new Error('moto is required for these tests: pip install "moto[server]" or set MOTO_ENDPOINT');
        const endpoint = await motoEndpoint();
        await createLedgerTables(endpoint, [ledgerTableName(ENV)]);
        registry = await seedRegistry(endpoint, [ledgerTableName(ENV)]);
        proxy = await startLifecycleProxy(endpoint);
        // The registry's approvers promote: one version only as far as Staging (deployed there), another to Production.
        const sagemaker = new SageMakerClient({ ...motoClientConfig(endpoint), endpoint: proxy.endpoint });
        const promote = (arn: string, Stage: string, StageStatus: string) =>
            sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelLifeCycle: { Stage, StageStatus, StageDescription: `${Stage} ${StageStatus}` } }));
        await promote(registry.packages.approved, "Staging", "Deployed");
        await promote(registry.packages.otherGroupApproved, "Production", "Approved");
        sagemaker.destroy();
        pack = await PolicyAnalyzer.start({
            stack: "prod",
            dryRun: false,
            stackConfig: STACK_CONFIG,
            env: { ...motoEnv(endpoint), AWS_ENDPOINT_URL_SAGEMAKER: proxy.endpoint },
            policyConfig: { "approved-model-packages-only": STAGE_OPTIONS, "approved-model-packages-only-stack": STAGE_OPTIONS },
        });
    });

    after(async () => {
        await pack?.close();
        await proxy?.close();
    });

    it("blocks a production endpoint config whose model comes from a version approved only for Staging, naming resource, package, status and lifecycle", async () => {
        const r = await pack.analyze(endpointConfig("staging-only", registry.models.approved));
        const [d] = mandatory(r);
        assert.strictEqual(r.diagnostics.length, 1, messages(r));
        assert.strictEqual(d.policyName, "approved-model-packages-only");
        assert.match(d.message, /EndpointConfiguration urn:pulumi:prod::sagemaker-approval-gate::aws:sagemaker\/endpointConfiguration:EndpointConfiguration::staging-only/);
        assert.ok(d.message.includes(`model "${registry.models.approved}"`), d.message);
        assert.ok(d.message.includes(`${registry.packages.approved} (status: Approved, lifecycle: Staging: Deployed ("Staging Deployed")) is not deployable for stage Production`), d.message);
        assert.match(d.message, /approved only up to Staging/);
        assert.match(d.message, /`approvals approve \S+\/1 --stage Production --comment "<why>"`, run in the registry account 123456789012/);
    });

    it("passes one whose model comes from a version approved for Production", async () => {
        const r = await pack.analyze(endpointConfig("promoted", registry.models.otherGroup));
        assert.deepStrictEqual(r.diagnostics, [], messages(r));
    });

    it("blocks a version that has no lifecycle at all", async () => {
        const r = await pack.analyze(endpointConfig("never-promoted", registry.models.overwrittenArtifact));
        assert.match(mandatory(r)[0]?.message ?? "", /lifecycle: none\) is not deployable for stage Production: it is not yet approved for Production/, messages(r));
    });
});
