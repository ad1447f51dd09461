/**
 * The partition, region and account the stack deploys into, as one Output. Components use it to build
 * this environment's ARNs for IAM documents.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { AwsScope } from "./arns";

export function currentScope(opts: pulumi.InvokeOutputOptions): pulumi.Output<AwsScope> {
    const identity = aws.getCallerIdentityOutput({}, opts);
    const region = aws.getRegionOutput({}, opts);
    const partition = aws.getPartitionOutput({}, opts);
    return pulumi.all([partition.partition, region.region, identity.accountId]).apply(([p, r, a]) => ({
        partition: p,
        region: r,
        accountId: a,
    }));
}
