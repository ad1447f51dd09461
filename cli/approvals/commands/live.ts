/** `approvals live`: what the environment's endpoint serves now, per SageMaker and per the ledger. */
import type { DeploymentRecord } from "../../../lambdas/shared/ledger";
import { printJson, renderFields, renderTable, resolveScope, type CommonOptions, type Deps } from "../context";
import { EXIT } from "../errors";
import { ledgerTableName, readCurrent } from "../ledger";
import { livePackageArns } from "../live";
import { formatMetrics } from "../metrics";
import { liveSummary } from "./pending";

export interface LedgerOptions extends CommonOptions {
    readonly ledgerTable?: string;
}

/** Does the ledger agree with the endpoint? Pure. */
export function compareLedger(endpointArns: readonly string[], current: DeploymentRecord | undefined, endpointExists: boolean): string {
    if (!endpointExists && !current) return "agree: nothing deployed yet";
    if (!current) return "the ledger has no deployment for this endpoint (it was not deployed by this project's deploy Lambda)";
    if (!endpointExists) return `DISAGREE: the ledger says ${current.packageArn} is live, but the endpoint does not exist`;
    if (endpointArns.some((a) => a.toLowerCase() === current.packageArn.toLowerCase())) return "agree";
    return `DISAGREE: the endpoint serves ${endpointArns.join(", ") || "a model not built from a package"}, the ledger says ${current.packageArn} (a blue/green update may be in progress, or the endpoint was changed outside this project)`;
}

export async function runLive(options: LedgerOptions, deps: Deps): Promise<number> {
    const { io } = deps;
    const scope = await resolveScope(options, deps, { env: true });
    const env = scope.env!;
    const table = options.ledgerTable ?? ledgerTableName(env.config.environment);
    const [live, current] = await Promise.all([liveSummary(scope), readCurrent(scope, table, env.endpointName)]);
    const arns = livePackageArns(live.endpoint);
    const agreement = compareLedger(arns, current, !!live.endpoint);
    const notApproved = live.versions.filter((v) => v.description.ModelApprovalStatus !== "Approved");

    if (options.json) {
        printJson(io, {
            environment: env.name,
            region: scope.region,
            endpoint: live.endpoint ?? null,
            versions: live.versions.map((v) => ({
                arn: v.description.ModelPackageArn,
                version: v.description.ModelPackageVersion,
                approvalStatus: v.description.ModelApprovalStatus,
                approvalDescription: v.description.ApprovalDescription,
                metrics: v.metrics.values,
                gate: v.gate,
            })),
            ledger: { table, current: current ?? null, agreement },
        });
        return EXIT.ok;
    }
    io.out(`Environment ${env.name}${scope.region ? `, ${scope.region}` : ""}`);
    if (!live.endpoint) {
        io.out(`Endpoint ${env.endpointName}: does not exist yet (no version was ever deployed).`);
    } else {
        io.out(renderFields([
            ["Endpoint", `${live.endpoint.endpointName} [${live.endpoint.status ?? "?"}]`],
            ["Failure", live.endpoint.failureReason],
            ["Endpoint config", live.endpoint.endpointConfigName],
            ["Last modified", live.endpoint.lastModified?.toISOString()],
        ]));
        io.out(renderTable(
            ["Variant", "Model", "Version", "Approval", "Instances", "Metrics"],
            live.endpoint.variants.map((variant) => {
                const versions = live.versions.filter((v) => variant.packageArns.some((a) => a.toLowerCase() === v.description.ModelPackageArn?.toLowerCase()));
                return [
                    variant.variantName,
                    variant.modelName ?? "-",
                    versions.map((v) => `${v.description.ModelPackageGroupName}/${v.description.ModelPackageVersion}`).join(", ") || "(not from a package)",
                    versions.map((v) => v.description.ModelApprovalStatus ?? "?").join(", ") || "-",
                    `${variant.instanceCount ?? "?"} x ${variant.instanceType ?? "?"}`,
                    versions.map((v) => formatMetrics(v.metrics.values)).join("; ") || "-",
                ];
            }),
        ));
    }
    io.out("");
    io.out(renderFields([
        ["Ledger", table],
        ["Current", current ? `${current.groupName ?? "?"}/${current.version ?? "?"} ${current.outcome} at ${current.deployedAt}` : "none"],
        ["Approved by", current?.approvedBy],
        ["Comment", current?.approvalDescription],
        ["Endpoint vs ledger", agreement],
    ]));
    for (const v of notApproved) {
        io.err(`warning: the live version ${v.description.ModelPackageGroupName}/${v.description.ModelPackageVersion} is ${v.description.ModelApprovalStatus ?? "of unknown status"}, not Approved.`);
    }
    return EXIT.ok;
}
