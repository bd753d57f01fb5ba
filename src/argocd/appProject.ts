import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GroupKind, SyncWindowConfig } from "../config/types";
import { childOptions } from "../shared/metadata";
import { ARGOCD_API_VERSION } from "./constants";

export interface ProjectRole {
    name: string;
    description: string;
    /** Casbin lines `p, proj:<project>:<role>, <resource>, <action>, <project>/<object>, allow`. */
    policies: string[];
    /** SSO groups bound to the role. */
    groups: string[];
}

export interface AppProjectArgs {
    /** Namespace Argo CD runs in (AppProjects live there). */
    namespace: pulumi.Input<string>;
    /** Kubernetes name of the AppProject, which Applications reference in `spec.project`. */
    projectName: string;
    description: string;
    /** Repositories the project may deploy from; the caller never passes `*` in prod. */
    sourceRepos: readonly string[];
    /** API server every destination uses (in-cluster: https://kubernetes.default.svc). */
    destinationServer: string;
    /** Several target clusters (issue 11): a destination per server and namespace. @default [destinationServer] */
    destinationServers?: readonly string[];
    /** Namespaces applications of this project may deploy into (explicit: no wildcard). */
    destinationNamespaces: readonly string[];
    /** Cluster-scoped kinds the project may deploy; an empty list allows none. */
    clusterResourceWhitelist: readonly GroupKind[];
    /** Namespaced kinds allowed; absent: all but the blacklist. */
    namespaceResourceWhitelist?: readonly GroupKind[];
    /**
     * Namespaced kinds never deployed by this project.
     * @default ResourceQuota and LimitRange: the platform, not the app teams, sets quotas.
     */
    namespaceResourceBlacklist?: readonly GroupKind[];
    roles?: readonly ProjectRole[];
    /**
     * Automated syncs only inside this window; manual syncs stay allowed at any time (an `allow` window with
     * `manualSync: true`: outside every allow window, Argo CD blocks automated syncs and lets manual ones through).
     */
    syncWindow?: SyncWindowConfig;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export const QUOTA_KINDS: readonly GroupKind[] = [
    { group: "", kind: "ResourceQuota" },
    { group: "", kind: "LimitRange" },
];

/** The `spec` of an AppProject (exported for the render and the schema tests). */
export function appProjectSpec(args: AppProjectArgs): Record<string, unknown> {
    const namespaces = [...new Set(args.destinationNamespaces)];
    if (args.sourceRepos.length === 0 || namespaces.length === 0) {
        throw new Error(`AppProject ${args.projectName}: sourceRepos and destinationNamespaces must not be empty.`);
    }
    const spec: Record<string, unknown> = {
        description: args.description,
        sourceRepos: [...args.sourceRepos],
        destinations: (args.destinationServers ?? [args.destinationServer]).flatMap((server) =>
            namespaces.map((namespace) => ({ server, namespace })),
        ),
        clusterResourceWhitelist: args.clusterResourceWhitelist.map((gk) => ({ ...gk })),
        namespaceResourceBlacklist: (args.namespaceResourceBlacklist ?? QUOTA_KINDS).map((gk) => ({ ...gk })),
        orphanedResources: { warn: true },
    };
    if (args.namespaceResourceWhitelist) {
        spec.namespaceResourceWhitelist = args.namespaceResourceWhitelist.map((gk) => ({ ...gk }));
    }
    if (args.roles && args.roles.length > 0) spec.roles = args.roles.map((r) => ({ ...r }));
    if (args.syncWindow) {
        spec.syncWindows = [
            {
                kind: "allow",
                schedule: args.syncWindow.schedule,
                duration: args.syncWindow.duration,
                timeZone: args.syncWindow.timeZone,
                applications: ["*"],
                manualSync: true,
            },
        ];
    }
    return spec;
}

/** An Argo CD AppProject: what an environment's applications may deploy, from where, to where, and who may sync. */
export class AppProject extends pulumi.ComponentResource {
    public readonly projectName: pulumi.Output<string>;

    constructor(name: string, args: AppProjectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:argocd:AppProject", name, {}, opts);
        const project = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: ARGOCD_API_VERSION,
                kind: "AppProject",
                metadata: {
                    name: args.projectName,
                    namespace: args.namespace,
                    labels: args.labels,
                    annotations: args.annotations,
                },
                spec: appProjectSpec(args),
            },
            childOptions(this, opts),
        );
        this.projectName = project.metadata.name;
        this.registerOutputs({ projectName: this.projectName });
    }
}
