/**
 * Runs the real Pulumi program under Pulumi's official mocks (`pulumi.runtime.setMocks`) and records
 * every resource it declares, with its inputs. Used by the tests (assert on inputs by type and name) and
 * by the offline plan (`npm run plan`), which is why it is product code and not a test helper.
 *
 * The mocks invent nothing that could hide a bug: a resource's state is its own inputs plus a made-up
 * id/arn, and any invoke we did not expect throws with its token.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Inputs with secrets unwrapped. */
    readonly inputs: Record<string, any>;
    readonly id: string;
    /** State returned to the program: inputs plus the invented id/arn. */
    readonly state: Record<string, any>;
    readonly provider?: string;
    readonly custom: boolean;
}

export interface MockAccount {
    readonly accountId: string;
    readonly region: string;
    readonly partition: string;
}

export const DEFAULT_MOCK_ACCOUNT: MockAccount = { accountId: "123456789012", region: "us-east-1", partition: "aws" };


/** Removes Pulumi's secret wrappers so tests and policies see plain values. */
export function unwrapSecrets(value: any): any {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") {
        if (value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
            return unwrapSecrets(value.value);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** Made-up but well-formed ARNs, so code that parses ARNs behaves as in AWS. */
function inventArn(type: string, name: string, account: MockAccount): string {
    const [, module, resource] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [undefined, "unknown", "unknown"];
    const { partition, region, accountId } = account;
    switch (module) {
        case "s3":
            return `arn:${partition}:s3:::${name}`;
        case "iam":
            return `arn:${partition}:iam::${accountId}:${resource === "role" ? "role" : "policy"}/${name}`;
        case "sagemaker":
            return `arn:${partition}:sagemaker:${region}:${accountId}:${kebab(resource)}/${name.toLowerCase()}`;
        case "lambda":
            return `arn:${partition}:lambda:${region}:${accountId}:function:${name}`;
        case "sns":
            return `arn:${partition}:sns:${region}:${accountId}:${name}`;
        case "sqs":
            return `arn:${partition}:sqs:${region}:${accountId}:${name}`;
        case "kms":
            return `arn:${partition}:kms:${region}:${accountId}:key/${name}`;
        case "cloudwatch":
            return `arn:${partition}:events:${region}:${accountId}:rule/${name}`;
        case "dynamodb":
            return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
        default:
            return `arn:${partition}:${module}:${region}:${accountId}:${kebab(resource)}/${name}`;
    }
}

function kebab(s: string): string {
    return s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** Records every `newResource` and answers the invokes this program makes. */
export class ResourceRecorder implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];

    constructor(private readonly account: MockAccount = DEFAULT_MOCK_ACCOUNT) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const inputs = unwrapSecrets(args.inputs);
        const physicalName: string = inputs.name ?? inputs.bucket ?? args.name;
        const id = args.id ?? `${physicalName}-id`;
        const state = { ...inputs, arn: inputs.arn ?? inventArn(args.type, physicalName, this.account), id };
        if (args.type === "aws:s3/bucketV2:BucketV2" || args.type === "aws:s3/bucket:Bucket") {
            state.bucket = inputs.bucket ?? physicalName;
        }
        this.resources.push({
            type: args.type,
            name: args.name,
            urn: `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${args.type}::${args.name}`,
            inputs,
            id,
            state,
            provider: args.provider,
            custom: args.custom ?? true,
        });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        const { accountId, region, partition } = this.account;
        switch (args.token) {
            case "aws:index/getRegion:getRegion":
                return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId, arn: `arn:${partition}:iam::${accountId}:user/mock`, userId: "AIDAMOCK", id: accountId };
            case "aws:index/getPartition:getPartition":
                return { partition, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: partition };
            default:
                throw new Error(`Unmocked invoke ${args.token}: add it to ResourceRecorder.call or avoid the invoke`);
        }
    }

    /** Every recorded resource of one Pulumi type token, e.g. "aws:sagemaker/pipeline:Pipeline". */
    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of that type and logical name; throws with the names present when absent. */
    get(type: string, name: string): RecordedResource {
        const found = this.resources.find((r) => r.type === type && r.name === name);
        if (!found) {
            const names = this.ofType(type).map((r) => r.name);
            throw new Error(`No ${type} named "${name}" (present: ${names.join(", ") || "none"})`);
        }
        return found;
    }
}

export interface RunProgramOptions {
    readonly stack: string;
    /** Stack config as `{"<namespace>:<key>": value}`; objects are JSON-encoded for the runtime. */
    readonly config: Record<string, unknown>;
    readonly preview?: boolean;
    readonly project?: string;
    readonly account?: MockAccount;
    /** The program's entry module. Defaults to infra/index.ts. */
    readonly entry?: string;
}

export interface ProgramRun {
    readonly recorder: ResourceRecorder;
    /** The program module's exports with Outputs resolved (undefined where unknown in preview). */
    readonly outputs: Record<string, unknown>;
}

function encodeConfig(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

async function resolveOutput(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as pulumi.Output<unknown>;
        const known = await (output as any).isKnown;
        if (!known) return undefined;
        return (output as any).promise();
    }
    return value;
}

/**
 * Runs the program for one stack and returns what it declared. Each call starts from a fresh module
 * cache for the program's own files, so several stacks can run in one process, one after another.
 */
export async function runProgramUnderMocks(options: RunProgramOptions): Promise<ProgramRun> {
    const recorder = new ResourceRecorder(options.account);
    const encoded = encodeConfig(options.config);
    process.env.PULUMI_CONFIG = JSON.stringify(encoded);
    pulumi.runtime.setAllConfig(encoded);
    await pulumi.runtime.setMocks(recorder, options.project ?? "sagemaker-approval-gate", options.stack, options.preview ?? false);

    const entry = options.entry ?? path.resolve(__dirname, "../../infra/index.ts");
    const programDir = path.dirname(entry);
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(programDir + path.sep)) delete require.cache[key];
    }
    const program = await import(entry);
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(program)) {
        if (name === "__esModule" || name === "default") continue;
        outputs[name] = await resolveOutput(value);
    }
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return { recorder, outputs };
}

/** Reads `Pulumi.<stack>.yaml` into the flat `{"ns:key": value}` form the runtime expects. */
export function stackConfigFromYaml(document: { config?: Record<string, unknown> } | null | undefined): Record<string, unknown> {
    return { ...(document?.config ?? {}) };
}
