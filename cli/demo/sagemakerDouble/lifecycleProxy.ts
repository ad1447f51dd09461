/**
 * A local HTTP double of SageMaker in front of moto, used by the tests and by `npm run demo`'s sandbox, for what
 * moto 5.2.1 lacks (its sagemaker/models.py has no ModelLifeCycle, no UpdateEndpoint, no resource policies, and
 * its UpdateModelPackage clears every field the request leaves out). Everything else passes through to moto
 * unchanged, so point SageMaker (and, if convenient, every other service) at `proxy.endpoint`.
 *
 * Added, as AWS documents or answers it (rules: ./lifecycleRules.ts):
 * - ModelLifeCycle on CreateModelPackage / UpdateModelPackage (validated) and DescribeModelPackage;
 * - UpdateModelPackage leaves what it does not carry as it was, merges CustomerMetadataProperties;
 * - cross-account: a request about another account's package ARN is served from that account when the group
 *   policy this proxy is told (`sharing`) admits the caller for the action, AccessDeniedException otherwise
 *   (CreateModel from such a package needs DescribeModelPackage admitted; assumed);
 * - UpdateEndpoint: the endpoint must be InService and the config exist; DescribeEndpoint then reports the new
 *   config (at once: moto's endpoints are InService at once too). Requests are kept in `endpointUpdates`.
 *
 * The caller's account is moto's: the `x-moto-account-id` header, else the account of the request's access key
 * (credentials from sts:AssumeRole act in the role's account), asked of moto's STS; else moto's default.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { authorize, mergedMetadata, packageOwner, SageMakerFault, validLifeCycle, type GroupSharing, type ModelLifeCycle } from "./lifecycleRules";

export * from "./lifecycleRules";

export interface LifecycleProxy {
    /** `http://127.0.0.1:<port>`: use as the SageMaker client's endpoint or AWS_ENDPOINT_URL_SAGEMAKER. */
    readonly endpoint: string;
    /** The group policies in force; replace to change them. */
    sharing: readonly GroupSharing[];
    /** The lifecycle the double holds for a package (in its owner's account). */
    lifeCycleOf(packageArn: string): ModelLifeCycle | undefined;
    /** UpdateEndpoint requests accepted, in order, with the account they acted in. */
    readonly endpointUpdates: { readonly accountId: string; readonly request: Record<string, unknown> }[];
    close(): Promise<void>;
}

type Json = Record<string, unknown>;
interface Answer {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: string;
}

const JSON_11 = "application/x-amz-json-1.1";
const DROPPED_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

