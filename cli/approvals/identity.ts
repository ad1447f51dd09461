/**
 * Separation of duties: the person who approves a version must not be the identity that registered it.
 *
 * SageMaker records the registrar in `CreatedBy.IamIdentity` (Arn, PrincipalId). STS tells us who we are.
 * The two are often written differently for the same principal: a role ARN
 * (`arn:aws:iam::1:role/path/ml-dev`) against an assumed-role session ARN
 * (`arn:aws:sts::1:assumed-role/ml-dev/alice`), which drops the path. We compare principals, not strings:
 * same account, same kind, same name (case-insensitively, as IAM does); for roles, any session of the same
 * role counts as the same identity, because whoever can assume the role that registered a version could
 * approve it under another session name. A matching unique ID (`AROA…`/`AIDA…`, before the `:session`)
 * is also "same". Pure.
 */

export interface Principal {
    readonly account: string;
    readonly kind: "role" | "user" | "root" | "federated-user" | "other";
    /** Role or user name without path, lower-cased; the full resource for "other". */
    readonly name: string;
    readonly session?: string;
}

/** Parses an IAM/STS principal ARN; undefined when it is not one. */
export function parsePrincipalArn(arn: string): Principal | undefined {
    const m = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)$/.exec(arn.trim());
    if (!m) return undefined;
    const [, service, account, resource] = m;
    if (resource === "root") return { account, kind: "root", name: "root" };
    const parts = resource.split("/");
    const type = parts[0];
    if (service === "sts" && type === "assumed-role" && parts.length >= 3) {
        return { account, kind: "role", name: parts[1].toLowerCase(), session: parts.slice(2).join("/") };
    }
    if (service === "iam" && (type === "role" || type === "user") && parts.length >= 2) {
        return { account, kind: type, name: parts[parts.length - 1].toLowerCase() };
    }
    if (service === "sts" && type === "federated-user" && parts.length >= 2) {
        return { account, kind: "federated-user", name: parts[1].toLowerCase() };
    }
    return { account, kind: "other", name: resource.toLowerCase() };
}

export interface Identity {
    readonly arn?: string;
    /** `AROA…:session` for roles, `AIDA…` for users (STS UserId / IamIdentity.PrincipalId). */
    readonly principalId?: string;
}

export type DutyCheck =
    | { readonly verdict: "different"; readonly registrar: string; readonly caller: string }
    | { readonly verdict: "same"; readonly registrar: string; readonly caller: string; readonly reason: string }
    | { readonly verdict: "unknown"; readonly caller: string; readonly reason: string };

function uniqueId(principalId: string | undefined): string | undefined {
    const id = principalId?.split(":")[0];
    return id && /^[A-Z0-9]{16,}$/.test(id) ? id : undefined;
}

function describe(p: Principal): string {
    return p.kind === "role" ? `role ${p.name} in ${p.account}` : `${p.kind} ${p.name} in ${p.account}`;
}

/** Compares the package's registrar with the caller. */
export function checkSeparationOfDuties(registrar: Identity | undefined, caller: Identity): DutyCheck {
    const callerArn = caller.arn ?? caller.principalId ?? "unknown caller";
    if (!registrar?.arn && !registrar?.principalId) {
        return { verdict: "unknown", caller: callerArn, reason: "the version records no IAM identity for who registered it: CreatedBy.IamIdentity is empty" };
    }
    const registrarArn = registrar.arn ?? registrar.principalId!;
    const registrarId = uniqueId(registrar.principalId);
    if (registrarId && registrarId === uniqueId(caller.principalId)) {
        return { verdict: "same", registrar: registrarArn, caller: callerArn, reason: `both have the unique principal ID ${registrarId}` };
    }
    const a = registrar.arn ? parsePrincipalArn(registrar.arn) : undefined;
    const b = caller.arn ? parsePrincipalArn(caller.arn) : undefined;
    if (!a || !b) {
        if (registrar.arn && caller.arn && registrar.arn === caller.arn) {
            return { verdict: "same", registrar: registrarArn, caller: callerArn, reason: "the ARNs are identical" };
        }
        if (!a && registrar.arn && !registrarId) {
            return { verdict: "unknown", caller: callerArn, reason: `the registrar "${registrar.arn}" is not an IAM principal ARN this CLI can compare` };
        }
        return { verdict: "different", registrar: registrarArn, caller: callerArn };
    }
    if (a.account === b.account && a.kind === b.kind && a.name === b.name) {
        return { verdict: "same", registrar: registrarArn, caller: callerArn, reason: `both are ${describe(a)}` };
    }
    return { verdict: "different", registrar: registrarArn, caller: callerArn };
}
