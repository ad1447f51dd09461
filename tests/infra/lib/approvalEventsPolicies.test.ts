import { strict as assert } from "assert";
import {
    approvalsKeyPolicy,
    approvalsTopicPolicy,
    deployApprovedPolicy,
    deployedResourceArns,
    eventTargetDlqPolicy,
    KEY_ADMIN_ACTIONS,
    lambdaAssumeRolePolicy,
    modelExecutionRolePolicy,
    notifyApproverPolicy,
    operatorReadPolicy,
} from "../../../infra/lib/approvalEventsPolicies";
import { wildcardAllowActions, type PolicyDocument } from "../../../infra/lib/iamDocuments";
import { functionName, logGroupName, ownAlarmNames, ruleNames } from "../../../infra/components/approvalEvents";
import { deployedResourcePrefix } from "../../../infra/lib/naming";
import { deploymentResourceName } from "../../../lambdas/shared/names";
import { parseStackConfig } from "../../../infra/config";
import { exampleStackConfig } from "../exampleStacks";

const scope = { partition: "aws", region: "us-east-1", accountId: "111111111111" };
const common = {
    scope,
    logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-deploy-approved",
    ledgerTableArn: "arn:aws:dynamodb:us-east-1:111111111111:table/sagemaker-approval-gate-dev-deployments",
    topicArn: "arn:aws:sns:us-east-1:111111111111:sagemaker-approval-gate-dev-approvals",
    kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/k",
    dlqArn: "arn:aws:sqs:us-east-1:111111111111:sagemaker-approval-gate-dev-deploy-approved-dlq",
};
const MODEL_ROLE = "arn:aws:iam::111111111111:role/sagemaker-approval-gate-dev-model-execution";
const REQUESTS = "arn:aws:sqs:us-east-1:111111111111:sagemaker-approval-gate-dev-deploy-requests.fifo";
const deploy = deployApprovedPolicy({
    ...common,
    dlqArn: undefined,
    requestQueueArn: REQUESTS,
    groupName: "Abalone-Dev",
    environment: "dev",
    endpointName: "sagemaker-approval-gate-dev-endpoint",
    modelExecutionRoleArn: MODEL_ROLE,
    rollbackAlarmArns: ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:sagemaker-approval-gate-dev-endpoint-5xx"],
});
const notify = notifyApproverPolicy({
    ...common,
    logGroupName: "/aws/lambda/sagemaker-approval-gate-dev-notify-approver",
    reportBucketName: "artifacts",
    reportKeyPattern: "sagemaker-approval-gate-dev-training/*/Evaluate/output/evaluation/evaluation.json",
    reportKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/artifacts",
});
const model = modelExecutionRolePolicy({
    scope,
    endpointName: "sagemaker-approval-gate-dev-endpoint",
    artifactsBucketName: "artifacts",
    modelArtifactsKeyPattern: "sagemaker-approval-gate-dev-training/*/Train/output/*",
    artifactsKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/artifacts",
    imageUris: ["683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"],
    rollbackAlarmArns: ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:sagemaker-approval-gate-dev-endpoint-5xx"],
});

const APPROVER_SESSION = "arn:aws:sts::111111111111:assumed-role/ml-approver/alice";
const APPROVER_USER = "arn:aws:iam::111111111111:user/bob";
const operatorRead = operatorReadPolicy({
    scope,
    environment: "dev",
    endpointName: "sagemaker-approval-gate-dev-endpoint",
    ledgerTableArn: common.ledgerTableArn,
    ledgerKmsKeyArn: common.kmsKeyArn,
    readerPrincipalArns: [APPROVER_USER, APPROVER_SESSION, "arn:aws:iam::111111111111:role/ml-approver"],
});

const allows = (doc: PolicyDocument) => doc.Statement.filter((s) => s.Effect === "Allow");
const resourcesOf = (doc: PolicyDocument, action: string) => allows(doc).filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource ?? []);

