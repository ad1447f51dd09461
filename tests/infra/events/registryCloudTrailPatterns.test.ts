/**
 * The registry stack's detective control rule (UpdateModelPackage on the group, infra/layouts/registry.ts) against the
 * documented CloudTrail record of UpdateModelPackage, in moto's EventBridge, and the function's re-check (classifyCall)
 * with the same settings: the stage approvers, and each stage environment's deploy and smoke roles calling from their
 * own accounts, do not fire; anyone else does; another group's versions do not. The fixture account plays the registry.
 */
import { strict as assert } from "assert";
import { watchScope } from "../../../infra/components/detectiveControl";
import { outOfBandPatterns } from "../../../infra/events/cloudTrailPatterns";
import { classifyCall } from "../../../lambdas/out-of-band/calls";
import { assumedRole, awsService, cloudtrailCall, FIXTURE_ACCOUNT, FIXTURE_ENDPOINT, FIXTURE_PACKAGE_PREFIX, FIXTURE_REGION, iamUser } from "../../fixtures/events/cloudTrail";
import type { EventFixture } from "../../fixtures/events";
import { motoBus } from "./motoBus";

const STAGING = "222222222222";
const PROD = "333333333333";
const OTHER = "444444444444";
const REGISTRY = watchScope({
    scope: { partition: "aws", region: FIXTURE_REGION, accountId: FIXTURE_ACCOUNT },
    environment: "shared",
    groupName: "abalone-prod",
    packageUpdaterArns: [`arn:aws:iam::${FIXTURE_ACCOUNT}:role/ml-staging-approver`, `arn:aws:iam::${FIXTURE_ACCOUNT}:role/ml-release-manager`],
    packageUpdaterEnvironments: [
        { environment: "staging", accountId: STAGING },
        { environment: "prod", accountId: PROD },
    ],
    rules: ["packageCalls"],
});
const RULES = outOfBandPatterns(REGISTRY.resources, REGISTRY.trusted, ["packageCalls"]);
const update = (identity: Record<string, any>, parameters?: Record<string, unknown>) => cloudtrailCall("UpdateModelPackage", { identity, parameters });
const ARN_OF = (group: string, account = FIXTURE_ACCOUNT) => `arn:aws:sagemaker:${FIXTURE_REGION}:${account}:model-package/${group}/3`;

const CASES: { label: string; event: EventFixture; fires: boolean }[] = [
    { label: "the documented UpdateModelPackage by the IAM user intern", event: cloudtrailCall("UpdateModelPackage"), fires: true },
    { label: "a Staging approver's session (registry account)", event: update(assumedRole("ml-staging-approver", "alice")), fires: false },
    { label: "the release manager's session (Production's approver)", event: update(assumedRole("ml-release-manager", "bob")), fires: false },
    { label: "prod's deploy role from prod's account (marks Production Deployed)", event: update(assumedRole("sagemaker-approval-gate-prod-deploy-approved", "deploy", PROD)), fires: false },
    { label: "staging's deploy role from staging's account", event: update(assumedRole("sagemaker-approval-gate-staging-deploy-approved", "deploy", STAGING)), fires: false },
    { label: "staging's smoke role from staging's account (rejects its stage)", event: update(assumedRole("sagemaker-approval-gate-staging-smoke-test", "smoke", STAGING)), fires: false },
    { label: "prod's deploy role name in staging's account", event: update(assumedRole("sagemaker-approval-gate-prod-deploy-approved", "deploy", STAGING)), fires: true },
    { label: "a deploy role of the same name in an account that is no stage's", event: update(assumedRole("sagemaker-approval-gate-prod-deploy-approved", "deploy", OTHER)), fires: true },
    { label: "an administrator of prod's account", event: update(assumedRole("Admin", "mallory", PROD)), fires: true },
    { label: "an administrator of the registry account", event: update(assumedRole("Admin", "mallory")), fires: true },
    { label: "the documented IAM user Alice", event: update(iamUser("Alice")), fires: true },
    { label: "an AWS service (no ARN: fail closed)", event: update(awsService()), fires: true },
    { label: "the group capitalised in the ARN", event: update(assumedRole("Admin", "mallory"), { modelPackageArn: ARN_OF("Abalone-Prod") }), fires: true },
    { label: "another group's version", event: update(assumedRole("Admin", "mallory"), { modelPackageArn: ARN_OF("abalone-prod-eu") }), fires: false },
    { label: "the same group name in another account", event: update(assumedRole("Admin", "mallory"), { modelPackageArn: ARN_OF("abalone-prod", OTHER) }), fires: false },
    { label: "an UpdateEndpoint (no endpoint here: not watched)", event: cloudtrailCall("UpdateEndpoint", { identity: assumedRole("Admin", "mallory") }), fires: false },
];

