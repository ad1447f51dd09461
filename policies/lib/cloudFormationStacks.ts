/**
 * CloudFormation stacks and stack sets declared by the program (aws and aws-native providers). Their template
 * can create SageMaker models and endpoints this pack cannot trace to a package version, so in production the
 * pack reads the template (parsed, see cloudFormationTemplate.ts) and refuses what it cannot vouch for:
 * SageMaker model, endpoint and package resources; templates it cannot read (a URL, an unparseable body, a
 * nested stack, a module); and templates rewritten by a macro (`Transform`) before CloudFormation creates
 * anything. Pure: a resource's plain inputs in, problems and not-yet-known values out.
 */
import {
    MODEL_DEPLOYING_CFN_TYPES,
    MODEL_PACKAGE_CFN_TYPE,
    parseTemplate,
    resourceDeclarations,
    transformsOf,
    type ResourceDeclaration,
} from "./cloudFormationTemplate";
import { isUnknown } from "./unknowns";

/** Resources that deploy a CloudFormation template given inline (`templateBody`) or by URL (`templateUrl`). */
export const CLOUDFORMATION_TEMPLATE_TYPES: readonly string[] = [
    "aws:cloudformation/stack:Stack",
    "aws:cloudformation/stackSet:StackSet",
    "aws-native:cloudformation:Stack",
    "aws-native:cloudformation:StackSet",
];

export interface StackFindings {
    /** Findings: they block in production. */
    readonly problems: readonly string[];
    /** Values the judgement needs that are unknown (preview), e.g. `urn: its templateBody`. */
    readonly unknowns: readonly string[];
}

const NESTED_STACK_TYPES = ["AWS::CloudFormation::Stack", "AWS::CloudFormation::StackSet"];
const NOT_IN_PRODUCTION = "so it is not allowed in production";
const FIX_INLINE = "Fix: give the template inline as templateBody (for example fs.readFileSync(\"template.yaml\", \"utf8\")), which this pack parses and judges.";

const present = (v: unknown) => v !== undefined && v !== null && v !== "";
const normalised = (type: string) => type.trim().toLowerCase();
const listed = (entries: readonly string[]) => entries.join(", ");

/** What a declared resource type means to this pack. Compared case-insensitively: see docs/policy-pack.md. */
type Category = "sagemaker" | "package" | "nested" | "module" | "untyped";
function categoryOf(type: unknown): Category | undefined {
    if (typeof type !== "string") return "untyped";
    const t = normalised(type);
    if (MODEL_DEPLOYING_CFN_TYPES.some((m) => normalised(m) === t)) return "sagemaker";
    if (normalised(MODEL_PACKAGE_CFN_TYPE) === t) return "package";
    if (NESTED_STACK_TYPES.some((n) => normalised(n) === t)) return "nested";
    if (t.endsWith("::module")) return "module";
    return undefined;
}

const MESSAGES: Record<Category, (resource: string, found: string) => string> = {
    sagemaker: (r, found) => `${r} deploys a CloudFormation template that declares ${found}, which this pack cannot trace to an Approved model package version, ${NOT_IN_PRODUCTION}. Fix: declare it with the aws provider (aws.sagemaker.Model from an Approved package, EndpointConfiguration, Endpoint), which this pack verifies, not in a template.`,
    package: (r, found) => `${r} deploys a CloudFormation template that declares ${found}: the template would register a model package version whose approval status this pack does not follow, ${NOT_IN_PRODUCTION}. Fix: register versions through the pipeline as PendingManualApproval and let an approver approve them with the approver CLI.`,
    nested: (r, found) => `${r} deploys a CloudFormation template that declares ${found}, a nested stack (or stack set) whose template this pack cannot read, ${NOT_IN_PRODUCTION}. Fix: declare each child stack as its own aws.cloudformation.Stack with its template inline in templateBody, which this pack parses and judges.`,
    module: (r, found) => `${r} deploys a CloudFormation template that declares ${found}, a CloudFormation module whose resources come from a registered template this pack cannot read, ${NOT_IN_PRODUCTION}. Fix: write the module's resources into the template itself.`,
    untyped: (r, found) => `${r} deploys a CloudFormation template that declares ${found} without a literal Type string, so this pack cannot tell what it creates (CloudFormation requires one), ${NOT_IN_PRODUCTION}. Fix: give every resource a Type such as "AWS::S3::Bucket".`,
};

