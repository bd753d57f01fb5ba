import type * as pulumi from "@pulumi/pulumi";

export const TIERS = ["dev", "staging", "prod"] as const;
export type Tier = (typeof TIERS)[number];

export const OPERATORS = ["argocd", "flux"] as const;
export type Operator = (typeof OPERATORS)[number];

export const AUTH_KINDS = ["ssh", "https", "githubApp"] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** The notification events a stack can route to Slack (the same names for Argo CD and Flux). */
export const SLACK_EVENTS = ["sync-succeeded", "sync-failed", "health-degraded", "deployed"] as const;
export type SlackEvent = (typeof SLACK_EVENTS)[number];

/** A Kubernetes API group and kind, as AppProject whitelists take them ("" is the core group). */
export interface GroupKind {
    readonly group: string;
    readonly kind: string;
}

/** Where an operator's Helm chart comes from. */
export const CHART_REPOSITORY_KINDS = ["https", "oci", "local"] as const;
export type ChartRepositoryKind = (typeof CHART_REPOSITORY_KINDS)[number];

export interface ChartRepository {
    /**
     * https: a classic chart repository (index.yaml); oci: an OCI registry (`oci://host/path`, the chart name is
     * appended); local: a chart directory on the machine running Pulumi (holds Chart.yaml).
     */
    readonly kind: ChartRepositoryKind;
    /** The repository URL, the `oci://` reference, or the directory path as the stack gives it. */
    readonly url: string;
    /**
     * https: a PEM file of the CA certificates the repository's TLS certificate is verified with (chartRepositoryCaFile),
     * as the stack gives it: absolute, or relative to the project. Undefined: the host's trust store.
     */
    readonly caFile?: string;
}

export interface ChartSource {
    readonly repository: ChartRepository;
    /** Exact chart version (ignored by Helm for a local directory, which has one version). */
    readonly version: string;
}

/** helm: the program installs the operator's chart. existing: the operator is already installed; no chart. */
export const OPERATOR_INSTALLS = ["helm", "existing"] as const;
export type OperatorInstall = (typeof OPERATOR_INSTALLS)[number];

export interface SshAuth {
    readonly kind: "ssh";
    /** known_hosts lines for the repository host: the host key is pinned, never skipped. */
    readonly knownHosts: string;
    readonly privateKey: pulumi.Output<string>;
}

export interface HttpsAuth {
    readonly kind: "https";
    readonly username: string;
    readonly token: pulumi.Output<string>;
}

export interface GithubAppAuth {
    readonly kind: "githubApp";
    readonly appId: string;
    readonly installationId: string;
    readonly enterpriseBaseUrl?: string;
    readonly privateKey: pulumi.Output<string>;
}

export type GitAuth = SshAuth | HttpsAuth | GithubAppAuth;

/** How Flux reads a Git revision (`spec.ref` of a GitRepository). */
export type FluxRef = { readonly branch: string } | { readonly tag: string } | { readonly semver: string };

export interface RepoConfig {
    readonly url: string;
    /** Host name of the repository (for known_hosts and messages). */
    readonly host: string;
    /** The revision Argo CD Applications track (a branch, tag or commit). */
    readonly revision: string;
    /** The same revision in Flux's form. */
    readonly fluxRef: FluxRef;
    readonly auth: GitAuth;
    readonly credentialScope: "repository" | "repo-creds";
    /** URL prefix of the repo-creds template (equal to `url` for scope `repository`). */
    readonly credentialUrl: string;
}

export interface AppConfig {
    readonly name: string;
    readonly namespace: string;
    /** Path of this app's manifests for this environment, relative to the repository root. */
    readonly path: string;
    /** Apps (by name) that must be ready before this one (Flux `dependsOn`). */
    readonly dependsOn: readonly string[];
    /** Image repository (no tag) for Flux image automation. */
    readonly image?: string;
    /** Semver range of tags Flux image automation may move to. */
    readonly semverRange?: string;
}

export interface SyncWindowConfig {
    readonly schedule: string;
    readonly duration: string;
    readonly timeZone: string;
}

