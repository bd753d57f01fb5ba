/**
 * Every configuration key the program reads, with its type, default and description.
 *
 * This table is the single source of truth: `Pulumi.yaml` declares the same keys (a test keeps the two equal),
 * the config module applies these defaults when a key is unset (so the program behaves the same under the CLI,
 * the mocked tests and the offline render), and docs/reference/configuration.md is written from it
 * (tests/docs/configReference.test.ts keeps the two equal).
 *
 * Keys whose default depends on the environment tier use an empty string as "use the tier default"
 * (a typed declaration cannot express a per-stack default). Secrets and structured keys are not declared in
 * `Pulumi.yaml` on purpose: a declared key without a default is required by every stack, and `Pulumi.yaml` has
 * no object type (see docs/reference/configuration.md).
 */

/**
 * A declared key's type, as Pulumi.yaml declares it and the CLI checks it. `any`: declared without a type (the CLI
 * then checks nothing), for a key that takes more than one form (acknowledgeProdOverrides: true or a list).
 */
export type KeyType = "string" | "boolean" | "integer" | "array" | "any";

export interface DeclaredKey {
    readonly type: KeyType;
    readonly description: string;
    /** Absent: the key is required (every stack must set it). */
    readonly default?: string | boolean | number | string[];
}

export const DECLARED_KEYS = {
    environment: {
        type: "string",
        default: "",
        description:
            "Environment tier: dev, staging or prod. A stack whose name is or contains (split on - _ .) a tier word (dev/development, staging/stage, prod/production) has that tier and this key may only repeat it; other stack names must set it.",
    },
    operator: {
        type: "string",
        default: "argocd",
        description: "GitOps operator to install: argocd or flux.",
    },
    repoUrl: {
        type: "string",
        description:
            "GitOps repository URL: git@host:org/repo.git, ssh://git@host/org/repo.git or https://host/org/repo.git.",
    },
    targetRevision: {
        type: "string",
        default: "",
        description:
            "Git revision to deploy. Argo CD: a branch, tag or commit. Flux: a branch, tag:<tag> or semver:<range>. Empty: main (Flux prod: the prod branch).",
    },
    appPathTemplate: {
        type: "string",
        default: "apps/{app}/overlays/{env}",
        description: "Path of each app's manifests in the repository; {app} and {env} are replaced.",
    },
    rootPathTemplate: {
        type: "string",
        default: "environments/{env}",
        description:
            "Path of the Argo CD app-of-apps root (Application manifests added through Git); {env} is replaced.",
    },
    appsMode: {
        type: "string",
        default: "applications",
        description:
            "Argo CD: applications (one Application per app in apps) or applicationset (one ApplicationSet finds the apps under appPathTemplate in Git; apps listed in apps keep their own Application).",
    },
    applicationSetNamespaces: {
        type: "array",
        default: [],
        description:
            "appsMode applicationset: namespaces (<app>-<env>) the AppProject admits for apps found in Git. Prod: the only way in (no pattern); elsewhere *-<env> admits them too.",
    },
    authKind: {
        type: "string",
        default: "ssh",
        description: "Git authentication: ssh (deploy key), https (token) or githubApp.",
    },
    sshKnownHosts: {
        type: "string",
        default: "",
        description:
            "known_hosts lines for the repository host (required with authKind ssh; host keys are pinned, never skipped).",
    },
    httpsUsername: {
        type: "string",
        default: "git",
        description: "Username sent with the HTTPS token (authKind https).",
    },
    githubAppId: {
        type: "string",
        default: "",
        description: "GitHub App ID (authKind githubApp).",
    },
    githubAppInstallationId: {
        type: "string",
        default: "",
        description: "GitHub App installation ID (authKind githubApp).",
    },
    githubAppEnterpriseBaseUrl: {
        type: "string",
        default: "",
        description:
            "GitHub Enterprise API base URL, e.g. https://ghe.example.com/api/v3 (authKind githubApp; empty for github.com).",
    },
    credentialScope: {
        type: "string",
        default: "repository",
        description:
            "Argo CD credential Secret kind: repository (this repository only) or repo-creds (a URL-prefix template).",
    },
    credentialUrlPrefix: {
        type: "string",
        default: "",
        description:
            "URL prefix the repo-creds template matches (credentialScope repo-creds). Empty: the repository owner's prefix.",
    },
    restrictDefaultProject: {
        type: "boolean",
        default: true,
        description:
            "Empty Argo CD's built-in default AppProject (no sources, destinations or cluster kinds), so every Application must use an environment project. false: do not touch it (a project emptied before stays empty: see docs/explanation/architecture.md).",
    },
    destinationServer: {
        type: "string",
        default: "https://kubernetes.default.svc",
        description: "Kubernetes API server the applications deploy to (Argo CD destination).",
    },
    extraSourceRepos: {
        type: "array",
        default: [],
        description: "More repository URLs the environment's AppProject may deploy from (never * in prod).",
    },
    extraClusterResources: {
        type: "array",
        default: [],
        description:
            "More cluster-scoped kinds (group/Kind, core group as /Kind) the AppProject allows, beyond the tier's list.",
    },
    argocdChartVersion: {
        type: "string",
        default: "10.1.1",
        description: "Version of the argo-cd Helm chart (pinned; a bump is this one change).",
    },
    argocdChartRepository: {
        type: "string",
        default: "https://argoproj.github.io/argo-helm",
        description:
            "Where the argo-cd chart comes from: an https:// chart repository, an oci://host/path registry, or a local chart directory (absolute, or ./ or ../ relative to the project) holding Chart.yaml. Default: the upstream argo-helm repository.",
    },
    chartRepositoryCaFile: {
        type: "string",
        default: "",
        description:
            "PEM file of the CA certificates that sign the https:// chart repositories' TLS certificates (a mirror with a private CA), for every chart of the stack: absolute, or ./ or ../ relative to the project (commit it: CAs are public). Empty: the host's trust store. oci:// registries use the trust store (see docs/how-to/mirror-or-existing-install.md).",
    },
    argocdNamespace: {
        type: "string",
        default: "argocd",
        description: "Namespace Argo CD is installed into.",
    },
    argocdUrl: {
        type: "string",
        default: "",
        description: "External URL of the Argo CD UI (https://...); used for SSO and notification links.",
    },
    fluxChartVersion: {
        type: "string",
        default: "2.18.3",
        description: "Version of the flux2 Helm chart (pinned; a bump is this one change).",
    },
    fluxChartRepository: {
        type: "string",
        default: "https://fluxcd-community.github.io/helm-charts",
        description:
            "Where the flux2 chart comes from: an https:// chart repository, an oci://host/path registry, or a local chart directory (absolute, or ./ or ../ relative to the project) holding Chart.yaml. Default: the upstream fluxcd-community repository.",
    },
    fluxNamespace: {
        type: "string",
        default: "flux-system",
        description: "Namespace Flux is installed into.",
    },
    imageRegistry: {
        type: "string",
        default: "",
        description:
            "Registry prefix (host[:port][/path], no scheme) every operator image is pulled from, e.g. a mirror for air-gapped clusters. Empty: the registries the charts name.",
    },
    operatorInstall: {
        type: "string",
        default: "helm",
        description:
            "helm: install the operator from its chart. existing: the operator is already installed (e.g. after flux bootstrap, or an existing Argo CD); no chart is installed, only the GitOps objects are declared.",
    },
    autoSync: {
        type: "string",
        default: "",
        description:
            "Argo CD automated sync (prune + selfHeal): true or false. Empty: tier default (on in dev/staging, off in prod).",
    },
    cascadeDelete: {
        type: "string",
        default: "",
        description:
            "Whether deleting the stack deletes the workloads (Argo CD: resources finalizer on Applications; Flux: Kustomization deletionPolicy Delete, else Orphan): true or false. Empty: tier default (on in dev/staging, off in prod).",
    },
    highAvailability: {
        type: "string",
        default: "",
        description:
            "HA install of the operator (Argo CD: redis-ha, replicas, PDBs; Flux: reserved controller CPU and memory): true or false. Empty: tier default (on in prod).",
    },
    adminEnabled: {
        type: "string",
        default: "",
        description: "Argo CD local admin account: true or false. Empty: tier default (on in dev only).",
    },
    acknowledgeProdOverrides: {
        type: "any",
        default: false,
        description:
            "The prod safety defaults the stack relaxes, by name: a list such as [autoSync, adminEnabled] (any of autoSync, cascadeDelete, highAvailability, adminEnabled, rbacDefaultPolicy, restrictDefaultProject, extraClusterResources, fluxMultitenancy, targetRevision). true acknowledges all (deprecated). Never lowers the tier.",
    },
    syncWindowSchedule: {
        type: "string",
        default: "0 8 * * 1-5",
        description:
            "Prod: cron schedule of the window in which automated syncs may run (manual syncs are always allowed).",
    },
    syncWindowDuration: {
        type: "string",
        default: "10h",
        description: "Prod: length of the sync window, e.g. 10h or 90m.",
    },
    syncWindowTimeZone: {
        type: "string",
        default: "UTC",
        description:
            "Prod: IANA time zone of the sync window schedule, spelt exactly (Europe/Berlin; not europe/berlin, +05:00 or Local).",
    },
    revisionHistoryLimit: {
        type: "integer",
        default: 10,
        description: "Sync history entries each Application keeps.",
    },
    retryLimit: {
        type: "integer",
        default: 5,
        description: "Sync retries (with exponential backoff) before an Application sync is marked failed.",
    },
    platformAdminGroups: {
        type: "array",
        default: [],
        description: "SSO groups with full rights (Argo CD role:admin; may change GitOps objects in the cluster).",
    },
    deployerGroups: {
        type: "array",
        default: [],
        description: "SSO groups that may sync and roll back this environment's applications (required in prod).",
    },
    developerGroups: {
        type: "array",
        default: [],
        description: "SSO groups with read-only access to applications and GitOps objects.",
    },
    rbacDefaultPolicy: {
        type: "string",
        default: "role:readonly",
        description:
            "Argo CD policy.default for authenticated users without a matching rule: role:readonly, role:admin, or empty (deny).",
    },
    ssoDexConfig: {
        type: "string",
        default: "",
        description: "Argo CD dex.config (YAML text), passed through to argocd-cm. Exclusive with ssoOidcConfig.",
    },
    ssoOidcConfig: {
        type: "string",
        default: "",
        description: "Argo CD oidc.config (YAML text), passed through to argocd-cm. Exclusive with ssoDexConfig.",
    },
    slackChannel: {
        type: "string",
        default: "",
        description: "Slack channel for this environment's notifications, e.g. deploys-prod. Empty: notifications off.",
    },
    slackTriggers: {
        type: "array",
        default: [],
        description:
            "Argo CD events that notify Slack: sync-succeeded, sync-failed, health-degraded, deployed, out-of-sync, sync-unknown, drift-corrected. Empty: tier default. (Flux alerts by tier severity.) More channels: structured key alertChannels.",
    },
    fluxInterval: {
        type: "string",
        default: "",
        description:
            "Flux reconcile interval for Kustomizations, e.g. 5m (a Go duration, at least 10s). Empty: tier default (1m dev, 5m staging, 10m prod).",
    },
    fluxMultitenancy: {
        type: "boolean",
        default: true,
        description: "Flux multi-tenancy lockdown: a default service account and no cross-namespace references.",
    },
    gitWebhook: {
        type: "string",
        default: "",
        description:
            "Git webhooks: a push at the Git host makes the operator fetch at once (Flux: a Receiver; Argo CD: the webhook secret of /api/webhook), polling stays as the fallback: true or false. Empty: on in dev and staging when gitWebhookSecret is set, off in prod.",
    },
    gitWebhookProvider: {
        type: "string",
        default: "github",
        description:
            "Git host that sends the webhooks: github, gitlab, bitbucket (Bitbucket Server/Data Center) or generic (Flux only: no signature; the secret URL path is the only check).",
    },
    imageAutomation: {
        type: "string",
        default: "",
        description:
            "Image update automation for apps that declare image and semverRange (Flux image automation; Argo CD Image Updater): true or false. Empty: on in dev/staging. Never in prod.",
    },
    imageUpdaterChartVersion: {
        type: "string",
        default: "1.2.4",
        description:
            "Version of the argocd-image-updater Helm chart (pinned; from the argo-cd chart's repository), installed where Argo CD runs image automation.",
    },
    imageUpdaterWriteSecret: {
        type: "string",
        default: "",
        description:
            "Argo CD Image Updater write credential: <namespace>/<secret> of a Secret it pushes with. Empty: Argo CD's repository credentials.",
    },
    argoRollouts: {
        type: "string",
        default: "",
        description:
            "Install the Argo Rollouts controller (canary Rollouts with analysis) with either operator: true or false. Empty: tier default (off in every tier; turn it on where apps ship a Rollout).",
    },
    argoRolloutsChartVersion: {
        type: "string",
        default: "2.41.0",
        description: "Version of the argo-rollouts Helm chart (pinned; a bump is this one change).",
    },
    argoRolloutsChartRepository: {
        type: "string",
        default: "https://argoproj.github.io/argo-helm",
        description:
            "Where the argo-rollouts chart comes from: an https:// chart repository, an oci://host/path registry, or a local chart directory (absolute, or ./ or ../ relative to the project) holding Chart.yaml.",
    },
    secretsInGit: {
        type: "string",
        default: "none",
        description:
            "How Secrets are kept in Git, never in plain text: none, sops (Flux decrypts with the age key sopsAgeKey), sealed-secrets (the Sealed Secrets controller, either operator) or external-secrets (External Secrets Operator and Vault, either operator).",
    },
    sealedSecretsChartVersion: {
        type: "string",
        default: "2.18.5",
        description: "Version of the sealed-secrets Helm chart (pinned; secretsInGit sealed-secrets).",
    },
    sealedSecretsChartRepository: {
        type: "string",
        default: "https://bitnami-labs.github.io/sealed-secrets",
        description:
            "Where the sealed-secrets chart comes from: an https:// chart repository, an oci://host/path registry, or a local chart directory holding Chart.yaml.",
    },
    externalSecretsChartVersion: {
        type: "string",
        default: "2.9.0",
        description: "Version of the external-secrets Helm chart (pinned; secretsInGit external-secrets).",
    },
    externalSecretsChartRepository: {
        type: "string",
        default: "https://charts.external-secrets.io",
        description:
            "Where the external-secrets chart comes from: an https:// chart repository, an oci://host/path registry, or a local chart directory holding Chart.yaml.",
    },
    externalSecretsVaultServer: {
        type: "string",
        default: "",
        description:
            "secretsInGit external-secrets: https:// URL of the environment's Vault, read through one ClusterSecretStore limited to the environment's app namespaces.",
    },
    externalSecretsVaultPath: {
        type: "string",
        default: "secret",
        description: "secretsInGit external-secrets: mount path of the Vault KV version 2 engine.",
    },
    externalSecretsVaultRole: {
        type: "string",
        default: "",
        description:
            "secretsInGit external-secrets: Vault Kubernetes auth role each namespace logs in with as its own default ServiceAccount. Empty: gitops-<env>.",
    },
} as const satisfies Record<string, DeclaredKey>;

