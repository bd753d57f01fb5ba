import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/types";

export interface FluxStackOutputs {
    operator: "flux";
    namespace: pulumi.Output<string>;
    chartVersion: pulumi.Output<string>;
    projects: pulumi.Output<string>[];
    applications: pulumi.Output<string[]>;
}

/** Placeholder until the Flux path lands: selecting Flux fails clearly instead of doing nothing. */
export function deployFlux(config: StackConfig): FluxStackOutputs {
    throw new pulumi.RunError(
        `Stack "${config.stack}": gitops-stack:operator = "flux" is not available yet; expected "argocd".`,
    );
}
