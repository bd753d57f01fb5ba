import type { GroupKind, SlackEvent, Tier } from "./types";

/** What each environment tier gets when its stack does not say otherwise (the README's "What each environment gets" table). */
export interface TierDefaults {
    /** Argo CD automated sync with prune and selfHeal. */
    readonly autoSync: boolean;
    /** Resources finalizer on Applications: deleting one deletes its workloads. */
    readonly cascadeDelete: boolean;
    readonly highAvailability: boolean;
    readonly adminEnabled: boolean;
    /**
     * Cluster-scoped kinds the AppProject allows. Namespace is always there because `CreateNamespace=true`
     * needs it; outside dev nothing else is.
     */
    readonly clusterResources: readonly GroupKind[];
    readonly slackEvents: readonly SlackEvent[];
    /** Argo CD Applications: track this branch unless targetRevision says otherwise. */
    readonly argoRevision: string;
    /** Flux: prod reconciles a branch that only moves through reviewed PRs (Flux has no manual sync). */
    readonly fluxRevision: string;
    readonly fluxInterval: string;
    /** Flux Kustomizations wait for their workloads to become ready (and report health) before succeeding. */
    readonly fluxWait: boolean;
    readonly fluxTimeout: string;
    /** Flux Kustomizations: how soon a failed reconciliation is retried (instead of waiting a full interval). */
    readonly fluxRetryInterval: string;
    /** Flux Slack Alert: `info` reports every reconciliation event, `error` only failures. */
    readonly fluxAlertSeverity: "info" | "error";
    readonly imageAutomation: boolean;
    /**
     * Argo Rollouts controller (issue 12): off in every tier. It is cluster-wide and only useful once an app ships
     * a Rollout, so a stack turns it on where that is the case.
     */
    readonly argoRollouts: boolean;
    /**
     * Git webhooks (issue 22) when the stack sets gitWebhookSecret and leaves gitWebhook empty: a push reaches dev
     * and staging in seconds. Prod turns them on explicitly (gitWebhook=true); nothing is relaxed by it, since a
     * webhook only makes the operator fetch what it would fetch at the next poll.
     */
    readonly gitWebhook: boolean;
}

const NAMESPACE: GroupKind = { group: "", kind: "Namespace" };

export const TIER_DEFAULTS: Readonly<Record<Tier, TierDefaults>> = {
    dev: {
        autoSync: true,
        cascadeDelete: true,
        highAvailability: false,
        adminEnabled: true,
        clusterResources: [
            NAMESPACE,
            { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
            { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding" },
            { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
        ],
        slackEvents: ["sync-failed", "health-degraded"],
        argoRevision: "main",
        fluxRevision: "main",
        fluxInterval: "1m",
        fluxWait: false,
        fluxTimeout: "3m",
        fluxRetryInterval: "30s",
        fluxAlertSeverity: "info",
        imageAutomation: true,
        argoRollouts: false,
        gitWebhook: true,
    },
    staging: {
        autoSync: true,
        cascadeDelete: true,
        highAvailability: false,
        adminEnabled: false,
        clusterResources: [NAMESPACE],
        slackEvents: ["sync-failed", "health-degraded", "deployed"],
        argoRevision: "main",
        fluxRevision: "main",
        fluxInterval: "5m",
        fluxWait: false,
        fluxTimeout: "5m",
        fluxRetryInterval: "1m",
        fluxAlertSeverity: "info",
        imageAutomation: true,
        argoRollouts: false,
        gitWebhook: true,
    },
    prod: {
        autoSync: false,
        cascadeDelete: false,
        highAvailability: true,
        adminEnabled: false,
        clusterResources: [NAMESPACE],
        slackEvents: ["sync-failed", "health-degraded", "deployed", "sync-succeeded"],
        argoRevision: "main",
        fluxRevision: "prod",
        fluxInterval: "10m",
        fluxWait: true,
        fluxTimeout: "10m",
        fluxRetryInterval: "2m",
        fluxAlertSeverity: "error",
        imageAutomation: false,
        argoRollouts: false,
        gitWebhook: false,
    },
};
