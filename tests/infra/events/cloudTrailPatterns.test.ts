/**
 * The detective control's rules (infra/events/cloudTrailPatterns.ts) against the documented CloudTrail records of
 * SageMaker calls, in moto's EventBridge (an independent matcher), and the function's own re-check (classifyCall)
 * on the same records: the two must agree on every case.
 */
import { strict as assert } from "assert";
import { endpointCallsPattern, outOfBandPatterns, packageCallsPattern, untrustedCallerBranches } from "../../../infra/events/cloudTrailPatterns";
import { classifyCall, type TrustedPrincipals, type WatchedResources } from "../../../lambdas/out-of-band/calls";
import {
    assumedRole,
    awsService,
    cloudtrailCall,
    FIXTURE_ACCOUNT,
    FIXTURE_DEPLOYED_PREFIX,
    FIXTURE_ENDPOINT,
    FIXTURE_PACKAGE_PREFIX,
    iamUser,
    type FixtureCall,
} from "../../fixtures/events/cloudTrail";
import type { EventFixture } from "../../fixtures/events";
import { motoBus } from "./motoBus";

const DEPLOY_ROLE = "sagemaker-approval-gate-prod-deploy-approved";
const RESOURCES: WatchedResources = { endpointName: FIXTURE_ENDPOINT, deployedNamePrefix: FIXTURE_DEPLOYED_PREFIX, modelPackageArnPrefix: FIXTURE_PACKAGE_PREFIX };
const TRUSTED = {
    deployRoleArn: `arn:aws:iam::${FIXTURE_ACCOUNT}:role/${DEPLOY_ROLE}`,
    packageUpdaterArns: [`arn:aws:iam::${FIXTURE_ACCOUNT}:role/ml-approver`, `arn:aws:iam::${FIXTURE_ACCOUNT}:user/release-manager`],
} satisfies TrustedPrincipals;
const RULES = outOfBandPatterns(RESOURCES, TRUSTED);

const ENDPOINT_CALLS: FixtureCall[] = ["CreateModel", "CreateEndpointConfig", "CreateEndpoint", "UpdateEndpoint", "UpdateEndpointWeightsAndCapacities", "DeleteEndpoint"];
const deployRole = () => assumedRole(DEPLOY_ROLE, DEPLOY_ROLE);
const approverRole = () => assumedRole("ml-approver", "alice");
const admin = () => assumedRole("Admin", "mallory");

