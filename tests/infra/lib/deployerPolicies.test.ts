import { strict as assert } from "assert";
import { deployApprovedPolicy, deployedResourceArns, operatorReadPolicy } from "../../../infra/lib/deployerPolicies";
import { approvalsKeyPolicy, approvalsTopicPolicy } from "../../../infra/lib/approvalsTopicPolicies";
import { type PolicyDocument } from "../../../infra/lib/iamDocuments";
import { ownAlarmNames } from "../../../infra/components/approvalEvents";
import { functionName, logGroupName } from "../../../infra/components/approvalFunction";
import { ruleNames } from "../../../infra/components/approvalRules";
import { deployedResourcePrefix } from "../../../infra/lib/naming";
import { deploymentResourceName } from "../../../lambdas/shared/names";
import { parseStackConfig } from "../../../infra/config";
import { exampleStackConfig } from "../exampleStacks";
import { allows, APPROVER_SESSION, APPROVER_USER, common, deploy, model, MODEL_ROLE, notify, operatorRead, resourcesOf, REQUESTS, scope } from "./approvalPolicyInputs";

describe("infra/lib/deployerPolicies", () => {
    it("scopes the deploy role to this group's packages (lower-cased in ARNs), its endpoint, and prefixed models/configs", () => {
        assert.deepEqual(resourcesOf(deploy, "sagemaker:DescribeModelPackage"), ["arn:aws:sagemaker:us-east-1:111111111111:model-package/abalone-dev/*"]);
        const arns = deployedResourceArns(scope, "dev", "sagemaker-approval-gate-dev-endpoint");
        assert.deepEqual(resourcesOf(deploy, "sagemaker:CreateModel"), [arns.models, arns.endpointConfigs]);
        assert.equal(arns.models, "arn:aws:sagemaker:us-east-1:111111111111:model/sagemaker-approval-gate-dev--*");
        assert.deepEqual(resourcesOf(deploy, "sagemaker:UpdateEndpoint"), [arns.endpoint, arns.endpointConfigs]);
        assert.equal(arns.endpoint, "arn:aws:sagemaker:us-east-1:111111111111:endpoint/sagemaker-approval-gate-dev-endpoint");
        for (const statement of allows(deploy)) {
            for (const resource of statement.Resource ?? []) assert.notEqual(resource, "*", statement.Sid);
        }
    });

    it("lets the deploy role pass only the model execution role, and only to SageMaker", () => {
        const [pass] = allows(deploy).filter((s) => s.Action.includes("iam:PassRole"));
        assert.deepEqual(pass.Resource, [MODEL_ROLE]);
        assert.deepEqual(pass.Condition, { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } });
        assert.equal(allows(notify).filter((s) => s.Action.includes("iam:PassRole")).length, 0);
    });

    it("grants the deploy role nothing its code and its SQS event source do not call", () => {
        // TransactWriteItems with Put items only needs PutItem; ConditionCheckItem is for ConditionCheck items.
        assert.deepEqual(allows(deploy).find((s) => s.Sid === "Ledger")!.Action, ["dynamodb:GetItem", "dynamodb:Query"]);
        // Its writes are PutItem only, each limited to the partitions it writes (artifactGuardPolicies.test.ts evaluates them).
        const writes = allows(deploy).filter((s) => s.Sid.startsWith("Ledger") && s.Sid !== "Ledger");
        assert.deepEqual([...new Set(writes.flatMap((s) => s.Action))], ["dynamodb:PutItem"]);
        for (const s of writes) assert.ok(s.Condition?.["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"], s.Sid);
        // What Lambda's SQS event source mapping calls with the execution role.
        assert.deepEqual(allows(deploy).find((s) => s.Sid === "ConsumeDeployRequests")!.Action, ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]);
    });

    it("gives the model role its artifacts, its image repositories and its endpoint's logs", () => {
        assert.deepEqual(resourcesOf(model, "ecr:BatchGetImage"), ["arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost"]);
        assert.deepEqual(resourcesOf(model, "s3:GetObject"), ["arn:aws:s3:::artifacts/sagemaker-approval-gate-dev-training/*/Train/output/*"], "training outputs only");
        assert.deepEqual(resourcesOf(model, "cloudwatch:DescribeAlarms"), ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:sagemaker-approval-gate-dev-endpoint-5xx"]);
        // The only "*" resources are the two IAM defines on "*" only; both are narrowed where IAM allows.
        const star = allows(model).filter((s) => s.Resource?.includes("*")).map((s) => s.Sid);
        assert.deepEqual(star, ["EcrLogin", "EndpointMetrics"]);
    });

    it("lets approvers read this environment's endpoint, its prefixed configs and models, and nothing else in SageMaker", () => {
        const arns = deployedResourceArns(scope, "dev", "sagemaker-approval-gate-dev-endpoint");
        assert.deepEqual(resourcesOf(operatorRead, "sagemaker:DescribeEndpoint"), ["arn:aws:sagemaker:us-east-1:111111111111:endpoint/sagemaker-approval-gate-dev-endpoint"]);
        assert.deepEqual(resourcesOf(operatorRead, "sagemaker:DescribeEndpointConfig"), [arns.endpointConfigs]);
        assert.deepEqual(resourcesOf(operatorRead, "sagemaker:DescribeModel"), [arns.models]);
        const actions = allows(operatorRead).flatMap((s) => s.Action).sort();
        assert.deepEqual(actions, ["dynamodb:GetItem", "dynamodb:Query", "kms:Decrypt", "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:DescribeModel"]);
        for (const statement of allows(operatorRead)) {
            for (const resource of statement.Resource ?? []) assert.ok(!resource.endsWith(":*") && resource !== "*", `${statement.Sid}: ${resource}`);
        }
    });

    it("lets approvers read (GetItem, Query) the ledger table only, and decrypt its CMK only through DynamoDB", () => {
        assert.deepEqual(resourcesOf(operatorRead, "dynamodb:GetItem"), [common.ledgerTableArn]);
        assert.deepEqual(resourcesOf(operatorRead, "dynamodb:Query"), [common.ledgerTableArn]);
        for (const write of ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Scan"]) assert.deepEqual(resourcesOf(operatorRead, write), [], write);
        const [decrypt] = allows(operatorRead).filter((s) => s.Action.includes("kms:Decrypt"));
        assert.deepEqual(decrypt.Resource, [common.kmsKeyArn]);
        assert.equal(decrypt.Condition!.StringEquals["kms:ViaService"], "dynamodb.us-east-1.amazonaws.com");
        assert.deepEqual(resourcesOf(operatorRead, "kms:GenerateDataKey"), []);
    });

    it("binds every operator-read grant to the approvers' principal ARNs (sessions as their role, de-duplicated), and needs one", () => {
        for (const statement of allows(operatorRead)) {
            assert.deepEqual(statement.Condition!.ArnEquals["aws:PrincipalArn"], ["arn:aws:iam::111111111111:role/ml-approver", APPROVER_USER], statement.Sid);
        }
        assert.throws(
            () => operatorReadPolicy({ scope, environment: "p", endpointName: "e", ledgerTableArn: "t", ledgerKmsKeyArn: "k", readerPrincipalArns: [] }),
            /at least one reader principal ARN/,
        );
    });

    describe("prod and prod-eu: one environment's name is a prefix of the other's", () => {
        /** IAM's ARN matching: `*` any run of characters, `?` one character, case-sensitive. */
        const iamMatches = (pattern: string, arn: string) =>
            new RegExp(`^${pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&"))).join("")}$`).test(arn);
        const sagemaker = (resource: string) => `arn:aws:sagemaker:us-east-1:111111111111:${resource}`;
        /** What an environment's stack and its deploy function name, as ARNs. */
        const resourcesOfEnvironment = (env: string) => {
            const deployed = deploymentResourceName(deployedResourcePrefix(env), 3, sagemaker("model-package/abalone/3"), "event-1");
            return {
                sagemaker: [sagemaker(`model/${deployed}`), sagemaker(`endpoint-config/${deployed}`), sagemaker(`endpoint/sagemaker-approval-gate-${env}-endpoint`)],
                rules: ruleNames(env).map((r) => `arn:aws:events:us-east-1:111111111111:rule/${r}`),
                alarms: ownAlarmNames(env).map((a) => `arn:aws:cloudwatch:us-east-1:111111111111:alarm:${a}`),
                logGroups: (["notify-approver", "deploy-approved"] as const).map((r) => `arn:aws:logs:us-east-1:111111111111:log-group:${logGroupName(env, r)}`),
                functions: (["notify-approver", "deploy-approved"] as const).map((r) => functionName(env, r)),
            };
        };
        const documentsOf = (env: string) => ({
            deploy: deployApprovedPolicy({ ...deployInput(env), rollbackAlarmArns: [] }),
            operatorRead: operatorReadPolicy({ scope, environment: env, endpointName: `sagemaker-approval-gate-${env}-endpoint`, ledgerTableArn: "t", ledgerKmsKeyArn: "k", readerPrincipalArns: [APPROVER_USER] }),
            topic: approvalsTopicPolicy(scope, common.topicArn, { ruleNames: ruleNames(env), alarmNames: ownAlarmNames(env) }),
            key: approvalsKeyPolicy(scope, (["notify-approver", "deploy-approved"] as const).map((r) => logGroupName(env, r))),
        });
        const deployInput = (env: string) => ({
            ...common,
            dlqArn: undefined,
            requestQueueArn: REQUESTS,
            groupName: "abalone",
            environment: env,
            endpointName: `sagemaker-approval-gate-${env}-endpoint`,
            modelExecutionRoleArn: MODEL_ROLE,
        });
        /** Every ARN or ARN pattern a document grants on or conditions on. */
        const patternsOf = (doc: PolicyDocument) =>
            doc.Statement.flatMap((s) => [
                ...(s.Resource ?? []),
                ...Object.values(s.Condition ?? {}).flatMap((byKey) =>
                    Object.entries(byKey)
                        .filter(([k]) => k === "aws:SourceArn" || k === "kms:EncryptionContext:aws:logs:arn")
                        .flatMap(([, v]) => v),
                ),
            ]).filter((p) => p.startsWith("arn:"));

        for (const [mine, other] of [["prod", "prod-eu"], ["prod-eu", "prod"]]) {
            it(`${mine}'s documents match none of ${other}'s resources, and do match ${mine}'s own`, () => {
                const docs = documentsOf(mine);
                const theirs = Object.values(resourcesOfEnvironment(other)).flat();
                for (const [name, doc] of Object.entries(docs)) {
                    for (const pattern of patternsOf(doc)) {
                        for (const arn of theirs) assert.ok(!iamMatches(pattern, arn), `${mine} ${name}: ${pattern} matches ${other}'s ${arn}`);
                    }
                }
                const own = resourcesOfEnvironment(mine);
                const granted = (doc: PolicyDocument, arn: string) => patternsOf(doc).some((p) => iamMatches(p, arn));
                for (const arn of own.sagemaker) assert.ok(granted(docs.deploy, arn), `deploy: ${arn}`);
                for (const arn of [...own.rules, ...own.alarms]) assert.ok(granted(docs.topic, arn), `topic: ${arn}`);
                for (const arn of own.logGroups) assert.ok(granted(docs.key, arn), `key: ${arn}`);
            });
        }
        it("the environment-name rule keeps the separator unambiguous: no two hyphens in a row, single ones allowed", () => {
            const NS = "sagemaker-approval-gate:";
            const raw = Object.fromEntries(Object.entries(exampleStackConfig("prod")).filter(([k]) => k.startsWith(NS)).map(([k, v]) => [k.slice(NS.length), v]));
            assert.equal(parseStackConfig({ ...raw, environment: "prod-eu" }, "prod-eu", "us-east-1").environment, "prod-eu");
            assert.throws(() => parseStackConfig({ ...raw, environment: "prod--eu" }, "prod--eu", "us-east-1"), /environment.*no two hyphens in a row/s);
            assert.throws(() => parseStackConfig({ ...raw, environment: "a-b-c-d-e-f-g-h-i-j" }, "a-b-c-d-e-f-g-h-i-j", "us-east-1"), /environment/, "17 characters at most, hyphens included");
        });
        it("the IAM matcher itself: * spans hyphens, so a bare name prefix would have matched", () => {
            assert.ok(iamMatches("arn:aws:sagemaker:us-east-1:111111111111:model/sagemaker-approval-gate-prod-*", resourcesOfEnvironment("prod-eu").sagemaker[0]));
        });
    });
});
