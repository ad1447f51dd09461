/**
 * The resource types this pack judges, as `validateResourceOfType` needs them, without loading @pulumi/aws.
 *
 * `validateResourceOfType(Cls, ...)` only reads `Cls.__pulumiType`. Importing @pulumi/aws (84 MB, and a long
 * type-check in the CLI's type-checking ts-node) just for three type tokens would slow every `pulumi preview`,
 * so each type is a stand-in with the token and the input shape we read (property names as in
 * @pulumi/aws 7 `sagemaker` inputs). Values are read from the proxy's plain target (see unknowns.ts), so every
 * field is typed `unknown`-tolerant.
 */
import type * as pulumi from "@pulumi/pulumi";

export const ENDPOINT_CONFIGURATION = "aws:sagemaker/endpointConfiguration:EndpointConfiguration";
export const MODEL = "aws:sagemaker/model:Model";
export const PIPELINE = "aws:sagemaker/pipeline:Pipeline";
export const ENDPOINT = "aws:sagemaker/endpoint:Endpoint";

/** A container as declared in a Model's inputs (`primaryContainer` or an entry of `containers`). */
export interface ContainerInputs {
    readonly image?: string;
    readonly modelDataUrl?: string;
    readonly modelDataSource?: unknown;
    readonly additionalModelDataSources?: unknown;
    readonly modelPackageName?: string;
    readonly mode?: string;
    readonly multiModelConfig?: unknown;
    readonly containerHostname?: string;
    readonly inferenceSpecificationName?: string;
    readonly environment?: Record<string, string>;
}

export interface ModelInputs {
    readonly name?: string;
    readonly primaryContainer?: ContainerInputs;
    readonly containers?: ContainerInputs[];
    readonly executionRoleArn?: string;
    readonly region?: string;
}

export interface VariantInputs {
    readonly variantName?: string;
    readonly modelName?: string;
}

export interface EndpointConfigurationInputs {
    readonly name?: string;
    /** @pulumi/aws 7: the region the resource is managed in, overriding its provider's. */
    readonly region?: string;
    readonly productionVariants?: VariantInputs[];
    readonly shadowProductionVariants?: VariantInputs[];
}

export interface EndpointInputs {
    readonly name?: string;
    /** @pulumi/aws 7: the region the resource is managed in, overriding its provider's. */
    readonly region?: string;
    readonly endpointConfigName?: string;
}

export interface PipelineInputs {
    readonly pipelineName?: string;
    readonly pipelineDefinition?: string;
    readonly pipelineDefinitionS3Location?: unknown;
}

type Outputs<T> = { readonly [K in keyof T]-?: pulumi.Output<T[K]> };

/** What `validateResourceOfType` accepts: a constructor type with a static `__pulumiType`. */
export type ResourceTypeStandIn<TInputs> = {
    new (...args: any[]): pulumi.CustomResource & Outputs<TInputs>;
    readonly __pulumiType: string;
};

function standIn<TInputs>(token: string): ResourceTypeStandIn<TInputs> {
    const cls = function neverConstructed(): never {
        throw new Error(`${token} is a policy-side type stand-in and is never constructed`);
    };
    return Object.assign(cls, { __pulumiType: token }) as unknown as ResourceTypeStandIn<TInputs>;
}

export const EndpointConfiguration = standIn<EndpointConfigurationInputs>(ENDPOINT_CONFIGURATION);
export const Model = standIn<ModelInputs>(MODEL);
export const Pipeline = standIn<PipelineInputs>(PIPELINE);
export const Endpoint = standIn<EndpointInputs>(ENDPOINT);
