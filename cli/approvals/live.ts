/**
 * What an environment's endpoint serves right now, traced back to model package versions:
 * DescribeEndpoint → its endpoint config → each variant's model → the package ARN in its container(s).
 */
import {
    DescribeEndpointCommand,
    DescribeEndpointConfigCommand,
    DescribeModelCommand,
    type ContainerDefinition,
    type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { isNotFound, toCliError, type Where } from "./errors";

export interface LiveVariant {
    readonly variantName: string;
    readonly modelName?: string;
    /** Versioned package ARNs the model was built from (primary container and every container). */
    readonly packageArns: string[];
    readonly instanceType?: string;
    readonly instanceCount?: number;
    readonly weight?: number;
}

export interface LiveEndpoint {
    readonly endpointName: string;
    readonly status?: string;
    readonly failureReason?: string;
    readonly endpointConfigName?: string;
    readonly lastModified?: Date;
    readonly variants: LiveVariant[];
}

/** The package ARNs a model's containers were created from, de-duplicated. Pure. */
export function packageArnsOfContainers(primary: ContainerDefinition | undefined, containers: ContainerDefinition[] | undefined): string[] {
    const arns = [primary, ...(containers ?? [])].map((c) => c?.ModelPackageName).filter((a): a is string => !!a);
    return [...new Set(arns)];
}

/** The endpoint and what it serves; undefined when the endpoint does not exist (nothing deployed yet). */
export async function describeLiveEndpoint(sagemaker: SageMakerClient, endpointName: string, where: Where): Promise<LiveEndpoint | undefined> {
    let endpoint;
    try {
        endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    } catch (err) {
        if (isNotFound(err)) return undefined;
        throw toCliError(err, { ...where, action: `describe endpoint ${endpointName}` });
    }
    const variants: LiveVariant[] = [];
    if (endpoint.EndpointConfigName) {
        let config;
        try {
            config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }));
        } catch (err) {
            throw toCliError(err, { ...where, action: `describe endpoint config ${endpoint.EndpointConfigName}` });
        }
        for (const variant of config.ProductionVariants ?? []) {
            let packageArns: string[] = [];
            if (variant.ModelName) {
                try {
                    const model = await sagemaker.send(new DescribeModelCommand({ ModelName: variant.ModelName }));
                    packageArns = packageArnsOfContainers(model.PrimaryContainer, model.Containers);
                } catch (err) {
                    if (!isNotFound(err)) throw toCliError(err, { ...where, action: `describe model ${variant.ModelName}` });
                }
            }
            const live = endpoint.ProductionVariants?.find((v) => v.VariantName === variant.VariantName);
            variants.push({
                variantName: variant.VariantName ?? "?",
                modelName: variant.ModelName,
                packageArns,
                instanceType: variant.InstanceType,
                instanceCount: live?.CurrentInstanceCount ?? variant.InitialInstanceCount,
                weight: live?.CurrentWeight ?? variant.InitialVariantWeight,
            });
        }
    }
    return {
        endpointName,
        status: endpoint.EndpointStatus,
        failureReason: endpoint.FailureReason,
        endpointConfigName: endpoint.EndpointConfigName,
        lastModified: endpoint.LastModifiedTime,
        variants,
    };
}

/** The package ARNs an endpoint serves, in variant order, de-duplicated. Pure. */
export function livePackageArns(endpoint: LiveEndpoint | undefined): string[] {
    return [...new Set((endpoint?.variants ?? []).flatMap((v) => v.packageArns))];
}
