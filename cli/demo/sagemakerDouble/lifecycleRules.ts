/**
 * What the SageMaker double (lifecycleProxy.ts) adds to moto, as pure functions: request validation as
 * AWS documents it, the model package group's resource policy (which accounts it admits, for what), and the
 * merge an UpdateModelPackage performs.
 *
 * Documented (SageMaker API reference): ModelLifeCycle {Stage, StageStatus required, 1-63 chars,
 * `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`; StageDescription optional, at most 1024 chars}; CustomerMetadataProperties
 * keys 1-128 and values at most 256 chars, at most 50 entries. Assumed (not documented): UpdateModelPackage
 * leaves every field it does not carry as it was, and adds/overwrites CustomerMetadataProperties keys (the
 * separate `CustomerMetadataPropertiesToRemove` implies it); a cross-account CreateModel from a package needs the
 * group policy to admit DescribeModelPackage.
 */

export const ENTITY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export interface ModelLifeCycle {
    readonly Stage: string;
    readonly StageStatus: string;
    readonly StageDescription?: string;
}

/** A JSON 1.1 error as SageMaker answers it: `{"__type": name, "message": text}` with HTTP 400. */
export class SageMakerFault extends Error {
    constructor(readonly type: "ValidationException" | "AccessDeniedException", message: string, readonly status = 400) {
        super(message);
    }
}

function constraint(field: string, value: unknown, rule: string): SageMakerFault {
    return new SageMakerFault("ValidationException", `1 validation error detected: Value ${JSON.stringify(value ?? null)} at '${field}' failed to satisfy constraint: ${rule}`);
}

/** The request's ModelLifeCycle, validated; undefined when the request carries none. */
export function validLifeCycle(value: unknown, field = "modelLifeCycle"): ModelLifeCycle | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) throw constraint(field, value, "Member must be a structure");
    const v = value as Record<string, unknown>;
    for (const key of ["Stage", "StageStatus"] as const) {
        const name = `${field}.${key[0].toLowerCase()}${key.slice(1)}`;
        if (v[key] === undefined || v[key] === null) throw constraint(name, v[key], "Member must not be null");
        if (typeof v[key] !== "string" || !ENTITY_NAME.test(v[key] as string)) {
            throw constraint(name, v[key], "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$");
        }
    }
    const description = v.StageDescription;
    if (description !== undefined && (typeof description !== "string" || description.length > 1024)) {
        throw constraint(`${field}.stageDescription`, description, "Member must have length less than or equal to 1024");
    }
    return { Stage: v.Stage as string, StageStatus: v.StageStatus as string, ...(description !== undefined ? { StageDescription: description as string } : {}) };
}

/** CustomerMetadataProperties after an update: the old ones, the request's added or overwritten, the removed ones gone. */
export function mergedMetadata(
    current: Record<string, string> | undefined,
    added: unknown,
    removed: unknown,
): Record<string, string> | undefined {
    if (added !== undefined && (typeof added !== "object" || added === null || Array.isArray(added))) throw constraint("customerMetadataProperties", added, "Member must be a map");
    if (removed !== undefined && !Array.isArray(removed)) throw constraint("customerMetadataPropertiesToRemove", removed, "Member must be a list");
    for (const [key, value] of Object.entries((added ?? {}) as Record<string, unknown>)) {
        if (key.length < 1 || key.length > 128) throw constraint("customerMetadataProperties", key, "Map keys must have length between 1 and 128");
        if (typeof value !== "string" || value.length > 256) throw constraint(`customerMetadataProperties.${key}`, value, "Map value must have length less than or equal to 256");
    }
    if (current === undefined && added === undefined) return undefined;
    const merged: Record<string, string> = { ...(current ?? {}), ...((added ?? {}) as Record<string, string>) };
    for (const key of (removed ?? []) as string[]) delete merged[key];
    if (Object.keys(merged).length > 50) throw constraint("customerMetadataProperties", `${Object.keys(merged).length} entries`, "Map must have at most 50 entries");
    return merged;
}

export type SharedAction = "DescribeModelPackage" | "UpdateModelPackage";

/** One statement of a group's resource policy: an account and what it may do with the group's versions. */
export interface SharedAccess {
    readonly accountId: string;
    readonly actions: readonly SharedAction[];
    /**
     * UpdateModelPackage only with exactly this ModelLifeCycle (`sagemaker:ModelLifeCycle:stage` and
     * `:stageStatus` conditions) and without ModelApprovalStatus. Absent: any update.
     */
    readonly lifeCycle?: { readonly stage: string; readonly stageStatus: string };
}

/** The resource policy of one group in its owner (registry) account. */
export interface GroupSharing {
    readonly ownerAccountId: string;
    readonly groupName: string;
    readonly admits: readonly SharedAccess[];
}

const PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:(\d{12}):model-package\/([^/]+)\/(\d+)$/;

/** The account and group (lower-cased, as in ARNs) a versioned package ARN names; undefined for a name. */
export function packageOwner(arnOrName: unknown): { accountId: string; group: string } | undefined {
    const m = typeof arnOrName === "string" ? PACKAGE_ARN.exec(arnOrName) : null;
    return m ? { accountId: m[1], group: m[2].toLowerCase() } : undefined;
}

function denied(caller: string, action: string, arn: string, why: string): SageMakerFault {
    return new SageMakerFault(
        "AccessDeniedException",
        `User: arn:aws:sts::${caller}:assumed-role/caller is not authorized to perform: sagemaker:${action} on resource: ${arn} because ${why}`,
    );
}

/**
 * The account a request about `arn` is served from: the caller's own for its own packages; the owner's when the
 * owner's group policy admits the caller for `action` (and, for an update, the lifecycle condition holds).
 * Anything else is AccessDeniedException, as AWS answers a cross-account call no resource policy allows.
 */
export function authorize(
    sharing: readonly GroupSharing[],
    caller: string,
    action: SharedAction,
    arn: string,
    request: Record<string, unknown> = {},
): string {
    const owner = packageOwner(arn);
    if (!owner || owner.accountId === caller) return caller;
    const group = sharing.find((g) => g.ownerAccountId === owner.accountId && g.groupName.toLowerCase() === owner.group);
    // Several statements may admit the same account (e.g. its deploy role marks Deployed, its smoke role sets Rejected): any one allows.
    const statements = group?.admits.filter((a) => a.accountId === caller && a.actions.includes(action)) ?? [];
    if (statements.length === 0) throw denied(caller, action, arn, "no resource-based policy allows the action");
    if (action === "UpdateModelPackage") {
        const lc = request.ModelLifeCycle as Partial<ModelLifeCycle> | undefined;
        const allows = (a: SharedAccess) =>
            !a.lifeCycle || (request.ModelApprovalStatus === undefined && lc?.Stage === a.lifeCycle.stage && lc?.StageStatus === a.lifeCycle.stageStatus);
        if (!statements.some(allows)) {
            const only = statements.map((a) => `{${a.lifeCycle!.stage}, ${a.lifeCycle!.stageStatus}}`).join(" or ");
            throw denied(caller, action, arn, `the resource-based policy allows it only to set ModelLifeCycle ${only}`);
        }
    }
    return owner.accountId;
}
