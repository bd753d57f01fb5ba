import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GitAuth } from "../config/types";
import { childOptions } from "../shared/metadata";
import { sshPublicKey } from "../config/formats/sshPublicKey";

export interface GitCredentialsArgs {
    /** Namespace of the GitRepository that uses the Secret (Flux reads `secretRef` from the source's namespace). */
    namespace: pulumi.Input<string>;
    /** Kubernetes name of the Secret (the GitRepository's `spec.secretRef.name`). @default `<name>-auth` */
    secretName?: string;
    /** How to authenticate; every credential is a Pulumi secret. */
    auth: GitAuth;
    /** Labels for every object the component creates (the environment's common labels). */
    labels?: Record<string, string>;
}

/**
 * The keys Flux's source-controller reads for each auth kind
 * (https://fluxcd.io/flux/components/source/gitrepositories/#secret-reference). None skips host verification.
 */
export function fluxGitCredentialData(auth: GitAuth): pulumi.Input<Record<string, pulumi.Input<string>>> {
    switch (auth.kind) {
        case "ssh":
            // known_hosts pins the host key; without it Flux refuses the connection. `identity.pub` (what
            // `flux create secret git` writes, for registering the deploy key) is derived from the private key when
            // it is an OpenSSH or unencrypted PEM key; source-controller itself only needs `identity`.
            return pulumi.output(auth.privateKey).apply((privateKey) => {
                const publicKey = sshPublicKey(privateKey);
                return {
                    identity: privateKey,
                    ...(publicKey ? { "identity.pub": publicKey + "\n" } : {}),
                    known_hosts: auth.knownHosts + "\n",
                };
            });
        case "https":
            return { username: auth.username, password: auth.token };
        case "githubApp": {
            const data: Record<string, pulumi.Input<string>> = {
                githubAppID: auth.appId,
                githubAppInstallationID: auth.installationId,
                githubAppPrivateKey: auth.privateKey,
            };
            // GitHub Enterprise Server only; github.com needs no base URL.
            if (auth.enterpriseBaseUrl) data.githubAppBaseURL = auth.enterpriseBaseUrl;
            return data;
        }
    }
}

/**
 * The Secret a Flux GitRepository authenticates with: an SSH deploy key with pinned host keys, an HTTPS token or
 * a GitHub App. The whole payload is a Pulumi secret: encrypted in the state and never shown in a diff.
 */
export class GitCredentials extends pulumi.ComponentResource {
    public readonly secretName: pulumi.Output<string>;

    constructor(name: string, args: GitCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:GitCredentials", name, {}, opts);
        const secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: { name: args.secretName ?? `${name}-auth`, namespace: args.namespace, labels: args.labels },
                type: "Opaque",
                stringData: pulumi.secret(fluxGitCredentialData(args.auth)),
            },
            childOptions(this, opts),
        );
        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }
}
