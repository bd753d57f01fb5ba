/** A Kubernetes object as `kubectl get -o json` returns it (only the fields the status command reads are typed). */
export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        creationTimestamp?: string;
        generation?: number;
        ownerReferences?: Array<{ kind: string; name: string }>;
    };
    // The operators' own shapes; read defensively.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    spec?: any;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    status?: any;
}

/** The stack's credential Secret as the status command saw it. Never holds a private key or token. */
export interface CredentialState {
    found: boolean;
    /** False when reading it was forbidden (the keys and fingerprint are then unknown). */
    readable: boolean;
    /** Key names present (never values). */
    keys: string[];
    /** `SHA256:...` of the SSH public key in the cluster (identity.pub, or derived from the private key in memory). */
    fingerprint?: string;
    /** The public key line, safe to print. */
    publicKey?: string;
}

/** Whether a path exists at a revision in the local checkout given with --repo. */
export interface PathCheck {
    revision: string;
    path: string;
    /** The ref that was looked up (`main`, `origin/main`, a commit). */
    checkedRef?: string;
    /** undefined: the revision itself is unknown to the checkout. */
    exists?: boolean;
    revisionExists: boolean;
}

/**
 * Everything the diagnosis reads, gathered by the I/O layer (src/status/kube.ts). A kind map is undefined when the
 * cluster does not serve that kind (CRDs missing); an object absent from a map does not exist.
 */
export interface ClusterSnapshot {
    now: Date;
    context?: string;
    applications?: Record<string, KubeObject>;
    appProjects?: Record<string, KubeObject>;
    applicationSets?: Record<string, KubeObject>;
    kustomizations?: Record<string, KubeObject>;
    gitRepositories?: Record<string, KubeObject>;
    credentials?: CredentialState;
    /** Flux Receivers of the operator's namespace (read only when the stack declares Git webhooks). */
    receivers?: Record<string, KubeObject>;
    /** The Secret the webhook secret lives in (Flux token Secret, Argo CD argocd-secret): key names only. */
    webhookSecret?: CredentialState;
    /** Pods of the namespaces that were looked up (apps that are not healthy). */
    pods: Record<string, KubeObject[]>;
    /** Results for --repo; empty without it. */
    pathChecks: PathCheck[];
    /** The local checkout given with --repo. */
    repoDir?: string;
}

/** The failure classes of the cause → fix table in docs/reference/status.md. */
export const FINDING_CLASSES = [
    "missing",
    "operator-missing",
    "path-or-revision",
    "authentication",
    "manual-sync",
    "sync-window",
    "not-syncing",
    "already-exists",
    "unhealthy",
    "progressing",
    "stuck-sync",
    "suspended",
    "unknown-sync",
    "dependency",
    "build-failed",
    "sync-failed",
    "drift-from-stack",
    "reconcile-failed",
    "webhook",
] as const;
export type FindingClass = (typeof FINDING_CLASSES)[number];

export interface Finding {
    class: FindingClass;
    /** `error`: a person must act (exit 1). `info`: worth knowing, not failing (a rollout in progress). */
    severity: "error" | "info";
    /** One line: what is wrong. */
    cause: string;
    /** What to do, in order; commands are complete and copyable. */
    fix: string[];
    /** The facts the cause rests on (paths, revisions, Secret names, fingerprints, pods). */
    facts: Record<string, string | boolean | string[]>;
}

export interface ObjectReport {
    kind: "Application" | "ApplicationSet" | "Kustomization" | "GitRepository" | "Receiver" | "Secret";
    name: string;
    namespace: string;
    found: boolean;
    /** Argo CD sync status (Synced, OutOfSync, Unknown). */
    sync?: string;
    /** Argo CD health (Healthy, Progressing, Degraded, Missing, Suspended, Unknown). */
    health?: string;
    /** Flux Ready condition (True, False, Unknown) with its reason; for the webhook Secret, whether its key is set. */
    ready?: string;
    /** The revision last synced or applied (a commit, or `main@sha1:...` for Flux). */
    revision?: string;
    /** ISO time of the last change (last sync, or the Ready condition's last transition). */
    lastChange?: string;
    /** No error finding. */
    ok: boolean;
    findings: Finding[];
}

/** The `--json` output. Bump `schemaVersion` on any incompatible change. */
export interface StatusReport {
    schemaVersion: 1;
    stack: string;
    tier: string;
    operator: "argocd" | "flux";
    context?: string;
    namespace: string;
    generatedAt: string;
    /** Every object is fine: exit code 0. */
    ok: boolean;
    objects: ObjectReport[];
}
