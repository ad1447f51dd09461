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
 * Also `StringEqualsIfExists` (an absent key passes) and `Null` ("true": the key is absent; "false": present), as
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html says.
 *
 * Accounts (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html):
 * a resource policy naming an account (`arn:…:iam::<account>:root`) names every principal of that account, but only
 * delegates: the principal's own identity policies must allow too. A request whose `resourceAccount` differs from the
 * principal's account is cross-account: it is allowed only when an identity policy AND the resource policy allow it.
 * Within one account, an identity Allow or a resource-policy Allow naming the principal itself (or "*") suffices.
 */
import type { PolicyDocument, PolicyStatement } from "../../../infra/lib/iamDocuments";

export interface Request {
    readonly principalArn: string;
    readonly action: string;
    readonly resource: string;
    /** Condition keys beyond aws:PrincipalArn; aws:SecureTransport defaults to "true". */
    readonly context?: Readonly<Record<string, string | readonly string[]>>;
    /** The account owning the resource; defaults to the principal's (a same-account request). */
    readonly resourceAccount?: string;
}

/** The account of an IAM or STS principal ARN (`arn:aws:iam::<account>:role/r`, `arn:aws:sts::<account>:assumed-role/r/s`). */
export function principalAccount(principalArn: string): string | undefined {
    return /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/.exec(principalArn)?.[1];
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
            if (operator === "Null") {
                if (values.length !== 1 || !["true", "false"].includes(values[0])) throw new Error(`policyEvaluator: Null takes "true" or "false", not ${JSON.stringify(expected)}`);
                return (given === undefined) === (values[0] === "true");
            }
            if (Array.isArray(given)) throw new Error(`policyEvaluator: ${operator} on the multivalued key ${key} is not implemented`);
            const actual = given as string | undefined;
            if (operator === "StringEqualsIfExists") return actual === undefined || values.includes(actual);
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

/** How a resource-policy statement names the request's principal: itself (or "*"), its account (delegation), or not at all. */
function principalMatch(statement: PolicyStatement, request: Request): "itself" | "account" | undefined {
    const p = statement.Principal;
    if (p === "*" || (p?.AWS ?? []).some((arn) => arn === request.principalArn || arn === "*")) return "itself";
    const account = principalAccount(request.principalArn);
    if (account && (p?.AWS ?? []).some((arn) => /^arn:[a-z-]+:iam::(\d{12}):root$/.exec(arn)?.[1] === account)) return "account";
    return undefined;
}

function applies(statement: PolicyStatement, request: Request, context: Context, resourcePolicy: boolean): boolean {
    if (resourcePolicy && principalMatch(statement, request) === undefined) return false;
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
    const allows = statements.filter(({ s }) => s.Effect === "Allow");
    const identityAllows = allows.some(({ resourcePolicy }) => !resourcePolicy);
    const resourceAllows = allows.filter(({ resourcePolicy }) => resourcePolicy);
    const crossAccount = request.resourceAccount !== undefined && request.resourceAccount !== principalAccount(request.principalArn);
    if (crossAccount) return identityAllows && resourceAllows.length > 0 ? "allowed" : "implicit-deny";
    return identityAllows || resourceAllows.some(({ s }) => principalMatch(s, request) === "itself") ? "allowed" : "implicit-deny";
}

/** An identity policy that allows everything: an administrator (AdministratorAccess). */
export const ADMINISTRATOR_ACCESS: PolicyDocument = { Version: "2012-10-17", Statement: [{ Sid: "Admin", Effect: "Allow", Action: ["*"], Resource: ["*"] }] };
