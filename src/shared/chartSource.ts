import type * as k8s from "@pulumi/kubernetes";
import type { ChartRepository } from "../config/types";

export type { ChartRepository };

/** The `chartVersion` stack output of a stack that governs an operator it did not install (operatorInstall=existing). */
export const EXISTING_INSTALL = "existing";

type ReleaseChart = Pick<k8s.helm.v3.ReleaseArgs, "chart" | "version" | "repositoryOpts">;

/**
 * The chart fields of a helm.v3.Release for a chart from `repository`. Helm ignores `version` for a chart
 * directory, so config validation compares the directory's Chart.yaml with the pinned version before anything runs.
 */
export function releaseChart(chart: string, version: string, repository: ChartRepository): ReleaseChart {
    switch (repository.kind) {
        case "https":
            // caFile: the mirror's private CA (chartRepositoryCaFile); Helm verifies the repository's index and the
            // chart download with it (repositoryOpts.caFile, read by the provider on the machine running Pulumi).
            return {
                chart,
                version,
                repositoryOpts: { repo: repository.url, ...(repository.caFile ? { caFile: repository.caFile } : {}) },
            };
        case "oci":
            // Helm addresses an OCI chart by its full reference; a repositoryOpts.repo would be ignored.
            return { chart: `${repository.url.replace(/\/+$/, "")}/${chart}`, version };
        case "local":
            return { chart: repository.url, version };
    }
}

/**
 * An image reference moved to a mirror registry: the original registry host is replaced by `registry` and the
 * path is kept (quay.io/argoproj/argocd -> registry.internal:5000/mirror/argoproj/argocd), the layout registry
 * mirrors (`crane copy`, Harbor replication, `skopeo sync --scoped`) produce. Without a registry: unchanged.
 */
export function mirrorImage(image: string, registry: string | undefined): string {
    if (!registry) return image;
    const [first, ...rest] = image.split("/");
    // A first component with a dot or a port, or localhost, is a registry host (the Docker reference grammar);
    // otherwise the image is on Docker Hub and the whole name is its path.
    const hasHost = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
    const path = hasHost ? rest.join("/") : image;
    return `${registry.replace(/\/+$/, "")}/${path}`;
}
