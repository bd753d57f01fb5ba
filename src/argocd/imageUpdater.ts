import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { mirrorImage, releaseChart, type ChartRepository } from "../shared/chartSource";
import { childOptions } from "../shared/metadata";
import { ARGOCD_CHART_REPO } from "./constants";

/** The argocd-image-updater chart (argo-helm), its release name, image and the API of its v1 custom resource. */
export const IMAGE_UPDATER_CHART = "argocd-image-updater";
export const IMAGE_UPDATER_RELEASE = "argocd-image-updater";
export const IMAGE_UPDATER_IMAGE = "quay.io/argoprojlabs/argocd-image-updater";
export const IMAGE_UPDATER_API_VERSION = "argocd-image-updater.argoproj.io/v1alpha1";

export interface UpdatedImage {
    /** The Argo CD Application whose overlay carries the image (`namePattern`, an exact name: no glob). */
    applicationName: string;
    /** Short name of the image within the Application (the app's name). */
    alias: string;
    /** Image repository without tag, e.g. ghcr.io/org/app; the Kustomize `images:` entry of the overlay names it. */
    image: string;
    /** Semver range of tags the updater may pick, e.g. ">=1.0.0 <2.0.0" (Masterminds constraints accept it). */
    semverRange: string;
}

export interface ImageUpdaterArgs {
    /** Namespace Argo CD runs in: the updater reads Applications and repository credentials there. */
    namespace: pulumi.Input<string>;
    /** Exact argocd-image-updater chart version (https://github.com/argoproj/argo-helm/tree/main/charts/argocd-image-updater). */
    chartVersion: string;
    /** Where the chart comes from. @default the official argo-helm repository */
    chartRepository?: ChartRepository;
    /** Registry the updater image is pulled from instead of quay.io (path kept). @default the chart's */
    imageRegistry?: string;
    /** Kubernetes name of the ImageUpdater object (one per environment). */
    updaterName: string;
    /** Repository the updater commits to: the GitOps repository the Applications track. */
    repoUrl: string;
    /** Branch the environment tracks: the updater pushes there, so the environment deploys what it wrote. */
    branch: string;
    /** The images to keep up to date (at least one). */
    images: readonly UpdatedImage[];
    /**
     * A Secret (`<namespace>/<name>`) holding a separate write credential. @default none: the updater writes with
     * the repository credentials Argo CD already has (write-back method `git`).
     */
    writeCredentialSecret?: string;
    labels?: Record<string, string>;
}

/** The chart values: CRDs kept on uninstall like Argo CD's, the image from the mirror when one is set. */
export function imageUpdaterValues(args: Pick<ImageUpdaterArgs, "imageRegistry">): Record<string, unknown> {
    const values: Record<string, unknown> = {
        crds: { install: true, keep: true },
        config: {
            // Commits name the updater, so `git log` tells an automated bump from a person's change.
            "git.user": "argocd-image-updater",
            "git.email": "argocd-image-updater@users.noreply.github.com",
        },
    };
    if (args.imageRegistry)
        values.image = { repository: mirrorImage(IMAGE_UPDATER_IMAGE, args.imageRegistry), pullPolicy: "IfNotPresent" };
    return values;
}

/**
 * The `spec` of the environment's ImageUpdater (v1 resource; the annotations are legacy): semver within each app's
 * range, written back to Git into the Kustomize overlay the Application syncs (`kustomization` = the Application's
 * own path), on the branch the environment tracks.
 */
export function imageUpdaterSpec(args: ImageUpdaterArgs): Record<string, unknown> {
    if (args.images.length === 0) throw new Error("ImageUpdater: at least one image is required.");
    return {
        writeBackConfig: {
            method: args.writeCredentialSecret ? `git:secret:${args.writeCredentialSecret}` : "git",
            gitConfig: { repository: args.repoUrl, branch: args.branch, writeBackTarget: "kustomization" },
        },
        applicationRefs: args.images.map((image) => ({
            namePattern: image.applicationName,
            images: [
                {
                    alias: image.alias,
                    // The tag part of imageName is the version constraint for the semver strategy.
                    imageName: `${image.image}:${image.semverRange}`,
                    commonUpdateSettings: { updateStrategy: "semver", forceUpdate: false },
                    manifestTargets: { kustomize: { name: image.image } },
                },
            ],
        })),
    };
}

/**
 * Argo CD Image Updater (parity with Flux image automation): the argocd-image-updater chart, pinned, and the
 * environment's ImageUpdater object. Never in prod (config refuses it): prod changes only through reviewed PRs.
 */
export class ArgoCdImageUpdater extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly updaterName: pulumi.Output<string>;

    constructor(name: string, args: ImageUpdaterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:argocd:ImageUpdater", name, {}, opts);
        const spec = imageUpdaterSpec(args);

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: IMAGE_UPDATER_RELEASE,
                ...releaseChart(
                    IMAGE_UPDATER_CHART,
                    args.chartVersion,
                    args.chartRepository ?? { kind: "https", url: ARGOCD_CHART_REPO },
                ),
                namespace: args.namespace,
                values: imageUpdaterValues(args),
                maxHistory: 10,
                cleanupOnFail: true,
            },
            { parent: this, dependsOn: opts?.dependsOn },
        );

        // The chart installs the ImageUpdater CRD: the object waits for the release, and goes first on destroy.
        const updater = new k8s.apiextensions.CustomResource(
            `${name}-updater`,
            {
                apiVersion: IMAGE_UPDATER_API_VERSION,
                kind: "ImageUpdater",
                metadata: { name: args.updaterName, namespace: args.namespace, labels: args.labels },
                spec,
            },
            { ...childOptions(this, opts), dependsOn: [this.release] },
        );

        this.updaterName = updater.metadata.name;
        this.registerOutputs({ release: this.release, updaterName: this.updaterName });
    }
}
