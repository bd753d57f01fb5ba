/**
 * Names the configuration rules share with the components. They live here, at the bottom of the dependency graph,
 * so src/config depends on nothing above it: src/argocd and src/flux may import them from here, never the reverse.
 */

/** The Pulumi project name: the namespace of every key the program reads (`gitops-stack:<key>`). */
export const PROJECT = "gitops-stack";

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
