import type * as pulumi from "@pulumi/pulumi";
import { deployArgoCd } from "./argocd";
import { loadConfig } from "./config";
import type { StackConfig } from "./config/types";
import { deployFlux } from "./flux";

/** What `pulumi stack output` shows. */
export interface StackOutputs {
    environment: string;
    operator: string;
    namespace: pulumi.Output<string>;
    chartVersion: pulumi.Output<string>;
    repoUrl: string;
    targetRevision: string;
    /** Argo CD AppProjects (empty for Flux). */
    projects: pulumi.Output<string>[];
    /** Argo CD Applications or Flux Kustomizations. */
    applications: pulumi.Output<string[]>;
}

/** Composes the stack for a validated configuration: the operator chosen in config does the GitOps. */
export function deploy(config: StackConfig): StackOutputs {
    const result = config.operator === "argocd" ? deployArgoCd(config) : deployFlux(config);
    return {
        environment: config.tier,
        operator: config.operator,
        namespace: result.namespace,
        chartVersion: result.chartVersion,
        repoUrl: config.repo.url,
        targetRevision: config.operator === "argocd" ? config.repo.revision : Object.values(config.repo.fluxRef)[0],
        projects: result.projects,
        applications: result.applications,
    };
}

/** The program: read and validate all configuration first (nothing is registered if it is wrong), then deploy. */
export function main(): StackOutputs {
    return deploy(loadConfig());
}
