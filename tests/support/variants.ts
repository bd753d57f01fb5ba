/**
 * Configurations that together create every kind of object the program can: the committed stacks with each operator,
 * and feature-rich variants (several clusters, every alert channel type, Argo Rollouts, each way of keeping secrets in
 * Git, ApplicationSet mode, an existing operator install). Tests that must hold for "every stack" run these.
 */
import type { StackOptions } from "./stacks";

export interface Variant {
    readonly name: string;
    /** The committed stack file (and stack name). */
    readonly stack: "dev" | "staging" | "prod";
    readonly options: StackOptions;
}

const ARGO_CLUSTERS = [
    { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer", labels: { region: "eu" } },
    { name: "us-1", server: "https://us-1.k8s.example.com", auth: "exec" },
    { name: "local", server: "https://kubernetes.default.svc" },
];
const FLUX_CLUSTERS = [
    { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer" },
    { name: "local", server: "https://kubernetes.default.svc" },
];
const ARGO_CHANNELS = [
    { type: "slack", name: "deploys", channel: "deploys-team", events: ["sync-failed", "drift-corrected"] },
    {
        type: "email",
        name: "mail",
        to: ["oncall@acme.example"],
        smtpHost: "smtp.acme.example",
        smtpPort: 587,
        from: "argocd@acme.example",
        username: "argocd",
    },
    { type: "teams", name: "teams", events: ["deployed"] },
    { type: "webhook", name: "hook", headers: ["Authorization"] },
    { type: "pagerduty", name: "oncall", events: ["health-degraded", "sync-failed"] },
];
const FLUX_CHANNELS = [
    { type: "slack", name: "deploys", channel: "deploys-team", events: ["sync-failed", "drift-corrected"] },
    { type: "teams", name: "teams", events: ["deployed"] },
    { type: "webhook", name: "hook", headers: ["Authorization"] },
    { type: "pagerduty", name: "oncall", events: ["health-degraded", "sync-failed"] },
];
const VAULT = "externalSecretsVaultServer=https://vault.acme.example:8200";
const raw = (clusters: unknown, channels: unknown) => ({
    "gitops-stack:clusters": JSON.stringify(clusters),
    "gitops-stack:alertChannels": JSON.stringify(channels),
});

/** The committed stacks, each with Argo CD (as committed) and with Flux. */
export const COMMITTED: readonly Variant[] = (["dev", "staging", "prod"] as const).flatMap((stack) => [
    { name: `${stack}-argocd`, stack, options: {} },
    { name: `${stack}-flux`, stack, options: { config: ["operator=flux"] } },
]);

export const VARIANTS: readonly Variant[] = [
    ...COMMITTED,
    {
        name: "dev-argocd-features",
        stack: "dev",
        options: {
            raw: raw(ARGO_CLUSTERS, ARGO_CHANNELS),
            config: ["argoRollouts=true", "secretsInGit=sealed-secrets"],
        },
    },
    {
        name: "staging-argocd-applicationset",
        stack: "staging",
        options: { config: ["appsMode=applicationset", "secretsInGit=external-secrets", VAULT] },
    },
    {
        name: "dev-flux-features",
        stack: "dev",
        options: {
            raw: raw(FLUX_CLUSTERS, FLUX_CHANNELS),
            config: ["operator=flux", "argoRollouts=true", "secretsInGit=sops"],
        },
    },
    { name: "staging-argocd-existing", stack: "staging", options: { config: ["operatorInstall=existing"] } },
    {
        name: "staging-flux-existing",
        stack: "staging",
        options: { config: ["operator=flux", "operatorInstall=existing"] },
    },
];
