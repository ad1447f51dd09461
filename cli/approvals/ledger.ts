/** The deployment ledger as the CLI sees it: the table name per environment, and errors that explain. */
import { resourceName } from "../../infra/lib/naming";
import { currentDeployment, listDeployments, type DeploymentRecord } from "../../lambdas/shared/ledger";
import type { Scope } from "./context";
import { CliError, EXIT, toCliError } from "./errors";

/** `sagemaker-approval-gate-<env>-deployments`, the table the approval-events stack declares. */
export function ledgerTableName(environment: string): string {
    return resourceName(environment, "deployments");
}

function ledgerError(err: unknown, table: string, scope: Scope, action: string): CliError {
    if ((err as { name?: string })?.name === "ResourceNotFoundException") {
        return new CliError(EXIT.notFound, `The deployment ledger table ${table} does not exist${scope.region ? ` in ${scope.region}` : ""}.`,
            "Deploy the stack first (`pulumi up`), check --env/--region, or name the table with --ledger-table.");
    }
    return toCliError(err, { region: scope.region, endpointUrl: scope.endpointUrl, action });
}

export async function readCurrent(scope: Scope, table: string, endpointName: string): Promise<DeploymentRecord | undefined> {
    try {
        return await currentDeployment(scope.clients.dynamodb, table, endpointName);
    } catch (err) {
        throw ledgerError(err, table, scope, `read the ledger table ${table}`);
    }
}

export async function readHistory(scope: Scope, table: string, endpointName: string, limit: number): Promise<DeploymentRecord[]> {
    try {
        return await listDeployments(scope.clients.dynamodb, table, endpointName, limit);
    } catch (err) {
        throw ledgerError(err, table, scope, `read the ledger table ${table}`);
    }
}
