/**
 * The arguments of the GitOpsStack component: the stack's configuration as typed inputs, key for key.
 *
 * Every key of ./keys.ts is a field here under the same name, with the same description and default
 * (tests/config/args.test.ts keeps the two equal, and the component package's schema.json is inferred from this file by
 * Pulumi's analyzer, so the JSDoc below is what a C#, Python, Go or YAML user reads). The config module reads a
 * stack's configuration into this type (loadStackArgs); the component reads it back through argsConfigSource, so the
 * rules of ./rules run on both sources the same way.
 *
 * What follows the analyzer's rules (@pulumi/pulumi provider/experimental/analyzer.js): interfaces, primitives, arrays
 * (`T[]`, not `readonly T[]`: a ReadonlyArray is not recognised as an array), string maps, `Input<T>`; no union but
 * `T | undefined`, no function. Settings are plain values: they decide which objects exist and are validated before
 * any is created, so they must be known at preview. Secrets, and the SSO configs (which a stack may keep secret), are
 * Inputs: a caller may pass another resource's output, and the component keeps every secret a Pulumi secret.
 * Values outside a field's type (a string in a boolean field, from an untyped caller) reach the rules unchanged and get
 * the message the same stack configuration gets.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * Declared keys whose value is true, false or empty for the tier's default: optional booleans here (unset: the tier's
 * default).
 */
export const TIER_SWITCH_KEYS = [
    "autoSync",
    "cascadeDelete",
    "highAvailability",
    "adminEnabled",
    "imageAutomation",
    "argoRollouts",
    "gitWebhook",
] as const;

/** An application of the environment (structured key `apps`). */
export interface App {
    /** Lowercase DNS label, unique in the stack: the Application or Kustomization is <env>-<name>. */
    readonly name: string;
    /** Namespace the app deploys into (created and owned by the stack; never default, kube-* or the operator's). */
    readonly namespace: string;
    /** Path of the app's manifests in the repository ({env} is replaced). Default: appPathTemplate with {app} = name. */
    readonly path?: string;
    /** Apps (by name) that must be ready before this one. */
    readonly dependsOn?: string[];
    /** Image repository without tag (e.g. ghcr.io/org/app) for image automation; with semverRange. */
    readonly image?: string;
    /** Semver range of tags image automation may move to (e.g. ">=1.0.0 <2.0.0"); with image. */
    readonly semverRange?: string;
}

/** A target cluster of the environment (structured key `clusters`); its credentials are in clusterCredentials. */
export interface Cluster {
    /** Lowercase DNS label, unique in the stack: Applications and Kustomizations are <env>-<app>-<name>. */
    readonly name: string;
    /** https URL of the cluster's API server (https://kubernetes.default.svc: the operator's own cluster). */
    readonly server: string;
    /** Labels of the cluster (the program adds gitops-stack.io/environment). */
    readonly labels?: { [key: string]: string };
    /** How the operator authenticates: bearer or exec (Argo CD only). None for the in-cluster entry. */
    readonly auth?: string;
}

/**
 * A notification channel of the environment (structured key `alertChannels`); its credentials are in alertSecrets,
 * under the channel's name. Each type takes its own fields.
 */
export interface AlertChannel {
    /** slack, email, teams, webhook or pagerduty. */
    readonly type: string;
    /** Lowercase DNS label of at most 40 characters, unique in the stack. */
    readonly name: string;
    /**
     * Events the channel gets: sync-succeeded, sync-failed, health-degraded, deployed, out-of-sync, sync-unknown,
     * drift-corrected. Default: the tier's.
     */
    readonly events?: string[];
    /** slack: the channel name. */
    readonly channel?: string;
    /** email: the recipients. */
    readonly to?: string[];
    /** email: the SMTP server's host name. */
    readonly smtpHost?: string;
    /** email: the SMTP port, e.g. 587. */
    readonly smtpPort?: number;
    /** email: the sender's address. */
    readonly from?: string;
    /** email: the SMTP user name (its password in alertSecrets). */
    readonly username?: string;
    /** webhook: names of the headers whose values are in alertSecrets. */
    readonly headers?: string[];
    /** webhook (Flux only): sign each request with HMAC-SHA256 of the body (its key in alertSecrets). */
    readonly hmac?: boolean;
}

