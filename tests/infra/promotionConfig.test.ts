/**
 * The `promotion` key (infra/promotionConfig.ts, through parseStackConfig): a registry and an environment
 * stack parse to their layouts; then one thing changed at a time gives one clear error naming the key,
 * the value, what is expected and a fix for this stack.
 */
import * as assert from "assert";
import { assertDeployingAccount, ConfigError, parseStackConfig, type RawStackConfig, type StackConfig } from "../../infra/config";
import { layoutAccountProblems } from "../../infra/promotionConfig";
import { exampleStackConfig } from "./exampleStacks";

const REGISTRY_ACCOUNT = "111111111111";
const STAGING_ACCOUNT = "222222222222";
const PROD_ACCOUNT = "333333333333";
const KMS = `arn:aws:kms:us-east-1:${REGISTRY_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;

const pipeline = {
    inputDataS3Uri: "s3://sagemaker-sample-files/datasets/tabular/uci_abalone/abalone.csv",
    metric: { name: "mse", jsonPath: "regression_metrics.mse.value", comparison: "LessThanOrEqualTo", threshold: 6 },
};

/** A registry stack (`shared`) as promotion.md shows it. */
function registryRaw(): Record<string, any> {
    return {
        production: false,
        modelPackageGroupName: "abalone",
        pipeline: JSON.parse(JSON.stringify(pipeline)),
        approvers: { emails: ["ml-approvers@example.com"] },
        promotion: {
            stages: [
                { name: "Staging", environment: "staging", accountId: STAGING_ACCOUNT, approvers: [`arn:aws:iam::${REGISTRY_ACCOUNT}:role/ml-staging-approver`] },
                { name: "Production", environment: "prod", accountId: PROD_ACCOUNT, approvers: [`arn:aws:iam::${REGISTRY_ACCOUNT}:role/ml-release-manager`] },
            ],
        },
    };
}

/** An environment stack (`prod`). */
function environmentRaw(): Record<string, any> {
    return {
        production: true,
        modelPackageGroupName: "abalone",
        approvers: { emails: ["ml-approvers@example.com"] },
        endpoint: { instanceType: "ml.m5.xlarge", initialInstanceCount: 2 },
        promotion: { stage: "Production", stages: ["Staging", "Production"], registry: { accountId: REGISTRY_ACCOUNT, environment: "shared", artifactsKmsKeyArn: KMS } },
    };
}

/** A copy with one change at a dotted path (numbers index arrays; undefined deletes). */
function changed(raw: Record<string, any>, pathSpec: string, value: unknown): Record<string, any> {
    const copy = JSON.parse(JSON.stringify(raw));
    const parts = pathSpec.split(".");
    let target = copy;
    for (const p of parts.slice(0, -1)) target = target[p];
    if (value === undefined) delete target[parts[parts.length - 1]];
    else target[parts[parts.length - 1]] = value;
    return copy;
}

function problemsFor(raw: RawStackConfig, stack: string): readonly string[] {
    try {
        parseStackConfig(raw, stack, "us-east-1");
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return err.problems;
    }
    assert.fail("config was accepted");
}

/** Exactly one problem, which names the key and the value and gives a fix for this stack. */
function oneProblem(raw: RawStackConfig, stack: string, key: string, ...also: RegExp[]): string {
    const problems = problemsFor(raw, stack);
    assert.strictEqual(problems.length, 1, problems.join("\n"));
    const [problem] = problems;
    assert.ok(problem.startsWith(`sagemaker-approval-gate:${key}: got `), problem);
    assert.match(problem, /; expected /);
    assert.match(problem, new RegExp(`Fix: .* -s ${stack}`));
    for (const re of also) assert.match(problem, re);
    return problem;
}

const NS = "sagemaker-approval-gate:";

/** An example stack file's values without the namespace, and its aws:region, as loadStackConfig reads them. */
function exampleStack(stack: string): StackConfig {
    const flat = exampleStackConfig(stack);
    const raw = Object.fromEntries(Object.entries(flat).filter(([k]) => k.startsWith(NS)).map(([k, v]) => [k.slice(NS.length), v]));
    return parseStackConfig(raw, stack, flat["aws:region"]);
}

describe("infra/promotionConfig", () => {
    describe("the example stacks (Pulumi.<stack>.yaml)", () => {
        it("dev is all-in-one: pipeline and endpoint in one account", () => {
            const dev = exampleStack("dev");
            assert.strictEqual(dev.layout.kind, "all-in-one");
            assert.ok(dev.layout.kind === "all-in-one" && dev.layout.pipeline.metric.name === "mse" && dev.layout.endpoint.instanceType === "ml.m5.large");
        });

        it("shared is the registry: Staging in 222222222222, then Production in 333333333333, approvers of 111111111111", () => {
            const shared = exampleStack("shared");
            assert.ok(shared.layout.kind === "registry");
            assert.deepStrictEqual(shared.layout.stageOrder, ["Staging", "Production"]);
            assert.deepStrictEqual(
                shared.layout.stages.map((s) => [s.name, s.environment, s.accountId]),
                [["Staging", "staging", STAGING_ACCOUNT], ["Production", "prod", PROD_ACCOUNT]],
            );
            assert.deepStrictEqual(shared.layout.stages.map((s) => s.approverArns.map((arn) => arn.split(":")[4])), [[REGISTRY_ACCOUNT], [REGISTRY_ACCOUNT]]);
            assert.strictEqual(shared.production, false);
            assert.deepStrictEqual(layoutAccountProblems(shared.layout, REGISTRY_ACCOUNT, "shared"), []);
        });

        for (const [stack, stage, account, production] of [["staging", "Staging", STAGING_ACCOUNT, false], ["prod", "Production", PROD_ACCOUNT, true]] as const) {
            it(`${stack} is an environment stack of stage ${stage}, deploying from the shared registry`, () => {
                const config = exampleStack(stack);
                assert.ok(config.layout.kind === "environment");
                assert.strictEqual(config.layout.stage, stage);
                assert.strictEqual(config.production, production);
                assert.deepStrictEqual(config.layout.registry, {
                    accountId: REGISTRY_ACCOUNT,
                    environment: "shared",
                    artifactsBucketName: "sagemaker-approval-gate-shared-training-111111111111",
                    artifactsKmsKeyArn: KMS,
                });
                assert.deepStrictEqual(layoutAccountProblems(config.layout, account, stack), []);
            });
        }

        it("agree with each other: one group, one stage order, each environment the registry's stage of its name and account", () => {
            const shared = exampleStack("shared");
            assert.ok(shared.layout.kind === "registry");
            for (const target of shared.layout.stages) {
                const config = exampleStack(target.environment);
                assert.ok(config.layout.kind === "environment", target.environment);
                assert.strictEqual(config.environment, target.environment);
                assert.strictEqual(config.layout.stage, target.name);
                assert.deepStrictEqual(config.layout.stageOrder, shared.layout.stageOrder);
                assert.strictEqual(config.modelPackageGroupName, shared.modelPackageGroupName);
                assert.strictEqual(config.layout.registry.environment, shared.environment);
                assert.strictEqual(config.awsRegion, shared.awsRegion);
                // The registry account is where the stage approvers are principals.
                const registryAccount = config.layout.registry.accountId;
                assert.ok(shared.layout.stages.every((s) => s.approverArns.every((arn) => arn.split(":")[4] === registryAccount)));
            }
        });
    });

    describe("the layouts", () => {
        it("a registry stack: pipeline, stages in config order, the stage order, no endpoint; approvers.principalArns may be absent", () => {
            const config = parseStackConfig(registryRaw(), "shared", "us-east-1");
            assert.strictEqual(config.layout.kind, "registry");
            if (config.layout.kind !== "registry") return;
            assert.deepStrictEqual(config.layout.stageOrder, ["Staging", "Production"]);
            assert.deepStrictEqual(config.layout.stages[1], {
                name: "Production",
                environment: "prod",
                accountId: PROD_ACCOUNT,
                approverArns: [`arn:aws:iam::${REGISTRY_ACCOUNT}:role/ml-release-manager`],
            });
            assert.strictEqual(config.layout.pipeline.trainingImageUri, "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1");
            assert.ok(!("endpoint" in config.layout));
            assert.deepStrictEqual(config.approvers.principalArns, []);
        });

        it("gives the stage order as the distinct names in first-appearance order (two Production environments)", () => {
            const raw = registryRaw();
            raw.promotion.stages.push({ name: "Production", environment: "prod-eu", accountId: "444444444444", approvers: [`arn:aws:iam::${REGISTRY_ACCOUNT}:role/ml-release-manager`] });
            const config = parseStackConfig(raw, "shared", "us-east-1");
            assert.ok(config.layout.kind === "registry");
            assert.deepStrictEqual(config.layout.stageOrder, ["Staging", "Production"]);
            assert.strictEqual(config.layout.stages.length, 3);
        });

        it("an environment stack: its stage, the order, the registry with its derived bucket name, the endpoint; no pipeline", () => {
            const config = parseStackConfig(environmentRaw(), "prod", "us-east-1");
            assert.deepStrictEqual(config.layout, {
                kind: "environment",
                endpoint: { instanceType: "ml.m5.xlarge", initialInstanceCount: 2, rollbackAlarmNames: [], terminationWaitSeconds: 300 },
                stage: "Production",
                stageOrder: ["Staging", "Production"],
                registry: {
                    accountId: REGISTRY_ACCOUNT,
                    environment: "shared",
                    artifactsBucketName: `sagemaker-approval-gate-shared-training-${REGISTRY_ACCOUNT}`,
                    artifactsKmsKeyArn: KMS,
                },
            });
            assert.deepStrictEqual(config.approvers.principalArns, []);
        });

        it("takes an account ID that YAML made a number", () => {
            const config = parseStackConfig(changed(environmentRaw(), "promotion.registry.accountId", Number(REGISTRY_ACCOUNT)), "prod", "us-east-1");
            assert.ok(config.layout.kind === "environment");
            assert.strictEqual(config.layout.registry.accountId, REGISTRY_ACCOUNT);
        });
    });

    describe("keys a layout does not own", () => {
        it("refuses pipeline in an environment stack (it owns none)", () => {
            oneProblem({ ...environmentRaw(), pipeline }, "prod", "pipeline", /environment stack "prod"; expected it not set \(an environment stack owns no pipeline/, /pulumi config rm pipeline -s prod/);
        });

        it("refuses consumerAccountIds in an environment stack (it owns no group to share)", () => {
            oneProblem({ ...environmentRaw(), consumerAccountIds: ["444444444444"] }, "prod", "consumerAccountIds", /registry stack/);
        });

        it("refuses endpoint in a registry stack (it deploys nowhere)", () => {
            oneProblem({ ...registryRaw(), endpoint: { instanceType: "ml.m5.large" } }, "shared", "endpoint", /a registry stack deploys nowhere/, /pulumi config rm endpoint -s shared/);
        });

        it("still requires pipeline in a registry stack", () => {
            oneProblem(changed(registryRaw(), "pipeline", undefined), "shared", "pipeline", /pipeline\.inputDataS3Uri/);
        });
    });

    describe("a registry stack's stages", () => {
        it("rejects a stage name SageMaker's ModelLifeCycle.Stage does not take", () => {
            oneProblem(changed(registryRaw(), "promotion.stages.1.name", "Prod uction"), "shared", "promotion.stages[1].name", /"Prod uction"/, /letters, digits or hyphens/, /--path 'promotion\.stages\[1\]\.name' Staging -s shared/);
        });

        it("rejects a stage without approvers, with the path of its first approver", () => {
            oneProblem(changed(registryRaw(), "promotion.stages.1.approvers", []), "shared", "promotion.stages[1].approvers", /at least one approver principal/, /--path 'promotion\.stages\[1\]\.approvers\[0\]' arn:aws:iam::/);
        });

        it("rejects a bad account ID of a stage", () => {
            oneProblem(changed(registryRaw(), "promotion.stages.0.accountId", "22222222222"), "shared", "promotion.stages[0].accountId", /12-digit AWS account ID/);
        });

        it("rejects an unknown key in a stage", () => {
            const problems = problemsFor(changed(registryRaw(), "promotion.stages.0.approver", ["x"]), "shared");
            assert.deepStrictEqual(problems.length, 1);
            assert.match(problems[0], /promotion\.stages\[0\]\.approver: is not a setting/);
        });

        it("rejects two stages of one environment", () => {
            oneProblem(changed(registryRaw(), "promotion.stages.1.environment", "staging"), "shared", "promotion.stages[1].environment", /already the environment of promotion\.stages\[0\]/);
        });

        it("rejects two stages in one account", () => {
            oneProblem(changed(registryRaw(), "promotion.stages.1.accountId", STAGING_ACCOUNT), "shared", "promotion.stages[1].accountId", /already the account of promotion\.stages\[0\]/, /its own account/);
        });

        it("rejects a stage whose environment is the registry stack's own", () => {
            oneProblem(changed(registryRaw(), "promotion.stages.0.environment", "shared"), "shared", "promotion.stages[0].environment", /the environment of this registry stack itself/);
        });

        it("rejects a stage listed again after another one (the order would be ambiguous)", () => {
            const raw = registryRaw();
            raw.promotion.stages.push({ name: "Staging", environment: "qa", accountId: "444444444444", approvers: [`arn:aws:iam::${REGISTRY_ACCOUNT}:role/a`] });
            oneProblem(raw, "shared", "promotion.stages[2].name", /"Staging" again after "Production"/, /Staging → Production/);
        });

        it("rejects an empty stage list", () => {
            oneProblem(changed(registryRaw(), "promotion.stages", []), "shared", "promotion.stages", /at least one stage/);
        });
    });

    describe("an environment stack's promotion", () => {
        it("rejects a stage that is not in the order", () => {
            oneProblem(changed(environmentRaw(), "promotion.stage", "Prod"), "prod", "promotion.stage", /"Prod", which is not in promotion\.stages \["Staging","Production"\]/, /--path 'promotion\.stage' Production -s prod/);
        });

        it("rejects a stage listed twice in the order", () => {
            oneProblem(changed(environmentRaw(), "promotion.stages", ["Staging", "Production", "Staging"]), "prod", "promotion.stages[2]", /already promotion\.stages\[0\]/);
        });

        it("rejects a stage name SageMaker does not take", () => {
            oneProblem(changed(environmentRaw(), "promotion.stages", ["Staging", "Production", "-x"]), "prod", "promotion.stages[2]", /letters, digits or hyphens/);
        });

        it("rejects a missing registry, naming the key to set", () => {
            oneProblem(changed(environmentRaw(), "promotion.registry", undefined), "prod", "promotion.registry", /--path 'promotion\.registry\.accountId' 111111111111 -s prod/);
        });

        it("rejects a registry environment no stack could have", () => {
            oneProblem(changed(environmentRaw(), "promotion.registry.environment", "Shared"), "prod", "promotion.registry.environment", /lower-case/);
        });

        it("rejects a KMS alias (grants and key policies need the key)", () => {
            oneProblem(changed(environmentRaw(), "promotion.registry.artifactsKmsKeyArn", `arn:aws:kms:us-east-1:${REGISTRY_ACCOUNT}:alias/artifacts`), "prod", "promotion.registry.artifactsKmsKeyArn", /not an alias/);
        });

        it("rejects a KMS key of another account than the registry's", () => {
            oneProblem(changed(environmentRaw(), "promotion.registry.artifactsKmsKeyArn", KMS.replace(REGISTRY_ACCOUNT, PROD_ACCOUNT)), "prod", "promotion.registry.artifactsKmsKeyArn", /a key of account 333333333333/, /registry account 111111111111/);
        });

        it("rejects a KMS key of another region than aws:region", () => {
            oneProblem(changed(environmentRaw(), "promotion.registry.artifactsKmsKeyArn", KMS.replace("us-east-1", "eu-west-1")), "prod", "promotion.registry.artifactsKmsKeyArn", /in eu-west-1/, /aws:region us-east-1/, /arn:aws:kms:us-east-1:111111111111:key\/<key-id> -s prod/);
        });

        it("rejects an unknown key under promotion", () => {
            const problems = problemsFor(changed(environmentRaw(), "promotion.stagez", ["a"]), "prod");
            assert.strictEqual(problems.length, 1);
            assert.match(problems[0], /promotion\.stagez: is not a setting .* pulumi config rm --path 'promotion\.stagez' -s prod/);
        });
    });

    describe("against the deploying account", () => {
        const registry = () => parseStackConfig(registryRaw(), "shared", "us-east-1");
        const environment = () => parseStackConfig(environmentRaw(), "prod", "us-east-1");
        const throws = (config: StackConfig, account: string, stack: string): string[] => {
            try {
                assertDeployingAccount(config, account, stack);
            } catch (err) {
                assert.ok(err instanceof ConfigError);
                return [...err.problems];
            }
            return [];
        };

        it("accepts the example layouts in their own accounts", () => {
            assert.deepStrictEqual(throws(registry(), REGISTRY_ACCOUNT, "shared"), []);
            assert.deepStrictEqual(throws(environment(), PROD_ACCOUNT, "prod"), []);
        });

        it("refuses an environment stack deployed into the registry account, pointing to the all-in-one layout", () => {
            const problems = throws(environment(), REGISTRY_ACCOUNT, "prod");
            assert.strictEqual(problems.length, 1);
            assert.match(problems[0], /^sagemaker-approval-gate:promotion\.registry\.accountId: got "111111111111", the account stack "prod" deploys into/);
            assert.match(problems[0], /all-in-one layout: pulumi config rm promotion -s prod/);
        });

        it("refuses a stage approver outside the registry account", () => {
            const raw = changed(registryRaw(), "promotion.stages.1.approvers", [`arn:aws:iam::${REGISTRY_ACCOUNT}:role/a`, `arn:aws:iam::${PROD_ACCOUNT}:role/ml-release-manager`]);
            const problems = throws(parseStackConfig(raw, "shared", "us-east-1"), REGISTRY_ACCOUNT, "shared");
            assert.strictEqual(problems.length, 1);
            assert.match(problems[0], /^sagemaker-approval-gate:promotion\.stages\[1\]\.approvers\[1\]: got "arn:aws:iam::333333333333:role\/ml-release-manager", a principal of account 333333333333; expected a principal of the registry account 111111111111/);
            assert.match(problems[0], /--path 'promotion\.stages\[1\]\.approvers\[1\]' arn:aws:iam::111111111111:role\/<production-approver> -s shared/);
        });

        it("refuses a stage in the registry account itself", () => {
            const raw = changed(registryRaw(), "promotion.stages.0.accountId", REGISTRY_ACCOUNT);
            const problems = throws(parseStackConfig(raw, "shared", "us-east-1"), REGISTRY_ACCOUNT, "shared");
            assert.strictEqual(problems.length, 1);
            assert.match(problems[0], /^sagemaker-approval-gate:promotion\.stages\[0\]\.accountId: got "111111111111", the registry account itself/);
        });

        it("keeps the approver check: an approver to attach outside the deploying account", () => {
            const raw = changed(environmentRaw(), "approvers.principalArns", [`arn:aws:iam::${REGISTRY_ACCOUNT}:role/ops`]);
            const problems = throws(parseStackConfig(raw, "prod", "us-east-1"), PROD_ACCOUNT, "prod");
            assert.strictEqual(problems.length, 1);
            assert.match(problems[0], /approvers\.principalArns\[0\]/);
        });

        it("has nothing to say about an all-in-one layout", () => {
            assert.deepStrictEqual(layoutAccountProblems({ kind: "all-in-one" }, REGISTRY_ACCOUNT, "dev"), []);
        });
    });
});
