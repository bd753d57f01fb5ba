import { isSystemNamespace } from "../guards";
import { APPS_MODES, type AppsMode, type Operator, type Tier } from "../types";
import { DNS_LABEL } from "./apps";
import { quote, type ConfigInput } from "./context";

export interface AppsModePart {
    readonly appsMode: AppsMode;
    readonly appPathTemplate: string;
    readonly applicationSetNamespaces: string[];
}

/** Characters the git directory generator reads as a glob: a template segment must not contain them. */
const GLOB_CHARS = /[*?[\]{}\\]/;

/**
 * Whether an app layout can be read by an ApplicationSet's git directory generator: `{app}` is one whole path
 * segment (the generator globs whole segments, and the app's name is read back from that segment), appears once,
 * and no other segment holds glob characters. Returns the reason it cannot, or undefined.
 */
export function appPathTemplateProblem(template: string): string | undefined {
    // Argo CD's git directory generator matches its path pattern with Go's path.Match against the repository's
    // paths, which are clean (apps/x/overlays/dev): a pattern with ./, //, a . or .. segment or a trailing / matches
    // no directory, and the ApplicationSet silently generates nothing (issue 19 §4).
    if (template.startsWith("/")) return "starts with /, and repository paths never do, so it matches no directory";
    if (template.endsWith("/")) return "ends with /, and repository paths never do, so it matches no directory";
    const segments = template.split("/");
    const unclean = segments.find((s) => s === "" || s === "." || s === "..");
    if (unclean !== undefined)
        return `has ${unclean === "" ? "an empty segment (//)" : `a ${quote(unclean)} segment`}: Argo CD matches the path with Go's path.Match against clean repository paths, so it matches no directory`;
    const appSegments = segments.filter((s) => s.includes("{app}"));
    if (appSegments.length !== 1 || appSegments[0] !== "{app}") {
        return "does not have {app} as exactly one whole path segment (the ApplicationSet finds apps by globbing one folder level and names them after it)";
    }
    const other = segments.find((s) => s !== "{app}" && GLOB_CHARS.test(s.replaceAll("{env}", "")));
    return other === undefined ? undefined : `has glob characters in the segment ${quote(other)}`;
}

/**
 * appsMode and applicationSetNamespaces. ApplicationSet mode is Argo CD's (Flux has no ApplicationSet: the key is
 * then ignored with the other operator's keys). The AppProject admits apps found in Git through explicit namespaces
 * (`applicationSetNamespaces`), and outside prod also through the pattern `*-<env>`; prod never gets a pattern.
 */
export function validateAppsMode(input: ConfigInput, tier: Tier, operator: Operator): AppsModePart {
    const appsMode = input.oneOf("appsMode", APPS_MODES);
    const applicationSetNamespaces = input.list("applicationSetNamespaces");
    const template = input.str("appPathTemplate");
    if (operator === "argocd" && appsMode === "applicationset") {
        if (tier !== "prod") {
            input.warn(
                "appsMode",
                `"applicationset": the AppProject admits the namespace pattern "*-${tier}" for apps found in Git (Argo CD matches destinations as globs, so any namespace ending in -${tier}); prod gets no pattern and admits only applicationSetNamespaces.`,
            );
        }
        const problem = appPathTemplateProblem(template);
        if (problem) {
            input.problem(
                "appPathTemplate",
                `${quote(template)} ${problem}; expected a layout such as apps/{app}/overlays/{env} with appsMode applicationset.`,
            );
        }
    } else if (operator === "argocd" && applicationSetNamespaces.length > 0) {
        input.problem(
            "applicationSetNamespaces",
            `is set, but appsMode is ${quote(appsMode)}; expected appsMode applicationset, or no applicationSetNamespaces.`,
        );
    }
    const reserved = [input.str("argocdNamespace"), input.str("fluxNamespace")];
    for (const ns of applicationSetNamespaces) {
        if (!DNS_LABEL.test(ns) || ns.length > 63) {
            input.problem(
                "applicationSetNamespaces",
                `${quote(ns)} is not valid; expected a namespace name (lowercase letters, digits, '-'), e.g. shop-${tier}.`,
            );
        } else if (isSystemNamespace(ns) || reserved.includes(ns)) {
            input.problem(
                "applicationSetNamespaces",
                `${quote(ns)} is a system or operator namespace; expected an application namespace of its own.`,
            );
        }
    }
    return { appsMode, appPathTemplate: template, applicationSetNamespaces };
}

/**
 * ApplicationSet mode in prod admits no namespace pattern: without declared apps or applicationSetNamespaces the
 * AppProject would admit nothing, and every app found in Git would fail to sync.
 */
export function validateApplicationSetScope(
    input: ConfigInput,
    tier: Tier,
    operator: Operator,
    part: AppsModePart,
    declaredApps: number,
): void {
    if (operator !== "argocd" || part.appsMode !== "applicationset" || tier !== "prod") return;
    if (declaredApps === 0 && part.applicationSetNamespaces.length === 0) {
        input.problem(
            "applicationSetNamespaces",
            `is empty and apps declares none, so prod's AppProject would admit no namespace (prod gets no *-prod pattern); expected the namespaces of the apps found in Git, e.g. [shop-prod].`,
        );
    }
}
