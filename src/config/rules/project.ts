import type { TierDefaults } from "../tiers";
import type { GroupKind } from "../types";
import { quote, type ConfigInput } from "./context";

const GROUP_KIND = /^([a-z0-9.-]*)\/([A-Z][A-Za-z0-9]*)$/;

export interface ProjectPart {
    readonly destinationServer: string;
    readonly extraSourceRepos: string[];
    readonly clusterResources: GroupKind[];
}

/** What the environment's AppProject lets Applications use: the cluster, source repositories, cluster kinds. */
export function validateProjectScope(input: ConfigInput, isProd: boolean, defaults: TierDefaults): ProjectPart {
    const destinationServer = input.pattern(
        "destinationServer",
        /^https:\/\/\S+$/,
        "the https:// URL of a Kubernetes API server",
    );
    const extraSourceRepos = input.list("extraSourceRepos");
    for (const repo of extraSourceRepos) {
        if (repo === "*" && isProd)
            input.problem("extraSourceRepos", `"*" is not allowed in prod; expected explicit repository URLs.`);
        else if (repo === "" || /\s/.test(repo))
            input.problem("extraSourceRepos", `${quote(repo)} is not valid; expected a repository URL.`);
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
