import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../shared/metadata";
import { ARGOCD_API_VERSION } from "./constants";

export interface DefaultProjectRestrictionArgs {
    /** Namespace Argo CD runs in (the `default` AppProject lives there). */
    namespace: pulumi.Input<string>;
}

/** What the built-in project may do afterwards: nothing (no source, no destination, no cluster-scoped kind). */
export const RESTRICTED_DEFAULT_SPEC = {
    description: "Restricted by gitops-stack: Applications belong to an environment's AppProject.",
    sourceRepos: [] as string[],
    destinations: [] as Record<string, string>[],
    clusterResourceWhitelist: [] as Record<string, string>[],
};

/**
 * Empties Argo CD's built-in `default` AppProject, which Argo CD creates allowing every repository, destination and
 * cluster-scoped kind. Otherwise an Application added through Git under the app-of-apps root could name
 * `project: default` and bypass the environment's project. A server-side-apply patch, not an object of the stack:
 * Argo CD owns the project (it recreates it when missing), the stack owns only these fields, and releases them on
 * destroy.
 */
export class DefaultProjectRestriction extends pulumi.ComponentResource {
    constructor(name: string, args: DefaultProjectRestrictionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:argocd:DefaultProjectRestriction", name, {}, opts);
        new k8s.apiextensions.CustomResourcePatch(
            name,
            {
                apiVersion: ARGOCD_API_VERSION,
                kind: "AppProject",
                metadata: {
                    name: "default",
                    namespace: args.namespace,
                    // argocd-server wrote these fields when it created the project: take them over.
                    annotations: { "pulumi.com/patchForce": "true" },
                },
                spec: RESTRICTED_DEFAULT_SPEC,
            },
            childOptions(this, opts),
        );
        this.registerOutputs({});
    }
}
