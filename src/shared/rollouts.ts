import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartRepository } from "../config/types";
import { groupSubjects, namespacedRoleBinding, readOnlyClusterRole } from "./accessControl";
import { mirrorImage, releaseChart } from "./chartSource";
import { createInBatches, InitializeArgs, refuseUrn } from "./batches";
import { childOptions, FIXED_NAME } from "./metadata";

/** The argo-rollouts chart (argo-helm), the namespace and release it is installed as, and its controller image. */
export const ROLLOUTS_CHART = "argo-rollouts";
export const ROLLOUTS_RELEASE = "argo-rollouts";
export const ROLLOUTS_NAMESPACE = "argo-rollouts";
export const ROLLOUTS_IMAGE = "quay.io/argoproj/argo-rollouts";
export const ROLLOUTS_DEFAULT_REPOSITORY: ChartRepository = {
    kind: "https",
    url: "https://argoproj.github.io/argo-helm",
};
/** The API version the pinned chart's CRDs serve for Rollout, AnalysisTemplate, AnalysisRun and Experiment. */
export const ROLLOUTS_API_VERSION = "argoproj.io/v1alpha1";

/** Argo Rollouts objects people read (and deployers act on): explicit resources, never a wildcard. */
export const ROLLOUTS_READ_RESOURCES = [
    "rollouts",
    "analysisruns",
    "analysistemplates",
    "clusteranalysistemplates",
    "experiments",
];

/**
 * What `kubectl argo rollouts promote|abort|retry|pause` needs: the plugin patches the Rollout and, for
 * promote/abort, its status subresource (argo-rollouts pkg/kubectl-argo-rollouts/cmd/abort, promote).
 */
export const ROLLOUTS_DEPLOYER_RULES = [
    {
        apiGroups: ["argoproj.io"],
        resources: ["rollouts", "rollouts/status"],
        verbs: ["get", "list", "watch", "patch"],
    },
    {
        apiGroups: ["argoproj.io"],
        resources: ["analysisruns", "analysistemplates", "experiments"],
        verbs: ["get", "list", "watch"],
    },
    // `kubectl argo rollouts get rollout --watch` shows the canary's and the stable ReplicaSets and their pods.
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
];

/**
 * Argo CD resource actions on Rollouts a deployer may run in the environment's project (the UI's and
 * `argocd app actions run`): promote a paused step (resume), promote all the way (promote-full), abort, retry an
 * aborted rollout. Restart and pause stay with the platform team.
 */
export const ROLLOUT_DEPLOYER_ACTIONS = ["resume", "promote-full", "abort", "retry"] as const;

/** policy.csv lines granting a deployer role the Rollout actions on its project's applications. */
export function rolloutActionPolicies(role: string, project: string): string[] {
    return ROLLOUT_DEPLOYER_ACTIONS.map(
        (action) => `p, ${role}, applications, action/argoproj.io/Rollout/${action}, ${project}/*, allow`,
    );
}

/**
 * Flux health of a Rollout (`spec.healthCheckExprs`, evaluated when the Kustomization waits, i.e. in prod):
 * Healthy once the controller has seen the current spec and finished every step; Degraded (an aborted canary, a
 * failed analysis) fails the reconciliation, so the Alert reports it. Paused at a step is still in progress.
 * Rollout keeps `status.observedGeneration` as a string.
 */
export const ROLLOUT_HEALTH_CHECK_EXPRS = [
    {
        apiVersion: ROLLOUTS_API_VERSION,
        kind: "Rollout",
        current:
            "has(status.phase) && status.phase == 'Healthy' && has(status.observedGeneration) && status.observedGeneration == string(metadata.generation)",
        inProgress: "!has(status.phase) || status.phase == 'Progressing' || status.phase == 'Paused'",
        failed: "has(status.phase) && status.phase == 'Degraded'",
    },
];

/**
 * Argo CD: a Rollout's replicas that a HorizontalPodAutoscaler scales are not drift (the same rule as for
 * Deployments: only kube-controller-manager's field is ignored, a change in Git still syncs), so self-heal does not
 * fight the HPA. The Rollouts controller itself writes only status and its own annotations, which Argo CD does not
 * diff; the canary's ReplicaSets are owned by the Rollout and never tracked, so there is nothing else to ignore.
 */
export const ROLLOUT_IGNORE_DIFFERENCES = [
    { group: "argoproj.io", kind: "Rollout", managedFieldsManagers: ["kube-controller-manager"] },
];

export interface RolloutsValuesArgs {
    highAvailability: boolean;
    imageRegistry?: string;
}

/**
 * Chart values: CRDs installed and kept on uninstall (deleting them would delete every Rollout, and with it the
 * workloads); HA runs two controllers with leader election and a PodDisruptionBudget; the image from the mirror.
 */
export function rolloutsValues(args: RolloutsValuesArgs): Record<string, unknown> {
    const controller: Record<string, unknown> = {
        replicas: args.highAvailability ? 2 : 1,
        pdb: args.highAvailability ? { enabled: true, minAvailable: 1 } : { enabled: false },
    };
    if (args.imageRegistry) {
        // The chart joins registry and repository: keep the path, swap the host (mirrorImage's layout).
        const mirrored = mirrorImage(ROLLOUTS_IMAGE, args.imageRegistry);
        const registry = args.imageRegistry.replace(/\/+$/, "");
        controller.image = { registry, repository: mirrored.slice(registry.length + 1) };
    }
    return {
        installCRDs: true,
        keepCRDs: true,
        // The aggregated roles give namespace admins the Rollout kinds (the Flux tenant ServiceAccount applies
        // through `admin`), and `view` readers see them.
        createClusterAggregateRoles: true,
        controller,
        dashboard: { enabled: false },
    };
}

