/**
 * After the walkthrough: what to export and try, and the sandbox kept up until Ctrl-C, with the stand-in for
 * EventBridge delivering each approval-status change to the functions.
 */
import type { ChildProcess } from "child_process";
import { eventFor, groupStatuses, watchStatuses } from "./events";
import { describeDelivery, environmentFunctions } from "./functions";
import { EXAMPLE, type Printer } from "./walkthrough";
import { ACCOUNT, CREDENTIALS, REGION, type World } from "./world";

/** What to export so the CLI, the plan and the AWS CLI talk to the sandbox. Pure. */
export function sandboxExports(endpoint: string): Record<string, string> {
    return { AWS_ENDPOINT_URL: endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey };
}

export function nextSteps(world: World, endpoint: string): string[] {
    const g = world.environment.groupName;
    return [
        "Export these in another terminal to use the sandbox:",
        ...Object.entries(sandboxExports(endpoint)).map(([k, v]) => `  export ${k}=${v}`),
        "  unset AWS_PROFILE AWS_SESSION_TOKEN     # and any AWS_ENDPOINT_URL_<SERVICE>",
        "",
        "Then try:",
        "  npm run approvals -- pending --env dev",
        `  npm run approvals -- show ${g}/3 --env dev`,
        `  npm run plan -- --program ${EXAMPLE} --stack prod --moment preview --endpoint-url $AWS_ENDPOINT_URL   # blocked: ${g}/3 is pending`,
        `  npm run approvals -- approve ${g}/3 --env dev --comment "reviewed in the sandbox" --allow-unknown-registrar`,
        `  npm run plan -- --program ${EXAMPLE} --stack prod --moment preview --endpoint-url $AWS_ENDPOINT_URL   # passes now`,
        "  npm run approvals -- live --env dev        # the sandbox deployed it, as the deploy function would",
        "  npm run approvals -- history --env dev",
        "  aws sagemaker list-model-packages --model-package-group-name " + g,
    ];
}

/** Keeps the sandbox up, delivering status changes to the functions, until Ctrl-C (or moto stops). */
export async function waitForCtrlC(world: World, endpoint: string, p: Printer, moto: ChildProcess): Promise<void> {
    const fns = environmentFunctions(world);
    const where = { account: ACCOUNT, region: REGION };
    const stop = watchStatuses(
        () => groupStatuses(world.clients.sagemaker, world.environment.groupName),
        await groupStatuses(world.clients.sagemaker, world.environment.groupName),
        async ({ arn }) => {
            const delivery = await fns.deliver(await eventFor(world.clients.sagemaker, arn, where));
            if (delivery) p.line(`[sandbox] ${arn.split("/").slice(-2).join("/")} changed: ${describeDelivery(delivery)}`);
        },
        (err) => p.line(`[sandbox] could not read the registry: ${(err as Error).message}`),
    );
    p.line("");
    p.line(`Sandbox running at ${endpoint}; approvals and rejections you make are delivered to the functions within 2 s. Ctrl-C to stop.`);
    await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
        moto.once("exit", () => {
            p.line("[sandbox] moto stopped on its own.");
            resolve();
        });
    });
    stop();
}
