import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { mirrorImage, releaseChart, type ChartRepository } from "../shared/chartSource";
import { childOptions } from "../shared/metadata";
import { FLUX_CHART, FLUX_CHART_REPO, FLUX_CONTROLLER_IMAGES, FLUX_RELEASE } from "./constants";

export interface FluxArgs {
    /** Namespace the program creates and installs Flux into; the program's Flux objects live there too. */
    namespace: string;
    /** Exact flux2 chart version (https://github.com/fluxcd-community/helm-charts/blob/main/charts/flux2/Chart.yaml). */
    chartVersion: string;
    /** Where the chart comes from (a mirror, an OCI registry, a local directory). @default the fluxcd-community repository */
    chartRepository?: ChartRepository;
    /**
     * Registry every Flux image is pulled from instead of ghcr.io, path kept: `registry.internal/mirror` pulls
     * ghcr.io/fluxcd/source-controller as registry.internal/mirror/fluxcd/source-controller.
     * @default the chart's own (ghcr.io/fluxcd)
     */
    imageRegistry?: string;
    /**
     * Multi-tenancy lockdown (https://fluxcd.io/flux/installation/configuration/multitenancy/): no cross-namespace
     * references, Kustomizations without `serviceAccountName` impersonate the powerless `default` account of their
     * namespace, and kustomize-/helm-controller lose cluster-admin (they may only impersonate service accounts).
     */
    multitenancy: boolean;
    /** Run the image-reflector and image-automation controllers; only where image automation is used. */
    imageAutomation: boolean;
    /**
     * Production sizing. Flux controllers are single-leader (extra replicas only stand by, and extra source-controller
     * replicas would serve artifacts they do not have), so this reserves CPU and memory instead of adding replicas
     * (https://fluxcd.io/flux/installation/configuration/vertical-scaling/).
     */
    highAvailability: boolean;
    /** Labels for the objects the program creates (the chart labels its own). */
    labels?: Record<string, string>;
}

/**
 * kustomize-controller's flags beyond the chart's (`kustomizeController.container.additionalArgs`). A Kustomization
 * whose dependsOn is not ready is checked again after `--requeue-dependency` (30 s by default: kustomize-controller
 * main.go). A new commit reaches every Kustomization of the source at once, so an app that depends on another finds
 * its dependency still applying the same commit and waits one whole re-check: on the local control plane a push
 * reached podinfo (which depends on platform) 30.7 s after a webhook with the default, 5.3 s with 5 s (every time:
 * the re-check is the whole delay), about 2 s with 2 s (docs/explanation/performance.md). The re-check reads the
 * dependencies from the controller's cache; while a dependency stays broken, each one also emits the same info event
 * ("Dependencies do not meet ready condition"), which notification-controller's rate limit (5 minutes) keeps from
 * reaching an alert channel more than once. The cluster tests run kustomize-controller with these flags
 * (tests/cluster/flux/controllers.ts).
 */
export const KUSTOMIZE_CONTROLLER_ARGS: readonly string[] = ["--requeue-dependency=2s"];

/** Requests for the controllers that do the work, so they are scheduled with room and evicted last. */
const RESERVED = { resources: { requests: { cpu: "200m", memory: "256Mi" } } };

/** The flux2 chart values for a Flux install, separate so tests and the render can read them whole. */
export function fluxValues(args: FluxArgs): Record<string, unknown> {
    const values: Record<string, unknown> = {
        installCRDs: true,
        // The chart templates its CRDs, so an uninstall would delete them, and with them every Flux object at once,
        // without the controllers' finalizers running. Kept, a destroy removes only what the program created.
        crds: { annotations: { "helm.sh/resource-policy": "keep" } },
        multitenancy: {
            enabled: args.multitenancy,
            defaultServiceAccount: "default",
            privileged: !args.multitenancy,
        },
        watchAllNamespaces: true,
        policies: { create: true },
        // No aggregation into the built-in view/edit/admin roles: the environments' service accounts are bound to
        // `admin` in the app namespaces, and must not be able to create Flux objects (only the platform does).
        rbac: { create: true, createAggregation: false },
        kustomizeController: { container: { additionalArgs: [...KUSTOMIZE_CONTROLLER_ARGS] } },
        imageReflectionController: { create: args.imageAutomation },
        imageAutomationController: { create: args.imageAutomation },
    };
    const controller = (key: string) => values[key] as Record<string, unknown> | undefined;
    if (args.highAvailability) {
        for (const key of ["sourceController", "kustomizeController", "notificationController"])
            values[key] = { ...controller(key), ...RESERVED };
    }
    if (args.imageRegistry) {
        for (const [key, image] of Object.entries(FLUX_CONTROLLER_IMAGES))
            values[key] = { ...controller(key), image: mirrorImage(image, args.imageRegistry) };
    }
    return values;
}

/**
 * Flux from the flux2 Helm chart, pinned, in a namespace of its own.
 *
 * Custom resources that need the chart's CRDs must depend on `release` (it finishes only once the CRDs are
 * established), so one `pulumi up` works on an empty cluster (pulumi-kubernetes #1735, #3176), and a destroy
 * deletes them while the controllers still run to process their finalizers.
 */
export class Flux extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    public readonly chartVersion: pulumi.Output<string>;

    constructor(name: string, args: FluxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:Flux", name, {}, opts);
        const values = fluxValues(args);

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: args.namespace, labels: args.labels } },
            childOptions(this, opts),
        );

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: FLUX_RELEASE,
                ...releaseChart(
                    FLUX_CHART,
                    args.chartVersion,
                    args.chartRepository ?? { kind: "https", url: FLUX_CHART_REPO },
                ),
                namespace: args.namespace,
                values,
                // Six controller images on a fresh node can take longer than Helm's 5-minute default.
                timeout: 600,
                maxHistory: 10,
                cleanupOnFail: true,
            },
            { parent: this, dependsOn: [namespace] },
        );

        this.namespace = namespace.metadata.name;
        this.chartVersion = this.release.version;
        this.registerOutputs({ namespace: this.namespace, release: this.release, chartVersion: this.chartVersion });
    }
}