export interface ArgoRolloutsArgs {
    chartVersion: string;
    chartRepository?: ChartRepository;
    imageRegistry?: string;
    highAvailability: boolean;
    /** Groups that read Rollouts, AnalysisRuns and templates cluster-wide (developers and deployers). */
    readOnlyGroups: readonly string[];
    /**
     * Groups that may promote, abort and retry Rollouts with kubectl, and the environment's namespaces they may do
     * it in (Flux: there is no UI). Argo CD deployers act through Argo CD's resource actions instead
     * (rolloutActionPolicies). @default none
     */
    deployers?: {
        groups: readonly string[];
        namespaces: readonly string[];
        /** What the binding in a namespace must wait for (that namespace's creation). */
        after?: (namespace: string) => pulumi.Input<pulumi.Resource>[];
    };
    /** Prefix of the RBAC object names, e.g. gitops-stack-dev. */
    namePrefix: string;
    labels?: Record<string, string>;
}

/** What `initialize` creates and the constructor's outputs read. */
interface RolloutsChildren {
    namespace: k8s.core.v1.Namespace;
    release: k8s.helm.v3.Release;
}
const initializeArgs = new InitializeArgs<ArgoRolloutsArgs>();

/**
 * Argo Rollouts (issue 12): the controller from its pinned chart in its own namespace, and who may see and steer
 * canaries. Works the same under either operator: the Rollout objects come from Git like any workload.
 *
 * Its children are created in `initialize`, the deployers' bindings (one per app namespace, thousands in a fleet)
 * in batches, as the other components that create one object per app do (see createInBatches; issue 11). Whatever
 * depends on the component waits for all of them.
 */
export class ArgoRollouts extends pulumi.ComponentResource<RolloutsChildren> {
    public readonly namespace: pulumi.Output<string>;
    public readonly chartVersion: pulumi.Output<string>;

    constructor(name: string, args: ArgoRolloutsArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything is created (super() starts initialize, which creates the children).
        refuseUrn("ArgoRollouts", name, opts);
        initializeArgs.set(args);
        super("gitops-stack:shared:ArgoRollouts", name, {}, opts);
        const children = this.getData();
        this.namespace = pulumi.output(children.then((c) => c.namespace.metadata.name));
        this.chartVersion = pulumi.output(children.then((c) => c.release.version));
        this.registerOutputs({ namespace: this.namespace, chartVersion: this.chartVersion });
    }

    /** Creates the namespace, the release and the read-only role, then the deployers' bindings in batches. */
    protected async initialize(
        _args: pulumi.Inputs,
        opts?: pulumi.ComponentResourceOptions,
        name?: string,
    ): Promise<RolloutsChildren> {
        const args = initializeArgs.take();
        const child = childOptions(this, opts);
        const namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: ROLLOUTS_NAMESPACE, labels: args.labels } },
            child,
        );
        const release = new k8s.helm.v3.Release(
            `${name}`,
            {
                name: ROLLOUTS_RELEASE,
                ...releaseChart(ROLLOUTS_CHART, args.chartVersion, args.chartRepository ?? ROLLOUTS_DEFAULT_REPOSITORY),
                namespace: namespace.metadata.name,
                values: rolloutsValues(args),
                maxHistory: 10,
                cleanupOnFail: true,
            },
            { parent: this, dependsOn: [namespace] },
        );

        readOnlyClusterRole(
            `${name}-readonly`,
            `${args.namePrefix}-rollouts-readonly`,
            [{ apiGroups: ["argoproj.io"], resources: [...ROLLOUTS_READ_RESOURCES], verbs: ["get", "list", "watch"] }],
            args.readOnlyGroups,
            args.labels,
            child,
        );

        const deployers = args.deployers;
        if (deployers && deployers.groups.length > 0 && deployers.namespaces.length > 0) {
            // One ClusterRole, bound per namespace: deployers steer canaries in their environment only. The bindings
            // name the role as a plain string and depend on it explicitly: the same value and order, without one
            // Output await per binding (one binding per app namespace; issue 11).
            const roleName = `${args.namePrefix}-rollouts-deployer`;
            const deployerRole = new k8s.rbac.v1.ClusterRole(
                `${name}-deployer`,
                {
                    metadata: { name: roleName, labels: args.labels },
                    rules: ROLLOUTS_DEPLOYER_RULES.map((r) => ({ ...r })),
                },
                child,
            );
            await createInBatches([...new Set(deployers.namespaces)], (ns) =>
                namespacedRoleBinding(
                    `${name}-deployer-${ns}`,
                    {
                        metadata: { name: roleName, namespace: ns, labels: args.labels },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
                        subjects: groupSubjects(deployers.groups),
                    },
                    // The namespace exists first (the environment's tenancy creates it).
                    { parent: this, dependsOn: [deployerRole, ...(deployers.after?.(ns) ?? [])], ...FIXED_NAME },
                ),
            );
        }
        return { namespace, release };
    }
}
