import * as k8s from "@pulumi/kubernetes";
import { getVersion } from "@pulumi/kubernetes/utilities";
import * as pulumi from "@pulumi/pulumi";
import type { AccessConfig } from "../config/types";
import { childOptions } from "./metadata";

/**
 * The provider plugin version the typed classes ask for by default. Read once: they read it from the package's
 * package.json through `require` for every object, which at fleet size adds up (issue 11).
 */
const KUBERNETES_PLUGIN_VERSION = getVersion();

/** API resources of one group, as RBAC rules take them. */
export interface ApiResources {
    apiGroup: string;
    resources: string[];
}

export interface GitOpsAccessControlArgs {
    /** Namespace the operator's GitOps objects live in. */
    namespace: pulumi.Input<string>;
    /** Prefix of the Kubernetes names (Role, ClusterRole, bindings), e.g. "gitops-stack-argocd". */
    namePrefix: string;
    /** The operator's GitOps objects (explicit groups and resources: no wildcards). */
    resources: readonly ApiResources[];
    /** Groups that may create, update and delete them. */
    platformGroups: readonly string[];
    /** Groups that may only read them (cluster-wide). */
    readOnlyGroups: readonly string[];
    labels?: Record<string, string>;
}

/** Who reads GitOps objects in the cluster: developers, and deployers (who act through the operator, not kubectl). */
export function readOnlyGroups(access: AccessConfig): string[] {
    return [...new Set([...access.developerGroups, ...access.deployerGroups])];
}

export const WRITE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];
export const READ_VERBS = ["get", "list", "watch"];

/** RBAC subjects for groups of the identity provider. */
export const groupSubjects = (groups: readonly string[]) =>
    groups.map((name) => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name }));

/**
 * A namespaced RoleBinding, registered as `k8s.rbac.v1.RoleBinding` registers it (type
 * `kubernetes:rbac.authorization.k8s.io/v1:RoleBinding`, so the same URN, provider and diff) but without the aliases
 * that class attaches to the rbac v1alpha1 and v1beta1 types: API versions Kubernetes removed in 1.22, under which
 * this program never created anything. The SDK resolves each alias through its own Output chain per object; for the
 * bindings made once per app namespace, that was about 40% of the CPU and 20% of the memory of a 1000-app Flux run
 * (issue 11). For the one-per-environment bindings the typed class stays.
 */
export function namespacedRoleBinding(
    name: string,
    args: {
        metadata: k8s.types.input.meta.v1.ObjectMeta;
        roleRef: pulumi.Input<k8s.types.input.rbac.v1.RoleRef>;
        subjects: pulumi.Input<k8s.types.input.rbac.v1.Subject>[];
    },
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", ...args },
        { version: KUBERNETES_PLUGIN_VERSION, ...opts },
    );
}

/** A Namespace as registered by {@link appNamespace}: no outputs beyond the URN and id. */
class NamespaceObject extends pulumi.CustomResource {
    constructor(name: string, metadata: k8s.types.input.meta.v1.ObjectMeta, opts: pulumi.CustomResourceOptions) {
        // What k8s.core.v1.Namespace sends: its type, its inputs, and its default provider version (the plugin).
        super(
            "kubernetes:core/v1:Namespace",
            name,
            { apiVersion: "v1", kind: "Namespace", metadata },
            pulumi.mergeOptions({ version: KUBERNETES_PLUGIN_VERSION }, opts),
        );
    }
}

/**
 * An app namespace, registered as `k8s.core.v1.Namespace` registers it (the same type, so the same URN, provider and
 * diff, and the same inputs) but without the typed class's `spec` and `status` outputs, which nothing reads: an app
 * namespace is created once per app, and at fleet size each Output per object counts (issue 11). Returns the
 * resource, to depend on.
 */
export function appNamespace(
    name: string,
    metadata: k8s.types.input.meta.v1.ObjectMeta,
    opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
    return new NamespaceObject(name, metadata, opts);
}

/**
 * A read-only ClusterRole named `metadataName` and, when there are groups to bind, its ClusterRoleBinding of the
 * same name: reading is granted cluster-wide (people look at every environment), changing never is.
 */
export function readOnlyClusterRole(
    name: string,
    metadataName: string,
    rules: k8s.types.input.rbac.v1.PolicyRule[],
    groups: readonly string[],
    labels: Record<string, string> | undefined,
    opts: pulumi.CustomResourceOptions,
): k8s.rbac.v1.ClusterRole {
    const role = new k8s.rbac.v1.ClusterRole(name, { metadata: { name: metadataName, labels }, rules }, opts);
    if (groups.length > 0) {
        new k8s.rbac.v1.ClusterRoleBinding(
            name,
            {
                metadata: { name: metadataName, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                subjects: groupSubjects(groups),
            },
            opts,
        );
    }
    return role;
}

/**
 * Kubernetes RBAC for who may change GitOps configuration: a Role in the operator namespace for the platform
 * groups, a read-only ClusterRole for everyone else. A binding exists only when it has groups to bind.
 */
export class GitOpsAccessControl extends pulumi.ComponentResource {
    public readonly roleName: pulumi.Output<string>;
    public readonly readOnlyClusterRoleName: pulumi.Output<string>;

    constructor(name: string, args: GitOpsAccessControlArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:shared:GitOpsAccessControl", name, {}, opts);
        const rules = (verbs: string[]) =>
            args.resources.map((r) => ({ apiGroups: [r.apiGroup], resources: [...r.resources], verbs: [...verbs] }));
        const child = childOptions(this, opts);

        const role = new k8s.rbac.v1.Role(
            `${name}-platform`,
            {
                metadata: { name: `${args.namePrefix}-platform`, namespace: args.namespace, labels: args.labels },
                rules: rules(WRITE_VERBS),
            },
            child,
        );
        if (args.platformGroups.length > 0) {
            new k8s.rbac.v1.RoleBinding(
                `${name}-platform`,
                {
                    metadata: { name: `${args.namePrefix}-platform`, namespace: args.namespace, labels: args.labels },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                    subjects: groupSubjects(args.platformGroups),
                },
                child,
            );
        }

        const readOnly = readOnlyClusterRole(
            `${name}-readonly`,
            `${args.namePrefix}-readonly`,
            rules(READ_VERBS),
            args.readOnlyGroups,
            args.labels,
            child,
        );

        this.roleName = role.metadata.name;
        this.readOnlyClusterRoleName = readOnly.metadata.name;
        this.registerOutputs({ roleName: this.roleName, readOnlyClusterRoleName: this.readOnlyClusterRoleName });
    }
}
