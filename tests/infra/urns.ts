/**
 * The engine's URN of each resource a mocked run declared, and the URNs its aliases stand for: what an existing
 * stack's state is matched against. `urn:pulumi:<stack>::<project>::<parent types $ own type>::<name>`; resources
 * parented to the stack carry only their own type (the engine leaves the root Stack out of the chain).
 */
import type { ProgramRun, RecordedAlias, RecordedResource } from "../../cli/lib/programUnderMocks";

function urnOf(stackAndProject: string, parentUrn: string | undefined, type: string, name: string): string {
    const chain = parentUrn && !/::pulumi:pulumi:Stack::/.test(parentUrn) ? `${parentUrn.split("::")[2]}$${type}` : type;
    return `${stackAndProject}::${chain}::${name}`;
}

const prefix = (r: RecordedResource) => r.urn.split("::").slice(0, 2).join("::");

/** The resource's engine URN (its parents' types included). */
export function engineUrn(r: RecordedResource): string {
    return urnOf(prefix(r), r.parentUrn, r.type, r.name);
}

/** The URNs an alias of `r` resolves to (empty name/type = the resource's own; no parent = the stack). */
export function aliasUrn(r: RecordedResource, alias: RecordedAlias): string {
    if ("urn" in alias) return alias.urn;
    const parent = alias.noParent ? undefined : alias.parentUrn || r.parentUrn;
    return urnOf(prefix(r), parent, alias.type || r.type, alias.name || r.name);
}

/** Every URN the run answers to: each resource's own and those of its aliases. */
export function answeredUrns(run: ProgramRun): Set<string> {
    return new Set(run.recorder.resources.flatMap((r) => [engineUrn(r), ...(r.aliases ?? []).map((a) => aliasUrn(r, a))]));
}
