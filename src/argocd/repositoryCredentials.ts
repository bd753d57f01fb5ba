import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GitAuth } from "../config/types";
import { childOptions } from "../shared/metadata";

export interface RepositoryCredentialsArgs {
    /** Namespace Argo CD runs in (the Secret must live there). */
    namespace: pulumi.Input<string>;
    /** Repository URL (`repository`) or URL prefix (`repo-creds`) the credentials apply to. */
    url: string;
    /**
     * `repository`: this one repository. `repo-creds`: a template for every repository under the URL prefix
     * (longest prefix wins). https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#repositories
     */
    scope: "repository" | "repo-creds";
    /** How to authenticate; every credential is a Pulumi secret. */
    auth: GitAuth;
    /** Kubernetes name of the Secret. @default derived from the component name */
    secretName?: string;
    labels?: Record<string, string>;
}

/** The credential keys Argo CD reads for each auth kind (none of them skips host verification). */
export function repositoryCredentialData(auth: GitAuth): Record<string, pulumi.Input<string>> {
    switch (auth.kind) {
        case "ssh":
            // Host keys are pinned in argocd-ssh-known-hosts-cm (chart configs.ssh.knownHosts); `insecure` is never set.
            return { sshPrivateKey: auth.privateKey };
        case "https":
            return { username: auth.username, password: auth.token };
        case "githubApp": {
            const data: Record<string, pulumi.Input<string>> = {
                githubAppID: auth.appId,
                githubAppInstallationID: auth.installationId,
                githubAppPrivateKey: auth.privateKey,
            };
            if (auth.enterpriseBaseUrl) data.githubAppEnterpriseBaseUrl = auth.enterpriseBaseUrl;
            return data;
        }
    }
}

/**
 * The Argo CD repository Secret (label argocd.argoproj.io/secret-type) for an SSH deploy key, an HTTPS token or a
 * GitHub App. The whole payload is a Pulumi secret: it is encrypted in the state and never shown in a diff.
 */
export class RepositoryCredentials extends pulumi.ComponentResource {
    public readonly secretName: pulumi.Output<string>;

    constructor(name: string, args: RepositoryCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:argocd:RepositoryCredentials", name, {}, opts);
        const secretName = args.secretName ?? `${name}-${args.scope}`;
        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: {
                    name: secretName,
                    namespace: args.namespace,
                    labels: { ...args.labels, "argocd.argoproj.io/secret-type": args.scope },
                },
                type: "Opaque",
                stringData: pulumi.secret({ type: "git", url: args.url, ...repositoryCredentialData(args.auth) }),
            },
            childOptions(this, opts),
        );
        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }
}
