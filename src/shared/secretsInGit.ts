import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartRepository } from "../config/types";
import { mirrorImage, releaseChart } from "./chartSource";
import { childOptions } from "./metadata";

/**
 * Sealed Secrets (secretsInGit sealed-secrets): the operator-neutral way to keep Secrets in Git. Teams commit
 * SealedSecrets encrypted to the controller's public certificate (`kubeseal`); only the controller in the cluster
 * can decrypt them into Secrets.
 */
export const SEALED_SECRETS_CHART = "sealed-secrets";
export const SEALED_SECRETS_NAMESPACE = "sealed-secrets";
/** The controller's name kubeseal looks for by default (`--controller-name`): the release uses it as its full name. */
export const SEALED_SECRETS_CONTROLLER = "sealed-secrets-controller";
export const SEALED_SECRETS_IMAGE = "docker.io/bitnami/sealed-secrets-controller";
export const SEALED_SECRETS_DEFAULT_REPOSITORY: ChartRepository = {
    kind: "https",
    url: "https://bitnami-labs.github.io/sealed-secrets",
};
/** The label the controller finds its key pairs by (every active one decrypts; the newest seals). */
export const SEALED_SECRETS_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";
/** Name of the supplied key pair's Secret (the controller's own keys are sealed-secrets-key<suffix>). */
export const SEALED_SECRETS_KEY_SECRET = "sealed-secrets-key-gitops-stack";

/**
 * The ClusterRole that gives namespace admins and editors the SealedSecret kind, aggregated into the built-in `admin`
 * and `edit` roles. The chart ships none, and the Flux tenant ServiceAccount applies an app's objects through
 * `admin` in the app's namespaces: without it kustomize-controller cannot apply a SealedSecret committed to Git
 * ("cannot patch resource sealedsecrets", seen with the real controller; tests/cluster/sealedSecrets.test.ts).
 */
export const SEALED_SECRETS_EDIT_ROLE = "gitops-stack-sealed-secrets-edit";

export interface SealedSecretsValuesArgs {
    imageRegistry?: string;
    /** A key pair is supplied: the controller must not rotate to keys the stack does not hold. */
    suppliedKey: boolean;
}

/**
 * Chart values. With a supplied key pair, key renewal is off (`keyrenewperiod: "0"`): a key the controller made
 * by itself would be lost with the cluster, and what was sealed to it with it. The controller runs one replica
 * (it has no leader election), so highAvailability changes nothing here.
 */
export function sealedSecretsValues(args: SealedSecretsValuesArgs): Record<string, unknown> {
    const values: Record<string, unknown> = { fullnameOverride: SEALED_SECRETS_CONTROLLER };
    if (args.suppliedKey) values.keyrenewperiod = "0";
    if (args.imageRegistry) {
        const registry = args.imageRegistry.replace(/\/+$/, "");
        values.image = {
            registry,
            repository: mirrorImage(SEALED_SECRETS_IMAGE, registry).slice(registry.length + 1),
        };
    }
    return values;
}

export interface SealedSecretsArgs {
    chartVersion: string;
    chartRepository?: ChartRepository;
    imageRegistry?: string;
    /** PEM certificate and private key (secret Outputs). @default none: the controller generates its own */
    keyPair?: { certificate: pulumi.Output<string>; privateKey: pulumi.Output<string> };
    labels?: Record<string, string>;
}

/** The PEM CERTIFICATE blocks of a text, and nothing else (empty when it has none). */
export function certificateBlocks(text: string): string {
    const blocks = text.match(/-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    return blocks.map((b) => `${b}\n`).join("");
}

/** The Sealed Secrets controller from its pinned chart, with the stack's key pair when one is supplied. */
export class SealedSecrets extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: pulumi.Output<string>;
    /** The supplied certificate (public: `kubeseal --cert`), undefined when the controller made its own key. */
    public readonly certificate?: pulumi.Output<string>;

    constructor(name: string, args: SealedSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:shared:SealedSecrets", name, {}, opts);
        const child = childOptions(this, opts);
        const namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: SEALED_SECRETS_NAMESPACE, labels: args.labels } },
            child,
        );
        // The key pair exists before the controller starts, so it never generates one of its own.
        const key =
            args.keyPair &&
            new k8s.core.v1.Secret(
                `${name}-key`,
                {
                    metadata: {
                        name: SEALED_SECRETS_KEY_SECRET,
                        namespace: namespace.metadata.name,
                        labels: { ...args.labels, [SEALED_SECRETS_KEY_LABEL]: "active" },
                    },
                    type: "kubernetes.io/tls",
                    stringData: {
                        "tls.crt": pulumi.secret(args.keyPair.certificate),
                        "tls.key": pulumi.secret(args.keyPair.privateKey),
                    },
                },
                { ...child, dependsOn: [namespace] },
            );
        new k8s.rbac.v1.ClusterRole(
            `${name}-edit`,
            {
                metadata: {
                    name: SEALED_SECRETS_EDIT_ROLE,
                    labels: {
                        ...args.labels,
                        "rbac.authorization.k8s.io/aggregate-to-admin": "true",
                        "rbac.authorization.k8s.io/aggregate-to-edit": "true",
                    },
                },
                rules: [
                    {
                        apiGroups: ["bitnami.com"],
                        resources: ["sealedsecrets"],
                        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                    },
                ],
            },
            child,
        );
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: SEALED_SECRETS_CONTROLLER,
                ...releaseChart(
                    SEALED_SECRETS_CHART,
                    args.chartVersion,
                    args.chartRepository ?? SEALED_SECRETS_DEFAULT_REPOSITORY,
                ),
                namespace: namespace.metadata.name,
                values: sealedSecretsValues({ imageRegistry: args.imageRegistry, suppliedKey: key !== undefined }),
                maxHistory: 10,
                cleanupOnFail: true,
            },
            { parent: this, dependsOn: key ? [namespace, key] : [namespace] },
        );
        this.namespace = namespace.metadata.name;
        // Published in clear (kubeseal --cert): only the CERTIFICATE blocks, whatever else the value held (issue 19
        // §1: a key pasted into the certificate must never reach a plain output, even if validation were bypassed).
        this.certificate = args.keyPair && pulumi.unsecret(args.keyPair.certificate.apply(certificateBlocks));
        this.registerOutputs({ namespace: this.namespace, certificate: this.certificate });
    }
}

