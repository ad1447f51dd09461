/**
 * The README stays a ten-minute read (at most 300 lines, one quick start), and no relative link of the README
 * or of docs/ dangles: each names an existing file and, with a #fragment, a heading of that file (GitHub's
 * anchors) or, for a README link into the tree, an existing folder.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const REPO = path.resolve(__dirname, "../..");
const DOCS = path.join(REPO, "docs");
const README = path.join(REPO, "README.md");

function markdownFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? markdownFiles(p) : e.name.endsWith(".md") ? [p] : [];
    });
}

/** Text outside fenced code blocks (links in a console transcript are not links). Pure. */
export function prose(text: string): string {
    return text.split(/^```[^\n]*\n[\s\S]*?^```\s*$/m).join("\n");
}

/** GitHub's anchor of a heading: lower case, punctuation but hyphens dropped, spaces to hyphens. Pure. */
export function anchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** Every anchor of a Markdown file, with GitHub's -1, -2 suffixes for repeated headings. Pure. */
export function anchors(text: string): Set<string> {
    const seen = new Map<string, number>();
    const result = new Set<string>();
    for (const m of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
        const base = anchor(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        result.add(n ? `${base}-${n}` : base);
    }
    return result;
}

/** The relative link targets of a Markdown text (inline links and images), outside code blocks and spans. Pure. */
export function relativeLinks(text: string): string[] {
    return [...prose(text).replace(/`[^`\n]*`/g, "``").matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
        .map((m) => m[1])
        .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** What is wrong with one link of `file`, or undefined. */
function brokenLink(file: string, target: string): string | undefined {
    const [p, fragment] = target.split("#", 2);
    const resolved = p ? path.resolve(path.dirname(file), decodeURI(p)) : file;
    if (!resolved.startsWith(REPO)) return `${target} leaves the repository`;
    if (!fs.existsSync(resolved)) return `${target}: no such file`;
    if (fragment === undefined) return undefined;
    if (!resolved.endsWith(".md")) return `${target}: a fragment on a file that is not Markdown`;
    if (!anchors(fs.readFileSync(resolved, "utf8")).has(fragment)) return `${target}: ${path.relative(REPO, resolved)} has no heading #${fragment}`;
    return undefined;
}

describe("README.md and docs/", () => {
    const readme = fs.readFileSync(README, "utf8");

    it("the README has at most 300 lines", () => {
        const lines = readme.replace(/\n$/, "").split("\n").length;
        assert.ok(lines <= 300, `README.md has ${lines} lines; move detail to docs/<topic>.md`);
    });

    it("the README has one quick start and no generated blocks (those live in docs/generated/)", () => {
        assert.equal((readme.match(/^#+ .*quick start/gim) ?? []).length <= 1, true, "more than one quick start");
        assert.doesNotMatch(readme, /<!-- generated:/);
        assert.doesNotMatch(readme, /field notes/i, "the field notes are not in this repository: link a docs page");
    });

    for (const file of [README, ...markdownFiles(DOCS)]) {
        const name = path.relative(REPO, file);
        it(`${name}: every relative link resolves to a file and heading`, () => {
            const text = fs.readFileSync(file, "utf8");
            const broken = relativeLinks(text).map((t) => brokenLink(file, t)).filter((b): b is string => !!b);
            assert.deepEqual(broken, [], `${name} has broken links`);
        });
    }

    it("catches a broken link and a missing heading (so the checks above are not vacuous)", () => {
        assert.equal(brokenLink(README, "docs/no-such-page.md"), "docs/no-such-page.md: no such file");
        assert.match(brokenLink(README, "docs/architecture.md#no-such-heading") ?? "", /has no heading #no-such-heading/);
        assert.equal(brokenLink(README, "docs/architecture.md#tool-chain"), undefined);
        assert.deepEqual(relativeLinks("[a](x.md) [b](https://e.com) [c](#y) `[e](w.md)` [`f`](v.md)\n```\n[d](z.md)\n```\n"), ["x.md", "#y", "v.md"]);
        assert.equal(anchor("Order of `pulumi up`"), "order-of-pulumi-up");
        assert.equal(anchor("What you approve: artifact pins"), "what-you-approve-artifact-pins");
        assert.deepEqual([...anchors("# A\n## A\n```\n# B\n```\n")], ["a", "a-1"]);
    });
});