const CASES: { label: string; event: EventFixture; fires: string[] }[] = [
    ...ENDPOINT_CALLS.flatMap((call) => [
        { label: `documented ${call} by the IAM user intern`, event: cloudtrailCall(call), fires: ["endpointCalls"] },
        { label: `${call} by the deploy role`, event: cloudtrailCall(call, { identity: deployRole() }), fires: [] },
        { label: `${call} by an administrator's session`, event: cloudtrailCall(call, { identity: admin() }), fires: ["endpointCalls"] },
        { label: `${call} by an approver's session (approvers may not touch the endpoint)`, event: cloudtrailCall(call, { identity: approverRole() }), fires: ["endpointCalls"] },
        { label: `${call} by an AWS service (no ARN)`, event: cloudtrailCall(call, { identity: awsService() }), fires: ["endpointCalls"] },
    ]),
    { label: "UpdateEndpoint by the documented IAM user Alice", event: cloudtrailCall("UpdateEndpoint", { identity: iamUser("Alice") }), fires: ["endpointCalls"] },
    { label: "UpdateEndpoint by the approver user (trusted for packages only)", event: cloudtrailCall("UpdateEndpoint", { identity: iamUser("release-manager") }), fires: ["endpointCalls"] },
    { label: "UpdateEndpoint, the endpoint name in other case", event: cloudtrailCall("UpdateEndpoint", { identity: admin(), parameters: { endpointName: FIXTURE_ENDPOINT.toUpperCase() } }), fires: ["endpointCalls"] },
    { label: "UpdateEndpoint by a role named like the deploy role with a suffix", event: cloudtrailCall("UpdateEndpoint", { identity: assumedRole(`${DEPLOY_ROLE}-x`) }), fires: ["endpointCalls"] },
    {
        label: "UpdateEndpoint of another environment (prod-eu), with its own config",
        event: cloudtrailCall("UpdateEndpoint", { identity: admin(), parameters: { endpointName: "sagemaker-approval-gate-prod-eu-endpoint", endpointConfigName: "sagemaker-approval-gate-prod-eu--v1-00000000" } }),
        fires: [],
    },
    {
        label: "UpdateEndpoint of another environment pointed at one of this environment's configs",
        event: cloudtrailCall("UpdateEndpoint", { identity: admin(), parameters: { endpointName: "sagemaker-approval-gate-prod-eu-endpoint", endpointConfigName: `${FIXTURE_DEPLOYED_PREFIX}v3-1a2b3c4d` } }),
        fires: ["endpointCalls"],
    },
    { label: "CreateModel of another environment (prod-eu--)", event: cloudtrailCall("CreateModel", { identity: admin(), parameters: { modelName: "sagemaker-approval-gate-prod-eu--v1-00000000" } }), fires: [] },
    { label: "CreateModel with a name of its own", event: cloudtrailCall("CreateModel", { identity: admin(), parameters: { modelName: "scratch-model" } }), fires: [] },
    { label: "CreateEndpointConfig, the prefix in capitals", event: cloudtrailCall("CreateEndpointConfig", { identity: admin(), parameters: { endpointConfigName: `${FIXTURE_DEPLOYED_PREFIX.toUpperCase()}V9-X` } }), fires: ["endpointCalls"] },
    { label: "DeleteEndpoint of another endpoint", event: cloudtrailCall("DeleteEndpoint", { identity: admin(), parameters: { endpointName: "someone-elses-endpoint" } }), fires: [] },
    { label: "UpdateEndpoint that failed (AccessDenied): an attempt", event: cloudtrailCall("UpdateEndpoint", { identity: admin(), extra: { errorCode: "AccessDenied", errorMessage: "not authorized" } }), fires: ["endpointCalls"] },
    { label: "UpdateModelPackage by the documented IAM user intern", event: cloudtrailCall("UpdateModelPackage"), fires: ["packageCalls"] },
    { label: "UpdateModelPackage by an approver's session", event: cloudtrailCall("UpdateModelPackage", { identity: approverRole() }), fires: [] },
    { label: "UpdateModelPackage by the approver user", event: cloudtrailCall("UpdateModelPackage", { identity: iamUser("release-manager") }), fires: [] },
    { label: "UpdateModelPackage by the deploy role", event: cloudtrailCall("UpdateModelPackage", { identity: deployRole() }), fires: [] },
    { label: "UpdateModelPackage by an administrator", event: cloudtrailCall("UpdateModelPackage", { identity: admin() }), fires: ["packageCalls"] },
    { label: "UpdateModelPackage by an AWS service (no ARN)", event: cloudtrailCall("UpdateModelPackage", { identity: awsService() }), fires: ["packageCalls"] },
    {
        label: "UpdateModelPackage, the group capitalised in the ARN",
        event: cloudtrailCall("UpdateModelPackage", { identity: admin(), parameters: { modelPackageArn: FIXTURE_PACKAGE_PREFIX.replace("abalone-prod", "Abalone-Prod") + "3" } }),
        fires: ["packageCalls"],
    },
    {
        label: "UpdateModelPackage of another group sharing the name's start",
        event: cloudtrailCall("UpdateModelPackage", { identity: admin(), parameters: { modelPackageArn: FIXTURE_PACKAGE_PREFIX.replace("abalone-prod/", "abalone-prod-eu/") + "3" } }),
        fires: [],
    },
    { label: "UpdateModelPackage of another account's group", event: cloudtrailCall("UpdateModelPackage", { identity: admin(), parameters: { modelPackageArn: FIXTURE_PACKAGE_PREFIX.replace(FIXTURE_ACCOUNT, "210987654321") + "3" } }), fires: [] },
    { label: "a watched name with another eventSource", event: cloudtrailCall("UpdateEndpoint", { identity: admin(), extra: { eventSource: "sagemaker-runtime.amazonaws.com" } }), fires: [] },
    { label: "DescribeEndpoint (not watched)", event: cloudtrailCall("UpdateEndpoint", { identity: admin(), extra: { eventName: "DescribeEndpoint" } }), fires: [] },
];