export interface ArgoCdConfig {
    readonly namespace: string;
    readonly chartVersion: string;
    /** Where the argo-cd chart comes from and which version (chart.version equals chartVersion). */
    readonly chart: ChartSource;
    /** Registry prefix every Argo CD image is pulled from (host[:port][/path]); undefined: the chart's own. */
    readonly imageRegistry?: string;
    readonly install: OperatorInstall;
    readonly url?: string;
    readonly highAvailability: boolean;
    readonly adminEnabled: boolean;
    readonly dexConfig?: string;
    readonly oidcConfig?: string;
    /** The SSO client secret, when the SSO config refers to it (`$argocd-sso:clientSecret`). */
    readonly ssoClientSecret?: pulumi.Output<string>;
    /** The stack stores the SSO config encrypted: the Helm values that carry it stay secret. */
    readonly ssoConfigIsSecret: boolean;
    readonly autoSync: boolean;
    readonly cascadeDelete: boolean;
    readonly revisionHistoryLimit: number;
    readonly retryLimit: number;
    /** Prod only: automated syncs run only inside this window; manual syncs always may. */
    readonly syncWindow?: SyncWindowConfig;
    readonly destinationServer: string;
    /** Repositories the environment's AppProject may deploy from (the GitOps repository first). */
    readonly sourceRepos: readonly string[];
    /** Cluster-scoped kinds the environment's AppProject may deploy. */
    readonly clusterResources: readonly GroupKind[];
    /** Empty the built-in `default` AppProject, so Applications added through Git cannot bypass the environment's. */
    readonly restrictDefaultProject: boolean;
    /**
     * Argo CD Image Updater (imageAutomation on and an app with image + semverRange): its chart, and the Secret it
     * writes with (undefined: Argo CD's repository credentials). Undefined: no image automation.
     */
    readonly imageUpdater?: { readonly chart: ChartSource; readonly writeSecret?: string };
    /** Path of the app-of-apps root in the repository. */
    readonly rootPath: string;
}

export interface FluxConfig {
    readonly namespace: string;
    readonly chartVersion: string;
    /** Where the flux2 chart comes from and which version (chart.version equals chartVersion). */
    readonly chart: ChartSource;
    /** Registry prefix every Flux controller image is pulled from (host[:port][/path]); undefined: the chart's own. */
    readonly imageRegistry?: string;
    readonly install: OperatorInstall;
    readonly interval: string;
    readonly multitenancy: boolean;
    readonly imageAutomation: boolean;
    readonly highAvailability: boolean;
}

export interface AccessConfig {
    readonly platformAdminGroups: readonly string[];
    readonly deployerGroups: readonly string[];
    readonly developerGroups: readonly string[];
    /** Argo CD `policy.default`: role:readonly, role:admin or "" (deny by default). */
    readonly defaultPolicy: string;
}

export interface SlackConfig {
    /** Channel name without the leading '#'. */
    readonly channel: string;
    readonly token: pulumi.Output<string>;
    readonly events: readonly AlertEvent[];
}

/**
 * Every event a channel can be subscribed to: the four Slack events, and (issue 13) changes waiting for a person
 * (out-of-sync), a sync status Argo CD cannot determine (sync-unknown), and a manual change the operator reverted
 * (drift-corrected: Argo CD self-heal, Flux drift correction).
 */
export const ALERT_EVENTS = [...SLACK_EVENTS, "out-of-sync", "sync-unknown", "drift-corrected"] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** Where a channel delivers (structured key `alertChannels`). */
export const ALERT_CHANNEL_TYPES = ["slack", "email", "teams", "webhook", "pagerduty"] as const;
export type AlertChannelType = (typeof ALERT_CHANNEL_TYPES)[number];

/** One channel's credentials, from the secret `alertSecrets`: only ever held inside a secret Output. */
export interface AlertCredentials {
    /** slack: the bot token (xoxb-...). */
    readonly token?: string;
    /** email: the SMTP password. */
    readonly password?: string;
    /** teams, webhook: the URL (it carries the webhook's own token). */
    readonly url?: string;
    /** webhook: the value of each header the channel names. */
    readonly headers?: Readonly<Record<string, string>>;
    /** webhook with hmac (Flux generic-hmac): the key requests are signed with. */
    readonly hmacKey?: string;
    /** pagerduty: the Events API v2 integration (routing) key. */
    readonly routingKey?: string;
}

