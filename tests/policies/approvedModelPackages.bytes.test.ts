/**
 * approved-model-packages-only, the bytes question (issue 9): an Approved version is deployable in production only
 * if its artifact and images are the ones pinned at registration. awsguard shape: the happy path, then one thing
 * changed at a time in the double's world (sagemakerDoubles.ts: ledger pins, S3 objects, ECR tags).
 */
import * as assert from "assert";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { BatchGetImageCommand } from "@aws-sdk/client-ecr";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { DescribeModelPackageCommand } from "@aws-sdk/client-sagemaker";
import { approvedModelPackagesOnlyPolicy, approvedModelPackagesOnlyStackPolicy } from "../../policies/approvedModelPackages";
import { judgeBytes } from "../../policies/lib/approvalRule";
import type { Observations } from "../../policies/lib/artifactPins";
import { tamperedKey } from "../../policies/lib/pinRecord";
import { RegistryLookup } from "../../policies/lib/registryLookup";
import { EndpointConfiguration, MODEL, ENDPOINT_CONFIGURATION, Model } from "../../policies/lib/resourceTypes";
import { advisory, blocking, createResourceValidationArgs, createStackValidationArgs, runResourcePolicy, runStackPolicy, stackContext } from "./helpers";
import {
    APPROVED,
    PACKAGE_IMAGE,
    PACKAGE_IMAGE_DIGEST,
    PENDING,
    PROD_LEDGER,
    artifactOf,
    bytesMocks,
    callsOf,
    pinItem,
    registrationPins,
    pkg,
    sageMakerMock,
    statuses,
    useSageMakerFixture,
    world,
} from "./sagemakerDoubles";

const variant = (modelName: string, variantName = "primary") => ({ variantName, modelName, initialInstanceCount: 1, instanceType: "ml.m5.large" });
const OTHER_DIGEST = `sha256:${"b".repeat(64)}`;
const ARTIFACT = artifactOf(APPROVED).uri;

