/**
 * The smoke test's role document (issue 11, infra/components/smokeTest.ts), a pure function of plain strings. Same
 * rules as deployerPolicies.ts: no wildcard action in any Allow, this environment's ARNs only, the approvals key
 * only through the services it calls.
 *
 * What makes it a smoke test's role and nothing more: it may invoke this environment's endpoint only, read what is
 * deployed on it, and change a version's status only to Rejected (`sagemaker:ModelApprovalStatus`, the status being
 * set, is a condition key of UpdateModelPackage), only on this environment's group's versions: a machine may take a
 * version out of service, never put one in.
 *
 * In an environment stack of the promotion layout (`promotion`) the versions are the registry account's: the role
 * describes them there and may reject only its own stage (ModelLifeCycle {stage, Rejected}, never ModelApprovalStatus:
 * promotionPolicies.ts environmentSmokeRegistryStatements; the registry's group policy admits the role by its ARN).
 */
import type { AwsScope } from "./arns";
import { environmentSmokeRegistryStatements } from "./promotionPolicies";
import { commonStatements, type FunctionPolicyInput, type LedgerWriteGrant } from "./functionPolicies";
import { deployedResourceArns } from "./deployerPolicies";
import { bucketArns, modelPackageArnPattern, parseS3Uri } from "./arns";
import { policyDocument, type PolicyDocument } from "./iamDocuments";
import { SMOKE_PARTITION } from "../../lambdas/smoke-test/record";

/** What it reads in the ledger: CURRENT (what is live) and its own SMOKE# items, one GetItem each. */
export const SMOKE_LEDGER_ACTIONS = ["dynamodb:GetItem"];

/** What it writes: its leases and results (PutItem, conditional), in SMOKE# only; it deletes nothing. */
export const SMOKE_LEDGER_WRITES: readonly LedgerWriteGrant[] = [{ sid: "LedgerSmokeResults", actions: ["dynamodb:PutItem"], partitionKeys: [`${SMOKE_PARTITION}*`] }];

/** The only status the smoke test may set. */
export const SMOKE_SETS_STATUS = "Rejected";

export interface SmokeTestPolicyInput extends FunctionPolicyInput {
    readonly environment: string;
    readonly endpointName: string;
    readonly groupName: string;
    /** `s3://bucket/prefix/` where versions' SamplePayloadUrl archives may be (smokeTest.samplePayloadS3Prefixes). Defaults to none. */
    readonly samplePayloadS3Prefixes?: readonly string[];
    /** Environment stacks: the registry's scope and this environment's stage. Defaults to none (all-in-one: this account's group). */
    readonly promotion?: { readonly registryScope: AwsScope; readonly stage: string };
}

export function smokeTestPolicy(input: SmokeTestPolicyInput): PolicyDocument {
    const arns = deployedResourceArns(input.scope, input.environment, input.endpointName);
    const samples = (input.samplePayloadS3Prefixes ?? []).map((uri) => {
        const { bucket, key } = parseS3Uri(uri);
        return `${bucketArns(input.scope.partition, bucket).bucket}/${key}*`;
    });
    return policyDocument(
        ...commonStatements(input, SMOKE_LEDGER_ACTIONS, SMOKE_LEDGER_WRITES),
        { Sid: "InvokeThisEnvironmentsEndpoint", Effect: "Allow", Action: ["sagemaker:InvokeEndpoint"], Resource: [arns.endpoint] },
        { Sid: "ReadWhatIsDeployed", Effect: "Allow", Action: ["sagemaker:DescribeEndpoint"], Resource: [arns.endpoint] },
        { Sid: "ReadItsConfigsAndModels", Effect: "Allow", Action: ["sagemaker:DescribeEndpointConfig", "sagemaker:DescribeModel"], Resource: [arns.endpointConfigs, arns.models] },
        ...(input.promotion
            ? environmentSmokeRegistryStatements({ registryScope: input.promotion.registryScope, groupName: input.groupName, stage: input.promotion.stage })
            : [
                  { Sid: "ReadThisGroupsVersions", Effect: "Allow" as const, Action: ["sagemaker:DescribeModelPackage"], Resource: [modelPackageArnPattern(input.scope, input.groupName)] },
                  {
                      Sid: "RejectOnlyThisGroupsVersions",
                      Effect: "Allow" as const,
                      Action: ["sagemaker:UpdateModelPackage"],
                      Resource: [modelPackageArnPattern(input.scope, input.groupName)],
                      Condition: { StringEquals: { "sagemaker:ModelApprovalStatus": SMOKE_SETS_STATUS } },
                  },
              ]),
        samples.length ? { Sid: "ReadSamplePayloads", Effect: "Allow", Action: ["s3:GetObject"], Resource: samples } : undefined,
    );
}