function judgeDeclarations(resource: string, where: string, declarations: readonly ResourceDeclaration[], problems: string[], unknowns: string[]): void {
    const found = new Map<Category, string[]>();
    const add = (category: Category, entry: string) => found.set(category, [...(found.get(category) ?? []), entry]);
    for (const { logicalId, notAMapping, types } of declarations) {
        const id = JSON.stringify(logicalId);
        if (isUnknown(notAMapping)) unknowns.push(`${where} Resources.${logicalId}`);
        else if (notAMapping !== undefined) add("untyped", `${id} (${JSON.stringify(notAMapping) ?? String(notAMapping)}, not a mapping)`);
        else if (types.length === 0) add("untyped", `${id} (no Type)`);
        for (const type of types) {
            if (isUnknown(type)) {
                unknowns.push(`${where} Resources.${logicalId}.Type`);
                continue;
            }
            const category = categoryOf(type);
            if (category) add(category, `${id} (${typeof type === "string" ? type : `Type: ${JSON.stringify(type)}`})`);
        }
    }
    for (const [category, entries] of found) problems.push(MESSAGES[category](resource, listed(entries)));
}

function judgeTemplate(resource: string, body: unknown, problems: string[], unknowns: string[]): void {
    const where = `${resource}: its templateBody`;
    const parsed = parseTemplate(body);
    if (parsed.kind === "unparseable") {
        problems.push(`${where} cannot be parsed as a CloudFormation template (JSON or YAML): ${parsed.why}. This pack cannot tell which resources it creates, ${NOT_IN_PRODUCTION}. Fix: make it a valid JSON or YAML template with unique keys (\`aws cloudformation validate-template --template-body file://template.yaml\` or cfn-lint say what is wrong).`);
        return;
    }
    const transforms = transformsOf(parsed.template);
    if (transforms.some(isUnknown)) unknowns.push(`${where}'s Transform`);
    const known = transforms.filter((t) => !isUnknown(t));
    if (known.length) {
        problems.push(`${resource} deploys a CloudFormation template that declares Transform ${listed(known.map((t) => JSON.stringify(t)))}: a macro rewrites the template before CloudFormation creates anything (AWS::Serverless can add nested stacks, AWS::Include pulls in text from S3, a custom macro runs any code): the resources this pack reads are not the ones created, ${NOT_IN_PRODUCTION}. Fix: inline the processed template instead (create a change set, read it back with \`aws cloudformation get-template --template-stage Processed\`), or declare the resources with Pulumi.`);
    }
    const { declarations, malformed } = resourceDeclarations(parsed.template);
    for (const section of malformed) {
        if (isUnknown(section)) unknowns.push(`${where}'s Resources`);
        else problems.push(`${where} has a Resources section that is not a mapping of logical ids to resources (${JSON.stringify(section)}), so this pack cannot tell what it creates, ${NOT_IN_PRODUCTION}. Fix: make Resources a mapping ("Bucket": {"Type": "AWS::S3::Bucket"}).`);
    }
    judgeDeclarations(resource, `${where}'s`, declarations, problems, unknowns);
}

export function judgeCloudFormationStack(resource: string, props: Record<string, unknown>): StackFindings {
    const problems: string[] = [];
    const unknowns: string[] = [];
    const { templateBody: body, templateUrl: url } = props;
    if (isUnknown(url)) unknowns.push(`${resource}: its templateUrl`);
    else if (present(url)) {
        problems.push(`${resource} deploys the CloudFormation template at templateUrl ${JSON.stringify(url)}, which this pack does not read, so it cannot tell whether the template creates SageMaker models, endpoints or packages, ${NOT_IN_PRODUCTION}. ${FIX_INLINE}`);
    }
    if (isUnknown(body)) unknowns.push(`${resource}: its templateBody`);
    else if (present(body)) judgeTemplate(resource, body, problems, unknowns);
    return { problems, unknowns };
}
