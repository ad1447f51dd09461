/**
 * The stack: reads the validated config, composes the components of its layout, exports outputs. Nothing else
 * happens here; the layouts are in infra/layouts, logic in infra/components, infra/pipeline and infra/lib.
 *
 * Layouts (docs/promotion.md): all-in-one (no `promotion`), registry (`promotion.stages`), environment
 * (`promotion.stage` + `promotion.registry`). Each exports what it has; an output a layout lacks is undefined
 * and so absent from the stack's outputs (the list per layout is in docs/promotion.md "Outputs").
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assertDeployingAccount, loadStackConfig } from "./config";
import { standardTags } from "./lib/naming";
import { allInOneStack } from "./layouts/allInOne";
import { registryStack } from "./layouts/registry";
import { environmentStack } from "./layouts/environment";

// Throws a ConfigError naming every bad key before any resource is declared.
const config = loadStackConfig();
const layout = config.layout;
const env = config.environment;
const tags = standardTags(env, config.tags);

// The credentials' account, once the approvers to attach and the layout's accounts are known to fit it: a
// ConfigError otherwise, in preview too (the invoke runs in preview); the attachments that wait for it are never declared.
const deployingAccountId = aws.getCallerIdentityOutput({}).accountId.apply((accountId) => {
    assertDeployingAccount(config, accountId, pulumi.getStack());
    return accountId;
});

type Outputs = Partial<ReturnType<typeof allInOneStack> & ReturnType<typeof registryStack> & ReturnType<typeof environmentStack>>;
const outputs: Outputs =
    layout.kind === "all-in-one"
        ? allInOneStack(config, layout, deployingAccountId, tags)
        : layout.kind === "registry"
          ? registryStack(config, layout, deployingAccountId, tags)
          : environmentStack(config, layout, tags);

export const layoutKind = layout.kind;
export const environment = env;
/** The account the stack deployed into (the credentials'); exported so a failed account check fails the program. */
export const deployingAccount = deployingAccountId;
export const production = config.production;

// All layouts but where noted.
export const approvalsTopicArn = outputs.approvalsTopicArn;
export const modelPackageGroupName = outputs.modelPackageGroupName;
// all-in-one and environment: the deployer's.
export const deploymentsTableName = outputs.deploymentsTableName;
export const endpointName = outputs.endpointName;
export const modelExecutionRoleArn = outputs.modelExecutionRoleArn;
export const operatorReadPolicyArn = outputs.operatorReadPolicyArn;
export const artifactTamperFunctionName = outputs.artifactTamperFunctionName;
export const artifactTamperedAlarmName = outputs.artifactTamperedAlarmName;
// all-in-one only (issue 11).
export const smokeTestFunctionName = outputs.smokeTestFunctionName;
export const smokeTestFailedAlarmName = outputs.smokeTestFailedAlarmName;
// Every layout, when detectiveControl is on (issue 11); auditTableName in a registry stack only (it has no ledger).
export const outOfBandFunctionName = outputs.outOfBandFunctionName;
export const outOfBandAlarmName = outputs.outOfBandAlarmName;
export const auditTableName = outputs.auditTableName;
// all-in-one and registry: the group, the pipeline and its bucket (environment: the registry's bucket, key, pipeline name).
export const modelPackageGroupArn = outputs.modelPackageGroupArn;
export const approverPolicyArn = outputs.approverPolicyArn;
export const registrarPolicyArn = outputs.registrarPolicyArn;
export const approvalGuardrailScp = outputs.approvalGuardrailScp;
export const artifactsBucketName = outputs.artifactsBucketName;
export const artifactsBucketArn = outputs.artifactsBucketArn;
export const artifactsKmsKeyArn = outputs.artifactsKmsKeyArn;
export const pipelineName = outputs.pipelineName;
export const pipelineArn = outputs.pipelineArn;
export const pipelineExecutionRoleArn = outputs.pipelineExecutionRoleArn;
export const reportReaderPolicyArn = outputs.reportReaderPolicyArn;
// registry only.
export const stageApproverPolicyArns = outputs.stageApproverPolicyArns;
export const forwardingRoleArn = outputs.forwardingRoleArn;
export const forwardingRuleNames = outputs.forwardingRuleNames;
export const eventsDlqName = outputs.eventsDlqName;
// environment only.
export const stage = outputs.stage;
export const registryAccountId = outputs.registryAccountId;
export const defaultBusPolicyId = outputs.defaultBusPolicyId;
