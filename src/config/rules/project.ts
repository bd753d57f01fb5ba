import type { TierDefaults } from "../tiers";
import type { GroupKind } from "../types";
import { patternWidth } from "../guards";
import { quote, type ConfigInput } from "./context";
import { httpsUrl, repoUrlProblem } from "./repository";

/**
 * Argo CD matches sourceRepos and destinations as globs: a pattern that can match more than one repository or cluster
 * is refused in prod and accepted with a warning elsewhere. Returns whether the value is such a pattern.
 */
function wide(
    input: ConfigInput,
    name: "extraSourceRepos" | "destinationServer",
    value: string,
    kind: "repo" | "cluster",
    isProd: boolean,
): boolean {
    const reason = patternWidth(value, kind);
    if (reason === undefined) return false;
    if (isProd) input.problem(name, `${reason} Wide patterns are not allowed in prod.`);
    else input.warn(name, `${reason} Accepted outside prod; prod refuses it.`);
    return true;
}

const GROUP_KIND = /^([a-z0-9.-]*)\/([A-Z][A-Za-z0-9]*)$/;

export interface ProjectPart {
    readonly destinationServer: string;
    readonly extraSourceRepos: string[];
    readonly clusterResources: GroupKind[];
}

/** What the environment's AppProject lets Applications use: the cluster, source repositories, cluster kinds. */
export function validateProjectScope(input: ConfigInput, isProd: boolean, defaults: TierDefaults): ProjectPart {
    const destinationServer = input.str("destinationServer");
    if (!wide(input, "destinationServer", destinationServer, "cluster", isProd))
        httpsUrl(input, "destinationServer", destinationServer, "the https:// URL of a Kubernetes API server");
    const extraSourceRepos = input.list("extraSourceRepos");
    for (const repo of extraSourceRepos) {
        if (repo === "" || /\s/.test(repo))
            input.problem("extraSourceRepos", `${quote(repo)} is not valid; expected a repository URL.`);
        else if (wide(input, "extraSourceRepos", repo, "repo", isProd)) continue;
        else if (repoUrlProblem(repo) || /(^|\/)\.\.?(\/|$)/.test(repo))
            input.problem(
                "extraSourceRepos",
                `${quote(repo.slice(0, 80))} is not valid; expected one exact repository URL (it ${repoUrlProblem(repo) ?? 'has a "." or ".." path segment'}).`,
            );
    }
    const clusterResources: GroupKind[] = [...defaults.clusterResources];
    for (const entry of input.list("extraClusterResources")) {
        const m = GROUP_KIND.exec(entry);
        if (!m)
            input.problem(
                "extraClusterResources",
                `${quote(entry)} is not valid; expected group/Kind, e.g. rbac.authorization.k8s.io/ClusterRole or /Namespace.`,
            );
        else if (!clusterResources.some((gk) => gk.group === m[1] && gk.kind === m[2]))
            clusterResources.push({ group: m[1], kind: m[2] });
    }
    return { destinationServer, extraSourceRepos, clusterResources };
}
