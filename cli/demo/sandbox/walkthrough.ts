/**
 * The walkthrough `npm run demo` prints: the real approval flow in the sandbox, step by step, then the policy
 * pack judging a production endpoint built from a pending version (blocked) and from an approved one (passes).
 * Returns what happened, so the caller (and the test) can tell a step that did not do what it says.
 */
import { DescribeEndpointCommand, DescribeModelCommand } from "@aws-sdk/client-sagemaker";
import { currentDeployment } from "../../../lambdas/shared/ledger";
import { registerVersion } from "../registrySeed";
import { approvals, plan, planVerdict, type CommandRun } from "./commands";
import { eventFor } from "./events";
import { describeDelivery, type Functions } from "./functions";
import type { Progress } from "./progress";
import { ACCOUNT, pipelineVersion, readInbox, REGION, type World } from "./world";

export const EXAMPLE = "examples/blocked-endpoint";

export interface Printer {
    line(text?: string): void;
    section(title: string): void;
    block(text: string): void;
}

export interface WalkthroughResult {
    readonly newVersion: string;
    readonly blocked: CommandRun;
    readonly passed: CommandRun;
}

const where = { account: ACCOUNT, region: REGION };

function showCommand(p: Printer, run: CommandRun, output = run.output): void {
    p.line(`$ ${run.command}`);
    p.block(output);
    p.line(`(exit code ${run.code})`);
}

async function live(world: World): Promise<string> {
    const endpoint = await world.clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: world.environment.endpointName }));
    const config = endpoint.EndpointConfigName!;
    // The deploy function names the model like its endpoint config.
    const model = await world.clients.sagemaker.send(new DescribeModelCommand({ ModelName: config })).catch(() => undefined);
    const current = await currentDeployment(world.clients.dynamodb, world.table, world.environment.endpointName);
    return [
        `endpoint ${endpoint.EndpointName} [${endpoint.EndpointStatus}] serves endpoint config ${config}`,
        `  model ${config} -> model package ${model?.PrimaryContainer?.ModelPackageName ?? "?"}`,
        `  ledger ${world.table}: current ${current?.groupName}/${current?.version} (${current?.kind}, ${current?.outcome})`,
    ].join("\n");
}

export async function walkthrough(world: World, fns: Functions, p: Printer, progress: Progress, repo: string, endpoint: string): Promise<WalkthroughResult> {
    const group = world.environment.groupName;
    const env = world.environment.name;
    const deliver = async (arn: string) => {
        const delivery = await fns.deliver(await eventFor(world.clients.sagemaker, arn, where));
        if (!delivery) throw new Error(`no function takes the event of ${arn}`);
        p.line(describeDelivery(delivery));
        return delivery;
    };

    p.section("1. The pipeline registers version 4; notify-approver pins its bytes and tells the approvers");
    const v4 = await registerVersion(world.clients, world.registry, pipelineVersion(world.bucket, "w3q8e5r1t6yu", 3.86));
    const newVersion = `${group}/${v4.version}`;
    world.versions.set(v4.version, v4.arn);
    const notified = await deliver(v4.arn);
    if (notified.result.outcome !== "notified") throw new Error(`notify-approver did not notify: ${describeDelivery(notified)}`);
    const [message] = await readInbox(world);
    p.line("What the approvers receive (SNS, read back from a queue subscribed to the topic):");
    p.block(`Subject: ${message?.subject ?? "(nothing arrived)"}\n\n${message?.message ?? ""}`);

    p.section(`2. An approver approves it with the CLI (moto records no IAM identity for the registrar, hence --allow-unknown-registrar)`);
    const approved = await approvals(["approve", newVersion, "--env", env, "--comment", "mse 3.86 beats live 4.71; residuals reviewed", "--allow-unknown-registrar", "--yes"], repo);
    showCommand(p, approved);
    if (approved.code !== 0) throw new Error(`approve exited ${approved.code}`);

    p.section("3. The approval event reaches deploy-approved, which re-checks it and deploys exactly that version");
    const deployed = await deliver(v4.arn);
    if (deployed.result.outcome !== "deployed") throw new Error(`deploy-approved did not deploy: ${describeDelivery(deployed)}`);
    p.block(await live(world));

    p.section("4. Version 4 is rejected after all; the rejection rolls the endpoint back to the last approved version");
    const rejected = await approvals(["reject", newVersion, "--env", env, "--comment", "p99 latency regressed in dev", "--yes"], repo);
    showCommand(p, rejected);
    if (rejected.code !== 0) throw new Error(`reject exited ${rejected.code}`);
    const rolledBack = await deliver(v4.arn);
    if (rolledBack.result.outcome !== "rolled-back") throw new Error(`deploy-approved did not roll back: ${describeDelivery(rolledBack)}`);
    p.block(await live(world));

    p.section(`5. The policy pack on a production program (${EXAMPLE}, stack prod): Model -> EndpointConfiguration -> Endpoint`);
    const approvedArn = world.versions.get(1)!;
    // `pulumi preview`'s verdict. The plan's `up` moment looks each resource up live, and nothing here creates the
    // Model and endpoint config that a real `pulumi up` would have created before judging the next one.
    const common = ["--program", EXAMPLE, "--stack", "prod", "--moment", "preview", "--endpoint-url", endpoint];
    const [blocked, passed] = await progress.run("planning the example twice with the real policy pack (pending v3, approved v1)", () =>
        Promise.all([plan(common, repo, process.env), plan([...common, "-c", `modelPackageArn=${approvedArn}`], repo, process.env)]));
    p.line(`With ${group}/3, PendingManualApproval (the version Pulumi.prod.yaml names):`);
    showCommand(p, blocked, planVerdict(blocked.output));
    p.line("");
    p.line(`With ${group}/1, Approved and untouched since its approval:`);
    showCommand(p, passed, planVerdict(passed.output));
    return { newVersion, blocked, passed };
}
