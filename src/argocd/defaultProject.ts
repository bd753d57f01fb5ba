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
 * argocd-server creates the project at startup when it is missing (never resets it), the stack owns only these fields.
 *
 * Retained on delete: giving the fields up would leave the project without a `spec`, which the CRD requires, so the
 * delete would fail; and it would not restore Argo CD's defaults anyway. Destroying the stack or turning the switch
 * off leaves the project empty (docs/explanation/architecture.md shows how to reopen it).
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
            { ...childOptions(this, opts), retainOnDelete: true },
        );
        this.registerOutputs({});
    }
}
