/**
 * The Deployer of one environment: what puts exactly the approved version on its endpoint and takes a rejected
 * one off.
 *
 *   deploy-requests (FIFO, one message group per endpoint) → deploy-approved Lambda → SageMaker endpoint
 *
 * plus the deployment ledger (DynamoDB), the model execution role the function passes to SageMaker, the
 * endpoint alarms a blue/green update rolls back on, the queue's redrive DLQ, alarms on the function's errors,
 * the DLQ's depth, the queue's age and "no rollback target" (all to the approvals topic), and the approvers'
 * operator-read policy (`approvals live` / `history`).
 *
 * The queue's sender policy is ApprovalRules' (it names the rules that feed it). The pieces are in deployerQueue.ts,
 * deployerLedger.ts (ledger, operator-read policy), deployerEndpoint.ts (model role, rollback alarms),
 * deployerFunction.ts and deployerSettings.ts (names and settings, pure; re-exported here).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EndpointSettings } from "../config";
import { topicAlarm, type ChildContext, type TopicAlarmProps } from "../lib/functionResources";
import { endpointName as defaultEndpointName } from "../lib/naming";
import { currentScope } from "../lib/scope";
import { childOptions, type StagePromotion } from "./approvalFunction";
import { endpointAlarms, modelExecutionRole } from "./deployerEndpoint";
import { deployFunction, noRollbackTargetAlarm } from "./deployerFunction";
import { ledgerTable, operatorReadPolicy } from "./deployerLedger";
import { deployQueueAlarms, deployQueues, deployRequestsSource } from "./deployerQueue";
import { deployerAlarmRoles } from "./deployerSettings";

export { DEPLOY_QUEUE, deployerAlarmRoles, deployerEnvironment, endpointAlarmNames, MAX_ROLLBACK_ALARMS, rollbackAlarmNames, type DeployerEnvironmentInput } from "./deployerSettings";

export interface DeployerArgs {
    /** Environment name (dev, prod, ...), part of every name. */
    readonly environment: string;
    /** The model package group whose approved versions this environment deploys. */
    readonly modelPackageGroupName: pulumi.Input<string>;
    /** Bucket holding the model artifacts (the pipeline's artifacts bucket). */
    readonly artifactsBucketName: pulumi.Input<string>;
    /** CMK of that bucket. Defaults to none (S3-managed keys). */
    readonly artifactsKmsKeyArn?: pulumi.Input<string>;
    /** Name of the training pipeline writing into that bucket: the model role reads only its training outputs. */
    readonly pipelineName: pulumi.Input<string>;
    /** Inference images of the registered versions (the model role may pull only these repositories). */
    readonly modelImageUris: readonly string[];
    /** Endpoint instance type/count, extra rollback alarms and bake time (validated stack config). */
    readonly endpoint: EndpointSettings;
    /** The endpoint approved versions go to. Defaults to `sagemaker-approval-gate-<env>-endpoint`. */
    readonly endpointName?: string;
    /** ModelLatency (average, milliseconds) above which a blue/green update rolls back. Defaults to 1000. */
    readonly modelLatencyThresholdMs?: number;
    /** Retention of the function's log group, in days. Defaults to 90. */
    readonly logRetentionDays?: number;
    /** Protect the ledger table from deletion. Defaults to true. */
    readonly ledgerDeletionProtection?: boolean;
    /**
     * IAM role/user ARNs of the approvers: they get the operator-read policy (what `approvals live` and
     * `approvals history` read: this endpoint, its configs and models, the ledger). Defaults to none: no policy.
     */
    readonly approverPrincipalArns?: readonly string[];
    /**
     * Attach the operator-read policy to the approver roles/users (they must exist in the deploying account).
     * Set false when another stack manages their policies and attach `operatorReadPolicyArn` there. Defaults to true.
     */
    readonly attachOperatorReadPolicy?: boolean;
    /** The approvals topic its alarms notify and the function publishes to; its policy must admit deployerAlarmRoles(). */
    readonly topicArn: pulumi.Input<string>;
    /** The approvals CMK: ledger, queues and log group are encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Set in an environment stack: the function asks the Stage question, marks its stage Deployed, and reads the registry's versions. Defaults to none (all-in-one). */
    readonly promotion?: StagePromotion;
    /** Where the children were declared before the split (ApprovalEvents): they keep their URNs through aliases. Defaults to none. */
    readonly legacyParent?: pulumi.Resource;
    /** Tags on every taggable child. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

export class Deployer extends pulumi.ComponentResource {
    readonly ledgerTable: aws.dynamodb.Table;
    readonly ledgerTableName: pulumi.Output<string>;
    readonly modelExecutionRole: aws.iam.Role;
    readonly modelExecutionRoleArn: pulumi.Output<string>;
    readonly function: aws.lambda.Function;
    /** FIFO queue between the approved/rejected rules and the deploy function. */
    readonly deployRequests: aws.sqs.Queue;
    /** The deploy queue's redrive DLQ (FIFO). */
    readonly dlq: aws.sqs.Queue;
    readonly endpointName: string;
    /** Managed policy that lets the approvers run `approvals live` / `history`; undefined without approvers. */
    readonly operatorReadPolicy?: aws.iam.Policy;
    readonly operatorReadPolicyArn?: pulumi.Output<string>;

    constructor(name: string, args: DeployerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sagemaker-approval-gate:approvals:Deployer", name, {}, opts);
        const env = args.environment;
        const tags = { ...(args.tags ?? {}) };
        const scope = currentScope({ parent: this });
        const endpointName = args.endpointName ?? defaultEndpointName(env);
        this.endpointName = endpointName;
        const children: ChildContext = { name, environment: env, tags, opts: childOptions(this, args.legacyParent) };
        const keyArn = args.kmsKeyArn;
        const alarmRoles = new Set(deployerAlarmRoles());
        const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, args.topicArn, alarmRoles, role, props);
        const bytes = { artifactsBucketName: args.artifactsBucketName, pipelineName: args.pipelineName, modelImageUris: args.modelImageUris };

        this.ledgerTable = ledgerTable(children, keyArn, args.ledgerDeletionProtection ?? true);
        this.ledgerTableName = this.ledgerTable.name;
        const queues = deployQueues(children, keyArn);
        this.dlq = queues.dlq;
        this.deployRequests = queues.deployRequests;

        const model = modelExecutionRole(children, { scope, endpointName, configuredRollbackAlarms: args.endpoint.rollbackAlarmNames, artifactsKmsKeyArn: args.artifactsKmsKeyArn, ...bytes });
        this.modelExecutionRole = model.role;
        this.modelExecutionRoleArn = model.role.arn;
        endpointAlarms(alarm, endpointName, args.modelLatencyThresholdMs ?? 1000);

        this.function = deployFunction(children, {
            scope,
            groupName: pulumi.output(args.modelPackageGroupName),
            endpointName,
            endpoint: args.endpoint,
            ledgerTable: this.ledgerTable,
            topicArn: args.topicArn,
            kmsKeyArn: keyArn,
            ...queues,
            modelExecutionRole: model.role,
            rollbackAlarmArns: model.rollbackAlarmArns,
            ...bytes,
            logRetentionDays: args.logRetentionDays ?? 90,
            promotion: args.promotion,
            alarm,
        });
        deployRequestsSource(children, queues, this.function);
        deployQueueAlarms(alarm, env, endpointName, queues);
        noRollbackTargetAlarm(alarm, env, endpointName);

        this.operatorReadPolicy = operatorReadPolicy(children, {
            scope,
            endpointName,
            ledgerTable: this.ledgerTable,
            kmsKeyArn: keyArn,
            readerPrincipalArns: args.approverPrincipalArns ?? [],
            attach: args.attachOperatorReadPolicy ?? true,
            ...bytes,
        });
        this.operatorReadPolicyArn = this.operatorReadPolicy?.arn;

        this.registerOutputs({
            ledgerTableName: this.ledgerTableName,
            modelExecutionRoleArn: this.modelExecutionRoleArn,
            endpointName,
            operatorReadPolicyArn: this.operatorReadPolicyArn,
        });
    }
}