describe("registry out-of-band rule against documented CloudTrail records (moto EventBridge)", function () {
    this.timeout(60_000);
    // Every case is put on the bus in one batch; each test checks its own case's answer.
    let routed: string[][];

    before(async () => {
        const bus = await motoBus("registry-oob", RULES);
        routed = await bus.routedAll(CASES.map((c) => c.event));
    });

    for (const [i, c] of CASES.entries()) {
        it(`${c.label}: ${c.fires ? "fires" : "fires nothing"}, and the function's re-check agrees`, async () => {
            assert.deepEqual(routed[i], c.fires ? ["packageCalls"] : []);
            assert.equal(classifyCall(c.event.detail, REGISTRY.resources, REGISTRY.trusted).kind === "out-of-band", c.fires);
        });
    }
});

describe("which stack watches what (pure)", () => {
    it("the registry watches the group only and trusts no deploy role of its own; its trust list is each stage's roles by name", () => {
        assert.deepEqual(Object.keys(RULES), ["packageCalls"]);
        assert.deepEqual(REGISTRY.resources, { modelPackageArnPrefix: FIXTURE_PACKAGE_PREFIX });
        assert.equal(REGISTRY.trusted.deployRoleArn, undefined);
        assert.ok(REGISTRY.trusted.packageUpdaterArns.includes(`arn:aws:iam::${PROD}:role/sagemaker-approval-gate-prod-smoke-test`));
    });

    it("an environment stack watches its endpoint only: an UpdateModelPackage there is the registry's to judge", () => {
        const env = watchScope({ scope: { partition: "aws", region: FIXTURE_REGION, accountId: FIXTURE_ACCOUNT }, environment: "prod", endpointName: FIXTURE_ENDPOINT, packageUpdaterArns: ["arn:aws:iam::123456789012:role/x"], rules: ["endpointCalls"] });
        assert.deepEqual(Object.keys(outOfBandPatterns(env.resources, env.trusted, ["endpointCalls"])), ["endpointCalls"]);
        assert.deepEqual(env.trusted.packageUpdaterArns, [], "no package updater trusted where no package is watched");
        assert.equal(classifyCall(cloudtrailCall("UpdateModelPackage", { identity: assumedRole("Admin") }).detail, env.resources, env.trusted).kind, "ignored");
        assert.equal(classifyCall(cloudtrailCall("UpdateEndpoint", { identity: assumedRole("Admin") }).detail, env.resources, env.trusted).kind, "out-of-band");
    });

    it("refuses to watch nothing, or a kind without what it needs, naming it", () => {
        const scope = { partition: "aws", region: FIXTURE_REGION, accountId: FIXTURE_ACCOUNT };
        assert.throws(() => watchScope({ scope, environment: "shared", packageUpdaterArns: [], rules: [] }), /no rule to declare/);
        assert.throws(() => watchScope({ scope, environment: "shared", packageUpdaterArns: [], rules: ["packageCalls"] }), /packageCalls needs this account's model package group/);
        assert.throws(() => watchScope({ scope, environment: "prod", packageUpdaterArns: [], rules: ["endpointCalls"] }), /endpointCalls needs the endpoint's name/);
    });
});
