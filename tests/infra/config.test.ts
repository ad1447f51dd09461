/**
 * Stack config validation: the example stacks parse; every rejected input gives a message with the key,
 * the value, what is expected and a `pulumi config set` fix; several problems are reported at once.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    approverAccountProblems,
    AWS_REGIONS,
    CONFIG_KEYS,
    ConfigError,
    layoutOf,
    MAX_CONFIGURED_ROLLBACK_ALARMS,
    MAX_ENVIRONMENT_LENGTH,
    MAX_ROLLBACK_ALARMS,
    MAX_USER_TAGS,
    parseStackConfig,
    RawStackConfig,
} from "../../infra/config";
import { runProgramUnderMocks } from "../../cli/lib/programUnderMocks";
import { exampleStackConfig } from "./exampleStacks";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

const NS = "sagemaker-approval-gate:";

/** The stack file's values keyed without the namespace, as loadStackConfig hands them to parseStackConfig. */
function rawFromStack(stack: string): Record<string, any> {
    const flat = exampleStackConfig(stack);
    return Object.fromEntries(Object.entries(flat).filter(([k]) => k.startsWith(NS)).map(([k, v]) => [k.slice(NS.length), v]));
}

function problemsFor(raw: RawStackConfig, stack = "dev"): readonly string[] {
    try {
        parseStackConfig(raw, stack, "us-east-1");
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        // Pulumi prints a RunError's message alone; any other Error comes with a stack trace.
        assert.ok(pulumi.RunError.isInstance(err), "ConfigError must be a pulumi.RunError");
        assert.strictEqual(err.problems.length > 0, true);
        assert.match(err.message, /^Invalid stack configuration \(\d+ problems?\):\n  - /);
        return err.problems;
    }
    assert.fail("config was accepted");
}

/** A copy of the dev config with one change at a dotted path (undefined deletes). */
function devWith(pathSpec: string, value: unknown): Record<string, any> {
    const raw = JSON.parse(JSON.stringify(rawFromStack("dev")));
    const parts = pathSpec.split(".");
    let target = raw;
    for (const p of parts.slice(0, -1)) target = target[p];
    if (value === undefined) delete target[parts[parts.length - 1]];
    else target[parts[parts.length - 1]] = value;
    return raw;
}

