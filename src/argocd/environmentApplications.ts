import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createInBatches, InitializeArgs, namesOnceCreated, refuseUrn } from "../shared/batches";
import { childOptions, FIXED_NAME } from "../shared/metadata";
import { ARGOCD_API_VERSION, CASCADE_FINALIZER } from "./constants";
import {
    creationOrder,
    dependencies,
    healthGate,
    repositoryGate,
    REPOSITORY_TIMEOUT_SECONDS,
    REPOSITORY_WARN_AFTER_SECONDS,
    warnWhileWaiting,
} from "./ordering";
import { ROLLOUT_IGNORE_DIFFERENCES } from "../shared/rollouts";

export interface ApplicationSource {
    /** Application name (Kubernetes name in the Argo CD namespace). */
    name: string;
    /** Path of the manifests in the repository. */
    path: string;
    /** Namespace the manifests deploy into. */
    namespace: string;
    /** API server of the target cluster (several clusters per environment). @default destinationServer */
    server?: string;
    /**
     * Applications (names in `apps`) created before this one; with autoSync, each of them must first report Healthy
     * and Synced (see ./ordering).
     */
    dependsOn?: readonly string[];
}

export interface EnvironmentApplicationsArgs {
    /** Namespace Argo CD runs in (Applications live there). */
    namespace: string;
    /** AppProject of the per-app Applications (never `default`). */
    project: string;
    /** AppProject of the app-of-apps root: it may only create Applications in the Argo CD namespace. */
    rootProject: string;
    repoUrl: string;
    /** Branch, tag or commit every Application tracks. */
    targetRevision: string;
    /** Destination API server. */
    destinationServer: string;
    /** The app-of-apps root: Application manifests added through Git for this environment. */
    root: { name: string; path: string };
    apps: readonly ApplicationSource[];
    /** Automated sync with prune and selfHeal; false: every sync is a person's decision (manual). */
    autoSync: boolean;
    /**
     * The resources finalizer: deleting an Application (or the stack) deletes its workloads. Off: the workloads
     * stay in the cluster, orphaned, when the Application goes (argo-cd #7860: surprise deletes).
     */
    cascadeDelete: boolean;
    /** Sync retries with exponential backoff. */
    retryLimit: number;
    /** @default 10 (Argo CD's own default, made explicit) */
    revisionHistoryLimit?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    /**
     * Make `pulumi up` wait for a dependency to be Healthy and Synced before creating its dependents. Only where
     * Argo CD syncs by itself, at any time. @default autoSync
     */
    waitForDependencies?: boolean;
    /** How long `pulumi up` waits for a dependency to become Healthy. @default 900 */
    healthTimeoutSeconds?: number;
    /**
     * The repository gate (see ./ordering): the root waits until Argo CD has read the repository, every other
     * Application waits for the root, and `hint` (what to check: the deploy key, the path) is printed as a warning on
     * the root when the wait lasts longer than `warnAfterSeconds`.
     */
    repositoryWait: {
        hint: string;
        /** @default 300 */
        timeoutSeconds?: number;
        /** @default 60 */
        warnAfterSeconds?: number;
    };
}

/** Options every Application syncs with (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/). */
export const SYNC_OPTIONS = [
    "CreateNamespace=true",
    "PruneLast=true",
    // Server-side apply: large objects (CRDs such as ApplicationSet's) exceed the client-side annotation limit.
    "ServerSideApply=true",
    // Keep the ignored replicas out of the applied patch too, so a sync does not undo the HPA's scaling.
    "RespectIgnoreDifferences=true",
];

/**
 * Replicas that a HorizontalPodAutoscaler scales: the HPA controller runs in kube-controller-manager, so ignoring
 * that manager's fields ignores exactly the HPA-managed /spec/replicas, and a replicas change made in Git (an app
 * without HPA) still syncs. A plain jsonPointers /spec/replicas would ignore those too
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/#ignoring-fields-which-are-not-managed-by-argo-cd).
 */
export const HPA_IGNORE_DIFFERENCES = [
    ...["Deployment", "StatefulSet"].map((kind) => ({
        group: "apps",
        kind,
        managedFieldsManagers: ["kube-controller-manager"],
    })),
    // Argo Rollouts (issue 12): an HPA scales a Rollout's replicas the same way.
    ...ROLLOUT_IGNORE_DIFFERENCES,
];

/** The `spec` of one Application. Only fields the user owns: `operation` and `status` belong to Argo CD. */
export function applicationSpec(
    args: Pick<
        EnvironmentApplicationsArgs,
        "repoUrl" | "targetRevision" | "destinationServer" | "autoSync" | "retryLimit" | "revisionHistoryLimit"
    >,
    project: string,
    source: { path: string; namespace: string; server?: string },
): Record<string, unknown> {
    const syncPolicy: Record<string, unknown> = {
        syncOptions: [...SYNC_OPTIONS],
        retry: {
            limit: args.retryLimit,
            // factor 2 is Argo CD's default (DefaultSyncRetryFactor): 10s, 20s, 40s, ... up to 5m.
            backoff: { duration: "10s", maxDuration: "5m" },
        },
    };
    // allowEmpty is left out: false is Argo CD's default (every field of an Application is stored three or four times
    // in the Pulumi state: inputs, outputs, outputs.__inputs, managedFields; issue 25 §10).
    if (args.autoSync) syncPolicy.automated = { prune: true, selfHeal: true };
    return {
        project,
        source: { repoURL: args.repoUrl, targetRevision: args.targetRevision, path: source.path },
        destination: { server: source.server ?? args.destinationServer, namespace: source.namespace },
        syncPolicy,
        ignoreDifferences: HPA_IGNORE_DIFFERENCES.map((d) => ({ ...d })),
        revisionHistoryLimit: args.revisionHistoryLimit ?? 10,
    };
}

