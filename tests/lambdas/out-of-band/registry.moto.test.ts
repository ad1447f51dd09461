/**
 * out-of-band in a registry stack, against moto: settings read from the environment the stack gives the function
 * (outOfBandFunctionEnvironment of the registry's watch: no endpoint, no deploy role), the audit table (the same keys
 * as the ledger's audit trail) and the approvals topic read through an SQS subscription. A stage environment's deploy
 * role marking Deployed from its account writes and sends nothing; an administrator's UpdateModelPackage is audited
 * once and told once, with the check for a package.
 */
import { strict as assert } from "assert";
import { outOfBandFunctionEnvironment, watchScope } from "../../../infra/components/detectiveControl";
import { handleOutOfBandEvent } from "../../../lambdas/out-of-band/handle";
import { settingsFromEnv } from "../../../lambdas/out-of-band/settings";
import { auditTrail, readAuditRecord } from "../../../lambdas/shared/auditTrail";
import { snsPublisher } from "../../../lambdas/shared/publish";
import { assumedRole, cloudtrailCall, FIXTURE_ACCOUNT, FIXTURE_REGION } from "../../fixtures/events/cloudTrail";
import { motoEndpoint } from "../../helpers/moto";
import { createLedgerAndTopic, motoClients, readInbox, recordingLogger, type AccountClients } from "../world";

const PROD = "333333333333";

describe("out-of-band in a registry stack (against moto)", function () {
    this.timeout(60_000);
    let clients: AccountClients;
    let audit: Awaited<ReturnType<typeof createLedgerAndTopic>>;
    let metrics: string[] = [];
    const settings = () => {
        const w = watchScope({
            scope: { partition: "aws", region: FIXTURE_REGION, accountId: FIXTURE_ACCOUNT },
            environment: "shared",
            groupName: "abalone-prod",
            packageUpdaterArns: [`arn:aws:iam::${FIXTURE_ACCOUNT}:role/ml-release-manager`],
            packageUpdaterEnvironments: [{ environment: "prod", accountId: PROD }],
            rules: ["packageCalls"],
        });
        return settingsFromEnv(outOfBandFunctionEnvironment({ environment: "shared", ledgerTableName: audit.tableName, topicArn: audit.topicArn, ...w }));
    };
    const deps = () => ({ dynamodb: clients.dynamodb, publisher: snsPublisher(clients.sns, audit.topicArn), logger: recordingLogger(), emitMetric: (line: string) => void metrics.push(line) });

    before(async () => {
        clients = motoClients(await motoEndpoint());
        audit = await createLedgerAndTopic(clients, "shared-audit");
    });
    beforeEach(async () => {
        metrics = [];
        await readInbox({ sqs: clients.sqs, inboxUrl: audit.inboxUrl });
    });

    it("reads a registry function's environment: the group's prefix, no endpoint and no deploy role", () => {
        const s = settings();
        assert.deepEqual(s.resources, { modelPackageArnPrefix: `arn:aws:sagemaker:${FIXTURE_REGION}:${FIXTURE_ACCOUNT}:model-package/abalone-prod/` });
        assert.equal(s.trusted.deployRoleArn, undefined);
        assert.ok(s.trusted.packageUpdaterArns.includes(`arn:aws:iam::${PROD}:role/sagemaker-approval-gate-prod-deploy-approved`));
    });

    it("prod's deploy role marking Deployed from prod's account, and the release manager approving: nothing written, nothing sent", async () => {
        const before = (await auditTrail(clients.dynamodb, audit.tableName, 50)).length;
        const mark = cloudtrailCall("UpdateModelPackage", { identity: assumedRole("sagemaker-approval-gate-prod-deploy-approved", "deploy", PROD) });
        assert.equal((await handleOutOfBandEvent(mark, settings(), deps())).outcome, "ignored");
        const approve = cloudtrailCall("UpdateModelPackage", { identity: assumedRole("ml-release-manager", "bob") });
        assert.equal((await handleOutOfBandEvent(approve, settings(), deps())).outcome, "ignored");
        assert.equal((await auditTrail(clients.dynamodb, audit.tableName, 50)).length, before);
        assert.equal((await readInbox({ sqs: clients.sqs, inboxUrl: audit.inboxUrl })).length, 0);
        assert.deepEqual(metrics, []);
    });

    it("an administrator of prod's account approving in the registry: one audit item, one message naming who and how to check the version; a redelivery sends nothing", async () => {
        const event = cloudtrailCall("UpdateModelPackage", { identity: assumedRole("Admin", "mallory", PROD), eventId: "registry-evt-1" });
        const result = await handleOutOfBandEvent(event, settings(), deps());
        assert.equal(result.outcome, "alerted");
        const record = await readAuditRecord(clients.dynamodb, audit.tableName, event.detail.eventTime, "registry-evt-1");
        assert.equal(record?.principal, `arn:aws:iam::${PROD}:role/Admin`);
        assert.equal(record?.resource, event.detail.requestParameters.modelPackageArn);
        assert.ok(record?.alertSentAt);
        const inbox = await readInbox({ sqs: clients.sqs, inboxUrl: audit.inboxUrl });
        assert.equal(inbox.length, 1);
        assert.match(inbox[0].subject, /^\[shared\] OUT-OF-BAND CHANGE: UpdateModelPackage abalone-prod\/3 by Admin\/mallory$/);
        assert.match(inbox[0].message, /Who: {3}arn:aws:sts::333333333333:assumed-role\/Admin\/mallory/);
        assert.match(inbox[0].message, /describe-model-package --model-package-name arn:aws:sagemaker:us-west-2:123456789012:model-package\/abalone-prod\/3/);
        assert.match(inbox[0].message, new RegExp(`audit trail of ${audit.tableName}`));
        assert.doesNotMatch(inbox[0].message, /describe-endpoint/);
        assert.equal(metrics.length, 1);
        assert.equal((await handleOutOfBandEvent({ ...event, id: `${event.id}-again` }, settings(), deps())).outcome, "already-alerted");
        assert.equal((await readInbox({ sqs: clients.sqs, inboxUrl: audit.inboxUrl })).length, 0);
    });

    it("settingsFromEnv refuses a function that would watch nothing, or half an endpoint, naming the variable", () => {
        const base = { ENVIRONMENT: "shared", LEDGER_TABLE_NAME: "t", TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:t" };
        assert.throws(() => settingsFromEnv(base), /MODEL_PACKAGE_ARN_PREFIX is not set/);
        assert.throws(() => settingsFromEnv({ ...base, ENDPOINT_NAME: "e", DEPLOYED_NAME_PREFIX: "p--" }), /DEPLOY_ROLE_ARN is not set/);
    });
});
