import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/types";
import { readOnlyGroups } from "./accessControl";
import { commonLabels } from "./metadata";
import { ArgoRollouts } from "./rollouts";
import { ExternalSecrets, SealedSecrets } from "./secretsInGit";

/** Stack outputs of issue 12's add-ons (absent when the stack does not use them). */
export interface DeliveryOutputs {
    /** secretsInGit sops (Flux): the age recipient (age1...) teams encrypt to. */
    sopsAgeRecipient?: pulumi.Output<string | undefined>;
    /** secretsInGit sealed-secrets with a supplied key pair: the PEM certificate `kubeseal --cert` seals with. */
    sealedSecretsCertificate?: pulumi.Output<string>;
}

export interface DeliveryAddons {
    rollouts?: ArgoRollouts;
    sealedSecrets?: SealedSecrets;
    externalSecrets?: ExternalSecrets;
    outputs: DeliveryOutputs;
}

/**
 * The operator-neutral add-ons of a stack: the Argo Rollouts controller (argoRollouts), the Sealed Secrets
 * controller (secretsInGit sealed-secrets) and External Secrets Operator (secretsInGit external-secrets). They are
 * independent of the operator's release: the workloads that use them come from Git, and each chart installs its own
 * CRDs.
 */
export function deployDeliveryAddons(
    config: StackConfig,
    /** Options of every object created here (the GitOpsStack as parent, and its alias). */
    scope: pulumi.ComponentResourceOptions,
    options: {
        /** Flux: deployers steer canaries with kubectl in these namespaces (Argo CD: through resource actions). */
        deployerNamespaces?: readonly string[];
        /** What the deployers' binding in a namespace waits for (the namespace itself, on Flux). */
        deployerNamespacesAfter?: (namespace: string) => pulumi.Input<pulumi.Resource>[];
    } = {},
): DeliveryAddons {
    const { delivery, access, tier } = config;
    const labels = commonLabels(tier);
    const rollouts =
        delivery.rollouts &&
        new ArgoRollouts(
            "argo-rollouts",
            {
                chartVersion: delivery.rollouts.chart.version,
                chartRepository: delivery.rollouts.chart.repository,
                imageRegistry: delivery.imageRegistry,
                highAvailability: delivery.rollouts.highAvailability,
                readOnlyGroups: readOnlyGroups(access),
                deployers: options.deployerNamespaces && {
                    groups: access.deployerGroups,
                    namespaces: options.deployerNamespaces,
                    after: options.deployerNamespacesAfter,
                },
                namePrefix: `gitops-stack-${tier}`,
                labels,
            },
            scope,
        );
    const sealedSecrets =
        delivery.sealedSecrets &&
        new SealedSecrets(
            "sealed-secrets",
            {
                chartVersion: delivery.sealedSecrets.chart.version,
                chartRepository: delivery.sealedSecrets.chart.repository,
                imageRegistry: delivery.imageRegistry,
                keyPair: delivery.sealedSecrets.keyPair,
                labels,
            },
            scope,
        );
    // One ClusterSecretStore per environment, usable only from the environment's app namespaces.
    const externalSecrets =
        delivery.externalSecrets &&
        new ExternalSecrets(
            "external-secrets",
            {
                chartVersion: delivery.externalSecrets.chart.version,
                chartRepository: delivery.externalSecrets.chart.repository,
                imageRegistry: delivery.imageRegistry,
                highAvailability: delivery.externalSecrets.highAvailability,
                storeName: `gitops-${tier}-vault`,
                vault: delivery.externalSecrets.vault,
                namespaces: config.apps.map((a) => a.namespace),
                labels,
            },
            scope,
        );
    return {
        rollouts,
        sealedSecrets,
        externalSecrets,
        outputs: sealedSecrets?.certificate ? { sealedSecretsCertificate: sealedSecrets.certificate } : {},
    };
}
