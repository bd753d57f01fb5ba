import { appObjectName, type AuthKind, type GitWebhookProvider, type StackConfig } from "../config";

/**
 * What a stack declares in the cluster, named exactly as the program names it (src/argocd/index.ts,
 * src/flux/index.ts); tests/status/declared.test.ts checks these names against the program's own output.
 */
export interface DeclaredApplication {
    /** Application name (Argo CD) or Kustomization name (Flux). */
    name: string;
    /**
     * `root`: the Argo CD app-of-apps root; `app`: one configured app; `generated`: an Application the stack's
     * ApplicationSet generated for an app folder found in Git (found in the cluster, not in the config).
     */
    role: "root" | "app" | "generated";
    /** Repository path the stack sets (the live object may differ if someone edited it). */
    path: string;
    /** Namespace the app deploys into. */
    destinationNamespace: string;
    /** Argo CD: the AppProject the Application belongs to. */
    project?: string;
    /** Flux: Kustomizations (names) this one waits for. */
    dependsOn: string[];
    /** API server the app deploys to (Argo CD destination; sync windows may match on it). */
    destinationServer: string;
    /** The target cluster's name when the stack has `clusters`. */
    cluster?: string;
}

export interface DeclaredCredentials {
    secretName: string;
    namespace: string;
    kind: AuthKind;
    /** The keys the operator reads from the Secret for this kind (names only). */
    keys: string[];
}

/** Git webhooks (gitWebhook): where the secret lives, and Flux's Receiver. */
export interface DeclaredWebhook {
    provider: GitWebhookProvider;
    /** Flux: the Receiver's name (in the operator's namespace). */
    receiver?: string;
    /** The Secret holding the webhook secret, and the key the operator reads (names only). */
    secretName: string;
    secretKey: string;
    /** How often the operator polls anyway, for messages: the interval a commit waits without a webhook. */
    pollInterval: string;
}

export interface DeclaredStack {
    stack: string;
    tier: string;
    operator: "argocd" | "flux";
    /** Namespace of the operator (Applications, AppProjects, Kustomizations, GitRepository and the Secret live there). */
    namespace: string;
    repoUrl: string;
    /** Argo CD targetRevision, or Flux `spec.ref` as `branch main` / `tag v1`. */
    revision: string;
    /** Argo CD: automated sync on in this tier. Flux always reconciles automatically. */
    autoSync: boolean;
    applications: DeclaredApplication[];
    /** Argo CD AppProjects (environment, bootstrap). */
    projects: string[];
    /** Flux GitRepository name. */
    gitRepository?: string;
    /**
     * Argo CD `appsMode: applicationset`: the ApplicationSet that generates an Application per app folder in Git;
     * the Applications it owns are reported with the declared ones.
     */
    applicationSet?: string;
    credentials: DeclaredCredentials;
    /** Argo CD destination server (sync windows may match on it). */
    destinationServer: string;
    /** Git webhooks, when the stack turns them on. */
    gitWebhook?: DeclaredWebhook;
}

/**
 * The argocd-secret key Argo CD checks each provider's webhooks with (src/argocd/constants.ts
 * ARGOCD_WEBHOOK_SECRETS; tests/status/declared.test.ts checks them against the program's chart values).
 */
const ARGOCD_WEBHOOK_KEYS: Record<Exclude<GitWebhookProvider, "generic">, string> = {
    github: "webhook.github.secret",
    gitlab: "webhook.gitlab.secret",
    bitbucket: "webhook.bitbucketserver.secret",
};

const CREDENTIAL_KEYS: Record<"argocd" | "flux", Record<AuthKind, string[]>> = {
    // src/argocd/repositoryCredentials.ts
    argocd: {
        ssh: ["sshPrivateKey"],
        https: ["username", "password"],
        githubApp: ["githubAppID", "githubAppInstallationID", "githubAppPrivateKey"],
    },
    // src/flux/gitCredentials.ts
    flux: {
        ssh: ["identity", "identity.pub", "known_hosts"],
        https: ["username", "password"],
        githubApp: ["githubAppID", "githubAppInstallationID", "githubAppPrivateKey"],
    },
};

