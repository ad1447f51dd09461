/**
 * A production endpoint serving one model package version (config `modelPackageArn`): Model → EndpointConfiguration
 * → Endpoint, as a team's own program would declare it. Nothing here checks the approval: the policy pack does, on
 * the Model (its package) and the endpoint configuration (the models it serves), before either is created.
 *
 *   npm run plan -- --program examples/blocked-endpoint --stack prod --endpoint-url http://127.0.0.1:5000
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const modelPackageArn = config.require("modelPackageArn");
const stack = pulumi.getStack();

// The version in the names keeps a new version's model and config from replacing the live ones in place.
const version = modelPackageArn.split("/").pop();

const model = new aws.sagemaker.Model("model", {
    name: `blocked-endpoint-${stack}-v${version}`,
    executionRoleArn: config.require("executionRoleArn"),
    // The package, never a raw image: SageMaker resolves image and model data from the registered version.
    primaryContainer: { modelPackageName: modelPackageArn },
});

const endpointConfig = new aws.sagemaker.EndpointConfiguration("endpoint-config", {
    name: `blocked-endpoint-${stack}-v${version}`,
    productionVariants: [{ variantName: "AllTraffic", modelName: model.name, instanceType: "ml.m5.large", initialInstanceCount: 1 }],
});

const endpoint = new aws.sagemaker.Endpoint("endpoint", {
    name: `blocked-endpoint-${stack}`,
    endpointConfigName: endpointConfig.name,
});

export const endpointName = endpoint.name;
export const servedModelPackageArn = modelPackageArn;
