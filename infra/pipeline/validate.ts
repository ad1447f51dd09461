/**
 * Static checks of a pipeline definition, the ones SageMaker would otherwise only report when the
 * pipeline is created or, worse, executed: unique step names, every `{Get: …}` resolving to a declared
 * parameter, a known execution variable or an existing output of another step, and an acyclic graph.
 * Pure; the TrainingPipeline component runs it before handing the definition to SageMaker.
 */
import type { PipelineDefinition, PipelineStep } from "./types";

const EXECUTION_VARIABLES = new Set([
    "PipelineArn",
    "PipelineExecutionArn",
    "PipelineExecutionId",
    "PipelineName",
    "CurrentDateTime",
    "StartDateTime",
]);

/** Every step, with the IfSteps/ElseSteps of Condition steps flattened in document order. */
export function flattenSteps(steps: readonly PipelineStep[]): PipelineStep[] {
    return steps.flatMap((step) =>
        step.Type === "Condition" ? [step, ...flattenSteps(step.Arguments.IfSteps), ...flattenSteps(step.Arguments.ElseSteps)] : [step],
    );
}

/** Every `Get` path inside a value (Std:Join and Std:JsonGet included), in document order. */
export function collectGets(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(collectGets);
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (typeof record.Get === "string" && Object.keys(record).length === 1) return [record.Get];
        return Object.values(record).flatMap(collectGets);
    }
    return [];
}

/** The references a step makes, excluding the nested steps of a Condition (they are steps of their own). */
export function stepGets(step: PipelineStep): string[] {
    if (step.Type === "Condition") return collectGets(step.Arguments.Conditions);
    return collectGets(step.Arguments);
}

/** Names of the steps a step reads from (data dependencies) plus its DependsOn. */
export function stepDependencies(step: PipelineStep): string[] {
    const fromData = stepGets(step)
        .filter((g) => g.startsWith("Steps."))
        .map((g) => /^Steps\.([^.]+)\./.exec(g)?.[1] ?? g);
    return [...new Set([...fromData, ...(step.DependsOn ?? [])])].sort();
}

function outputNames(step: PipelineStep): string[] {
    if (step.Type !== "Processing") return [];
    return (step.Arguments.ProcessingOutputConfig?.Outputs ?? []).map((o) => String(o.OutputName));
}

/** Why a `Get` path does not resolve, or undefined when it does. */
function checkGet(path: string, definition: PipelineDefinition, byName: Map<string, PipelineStep>, from: PipelineStep): string | undefined {
    const [root, ...rest] = path.split(".");
    if (root === "Parameters") {
        return definition.Parameters.some((p) => p.Name === rest.join(".")) ? undefined : `no parameter named ${rest.join(".")}`;
    }
    if (root === "Execution") {
        return EXECUTION_VARIABLES.has(rest.join(".")) ? undefined : `unknown execution variable ${rest.join(".")}`;
    }
    if (root !== "Steps") return `unknown reference root ${root}`;
    const target = byName.get(rest[0]);
    if (!target) return `no step named ${rest[0]}`;
    if (target === from) return `step ${from.Name} reads its own property`;
    const property = path.slice(`Steps.${rest[0]}.`.length);
    const output = /^ProcessingOutputConfig\.Outputs\['([^']+)'\]\.S3Output\.S3Uri$/.exec(property);
    if (output) return outputNames(target).includes(output[1]) ? undefined : `step ${target.Name} has no output ${output[1]}`;
    const propertyFile = /^PropertyFiles\.(.+)$/.exec(property);
    if (propertyFile) {
        const files = target.Type === "Processing" ? (target.PropertyFiles ?? []).map((f) => f.PropertyFileName) : [];
        return files.includes(propertyFile[1]) ? undefined : `step ${target.Name} has no property file ${propertyFile[1]}`;
    }
    if (property === "ModelArtifacts.S3ModelArtifacts") return target.Type === "Training" ? undefined : `step ${target.Name} is not a Training step`;
    return `unsupported step property ${property}`;
}

/** Every problem found; empty when the definition is consistent. */
export function definitionProblems(definition: PipelineDefinition): string[] {
    const steps = flattenSteps(definition.Steps);
    const problems: string[] = [];
    const byName = new Map<string, PipelineStep>();
    for (const step of steps) {
        if (byName.has(step.Name)) problems.push(`duplicate step name ${step.Name}`);
        byName.set(step.Name, step);
    }
    const parameterNames = definition.Parameters.map((p) => p.Name);
    for (const name of parameterNames.filter((n, i) => parameterNames.indexOf(n) !== i)) problems.push(`duplicate parameter ${name}`);
    for (const step of steps) {
        for (const path of stepGets(step)) {
            const problem = checkGet(path, definition, byName, step);
            if (problem) problems.push(`${step.Name}: {"Get": "${path}"}: ${problem}`);
        }
        for (const dep of step.DependsOn ?? []) if (!byName.has(dep)) problems.push(`${step.Name}: DependsOn ${dep}: no such step`);
    }
    // Cycle check over data dependencies (depth-first, three colours).
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, trail: string[]): void => {
        if (state.get(name) === "done") return;
        if (state.get(name) === "visiting") {
            problems.push(`cycle: ${[...trail, name].join(" -> ")}`);
            return;
        }
        state.set(name, "visiting");
        const step = byName.get(name);
        for (const dep of step ? stepDependencies(step) : []) if (byName.has(dep)) visit(dep, [...trail, name]);
        state.set(name, "done");
    };
    for (const step of steps) visit(step.Name, []);
    return problems;
}

/** Throws with every problem listed when the definition is inconsistent. */
export function assertValidDefinition(definition: PipelineDefinition): PipelineDefinition {
    const problems = definitionProblems(definition);
    if (problems.length > 0) throw new Error(`Invalid pipeline definition:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return definition;
}
