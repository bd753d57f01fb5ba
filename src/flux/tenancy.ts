import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespacedRoleBinding } from "../shared/accessControl";
import { childOptions } from "../shared/metadata";

export interface EnvironmentTenancyArgs {
    /** Namespace Flux runs in; the environment's ServiceAccount lives there, beside the Kustomizations using it. */
    fluxNamespace: pulumi.Input<string>;
    /** Name of the ServiceAccount the environment's Kustomizations impersonate (`spec.serviceAccountName`). */
    serviceAccountName: string;
    /**
     * The namespaces the environment deploys into. The program creates them: the impersonated account has no
     * cluster-scoped rights, so it could not create them itself.
     */
    namespaces: readonly string[];
    /**
     * ClusterRole bound, per namespace, to the ServiceAccount. A RoleBinding keeps it namespaced: no cluster-scoped
     * objects, nothing outside these namespaces.
     * @default "admin", the built-in role (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles)
     */
    clusterRole?: string;
    /**
     * Leave the namespaces, and whatever runs in them, in the cluster when the stack is destroyed (prod: a destroy
     * must not delete workloads by surprise).
     */
    retainNamespaces: boolean;
    /** Labels for every object the component creates (the environment's common labels). */
    labels?: Record<string, string>;
}

/**
 * What an environment may touch when Flux applies its manifests: its namespaces, and a ServiceAccount with `admin`
 * in each of them and nothing else. Flux impersonates the account, so a manifest in Git cannot reach beyond.
 */
export class EnvironmentTenancy extends pulumi.ComponentResource {
    public readonly serviceAccountName: pulumi.Output<string>;
    public readonly namespaceNames: pulumi.Output<string[]>;
    /**
     * What a Kustomization applying into `namespace` needs to exist (and to outlive it on destroy): the
     * ServiceAccount, that namespace and its RoleBinding. Depending on these, not on the whole component, keeps each
     * Kustomization's dependencies constant: a dependency on a component is one on all its children, which made N
     * Kustomizations carry N x 2N dependencies at fleet size (issue 11).
     */
    public readonly resourcesFor: (namespace: string) => pulumi.Resource[];

    constructor(name: string, args: EnvironmentTenancyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:EnvironmentTenancy", name, {}, opts);
        const namespaces = [...new Set(args.namespaces)];
        if (namespaces.length === 0) {
            throw new pulumi.ResourceError(
                `EnvironmentTenancy ${name}: namespaces is empty; expected the namespaces the environment deploys into.`,
                this,
            );
        }
        const clusterRole = args.clusterRole ?? "admin";
        const child = childOptions(this, opts);

        const account = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: { name: args.serviceAccountName, namespace: args.fluxNamespace, labels: args.labels },
                // Only impersonated by kustomize-controller; no pod runs as it, so it needs no token.
                automountServiceAccountToken: false,
            },
            child,
        );

        const perNamespace = new Map<string, pulumi.Resource[]>();
        const created = namespaces.map((namespace) => {
            const ns = new k8s.core.v1.Namespace(
                `${name}-${namespace}`,
                {
                    metadata: {
                        name: namespace,
                        labels: { ...args.labels, "toolkit.fluxcd.io/tenant": args.serviceAccountName },
                    },
                },
                { ...child, retainOnDelete: args.retainNamespaces },
            );
            // Plain names with explicit dependencies rather than the Namespace's and ServiceAccount's Outputs: the same
            // values and ordering, without the per-Output awaits that add up at fleet size (issue 11).
            const binding = namespacedRoleBinding(
                `${name}-${namespace}-${clusterRole}`,
                {
                    metadata: {
                        name: `${args.serviceAccountName}-${clusterRole}`,
                        namespace,
                        labels: args.labels,
                    },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
                    subjects: [
                        { kind: "ServiceAccount", name: args.serviceAccountName, namespace: args.fluxNamespace },
                    ],
                },
                { ...child, dependsOn: [...dependencyList(child.dependsOn), ns, account] },
            );
            perNamespace.set(namespace, [account, ns, binding]);
            return ns;
        });

        this.resourcesFor = (namespace) => perNamespace.get(namespace) ?? [account];
        this.serviceAccountName = account.metadata.name;
        // The names given (never generated), once every namespace exists; see EnvironmentKustomizations.
        this.namespaceNames = pulumi.all(created.map((ns) => ns.urn)).apply(() => namespaces);
        this.registerOutputs({ serviceAccountName: this.serviceAccountName, namespaceNames: this.namespaceNames });
    }
}

/** A resource option's dependsOn as a list (it may be one resource or a list). */
function dependencyList(dependsOn: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
    if (dependsOn === undefined) return [];
    return Array.isArray(dependsOn) ? [...dependsOn] : [dependsOn as pulumi.Input<pulumi.Resource>];
}
