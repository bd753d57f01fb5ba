/** The fluxcd-community Helm repository (https://github.com/fluxcd-community/helm-charts). */
export const FLUX_CHART_REPO = "https://fluxcd-community.github.io/helm-charts";
export const FLUX_CHART = "flux2";
/** Helm release name. The chart names its controllers itself (source-controller, kustomize-controller, ...). */
export const FLUX_RELEASE = "flux";
/**
 * The flux2 chart's (2.18.x) value blocks and the image each pulls by default (charts/flux2/values.yaml), so
 * `imageRegistry` can move every one of them to a mirror.
 */
export const FLUX_CONTROLLER_IMAGES = {
    cli: "ghcr.io/fluxcd/flux-cli",
    helmController: "ghcr.io/fluxcd/helm-controller",
    imageAutomationController: "ghcr.io/fluxcd/image-automation-controller",
    imageReflectionController: "ghcr.io/fluxcd/image-reflector-controller",
    kustomizeController: "ghcr.io/fluxcd/kustomize-controller",
    notificationController: "ghcr.io/fluxcd/notification-controller",
    sourceController: "ghcr.io/fluxcd/source-controller",
} as const;

/**
 * The only API versions the Flux 2.8 CRDs serve; older ones were removed and fail on apply. The schema models
 * (@kubernetes-models/flux-cd) still ship the removed versions, so nothing else may pick one.
 */
export const FLUX_API_VERSIONS = {
    GitRepository: "source.toolkit.fluxcd.io/v1",
    Kustomization: "kustomize.toolkit.fluxcd.io/v1",
    Provider: "notification.toolkit.fluxcd.io/v1beta3",
    Alert: "notification.toolkit.fluxcd.io/v1beta3",
    Receiver: "notification.toolkit.fluxcd.io/v1",
    ImageRepository: "image.toolkit.fluxcd.io/v1",
    ImagePolicy: "image.toolkit.fluxcd.io/v1",
    ImageUpdateAutomation: "image.toolkit.fluxcd.io/v1",
} as const;

export type FluxKind = keyof typeof FLUX_API_VERSIONS;

/** Flux's Git reference and how messages show it: defined once, where config validation can use them too. */
export { describeRef, type GitRef } from "../config/constants";
