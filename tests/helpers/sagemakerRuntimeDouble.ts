/**
 * A local HTTP double of SageMaker Runtime's InvokeEndpoint (moto has none), faithful to the wire protocol the SDK
 * speaks (restJson1; the SDK's model in @aws-sdk/client-sagemaker-runtime):
 * - `POST /endpoints/<EndpointName>/invocations`, the payload as the raw body, `Content-Type` and `Accept` headers,
 *   a SigV4 `Authorization` header (refused without: 403 MissingAuthenticationTokenException);
 * - 200 with the container's body and Content-Type and `x-Amzn-Invoked-Production-Variant`;
 * - errors as AWS sends them: `x-amzn-ErrorType` header and a JSON body. A container answering outside 2xx is a
 *   ModelError (424) with OriginalStatusCode, OriginalMessage, LogStreamArn and AWS's message ("Received client
 *   error (400) from primary with message ..."); an endpoint that does not exist (asked of moto, InService only) is
 *   a ValidationError (400: "Endpoint <name> of account <account> not found."); injected faults are
 *   ServiceUnavailable (503), ThrottlingException (400) or ModelNotReadyException (429).
 * Reached through AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME (the SDK's per-service variable: serviceId "SageMaker Runtime").
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { DescribeEndpointCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";

export interface Invocation {
    readonly endpointName: string;
    readonly contentType?: string;
    readonly accept?: string;
    readonly body: string;
}

/** What the container answers. */
export type Container = (request: Invocation) => { status: number; contentType?: string; body: string };
export type Fault = "ServiceUnavailable" | "ThrottlingException" | "ModelNotReadyException";

export interface RuntimeDouble {
    readonly url: string;
    readonly invocations: Invocation[];
    /** What the container behind an endpoint answers from now on. */
    serve(container: Container): void;
    /** The next `count` invocations fail with this fault before reaching the container. */
    failNext(fault: Fault, count?: number): void;
    close(): Promise<void>;
}

const ACCOUNT = "123456789012";
const FAULTS: Record<Fault, number> = { ServiceUnavailable: 503, ThrottlingException: 400, ModelNotReadyException: 429 };

function sendError(res: http.ServerResponse, status: number, type: string, body: Record<string, unknown>): void {
    res.writeHead(status, { "Content-Type": "application/json", "x-amzn-ErrorType": `${type}:http://internal.amazon.com/coral/com.amazon.sagemaker.runtime/`, "x-amzn-RequestId": "double" });
    res.end(JSON.stringify(body));
}

export async function startRuntimeDouble(sagemaker: Pick<SageMakerClient, "send">): Promise<RuntimeDouble> {
    const invocations: Invocation[] = [];
    let container: Container = () => ({ status: 200, contentType: "text/csv", body: "1" });
    const faults: Fault[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", async () => {
            const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(req.url ?? "");
            if (req.method !== "POST" || !match) return sendError(res, 404, "UnknownOperationException", { message: `no operation at ${req.method} ${req.url}` });
            if (!String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 ")) {
                return sendError(res, 403, "MissingAuthenticationTokenException", { message: "Missing Authentication Token" });
            }
            const endpointName = decodeURIComponent(match[1]);
            const invocation: Invocation = {
                endpointName,
                contentType: req.headers["content-type"],
                accept: req.headers.accept,
                body: Buffer.concat(chunks).toString("utf8"),
            };
            invocations.push(invocation);
            const fault = faults.shift();
            if (fault) return sendError(res, FAULTS[fault], fault, { message: `${fault} (injected by the test)` });
            const status = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })).then((d) => d.EndpointStatus, () => undefined);
            if (status !== "InService") {
                return sendError(res, 400, "ValidationError", { message: `Endpoint ${endpointName} of account ${ACCOUNT} not found.` });
            }
            const answer = container(invocation);
            if (answer.status < 200 || answer.status > 299) {
                const kind = answer.status >= 500 ? "server" : "client";
                const logs = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${endpointName}`;
                return sendError(res, 424, "ModelError", {
                    ErrorCode: kind === "server" ? "SERVER_ERROR_FROM_MODEL" : "CLIENT_ERROR_FROM_MODEL",
                    LogStreamArn: logs,
                    Message: `Received ${kind} error (${answer.status}) from primary with message "${answer.body}". See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEventViewer:group=/aws/sagemaker/Endpoints/${endpointName} in account ${ACCOUNT} for more information.`,
                    OriginalMessage: answer.body,
                    OriginalStatusCode: answer.status,
                });
            }
            res.writeHead(200, { "Content-Type": answer.contentType ?? "application/octet-stream", "x-Amzn-Invoked-Production-Variant": "AllTraffic", "x-amzn-RequestId": "double" });
            res.end(answer.body);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        invocations,
        serve: (c) => void (container = c),
        failNext: (fault, count = 1) => void faults.push(...Array<Fault>(count).fill(fault)),
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
