/**
 * The policy pack. This file only constructs the PolicyPack (the constructor starts the gRPC server the
 * Pulumi CLI talks to); the policies live in their own modules, where tests import them.
 */
import { PolicyPack } from "@pulumi/policy";
import { approvedModelPackagesOnly, approvedModelPackagesOnlyStack } from "./approvedModelPackages";
import { pipelinesRegisterForManualApproval } from "./pipelineApproval";

new PolicyPack("sagemaker-approval-gate", {
    description: "Only a model a person approved reaches a production SageMaker endpoint: endpoint configurations and models must come from Approved model package versions, and pipelines must register versions for manual approval.",
    enforcementLevel: "mandatory",
    policies: [approvedModelPackagesOnly, approvedModelPackagesOnlyStack, pipelinesRegisterForManualApproval],
});
