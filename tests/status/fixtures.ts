/**
 * Status fixtures shaped as the operators write them: Argo CD's Application status (pkg/apis/application/v1alpha1:
 * sync, health, conditions, operationState, resources, history) and Flux's kstatus conditions (Ready, Reconciling,
 * Stalled with the controllers' reasons). Messages are the controllers' own wording.
 */
import * as path from "node:path";
import { declaredStack, loadStack, type ClusterSnapshot, type DeclaredStack, type KubeObject } from "../../src/status";

export const ROOT = path.resolve(__dirname, "../..");
export const COMMIT = "3f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39";
export const NOW = new Date("2026-11-25T12:00:00Z");

const declaredCache = new Map<string, DeclaredStack>();
/** The real declaration of a committed stack (its stack file through src/config). */
export function declared(stack: string, overrides: string[] = []): DeclaredStack {
    const key = `${stack} ${overrides.join(" ")}`;
    if (!declaredCache.has(key)) declaredCache.set(key, declaredStack(loadStack(ROOT, stack, overrides).config));
    return declaredCache.get(key)!;
}

export interface AppState {
    sync?: "Synced" | "OutOfSync" | "Unknown";
    health?: "Healthy" | "Progressing" | "Degraded" | "Missing" | "Suspended" | "Unknown";
    healthSince?: string;
    conditions?: Array<{ type: string; message: string }>;
    operationState?: Record<string, unknown>;
    resources?: Array<Record<string, unknown>>;
    automated?: boolean;
    path?: string;
    targetRevision?: string;
}

/** An Application as the stack declares it (spec) with the status Argo CD would write. */
export function application(d: DeclaredStack, name: string, state: AppState = {}): KubeObject {
    const app = d.applications.find((a) => a.name === name);
    if (!app) throw new Error(`${name} is not declared by ${d.stack}`);
    const automated = state.automated ?? d.autoSync;
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name, namespace: d.namespace, generation: 2 },
        spec: {
            project: app.project,
            source: {
                repoURL: d.repoUrl,
                targetRevision: state.targetRevision ?? d.revision,
                path: state.path ?? app.path,
            },
            destination: { server: d.destinationServer, namespace: app.destinationNamespace },
            syncPolicy: automated
                ? { automated: { prune: true, selfHeal: true } }
                : { syncOptions: ["CreateNamespace=true"] },
        },
        status: {
            sync: { status: state.sync ?? "Synced", revision: COMMIT },
            health: {
                status: state.health ?? "Healthy",
                ...(state.healthSince ? { lastTransitionTime: state.healthSince } : {}),
            },
            conditions: (state.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: "2026-11-25T11:50:00Z" })),
            operationState: state.operationState ?? {
                phase: "Succeeded",
                message: "successfully synced (all tasks run)",
                startedAt: "2026-11-25T11:40:00Z",
                finishedAt: "2026-11-25T11:40:05Z",
                syncResult: { revision: COMMIT, resources: [] },
            },
            resources: state.resources ?? [],
            history: [{ id: 1, revision: COMMIT, deployedAt: "2026-11-25T11:40:05Z" }],
            reconciledAt: "2026-11-25T11:59:00Z",
        },
    };
}

export function appProject(d: DeclaredStack, name: string, syncWindows: unknown[] = []): KubeObject {
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AppProject",
        metadata: { name, namespace: d.namespace },
        spec: { syncWindows },
    };
}

/** A healthy Argo CD stack: every declared Application Synced/Healthy, both projects. */
export function argoSnapshot(
    d: DeclaredStack,
    states: Record<string, AppState> = {},
    windows: unknown[] = [],
): ClusterSnapshot {
    return {
        now: NOW,
        context: "test",
        applications: Object.fromEntries(d.applications.map((a) => [a.name, application(d, a.name, states[a.name])])),
        appProjects: Object.fromEntries(d.projects.map((p, i) => [p, appProject(d, p, i === 0 ? windows : [])])),
        credentials: { found: true, readable: true, keys: d.credentials.keys },
        pods: {},
        pathChecks: [],
    };
}

export interface FluxState {
    ready?: { status: "True" | "False" | "Unknown"; reason: string; message: string; since?: string };
    stalled?: { reason: string; message: string };
    suspend?: boolean;
    path?: string;
    lastAttemptedRevision?: string;
}