describe("infra/lib/approvalEventsPolicies", () => {
    it("grants no wildcard action anywhere (key admin included: explicit actions, not kms:*)", () => {
        for (const doc of [deploy, notify, model, operatorRead, approvalsKeyPolicy(scope, ["/aws/lambda/x"]), approvalsTopicPolicy(scope, common.topicArn, { ruleNames: ["r"], alarmNames: ["a"] }), lambdaAssumeRolePolicy(scope), eventTargetDlqPolicy("q", ["r"])]) {
            assert.deepEqual(wildcardAllowActions(doc), []);
        }
        assert.ok(!KEY_ADMIN_ACTIONS.includes("kms:*"));
    });

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

    it("gives each function only the ledger actions it uses, the topic, its own DLQ and log group", () => {
        assert.deepEqual(resourcesOf(deploy, "dynamodb:Query"), [common.ledgerTableArn]);
        assert.equal(resourcesOf(notify, "dynamodb:Query").length, 0, "notify never lists history");
        assert.deepEqual(resourcesOf(notify, "dynamodb:DeleteItem"), [common.ledgerTableArn]);
        assert.equal(resourcesOf(deploy, "dynamodb:DeleteItem").length, 0, "the ledger's history is append-only for the deployer");
        assert.deepEqual(resourcesOf(deploy, "sns:Publish"), [common.topicArn]);
        assert.deepEqual(resourcesOf(notify, "sqs:SendMessage"), [common.dlqArn], "notify's async on-failure destination");
        assert.deepEqual(resourcesOf(deploy, "sqs:SendMessage"), [], "the deploy queue's redrive moves failures, not the function");
        assert.deepEqual(resourcesOf(deploy, "sqs:ReceiveMessage"), [REQUESTS]);
        assert.deepEqual(resourcesOf(deploy, "sqs:DeleteMessage"), [REQUESTS]);
        assert.deepEqual(resourcesOf(deploy, "logs:PutLogEvents"), [common.logGroupName.replace(/^/, "arn:aws:logs:us-east-1:111111111111:log-group:"), `arn:aws:logs:us-east-1:111111111111:log-group:${common.logGroupName}:log-stream:*`]);
        assert.equal(resourcesOf(deploy, "s3:GetObject").length, 0);
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

    it("lets each function use the approvals key only through the services it calls with it", () => {
        for (const [doc, services] of [
            [notify, ["dynamodb", "sns", "sqs"]],
            [deploy, ["dynamodb", "sns", "sqs"]],
        ] as const) {
            const key = allows(doc).find((s) => s.Sid === "UseTheApprovalsKey")!;
            assert.deepEqual(key.Resource, [common.kmsKeyArn]);
            assert.deepEqual(key.Condition, { StringEquals: { "kms:ViaService": services.map((sv) => `${sv}.us-east-1.amazonaws.com`) } });
        }
    });

    it("lets notify read reports only under the pipeline's prefix, decrypting through S3 only", () => {
        assert.deepEqual(resourcesOf(notify, "s3:GetObject"), ["arn:aws:s3:::artifacts/sagemaker-approval-gate-dev-training/*/Evaluate/output/evaluation/evaluation.json"]);
        const [decrypt] = allows(notify).filter((s) => s.Sid === "DecryptEvaluationReports");
        assert.deepEqual(decrypt.Condition, { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
        assert.equal(allows(notify).some((s) => s.Action.some((a) => a.startsWith("sagemaker:"))), false);
    });

    it("gives the model role its artifacts, its image repositories and its endpoint's logs", () => {
        assert.deepEqual(resourcesOf(model, "ecr:BatchGetImage"), ["arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-xgboost"]);
        assert.deepEqual(resourcesOf(model, "s3:GetObject"), ["arn:aws:s3:::artifacts/sagemaker-approval-gate-dev-training/*/Train/output/*"], "training outputs only");
        assert.deepEqual(resourcesOf(model, "cloudwatch:DescribeAlarms"), ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:sagemaker-approval-gate-dev-endpoint-5xx"]);
        // The only "*" resources are the two IAM defines on "*" only; both are narrowed where IAM allows.
        const star = allows(model).filter((s) => s.Resource?.includes("*")).map((s) => s.Sid);
        assert.deepEqual(star, ["EcrLogin", "EndpointMetrics"]);
    });

    it("lets EventBridge and CloudWatch of this account use the key, and Logs only for this environment's log groups", () => {
        const key = approvalsKeyPolicy(scope, [logGroupName("dev", "notify-approver"), logGroupName("dev", "deploy-approved")]);
        const services = allows(key).flatMap((s) => (typeof s.Principal === "object" ? s.Principal.Service ?? [] : []));
        // No Lambda statement: a failed async invocation is delivered with the function's execution role.
        assert.deepEqual(services.sort(), ["cloudwatch.amazonaws.com", "events.amazonaws.com", "logs.us-east-1.amazonaws.com"]);
        const services_ = allows(key).filter((s) => typeof s.Principal === "object" && s.Principal.Service);
        // EventBridge gets AWS's documented statement (no source conditions, which its KMS requests are not documented to carry);
        // the topic and queue policies narrow it to this account's rules. Every other service grant is conditioned.
        for (const s of services_) assert.equal(!!s.Condition, s.Sid !== "EventBridgeDeliversEncrypted", s.Sid);
        assert.deepEqual(allows(key).find((s) => s.Sid === "EventBridgeDeliversEncrypted")!.Principal, { Service: ["events.amazonaws.com"] });
        const logs = allows(key).find((s) => s.Sid === "LogsEncryptThisEnvironmentsLogGroups")!;
        assert.deepEqual(logs.Condition, {
            ArnEquals: {
                "kms:EncryptionContext:aws:logs:arn": [
                    "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/sagemaker-approval-gate-dev-deploy-approved",
                    "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/sagemaker-approval-gate-dev-notify-approver",
                ],
            },
        });
    });

    it("lets only this account's rules and alarms publish to the topic, over TLS", () => {
        const topic = approvalsTopicPolicy(scope, common.topicArn, { ruleNames: ["sagemaker-approval-gate-dev-rejected"], alarmNames: ["b-alarm", "a-alarm"] });
        assert.deepEqual(allows(topic).map((s) => (s.Principal as { Service: string[] }).Service[0]), ["events.amazonaws.com", "cloudwatch.amazonaws.com"]);
        // This environment's rules and alarms, each by its exact ARN, not every rule and alarm in the account.
        assert.deepEqual(allows(topic).map((s) => s.Condition), [
            { ArnEquals: { "aws:SourceArn": ["arn:aws:events:us-east-1:111111111111:rule/sagemaker-approval-gate-dev-rejected"] } },
            { ArnEquals: { "aws:SourceArn": ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:a-alarm", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:b-alarm"] } },
        ]);
        assert.equal(topic.Statement.find((s) => s.Effect === "Deny")?.Condition?.Bool["aws:SecureTransport"], "false");
        const dlq = eventTargetDlqPolicy("arn:q", ["arn:r1", "arn:r2"]);
        assert.deepEqual(dlq.Statement[0].Condition, { ArnEquals: { "aws:SourceArn": ["arn:r1", "arn:r2"] } });
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
