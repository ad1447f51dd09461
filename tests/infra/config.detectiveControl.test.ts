/** infra/config's detectiveControl key: on by default in production and in registry stacks, an explicit key wins, bad values named. */
import * as assert from "assert";
import { ConfigError, detectiveControlEnabled, parseStackConfig } from "../../infra/config";
import { exampleStackConfig } from "./exampleStacks";

const NS = "sagemaker-approval-gate:";
function raw(stack: string, detectiveControl?: unknown): Record<string, any> {
    const flat = exampleStackConfig(stack);
    const out: Record<string, any> = Object.fromEntries(Object.entries(flat).filter(([k]) => k.startsWith(NS)).map(([k, v]) => [k.slice(NS.length), v]));
    if (detectiveControl !== undefined) out.detectiveControl = detectiveControl;
    return out;
}

describe("infra/config: detectiveControl", () => {
    it("is on in production and off elsewhere when the key is not set, with no extra package updaters", () => {
        const prod = parseStackConfig(raw("prod"), "prod", "us-east-1");
        const dev = parseStackConfig(raw("dev"), "dev", "us-east-1");
        assert.strictEqual(detectiveControlEnabled(prod), true);
        assert.strictEqual(detectiveControlEnabled(dev), false);
        assert.deepStrictEqual(prod.detectiveControl, { packageUpdaterArns: [] });
        assert.strictEqual(prod.layout.kind, "environment", "prod is an environment stack: on because production");
        assert.strictEqual(detectiveControlEnabled(parseStackConfig(raw("staging"), "staging", "us-east-1")), false, "an environment stack outside production");
    });

    it("is on by default in a registry stack, production or not (every stage's versions are approved and marked there), and off when asked", () => {
        const shared = parseStackConfig(raw("shared"), "shared", "us-east-1");
        assert.strictEqual(shared.production, false);
        assert.strictEqual(detectiveControlEnabled(shared), true);
        assert.strictEqual(detectiveControlEnabled(parseStackConfig(raw("shared", { enabled: false }), "shared", "us-east-1")), false);
    });

    it("an explicit enabled wins either way, and packageUpdaterArns are taken", () => {
        assert.strictEqual(detectiveControlEnabled(parseStackConfig(raw("dev", { enabled: true }), "dev", "us-east-1")), true);
        assert.strictEqual(detectiveControlEnabled(parseStackConfig(raw("prod", { enabled: false }), "prod", "us-east-1")), false);
        const arn = "arn:aws:iam::123456789012:role/smoke-test";
        assert.deepStrictEqual(parseStackConfig(raw("prod", { packageUpdaterArns: [arn] }), "prod", "us-east-1").detectiveControl.packageUpdaterArns, [arn]);
    });

    it("names a bad value, what is expected and the fix", () => {
        const problems = (value: unknown) => {
            try {
                parseStackConfig(raw("dev", value), "dev", "us-east-1");
            } catch (err) {
                assert.ok(err instanceof ConfigError);
                return err.problems;
            }
            return assert.fail("accepted");
        };
        assert.match(problems({ enabled: "yes" })[0], /^sagemaker-approval-gate:detectiveControl\.enabled: got "yes"; expected a boolean\. Fix: pulumi config set --path 'detectiveControl\.enabled' true -s dev$/);
        assert.match(problems({ packageUpdaterArns: ["bob"] })[0], /detectiveControl\.packageUpdaterArns\[0\]: got "bob"; expected an IAM role or user ARN/);
        assert.match(problems({ enable: true })[0], /detectiveControl\.enable: is not a setting this program reads/);
    });
});
