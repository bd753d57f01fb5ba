import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig, ClusterCredentials } from "../config/types";
import { childOptions } from "../shared/metadata";

/** The label that makes a Secret an Argo CD cluster (declarative setup). */
export const CLUSTER_SECRET_TYPE = { "argocd.argoproj.io/secret-type": "cluster" } as const;

export interface EnvironmentClustersArgs {
    /** Namespace Argo CD runs in (cluster Secrets must live there). */
    namespace: pulumi.Input<string>;
    /** The environment (tier): Secret names `cluster-<env>-<name>` and the environment label. */
    environment: string;
    clusters: readonly ClusterConfig[];
    /** The environment's common labels (they carry gitops-stack.io/environment, which the ApplicationSet selects). */
    labels: Record<string, string>;
}

/**
 * The `config` JSON of an Argo CD cluster Secret (argo-cd's ClusterConfig): bearer token or exec provider, the CA
 * the API server's certificate must chain to, never `insecure`. Called only inside an apply of the secret
 * credentials, so its result stays secret.
 */
export function argoClusterConfig(credentials: ClusterCredentials): string {
    const tlsClientConfig = { insecure: false, ...(credentials.caData ? { caData: credentials.caData } : {}) };
    if (credentials.exec) {
        const { command, args, env, apiVersion } = credentials.exec;
        return JSON.stringify({
            execProviderConfig: { command, args: [...args], env: { ...env }, apiVersion },
            tlsClientConfig,
        });
    }
    return JSON.stringify({ bearerToken: credentials.bearerToken, tlsClientConfig });
}

/**
 * Argo CD cluster Secrets for the environment's target clusters: `name` and `server` in clear (they are not
 * secret, and a reviewer must see where apps go), `config` (token or exec plugin, CA) a Pulumi secret. The
 * in-cluster entry gets a Secret too, without credentials, so the ApplicationSet's cluster generator can select it by
 * label like any other cluster.
 */
export class EnvironmentClusters extends pulumi.ComponentResource {
    /** Secret names, in the order of `clusters`. */
    public readonly secretNames: pulumi.Output<string[]>;

    constructor(name: string, args: EnvironmentClustersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:argocd:EnvironmentClusters", name, {}, opts);
        const secrets = args.clusters.map((cluster) => {
            const config: pulumi.Input<string> = cluster.credentials
                ? pulumi.secret(cluster.credentials.apply(argoClusterConfig))
                : JSON.stringify({ tlsClientConfig: { insecure: false } });
            return new k8s.core.v1.Secret(
                `${name}-${cluster.name}`,
                {
                    metadata: {
                        name: `cluster-${args.environment}-${cluster.name}`,
                        namespace: args.namespace,
                        // The program's labels last: a cluster's own labels cannot move it to another environment.
                        labels: { ...cluster.labels, ...args.labels, ...CLUSTER_SECRET_TYPE },
                    },
                    type: "Opaque",
                    stringData: { name: cluster.name, server: cluster.server, config },
                },
                childOptions(this, opts),
            );
        });
        this.secretNames = pulumi.all(secrets.map((s) => s.metadata.name));
        this.registerOutputs({ secretNames: this.secretNames });
    }
}
