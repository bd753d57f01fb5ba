import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createInBatches, InitializeArgs, namesOnceCreated, refuseUrn } from "../shared/batches";
import { childOptions, withDependencies } from "../shared/metadata";
import { FLUX_API_VERSIONS } from "./constants";

export interface KustomizationSource {
    /** Kustomization name (Kubernetes name in the Flux namespace). */
    name: string;
    /** Path of the manifests in the repository, relative to its root. */
    path: string;
    /** Namespace every namespaced object of the path is applied to (`spec.targetNamespace`). */
    targetNamespace: string;
    /** Kustomizations (by name, from `apps`) that must be ready before this one is applied. */
    dependsOn: readonly string[];
    /**
     * A remote cluster: the kubeconfig Secret (key `value`) kustomize-controller applies with. With
     * `serviceAccountName` as well, the controller impersonates that ServiceAccount on the remote cluster, so the
     * same tenancy boundary holds there (the remote cluster lets the kubeconfig's identity impersonate it).
     */
    kubeConfigSecret?: string;
    /** Resources this Kustomization alone needs first (and which outlive it on destroy), beside the component's. */
    after?: readonly pulumi.Input<pulumi.Resource>[];
}

export interface EnvironmentKustomizationsArgs {
    /** Namespace Flux runs in; the Kustomizations live there, beside their source. */
    namespace: pulumi.Input<string>;
    /** Name of the GitRepository in the same namespace the manifests come from. */
    sourceName: pulumi.Input<string>;
    /**
     * ServiceAccount (in the same namespace) kustomize-controller impersonates to apply, health-check and prune:
     * the Kustomizations can do exactly what it may (https://fluxcd.io/flux/components/kustomize/kustomizations/#role-based-access-control).
     */
    serviceAccountName: pulumi.Input<string>;
    /** One Kustomization per entry; `dependsOn` may only name other entries. */
    apps: readonly KustomizationSource[];
    /** How often the applied state is compared with Git and drift corrected. */
    interval: string;
    /** How soon a failed reconciliation is retried. @default the interval (Flux's own default) */
    retryInterval?: string;
    /** Time allowed for building, applying and (with `wait`) health-checking. */
    timeout: string;
    /**
     * Wait for every applied object to become ready (kstatus health) before the Kustomization reports Ready, so
     * `dependsOn` waits for healthy dependencies and a failed rollout fails the reconciliation. With `wait`,
     * Flux ignores `spec.healthChecks`, so none are declared.
     */
    wait: boolean;
    /** Delete objects that were removed from Git. @default true */
    prune?: boolean;
    /**
     * Deleting a Kustomization (or the stack) deletes the objects it applied (`deletionPolicy: Delete`). Off: they
     * stay in the cluster (`Orphan`), so a destroy never deletes workloads by surprise.
     */
    cascadeDelete: boolean;
    /** Labels for every object the component creates (the environment's common labels). */
    labels?: Record<string, string>;
    /** Annotations for every Kustomization, e.g. the prod acknowledgement the policy pack reads. */
    annotations?: Record<string, string>;
    /**
     * secretsInGit sops: the Secret (in `namespace`) with the age key kustomize-controller decrypts SOPS-encrypted
     * manifests with (`decryption: {provider: sops, secretRef}`). @default no decryption
     */
    decryptionSecret?: string;
    /** CEL health checks of custom resources (e.g. Argo Rollouts), evaluated when `wait` is on. @default none */
    healthCheckExprs?: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** The `spec` of one Kustomization. Only fields the user owns: `status` belongs to kustomize-controller. */
export function kustomizationSpec(
    args: EnvironmentKustomizationsArgs,
    app: KustomizationSource,
): Record<string, unknown> {
    const spec: Record<string, unknown> = {
        sourceRef: { kind: "GitRepository", name: args.sourceName },
        path: `./${app.path.replace(/^\.?\/+/, "")}`,
        targetNamespace: app.targetNamespace,
        serviceAccountName: args.serviceAccountName,
        ...(app.kubeConfigSecret ? { kubeConfig: { secretRef: { name: app.kubeConfigSecret, key: "value" } } } : {}),
        prune: args.prune ?? true,
        deletionPolicy: args.cascadeDelete ? "Delete" : "Orphan",
        interval: args.interval,
        retryInterval: args.retryInterval ?? args.interval,
        timeout: args.timeout,
        wait: args.wait,
    };
    if (app.dependsOn.length > 0) spec.dependsOn = app.dependsOn.map((name) => ({ name }));
    if (args.decryptionSecret) spec.decryption = { provider: "sops", secretRef: { name: args.decryptionSecret } };
    if (args.healthCheckExprs && args.healthCheckExprs.length > 0)
        spec.healthCheckExprs = args.healthCheckExprs.map((check) => ({ ...check }));
    return spec;
}

const initializeArgs = new InitializeArgs<EnvironmentKustomizationsArgs>();

/**
 * An environment's Flux Kustomizations: one per configured app, each applying that app's path for this environment
 * into the app's namespace, as the environment's ServiceAccount, in dependency order. Created in batches in
 * `initialize` (see createInBatches); whatever depends on the component waits for all of them.
 */
export class EnvironmentKustomizations extends pulumi.ComponentResource<pulumi.Resource[]> {
    /** Kustomization names, in the order of `apps`. */
    public readonly kustomizationNames: pulumi.Output<string[]>;

    constructor(name: string, args: EnvironmentKustomizationsArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything is created (super() starts initialize, which creates the children).
        refuseUrn("EnvironmentKustomizations", name, opts);
        const names = new Set(args.apps.map((a) => a.name));
        for (const app of args.apps) {
            const unknown = app.dependsOn.filter((d) => !names.has(d) || d === app.name);
            if (unknown.length > 0) {
                throw new pulumi.ResourceError(
                    `EnvironmentKustomizations ${name}: ${app.name} depends on ${unknown.join(", ")}; expected other Kustomizations of apps (${[...names].join(", ")}).`,
                    undefined,
                );
            }
            if (app.path.startsWith("/") || app.path.split("/").includes("..")) {
                throw new pulumi.ResourceError(
                    `EnvironmentKustomizations ${name}: ${app.name} has path ${JSON.stringify(app.path)}; expected a path inside the repository.`,
                    undefined,
                );
            }
        }
        initializeArgs.set(args);
        super("gitops-stack:flux:EnvironmentKustomizations", name, {}, opts);

        this.kustomizationNames = namesOnceCreated(
            this.getData(),
            args.apps.map((a) => a.name),
        );
        this.registerOutputs({ kustomizationNames: this.kustomizationNames });
    }

    /** Creates the Kustomizations, in batches. */
    protected async initialize(
        _args: pulumi.Inputs,
        opts?: pulumi.ComponentResourceOptions,
        name?: string,
    ): Promise<pulumi.Resource[]> {
        const args = initializeArgs.take();
        return createInBatches(
            args.apps,
            (app) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${app.name}`,
                    {
                        apiVersion: FLUX_API_VERSIONS.Kustomization,
                        kind: "Kustomization",
                        metadata: {
                            name: app.name,
                            namespace: args.namespace,
                            labels: args.labels,
                            annotations: args.annotations,
                        },
                        spec: kustomizationSpec(args, app),
                    },
                    withDependencies(childOptions(this, opts), app.after),
                ),
        );
    }
}