const fluxConditions = (state: FluxState, okMessage: string) => {
    const ready = state.ready ?? { status: "True", reason: "ReconciliationSucceeded", message: okMessage };
    const conditions: Array<Record<string, unknown>> = [
        { type: "Ready", ...ready, lastTransitionTime: ready.since ?? "2026-11-25T11:30:00Z", observedGeneration: 1 },
    ];
    if (ready.status === "Unknown") {
        conditions.push({ type: "Reconciling", status: "True", reason: "Progressing", message: ready.message });
    }
    if (state.stalled) conditions.push({ type: "Stalled", status: "True", ...state.stalled });
    return conditions;
};

export function kustomization(d: DeclaredStack, name: string, state: FluxState = {}): KubeObject {
    const app = d.applications.find((a) => a.name === name)!;
    const revision = `main@sha1:${COMMIT}`;
    return {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name, namespace: d.namespace, generation: 1 },
        spec: {
            sourceRef: { kind: "GitRepository", name: d.gitRepository },
            path: state.path ?? `./${app.path}`,
            targetNamespace: app.destinationNamespace,
            ...(state.suspend ? { suspend: true } : {}),
        },
        status: {
            conditions: fluxConditions(state, `Applied revision: ${revision}`),
            lastAppliedRevision: state.ready?.status === "False" ? undefined : revision,
            lastAttemptedRevision: state.lastAttemptedRevision ?? revision,
            observedGeneration: 1,
        },
    };
}

export function gitRepository(d: DeclaredStack, state: FluxState = {}): KubeObject {
    const failed = state.ready?.status === "False";
    return {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name: d.gitRepository!, namespace: d.namespace, generation: 1 },
        spec: {
            url: "ssh://git@github.com/acme/gitops.git",
            ref: { branch: "main" },
            secretRef: { name: d.credentials.secretName },
            ...(state.suspend ? { suspend: true } : {}),
        },
        status: {
            conditions: fluxConditions(state, `stored artifact for revision 'main@sha1:${COMMIT}'`),
            ...(failed
                ? {}
                : { artifact: { revision: `main@sha1:${COMMIT}`, lastUpdateTime: "2026-11-25T11:29:00Z" } }),
        },
    };
}

export function fluxSnapshot(
    d: DeclaredStack,
    states: Record<string, FluxState> = {},
    source: FluxState = {},
): ClusterSnapshot {
    return {
        now: NOW,
        context: "test",
        gitRepositories: { [d.gitRepository!]: gitRepository(d, source) },
        kustomizations: Object.fromEntries(
            d.applications.map((a) => [a.name, kustomization(d, a.name, states[a.name])]),
        ),
        credentials: { found: true, readable: true, keys: d.credentials.keys },
        pods: {},
        pathChecks: [],
    };
}

/** A pod as the kubelet reports it. */
export function pod(
    namespace: string,
    name: string,
    problem: "ImagePullBackOff" | "CrashLoopBackOff" | "Unschedulable" | "Ready",
): KubeObject {
    const base = { metadata: { name, namespace } };
    switch (problem) {
        case "Ready":
            return { ...base, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } };
        case "Unschedulable":
            return {
                ...base,
                status: {
                    phase: "Pending",
                    conditions: [
                        {
                            type: "PodScheduled",
                            status: "False",
                            reason: "Unschedulable",
                            message:
                                "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
                        },
                    ],
                },
            };
        case "ImagePullBackOff":
            return {
                ...base,
                status: {
                    phase: "Pending",
                    conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady" }],
                    containerStatuses: [
                        {
                            name: "app",
                            ready: false,
                            restartCount: 0,
                            state: {
                                waiting: {
                                    reason: "ImagePullBackOff",
                                    message: 'Back-off pulling image "ghcr.io/stefanprodan/podinfo:6.99.0"',
                                },
                            },
                        },
                    ],
                },
            };
        case "CrashLoopBackOff":
            return {
                ...base,
                status: {
                    phase: "Running",
                    conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady" }],
                    containerStatuses: [
                        {
                            name: "app",
                            ready: false,
                            restartCount: 7,
                            state: {
                                waiting: {
                                    reason: "CrashLoopBackOff",
                                    message: "back-off 5m0s restarting failed container=app",
                                },
                            },
                            lastState: { terminated: { exitCode: 1, reason: "Error" } },
                        },
                    ],
                },
            };
    }
}
