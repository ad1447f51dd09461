/**
 * A small evaluator of IAM documents for the questions the tests ask ("may principal P do action A on
 * resource R?"), after AWS's documented evaluation logic for one account
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit
 * Deny in any document wins; otherwise an Allow in the identity policy or the resource policy allows;
 * otherwise the request is implicitly denied. It knows only what our documents use: `*` and `?` in actions
 * and resources, Resource/NotResource, Principal "*" or by ARN, and the ArnEquals/ArnNotEquals/StringEquals/
 * StringNotEquals/StringLike/Bool conditions (a missing key fails the positive operators and passes the negative ones),
 * and `ForAllValues:StringLike` on a multivalued key such as dynamodb:LeadingKeys: every value of the request's key must
 * match one pattern, and an absent or empty key passes, as AWS documents
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
 */
import type { PolicyDocument, PolicyStatement } from "../../../infra/lib/iamDocuments";

export interface Request {
    readonly principalArn: string;
    readonly action: string;
    readonly resource: string;
    /** Condition keys beyond aws:PrincipalArn; aws:SecureTransport defaults to "true". */
    readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

const glob = (pattern: string) => new RegExp(`^${pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`, "i");
const globCaseSensitive = (pattern: string) => new RegExp(glob(pattern).source);

type Context = Record<string, string | readonly string[]>;

function conditionHolds(condition: PolicyStatement["Condition"], context: Context): boolean {
    return Object.entries(condition ?? {}).every(([operator, entries]) =>
        Object.entries(entries).every(([key, expected]) => {
            const values = ([] as string[]).concat(expected);
            const given = context[key];
            if (operator === "ForAllValues:StringLike") {
                return ([] as string[]).concat(given ?? []).every((value) => values.some((v) => globCaseSensitive(v).test(value)));
            }
            if (Array.isArray(given)) throw new Error(`policyEvaluator: ${operator} on the multivalued key ${key} is not implemented`);
            const actual = given as string | undefined;
            const matches = actual !== undefined && values.some((v) => (operator.startsWith("Arn") || operator === "StringLike" ? globCaseSensitive(v).test(actual) : v === actual));
            switch (operator) {
                case "StringLike":
                case "ArnEquals":
                case "StringEquals":
                case "Bool":
                    return matches;
                case "ArnNotEquals":
                case "StringNotEquals":
                    return !matches;
                default:
                    throw new Error(`policyEvaluator: condition operator ${operator} is not implemented`);
            }
        }),
    );
}

function applies(statement: PolicyStatement, request: Request, context: Context, resourcePolicy: boolean): boolean {
    if (resourcePolicy) {
        const p = statement.Principal;
        const principalMatches = p === "*" || (p?.AWS ?? []).some((arn) => arn === request.principalArn || arn === "*");
        if (!principalMatches) return false;
    }
    if (!statement.Action.some((a) => glob(a).test(request.action))) return false;
    const inResource = statement.Resource ? statement.Resource.some((r) => globCaseSensitive(r).test(request.resource)) : true;
    const inNotResource = statement.NotResource ? !statement.NotResource.some((r) => globCaseSensitive(r).test(request.resource)) : true;
    if (!inResource || !inNotResource) return false;
    return conditionHolds(statement.Condition, context);
}

/** "allowed" or why not: "explicit-deny" or "implicit-deny". */
export function evaluate(request: Request, documents: { identity?: readonly PolicyDocument[]; resource?: readonly PolicyDocument[] }): "allowed" | "explicit-deny" | "implicit-deny" {
    const context: Context = { "aws:SecureTransport": "true", "aws:PrincipalArn": request.principalArn, ...(request.context ?? {}) };
    const statements = [
        ...(documents.identity ?? []).flatMap((d) => d.Statement.map((s) => ({ s, resourcePolicy: false }))),
        ...(documents.resource ?? []).flatMap((d) => d.Statement.map((s) => ({ s, resourcePolicy: true }))),
    ].filter(({ s, resourcePolicy }) => applies(s, request, context, resourcePolicy));
    if (statements.some(({ s }) => s.Effect === "Deny")) return "explicit-deny";
    return statements.some(({ s }) => s.Effect === "Allow") ? "allowed" : "implicit-deny";
}

/** An identity policy that allows everything: an administrator (AdministratorAccess). */
export const ADMINISTRATOR_ACCESS: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "Admin", Effect: "Allow", Action: ["*"], Resource: ["*"] }] };
