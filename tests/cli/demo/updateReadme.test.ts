/**
 * The README generator's pure parts: a plan block keeps a short excerpt visible and folds the whole output
 * into <details>; a block is replaced only between its markers.
 */
import { strict as assert } from "assert";
import { planBlock, replaceBlock } from "../../../cli/demo/updateReadme";

const STDOUT = [
    "Offline plan for stack dev (Pulumi.dev.yaml), under Pulumi mocks.",
    "",
    "+ pulumi:pulumi:Stack  sagemaker-approval-gate-dev",
    "    + aws:s3/bucket:Bucket  artifacts",
    "          bucket: \"b\"",
    "",
    "2 resources to create (1 AWS resource, 0 components, 1 stack)",
    "    1  aws:s3/bucket:Bucket",
    "",
    "Policy pack sagemaker-approval-gate 0.1.0 (policies), config: policies/dev.json",
    "pulumi up (each resource judged before it is created, its dependencies known):",
    "    no violations",
    "",
    "OK: no mandatory violations.",
    "",
].join("\n");

describe("cli/demo/updateReadme", () => {
    it("shows the header, the resource count and the verdicts, and folds every line into a collapsed <details>", () => {
        const block = planBlock("dev", STDOUT);
        const [visible, folded] = block.split("<details>");
        assert.ok(folded, "the whole output is inside <details>");
        assert.match(visible, /^```console\n\$ npm run plan -- --stack dev\nOffline plan for stack dev/);
        assert.match(visible, /\n2 resources to create/);
        assert.match(visible, /Policy pack sagemaker-approval-gate[\s\S]*OK: no mandatory violations\.\n```/);
        assert.doesNotMatch(visible, /aws:s3\/bucket:Bucket  artifacts/, "the resource tree stays folded");
        assert.match(folded, /^<summary>The whole output of <code>npm run plan -- --stack dev<\/code> \(14 lines: every resource with its inputs\)<\/summary>/);
        assert.ok(folded.includes(STDOUT.replace(/\n$/, "")), "every line of the plan is in the folded part");
        assert.match(block, /<\/details>$/);
    });

    it("refuses a plan without its resource count or policy section rather than printing a misleading excerpt", () => {
        assert.throws(() => planBlock("dev", "Offline plan\nsomething else\n"), /no resource count or policy pack section/);
    });

    it("replaces only the text between one pair of markers, and says when they are missing", () => {
        const text = "a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb\n";
        assert.equal(replaceBlock(text, "x", "new"), "a\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\nb\n");
        assert.throws(() => replaceBlock(text, "y", "new"), /README\.md has no <!-- generated:y -->/);
    });
});
