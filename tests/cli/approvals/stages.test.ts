/** Where the CLI learns the stage order, how it checks --stage, and which ledger holds a stage's pins. Pure. */
import { strict as assert } from "assert";
import type { Environment } from "../../../cli/approvals/environment";
import { CliError, EXIT } from "../../../cli/approvals/errors";
import { chooseStage, parseStagesFlag, stageLedgerTable, stageSetup } from "../../../cli/approvals/stages";

const REGISTRY = "111111111111";

function env(layout: unknown, environment = "shared"): Environment {
    return { name: environment, configFile: `/p/Pulumi.${environment}.yaml`, config: { environment, layout } } as unknown as Environment;
}
const registry = env({
    kind: "registry",
    stageOrder: ["Staging", "Production"],
    stages: [
        { name: "Staging", environment: "staging", accountId: "222222222222", approverArns: [] },
        { name: "Production", environment: "prod", accountId: "333333333333", approverArns: [] },
    ],
});
const prodStack = env({ kind: "environment", stage: "Production", stageOrder: ["Staging", "Production"] }, "prod");

function throws(fn: () => unknown, code: number, message: RegExp): void {
    assert.throws(fn, (e: unknown) => e instanceof CliError && e.exitCode === code && message.test(e.message));
}

describe("cli/approvals/stages", () => {
    describe("parseStagesFlag", () => {
        it("splits and trims the comma-separated order", () => {
            assert.deepEqual(parseStagesFlag("Staging, Production"), ["Staging", "Production"]);
        });
        it("refuses a name SageMaker would not take, and a name given twice (exit 2)", () => {
            throws(() => parseStagesFlag("Staging,Pro duction"), EXIT.usage, /"Pro duction" is not a stage name/);
            throws(() => parseStagesFlag("Staging,,Production"), EXIT.usage, /"" is not a stage name/);
            throws(() => parseStagesFlag("Staging,Staging"), EXIT.usage, /names Staging twice/);
        });
    });

    describe("stageSetup", () => {
        it("reads the order from a registry or an environment stack file", () => {
            assert.deepEqual(stageSetup(registry, undefined)?.order, ["Staging", "Production"]);
            assert.match(stageSetup(registry, undefined)!.source, /Pulumi\.shared\.yaml \(promotion\)/);
            assert.deepEqual(stageSetup(prodStack, undefined)?.order, ["Staging", "Production"]);
        });
        it("is undefined for the all-in-one layout (with or without a layout key) unless --stages is given", () => {
            assert.equal(stageSetup(env({ kind: "all-in-one" }, "dev"), undefined), undefined);
            assert.equal(stageSetup(env(undefined, "dev"), undefined), undefined);
            assert.equal(stageSetup(undefined, undefined), undefined);
            assert.deepEqual(stageSetup(undefined, "Staging,Production"), { order: ["Staging", "Production"], source: "--stages", env: undefined });
        });
        it("refuses a --stages that disagrees with the stack file (exit 2), accepts one that agrees", () => {
            throws(() => stageSetup(registry, "Production,Staging"), EXIT.usage, /--stages Production,Staging disagrees with \/p\/Pulumi\.shared\.yaml, whose promotion stages are Staging, Production/);
            assert.deepEqual(stageSetup(registry, "Staging,Production")?.order, ["Staging", "Production"]);
        });
    });

    describe("chooseStage", () => {
        const setup = stageSetup(registry, undefined);
        const example = (s: string) => `approvals approve abalone/3 --stage ${s} --comment "…"`;
        it("requires --stage when stages are configured, naming them and an example", () => {
            assert.throws(() => chooseStage(setup, undefined, example), (e: unknown) =>
                e instanceof CliError && e.exitCode === EXIT.usage && /stages Staging, Production/.test(e.message) && /--stage Staging/.test(e.hint ?? ""));
        });
        it("refuses a stage outside the order (names compare exactly) and a --stage without stages", () => {
            throws(() => chooseStage(setup, "production", example), EXIT.usage, /--stage production is not one of the stages Staging, Production/);
            throws(() => chooseStage(undefined, "Staging", example), EXIT.usage, /no promotion stages are configured here/);
        });
        it("returns the stage, or undefined for the all-in-one layout without --stage", () => {
            assert.equal(chooseStage(setup, "Production", example), "Production");
            assert.equal(chooseStage(undefined, undefined, example), undefined);
        });
    });

    describe("stageLedgerTable", () => {
        it("a registry stack: the stage environment's ledger, by ARN in another account, by name in the caller's", () => {
            const setup = stageSetup(registry, undefined)!;
            assert.equal(stageLedgerTable(setup, "Production", { account: REGISTRY }, "us-east-1"),
                "arn:aws:dynamodb:us-east-1:333333333333:table/sagemaker-approval-gate-prod-deployments");
            assert.equal(stageLedgerTable(setup, "Staging", { account: "222222222222" }, "eu-west-1"), "sagemaker-approval-gate-staging-deployments");
            assert.equal(stageLedgerTable(setup, "Staging", {}, "us-gov-west-1", "aws-us-gov"),
                "arn:aws-us-gov:dynamodb:us-gov-west-1:222222222222:table/sagemaker-approval-gate-staging-deployments");
        });
        it("an environment stack knows only its own stage's ledger; --stages alone knows none", () => {
            const setup = stageSetup(prodStack, undefined)!;
            assert.equal(stageLedgerTable(setup, "Production", { account: REGISTRY }, "us-east-1"), "sagemaker-approval-gate-prod-deployments");
            assert.equal(stageLedgerTable(setup, "Staging", { account: REGISTRY }, "us-east-1"), undefined);
            assert.equal(stageLedgerTable(stageSetup(undefined, "Staging,Production")!, "Staging", { account: REGISTRY }, "us-east-1"), undefined);
        });
    });
});