const initializeArgs = new InitializeArgs<{
    args: EnvironmentApplicationsArgs;
    order: readonly ApplicationSource[];
}>();

/**
 * An environment's Argo CD Applications: one per configured app, each at that app's path for this environment,
 * plus an app-of-apps root for Applications that teams add through Git. Created in batches in `initialize` (see
 * createInBatches): whatever depends on the component waits for all of them.
 */
export class EnvironmentApplications extends pulumi.ComponentResource<pulumi.Resource[]> {
    /** Application names, root first. */
    public readonly applicationNames: pulumi.Output<string[]>;

    constructor(name: string, args: EnvironmentApplicationsArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything is created (super() starts initialize, which creates the children).
        refuseUrn("EnvironmentApplications", name, opts);
        for (const project of [args.project, args.rootProject]) {
            if (project === "default") {
                throw new pulumi.ResourceError(
                    `EnvironmentApplications: project "default" is not allowed; pass the environment's AppProject.`,
                    undefined,
                );
            }
        }
        // Dependencies first (creationOrder refuses a cycle or an unknown dependency, so before anything exists).
        initializeArgs.set({ args, order: creationOrder(args.apps) });
        super("gitops-stack:argocd:EnvironmentApplications", name, {}, opts);

        // Root first, then in the configured order (whatever the creation order).
        this.applicationNames = namesOnceCreated(this.getData(), [args.root.name, ...args.apps.map((app) => app.name)]);
        this.registerOutputs({ applicationNames: this.applicationNames });
    }

    /** Creates the root, then the Applications in dependency order, in batches. */
    protected async initialize(
        _args: pulumi.Inputs,
        opts?: pulumi.ComponentResourceOptions,
        name?: string,
    ): Promise<pulumi.Resource[]> {
        const { args, order } = initializeArgs.take();
        const metadata = (appName: string, annotations?: Record<string, string>) => ({
            name: appName,
            namespace: args.namespace,
            labels: args.labels,
            annotations: annotations && Object.keys(annotations).length > 0 ? annotations : args.annotations,
            ...(args.cascadeDelete ? { finalizers: [CASCADE_FINALIZER] } : {}),
        });
        const create = (
            resourceName: string,
            appName: string,
            spec: Record<string, unknown>,
            annotations: Record<string, string> | undefined,
            options: pulumi.CustomResourceOptions,
        ) =>
            new k8s.apiextensions.CustomResource(
                resourceName,
                { apiVersion: ARGOCD_API_VERSION, kind: "Application", metadata: metadata(appName, annotations), spec },
                options,
            );

        const wait = args.repositoryWait;
        const root = create(
            `${name}-root`,
            args.root.name,
            applicationSpec(args, args.rootProject, { path: args.root.path, namespace: args.namespace }),
            { ...args.annotations, ...repositoryGate(wait.timeoutSeconds ?? REPOSITORY_TIMEOUT_SECONDS) },
            childOptions(this, opts),
        );
        warnWhileWaiting(root, wait.warnAfterSeconds ?? REPOSITORY_WARN_AFTER_SECONDS, wait.hint);
        // Dependencies first: a dependent Application is registered with dependsOn on its dependencies' resources,
        // and a dependency carries the health gate (autoSync tiers), so Pulumi creates the dependent only once Argo CD
        // reports the dependency Healthy and Synced.
        const needed = dependencies(args.apps);
        const gate = healthGate(args.waitForDependencies ?? args.autoSync, args.healthTimeoutSeconds);
        const created = new Map<string, k8s.apiextensions.CustomResource>();
        await createInBatches(order, (app) =>
            created.set(
                app.name,
                create(
                    `${name}-${app.name}`,
                    app.name,
                    applicationSpec(args, args.project, app),
                    needed.has(app.name) ? { ...args.annotations, ...gate } : undefined,
                    // After the root: nothing waits on Argo CD before it has read the repository. The root carries the
                    // component's dependencies (install, projects, credentials, clusters), so every Application is
                    // created after and deleted before them through it: one URN in each Application's state entry
                    // instead of six or more (issue 25 §10), the same order on create and destroy.
                    {
                        parent: this,
                        ...FIXED_NAME,
                        dependsOn: [root, ...(app.dependsOn ?? []).map((d) => created.get(d)!)],
                    },
                ),
            ),
        );
        return [root, ...created.values()];
    }
}