describe("approved-model-packages-only: the bytes a person approved", () => {
    const state = useSageMakerFixture({ dryRun: false });
    const model = (config?: Record<string, unknown>, arn = APPROVED) =>
        runResourcePolicy(approvedModelPackagesOnlyPolicy(state.deps), createResourceValidationArgs(Model, { primaryContainer: { modelPackageName: arn } }, { name: "model", config }));
    const endpointConfig = () =>
        runResourcePolicy(approvedModelPackagesOnlyPolicy(state.deps), createResourceValidationArgs(EndpointConfiguration, { productionVariants: [variant("approved-model")] }, { name: "endpoint-config" }));
    /** What the rule (approvalRule.ts, which deploy-approved calls too) says for the same pins and observations. */
    const sharedMessage = (observed: Observations) => {
        const description = { InferenceSpecification: { Containers: [{ Image: PACKAGE_IMAGE, ImageDigest: PACKAGE_IMAGE_DIGEST, ModelDataUrl: ARTIFACT }] } };
        const answer = judgeBytes(APPROVED, description, { ok: true, value: { pins: registrationPins(APPROVED), tampered: [] } }, observed);
        assert.ok(!answer.intact);
        return answer.reason;
    };

    it("passes an Approved version whose artifact and image are the pinned ones, reading its pins from the environment's ledger", async () => {
        assert.deepStrictEqual(await model(), []);
        assert.deepStrictEqual(await endpointConfig(), []);
        const [query] = bytesMocks.dynamodb.commandCalls(QueryCommand);
        assert.strictEqual(query.args[0].input.TableName, PROD_LEDGER);
        assert.strictEqual(bytesMocks.dynamodb.commandCalls(QueryCommand).length, 1, "one pins Query per package");
        assert.strictEqual(bytesMocks.s3.commandCalls(HeadObjectCommand).length, 1, "one HeadObject per artifact");
        assert.strictEqual(bytesMocks.ecr.commandCalls(BatchGetImageCommand).length, 1, "one BatchGetImage: every package shares one tag");
    });

    it("refuses an overwritten model artifact, with the message deploy-approved gives (old and new identity) and the fix", async () => {
        world.objects.set(ARTIFACT, { VersionId: "v2", ETag: "\"etag-v2\"" });
        const [r, ...rest] = blocking(await model());
        assert.deepStrictEqual(rest, []);
        const message = sharedMessage({ artifacts: [{ uri: ARTIFACT, status: "present", versionId: "v2", etag: "etag-v2" }], images: [{ image: PACKAGE_IMAGE, status: "resolved", digest: PACKAGE_IMAGE_DIGEST, source: "ecr" }] });
        assert.ok(r.message.includes(message), `${r.message}\n  should include\n${message}`);
        assert.match(r.message, /model\.tar\.gz s3:\/\/models\/abalone-prod\/3\/model\.tar\.gz overwritten: pinned version v1 etag "etag-v1", now version v2 etag "etag-v2"/);
        assert.match(r.message, /Model urn:.*::model primaryContainer -> package .*abalone-prod\/3 \(status: Approved\) is not deployable: its bytes changed since it was pinned at registration/);
        assert.match(r.message, /Fix: reference another Approved version; register a new version/);
        assert.match(r.message, /Pins read from the ledger table sagemaker-approval-gate-prod-deployments in us-east-1, named from stack name "prod"/);
    });

    it("refuses a deleted model artifact", async () => {
        world.objects.set(ARTIFACT, null);
        assert.match(blocking(await model())[0]?.message ?? "", /model\.tar\.gz s3:\/\/.* deleted: pinned version v1 etag "etag-v1", now deleted/);
    });

    it("refuses an image whose tag moved to another digest", async () => {
        world.tags.set("sagemaker-scikit-learn:1.2-1-cpu-py3", OTHER_DIGEST);
        const [r] = blocking(await endpointConfig());
        const message = sharedMessage({ artifacts: [{ uri: ARTIFACT, status: "present", versionId: "v1", etag: "etag-v1" }], images: [{ image: PACKAGE_IMAGE, status: "resolved", digest: OTHER_DIGEST, source: "ecr" }] });
        assert.ok(r?.message.includes(message), r?.message);
        assert.match(r.message, /tag moved: pinned sha256:a{64}, now sha256:b{64}/);
    });

    it("refuses a version with no pins in the ledger (registered before pinning, or pinning failed)", async () => {
        world.ledgerItems.set(APPROVED, []);
        const [r] = blocking(await model());
        assert.match(r?.message ?? "", /no artifact pins are recorded for it/);
        assert.match(r.message, /Fix: register the version again .*Pins read from the ledger table sagemaker-approval-gate-prod-deployments in us-east-1/);
        assert.strictEqual(bytesMocks.s3.commandCalls(HeadObjectCommand).length, 0, "nothing to compare with: nothing observed");
    });

    it("refuses corrupt pins, naming the field", async () => {
        world.ledgerItems.set(APPROVED, [pinItem(registrationPins(APPROVED), JSON.stringify({ schema: 1, packageArn: APPROVED, pinnedAt: "x", artifacts: "all of them", images: [] }))]);
        assert.match(blocking(await model())[0]?.message ?? "", /its artifact pins are unreadable: pin record of .*: artifacts is "all of them", expected a list/);
    });

    it("refuses a version with a TAMPERED record, even if its bytes look untouched now", async () => {
        const key = tamperedKey(APPROVED, "2026-12-01T08:00:00.000Z", "evt-1");
        world.ledgerItems.set(APPROVED, [
            pinItem(registrationPins(APPROVED)),
            { pk: { S: key.pk }, sk: { S: key.sk }, recordedAt: { S: "2026-12-01T08:00:00.000Z" }, eventId: { S: "evt-1" }, source: { S: "s3-event" }, summary: { S: "model.tar.gz overwritten" }, changes: { S: "[]" } },
        ]);
        assert.match(blocking(await model())[0]?.message ?? "", /its bytes changed after registration: model\.tar\.gz overwritten \(found by s3-event at 2026-12-01T08:00:00.000Z\); a version whose bytes changed is never deployed again/);
    });

    it("refuses when HeadObject is throttled past its retries: could not verify, not approved", async () => {
        world.headErrors.set(ARTIFACT, Object.assign(new Error("Slow Down"), { name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 } }));
        const [r] = blocking(await model());
        assert.match(r?.message ?? "", /its bytes could not be verified against the pins: model\.tar\.gz s3:\/\/.* could not be verified: pinned version v1 etag "etag-v1", throttled: HeadObject/);
        assert.match(r.message, /Fix: let the deployer read the pins \(dynamodb:Query on the deployment ledger\), the artifacts \(s3:GetObject and s3:ListBucket/);
    });

    it("refuses an image referenced by a mutable tag with no recorded digest", async () => {
        world.ledgerItems.set(APPROVED, [pinItem(registrationPins(APPROVED, { images: [{ image: PACKAGE_IMAGE, digestSource: "none" }] }))]);
        const [r] = blocking(await model());
        assert.match(r?.message ?? "", /part of it is not pinned, so its bytes cannot be verified: image .* not pinned: a mutable tag with no recorded digest; reference the image by digest/);
        assert.match(r.message, /Fix: register a new version whose images are referenced by digest/);
    });

    it("passes a digest-pinned image (…@sha256:…) without asking ECR", async () => {
        const byDigest = `683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn@${PACKAGE_IMAGE_DIGEST}`;
        sageMakerMock.on(DescribeModelPackageCommand, { ModelPackageName: APPROVED }).resolves({
            ModelPackageArn: APPROVED, ModelPackageGroupName: "abalone-prod", ModelPackageVersion: 3, ModelApprovalStatus: "Approved", ModelPackageStatus: "Completed",
            InferenceSpecification: { Containers: [{ Image: byDigest, ModelDataUrl: ARTIFACT }], SupportedContentTypes: [], SupportedResponseMIMETypes: [] },
        });
        world.ledgerItems.set(APPROVED, [pinItem(registrationPins(APPROVED, { images: [{ image: byDigest, digest: PACKAGE_IMAGE_DIGEST, digestSource: "uri" }] }))]);
        assert.deepStrictEqual(await model(), []);
        assert.strictEqual(bytesMocks.ecr.commandCalls(BatchGetImageCommand).length, 0);
    });

    it("judges a refused version by its status alone (one finding), even when its bytes changed too", async () => {
        world.objects.set(artifactOf(PENDING).uri, null);
        const [r, ...rest] = blocking(await model(undefined, PENDING));
        assert.deepStrictEqual(rest, []);
        assert.match(r.message, /status: PendingManualApproval\) is not deployable: its ModelApprovalStatus is PendingManualApproval/);
    });

    it("reads the pins in parallel with DescribeModelPackage", async () => {
        let queried = false;
        let describedAfterQuery = false;
        bytesMocks.dynamodb.on(QueryCommand).callsFake(async (input: { ExpressionAttributeValues: Record<string, { S: string }> }) => {
            queried = true;
            await new Promise((r) => setTimeout(r, 20));
            return { Items: [pinItem(registrationPins(input.ExpressionAttributeValues[":pk"].S.replace(/^PINS#/, "")))] };
        });
        const describe = sageMakerMock.commandCalls(DescribeModelPackageCommand);
        assert.strictEqual(describe.length, 0);
        const judged = model();
        await new Promise((r) => setImmediate(r));
        describedAfterQuery = queried && callsOf(DescribeModelPackageCommand) === 1;
        assert.deepStrictEqual(await judged, []);
        assert.ok(describedAfterQuery, "the Query and DescribeModelPackage were both in flight before either answered");
    });

    it("uses the policy config's ledgerTableName, and refuses a ledger it cannot name, naming the setting and the fix", async () => {
        assert.deepStrictEqual(await model({ ledgerTableName: "my-ledger" }), []);
        assert.strictEqual(bytesMocks.dynamodb.commandCalls(QueryCommand)[0].args[0].input.TableName, "my-ledger");
        state.context = stackContext({ stack: "prod", config: { "sagemaker-approval-gate:environment": "Prod_EU" } });
        const [r] = blocking(await model());
        assert.match(r?.message ?? "", /its bytes cannot be verified: the deployment ledger holding the artifact pins cannot be named: sagemaker-approval-gate:environment is "Prod_EU", not an environment name .*Fix: set the policy config option ledgerTableName/);
        const bad = blocking(await model({ ledgerTableName: "a b" }));
        assert.match(bad[0]?.message ?? "", /policy config option "ledgerTableName" has the value "a b": expected a DynamoDB table name/);
    });

    it("the stack join judges the bytes of the Models it joins", async () => {
        world.objects.set(ARTIFACT, { VersionId: "v2", ETag: "\"etag-v1\"" });
        const reported = await runStackPolicy(approvedModelPackagesOnlyStackPolicy(state.deps), createStackValidationArgs([
            { type: MODEL, name: "m", props: { primaryContainer: { modelPackageName: APPROVED } } },
            { type: ENDPOINT_CONFIGURATION, name: "ec", props: { productionVariants: [variant("04da6b54-80e4-46f7-96ec-b56ff0331ba9")] }, propertyDependencies: { productionVariants: ["m"] } },
        ]));
        assert.match(blocking(reported)[0]?.message ?? "", /overwritten: pinned version v1 etag "etag-v1", now version v2 etag "etag-v1"/);
    });

    it("dev stays advisory: the same finding, not blocking", async () => {
        state.context = stackContext({ stack: "dev" });
        world.objects.set(ARTIFACT, { VersionId: "v2", ETag: "\"etag-v2\"" });
        const reported = await model();
        assert.deepStrictEqual(blocking(reported), []);
        assert.match(advisory(reported)[0]?.message ?? "", /\[advisory: not a production stack .*overwritten: pinned version v1/);
        assert.strictEqual(bytesMocks.dynamodb.commandCalls(QueryCommand)[0].args[0].input.TableName, "sagemaker-approval-gate-dev-deployments");
    });
});

describe("approved-model-packages-only: calls per distinct package, for many resources sharing packages", () => {
    const state = useSageMakerFixture({ dryRun: false });
    const PACKAGES = 10;
    const RESOURCES = 500;
    const versions = Array.from({ length: PACKAGES }, (_, i) => pkg("abalone-prod", 100 + i));
    before(() => versions.forEach((arn) => (statuses[arn] = "Approved")));
    after(() => versions.forEach((arn) => delete statuses[arn]));

    it("500 Models over 10 packages: 1 DescribeModelPackage + 1 pins Query per package, 1 HeadObject per artifact, 1 BatchGetImage per distinct tag", async () => {
        const lookup = state.lookup as RegistryLookup;
        const policy = approvedModelPackagesOnlyPolicy(state.deps);
        const all = await Promise.all(Array.from({ length: RESOURCES }, (_, i) =>
            runResourcePolicy(policy, createResourceValidationArgs(Model, { primaryContainer: { modelPackageName: versions[i % PACKAGES] } }, { name: `m${i}` }))));
        assert.deepStrictEqual(all.flat(), []);
        assert.deepStrictEqual(
            { DescribeModelPackage: callsOf(DescribeModelPackageCommand), Query: bytesMocks.dynamodb.commandCalls(QueryCommand).length, HeadObject: bytesMocks.s3.commandCalls(HeadObjectCommand).length, BatchGetImage: bytesMocks.ecr.commandCalls(BatchGetImageCommand).length },
            { DescribeModelPackage: PACKAGES, Query: PACKAGES, HeadObject: PACKAGES, BatchGetImage: 1 },
        );
        assert.deepStrictEqual(lookup.bytes.calls, { Query: PACKAGES, HeadObject: PACKAGES, BatchGetImage: 1 }, "the pack's own counters agree");
    });
});