describe("out-of-band rules against documented CloudTrail records (moto EventBridge)", function () {
    this.timeout(60_000);
    // Every case is put on the bus in one batch; each test checks its own case's answer.
    let routed: string[][];

    before(async () => {
        const bus = await motoBus("out-of-band", RULES);
        routed = await bus.routedAll(CASES.map((c) => c.event));
    });

    for (const [i, c] of CASES.entries()) {
        it(`${c.label}: ${c.fires.length ? `fires ${c.fires.join(", ")}` : "fires nothing"}, and the function's re-check agrees`, async () => {
            assert.deepEqual(routed[i], c.fires);
            const verdict = classifyCall(c.event.detail, RESOURCES, TRUSTED);
            const eventSourceOk = c.event.detail.eventSource === "sagemaker.amazonaws.com";
            assert.equal(verdict.kind === "out-of-band" && eventSourceOk, c.fires.length > 0, JSON.stringify(verdict));
        });
    }
});

describe("out-of-band patterns (pure)", () => {
    it("match the CloudTrail detail type from SageMaker only, each call list in its own rule", () => {
        for (const pattern of Object.values(RULES)) {
            assert.deepEqual(pattern.source, ["aws.sagemaker"]);
            assert.deepEqual(pattern["detail-type"], ["AWS API Call via CloudTrail"]);
        }
        assert.deepEqual((RULES.packageCalls.detail as any).eventName, ["UpdateModelPackage"]);
        assert.equal((RULES.endpointCalls.detail as any).eventName.length, 6);
    });

    it("trust the deploy role for endpoint calls and add the package updaters for package calls, sorted, once each", () => {
        assert.deepEqual(untrustedCallerBranches([TRUSTED.deployRoleArn, TRUSTED.deployRoleArn]), untrustedCallerBranches([TRUSTED.deployRoleArn]));
        const packageBranches = (RULES.packageCalls.detail as any).$or;
        assert.deepEqual(packageBranches[0].userIdentity.sessionContext.sessionIssuer.arn[0]["anything-but"], [TRUSTED.deployRoleArn, ...TRUSTED.packageUpdaterArns].sort());
        assert.deepEqual((RULES.endpointCalls.detail as any).$or[0].userIdentity.sessionContext.sessionIssuer.arn[0]["anything-but"], [TRUSTED.deployRoleArn]);
    });

    it("refuse inputs that would watch too much or nothing, naming the value", () => {
        assert.throws(() => endpointCallsPattern({ ...RESOURCES, deployedNamePrefix: "sagemaker-approval-gate-prod-" }, TRUSTED), /must end with "--"/);
        assert.throws(() => endpointCallsPattern({ ...RESOURCES, endpointName: " " }, TRUSTED), /endpoint name " " is empty/);
        assert.throws(() => packageCallsPattern({ ...RESOURCES, modelPackageArnPrefix: "arn:aws:sagemaker:us-west-2:1:model-package/" }, TRUSTED), /is not arn:<partition>/);
        assert.throws(() => packageCallsPattern({ endpointName: FIXTURE_ENDPOINT }, TRUSTED), /model package ARN prefix undefined is not/);
        assert.throws(() => endpointCallsPattern(RESOURCES, { packageUpdaterArns: [] }), /need the deploy role's ARN/);
        assert.throws(() => untrustedCallerBranches([]), /no trusted principal/);
    });
});