/** A notification channel of the environment (structured key `alertChannels`). Non-secret settings only. */
export interface AlertChannel {
    readonly type: AlertChannelType;
    /** DNS label, unique in the stack: the Argo CD service name, the Flux Provider name suffix. */
    readonly name: string;
    readonly events: readonly AlertEvent[];
    /** slack: channel name without '#'. */
    readonly channel?: string;
    /** email: recipients. */
    readonly to?: readonly string[];
    /** email: SMTP server. */
    readonly smtp?: { readonly host: string; readonly port: number; readonly from: string; readonly username?: string };
    /** webhook: names of the headers whose values are in alertSecrets. */
    readonly headerNames?: readonly string[];
    /** webhook: sign each request with HMAC-SHA256 of the body (Flux generic-hmac). */
    readonly hmac?: boolean;
    /** This channel's entry of `alertSecrets`, a secret Output. */
    readonly credentials: pulumi.Output<AlertCredentials>;
}

/** How an Argo CD environment declares its apps: one Application per app, or one ApplicationSet over the Git layout. */
export const APPS_MODES = ["applications", "applicationset"] as const;
export type AppsMode = (typeof APPS_MODES)[number];

/** How the operator authenticates to a target cluster (issue 11). */
export const CLUSTER_AUTH_KINDS = ["bearer", "exec"] as const;
export type ClusterAuthKind = (typeof CLUSTER_AUTH_KINDS)[number];

/** A client-go exec credential plugin (Argo CD `execProviderConfig`, kubeconfig `users[].user.exec`). */
export interface ClusterExecConfig {
    readonly command: string;
    readonly args: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    /** client.authentication.k8s.io/v1 or v1beta1. */
    readonly apiVersion: string;
}

/** One cluster's credentials, from the secret `clusterCredentials`: only ever held inside a secret Output. */
export interface ClusterCredentials {
    readonly bearerToken?: string;
    readonly exec?: ClusterExecConfig;
    /** Base64 of the PEM CA bundle the API server's certificate chains to; undefined: the system roots. */
    readonly caData?: string;
}

/** A target cluster of the environment (structured key `clusters`). */
export interface ClusterConfig {
    /** DNS label; Applications and Kustomizations `<env>-<app>-<name>` (the home cluster's: `<env>-<app>`). */
    readonly name: string;
    /** https URL of the API server. */
    readonly server: string;
    /** The operator's own cluster (server https://kubernetes.default.svc): no credentials, no kubeconfig. */
    readonly inCluster: boolean;
    /**
     * The cluster the stack deploys to without `clusters` (Argo CD: `destinationServer`; Flux: its own cluster). Its
     * Applications and Kustomizations keep the names `<env>-<app>`, so adding `clusters` to a running stack renames
     * none of them (issue 25 §2); the other clusters' are `<env>-<app>-<name>`.
     */
    readonly home: boolean;
    /** The user's labels (the environment label is added by the program). */
    readonly labels: Readonly<Record<string, string>>;
    /** undefined for the in-cluster entry. */
    readonly auth?: ClusterAuthKind;
    /** This cluster's entry of `clusterCredentials`, a secret Output (undefined for the in-cluster entry). */
    readonly credentials?: pulumi.Output<ClusterCredentials>;
}

/** How a stack keeps Secrets in Git (issue 12): never in plain text. */
export const SECRETS_IN_GIT = ["none", "sops", "sealed-secrets", "external-secrets"] as const;
export type SecretsInGit = (typeof SECRETS_IN_GIT)[number];

