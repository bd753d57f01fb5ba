import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig, ClusterCredentials } from "../config/types";
import { childOptions } from "../shared/metadata";

/** The Secret key kustomize-controller reads the kubeconfig from (`spec.kubeConfig.secretRef.key`). */
export const KUBECONFIG_KEY = "value";

/** Name of the kubeconfig Secret of a remote cluster. */
export const kubeconfigSecretName = (environment: string, cluster: string): string =>
    `${environment}-${cluster}-kubeconfig`;

/**
 * A self-contained kubeconfig for one remote cluster (kustomize-controller reads no files and, by default, runs no
 * exec plugin): the server, its CA, and the bearer token. Called only inside an apply of the secret credentials, so
 * the result stays secret. JSON is YAML, and client-go reads it as a kubeconfig.
 */
export function fluxKubeconfig(
    cluster: Pick<ClusterConfig, "name" | "server">,
    credentials: ClusterCredentials,
): string {
    if (!credentials.bearerToken) {
        // Config validation refuses exec with Flux; this guards a caller that bypasses it.
        throw new Error(`cluster ${cluster.name}: Flux needs a bearer token in the kubeconfig (no exec plugins).`);
    }
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: cluster.name,
                cluster: {
                    server: cluster.server,
                    ...(credentials.caData ? { "certificate-authority-data": credentials.caData } : {}),
                },
            },
        ],
        users: [{ name: cluster.name, user: { token: credentials.bearerToken } }],
        contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: cluster.name } }],
        "current-context": cluster.name,
    });
}

export interface ClusterKubeconfigsArgs {
    /** Namespace Flux runs in: the Kustomizations refer to Secrets of their own namespace. */
    namespace: pulumi.Input<string>;
    environment: string;
    /** The environment's clusters; the in-cluster entry needs no kubeconfig and gets none. */
    clusters: readonly ClusterConfig[];
    labels?: Record<string, string>;
}

/**
 * Kubeconfig Secrets (key `value`) for the environment's remote clusters, one per cluster. The whole kubeconfig is
 * a Pulumi secret (it carries the token); Kustomizations point at it with `spec.kubeConfig.secretRef`.
 */
export class ClusterKubeconfigs extends pulumi.ComponentResource {
    /** Secret name per remote cluster name. */
    public readonly secretNames: Readonly<Record<string, string>>;

    constructor(name: string, args: ClusterKubeconfigsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:ClusterKubeconfigs", name, {}, opts);
        const names: Record<string, string> = {};
        for (const cluster of args.clusters) {
            if (cluster.inCluster || !cluster.credentials) continue;
            const secretName = kubeconfigSecretName(args.environment, cluster.name);
            new k8s.core.v1.Secret(
                `${name}-${cluster.name}`,
                {
                    metadata: { name: secretName, namespace: args.namespace, labels: args.labels },
                    type: "Opaque",
                    stringData: {
                        [KUBECONFIG_KEY]: pulumi.secret(cluster.credentials.apply((c) => fluxKubeconfig(cluster, c))),
                    },
                },
                childOptions(this, opts),
            );
            names[cluster.name] = secretName;
        }
        this.secretNames = names;
        this.registerOutputs({ secretNames: names });
    }
}