describe("infra/config", () => {
    it("describes every key it reads in Pulumi.yaml (what `pulumi config` and the error fixes point to)", () => {
        const project = YAML.parse(fs.readFileSync(path.resolve(__dirname, "../../Pulumi.yaml"), "utf8"));
        const described = Object.keys(project.template.config).filter((k) => k.startsWith(NS)).map((k) => k.slice(NS.length)).sort();
        assert.deepStrictEqual(described, [...CONFIG_KEYS].sort());
    });

    describe("accepted config", () => {
        it("parses the dev and prod example stacks", () => {
            const dev = parseStackConfig(rawFromStack("dev"), "dev", "us-east-1");
            assert.strictEqual(dev.environment, "dev");
            assert.strictEqual(dev.production, false);
            assert.strictEqual(layoutOf(dev, "all-in-one").pipeline.metric.comparison, "LessThanOrEqualTo");
            // prod is an environment stack of the shared registry (tests/infra/promotionConfig.test.ts has the layouts).
            const prod = parseStackConfig(rawFromStack("prod"), "prod", "us-east-1");
            assert.strictEqual(prod.production, true);
            assert.strictEqual(prod.layout.kind, "environment");
            assert.deepStrictEqual(prod.consumerAccountIds, []);
        });

        it("fills defaults: environment from the stack name, instance types, endpoint, attachPolicy, consumers, tags", () => {
            const raw = devWith("environment", undefined);
            delete raw.endpoint;
            delete raw.tags;
            delete raw.pipeline.processingInstanceType;
            delete raw.pipeline.inferenceInstanceTypes;
            const config = parseStackConfig(raw, "staging", "us-east-1");
            assert.strictEqual(config.environment, "staging");
            const { pipeline, endpoint } = layoutOf(config, "all-in-one");
            assert.strictEqual(pipeline.processingInstanceType, "ml.m5.xlarge");
            assert.deepStrictEqual(pipeline.inferenceInstanceTypes, ["ml.m5.large", "ml.m5.xlarge"]);
            assert.deepStrictEqual(endpoint, { instanceType: "ml.m5.large", initialInstanceCount: 1, rollbackAlarmNames: [], terminationWaitSeconds: 300 });
            assert.strictEqual(config.approvers.attachPolicy, true);
            assert.deepStrictEqual(config.consumerAccountIds, []);
            assert.deepStrictEqual(config.tags, {});
        });

        it("takes tag values that YAML made numbers or booleans as their text, and still rejects objects", () => {
            assert.deepStrictEqual(parseStackConfig(devWith("tags", { "cost-center": 1234, shared: true }), "dev", "us-east-1").tags, { "cost-center": "1234", shared: "true" });
            const [problem] = problemsFor(devWith("tags", { owner: { name: "x" } }));
            assert.match(problem, /^sagemaker-approval-gate:tags\.owner: got \{"name":"x"\}; expected a string\./);
        });

        it("takes an account ID that YAML made a number back as its 12-digit string, and still rejects one that lost its leading zero", () => {
            assert.deepStrictEqual(parseStackConfig(devWith("consumerAccountIds", [333333333333]), "dev", "us-east-1").consumerAccountIds, ["333333333333"]);
            const [problem] = problemsFor(devWith("consumerAccountIds", [12345678901]));
            assert.match(problem, /^sagemaker-approval-gate:consumerAccountIds\[0\]: got 12345678901; /);
            assert.match(problem, /a 12-digit AWS account ID/);
        });
    });

    it("the longest accepted environment gives a bucket name S3 accepts", () => {
        const config = parseStackConfig(devWith("environment", undefined), "e".repeat(MAX_ENVIRONMENT_LENGTH), "us-east-1");
        const bucket = `sagemaker-approval-gate-${config.environment}-training-123456789012`;
        assert.strictEqual(bucket.length, 63);
    });

    describe("rejected config: each message names the key, the value, what is expected and the fix", () => {
        const cases: { title: string; raw: () => RawStackConfig; key: string; value: string; expected: RegExp; fix: RegExp }[] = [
            { title: "missing production", raw: () => devWith("production", undefined), key: "production", value: "nothing (the key is not set)", expected: /expected a boolean/, fix: /pulumi config set production false/ },
            { title: "production as a word", raw: () => devWith("production", "yes"), key: "production", value: '"yes"', expected: /expected a boolean/, fix: /pulumi config set production false/ },
            { title: "missing group name", raw: () => devWith("modelPackageGroupName", undefined), key: "modelPackageGroupName", value: "nothing", expected: /expected a string/, fix: /pulumi config set modelPackageGroupName/ },
            { title: "group name with underscores", raw: () => devWith("modelPackageGroupName", "my_models"), key: "modelPackageGroupName", value: '"my_models"', expected: /letters, digits or hyphens/, fix: /pulumi config set modelPackageGroupName churn-models/ },
            { title: "environment too long for a bucket name", raw: () => devWith("environment", "x".repeat(18)), key: "environment", value: `"${"x".repeat(18)}"`, expected: /1-17 lower-case letters, digits or hyphens \(bucket names embed it\)/, fix: /pulumi config set environment staging/ },
            { title: "environment in upper case", raw: () => devWith("environment", "Dev"), key: "environment", value: '"Dev"', expected: /lower-case/, fix: /pulumi config set environment staging/ },
            { title: "input data not on S3", raw: () => devWith("pipeline.inputDataS3Uri", "https://example.com/abalone.csv"), key: "pipeline.inputDataS3Uri", value: '"https://example.com/abalone.csv"', expected: /an S3 URI/, fix: /pulumi config set --path 'pipeline.inputDataS3Uri' s3:\/\/my-bucket\/abalone\/abalone.csv/ },
            { title: "image not in ECR", raw: () => devWith("pipeline.processingImageUri", "python:3.11"), key: "pipeline.processingImageUri", value: '"python:3.11"', expected: /an ECR image URI/, fix: /pulumi config set --path 'pipeline.processingImageUri' 683313688378/ },
            { title: "image without tag", raw: () => devWith("pipeline.trainingImageUri", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost"), key: "pipeline.trainingImageUri", value: '"683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost"', expected: /with a tag or digest/, fix: /--path 'pipeline.trainingImageUri'/ },
            { title: "instance type without ml.", raw: () => devWith("pipeline.trainingInstanceType", "m5.xlarge"), key: "pipeline.trainingInstanceType", value: '"m5.xlarge"', expected: /a SageMaker instance type/, fix: /--path 'pipeline.trainingInstanceType' ml.m5.xlarge/ },
            { title: "empty inference instance types", raw: () => devWith("pipeline.inferenceInstanceTypes", []), key: "pipeline.inferenceInstanceTypes", value: "[]", expected: /expected a list of at least 1 item/, fix: /--path 'pipeline.inferenceInstanceTypes\[0\]' ml.m5.large/ },
            { title: "unknown comparison", raw: () => devWith("pipeline.metric.comparison", "AtMost"), key: "pipeline.metric.comparison", value: '"AtMost"', expected: /one of "GreaterThanOrEqualTo", "GreaterThan", "LessThanOrEqualTo", "LessThan"/, fix: /--path 'pipeline.metric.comparison' LessThanOrEqualTo/ },
            { title: "threshold as text", raw: () => devWith("pipeline.metric.threshold", "six"), key: "pipeline.metric.threshold", value: '"six"', expected: /a number/, fix: /pulumi config set --path 'pipeline.metric.threshold' 3.0/ },
            { title: "bad JSON path", raw: () => devWith("pipeline.metric.jsonPath", "regression_metrics..mse"), key: "pipeline.metric.jsonPath", value: '"regression_metrics..mse"', expected: /a dotted JSON path/, fix: /--path 'pipeline.metric.jsonPath' regression_metrics.mse.value/ },
            { title: "missing metric", raw: () => devWith("pipeline.metric", undefined), key: "pipeline.metric", value: "nothing", expected: /expected an object/, fix: /--path 'pipeline.metric.jsonPath' regression_metrics.mse.value/ },
            { title: "no approver", raw: () => devWith("approvers.principalArns", []), key: "approvers.principalArns", value: "[]", expected: /at least one approver role ARN/, fix: /pulumi config set --path 'approvers.principalArns\[0\]'/ },
            { title: "approver ARN with a short account", raw: () => devWith("approvers.principalArns", ["arn:aws:iam::1234:role/x"]), key: "approvers.principalArns[0]", value: '"arn:aws:iam::1234:role/x"', expected: /an IAM role or user ARN/, fix: /--path 'approvers.principalArns\[0\]' arn:aws:iam::123456789012:role\/ml-approver/ },
            { title: "bad approver email", raw: () => devWith("approvers.emails", ["approvers"]), key: "approvers.emails[0]", value: '"approvers"', expected: /an email address/, fix: /--path 'approvers.emails\[0\]' ml-approvers@example.com/ },
            { title: "attachPolicy as text", raw: () => devWith("approvers.attachPolicy", "no"), key: "approvers.attachPolicy", value: '"no"', expected: /a boolean/, fix: /--path 'approvers.attachPolicy' false/ },
            { title: "consumer account too short", raw: () => devWith("consumerAccountIds", ["12345"]), key: "consumerAccountIds[0]", value: '"12345"', expected: /a 12-digit AWS account ID/, fix: /--path 'consumerAccountIds\[0\]' 123456789012/ },
            { title: "zero endpoint instances", raw: () => devWith("endpoint.initialInstanceCount", 0), key: "endpoint.initialInstanceCount", value: "0", expected: /expected at least 1\./, fix: /--path 'endpoint.initialInstanceCount' 1/ },
            { title: "fractional wait", raw: () => devWith("endpoint.terminationWaitSeconds", 1.5), key: "endpoint.terminationWaitSeconds", value: "1.5", expected: /expected a whole number/, fix: /--path 'endpoint.terminationWaitSeconds' 300/ },
            { title: "infinite threshold (YAML .inf)", raw: () => devWith("pipeline.metric.threshold", Infinity), key: "pipeline.metric.threshold", value: "Infinity", expected: /a number/, fix: /--path 'pipeline.metric.threshold' 3.0/ },
            { title: "tags not a map", raw: () => devWith("tags", "team=ml"), key: "tags", value: '"team=ml"', expected: /a map of names to values/, fix: /--path 'tags.team' ml-platform/ },
            { title: "tag value too long", raw: () => devWith("tags.team", "t".repeat(257)), key: "tags.team", value: `"${"t".repeat(257)}"`, expected: /expected at most 256 character/, fix: /--path 'tags.team' ml-platform/ },
        ];

        for (const c of cases) {
            it(c.title, () => {
                const problems = problemsFor(c.raw());
                assert.strictEqual(problems.length, 1, problems.join("\n"));
                const [message] = problems;
                assert.ok(message.startsWith(`${NS}${c.key}: got ${c.value}`), message);
                assert.match(message, c.expected);
                assert.match(message, /Fix: /);
                assert.match(message, c.fix);
                assert.match(message, / -s dev\b/, "every fix names the stack");
            });
        }

        it("an unknown top-level key is named with the command that removes it", () => {
            const [message] = problemsFor({ ...rawFromStack("dev"), pipline: {} } as RawStackConfig);
            assert.strictEqual(message, `${NS}pipline: is not a setting this program reads (check its spelling against Pulumi.yaml). Fix: pulumi config rm pipline -s dev`);
        });

        it("an unknown nested key is named with its path", () => {
            const [message] = problemsFor(devWith("pipeline.metric.treshold", 3));
            assert.match(message, /^sagemaker-approval-gate:pipeline\.metric\.treshold: is not a setting this program reads/);
            assert.match(message, /Fix: pulumi config rm --path 'pipeline\.metric\.treshold'/);
        });

        it("reports every problem at once", () => {
            const raw = devWith("production", "no");
            raw.pipeline.metric.threshold = "high";
            raw.consumerAccountIds = ["x"];
            const problems = problemsFor(raw);
            assert.deepStrictEqual(problems.map((p) => p.split(":").slice(0, 2).join(":")), [
                `${NS}production`,
                `${NS}pipeline.metric.threshold`,
                `${NS}consumerAccountIds[0]`,
            ]);
        });
    });

    describe("loadStackConfig, through the Pulumi runtime", () => {
        it("rejects structured config that is not JSON/YAML with the key and a fix, before any resource", async () => {
            const config = exampleStackConfig("dev");
            config[`${NS}pipeline`] = "{not json";
            await assert.rejects(runProgramUnderMocks({ stack: "dev", config }), (err: Error) => {
                assert.strictEqual(err.name, "ConfigError");
                assert.ok(pulumi.RunError.isInstance(err), "printed by Pulumi without a stack trace");
                assert.match(err.message, /sagemaker-approval-gate:pipeline: got "\{not json", which is not valid JSON\/YAML; expected structured config\. Fix: pulumi config set --path 'pipeline\.metric\.threshold' 3\.0/);
                return true;
            });
        });

        it("says a scalar that is not JSON is not what the key expects (production: yes), not that it is bad JSON", async () => {
            const config = exampleStackConfig("dev");
            config[`${NS}production`] = "yes";
            await assert.rejects(runProgramUnderMocks({ stack: "dev", config }), (err: Error) => {
                assert.match(err.message, /sagemaker-approval-gate:production: got "yes"; expected a boolean\. Fix: pulumi config set production false/);
                return true;
            });
        });

        it("uses the stack name as environment when environment is not set", async () => {
            const config = exampleStackConfig("dev");
            delete config[`${NS}environment`];
            const run = await runProgramUnderMocks({ stack: "qa", config });
            assert.strictEqual(run.outputs.environment, "qa");
            assert.strictEqual(run.recorder.ofType("aws:sagemaker/pipeline:Pipeline")[0].inputs.pipelineName, "sagemaker-approval-gate-qa-training");
        });
    });

    describe("aws:region and the images", () => {
        it("rejects a missing aws:region with the command that sets it, whatever AWS_REGION says", () => {
            const saved = process.env.AWS_REGION;
            process.env.AWS_REGION = "us-east-1";
            try {
                assert.throws(() => parseStackConfig(rawFromStack("dev"), "dev", undefined), (err: ConfigError) => {
                    assert.strictEqual(err.problems.length, 1, err.message);
                    assert.match(err.problems[0], /^aws:region: got nothing \(the key is not set\); expected the region this stack deploys into\. Fix: pulumi config set aws:region us-east-1 -s dev/);
                    assert.match(err.problems[0], /AWS_REGION\/AWS_DEFAULT_REGION in the shell do not count/);
                    return true;
                });
            } finally {
                if (saved === undefined) delete process.env.AWS_REGION;
                else process.env.AWS_REGION = saved;
            }
        });

        it("rejects a region AWS does not have, and reports it with the other problems", () => {
            const raw = devWith("production", "no");
            assert.throws(() => parseStackConfig(raw, "dev", "us-east-7"), (err: ConfigError) => {
                assert.match(err.problems[0], /^aws:region: got "us-east-7"; expected an AWS region name\. Fix: pulumi config set aws:region us-east-1 -s dev/);
                assert.match(err.problems[1], /^sagemaker-approval-gate:production:/);
                return true;
            });
        });

        it("accepts every region of @pulumi/aws's Region enum", () => {
            for (const region of ["eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]) assert.ok(AWS_REGIONS.includes(region), region);
            assert.ok(!AWS_REGIONS.includes("eu-west-9"));
        });

        it("defaults the sample images to the built-in ones of aws:region, with the China ECR domain in China", () => {
            const raw = devWith("pipeline.processingImageUri", undefined);
            delete raw.pipeline.trainingImageUri;
            const eu = layoutOf(parseStackConfig(raw, "dev", "eu-west-1"), "all-in-one").pipeline;
            assert.strictEqual(eu.processingImageUri, "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3");
            assert.strictEqual(eu.trainingImageUri, "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1");
            const cn = layoutOf(parseStackConfig(raw, "dev", "cn-north-1"), "all-in-one").pipeline;
            assert.strictEqual(cn.trainingImageUri, "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1");
            assert.strictEqual(layoutOf(parseStackConfig(raw, "dev", "us-east-1"), "all-in-one").pipeline.trainingImageUri, "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1");
        });

        it("says exactly what to set where the sample has no built-in image", () => {
            const raw = devWith("pipeline.processingImageUri", undefined);
            assert.throws(() => parseStackConfig(raw, "dev", "us-iso-east-1"), (err: ConfigError) => {
                assert.match(err.message, /pipeline\.processingImageUri: got nothing \(the key is not set\) and there is no built-in sagemaker-scikit-learn:1\.2-1-cpu-py3 image known in us-iso-east-1/);
                assert.match(err.message, /Fix: pulumi config set --path 'pipeline\.processingImageUri' <account>\.dkr\.ecr\.us-iso-east-1\.amazonaws\.com\/<repository>:<tag> -s dev/);
                return true;
            });
        });

        it("rejects a built-in image of another region with its URI in aws:region", () => {
            const raw = devWith("pipeline.trainingImageUri", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1");
            assert.throws(() => parseStackConfig(raw, "dev", "ap-southeast-2"), (err: ConfigError) => {
                assert.match(err.message, /pipeline\.trainingImageUri: got "683313688378\.dkr\.ecr\.us-east-1\.amazonaws\.com\/sagemaker-xgboost:1\.7-1", an image in us-east-1; expected an image in aws:region ap-southeast-2/);
                assert.match(err.message, /Fix: pulumi config set --path 'pipeline\.trainingImageUri' 783357654285\.dkr\.ecr\.ap-southeast-2\.amazonaws\.com\/sagemaker-xgboost:1\.7-1 -s dev/);
                return true;
            });
        });

        it("rejects an image of your own registry in another region, saying to push or replicate it", () => {
            const raw = devWith("pipeline.processingImageUri", "210987654321.dkr.ecr.us-west-2.amazonaws.com/team/prep@sha256:" + "a".repeat(64));
            assert.throws(() => parseStackConfig(raw, "dev", "us-east-1"), (err: ConfigError) => {
                assert.match(err.message, /an image in us-west-2; expected an image in aws:region us-east-1/);
                assert.match(err.message, /push or replicate the image to ECR in us-east-1, then pulumi config set --path 'pipeline\.processingImageUri' <account>\.dkr\.ecr\.us-east-1\.amazonaws\.com\/team\/prep@sha256:a+ -s dev/);
                return true;
            });
        });

        it("rejects a China-region image host outside China", () => {
            const raw = devWith("pipeline.trainingImageUri", "683313688378.dkr.ecr.us-east-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1");
            assert.throws(() => parseStackConfig(raw, "dev", "us-east-1"), /pipeline\.trainingImageUri: got .*expected an image in aws:region us-east-1/);
        });
    });

    describe("limits AWS and the components enforce", () => {
        const alarms = (n: number) => Array.from({ length: n }, (_, i) => `team-alarm-${i}`);

        it(`takes up to ${MAX_CONFIGURED_ROLLBACK_ALARMS} rollback alarms (UpdateEndpoint takes ${MAX_ROLLBACK_ALARMS}, 2 are the stack's own)`, () => {
            assert.strictEqual(MAX_ROLLBACK_ALARMS, 10);
            const config = parseStackConfig(devWith("endpoint.rollbackAlarmNames", alarms(MAX_CONFIGURED_ROLLBACK_ALARMS)), "dev", "us-east-1");
            assert.strictEqual(layoutOf(config, "all-in-one").endpoint.rollbackAlarmNames.length, 8);
        });

        it("rejects one rollback alarm too many in the config reader, with the fix, not a stack trace from a component", () => {
            const [message] = problemsFor(devWith("endpoint.rollbackAlarmNames", alarms(9)));
            assert.match(message, /^sagemaker-approval-gate:endpoint\.rollbackAlarmNames: got \[.*\]; expected at most 8 alarms \(UpdateEndpoint takes 10, 2 are the stack's own; combine more into a composite alarm\)/);
            assert.match(message, /Fix: pulumi config rm --path 'endpoint\.rollbackAlarmNames\[8\]' -s dev/);
        });

        it("rejects an alarm name longer than CloudWatch's 255 characters", () => {
            const [message] = problemsFor(devWith("endpoint.rollbackAlarmNames", ["a".repeat(256)]));
            assert.match(message, /^sagemaker-approval-gate:endpoint\.rollbackAlarmNames\[0\]: got "a+"; expected at most 255 character\(s\)\. Fix: pulumi config set --path 'endpoint\.rollbackAlarmNames\[0\]' my-endpoint-5xx -s dev/);
        });

        it("rejects an approver role name longer than IAM's 64 characters, counting the name only", () => {
            const [message] = problemsFor(devWith("approvers.principalArns", [`arn:aws:iam::123456789012:role/${"r".repeat(65)}`]));
            assert.match(message, /^sagemaker-approval-gate:approvers\.principalArns\[0\]: got "arn:aws:iam::123456789012:role\/r{65}"; expected a role or user name of at most 64 characters/);
            const ok = [`arn:aws:iam::123456789012:role/${"p".repeat(40)}/${"r".repeat(64)}`, `arn:aws:sts::123456789012:assumed-role/${"r".repeat(64)}/${"s".repeat(64)}`];
            assert.deepStrictEqual(parseStackConfig(devWith("approvers.principalArns", ok), "dev", "us-east-1").approvers.principalArns, ok);
        });

        it("rejects more tags than a resource takes with the stack's own two, AWS-reserved keys and the keys the stack sets", () => {
            const many = Object.fromEntries(Array.from({ length: MAX_USER_TAGS + 1 }, (_, i) => [`k${i}`, "v"]));
            assert.match(problemsFor(devWith("tags", many))[0], /^sagemaker-approval-gate:tags: got .*expected at most 48 tags \(AWS takes 50 per resource; the stack sets project and environment\)/);
            assert.match(problemsFor(devWith("tags", { "aws:owner": "me" }))[0], /tags\.aws:owner: got "aws:owner"; expected a tag key that does not start with aws:/);
            assert.match(problemsFor(devWith("tags", { environment: "x" }))[0], /tags\.environment: got "environment"; expected a tag key other than project and environment/);
        });
    });

    describe("the stack name", () => {
        it("rejects an environment copied from another stack file, naming both and the fixes", () => {
            const [message, ...rest] = problemsFor(rawFromStack("dev"), "staging");
            assert.deepStrictEqual(rest, []);
            assert.match(message, /^sagemaker-approval-gate:environment: got "dev" in stack "staging"; expected the stack name, or a different one chosen on purpose/);
            assert.match(message, /Fix: pulumi config rm environment -s staging/);
            assert.match(message, /modelPackageGroupName a name of its own, now "abalone-dev"/);
            assert.match(message, /pulumi config set environmentDiffersFromStack true -s staging/);
        });

        it("accepts an environment other than the stack name when it is chosen on purpose", () => {
            const raw = { ...rawFromStack("dev"), environmentDiffersFromStack: true };
            assert.strictEqual(parseStackConfig(raw, "dev-eu", "us-east-1").environment, "dev");
        });

        for (const stack of ["prod", "production", "prod-eu", "live"]) {
            it(`rejects production: false in stack "${stack}", which the policy pack treats as production`, () => {
                const raw: Record<string, unknown> = { ...rawFromStack("prod"), production: false };
                delete raw.environment;
                const [message] = problemsFor(raw, stack);
                assert.match(message, new RegExp(`^sagemaker-approval-gate:production: got false in stack "${stack}" \\(environment "${stack}"\\); expected true`));
                assert.match(message, /Fix: pulumi config set production true -s /);
            });
        }

        it("rejects production: false for an environment named like production in another stack", () => {
            const raw = { ...rawFromStack("prod"), production: false, environmentDiffersFromStack: true };
            assert.match(problemsFor(raw, "blue")[0], /production: got false in stack "blue" \(environment "prod"\); expected true, because "prod" matches/);
        });
    });

    describe("a missing whole object", () => {
        it("gets every command that builds the pipeline object, for this stack", () => {
            const [message] = problemsFor(devWith("pipeline", undefined), "dev");
            assert.match(message, /^sagemaker-approval-gate:pipeline: got nothing \(the key is not set\); expected an object\. Fix: /);
            for (const key of ["inputDataS3Uri", "metric.name", "metric.jsonPath", "metric.comparison", "metric.threshold"]) {
                assert.match(message, new RegExp(`pulumi config set --path 'pipeline\\.${key.replace(".", "\\.")}' \\S+ -s dev`), key);
            }
            assert.match(message, /Pulumi\.dev\.yaml/);
        });

        it("and so does approvers", () => {
            const [message] = problemsFor(devWith("approvers", undefined), "dev");
            assert.match(message, /approvers: got nothing .*Fix: pulumi config set --path 'approvers\.principalArns\[0\]' arn:aws:iam::123456789012:role\/ml-approver -s dev/);
        });
    });

    describe("approvers and the deploying account", () => {
        const approvers = (principalArns: string[], attachPolicy = true) => ({ approvers: { principalArns, attachPolicy, emails: [] } });

        it("names each approver of another account with the fixes", () => {
            const problems = approverAccountProblems(approvers(["arn:aws:iam::123456789012:role/a", "arn:aws:sts::111111111111:assumed-role/b/s"]), "123456789012", "dev");
            assert.strictEqual(problems.length, 1);
            assert.match(problems[0], /approvers\.principalArns\[1\]: got "arn:aws:sts::111111111111:assumed-role\/b\/s", a principal of account 111111111111, but stack "dev" deploys into account 123456789012/);
        });

        it("has nothing to say when the policies are not attached", () => {
            assert.deepStrictEqual(approverAccountProblems(approvers(["arn:aws:iam::111111111111:role/a"], false), "123456789012", "dev"), []);
        });
    });
});
