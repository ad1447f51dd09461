/** From what the person typed to one versioned package ARN, plus who the caller is. */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { clientRegion } from "./clients";
import { resolveScope, type CommonOptions, type Deps, type Scope } from "./context";
import { CliError, EXIT, toCliError } from "./errors";
import type { Identity } from "./identity";
import { packageArnFor, parseVersionRef, type VersionRef } from "./packages";

export interface Target {
    readonly scope: Scope;
    readonly ref: VersionRef;
    readonly arn: string;
    readonly region?: string;
    /** Set when the caller had to be looked up (group/version refs) or was asked for. */
    readonly caller?: Identity & { account?: string };
}

export async function callerIdentity(scope: Scope, region: string | undefined): Promise<Identity & { account?: string }> {
    try {
        const me = await scope.clients.sts.send(new GetCallerIdentityCommand({}));
        return { arn: me.Arn, principalId: me.UserId, account: me.Account };
    } catch (err) {
        throw toCliError(err, { region, endpointUrl: scope.endpointUrl, action: "find out who you are (sts:GetCallerIdentity)" });
    }
}

/** Parses the ref (exit 2 before any AWS call), resolves the scope and the ARN. */
export async function resolveTarget(input: string, options: CommonOptions, deps: Deps, wantCaller: boolean): Promise<Target> {
    const ref = parseVersionRef(input);
    const scope = resolveScope(options, deps, { group: ref.kind === "version", regionFromTarget: ref.kind === "arn" ? ref.region : undefined });
    const region = scope.region ?? (await clientRegion(scope.clients.sagemaker));
    if (!region) {
        throw new CliError(EXIT.usage, "No AWS region configured.", "Pass --region <region> or --env <env> (its aws:region), or set AWS_REGION.");
    }
    let caller: (Identity & { account?: string }) | undefined;
    if (wantCaller || ref.kind !== "arn") caller = await callerIdentity(scope, region);
    const arn =
        ref.kind === "arn" ? ref.arn
        : packageArnFor(ref.kind === "group" ? ref.group : scope.group!, ref.version, region, caller!.arn ?? "");
    return { scope, ref, arn, region, caller };
}
