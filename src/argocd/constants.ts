/** Official argo-helm repository (https://github.com/argoproj/argo-helm). */
export const ARGOCD_CHART_REPO = "https://argoproj.github.io/argo-helm";
export const ARGOCD_CHART = "argo-cd";
/**
 * The images the argo-cd chart (10.1.x) pulls by default (charts/argo-cd/values.yaml and its redis-ha subchart),
 * so `imageRegistry` can move every one of them to a mirror.
 */
export const ARGOCD_IMAGES = {
    argocd: "quay.io/argoproj/argocd",
    dex: "ghcr.io/dexidp/dex",
    redis: "ecr-public.aws.com/docker/library/redis",
    redisExporter: "ghcr.io/oliver006/redis_exporter",
    haproxy: "ecr-public.aws.com/docker/library/haproxy",
} as const;
/** Helm release name: the chart names its objects after it (argocd-server, argocd-repo-server, ...). */
export const ARGOCD_RELEASE = "argocd";
/** Argo CD custom resources are served at this version only (manifests/crds in argoproj/argo-cd). */
export const ARGOCD_API_VERSION = "argoproj.io/v1alpha1";
/** The in-cluster API server as Argo CD names it. */
export const IN_CLUSTER = "https://kubernetes.default.svc";
/** Foreground cascade: deleting the Application deletes its resources first (argo-cd docs: app deletion). */
export const CASCADE_FINALIZER = "resources-finalizer.argocd.argoproj.io";
/**
 * The Secret holding the SSO client secret (`argocd-sso`, key `clientSecret`) and how the SSO config refers to it
 * (`$argocd-sso:clientSecret`): defined once in src/config, which validates the reference.
 */
export { SSO_SECRET, SSO_SECRET_KEY, SSO_SECRET_REF } from "../config/constants";
/** Secret the notifications controller reads its service tokens from (`$slack-token`). */
export const NOTIFICATIONS_SECRET = "argocd-notifications-secret";
