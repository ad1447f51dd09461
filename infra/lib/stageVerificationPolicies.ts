/**
 * What `approvals approve --stage S` (registry account) reads across the account boundary before a person approves
 * (cli/approvals: the bytes check against S's pins): S's ledger, a `Query` of `PINS#<package ARN>` on
 * `sagemaker-approval-gate-<S's env>-deployments` in S's account, and the registry's own bucket and images. Both sides
 * of the cross-account grant: the ledger's resource policy and the approvals key's statement (environment stack), and
 * the approvers' own statements (registry stack). Without them approve refuses "could not verify" (fail closed).
 *
 * Documented: DynamoDB resource-based policies admit other accounts' principals (the caller names the table by ARN).
 * The ledger is encrypted with the environment's approvals key, so reading it also takes `kms:Decrypt` through
 * DynamoDB, granted by the key policy and by the caller's policy; the registry does not know the key's id, so its side
 * names that account's keys (`key/*`) through DynamoDB only.
 */
import { accountRootArn, environmentArn, principalArnForCondition, type AwsScope } from "./arns";
import { bytesReadStatements, type BytesReadInput } from "./artifactGuardPolicies";
import { LEDGER_PARTITIONS } from "./functionPolicies";
import { conditionPrincipals, policyDocument, type PolicyDocument, type PolicyStatement } from "./iamDocuments";
import { resourceName } from "./naming";
import { stageApproverPolicy, type StageApproverPolicyInput } from "./stageApproverPolicies";

/** Only the pins: every partition key the Query names must be `PINS#…`. */
const ONLY_PINS = { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${LEDGER_PARTITIONS.pins}*`] } };

/** The ledger of an environment stack: `arn:…:dynamodb:<region>:<account>:table/sagemaker-approval-gate-<env>-deployments`. */
export function environmentLedgerArn(scope: AwsScope, environment: string): string {
    return environmentArn(scope, "dynamodb", `table/${resourceName(environment, "deployments")}`);
}

export interface LedgerSharingInput {
    /** The environment account's scope (the ledger's). */
    readonly scope: AwsScope;
    readonly tableName: string;
    readonly registryAccountId: string;
    /**
     * The registry's approvers of this stage. Defaults to none: the registry account is admitted, and only its
     * principals whose own policy allows the Query (the stage approver policy) get through.
     */
    readonly stageApproverArns?: readonly string[];
}

function registryPrincipals(input: LedgerSharingInput) {
    if (input.registryAccountId === input.scope.accountId) throw new Error(`the registry account ${input.registryAccountId} is this account; use the all-in-one layout`);
    const narrowed: Required<PolicyStatement>["Condition"] = input.stageApproverArns?.length
        ? { ArnEquals: { "aws:PrincipalArn": [...new Set(input.stageApproverArns.map(principalArnForCondition))].sort() } }
        : {};
    return { Principal: { AWS: [accountRootArn(input.scope.partition, input.registryAccountId)] }, narrowed };
}

/** Resource policy of the environment's ledger: the registry's approvers of its stage may Query the pins, nothing else. */
export function environmentLedgerResourcePolicy(input: LedgerSharingInput): PolicyDocument {
    const { Principal, narrowed } = registryPrincipals(input);
    return policyDocument({
        Sid: "RegistryApproversReadThePins",
        Effect: "Allow",
        Principal,
        Action: ["dynamodb:Query"],
        Resource: [environmentArn(input.scope, "dynamodb", `table/${input.tableName}`)],
        Condition: { ...ONLY_PINS, ...narrowed },
    });
}

/** The statement the environment's approvals key policy adds: the same approvers decrypt through DynamoDB only. */
export function environmentLedgerKeyStatement(input: Omit<LedgerSharingInput, "tableName">): PolicyStatement {
    const { Principal, narrowed } = registryPrincipals({ ...input, tableName: "" });
    return {
        Sid: "RegistryApproversDecryptThePinsThroughDynamoDB",
        Effect: "Allow",
        Principal,
        Action: ["kms:Decrypt"],
        Resource: ["*"],
        Condition: { ...narrowed, StringEquals: { "kms:ViaService": `dynamodb.${input.scope.region}.amazonaws.com` } },
    };
}

/**
 * The stage approver policy plus what the CLI's bytes check reads: the Query of the stage's ledger (the pins only),
 * its key through DynamoDB in that account, and the registry's artifacts and images (bytesReadStatements), all bound
 * to the approvers (`aws:PrincipalArn`).
 */
export function stageApproverVerifyingPolicy(
    input: StageApproverPolicyInput & { readonly stageAccount: { readonly accountId: string; readonly environment: string }; readonly bytes: Omit<BytesReadInput, "scope"> },
): PolicyDocument {
    const onlyApprovers = { ArnEquals: { "aws:PrincipalArn": conditionPrincipals(`stageApproverPolicy (${input.stage})`, "approver", input.approverPrincipalArns) } };
    const stageScope: AwsScope = { ...input.scope, accountId: input.stageAccount.accountId };
    return policyDocument(
        ...stageApproverPolicy(input).Statement,
        { Sid: "QueryTheStagesPins", Effect: "Allow", Action: ["dynamodb:Query"], Resource: [environmentLedgerArn(stageScope, input.stageAccount.environment)], Condition: { ...ONLY_PINS, ...onlyApprovers } },
        {
            Sid: "DecryptTheStagesLedgerThroughDynamoDB",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: [environmentArn(stageScope, "kms", "key/*")],
            Condition: { ...onlyApprovers, StringEquals: { "kms:ViaService": `dynamodb.${input.scope.region}.amazonaws.com` } },
        },
        ...bytesReadStatements({ ...input.bytes, scope: input.scope }, onlyApprovers),
    );
}

/** A stage's environments (several may share a stage) and the registry's bytes its approvers check. */
export interface StageVerifyingInput extends StageApproverPolicyInput {
    readonly stageAccounts: readonly { readonly accountId: string; readonly environment: string }[];
    readonly bytes: Omit<BytesReadInput, "scope">;
}

/** Ledger statements of B's document that are per environment: repeated (Sid suffixed) for each further one. */
const PER_ENVIRONMENT_SIDS = new Set(["QueryTheStagesPins", "DecryptTheStagesLedgerThroughDynamoDB"]);

/**
 * stageApproverVerifyingPolicy for every environment of the stage: one ledger Query and one decrypt statement per
 * environment account, the approval and bytes statements once. What the registry attaches to each stage's approvers.
 */
export function stageApproversVerifyingPolicy(input: StageVerifyingInput): PolicyDocument {
    const [first, ...rest] = input.stageAccounts;
    if (!first) throw new Error(`stage ${input.stage} has no environment: add one under promotion.stages`);
    const { stageAccounts: _ignored, ...common } = input;
    const base = stageApproverVerifyingPolicy({ ...common, stageAccount: first });
    const more = rest.flatMap((account) =>
        stageApproverVerifyingPolicy({ ...common, stageAccount: account })
            .Statement.filter((s) => PER_ENVIRONMENT_SIDS.has(s.Sid))
            .map((s) => ({ ...s, Sid: `${s.Sid}${account.environment.replace(/[^A-Za-z0-9]/g, "")}${account.accountId}` })),
    );
    return policyDocument(...base.Statement, ...more);
}
