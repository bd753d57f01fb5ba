/**
 * The cluster test files in two groups, by what they need built (see .ci/run):
 * - `core`: the control plane and the Flux controllers (scripts/cluster/build.sh and build-flux.sh);
 * - `controllers`: also the release path's controllers or Argo CD (build-release.sh, build-argocd.sh).
 *
 * CI runs `core` while the second group's builds, the longest of a cold run, go on in the background, then the rest.
 * A file is in `controllers` when it names one of those build scripts or uses the Argo CD testbed or the release
 * helpers (tests/cluster/argocd/, tests/cluster/release/); read from its text, so a new file needs no list entry. A
 * file that needs a binary of the second group without saying so fails in `core` with binaryPath's "run ... first",
 * never silently.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export type ClusterTestGroup = "core" | "controllers";

export const CLUSTER_TEST_GROUPS: readonly ClusterTestGroup[] = ["core", "controllers"];

const NEEDS_CONTROLLER_BUILDS =
    /scripts\/cluster\/build-(?:release|argocd)\.sh|from "\.\/(?:argocd|release)\/|from "\.\.\/(?:argocd|release)\//;

/** The group of a cluster test file, from its source text. */
export function clusterTestGroup(source: string): ClusterTestGroup {
    return NEEDS_CONTROLLER_BUILDS.test(source) ? "controllers" : "core";
}

/** The test files of `group` under `dir` (tests/cluster), as paths relative to `root`, sorted. */
export function clusterTestFiles(root: string, group: ClusterTestGroup, dir = "tests/cluster"): string[] {
    return fs
        .readdirSync(path.join(root, dir))
        .filter((f) => f.endsWith(".test.ts"))
        .filter((f) => clusterTestGroup(fs.readFileSync(path.join(root, dir, f), "utf8")) === group)
        .map((f) => `${dir}/${f}`)
        .sort();
}

/** The include globs for GITOPS_STACK_CLUSTER_TESTS (unset: every file). */
export function clusterTestInclude(root: string, selected: string | undefined): string[] {
    if (selected === undefined || selected === "") return ["tests/cluster/**/*.test.ts"];
    if (!(CLUSTER_TEST_GROUPS as readonly string[]).includes(selected)) {
        throw new Error(
            `GITOPS_STACK_CLUSTER_TESTS=${JSON.stringify(selected)}: expected one of ${CLUSTER_TEST_GROUPS.join(", ")}, or unset for every cluster test`,
        );
    }
    return clusterTestFiles(root, selected as ClusterTestGroup);
}