/**
 * External Secrets Operator (secretsInGit external-secrets): teams commit ExternalSecrets (references, no values);
 * the operator reads the values from the environment's Vault.
 */
export const EXTERNAL_SECRETS_CHART = "external-secrets";
export const EXTERNAL_SECRETS_NAMESPACE = "external-secrets";
export const EXTERNAL_SECRETS_IMAGE = "ghcr.io/external-secrets/external-secrets";
export const EXTERNAL_SECRETS_API_VERSION = "external-secrets.io/v1";
export const EXTERNAL_SECRETS_DEFAULT_REPOSITORY: ChartRepository = {
    kind: "https",
    url: "https://charts.external-secrets.io",
};

export interface ExternalSecretsValuesArgs {
    highAvailability: boolean;
    imageRegistry?: string;
}

/**
 * Chart values: CRDs from the chart; with HA two replicas of the controller (leader election) and of the webhook,
 * each with a PodDisruptionBudget; every image (controller, webhook, cert controller) from the mirror.
 */
export function externalSecretsValues(args: ExternalSecretsValuesArgs): Record<string, unknown> {
    const ha = args.highAvailability;
    const pdb = { enabled: ha, minAvailable: 1 };
    const image = args.imageRegistry
        ? { image: { repository: mirrorImage(EXTERNAL_SECRETS_IMAGE, args.imageRegistry) } }
        : {};
    return {
        installCRDs: true,
        replicaCount: ha ? 2 : 1,
        leaderElect: ha,
        podDisruptionBudget: pdb,
        ...image,
        webhook: { replicaCount: ha ? 2 : 1, podDisruptionBudget: pdb, ...image },
        certController: { podDisruptionBudget: pdb, ...image },
    };
}

export interface VaultStoreArgs {
    /** https:// URL of the Vault server. */
    server: string;
    /** Mount path of the KV version 2 engine. */
    path: string;
    /** Vault Kubernetes auth role the namespaces log in with. */
    role: string;
}

/**
 * The `spec` of the environment's ClusterSecretStore: Vault KV v2, Kubernetes auth as the `default` ServiceAccount
 * of the namespace that asks (no `serviceAccountRef.namespace`: ESO's referent authentication), and usable only
 * from the environment's app namespaces (`conditions`). So there is no static credential to keep, and which secrets
 * a namespace may read is Vault's decision for that namespace's identity, not this store's.
 */
export function vaultStoreSpec(vault: VaultStoreArgs, namespaces: readonly string[]): Record<string, unknown> {
    if (namespaces.length === 0) throw new Error("ClusterSecretStore: at least one namespace is required.");
    return {
        provider: {
            vault: {
                server: vault.server,
                path: vault.path,
                version: "v2",
                auth: {
                    kubernetes: { mountPath: "kubernetes", role: vault.role, serviceAccountRef: { name: "default" } },
                },
            },
        },
        conditions: [{ namespaces: [...new Set(namespaces)] }],
    };
}

export interface ExternalSecretsArgs extends ExternalSecretsValuesArgs {
    chartVersion: string;
    chartRepository?: ChartRepository;
    /** Kubernetes name of the environment's ClusterSecretStore. */
    storeName: string;
    vault: VaultStoreArgs;
    /** The environment's app namespaces: the only ones that may use the store. */
    namespaces: readonly string[];
    labels?: Record<string, string>;
}

/** External Secrets Operator from its pinned chart, and the environment's ClusterSecretStore for its Vault. */
export class ExternalSecrets extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly storeName: pulumi.Output<string>;

    constructor(name: string, args: ExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:shared:ExternalSecrets", name, {}, opts);
        const spec = vaultStoreSpec(args.vault, args.namespaces);
        const child = childOptions(this, opts);
        const namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: EXTERNAL_SECRETS_NAMESPACE, labels: args.labels } },
            child,
        );
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: EXTERNAL_SECRETS_CHART,
                ...releaseChart(
                    EXTERNAL_SECRETS_CHART,
                    args.chartVersion,
                    args.chartRepository ?? EXTERNAL_SECRETS_DEFAULT_REPOSITORY,
                ),
                namespace: namespace.metadata.name,
                values: externalSecretsValues(args),
                maxHistory: 10,
                cleanupOnFail: true,
            },
            { parent: this, dependsOn: [namespace] },
        );
        // The chart installs the CRD: the store waits for the release, and goes first on destroy.
        const store = new k8s.apiextensions.CustomResource(
            `${name}-store`,
            {
                apiVersion: EXTERNAL_SECRETS_API_VERSION,
                kind: "ClusterSecretStore",
                metadata: { name: args.storeName, labels: args.labels },
                spec,
            },
            { ...child, dependsOn: [this.release] },
        );
        this.storeName = store.metadata.name;
        this.registerOutputs({ storeName: this.storeName });
    }
}