/** Progressive delivery and secrets from Git (issue 12), for either operator. */
export interface DeliveryConfig {
    /** Argo Rollouts controller (argoRollouts): its chart; undefined: not installed. */
    readonly rollouts?: {
        readonly chart: ChartSource;
        /** Two controllers with leader election and a PodDisruptionBudget (highAvailability). */
        readonly highAvailability: boolean;
    };
    readonly secretsInGit: SecretsInGit;
    /** Registry prefix the add-on images are pulled from (imageRegistry, as for the operators); undefined: the charts'. */
    readonly imageRegistry?: string;
    /** secretsInGit sops (Flux): the age private key (AGE-SECRET-KEY-1...), a secret Output. */
    readonly sopsAgeKey?: pulumi.Output<string>;
    /** secretsInGit sealed-secrets: the controller's chart, and its key pair when the stack supplies one. */
    readonly sealedSecrets?: {
        readonly chart: ChartSource;
        /** PEM certificate and private key (secret Outputs): a rebuilt cluster keeps decrypting what was sealed. */
        readonly keyPair?: { readonly certificate: pulumi.Output<string>; readonly privateKey: pulumi.Output<string> };
    };
    /**
     * secretsInGit external-secrets: the External Secrets Operator's chart and the environment's Vault. Namespaces
     * authenticate as their own ServiceAccount (Vault Kubernetes auth, `role`), so there is no static credential.
     */
    readonly externalSecrets?: {
        readonly chart: ChartSource;
        readonly highAvailability: boolean;
        readonly vault: { readonly server: string; readonly path: string; readonly role: string };
    };
}

/**
 * Git hosts whose push webhooks the stack accepts (issue 22). `bitbucket` is Bitbucket Server / Data Center (signed
 * with X-Hub-Signature); `generic` is Flux's unsigned Receiver, for senders that cannot sign (Argo CD has none).
 */
export const GIT_WEBHOOK_PROVIDERS = ["github", "gitlab", "bitbucket", "generic"] as const;
export type GitWebhookProvider = (typeof GIT_WEBHOOK_PROVIDERS)[number];

/** Git webhooks (gitWebhook): a push makes the operator fetch at once; polling stays as the fallback. */
export interface GitWebhookConfig {
    readonly provider: GitWebhookProvider;
    /** The shared secret (gitWebhookSecret): HMAC key or token. Only ever held inside a secret Output. */
    readonly secret: pulumi.Output<string>;
}

/** Everything a stack is configured with, validated. Built once by `loadConfig`; components never read config. */
export interface StackConfig {
    readonly stack: string;
    readonly tier: Tier;
    readonly operator: Operator;
    readonly repo: RepoConfig;
    readonly apps: readonly AppConfig[];
    /** Argo CD: Applications per app, or one ApplicationSet that finds the apps in Git (issue 11). */
    readonly appsMode: AppsMode;
    /** The app layout as configured ({app} and {env} unreplaced): the ApplicationSet's git generator reads it. */
    readonly appPathTemplate: string;
    /** ApplicationSet mode: namespaces the AppProject admits for apps found in Git (prod: the only way in). */
    readonly applicationSetNamespaces: readonly string[];
    /** Target clusters of the environment; empty: the operator's own cluster (destinationServer). */
    readonly clusters: readonly ClusterConfig[];
    readonly argocd: ArgoCdConfig;
    readonly flux: FluxConfig;
    /** Argo Rollouts and secrets in Git (issue 12). */
    readonly delivery: DeliveryConfig;
    readonly access: AccessConfig;
    readonly slack?: SlackConfig;
    /** Notification channels of structured key `alertChannels` (the Slack keys above stay a channel of their own). */
    readonly alertChannels: readonly AlertChannel[];
    /** Git webhooks (issue 22); undefined: the operator only polls. */
    readonly gitWebhook?: GitWebhookConfig;
    /** The stack relaxed a prod safety default on purpose (acknowledgeProdOverrides); recorded on prod objects. */
    readonly prodOverridesAcknowledged: boolean;
    /**
     * The prod safeguards the stack relaxes, each acknowledged by name (acknowledgeProdOverrides), in PROD_SAFEGUARDS
     * order; empty outside prod. Recorded on prod objects for the policy pack.
     */
    readonly relaxedSafeguards: readonly string[];
    /** Keys the stack sets that only the other operator uses (the program warns about them). */
    readonly ignoredKeys: readonly string[];
    /**
     * Settings accepted but worth a second look (e.g. a glob in sourceRepos outside prod), each naming the stack, the
     * key and the value; the program prints every one with pulumi.log.warn.
     */
    readonly warnings: readonly string[];
}
