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
        this.certificate = args.keyPair && pulumi.unsecret(args.keyPair.certificate);
        this.registerOutputs({ namespace: this.namespace, certificate: this.certificate });
    }
}
