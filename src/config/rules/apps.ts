import { isSystemNamespace } from "../guards";
import type { AppConfig, Tier } from "../types";
import { parseJson, quote, type ConfigInput } from "./context";
import { semverRangeProblem } from "./semver";

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why a namespace name is not a DNS-1123 label (what the API server requires), or undefined. */
export function namespaceProblem(ns: string): string | undefined {
    if (ns.length > 63) return `${ns.length} characters, more than 63`;
    if (!DNS_LABEL.test(ns))
        return "only lowercase letters, digits and '-', starting and ending with a letter or digit";
    return undefined;
}
const IMAGE_REPO = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+$/;
/** Namespaces an application must never deploy into: the cluster's own and the operators'. */
export const RESERVED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"];
const APP_FIELDS = ["name", "namespace", "path", "dependsOn", "image", "semverRange"];

/** A relative path inside the repository (no leading `/`, no `..` segment). */
export const isRelativeRepoPath = (path: string): boolean =>
    path !== "" && !path.startsWith("/") && !path.split("/").includes("..");

export interface AppsPart {
    readonly apps: AppConfig[];
    /** Path of the app-of-apps root for this tier. */
    readonly rootPath: string;
}

/**
 * appPathTemplate, rootPathTemplate and the structured `apps` key. `appsOptional`: Argo CD ApplicationSet mode finds
 * the apps in Git, so `apps` (the apps with their own Application) may be unset or empty.
 */
export function validateApps(input: ConfigInput, tier: Tier, appsOptional = false): AppsPart {
    const pathTemplate = input.str("appPathTemplate");
    if (!pathTemplate.includes("{app}") || !isRelativeRepoPath(pathTemplate)) {
        input.problem(
            "appPathTemplate",
            `${quote(pathTemplate)} is not valid; expected a relative path containing {app}, e.g. apps/{app}/overlays/{env}.`,
        );
    }
    const rootTemplate = input.str("rootPathTemplate");
    if (!isRelativeRepoPath(rootTemplate)) {
        input.problem(
            "rootPathTemplate",
            `${quote(rootTemplate)} is not valid; expected a relative path, e.g. environments/{env}.`,
        );
    }
    const fill = (template: string, app: string) => template.replaceAll("{app}", app).replaceAll("{env}", tier);
    const rawApps = input.raw("apps");
    const apps =
        appsOptional && (rawApps === undefined || rawApps.trim() === "[]")
            ? []
            : parseApps(
                  rawApps,
                  tier,
                  (m) => input.problem("apps", m),
                  (a) => fill(pathTemplate, a),
              );
    const reserved = [...RESERVED_NAMESPACES, input.str("argocdNamespace"), input.str("fluxNamespace")];
    for (const app of apps) {
        if (reserved.includes(app.namespace) || isSystemNamespace(app.namespace)) {
            input.problem(
                "apps",
                `app ${quote(app.name)} deploys into the reserved namespace ${quote(app.namespace)}; expected a namespace of its own (${isSystemNamespace(app.namespace) ? "default and kube-* belong to the cluster" : "that one is the operator's"}, and the program owns the app namespaces: destroy may delete them).`,
            );
        }
    }
    return { apps, rootPath: fill(rootTemplate, "") };
}

