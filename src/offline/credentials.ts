/**
 * Which keys of a credential Secret the render may show in clear (issue 8 §6): the keys that say WHAT the credential
 * reaches (URL or URL prefix, project, type, app and installation IDs, pinned host keys) are not secret, and a review
 * must see them change — a repo-creds prefix widened from `https://github.com/acme/` to `https://github.com/` hands
 * the key to every repository. The keys that ARE the credential stay `[secret]`.
 *
 * Default-deny: a key not listed here is redacted, so a new or misspelt key never leaks.
 */

/** Argo CD repository, repo-creds and cluster Secrets (label argocd.argoproj.io/secret-type). */
export const ARGO_CREDENTIAL_SECRET_TYPES = [
    "repository",
    "repo-creds",
    "repository-write",
    "repo-write-creds",
    "cluster",
] as const;

/**
 * Argo CD's declarative repository / repo-creds fields (operator-manual/declarative-setup.md) that identify the
 * scope or behaviour, not the secret. Redacted on purpose: password, sshPrivateKey, githubAppPrivateKey,
 * tlsClientCertKey, tlsClientCertData (paired with the key), gcpServiceAccountKey, bearerToken, and `proxy` (a proxy
 * URL may carry user:password@). For cluster Secrets, `config` holds the bearer token or TLS key: redacted.
 */
export const ARGO_CLEAR_KEYS: ReadonlySet<string> = new Set([
    "url",
    "type",
    "project",
    "name",
    "username",
    "githubAppID",
    "githubAppInstallationID",
    "githubAppEnterpriseBaseUrl",
    "insecure",
    "insecureIgnoreHostKey",
    "enableLfs",
    "enableOCI",
    "forceHttpBasicAuth",
    "noProxy",
    "depth",
    // cluster Secrets
    "server",
    "namespaces",
    "clusterResources",
    "shard",
]);

/**
 * Keys of a Flux GitRepository's `secretRef` Secret (source-controller docs, "Secret reference") that are not
 * secret: the pinned host keys, the public half of the deploy key, the user name, the GitHub App IDs and base URL,
 * the CA certificate. Redacted: identity (private key), password, bearerToken, githubAppPrivateKey, tls.key,
 * tls.crt (paired with the key).
 */
export const FLUX_GIT_CLEAR_KEYS: ReadonlySet<string> = new Set([
    "known_hosts",
    "identity.pub",
    "username",
    "githubAppID",
    "githubAppInstallationID",
    "githubAppBaseURL",
    "ca.crt",
]);

type Props = Record<string, unknown>;

/** A Kubernetes object the program declared: its Pulumi type and plain (unwrapped) inputs. */
export interface DeclaredObject {
    readonly type: string;
    readonly inputs: Props;
}

const metadataOf = (inputs: Props) => (inputs.metadata ?? {}) as Props;

/** `namespace/name` of every Secret a Flux GitRepository the program declares authenticates with. */
export function fluxGitSecrets(objects: readonly DeclaredObject[]): Set<string> {
    const refs = new Set<string>();
    for (const o of objects) {
        if (!/^kubernetes:source\.toolkit\.fluxcd\.io\/[a-z0-9]+:GitRepository$/.test(o.type)) continue;
        const secretName = ((o.inputs.spec as Props | undefined)?.secretRef as Props | undefined)?.name;
        if (typeof secretName === "string") refs.add(`${String(metadataOf(o.inputs).namespace ?? "")}/${secretName}`);
    }
    return refs;
}

/**
 * The keys of this Secret the render shows in clear, or undefined when it is not a credential Secret (every value
 * of every other Secret stays redacted). `gitSecrets` is fluxGitSecrets of the same render.
 */
export function clearCredentialKeys(
    object: DeclaredObject,
    gitSecrets: ReadonlySet<string>,
): ReadonlySet<string> | undefined {
    if (object.type !== "kubernetes:core/v1:Secret") return undefined;
    const metadata = metadataOf(object.inputs);
    const labels = (metadata.labels ?? {}) as Props;
    const argoType = labels["argocd.argoproj.io/secret-type"];
    if (typeof argoType === "string" && (ARGO_CREDENTIAL_SECRET_TYPES as readonly string[]).includes(argoType))
        return ARGO_CLEAR_KEYS;
    if (gitSecrets.has(`${String(metadata.namespace ?? "")}/${String(metadata.name ?? "")}`))
        return FLUX_GIT_CLEAR_KEYS;
    return undefined;
}
