import { strict as assert } from "assert";
import { UNKNOWN_VALUE, type RecordedResource } from "../../../cli/lib/programUnderMocks";
import { buildTree, canonicalJson, describeInputs, digest, inputLines, KNOWN_AFTER_APPLY, renderTree } from "../../../cli/plan/render";
import { engineUrn, inferDependencies, specificMessage } from "../../../cli/plan/policies";

const ROOT = "/home/someone/project";

function resource(type: string, name: string, inputs: Record<string, any>, extra: Partial<RecordedResource> = {}): RecordedResource {
    return { type, name, urn: `urn:pulumi:dev::p::${type}::${name}`, inputs, id: `${name}-id`, state: { ...inputs, id: `${name}-id` }, custom: true, ...extra };
}

describe("cli/plan/render", () => {
    it("shows short scalars inline and unknowns as (known after apply)", () => {
        assert.deepEqual(describeInputs({ name: "a", memorySize: 256, enabled: true, role: UNKNOWN_VALUE, tags: { team: "x" } }, ROOT), [
            ["enabled", "true"], ["memorySize", "256"], ["name", '"a"'], ["role", KNOWN_AFTER_APPLY],
        ]);
    });

    it("digests long documents, naming IAM policies and pipeline definitions, so a change shows as a new digest", () => {
        const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-with-a-long-name/*" }] });
        const [[, shown]] = inputLines("policy", policy, ROOT);
        assert.equal(shown, `<IAM policy: 1 statement, ${policy.length} bytes, sha256 ${digest(policy)}>`);
        const definition = JSON.stringify({ Version: "2020-12-01", Steps: [{ Name: "Train", Type: "Training", Arguments: { x: "y".repeat(100) } }, { Name: "Register" }] });
        assert.match(inputLines("pipelineDefinition", definition, ROOT)[0][1], /^<pipeline definition: steps Train, Register; \d+ bytes, sha256 [0-9a-f]{12}>$/);
        const changed = policy.replace("GetObject", "PutObject");
        assert.notEqual(inputLines("policy", changed, ROOT)[0][1], shown);
    });

    it("flattens nested objects to sorted dotted keys and keeps short JSON documents inline, canonically", () => {
        assert.deepEqual(inputLines("environment", { variables: { B: "2", A: "1", LONG: "z".repeat(70) } }, ROOT), [
            ["environment.variables.A", '"1"'], ["environment.variables.B", '"2"'], ["environment.variables.LONG", JSON.stringify("z".repeat(70))],
        ]);
        assert.deepEqual(inputLines("eventPattern", '{"source":["aws.sagemaker"],"detail-type":["x"]}', ROOT), [["eventPattern", '{"detail-type":["x"],"source":["aws.sagemaker"]}']]);
        assert.equal(canonicalJson({ b: 1, a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":1}');
    });

    it("describes archives by file, size and digest, and never prints an absolute path", () => {
        const archive = { __pulumiArchive: true, assets: { "index.js": { __pulumiAsset: true, text: "exports.handler=()=>1" } } };
        assert.equal(inputLines("code", archive, ROOT)[0][1], `<archive: index.js (21 bytes, sha256 ${digest("exports.handler=()=>1")})>`);
        const file = { __pulumiArchive: true, path: `${ROOT}/build/fn.zip` };
        assert.equal(inputLines("code", file, ROOT)[0][1], "<archive build/fn.zip>");
    });

    it("draws children under their parents, sorted by type then name, whatever the registration order", () => {
        const component = resource("x:y:Component", "c", {}, { custom: false });
        const parentUrn = "urn:pulumi:dev::p::x:y:Component::c";
        const resources = [
            resource("aws:s3/bucket:Bucket", "c-b", { bucket: "b" }, { parentUrn }),
            resource("aws:iam/role:Role", "c-r", { name: "r" }, { parentUrn }),
            component,
            resource("aws:iam/role:Role", "top", { name: "t" }),
        ];
        const parentOf = (r: RecordedResource) => (r.parentUrn ? component : undefined);
        const text = renderTree("dev", "p", buildTree(resources, parentOf), ROOT).join("\n");
        assert.equal(text, [
            "+ pulumi:pulumi:Stack  p-dev",
            "    + aws:iam/role:Role  top",
            '          name: "t"',
            "    + x:y:Component  c",
            "        + aws:iam/role:Role  c-r",
            '              name: "r"',
            "        + aws:s3/bucket:Bucket  c-b",
            '              bucket: "b"',
        ].join("\n"));
        const reversed = renderTree("dev", "p", buildTree([...resources].reverse(), parentOf), ROOT).join("\n");
        assert.equal(reversed, text);
    });
});

describe("cli/plan/policies (pure parts)", () => {
    it("builds engine URNs with the parent's qualified type", () => {
        const child = resource("aws:iam/role:Role", "c-r", {}, { parentUrn: "urn:pulumi:prod::p::a:b:Outer$a:b:Inner::inner" });
        assert.equal(engineUrn(child, "prod", "p"), "urn:pulumi:prod::p::a:b:Outer$a:b:Inner$aws:iam/role:Role::c-r");
        assert.equal(engineUrn(resource("aws:iam/role:Role", "r", {}), "prod", "p"), "urn:pulumi:prod::p::aws:iam/role:Role::r");
    });

    it("infers property dependencies from the computed ARNs and ids that inputs carry", () => {
        const role = resource("aws:iam/role:Role", "role", { name: "role-name" }, { state: { name: "role-name", arn: "arn:aws:iam::123456789012:role/role-name", id: "role-name-id" } });
        const fn = resource("aws:lambda/function:Function", "fn", { role: "arn:aws:iam::123456789012:role/role-name", name: "fn", environment: { variables: { ROLE: "arn:aws:iam::123456789012:role/role-name" } } });
        const urnOf = (r: RecordedResource) => engineUrn(r, "dev", "p");
        const deps = inferDependencies([role, fn], urnOf).get(urnOf(fn))!;
        assert.deepEqual(deps.propertyDependencies, { role: [urnOf(role)], environment: [urnOf(role)] });
        assert.deepEqual(deps.dependencies, [urnOf(role)]);
        assert.deepEqual(inferDependencies([role, fn], urnOf).get(urnOf(role))!.dependencies, []);
    });

    it("keeps only the specific part of a diagnostic that repeats the policy description", () => {
        assert.equal(specificMessage("Only approved.\nModel m is Pending.", "Only approved."), "Model m is Pending.");
        assert.equal(specificMessage("Something else", "Only approved."), "Something else");
    });
});
