import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appNamespace, namespacedRoleBinding } from "../shared/accessControl";
import {
    createInBatches,
    deferred,
    InitializeArgs,
    namesOnceCreated,
    refuseUrn,
    type Deferred,
} from "../shared/batches";
import { childOptions, withDependencies } from "../shared/metadata";

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

/** What `initialize` gets: the arguments, normalized, and where each namespace's objects are announced. */
interface TenancyInit extends EnvironmentTenancyArgs {
    namespaces: string[];
    clusterRole: string;
    slots: Map<string, Deferred<pulumi.Resource[]>>;
}
const initializeArgs = new InitializeArgs<TenancyInit>();

/**
 * What an environment may touch when Flux applies its manifests: its namespaces, and a ServiceAccount with `admin`
 * in each of them and nothing else. Flux impersonates the account, so a manifest in Git cannot reach beyond.
 *
 * The namespaces and their RoleBindings are created in batches in `initialize` (see createInBatches): a fleet has
 * thousands. Whatever depends on the component waits for all of them; `resourcesFor` gives one namespace's.
 */
export class EnvironmentTenancy extends pulumi.ComponentResource<pulumi.Resource[]> {
    public readonly serviceAccountName: pulumi.Output<string>;
    public readonly namespaceNames: pulumi.Output<string[]>;
    /**
     * What a Kustomization applying into `namespace` needs to exist (and to outlive it on destroy): the
     * ServiceAccount, that namespace and its RoleBinding. Depending on these, not on the whole component, keeps each
     * Kustomization's dependencies constant: a dependency on a component is one on all its children, which made N
     * Kustomizations carry N x 2N dependencies at fleet size (issue 11). Promises, settled when that namespace's
     * batch is created.
     */
    public readonly resourcesFor: (namespace: string) => pulumi.Input<pulumi.Resource>[];

    constructor(name: string, args: EnvironmentTenancyArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything is created (super() starts initialize, which creates the children).
        refuseUrn("EnvironmentTenancy", name, opts);
        const namespaces = [...new Set(args.namespaces)];
        if (namespaces.length === 0) {
            throw new pulumi.ResourceError(
                `EnvironmentTenancy ${name}: namespaces is empty; expected the namespaces the environment deploys into.`,
                undefined,
            );
        }
        const slots = new Map(namespaces.map((ns) => [ns, deferred<pulumi.Resource[]>()]));
        initializeArgs.set({ ...args, namespaces, clusterRole: args.clusterRole ?? "admin", slots });
        super("gitops-stack:flux:EnvironmentTenancy", name, {}, opts);

        const children = this.getData();
        const account = children.then((c) => c[0]);
        this.resourcesFor = (namespace) => {
            const slot = slots.get(namespace);
            return slot ? [0, 1, 2].map((i) => slot.promise.then((r) => r[i])) : [account];
        };
        this.serviceAccountName = pulumi.output(account.then((a) => a.urn)).apply(() => args.serviceAccountName);
        this.namespaceNames = namesOnceCreated(children, namespaces);
        this.registerOutputs({ serviceAccountName: this.serviceAccountName, namespaceNames: this.namespaceNames });
    }

    /** Creates the ServiceAccount, then per namespace the Namespace and its RoleBinding, in batches. */
    protected async initialize(
        _args: pulumi.Inputs,
        opts?: pulumi.ComponentResourceOptions,
        name?: string,
    ): Promise<pulumi.Resource[]> {
        const args = initializeArgs.take();
        try {
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
            const created = await createInBatches(args.namespaces, (namespace) => {
                const ns = appNamespace(
                    `${name}-${namespace}`,
                    {
                        name: namespace,
                        labels: { ...args.labels, "toolkit.fluxcd.io/tenant": args.serviceAccountName },
                    },
                    { ...child, retainOnDelete: args.retainNamespaces },
                );
                // Plain names with explicit dependencies rather than the Namespace's and ServiceAccount's Outputs:
                // the same values and ordering, without the per-Output awaits that add up at fleet size (issue 11).
                const binding = namespacedRoleBinding(
                    `${name}-${namespace}-${args.clusterRole}`,
                    {
                        metadata: {
                            name: `${args.serviceAccountName}-${args.clusterRole}`,
                            namespace,
                            labels: args.labels,
                        },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: args.clusterRole },
                        subjects: [
                            { kind: "ServiceAccount", name: args.serviceAccountName, namespace: args.fluxNamespace },
                        ],
                    },
                    withDependencies(child, [ns, account]),
                );
                args.slots.get(namespace)!.resolve([account, ns, binding]);
                return [ns, binding];
            });
            return [account, ...created.flat()];
        } catch (err) {
            // Nothing may wait forever on a namespace that will never be created.
            for (const slot of args.slots.values()) slot.reject(err);
            throw err;
        }
    }
}