/** Validates the structured `apps` key: a non-empty list of objects with known fields only. */
export function parseApps(
    value: string | undefined,
    tier: Tier,
    problem: (message: string) => void,
    pathFor: (app: string) => string,
): AppConfig[] {
    const example = "[{ name: guestbook, namespace: guestbook }]";
    if (value === undefined) {
        problem(`is required; expected a list of apps such as ${example} in the stack file.`);
        return [];
    }
    const parsed = parseJson(value);
    if (!Array.isArray(parsed) || parsed.length === 0) {
        problem(`${quote(value)} is not valid; expected a non-empty list of apps such as ${example}.`);
        return [];
    }
    const apps: AppConfig[] = [];
    const seen = new Set<string>(); // a Set, not a scan of `apps`: a fleet lists thousands (issue 11)
    // Application names are "<tier>-<app>" and label values are limited to 63 characters.
    const maxName = 63 - tier.length - 1;
    parsed.forEach((entry: unknown, i) => {
        const where = `apps[${i}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problem(`${where} is ${quote(entry)}; expected an object with name and namespace.`);
            return;
        }
        const e = entry as Record<string, unknown>;
        for (const field of Object.keys(e)) {
            if (!APP_FIELDS.includes(field))
                problem(`${where} has unknown field ${quote(field)}; expected only ${APP_FIELDS.join(", ")}.`);
        }
        const name = e.name;
        const label = typeof name === "string" ? `app ${quote(name)}` : where;
        if (typeof name !== "string" || !DNS_LABEL.test(name) || name.length > maxName) {
            problem(
                `${where}.name ${quote(name)} is not valid; expected a lowercase DNS label of at most ${maxName} characters.`,
            );
            return;
        }
        if (seen.has(name)) problem(`app name ${quote(name)} is used twice; expected unique names.`);
        seen.add(name);
        const namespace = e.namespace;
        if (typeof namespace !== "string" || namespaceProblem(namespace) !== undefined) {
            problem(
                `${label}.namespace ${quote(namespace)} is not valid; expected a namespace name: a lowercase DNS label (letters, digits, '-') of at most 63 characters.`,
            );
        }
        let path = pathFor(name);
        if (e.path !== undefined) {
            if (typeof e.path !== "string" || !isRelativeRepoPath(e.path)) {
                problem(`${label}.path ${quote(e.path)} is not valid; expected a relative path inside the repository.`);
            } else {
                path = e.path.replaceAll("{env}", tier);
            }
        }
        const dependsOn = e.dependsOn ?? [];
        if (!Array.isArray(dependsOn) || !dependsOn.every((d) => typeof d === "string")) {
            problem(`${label}.dependsOn ${quote(dependsOn)} is not valid; expected a list of app names.`);
        }
        const image = e.image;
        const semverRange = e.semverRange;
        if (image !== undefined && (typeof image !== "string" || !IMAGE_REPO.test(image))) {
            problem(
                `${label}.image ${quote(image)} is not valid; expected an image repository without tag, e.g. ghcr.io/org/app.`,
            );
        }
        const rangeProblem =
            semverRange === undefined
                ? undefined
                : typeof semverRange !== "string"
                  ? "is not text"
                  : semverRangeProblem(semverRange);
        if (rangeProblem) {
            problem(
                `${label}.semverRange ${quote(semverRange)} is not valid (it ${rangeProblem}); expected a semver range with the versions to follow, such as ">=1.0.0 <2.0.0".`,
            );
        }
        if ((image === undefined) !== (semverRange === undefined)) {
            problem(`${label} sets only one of image and semverRange; expected both (image automation) or neither.`);
        }
        apps.push({
            name,
            namespace: String(namespace),
            path,
            dependsOn: Array.isArray(dependsOn) ? dependsOn.map(String) : [],
            image: typeof image === "string" ? image : undefined,
            semverRange: typeof semverRange === "string" ? semverRange : undefined,
        });
    });
    const names = new Set(apps.map((a) => a.name));
    for (const app of apps) {
        for (const dep of app.dependsOn) {
            if (dep === app.name) problem(`app ${quote(app.name)} depends on itself; expected other app names.`);
            else if (!names.has(dep))
                problem(
                    `app ${quote(app.name)} depends on unknown app ${quote(dep)}; expected one of ${[...names].join(", ")}.`,
                );
        }
    }
    const cycle = findCycle(apps);
    if (cycle) problem(`dependsOn has a cycle (${cycle.join(" -> ")}); expected an order in which apps can reconcile.`);
    return apps;
}

function findCycle(apps: readonly AppConfig[]): string[] | undefined {
    const deps = new Map(apps.map((a) => [a.name, a.dependsOn.filter((d) => d !== a.name)]));
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, trail: string[]): string[] | undefined => {
        if (state.get(name) === "done") return undefined;
        if (state.get(name) === "visiting") return [...trail.slice(trail.indexOf(name)), name];
        state.set(name, "visiting");
        for (const dep of deps.get(name) ?? []) {
            const found = visit(dep, [...trail, name]);
            if (found) return found;
        }
        state.set(name, "done");
        return undefined;
    };
    for (const app of apps) {
        const found = visit(app.name, []);
        if (found) return found;
    }
    return undefined;
}
