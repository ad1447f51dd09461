/**
 * out-of-band against moto: the deployment ledger (DynamoDB) and the approvals topic read through an SQS
 * subscription; CloudTrail records shaped like the documented samples.
 */
import { strict as assert } from "assert";
import { handleOutOfBandEvent } from "../../../lambdas/out-of-band/handle";
import { auditTrail, readAuditRecord } from "../../../lambdas/shared/auditTrail";
import { assumedRole, cloudtrailCall, FIXTURE_ACCOUNT, FIXTURE_DEPLOYED_PREFIX, FIXTURE_ENDPOINT, FIXTURE_PACKAGE_PREFIX, iamUser } from "../../fixtures/events/cloudTrail";
import { createWorld, publisherFor, readInbox, recordingLogger, type World } from "../world";

describe("out-of-band (against moto)", function () {
    this.timeout(60_000);
    let world: World;
    let metrics: string[] = [];
    const settings = () => ({
        environment: "prod",
        ledgerTableName: world.tableName,
        resources: { endpointName: FIXTURE_ENDPOINT, deployedNamePrefix: FIXTURE_DEPLOYED_PREFIX, modelPackageArnPrefix: FIXTURE_PACKAGE_PREFIX },
        trusted: { deployRoleArn: `arn:aws:iam::${FIXTURE_ACCOUNT}:role/sagemaker-approval-gate-prod-deploy-approved`, packageUpdaterArns: [`arn:aws:iam::${FIXTURE_ACCOUNT}:role/ml-approver`] },
    });
    const deps = () => ({ dynamodb: world.dynamodb, publisher: publisherFor(world), logger: recordingLogger(), emitMetric: (line: string) => void metrics.push(line) });

    before(async () => {
        world = await createWorld("Abalone-OOB");
    });
    beforeEach(async () => {
        metrics = [];
        await readInbox(world);
    });

    it("an administrator's UpdateEndpoint: one AUDIT item in the ledger, one message to the topic naming who, what, which and how to check", async () => {
        const event = cloudtrailCall("UpdateEndpoint", { identity: assumedRole("Admin", "mallory"), eventId: "moto-evt-1" });
        const result = await handleOutOfBandEvent(event, settings(), deps());
        assert.equal(result.outcome, "alerted");
        const record = await readAuditRecord(world.dynamodb, world.tableName, event.detail.eventTime, "moto-evt-1");
        assert.equal(record?.eventName, "UpdateEndpoint");
        assert.equal(record?.principal, "arn:aws:iam::123456789012:role/Admin");
        assert.equal(record?.resource, FIXTURE_ENDPOINT);
        assert.ok(record?.alertSentAt, "marked alerted");
        const inbox = await readInbox(world);
        assert.equal(inbox.length, 1);
        assert.match(inbox[0].subject, /^\[prod\] OUT-OF-BAND CHANGE: UpdateEndpoint sagemaker-approval-gate-prod-endpoint by Admin\/mallory$/);
        assert.match(inbox[0].message, /Who: {3}arn:aws:sts::123456789012:assumed-role\/Admin\/mallory/);
        assert.match(inbox[0].message, /AttributeValue=moto-evt-1/);
        assert.equal(metrics.length, 1);
    });

    it("the same CloudTrail event delivered twice (new EventBridge id): one item, one message", async () => {
        const first = cloudtrailCall("DeleteEndpoint", { identity: iamUser("bob"), eventId: "moto-evt-2" });
        const again = { ...first, id: `${first.id}-redelivered` };
        assert.equal((await handleOutOfBandEvent(first, settings(), deps())).outcome, "alerted");
        assert.equal((await handleOutOfBandEvent(again, settings(), deps())).outcome, "already-alerted");
        assert.equal((await readInbox(world)).length, 1);
        const items = (await auditTrail(world.dynamodb, world.tableName, 50)).filter((r) => r.eventId === "moto-evt-2");
        assert.equal(items.length, 1);
    });

    it("the deploy role's call and an approver's UpdateModelPackage write nothing and send nothing; the audit trail lists alerts newest first", async () => {
        const before = (await auditTrail(world.dynamodb, world.tableName, 50)).length;
        assert.equal((await handleOutOfBandEvent(cloudtrailCall("CreateModel", { identity: assumedRole("sagemaker-approval-gate-prod-deploy-approved") }), settings(), deps())).outcome, "ignored");
        assert.equal((await handleOutOfBandEvent(cloudtrailCall("UpdateModelPackage", { identity: assumedRole("ml-approver", "alice") }), settings(), deps())).outcome, "ignored");
        assert.equal((await readInbox(world)).length, 0);
        const trail = await auditTrail(world.dynamodb, world.tableName, 50);
        assert.equal(trail.length, before);
        const times = trail.map((r) => r.eventTime);
        assert.deepEqual(times, [...times].sort().reverse());
    });
});