export type DeclaredKeyName = keyof typeof DECLARED_KEYS;

/**
 * Keys only one operator uses. A stack that sets one of them for the other operator still runs (switching operator
 * is one config change), and the program warns that the key has no effect.
 */
export const OPERATOR_ONLY_KEYS: Readonly<Record<"argocd" | "flux", readonly DeclaredKeyName[]>> = {
    argocd: [
        "appsMode",
        "applicationSetNamespaces",
        "rootPathTemplate",
        "restrictDefaultProject",
        "credentialScope",
        "credentialUrlPrefix",
        "destinationServer",
        "extraSourceRepos",
        "extraClusterResources",
        "argocdChartVersion",
        "argocdChartRepository",
        "imageUpdaterChartVersion",
        "imageUpdaterWriteSecret",
        "argocdNamespace",
        "argocdUrl",
        "autoSync",
        "adminEnabled",
        "syncWindowSchedule",
        "syncWindowDuration",
        "syncWindowTimeZone",
        "revisionHistoryLimit",
        "retryLimit",
        "rbacDefaultPolicy",
        "ssoDexConfig",
        "ssoOidcConfig",
        "slackTriggers",
    ],
    flux: ["fluxChartVersion", "fluxChartRepository", "fluxNamespace", "fluxInterval", "fluxMultitenancy"],
};

