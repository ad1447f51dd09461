/**
 * Judging one answer of the endpoint (pure): HTTP status 200, the content type asked for, then the configured
 * check of the body. Every failure names what was expected and what came back, because that line is what the
 * approvers read and what the rejection's comment says.
 */

/** What a payload's answer must satisfy beyond status and content type. */
export type AnswerCheck =
    /** Every value of the body (comma, newline or whitespace separated) is a finite number, within bounds when given. */
    | { readonly kind: "numeric"; readonly min?: number; readonly max?: number }
    /** The body is JSON and the value at `path` (`a.b[0].c`) is a finite number, within bounds when given. */
    | { readonly kind: "jsonPath"; readonly path: string; readonly min?: number; readonly max?: number };

/** The endpoint's answer to one payload, as the smoke test saw it (HTTP status included for errors). */
export interface Answer {
    readonly status: number;
    readonly contentType?: string;
    readonly body: string;
    /** For a model error: the container's own status and message (InvokeEndpoint's ModelError). */
    readonly detail?: string;
}

export type CheckResult = { readonly pass: true } | { readonly pass: false; readonly reason: string };

/** How much of a body goes into a reason (the rejection comment holds 1024 characters). */
const QUOTE_CHARS = 120;

export function quote(text: string): string {
    const oneLine = text.replace(/\s+/g, " ").trim();
    return JSON.stringify(oneLine.length <= QUOTE_CHARS ? oneLine : `${oneLine.slice(0, QUOTE_CHARS)}…`);
}

const mediaType = (contentType: string | undefined) => (contentType ?? "").split(";")[0].trim().toLowerCase();

function bounds(value: number, check: { min?: number; max?: number }): string | undefined {
    if (check.min !== undefined && value < check.min) return `${value} is below the minimum ${check.min}`;
    if (check.max !== undefined && value > check.max) return `${value} is above the maximum ${check.max}`;
    return undefined;
}

/** `a.b[0].c` (or `$.a.b[0].c`) → ["a", "b", 0, "c"]; undefined when the path is not of that form. */
export function parseJsonPath(path: string): (string | number)[] | undefined {
    const trimmed = path.replace(/^\$\.?/, "");
    if (!/^(\[\d+\]|[^.[\]]+)(\.[^.[\]]+|\[\d+\])*$/.test(trimmed)) return undefined;
    return [...trimmed.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

export function valueAtPath(value: unknown, path: readonly (string | number)[]): unknown {
    let current = value;
    for (const part of path) {
        if (typeof part === "number") current = Array.isArray(current) ? current[part] : undefined;
        else current = current !== null && typeof current === "object" && !Array.isArray(current) ? (current as Record<string, unknown>)[part] : undefined;
        if (current === undefined) return undefined;
    }
    return current;
}

function checkBody(body: string, check: AnswerCheck): CheckResult {
    if (check.kind === "numeric") {
        const values = body.trim().split(/[\s,]+/).filter((v) => v !== "");
        if (!values.length) return { pass: false, reason: "the answer is empty; expected a number" };
        for (const raw of values) {
            const value = Number(raw);
            if (!Number.isFinite(value)) return { pass: false, reason: `the answer ${quote(body)} is not numeric (${quote(raw)}); expected numbers` };
            const out = bounds(value, check);
            if (out) return { pass: false, reason: `the answer ${quote(body)}: ${out}` };
        }
        return { pass: true };
    }
    let json: unknown;
    try {
        json = JSON.parse(body);
    } catch {
        return { pass: false, reason: `the answer ${quote(body)} is not JSON; expected JSON with a number at ${check.path}` };
    }
    const path = parseJsonPath(check.path);
    if (!path) return { pass: false, reason: `the check's path ${JSON.stringify(check.path)} is not of the form a.b[0].c` };
    const value = valueAtPath(json, path);
    if (typeof value !== "number" || !Number.isFinite(value)) {
        return { pass: false, reason: `${check.path} in the answer ${quote(body)} is ${value === undefined ? "missing" : JSON.stringify(value)}; expected a number` };
    }
    const out = bounds(value, check);
    return out ? { pass: false, reason: `${check.path} in the answer: ${out}` } : { pass: true };
}

/**
 * The verdict on one answer. `expectedContentType`: the Accept the payload asked for (a `*` or absent accepts any);
 * parameters such as `; charset=utf-8` are ignored.
 */
export function checkAnswer(answer: Answer, expectedContentType: string | undefined, check: AnswerCheck): CheckResult {
    if (answer.status !== 200) {
        return { pass: false, reason: `HTTP ${answer.status}${answer.detail ? ` (${answer.detail})` : ""}: ${quote(answer.body)}; expected 200` };
    }
    const expected = mediaType(expectedContentType);
    if (expected && !expected.includes("*") && mediaType(answer.contentType) !== expected) {
        return { pass: false, reason: `content type ${JSON.stringify(answer.contentType ?? "none")}; expected ${JSON.stringify(expected)}` };
    }
    return checkBody(answer.body, check);
}
