/** From what the person typed to one versioned package ARN, plus who the caller is. */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { resolveScope, type CommonOptions, type Deps, type Scope } from "./context";
import { notAnAwsApi, toCliError } from "./errors";
import type { Identity } from "./identity";
import { packageArnFor, parseVersionRef, type VersionRef } from "./packages";

export interface Target {
    readonly scope: Scope;
    readonly ref: VersionRef;
    readonly arn: string;
    readonly region: string;
    /** Set when the caller had to be looked up (group/version refs) or was asked for. */
    readonly caller?: Identity & { account?: string };
}

export async function callerIdentity(scope: Scope, region: string | undefined): Promise<Identity & { account?: string }> {
    const site = { region, endpointUrl: scope.endpointUrl, action: "find out who you are (sts:GetCallerIdentity)" };
    let me;
    try {
        me = await scope.clients.sts.send(new GetCallerIdentityCommand({}));
    } catch (err) {
        throw toCliError(err, site);
    }
    // STS always names the caller; an empty answer came from something else (a web page the SDK read as empty XML).
    if (!me.Arn) throw notAnAwsApi(site, `HTTP ${me.$metadata.httpStatusCode ?? "?"} without a caller ARN`);
    return { arn: me.Arn, principalId: me.UserId, account: me.Account };
}

/** An environment stack's versions live in its registry's account, not the caller's. */
function registryAccountOf(scope: Scope): string | undefined {
    const layout = scope.env?.config.layout;
    return layout?.kind === "environment" ? layout.registry.accountId : undefined;
}

/** Parses the ref (exit 2 before any AWS call), resolves the scope and the ARN. */
export async function resolveTarget(input: string, options: CommonOptions, deps: Deps, wantCaller: boolean): Promise<Target> {
    const ref = parseVersionRef(input);
    const scope = await resolveScope(options, deps, { group: ref.kind === "version", regionFromTarget: ref.kind === "arn" ? ref.region : undefined });
    const { region } = scope;
    let caller: (Identity & { account?: string }) | undefined;
    if (wantCaller || ref.kind !== "arn") caller = await callerIdentity(scope, region);
    const arn =
        ref.kind === "arn" ? ref.arn
        : packageArnFor(ref.kind === "group" ? ref.group : scope.group!, ref.version, region, caller!.arn ?? "", registryAccountOf(scope));
    return { scope, ref, arn, region, caller };
}
