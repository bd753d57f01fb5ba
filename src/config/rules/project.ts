import type { TierDefaults } from "../tiers";
import type { GroupKind } from "../types";
import { patternWidth } from "../guards";
import { quote, type ConfigInput } from "./context";
import { httpsUrl, repoUrlOrProblem } from "./repository";
import { IN_CLUSTER_SERVER, isInClusterServer } from "./urls";

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
    let destinationServer = input.str("destinationServer");
    if (!wide(input, "destinationServer", destinationServer, "cluster", isProd)) {
        httpsUrl(input, "destinationServer", destinationServer, "the https:// URL of a Kubernetes API server");
        // Argo CD knows its own cluster by this one name only: an alias (kubernetes.default.svc.cluster.local,
        // upper case, a trailing dot, :443) would name a cluster it has no Secret for.
        if (isInClusterServer(destinationServer)) destinationServer = IN_CLUSTER_SERVER;
    }
    const extraSourceRepos: string[] = [];
    const identities = new Set<string>();
    for (const repo of input.list("extraSourceRepos")) {
        if (repo === "") {
            input.problem("extraSourceRepos", `${quote(repo)} is not valid; expected a repository URL.`);
            continue;
        }
        if (!wide(input, "extraSourceRepos", repo, "repo", isProd)) {
            // A value this check cannot read is an error, never a pass (issue 19 §2: file:///etc, http://...).
            const parsed = repoUrlOrProblem(repo);
            if (typeof parsed === "string") {
                input.problem(
                    "extraSourceRepos",
                    `${quote(repo.length > 80 ? `${repo.slice(0, 60)}...` : repo)} is not valid; expected one exact repository URL: git@host:org/repo.git, ssh://git@host[:port]/org/repo.git or https://host[:port]/org/repo.git (it ${parsed}).`,
                );
                continue;
            }
            // Argo CD compares repositories normalised (case, .git, the scp form): the same one twice adds nothing.
            if (identities.has(parsed.identity)) continue;
            identities.add(parsed.identity);
        }
        extraSourceRepos.push(repo);
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
