import * as assert from "assert";
import { ledgerLocation, ledgerTableName } from "../../../policies/lib/ledgerLocation";
import { readApprovalGateConfig } from "../../../policies/lib/gateConfig";
import { ledgerTableName as cliLedgerTableName } from "../../../cli/approvals/ledger";
import { stackContext } from "../helpers";

describe("policies/lib/ledgerLocation", () => {
    const derived = readApprovalGateConfig({});

    it("names the table as the infra and the CLI do: sagemaker-approval-gate-<environment>-deployments", () => {
        for (const env of ["prod", "dev", "prod-eu", "staging2"]) assert.strictEqual(ledgerTableName(env), cliLedgerTableName(env));
    });

    it("takes the environment from the stack config (this project's namespace first), else the stack name; the region from aws:region", () => {
        assert.deepStrictEqual(ledgerLocation(stackContext({ stack: "prod" }), derived), { known: true, table: "sagemaker-approval-gate-prod-deployments", region: "us-east-1", derivedFrom: 'stack name "prod"' });
        const configured = ledgerLocation(stackContext({ stack: "live", config: { "sagemaker-approval-gate:environment": "prod-eu" } }), derived);
        assert.strictEqual(configured.known && configured.table, "sagemaker-approval-gate-prod-eu-deployments");
        const ownProject = ledgerLocation(stackContext({ stack: "live", project: "acme-ml", config: { "acme-ml:environment": "prod", "sagemaker-approval-gate:environment": "other" } }), derived);
        assert.strictEqual(ownProject.known && ownProject.table, "sagemaker-approval-gate-prod-deployments");
        const fromEnv = ledgerLocation(stackContext({ stack: "prod", region: undefined, environmentRegion: "eu-west-1" }), derived);
        assert.strictEqual(fromEnv.known && fromEnv.region, "eu-west-1");
    });

    it("uses the policy config's ledgerTableName as given", () => {
        const r = ledgerLocation(stackContext({ stack: "Not A Name" }), readApprovalGateConfig({ ledgerTableName: "team-ledger" }));
        assert.deepStrictEqual(r, { known: true, table: "team-ledger", region: "us-east-1", derivedFrom: "policy config ledgerTableName" });
    });

    it("says which setting holds a name it cannot use, and the fix", () => {
        const r = ledgerLocation(stackContext({ stack: "Prod_EU" }), derived);
        assert.ok(!r.known);
        assert.match(r.problem, /stack name is "Prod_EU", not an environment name .*Fix: set the policy config option ledgerTableName .* deploymentsTableName/);
        const doubleHyphen = ledgerLocation(stackContext({ stack: "x", config: { "sagemaker-approval-gate:environment": "prod--eu" } }), derived);
        assert.ok(!doubleHyphen.known && /sagemaker-approval-gate:environment is "prod--eu"/.test(doubleHyphen.problem));
    });

    it("rejects a ledgerTableName DynamoDB would not accept, naming the option", () => {
        assert.throws(() => readApprovalGateConfig({ ledgerTableName: "no spaces" }), /policy config option "ledgerTableName" has the value "no spaces": expected a DynamoDB table name/);
        assert.throws(() => readApprovalGateConfig({ ledgerTableName: 7 }), /"ledgerTableName" has the value 7/);
    });
});