/** Listens on 127.0.0.1:`port` (default: a free one). */
export async function startLifecycleProxy(motoEndpoint: string, sharing: readonly GroupSharing[] = [], port = 0): Promise<LifecycleProxy> {
    const lifeCycles = new Map<string, ModelLifeCycle>();
    const endpointConfigs = new Map<string, string>();
    const accountOfKey = new Map<string, string>();
    const key = (account: string, name: string) => `${account}|${name.toLowerCase()}`;

    async function send(headers: http.IncomingHttpHeaders, body: string | Buffer, account?: string, method = "POST", path = "/"): Promise<Answer> {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(headers)) if (!DROPPED_HEADERS.has(name) && value !== undefined) out[name] = String(value);
        // The account it is served from (a passed-through request keeps its own header, if any).
        if (account) out["x-moto-account-id"] = account;
        const res = await fetch(`${motoEndpoint}${path}`, { method, headers: out, body: method === "GET" || method === "HEAD" ? undefined : body });
        const resHeaders: Record<string, string> = {};
        res.headers.forEach((value, name) => {
            if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(name)) resHeaders[name] = value;
        });
        return { status: res.status, headers: resHeaders, body: Buffer.from(await res.arrayBuffer()).toString("latin1") };
    }

    const call = (headers: http.IncomingHttpHeaders, op: string, request: Json, account: string) =>
        send({ ...headers, "x-amz-target": `SageMaker.${op}`, "content-type": JSON_11 }, JSON.stringify(request), account);
    const ok = (answer: Answer) => answer.status < 300;

    async function callerAccount(headers: http.IncomingHttpHeaders): Promise<string> {
        const header = headers["x-moto-account-id"];
        if (typeof header === "string" && header) return header;
        const auth = String(headers.authorization ?? "");
        const accessKey = /Credential=([^/]+)\//.exec(auth)?.[1];
        if (!accessKey) return "123456789012";
        const known = accountOfKey.get(accessKey);
        if (known) return known;
        // moto does not check signatures: the same Authorization, scoped to STS, asks moto whose key it is.
        const sts = await send(
            { authorization: auth.replace(/\/[a-z0-9-]+\/aws4_request/, "/sts/aws4_request"), "content-type": "application/x-www-form-urlencoded" },
            "Action=GetCallerIdentity&Version=2011-06-15",
        );
        const account = /<Account>(\d{12})<\/Account>/.exec(sts.body)?.[1] ?? "123456789012";
        accountOfKey.set(accessKey, account);
        return account;
    }

    function withJson(answer: Answer, edit: (body: Json) => void): Answer {
        if (!ok(answer)) return answer;
        const body = JSON.parse(answer.body) as Json;
        edit(body);
        return { ...answer, body: JSON.stringify(body) };
    }

    async function sageMaker(op: string, request: Json, headers: http.IncomingHttpHeaders, raw: Buffer): Promise<Answer> {
        const caller = await callerAccount(headers);
        switch (op) {
            case "CreateModelPackage": {
                const lifeCycle = validLifeCycle(request.ModelLifeCycle);
                const { ModelLifeCycle: _, ...rest } = request;
                return withJson(await call(headers, op, rest, caller), (body) => {
                    if (lifeCycle) lifeCycles.set(key(caller, String(body.ModelPackageArn)), lifeCycle);
                });
            }
            case "UpdateModelPackage": {
                const arn = String(request.ModelPackageArn ?? "");
                const owner = authorize(proxy.sharing, caller, "UpdateModelPackage", arn, request);
                const lifeCycle = validLifeCycle(request.ModelLifeCycle);
                const described = await call(headers, "DescribeModelPackage", { ModelPackageName: arn }, owner);
                if (!ok(described)) return described;
                const current = JSON.parse(described.body) as Json;
                const { ModelLifeCycle: _, CustomerMetadataPropertiesToRemove: removed, ...rest } = request;
                const merged = {
                    ...rest,
                    ModelApprovalStatus: request.ModelApprovalStatus ?? current.ModelApprovalStatus,
                    ApprovalDescription: request.ApprovalDescription ?? current.ApprovalDescription,
                    CustomerMetadataProperties: mergedMetadata(current.CustomerMetadataProperties as Record<string, string> | undefined, request.CustomerMetadataProperties, removed),
                };
                return withJson(await call(headers, op, merged, owner), () => {
                    if (lifeCycle) lifeCycles.set(key(owner, String(current.ModelPackageArn)), lifeCycle);
                });
            }
            case "DescribeModelPackage": {
                const owner = authorize(proxy.sharing, caller, "DescribeModelPackage", String(request.ModelPackageName ?? ""));
                return withJson(await call(headers, op, request, owner), (body) => {
                    const lifeCycle = lifeCycles.get(key(owner, String(body.ModelPackageArn)));
                    if (lifeCycle) body.ModelLifeCycle = lifeCycle;
                });
            }
            case "CreateModel": {
                const containers = [request.PrimaryContainer, ...((request.Containers as unknown[]) ?? [])] as (Json | undefined)[];
                for (const name of containers.map((c) => c?.ModelPackageName).filter((n) => packageOwner(n)?.accountId !== undefined && packageOwner(n)?.accountId !== caller)) {
                    const owner = authorize(proxy.sharing, caller, "DescribeModelPackage", String(name));
                    const found = await call(headers, "DescribeModelPackage", { ModelPackageName: name }, owner);
                    if (!ok(found)) return found;
                }
                return send(headers, raw, caller);
            }
            case "UpdateEndpoint":
                return updateEndpoint(request, headers, caller);
            case "DescribeEndpoint":
                return describeEndpoint(request, headers, caller);
            case "CreateEndpoint":
            case "DeleteEndpoint":
                endpointConfigs.delete(key(caller, String(request.EndpointName ?? "")));
                return send(headers, raw, caller);
            default:
                return send(headers, raw, caller);
        }
    }

    async function describeEndpoint(request: Json, headers: http.IncomingHttpHeaders, caller: string): Promise<Answer> {
        return withJson(await call(headers, "DescribeEndpoint", request, caller), (body) => {
            const config = endpointConfigs.get(key(caller, String(body.EndpointName)));
            if (config) body.EndpointConfigName = config;
        });
    }

    async function updateEndpoint(request: Json, headers: http.IncomingHttpHeaders, caller: string): Promise<Answer> {
        for (const field of ["EndpointName", "EndpointConfigName"]) {
            if (typeof request[field] !== "string" || !request[field]) {
                throw new SageMakerFault("ValidationException", `1 validation error detected: Value null at '${field[0].toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must not be null`);
            }
        }
        validDeploymentConfig(request.DeploymentConfig as Json | undefined);
        const endpoint = await describeEndpoint({ EndpointName: request.EndpointName }, headers, caller);
        if (!ok(endpoint)) return endpoint;
        const described = JSON.parse(endpoint.body) as Json;
        if (described.EndpointStatus !== "InService") {
            throw new SageMakerFault("ValidationException", `Cannot update in-progress endpoint "${String(described.EndpointArn)}".`);
        }
        const config = await call(headers, "DescribeEndpointConfig", { EndpointConfigName: request.EndpointConfigName }, caller);
        if (!ok(config)) return config;
        endpointConfigs.set(key(caller, String(request.EndpointName)), String(request.EndpointConfigName));
        proxy.endpointUpdates.push({ accountId: caller, request });
        return { status: 200, headers: { "content-type": JSON_11 }, body: JSON.stringify({ EndpointArn: described.EndpointArn }) };
    }

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const raw = Buffer.concat(chunks);
            const target = String(req.headers["x-amz-target"] ?? "");
            const answer = target.startsWith("SageMaker.")
                ? Promise.resolve().then(() => sageMaker(target.slice("SageMaker.".length), JSON.parse(raw.toString("utf8") || "{}") as Json, req.headers, raw))
                : send(req.headers, raw, undefined, req.method, req.url);
            answer
                .catch((error: unknown) => {
                    if (error instanceof SageMakerFault) {
                        return { status: error.status, headers: { "content-type": JSON_11 }, body: JSON.stringify({ __type: error.type, message: error.message }) };
                    }
                    return { status: 500, headers: { "content-type": JSON_11 }, body: JSON.stringify({ __type: "InternalFailure", message: String(error) }) };
                })
                .then((a) => {
                    res.writeHead(a.status, a.headers);
                    res.end(Buffer.from(a.body, "latin1"));
                });
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", resolve);
    });
    const proxy: LifecycleProxy = {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        sharing,
        lifeCycleOf: (arn) => {
            const owner = packageOwner(arn);
            return owner ? lifeCycles.get(key(owner.accountId, arn)) : undefined;
        },
        endpointUpdates: [],
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
    server.unref();
    return proxy;
}