/** The stack's configuration as the GitOpsStack component's arguments: the keys of Pulumi.yaml, structured and secret. */
export interface GitOpsStackArgs {
    // --- Declared keys (Pulumi.yaml) ---
    /**
     * Environment tier: dev, staging or prod. A stack whose name is or contains (split on - _ .) a tier word
     * (dev/development, staging/stage, prod/production) has that tier and this key may only repeat it; other stack
     * names must set it.
     */
    readonly environment?: string;
    /** GitOps operator to install: argocd or flux. Default: argocd. */
    readonly operator?: string;
    /** GitOps repository URL: git@host:org/repo.git, ssh://git@host/org/repo.git or https://host/org/repo.git. */
    readonly repoUrl: string;
    /**
     * Git revision to deploy. Argo CD: a branch, tag or commit. Flux: a branch, tag:<tag> or semver:<range>. Empty:
     * main (Flux prod: the prod branch).
     */
    readonly targetRevision?: string;
    /**
     * Path of each app's manifests in the repository; {app} and {env} are replaced. Default: apps/{app}/overlays/{env}.
     */
    readonly appPathTemplate?: string;
    /**
     * Path of the Argo CD app-of-apps root (Application manifests added through Git); {env} is replaced. Default:
     * environments/{env}.
     */
    readonly rootPathTemplate?: string;
    /**
     * Argo CD: applications (one Application per app in apps) or applicationset (one ApplicationSet finds the apps
     * under appPathTemplate in Git; apps listed in apps keep their own Application). Default: applications.
     */
    readonly appsMode?: string;
    /**
     * appsMode applicationset: namespaces (<app>-<env>) the AppProject admits for apps found in Git. Prod: the only way
     * in (no pattern); elsewhere *-<env> admits them too.
     */
    readonly applicationSetNamespaces?: string[];
    /** Git authentication: ssh (deploy key), https (token) or githubApp. Default: ssh. */
    readonly authKind?: string;
    /** known_hosts lines for the repository host (required with authKind ssh; host keys are pinned, never skipped). */
    readonly sshKnownHosts?: string;
    /** Username sent with the HTTPS token (authKind https). Default: git. */
    readonly httpsUsername?: string;
    /** GitHub App ID (authKind githubApp). */
    readonly githubAppId?: string;
    /** GitHub App installation ID (authKind githubApp). */
    readonly githubAppInstallationId?: string;
    /**
     * GitHub Enterprise API base URL, e.g. https://ghe.example.com/api/v3 (authKind githubApp; empty for github.com).
     */
    readonly githubAppEnterpriseBaseUrl?: string;
    /**
     * Argo CD credential Secret kind: repository (this repository only) or repo-creds (a URL-prefix template). Default:
     * repository.
     */
    readonly credentialScope?: string;
    /**
     * URL prefix the repo-creds template matches (credentialScope repo-creds). Empty: the repository owner's prefix.
     */
    readonly credentialUrlPrefix?: string;
    /**
     * Empty Argo CD's built-in default AppProject (no sources, destinations or cluster kinds), so every Application
     * must use an environment project. false: do not touch it (a project emptied before stays empty: see
     * docs/explanation/architecture.md). Default: true.
     */
    readonly restrictDefaultProject?: boolean;
    /**
     * Kubernetes API server the applications deploy to (Argo CD destination). Default: https://kubernetes.default.svc.
     */
    readonly destinationServer?: string;
    /** More repository URLs the environment's AppProject may deploy from (never * in prod). */
    readonly extraSourceRepos?: string[];
    /** More cluster-scoped kinds (group/Kind, core group as /Kind) the AppProject allows, beyond the tier's list. */
    readonly extraClusterResources?: string[];
    /** Version of the argo-cd Helm chart (pinned; a bump is this one change). Default: 10.1.1. */
    readonly argocdChartVersion?: string;
    /**
     * Where the argo-cd chart comes from: an https:// chart repository, an oci://host/path registry, or a local chart
     * directory (absolute, or ./ or ../ relative to the project) holding Chart.yaml. Default: the upstream argo-helm
     * repository. Default: https://argoproj.github.io/argo-helm.
     */
    readonly argocdChartRepository?: string;
    /** Namespace Argo CD is installed into. Default: argocd. */
    readonly argocdNamespace?: string;
    /** External URL of the Argo CD UI (https://...); used for SSO and notification links. */
    readonly argocdUrl?: string;
    /** Version of the flux2 Helm chart (pinned; a bump is this one change). Default: 2.18.3. */
    readonly fluxChartVersion?: string;
    /**
     * Where the flux2 chart comes from: an https:// chart repository, an oci://host/path registry, or a local chart
     * directory (absolute, or ./ or ../ relative to the project) holding Chart.yaml. Default: the upstream
     * fluxcd-community repository. Default: https://fluxcd-community.github.io/helm-charts.
     */
    readonly fluxChartRepository?: string;
    /** Namespace Flux is installed into. Default: flux-system. */
    readonly fluxNamespace?: string;
    /**
     * Registry prefix (host[:port][/path], no scheme) every operator image is pulled from, e.g. a mirror for air-gapped
     * clusters. Empty: the registries the charts name.
     */
    readonly imageRegistry?: string;
    /**
     * PEM file of the CA certificates that sign the https:// chart repositories' TLS certificates (a mirror with a
     * private CA), for every chart of the stack: absolute, or ./ or ../ relative to the project (commit it: CAs are
     * public). Empty: the host's trust store. oci:// registries use the trust store (see
     * docs/how-to/mirror-or-existing-install.md).
     */
    readonly chartRepositoryCaFile?: string;
    /**
     * helm: install the operator from its chart. existing: the operator is already installed (e.g. after flux
     * bootstrap, or an existing Argo CD); no chart is installed, only the GitOps objects are declared. Default: helm.
     */
    readonly operatorInstall?: string;
    /**
     * Argo CD automated sync (prune + selfHeal): true or false. Empty: tier default (on in dev/staging, off in prod).
     */
    readonly autoSync?: boolean;
    /**
     * Whether deleting the stack deletes the workloads (Argo CD: resources finalizer on Applications; Flux:
     * Kustomization deletionPolicy Delete, else Orphan): true or false. Empty: tier default (on in dev/staging, off in
     * prod).
     */
    readonly cascadeDelete?: boolean;
    /**
     * HA install of the operator (Argo CD: redis-ha, replicas, PDBs; Flux: reserved controller CPU and memory): true or
     * false. Empty: tier default (on in prod).
     */
    readonly highAvailability?: boolean;
    /** Argo CD local admin account: true or false. Empty: tier default (on in dev only). */
    readonly adminEnabled?: boolean;
    /**
     * The prod safety defaults the stack relaxes, by name, e.g. [autoSync, adminEnabled] (any of autoSync,
     * cascadeDelete, highAvailability, adminEnabled, rbacDefaultPolicy, restrictDefaultProject, extraClusterResources,
     * fluxMultitenancy, targetRevision). Each relaxation must be named; a name the stack does not relax is refused.
     * Never lowers the tier. Default: none. (A stack's configuration may still say true, which acknowledges all and is
     * deprecated; the component takes the names only.)
     */
    readonly acknowledgeProdOverrides?: string[];
    /**
     * Prod: cron schedule of the window in which automated syncs may run (manual syncs are always allowed). Default: 0
     * 8 * * 1-5.
     */
    readonly syncWindowSchedule?: string;
    /** Prod: length of the sync window, e.g. 10h or 90m. Default: 10h. */
    readonly syncWindowDuration?: string;
    /**
     * Prod: IANA time zone of the sync window schedule, spelt exactly (Europe/Berlin; not europe/berlin, +05:00 or
     * Local). Default: UTC.
     */
    readonly syncWindowTimeZone?: string;
    /** Sync history entries each Application keeps. Default: 10. */
    readonly revisionHistoryLimit?: number;
    /** Sync retries (with exponential backoff) before an Application sync is marked failed. Default: 5. */
    readonly retryLimit?: number;
    /** SSO groups with full rights (Argo CD role:admin; may change GitOps objects in the cluster). */
    readonly platformAdminGroups?: string[];
    /** SSO groups that may sync and roll back this environment's applications (required in prod). */
    readonly deployerGroups?: string[];
    /** SSO groups with read-only access to applications and GitOps objects. */
    readonly developerGroups?: string[];
    /**
     * Argo CD policy.default for authenticated users without a matching rule: role:readonly, role:admin, or empty
     * (deny). Default: role:readonly.
     */
    readonly rbacDefaultPolicy?: string;
    /** Argo CD dex.config (YAML text), passed through to argocd-cm. Exclusive with ssoOidcConfig. */
    readonly ssoDexConfig?: pulumi.Input<string>;
    /** Argo CD oidc.config (YAML text), passed through to argocd-cm. Exclusive with ssoDexConfig. */
    readonly ssoOidcConfig?: pulumi.Input<string>;
    /** Slack channel for this environment's notifications, e.g. deploys-prod. Empty: notifications off. */
    readonly slackChannel?: string;
    /**
     * Argo CD events that notify Slack: sync-succeeded, sync-failed, health-degraded, deployed, out-of-sync,
     * sync-unknown, drift-corrected. Empty: tier default. (Flux alerts by tier severity.) More channels: structured key
     * alertChannels.
     */
    readonly slackTriggers?: string[];
    /**
     * Flux reconcile interval for Kustomizations, e.g. 5m (a Go duration, at least 10s). Empty: tier default (1m dev,
     * 5m staging, 10m prod).
     */
    readonly fluxInterval?: string;
    /** Flux multi-tenancy lockdown: a default service account and no cross-namespace references. Default: true. */
    readonly fluxMultitenancy?: boolean;
    /**
     * Git webhooks: a push at the Git host makes the operator fetch at once (Flux: a Receiver; Argo CD: the webhook
     * secret of /api/webhook), polling stays as the fallback: true or false. Empty: on in dev and staging when
     * gitWebhookSecret is set, off in prod.
     */
    readonly gitWebhook?: boolean;
    /**
     * Git host that sends the webhooks: github, gitlab, bitbucket (Bitbucket Server/Data Center) or generic (Flux only:
     * no signature; the secret URL path is the only check). Default: github.
     */
    readonly gitWebhookProvider?: string;
    /**
     * Image update automation for apps that declare image and semverRange (Flux image automation; Argo CD Image
     * Updater): true or false. Empty: on in dev/staging. Never in prod.
     */
    readonly imageAutomation?: boolean;
    /**
     * Version of the argocd-image-updater Helm chart (pinned; from the argo-cd chart's repository), installed where
     * Argo CD runs image automation. Default: 1.2.4.
     */
    readonly imageUpdaterChartVersion?: string;
    /**
     * Argo CD Image Updater write credential: <namespace>/<secret> of a Secret it pushes with. Empty: Argo CD's
     * repository credentials.
     */
    readonly imageUpdaterWriteSecret?: string;
    /**
     * Install the Argo Rollouts controller (canary Rollouts with analysis) with either operator: true or false. Empty:
     * tier default (off in every tier; turn it on where apps ship a Rollout).
     */
    readonly argoRollouts?: boolean;
    /** Version of the argo-rollouts Helm chart (pinned; a bump is this one change). Default: 2.41.0. */
    readonly argoRolloutsChartVersion?: string;
    /**
     * Where the argo-rollouts chart comes from: an https:// chart repository, an oci://host/path registry, or a local
     * chart directory (absolute, or ./ or ../ relative to the project) holding Chart.yaml. Default:
     * https://argoproj.github.io/argo-helm.
     */
    readonly argoRolloutsChartRepository?: string;
    /**
     * How Secrets are kept in Git, never in plain text: none, sops (Flux decrypts with the age key sopsAgeKey),
     * sealed-secrets (the Sealed Secrets controller, either operator) or external-secrets (External Secrets Operator
     * and Vault, either operator). Default: none.
     */
    readonly secretsInGit?: string;
    /** Version of the sealed-secrets Helm chart (pinned; secretsInGit sealed-secrets). Default: 2.18.5. */
    readonly sealedSecretsChartVersion?: string;
    /**
     * Where the sealed-secrets chart comes from: an https:// chart repository, an oci://host/path registry, or a local
     * chart directory holding Chart.yaml. Default: https://bitnami-labs.github.io/sealed-secrets.
     */
    readonly sealedSecretsChartRepository?: string;
    /** Version of the external-secrets Helm chart (pinned; secretsInGit external-secrets). Default: 2.9.0. */
    readonly externalSecretsChartVersion?: string;
    /**
     * Where the external-secrets chart comes from: an https:// chart repository, an oci://host/path registry, or a
     * local chart directory holding Chart.yaml. Default: https://charts.external-secrets.io.
     */
    readonly externalSecretsChartRepository?: string;
    /**
     * secretsInGit external-secrets: https:// URL of the environment's Vault, read through one ClusterSecretStore
     * limited to the environment's app namespaces.
     */
    readonly externalSecretsVaultServer?: string;
    /** secretsInGit external-secrets: mount path of the Vault KV version 2 engine. Default: secret. */
    readonly externalSecretsVaultPath?: string;
    /**
     * secretsInGit external-secrets: Vault Kubernetes auth role each namespace logs in with as its own default
     * ServiceAccount. Empty: gitops-<env>.
     */
    readonly externalSecretsVaultRole?: string;

