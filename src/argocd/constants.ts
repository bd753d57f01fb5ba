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
/** Argo CD's own Secret (settings the API server and the controllers read, the webhook secrets among them). */
export const ARGOCD_SECRET = "argocd-secret";
/**
 * Per Git host: the argocd-secret key Argo CD checks its webhooks with (util/settings/settings.go) and the argo-cd
 * chart value that writes it (charts/argo-cd/templates/argocd-configs/argocd-secret.yaml). `bitbucket` is Bitbucket
 * Server / Data Center, which signs its requests; Bitbucket Cloud's `webhook.bitbucket.uuid` is the hook's id, not
 * a secret.
 */
export const ARGOCD_WEBHOOK_SECRETS = {
    github: { key: "webhook.github.secret", value: "githubSecret" },
    gitlab: { key: "webhook.gitlab.secret", value: "gitlabSecret" },
    bitbucket: { key: "webhook.bitbucketserver.secret", value: "bitbucketServerSecret" },
} as const;
export type ArgoWebhookProvider = keyof typeof ARGOCD_WEBHOOK_SECRETS;
/** Path of the API server's Git webhook, and of the ApplicationSet controller's (on its own port, 7000). */
export const ARGOCD_WEBHOOK_PATH = "/api/webhook";
/** Pod annotation that rolls the ApplicationSet controller when the webhook secret changes (it reads it at start). */
export const WEBHOOK_SECRET_ANNOTATION = "gitops-stack.io/webhook-secret-digest";