/** UpdateEndpoint's DeploymentConfig ranges (API reference: BlueGreenUpdatePolicy, TrafficRoutingConfig, AutoRollbackConfig). */
function validDeploymentConfig(config: Json | undefined): void {
    if (!config) return;
    const policy = config.BlueGreenUpdatePolicy as Json | undefined;
    const routing = policy?.TrafficRoutingConfiguration as Json | undefined;
    const ranges: [string, unknown, number, number][] = [
        ["deploymentConfig.blueGreenUpdatePolicy.terminationWaitInSeconds", policy?.TerminationWaitInSeconds, 0, 3600],
        ["deploymentConfig.blueGreenUpdatePolicy.maximumExecutionTimeoutInSeconds", policy?.MaximumExecutionTimeoutInSeconds, 600, 28800],
        ["deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.waitIntervalInSeconds", routing?.WaitIntervalInSeconds, 0, 3600],
    ];
    for (const [field, value, min, max] of ranges) {
        if (value !== undefined && (typeof value !== "number" || value < min || value > max)) {
            throw new SageMakerFault("ValidationException", `1 validation error detected: Value ${JSON.stringify(value)} at '${field}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
        }
    }
    const alarms = ((config.AutoRollbackConfiguration as Json | undefined)?.Alarms as unknown[] | undefined) ?? [];
    if (alarms.length > 10) throw new SageMakerFault("ValidationException", "1 validation error detected: Value at 'deploymentConfig.autoRollbackConfiguration.alarms' failed to satisfy constraint: Member must have length less than or equal to 10");
}

/** Any AWS SDK v3 client. */
interface MiddlewareClient {
    readonly middlewareStack: { add(mw: (next: (args: any) => Promise<any>) => (args: any) => Promise<any>, options: { step: "build"; name: string }): void };
}

/**
 * Makes a client act in `accountId` in moto (and in this proxy): every request carries `x-moto-account-id`.
 * Stands in for the credentials of a role in that account.
 */
export function actAs<C extends MiddlewareClient>(client: C, accountId: string): C {
    client.middlewareStack.add(
        (next) => async (args) => {
            args.request.headers["x-moto-account-id"] = accountId;
            return next(args);
        },
        { step: "build", name: "motoAccount" },
    );
    return client;
}