/** A Flux `spec.ref` as messages show it (`branch main`). */
const describeFluxRef = (ref: object): string =>
    Object.entries(ref)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(", ");

export function declaredStack(config: StackConfig): DeclaredStack {
    const { tier, repo } = config;
    const targets: ReadonlyArray<StackConfig["clusters"][number] | undefined> =
        config.clusters.length > 0 ? config.clusters : [undefined];
    if (config.operator === "argocd") {
        const project = tier;
        const rootProject = `${tier}-bootstrap`;
        return {
            stack: config.stack,
            tier,
            operator: "argocd",
            namespace: config.argocd.namespace,
            repoUrl: repo.url,
            revision: repo.revision,
            autoSync: config.argocd.autoSync,
            applications: [
                // The app-of-apps root stays on Argo CD's own cluster.
                {
                    name: `${tier}-root`,
                    role: "root",
                    path: config.argocd.rootPath,
                    destinationNamespace: config.argocd.namespace,
                    project: rootProject,
                    dependsOn: [],
                    destinationServer: config.argocd.destinationServer,
                },
                // One Application per app, or per app and cluster with `clusters` (<tier>-<app>-<cluster>; home: <tier>-<app>).
                ...config.apps.flatMap((a) =>
                    targets.map((c) => ({
                        name: appObjectName(tier, a.name, c),
                        role: "app" as const,
                        path: a.path,
                        destinationNamespace: a.namespace,
                        project,
                        dependsOn: a.dependsOn.map((d) => appObjectName(tier, d, c)),
                        destinationServer: c ? c.server : config.argocd.destinationServer,
                        ...(c ? { cluster: c.name } : {}),
                    })),
                ),
            ],
            ...(config.appsMode === "applicationset" ? { applicationSet: `${tier}-apps` } : {}),
            projects: [project, rootProject],
            credentials: {
                secretName: `gitops-repo-${repo.credentialScope}`,
                namespace: config.argocd.namespace,
                kind: repo.auth.kind,
                keys: CREDENTIAL_KEYS.argocd[repo.auth.kind],
            },
            destinationServer: config.argocd.destinationServer,
            ...(config.gitWebhook && config.gitWebhook.provider !== "generic"
                ? {
                      gitWebhook: {
                          provider: config.gitWebhook.provider,
                          secretName: "argocd-secret",
                          secretKey: ARGOCD_WEBHOOK_KEYS[config.gitWebhook.provider],
                          pollInterval: "120 s plus up to 60 s of jitter",
                      },
                  }
                : {}),
        };
    }
    const environment = `gitops-${tier}`;
    return {
        stack: config.stack,
        tier,
        operator: "flux",
        namespace: config.flux.namespace,
        repoUrl: repo.url,
        revision: describeFluxRef(repo.fluxRef),
        autoSync: true,
        // One Kustomization per app, or per app and cluster (<tier>-<app>-<cluster>) with `clusters`; a remote
        // cluster's Kustomizations apply there, so their pods are not in this cluster.
        applications: config.apps.flatMap((a) =>
            targets.map((c) => ({
                name: appObjectName(tier, a.name, c),
                role: "app" as const,
                path: a.path,
                destinationNamespace: a.namespace,
                dependsOn: a.dependsOn.map((d) => appObjectName(tier, d, c)),
                destinationServer: c ? c.server : config.argocd.destinationServer,
                ...(c ? { cluster: c.name } : {}),
            })),
        ),
        projects: [],
        gitRepository: environment,
        credentials: {
            secretName: `${environment}-auth`,
            namespace: config.flux.namespace,
            kind: repo.auth.kind,
            keys: CREDENTIAL_KEYS.flux[repo.auth.kind],
        },
        destinationServer: config.argocd.destinationServer,
        ...(config.gitWebhook
            ? {
                  gitWebhook: {
                      provider: config.gitWebhook.provider,
                      receiver: environment,
                      secretName: `${environment}-webhook-token`,
                      secretKey: "token",
                      pollInterval: config.flux.interval,
                  },
              }
            : {}),
    };
}
