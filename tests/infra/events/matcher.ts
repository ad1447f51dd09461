/**
 * A small, faithful matcher for the part of the EventBridge pattern language our rules use
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):
 * - a pattern field holding an array matches when the event's value at that path equals one of the
 *   array's values; when the event's value is itself an array, when any of its elements does;
 * - a pattern field holding an object descends into the event's object at that key;
 * - a field the pattern names but the event lacks never matches; fields the pattern does not name are ignored;
 * - matching is exact and case-sensitive, strings and numbers are not coerced into each other;
 * - `{ "prefix": "p" }` in an array matches a string value that starts with `p` (case-sensitive), never a number;
 * - `"$or": [p1, p2, …]` at any level matches when one of the sub-patterns matches at that level ("Or matching" in
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 * Anything else in a pattern (prefix, anything-but, numeric, ...) is rejected loudly rather than guessed.
 */
import type { StagePattern } from "../../../infra/events/stagePatterns";

export function matches(pattern: StagePattern, event: unknown): boolean {
    if (typeof event !== "object" || event === null || Array.isArray(event)) return false;
    const record = event as Record<string, unknown>;
    return Object.entries(pattern).every(([field, expected]) => {
        if (field === "$or") {
            if (!Array.isArray(expected) || expected.length === 0 || !expected.every((p) => typeof p === "object" && p !== null && !Array.isArray(p))) {
                throw new Error(`matcher: $or takes a non-empty array of patterns, not ${JSON.stringify(expected)}`);
            }
            return (expected as StagePattern[]).some((sub) => matches(sub, event));
        }
        if (!(field in record)) return false;
        const actual = record[field];
        if (Array.isArray(expected)) {
            for (const value of expected) {
                if (typeof value === "object" && value !== null && !isPrefixFilter(value)) throw new Error(`matcher: content filter ${JSON.stringify(value)} is not supported`);
            }
            const candidates = Array.isArray(actual) ? actual : [actual];
            return candidates.some((candidate) =>
                (expected as readonly unknown[]).some((value) => (isPrefixFilter(value) ? typeof candidate === "string" && candidate.startsWith(value.prefix) : value === candidate)),
            );
        }
        return matches(expected as StagePattern, actual);
    });
}

function isPrefixFilter(value: unknown): value is { prefix: string } {
    return typeof value === "object" && value !== null && Object.keys(value).length === 1 && typeof (value as { prefix?: unknown }).prefix === "string";
}
