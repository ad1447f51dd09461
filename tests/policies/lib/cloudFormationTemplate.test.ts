import * as assert from "assert";
import { parseTemplate, resourceDeclarations, transformsOf } from "../../../policies/lib/cloudFormationTemplate";

/** The template of a parse that must succeed. */
function parsed(body: unknown): Record<string, unknown> {
    const result = parseTemplate(body);
    assert.strictEqual(result.kind, "parsed", JSON.stringify(result));
    return (result as { template: Record<string, unknown> }).template;
}
const typesOf = (body: unknown) => resourceDeclarations(parsed(body)).declarations.map((d) => [d.logicalId, ...d.types]);
const why = (body: unknown) => {
    const result = parseTemplate(body);
    assert.strictEqual(result.kind, "unparseable", JSON.stringify(result));
    return (result as { why: string }).why;
};

describe("cloudFormationTemplate", () => {
    describe("parseTemplate", () => {
        it("reads a JSON template, an object template and a YAML template alike (the happy path)", () => {
            const template = { Resources: { Logs: { Type: "AWS::S3::Bucket" } } };
            assert.deepStrictEqual(parsed(JSON.stringify(template)), template);
            assert.deepStrictEqual(parsed(template), template);
            assert.deepStrictEqual(parsed("Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n"), template);
        });

        it("decodes JSON \\u escapes (and surrogate pairs) by parsing", () => {
            assert.deepStrictEqual(typesOf('{"Resources":{"M":{"Type":"\\u0041WS::SageMaker::\\u004Dodel","Properties":{"x":"\\ud83d\\ude00\\/"}}}}'), [["M", "AWS::SageMaker::Model"]]);
        });

        it("turns short-form intrinsic functions into their long form, on scalars, lists and mappings", () => {
            const template = parsed([
                "Resources:",
                "  R:",
                "    Type: AWS::S3::Bucket",
                "    Properties:",
                "      A: !Ref Env",
                "      B: !GetAtt Logs.Arn",
                "      C: !GetAtt [Logs, Arn]",
                "      D: !Sub ['${X}', {X: !Ref Env}]",
                "      E: !If [IsProd, !Condition Other, !Ref 'AWS::NoValue']",
                "      F: !Transform {Name: AWS::Include, Parameters: {Location: 's3://b/k'}}",
                "",
            ].join("\n"));
            const properties = ((template.Resources as any).R.Properties) as Record<string, unknown>;
            assert.deepStrictEqual(properties, {
                A: { Ref: "Env" },
                B: { "Fn::GetAtt": ["Logs", "Arn"] },
                C: { "Fn::GetAtt": ["Logs", "Arn"] },
                D: { "Fn::Sub": ["${X}", { X: { Ref: "Env" } }] },
                E: { "Fn::If": ["IsProd", { Condition: "Other" }, { Ref: "AWS::NoValue" }] },
                F: { "Fn::Transform": { Name: "AWS::Include", Parameters: { Location: "s3://b/k" } } },
            });
        });

        it("resolves YAML merge keys and aliases, as CloudFormation's YAML parser would", () => {
            const body = "Defaults: &d {Type: AWS::SageMaker::Model}\nResources:\n  M:\n    <<: *d\n  N: *d\n";
            assert.deepStrictEqual(typesOf(body), [["M", "AWS::SageMaker::Model"], ["N", "AWS::SageMaker::Model"]]);
        });

        it("refuses duplicate keys (JSON or YAML), naming the error and where it is", () => {
            assert.match(why('{"Resources":{"M":{"Type":"AWS::S3::Bucket","Type":"AWS::SageMaker::Model"}}}'), /Map keys must be unique at line 1, column \d+ \(DUPLICATE_KEY\)/);
            assert.match(why("Resources: {}\nResources:\n  M: {Type: AWS::SageMaker::Model}\n"), /DUPLICATE_KEY/);
        });

        it("refuses broken text, several documents, an alias bomb and a top level that is not a mapping", () => {
            assert.match(why('{"Resources": {"M": '), /\(/);
            assert.match(why("Resources: {}\n---\nResources: {}\n"), /MULTIPLE_DOCS/);
            const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]", "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]", "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]"].join("\n");
            assert.match(why(bomb), /alias/i);
            assert.match(why("- a\n- b\n"), /top level is a list/);
            assert.match(why(""), /top level is empty/);
            assert.match(why(42), /top level is a number/);
        });
    });

    describe("resourceDeclarations", () => {
        it("reads every spelling of Resources and Type, and keeps what is not a mapping", () => {
            const { declarations, malformed } = resourceDeclarations({ resources: { A: { type: "AWS::SageMaker::Endpoint" }, B: "nope" }, RESOURCES: ["x"] });
            assert.deepStrictEqual(declarations, [{ logicalId: "A", types: ["AWS::SageMaker::Endpoint"], declaration: { type: "AWS::SageMaker::Endpoint" } }, { logicalId: "B", notAMapping: "nope", types: [] }]);
            assert.deepStrictEqual(malformed, [["x"]]);
        });
    });

    describe("transformsOf", () => {
        it("finds the Transform section and every Fn::Transform, however deep", () => {
            assert.deepStrictEqual(transformsOf({ Resources: { Logs: { Type: "AWS::S3::Bucket" } } }), []);
            const template = parsed("Transform: [AWS::Serverless-2016-10-31, MyMacro]\nResources:\n  'Fn::Transform': {Name: AWS::Include, Parameters: {Location: s3://b/k}}\n");
            assert.deepStrictEqual(transformsOf(template), [["AWS::Serverless-2016-10-31", "MyMacro"], "AWS::Include"]);
        });
    });
});
