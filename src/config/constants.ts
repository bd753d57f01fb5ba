/**
 * Names the configuration rules share with the components. They live here, at the bottom of the dependency graph,
 * so src/config depends on nothing above it: src/argocd and src/flux may import them from here, never the reverse.
 */

/** The Pulumi project name: the namespace of every key the program reads (`gitops-stack:<key>`). */
export const PROJECT = "gitops-stack";

/**
 * The offline render's stand-ins for secrets, which it never has (src/offline/stackFile.ts; a test keeps them equal):
 * one for a secret the stack file holds encrypted (`secure:`, set but unreadable), one for a secret it does not hold.
 * Both let a stack render; a rule that turns a feature on because a secret is given (gitWebhook) sees the second as
 * absent, as pulumi up would. Every rendered file shows either as `[secret]`. A real engine run never passes them.
 */
export const RENDER_SECRET_PLACEHOLDER = "[secret]";
export const RENDER_UNSET_SECRET = "[secret: not in the stack file]";
export const isRenderPlaceholder = (value: string | undefined): boolean =>
    value === RENDER_SECRET_PLACEHOLDER || value === RENDER_UNSET_SECRET;

/**
 * Secret holding the SSO client secret; the SSO config refers to it as `$argocd-sso:clientSecret` (Argo CD resolves
 * `$<secret>:<key>` in secrets labelled app.kubernetes.io/part-of: argocd).
 */
export const SSO_SECRET = "argocd-sso";
export const SSO_SECRET_KEY = "clientSecret";
/** How an SSO config refers to the client secret. */
export const SSO_SECRET_REF = `$${SSO_SECRET}:${SSO_SECRET_KEY}`;

/** Flux's Git reference (GitRepository `spec.ref`): exactly one of branch, tag or semver. */
export interface GitRef {
    /** A branch, followed to its newest commit. */
    branch?: string;
    /** One tag, fixed. */
    tag?: string;
    /** A semver range of tags; the newest matching tag is checked out. */
    semver?: string;
}

/** A reference as messages show it: `branch main`, `tag v1.2.0`, `semver >=1.0.0`. */
export function describeRef(ref: GitRef): string {
    return Object.entries(ref)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key} ${value}`)
        .join(", ");
}

/**
 * Kubernetes provider settings the project gives every stack (Pulumi.yaml `config:`, `value:`; the CLI merges them
 * into each stack's configuration, where a stack may override them, and the offline render does the same).
 *
 * `enableSecretMutable`: without it pulumi-kubernetes replaces a Secret whose `data`, `stringData` or `type` changes
 * (provider/pkg/provider/diff.go `forceNewProperties`: Secrets are immutable by default "for backward
 * compatibility"), and every Secret this program owns has a fixed name, so the replacement deletes it before
 * creating it again: a changed alert channel or token left `argocd-notifications-secret` missing for a moment
 * (issue 25 §3), and so would a rotated deploy key, SSO client secret or cluster token. With it the Secret is updated
 * in place. Changing it on a running stack is a provider update, not a replacement (DiffConfig replaces only when the
 * cluster changes).
 */
export const PROVIDER_SETTINGS = { "kubernetes:enableSecretMutable": "true" } as const;

/**
 * The name of an app's Argo CD Application or Flux Kustomization on one cluster of its environment: `<env>-<app>`
 * on the home cluster (or without `clusters`), `<env>-<app>-<cluster>` on the others. Kubernetes names are
 * identities: a renamed object is a deleted one (with its workloads, through the cascade) and a new one, so the home
 * cluster's names never depend on whether `clusters` is set (issue 25 §2).
 */
export function appObjectName(tier: string, app: string, cluster?: { name: string; home: boolean }): string {
    return cluster === undefined || cluster.home ? `${tier}-${app}` : `${tier}-${app}-${cluster.name}`;
}