/** Secret keys: read with getSecret only, never declared (each is needed by one auth mode or feature only). */
export const SECRET_KEYS = {
    sshPrivateKey: "SSH private key of the repository deploy key (authKind ssh).",
    httpsToken: "Access token for HTTPS Git (authKind https).",
    githubAppPrivateKey: "PEM private key of the GitHub App (authKind githubApp).",
    slackToken: "Slack bot token (xoxb-...) for notifications (required when slackChannel is set).",
    ssoClientSecret:
        "Client secret of the Argo CD SSO application (required when the SSO config refers to $argocd-sso:clientSecret).",
    alertSecrets:
        "JSON map of alertChannels name to credentials: { token } (slack), { password } (email with username), { url } (teams), { url, headers?, hmacKey? } (webhook), { routingKey } (pagerduty) (required when alertChannels lists a channel).",
    clusterCredentials:
        "JSON map of cluster name to credentials, { bearerToken, caData? } or { exec: { command, args?, env?, apiVersion }, caData? } (required when clusters lists a remote cluster).",
    gitWebhookSecret:
        "Shared secret of the Git webhook (gitWebhook; at least 32 visible ASCII characters, e.g. openssl rand -hex 32): the HMAC key GitHub and Bitbucket sign with, GitLab's token, the Flux Receiver's token.",
    sopsAgeKey:
        "age private key (AGE-SECRET-KEY-1...) Flux decrypts SOPS-encrypted manifests with (secretsInGit sops); its public key is the stack output sopsAgeRecipient.",
    sealedSecretsCertificate:
        "PEM certificate of the Sealed Secrets key pair (secretsInGit sealed-secrets, optional, with sealedSecretsPrivateKey): a rebuilt cluster keeps decrypting what was sealed.",
    sealedSecretsPrivateKey:
        "PEM private key of the Sealed Secrets key pair (secretsInGit sealed-secrets, optional, with sealedSecretsCertificate).",
} as const;

export type SecretKeyName = keyof typeof SECRET_KEYS;

/** Structured keys: objects cannot be declared in Pulumi.yaml, so they are validated by the program and documented in docs/reference/configuration.md. */
export const STRUCTURED_KEYS = {
    apps: "The applications: a list of { name, namespace, path?, dependsOn?, image?, semverRange? } (at least one).",
    alertChannels:
        "Notification channels of the environment: a list of { type: slack | email | teams | webhook | pagerduty, name, events?, ... } (credentials in alertSecrets). Unset: only the Slack keys.",
    clusters:
        "Target clusters of the environment: a list of { name, server, labels?, auth: bearer | exec } (credentials in clusterCredentials). Unset: the operator's own cluster.",
} as const;
