/**
 * Reading a CloudFormation template the way CloudFormation does: parsed (JSON or YAML), not searched as text.
 * A text search misses a type spelled with a JSON `\u` escape and any template given as an object (aws-native
 * types `templateBody` as `any`). Pure: a template (string or object) in, its resource declarations out.
 */
import { parseDocument, Pair, Scalar, YAMLMap, type CollectionTag, type ScalarTag, type YAMLSeq } from "yaml";
import { isUnknown } from "./unknowns";

/** CloudFormation (and Cloud Control) types that put a model on an endpoint (an inference experiment adds shadow variants to a live one). */
export const MODEL_DEPLOYING_CFN_TYPES: readonly string[] = [
    "AWS::SageMaker::Model",
    "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Endpoint",
    "AWS::SageMaker::InferenceComponent",
    "AWS::SageMaker::InferenceExperiment",
];
export const MODEL_PACKAGE_CFN_TYPE = "AWS::SageMaker::ModelPackage";

/** One entry of `Resources`: its logical id and every `Type` it declares (a duplicate key would give two). */
export interface ResourceDeclaration {
    readonly logicalId: string;
    /** The declaration itself, when it is not a mapping (CloudFormation requires one). */
    readonly notAMapping?: unknown;
    readonly types: readonly unknown[];
    /** The declaration, when it is a mapping. */
    readonly declaration?: Record<string, unknown>;
}

export type ParsedTemplate =
    | { readonly kind: "parsed"; readonly template: Record<string, unknown> }
    | { readonly kind: "unparseable"; readonly why: string };

/**
 * CloudFormation's short-form intrinsic functions (`!Ref x` is `{Ref: x}`, `!Sub s` is `{"Fn::Sub": s}`), on
 * scalars, sequences and mappings alike, so a valid YAML template parses. Unknown tags only warn (the value is
 * kept as written), and CloudFormation itself rejects them.
 */
const SHORT_FORMS = [
    "Ref", "Condition", "And", "Base64", "Cidr", "Contains", "EachMemberEquals", "EachMemberIn", "Equals", "FindInMap", "ForEach",
    "GetAtt", "GetAZs", "If", "ImportValue", "Join", "Length", "Not", "Or", "RefAll", "Select", "Split", "Sub", "ToJsonString",
    "Transform", "ValueOf", "ValueOfAll",
];
const functionName = (short: string) => (short === "Ref" || short === "Condition" ? short : `Fn::${short}`);

function intrinsicTags(): (ScalarTag | CollectionTag)[] {
    return SHORT_FORMS.flatMap((short) => {
        const name = functionName(short);
        const wrap = (value: YAMLMap | YAMLSeq) => {
            const map = new YAMLMap();
            map.items.push(new Pair(new Scalar(name), value));
            return map;
        };
        const scalar: ScalarTag = {
            tag: `!${short}`,
            resolve: (value: string) => ({ [name]: short === "GetAtt" ? splitGetAtt(value) : value }),
        };
        const seq: CollectionTag = { tag: `!${short}`, collection: "seq", resolve: (value) => wrap(value as YAMLSeq) };
        const map: CollectionTag = { tag: `!${short}`, collection: "map", resolve: (value) => wrap(value as YAMLMap) };
        return [scalar, seq, map];
    });
}
/** `!GetAtt Logical.Attr.Part` is `["Logical", "Attr.Part"]`. */
function splitGetAtt(value: string): unknown {
    const dot = value.indexOf(".");
    return dot < 0 ? value : [value.slice(0, dot), value.slice(dot + 1)];
}
const CUSTOM_TAGS = intrinsicTags();

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A template body as CloudFormation receives it. Text is parsed as YAML 1.2, which reads every JSON document
 * too (so `\u` escapes are decoded) and refuses duplicate keys: CloudFormation's documentation calls its
 * behaviour with duplicated sections undefined, so a template that could mean two things is not judged as one.
 * YAML merge keys (`<<`) are resolved, since CloudFormation's YAML 1.1 parser would resolve them.
 */
export function parseTemplate(body: unknown): ParsedTemplate {
    let template: unknown = body;
    if (typeof body === "string") {
        try {
            const doc = parseDocument(body, { customTags: CUSTOM_TAGS, merge: true });
            if (doc.errors.length) return { kind: "unparseable", why: `${doc.errors[0].message.split("\n")[0].replace(/:$/, "")} (${doc.errors[0].code})` };
            template = doc.toJS({ maxAliasCount: 100 });
        } catch (err) {
            return { kind: "unparseable", why: (err as Error).message.split("\n")[0] };
        }
    }
    if (!isMapping(template)) {
        const what = template === null || template === undefined ? "empty" : Array.isArray(template) ? "a list" : `a ${typeof template}`;
        return { kind: "unparseable", why: `its top level is ${what}, not a mapping of template sections` };
    }
    return { kind: "parsed", template };
}

/**
 * Values of the keys that match `name` case-insensitively. CloudFormation's section and attribute names are
 * case-sensitive; reading every spelling means no spelling CloudFormation might accept goes unread.
 */
export function valuesOf(map: Record<string, unknown>, name: string): unknown[] {
    return Object.keys(map).filter((k) => k.toLowerCase() === name.toLowerCase()).map((k) => map[k]);
}

/** Every `Resources` entry, or the non-mapping value found where `Resources` should be. */
export function resourceDeclarations(template: Record<string, unknown>): { declarations: ResourceDeclaration[]; malformed: unknown[] } {
    const declarations: ResourceDeclaration[] = [];
    const malformed: unknown[] = [];
    for (const resources of valuesOf(template, "Resources")) {
        if (resources === null || resources === undefined) continue;
        if (isUnknown(resources) || !isMapping(resources)) {
            malformed.push(resources);
            continue;
        }
        for (const [logicalId, declaration] of Object.entries(resources)) {
            if (isUnknown(declaration) || !isMapping(declaration)) declarations.push({ logicalId, notAMapping: declaration, types: [] });
            else declarations.push({ logicalId, types: valuesOf(declaration, "Type"), declaration });
        }
    }
    return { declarations, malformed };
}

/** The macros a template invokes: its `Transform` section and every `Fn::Transform` (e.g. `AWS::Include`). */
export function transformsOf(template: Record<string, unknown>): unknown[] {
    const found: unknown[] = valuesOf(template, "Transform").filter((t) => t !== null && t !== undefined && t !== "");
    const seen = new Set<unknown>();
    const visit = (value: unknown): void => {
        if (typeof value !== "object" || value === null || seen.has(value)) return;
        seen.add(value);
        if (Array.isArray(value)) return value.forEach(visit);
        for (const [key, inner] of Object.entries(value)) {
            if (key.toLowerCase() === "fn::transform") found.push(isMapping(inner) && "Name" in inner ? inner.Name : inner);
            visit(inner);
        }
    };
    visit(template);
    return found;
}