    // --- Structured keys ---
    /** The applications: a list of { name, namespace, path?, dependsOn?, image?, semverRange? } (at least one). */
    readonly apps?: App[];
    /**
     * Notification channels of the environment: a list of { type: slack | email | teams | webhook | pagerduty, name,
     * events?, ... } (credentials in alertSecrets). Unset: only the Slack keys.
     */
    readonly alertChannels?: AlertChannel[];
    /**
     * Target clusters of the environment: a list of { name, server, labels?, auth: bearer | exec } (credentials in
     * clusterCredentials). Unset: the operator's own cluster.
     */
    readonly clusters?: Cluster[];

    // --- Secrets ---
    /** SSH private key of the repository deploy key (authKind ssh). */
    readonly sshPrivateKey?: pulumi.Input<string>;
    /** Access token for HTTPS Git (authKind https). */
    readonly httpsToken?: pulumi.Input<string>;
    /** PEM private key of the GitHub App (authKind githubApp). */
    readonly githubAppPrivateKey?: pulumi.Input<string>;
    /** Slack bot token (xoxb-...) for notifications (required when slackChannel is set). */
    readonly slackToken?: pulumi.Input<string>;
    /**
     * Client secret of the Argo CD SSO application (required when the SSO config refers to $argocd-sso:clientSecret).
     */
    readonly ssoClientSecret?: pulumi.Input<string>;
    /**
     * JSON map of alertChannels name to credentials: { token } (slack), { password } (email with username), { url }
     * (teams), { url, headers?, hmacKey? } (webhook), { routingKey } (pagerduty) (required when alertChannels lists a
     * channel).
     */
    readonly alertSecrets?: pulumi.Input<string>;
    /**
     * JSON map of cluster name to credentials, { bearerToken, caData? } or { exec: { command, args?, env?, apiVersion
     * }, caData? } (required when clusters lists a remote cluster).
     */
    readonly clusterCredentials?: pulumi.Input<string>;
    /**
     * Shared secret of the Git webhook (gitWebhook; at least 32 visible ASCII characters, e.g. openssl rand -hex 32):
     * the HMAC key GitHub and Bitbucket sign with, GitLab's token, the Flux Receiver's token.
     */
    readonly gitWebhookSecret?: pulumi.Input<string>;
    /**
     * age private key (AGE-SECRET-KEY-1...) Flux decrypts SOPS-encrypted manifests with (secretsInGit sops); its public
     * key is the stack output sopsAgeRecipient.
     */
    readonly sopsAgeKey?: pulumi.Input<string>;
    /**
     * PEM certificate of the Sealed Secrets key pair (secretsInGit sealed-secrets, optional, with
     * sealedSecretsPrivateKey): a rebuilt cluster keeps decrypting what was sealed.
     */
    readonly sealedSecretsCertificate?: pulumi.Input<string>;
    /**
     * PEM private key of the Sealed Secrets key pair (secretsInGit sealed-secrets, optional, with
     * sealedSecretsCertificate).
     */
    readonly sealedSecretsPrivateKey?: pulumi.Input<string>;
}
