/**
 * The approvals CLI command a message tells a person to run. All-in-one: `--env <environment>` in this account.
 * Promotion: `--stage <Stage>`, run in the registry account (stage approvers are principals of that account,
 * and only they may set the lifecycle). Pure.
 */
import type { StageSettings } from "./env";

export function approvalsCommand(
    verb: "approve" | "reject",
    target: { readonly groupName: string; readonly version: number | string | undefined },
    where: { readonly environment: string; readonly stage?: StageSettings },
): string {
    const subject = `${target.groupName}/${target.version ?? "<version>"}`;
    return where.stage
        ? `npm run approvals -- ${verb} ${subject} --stage ${where.stage.stage} --comment "<why>" (in the registry account)`
        : `npm run approvals -- ${verb} ${subject} --env ${where.environment} --comment "<why>"`;
}
