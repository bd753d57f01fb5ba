/**
 * How the Pulumi engine finds a resource of a run in the stack's state: by its URN, else by the first of its aliases
 * that names one (pulumi pkg/resource/deploy/step_generator.go: generateAliases, collapseAliasToUrn,
 * inheritedChildAlias). A resource whose parent was found through an alias inherits it: its old URN is its own type
 * and name under the parent's old URN. Replayed on what the offline run recorded, so a change of structure (resources
 * moved under a new parent) can be shown to keep every object's identity, or to replace it.
 */
import { engineUrn, qualifiedType, type RecordedResource } from "./mockRun";

const nameOf = (urn: string): string => urn.split("::").slice(3).join("::");
const typeOf = (urn: string): string => qualifiedType(urn).split("$").pop() ?? "";

/**
 * The old URNs the engine looks a resource up by after its own, in order. `aliasOf`: the old URN each resource
 * registered before was found by (the engine's record of which parents were matched through an alias).
 */
export function aliasUrns(
    r: RecordedResource,
    aliasOf: ReadonlyMap<string, string>,
    stack: string,
    project: string,
): string[] {
    const found: string[] = [];
    const add = (u: string) => {
        if (!found.includes(u)) found.push(u);
    };
    const collapsed = r.aliases.map((alias) => {
        if ("urn" in alias) return alias.urn;
        let parent = alias.parentUrn ?? r.parent;
        if (alias.parentUrn !== undefined && aliasOf.has(parent)) parent = aliasOf.get(parent)!;
        if (alias.noParent) parent = "";
        return engineUrn(
            alias.stack ?? stack,
            alias.project ?? project,
            parent,
            alias.type ?? r.type,
            alias.name ?? r.name,
        );
    });
    collapsed.forEach(add);
    const parentAlias = r.parent === "" ? undefined : aliasOf.get(r.parent);
    if (parentAlias !== undefined) {
        const parentName = nameOf(r.parent);
        // A child named after its parent (`<parent>-x`) follows the parent's old name.
        const inherited = (type: string, name: string) =>
            engineUrn(
                stack,
                project,
                parentAlias,
                type,
                name.startsWith(parentName) ? nameOf(parentAlias) + name.slice(parentName.length) : name,
            );
        add(inherited(r.type, r.name));
        for (const c of collapsed) add(inherited(typeOf(c), nameOf(c)));
    }
    return found;
}

export interface StateMatching {
    /** Resources whose URN is in the old state. */
    same: string[];
    /** New URN to the old URN one of its aliases found. */
    aliased: Map<string, string>;
    /** Resources the engine would create: neither their URN nor an alias is in the old state. */
    created: string[];
    /** Old resources nothing claimed: the engine would delete them. */
    deleted: string[];
    /** What the engine would refuse: an old URN claimed by two resources. */
    errors: string[];
}

/** Matches a run's resources (in registration order) to an old state's URNs, as the engine does. */
export function matchState(
    resources: readonly RecordedResource[],
    olds: ReadonlySet<string>,
    stack: string,
    project: string,
): StateMatching {
    const aliasOf = new Map<string, string>();
    const claimed = new Map<string, string>();
    const result: StateMatching = { same: [], aliased: new Map(), created: [], deleted: [], errors: [] };
    for (const r of resources) {
        const found = [r.urn, ...aliasUrns(r, aliasOf, stack, project)].find((u) => olds.has(u));
        if (found === undefined) {
            result.created.push(r.urn);
            continue;
        }
        if (claimed.has(found)) result.errors.push(`${found} is claimed by ${claimed.get(found)} and ${r.urn}`);
        claimed.set(found, r.urn);
        if (found === r.urn) result.same.push(r.urn);
        else {
            result.aliased.set(r.urn, found);
            aliasOf.set(r.urn, found);
        }
    }
    result.deleted = [...olds].filter((u) => !claimed.has(u)).sort();
    return result;
}

/**
 * Every resource's aliases as old URNs, assuming each resource with an alias existed under its first one (so its
 * children inherit that one). For a render, which sees the old state only through the rendered objects, not through
 * the components between them.
 */
export function assumedAliases(
    resources: readonly RecordedResource[],
    stack: string,
    project: string,
): Map<string, string[]> {
    const aliasOf = new Map<string, string>();
    const result = new Map<string, string[]>();
    for (const r of resources) {
        const urns = aliasUrns(r, aliasOf, stack, project);
        result.set(r.urn, urns);
        if (urns.length > 0) aliasOf.set(r.urn, urns[0]);
    }
    return result;
}
