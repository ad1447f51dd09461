/**
 * The plan's text: a preview-like tree of what the program declares, with key inputs, made to be diffed.
 * Stable by construction: children sorted by type and name, object keys sorted, long documents shown as
 * size + SHA-256 (so a change shows up as a changed digest), no ids, no timestamps, no absolute paths.
 * Pure.
 */
import { createHash } from "crypto";
import * as path from "path";
import { UNKNOWN_VALUE, type RecordedResource } from "../lib/programUnderMocks";

export const KNOWN_AFTER_APPLY = "(known after apply)";
const INLINE_LIMIT = 100;
const MAX_DEPTH = 3;
const MAX_LIST_ITEMS = 12;
/** Keys that repeat on every resource and say nothing about it. */
const SKIPPED_KEYS = new Set(["tags", "tagsAll"]);

export function digest(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

function isArchiveOrAsset(v: Record<string, unknown>): boolean {
    return "__pulumiArchive" in v || "__pulumiAsset" in v || Object.keys(v).some((k) => k === "4dabf18193072939515e22adb298388d");
}

function describeAsset(v: Record<string, unknown>, root: string): string {
    if (typeof v.text === "string") return `${Buffer.byteLength(v.text)} bytes, sha256 ${digest(v.text)}`;
    if (typeof v.path === "string") return path.isAbsolute(v.path) ? path.relative(root, v.path) : v.path;
    if (typeof v.uri === "string") return v.uri;
    if (typeof v.hash === "string") return `sha256 ${v.hash.slice(0, 12)}`;
    return "contents not visible";
}

function describeArchive(v: Record<string, unknown>, root: string): string {
    if ("__pulumiAsset" in v) return `<asset ${describeAsset(v, root)}>`;
    if (v.assets && typeof v.assets === "object") {
        const assets = v.assets as Record<string, Record<string, unknown>>;
        const names = Object.keys(assets).sort();
        // Without the program-under-mocks asset resolution, an AssetArchive's map is still a promise: empty here.
        if (names.length === 0) return "<archive>";
        return `<archive: ${names.map((n) => `${n} (${assets[n] && typeof assets[n] === "object" ? describeAsset(assets[n], root) : "?"})`).join(", ")}>`;
    }
    return `<archive ${describeAsset(v, root)}>`;
}

/** Canonical JSON: keys sorted at every level. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_k, v) =>
        v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
    );
}

/** A short description of a JSON document held in a string (IAM policy, pipeline definition, …). */
function describeDocument(text: string, parsed: unknown): string {
    const size = `${Buffer.byteLength(text)} bytes, sha256 ${digest(text)}`;
    const doc = parsed as { Statement?: unknown[]; Steps?: { Name?: string }[] } | null;
    if (doc && Array.isArray(doc.Statement)) return `<IAM policy: ${doc.Statement.length} statement${doc.Statement.length === 1 ? "" : "s"}, ${size}>`;
    if (doc && Array.isArray(doc.Steps)) return `<pipeline definition: steps ${doc.Steps.map((s) => s?.Name ?? "?").join(", ")}; ${size}>`;
    return `<JSON, ${size}>`;
}

function formatString(s: string): string {
    if (s === UNKNOWN_VALUE) return KNOWN_AFTER_APPLY;
    const trimmed = s.trim();
    if ((trimmed.startsWith("{") || trimmed.startsWith("[")) && s.length > 2) {
        try {
            const parsed = JSON.parse(s);
            const compact = canonicalJson(parsed);
            return compact.length <= INLINE_LIMIT ? compact : describeDocument(s, parsed);
        } catch {
            // not JSON: fall through
        }
    }
    if (s.includes("\n") || s.length > INLINE_LIMIT) return `<text, ${Buffer.byteLength(s)} bytes, sha256 ${digest(s)}>`;
    return JSON.stringify(s);
}

function isScalar(v: unknown): boolean {
    return v === null || ["string", "number", "boolean"].includes(typeof v);
}

/** Flattens one input into `[dotted key, display]` lines. */
export function inputLines(key: string, value: unknown, root: string, depth = 0): [string, string][] {
    if (value === undefined) return [];
    if (isScalar(value)) return [[key, typeof value === "string" ? formatString(value) : String(value)]];
    if (Array.isArray(value)) {
        if (value.length === 0) return [[key, "[]"]];
        if (value.every(isScalar)) {
            const inline = `[${value.map((v) => (typeof v === "string" ? formatString(v) : String(v))).join(", ")}]`;
            if (inline.length <= INLINE_LIMIT) return [[key, inline]];
        }
        if (depth >= MAX_DEPTH || value.length > MAX_LIST_ITEMS) {
            const json = canonicalJson(value);
            return [[key, `<list of ${value.length}, sha256 ${digest(json)}>`]];
        }
        return value.flatMap((v, i) => inputLines(`${key}[${i}]`, v, root, depth + 1));
    }
    const object = value as Record<string, unknown>;
    if (isArchiveOrAsset(object)) return [[key, describeArchive(object, root)]];
    const keys = Object.keys(object).filter((k) => object[k] !== undefined).sort();
    if (keys.length === 0) return [[key, "{}"]];
    const compact = canonicalJson(object);
    if (compact.length <= 60 && keys.every((k) => isScalar(object[k]) && object[k] !== UNKNOWN_VALUE)) return [[key, compact]];
    if (depth >= MAX_DEPTH) return [[key, `<object, sha256 ${digest(compact)}>`]];
    return keys.flatMap((k) => inputLines(`${key}.${k}`, object[k], root, depth + 1));
}

/** Every input of a resource as sorted `key: value` lines (tags left out; they are on every resource). */
export function describeInputs(inputs: Record<string, unknown>, root: string): [string, string][] {
    return Object.keys(inputs)
        .filter((k) => !SKIPPED_KEYS.has(k))
        .sort()
        .flatMap((k) => inputLines(k, inputs[k], root));
}

export interface TreeNode {
    readonly resource: RecordedResource;
    readonly children: TreeNode[];
}

const byTypeThenName = (a: TreeNode, b: TreeNode) =>
    a.resource.type.localeCompare(b.resource.type) || a.resource.name.localeCompare(b.resource.name);

/** Arranges resources under their parents; roots are the stack's direct children. */
export function buildTree(resources: readonly RecordedResource[], parentOf: (r: RecordedResource) => RecordedResource | undefined): TreeNode[] {
    const nodes = new Map<RecordedResource, TreeNode>(resources.map((r) => [r, { resource: r, children: [] }]));
    const roots: TreeNode[] = [];
    for (const r of resources) {
        const parent = parentOf(r);
        const parentNode = parent ? nodes.get(parent) : undefined;
        (parentNode ? parentNode.children : roots).push(nodes.get(r)!);
    }
    const sort = (list: TreeNode[]) => {
        list.sort(byTypeThenName);
        list.forEach((n) => sort(n.children));
    };
    sort(roots);
    return roots;
}

/** The tree as text: `+ <type>  <name>` per resource, its inputs indented below. */
export function renderTree(stackName: string, project: string, roots: readonly TreeNode[], root: string, withInputs = true): string[] {
    const lines = [`+ pulumi:pulumi:Stack  ${project}-${stackName}`];
    const walk = (node: TreeNode, indent: string) => {
        lines.push(`${indent}+ ${node.resource.type}  ${node.resource.name}`);
        if (withInputs && node.resource.custom) {
            for (const [k, v] of describeInputs(node.resource.inputs, root)) lines.push(`${indent}      ${k}: ${v}`);
        }
        node.children.forEach((c) => walk(c, `${indent}    `));
    };
    roots.forEach((n) => walk(n, "    "));
    return lines;
}

/** "65 resources: 61 to create, 4 components", by count per type. */
export function summarize(resources: readonly RecordedResource[]): string[] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const custom = resources.filter((r) => r.custom).length;
    return [
        `${resources.length + 1} resources to create (${custom} AWS resources, ${resources.length - custom} components, 1 stack)`,
        ...[...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `  ${String(n).padStart(3)}  ${t}`),
    ];
}
