/**
 * Argo CD: each Application from `status.sync`, `status.health`, `status.conditions[]` (ComparisonError, SyncError,
 * SharedResourceWarning, ...), `status.operationState` and `status.resources[]`, with the AppProject's sync windows;
 * in ApplicationSet mode the ApplicationSet's own conditions and the Applications it generated.
 */
import { formatZoned } from "../config/formats/cron";
import type { DeclaredApplication, DeclaredStack } from "./declared";
import {
    AUTH_PATTERNS,
    EXISTS_PATTERNS,
    PATH_PATTERNS,
    PROGRESSING_LIMIT_MS,
    REVISION_PATTERNS,
    ageMs,
    condition,
    conditionsOf,
    conflictFinding,
    credentialFinding,
    lookUpObject,
    matches,
    pathFacts,
    podProblems,
    unhealthyFinding,
    type Context,
} from "./findings";
import { evaluateSyncWindows, type SyncWindow, type WindowInstant } from "./syncWindows";
import type { ClusterSnapshot, Finding, KubeObject, ObjectReport } from "./types";

const windowText = (w: WindowInstant) =>
    `${formatZoned(new Date(w.at), w.timeZone)} (${w.at.replace(/:00\.000Z$/, "Z")}, schedule "${w.schedule}")`;

export function diagnoseApplication(ctx: Context, app: DeclaredApplication): ObjectReport {
    const { declared, snapshot } = ctx;
    const { report, obj } = lookUpObject(ctx, "Application", app.name, snapshot.applications);
    if (!obj) return report;
    const status = obj.status ?? {};
    const source = obj.spec?.source ?? {};
    const liveRevision: string = source.targetRevision ?? "HEAD";
    const livePath: string = source.path ?? "";
    report.sync = status.sync?.status ?? "Unknown";
    report.health = status.health?.status ?? "Unknown";
    const history = Array.isArray(status.history) ? status.history : [];
    // What runs: the revision of the last full sync that succeeded (Argo CD's history), not the commit Git is at,
    // which an OutOfSync app (a prod change waiting for a person) does not run yet; nothing for an app never synced.
    report.revision =
        history[history.length - 1]?.revision ?? (report.sync === "Synced" ? status.sync?.revision : undefined);
    report.lastChange =
        status.operationState?.finishedAt ?? history[history.length - 1]?.deployedAt ?? status.reconciledAt;
    const findings = report.findings;
    const classified = new Set<string>();

    if (app.role !== "generated" && (livePath !== app.path || liveRevision !== declared.revision)) {
        findings.push({
            class: "drift-from-stack",
            severity: "error",
            cause: `The Application was edited outside the stack: it tracks ${livePath}@${liveRevision}, the stack declares ${app.path}@${declared.revision}.`,
            fix: [
                `Run pulumi up -s ${declared.stack} to restore it, or change the stack's configuration if the edit was intended.`,
            ],
            facts: { livePath, liveRevision, declaredPath: app.path, declaredRevision: declared.revision },
        });
    }

    // Conditions and the last operation's messages, classified by the seed's error table.
    const messages: Array<{ source: string; message: string }> = [];
    for (const c of conditionsOf(obj)) {
        if (c.message) messages.push({ source: c.type, message: c.message });
    }
    const op = status.operationState;
    if (op && (op.phase === "Failed" || op.phase === "Error")) {
        if (op.message) messages.push({ source: `sync ${op.phase}`, message: op.message });
        for (const r of op.syncResult?.resources ?? []) {
            if ((r.status === "SyncFailed" || r.hookPhase === "Failed") && r.message) {
                messages.push({
                    source: "sync",
                    message: `${r.group ? `${r.group}/` : ""}${r.kind}/${r.namespace ?? app.destinationNamespace}/${r.name}: ${r.message}`,
                });
            }
        }
    }
    for (const { source: from, message } of messages) {
        if (matches(AUTH_PATTERNS, message)) {
            if (!classified.has("auth")) findings.push(credentialFinding(ctx, message));
            classified.add("auth");
        } else if (matches(REVISION_PATTERNS, message) || matches(PATH_PATTERNS, message)) {
            if (classified.has("path")) continue;
            classified.add("path");
            const { facts, fix } = pathFacts(snapshot, liveRevision, livePath);
            const revisionWrong = matches(REVISION_PATTERNS, message);
            findings.push({
                class: "path-or-revision",
                severity: "error",
                cause: revisionWrong
                    ? `Argo CD cannot resolve targetRevision ${liveRevision} in ${source.repoURL}.`
                    : `Argo CD cannot load the target state: path ${livePath} at revision ${liveRevision} (${from}).`,
                fix: revisionWrong
                    ? [
                          `Check that the branch or tag ${liveRevision} exists: git ls-remote ${source.repoURL} ${liveRevision}.`,
                          ...fix,
                      ]
                    : fix,
                facts: {
                    repoURL: source.repoURL ?? "",
                    path: livePath,
                    targetRevision: liveRevision,
                    message,
                    ...facts,
                },
            });
        } else if (matches(EXISTS_PATTERNS, message)) {
            findings.push(conflictFinding(ctx, app, message));
            classified.add("exists");
        } else if (/error$/i.test(from) || /^sync/.test(from)) {
            findings.push({
                class: "sync-failed",
                severity: "error",
                cause: `${from}: ${message}`,
                fix: [
                    `argocd app get ${declared.namespace}/${app.name} --show-operation for details; fix the manifests in Git and sync again.`,
                ],
                facts: { message },
            });
        }
    }

    if (report.sync === "Unknown" && !classified.has("auth") && !classified.has("path")) {
        findings.push({
            class: "unknown-sync",
            severity: "error",
            cause: "Argo CD could not compare the Application with Git (sync status Unknown).",
            fix: [
                `argocd app get ${declared.namespace}/${app.name} --hard-refresh; if it stays Unknown, check the repo-server and application-controller logs in namespace ${declared.namespace}.`,
            ],
            facts: { conditions: conditionsOf(obj).map((c) => `${c.type}: ${c.message ?? ""}`) },
        });
    }

    // A sync operation that has run too long (issue 24: "an Application is stuck syncing, what now").
    const stuck = stuckOperation(ctx, app, obj);
    if (stuck) findings.push(stuck);

    const syncing = op?.phase === "Running";
    if (report.sync === "OutOfSync" && !syncing) {
        const automated =
            Boolean(obj.spec?.syncPolicy?.automated) && obj.spec?.syncPolicy?.automated?.enabled !== false;
        const project = snapshot.appProjects?.[obj.spec?.project ?? app.project ?? ""];
        const windows: SyncWindow[] = project?.spec?.syncWindows ?? [];
        const state = evaluateSyncWindows(
            windows,
            {
                name: app.name,
                namespace: obj.spec?.destination?.namespace ?? app.destinationNamespace,
                server: obj.spec?.destination?.server ?? app.destinationServer,
            },
            snapshot.now,
        );
        const syncCommand = `argocd app sync ${declared.namespace}/${app.name}`;
        if (!automated) {
            const fix = [
                `Review the diff (argocd app diff ${declared.namespace}/${app.name}), then sync: ${syncCommand} (or the Sync button in the UI).`,
            ];
            if (!state.manualAllowed) {
                fix.push(
                    state.denyEnds
                        ? `A deny window blocks manual syncs until ${windowText(state.denyEnds)}.`
                        : `No window allows manual syncs now${state.nextOpen ? `; the next opens ${windowText(state.nextOpen)}` : ""}.`,
                );
            }
            findings.push({
                class: "manual-sync",
                severity: "error",
                cause: `OutOfSync and automated sync is off in ${declared.tier}: the changes in Git wait for a person to sync.`,
                fix,
                facts: {
                    automatedSync: false,
                    tier: declared.tier,
                    manualSyncAllowedNow: state.manualAllowed,
                    ...(status.sync?.revision ? { waitingRevision: String(status.sync.revision) } : {}),
                },
            });
        } else if (!state.automatedAllowed) {
            const facts: Record<string, string | boolean | string[]> = {
                automatedSync: true,
                project: project?.metadata.name ?? "",
            };
            let when: string;
            if (state.denyEnds) {
                facts.denyWindowEnds = state.denyEnds.at;
                when = `a deny window is active until ${windowText(state.denyEnds)}`;
            } else if (state.nextOpen) {
                facts.nextWindowOpens = state.nextOpen.at;
                facts.nextWindowOpensLocal = formatZoned(new Date(state.nextOpen.at), state.nextOpen.timeZone);
                when = `the sync window is closed; it opens next ${windowText(state.nextOpen)}`;
            } else {
                when = "the sync window is closed and its schedule never opens again";
            }
            findings.push({
                class: "sync-window",
                severity: "error",
                cause: `OutOfSync and not syncing: ${when}.`,
                fix: [
                    "Wait for the window, or, if the change cannot wait and a manual sync is allowed: " +
                        (state.manualAllowed ? syncCommand : "no window allows manual syncs now either") +
                        ".",
                ],
                facts,
            });
        } else if (findings.every((f) => f.severity !== "error")) {
            findings.push({
                class: "not-syncing",
                severity: "error",
                cause: `OutOfSync with automated sync on and an open window, and no sync running${op?.phase ? ` (last sync ${op.phase}: ${op.message ?? ""})` : ""}.`,
                fix: [
                    `Automated sync does not retry a revision whose sync failed until Git changes: fix the cause, then ${syncCommand}.`,
                    `argocd app get ${declared.namespace}/${app.name} --refresh to see the current diff.`,
                ],
                facts: { automatedSync: true, lastOperationPhase: op?.phase ?? "" },
            });
        }
    }

    // Health: Degraded/Missing always; Progressing past the limit (or with pods that will not recover).
    interface ResourceStatus {
        kind: string;
        name: string;
        namespace?: string;
        health?: { status?: string; message?: string };
    }
    const resources: ResourceStatus[] = Array.isArray(status.resources) ? status.resources : [];
    const unhealthy = resources
        .filter((r) => r.health && r.health.status !== "Healthy")
        .map(
            (r) =>
                `${r.kind} ${r.namespace ?? ""}/${r.name}: ${r.health?.status}${r.health?.message ? ` (${r.health.message})` : ""}`,
        );
    if (report.health === "Degraded" || report.health === "Missing") {
        findings.push(
            unhealthyFinding(
                ctx,
                app,
                `Health ${report.health}: workloads are not running as declared.`,
                unhealthy,
                "error",
            ),
        );
    } else if (report.health === "Progressing") {
        const since = status.health?.lastTransitionTime ?? op?.finishedAt;
        const age = ageMs(since, snapshot.now);
        const stuck = podProblems(snapshot.pods[app.destinationNamespace] ?? []).some((p) =>
            /BackOff|ErrImagePull|InvalidImageName|Unschedulable/.test(p),
        );
        const tooLong = age !== undefined && age > PROGRESSING_LIMIT_MS;
        findings.push(
            unhealthyFinding(
                ctx,
                app,
                tooLong || stuck
                    ? `Health Progressing${since ? ` since ${since}` : ""}: the rollout does not complete (health check timeout).`
                    : `Health Progressing${since ? ` since ${since}` : ""}: a rollout is under way.`,
                unhealthy,
                tooLong || stuck ? "error" : "info",
            ),
        );
    } else if (report.health === "Suspended") {
        findings.push({
            class: "suspended",
            severity: "info",
            cause: "Health Suspended: a resource is paused (a suspended CronJob, a paused rollout).",
            fix: [`argocd app get ${declared.namespace}/${app.name} to see which.`],
            facts: { resources: unhealthy },
        });
    }
    report.ok = findings.every((f) => f.severity !== "error");
    return report;
}

/**
 * A sync operation Running (or Terminating) for longer than PROGRESSING_LIMIT_MS: named, with the command that
 * terminates it, with and without the argocd CLI, and the one that retries once it has ended. Argo CD's own
 * `argocd app terminate-op` sets `status.operationState.phase` to Terminating on the Application
 * (server/application TerminateOperation); the Application CRD has no status subresource, so a merge patch of the
 * object does the same, and the application controller then stops the operation. A retry is a new operation:
 * `argocd app sync`, or `.operation` set on the Application as the API server sets it.
 */
function stuckOperation(ctx: Context, app: DeclaredApplication, obj: KubeObject): Finding | undefined {
    const { declared, snapshot } = ctx;
    const op = obj.status?.operationState;
    if (op?.phase !== "Running" && op?.phase !== "Terminating") return undefined;
    const age = ageMs(op.startedAt, snapshot.now);
    if (age === undefined || age <= PROGRESSING_LIMIT_MS) return undefined;
    const ns = declared.namespace;
    const name = `${ns}/${app.name}`;
    const minutes = Math.floor(age / 60_000);
    const revision = op.operation?.sync?.revision ?? op.syncResult?.revision ?? "";
    const resource = `-n ${ns} applications.argoproj.io ${app.name}`;
    const facts: Record<string, string | boolean | string[]> = {
        phase: op.phase,
        startedAt: op.startedAt ?? "",
        runningFor: `${minutes}m`,
        message: op.message ?? "",
    };
    if (revision) facts.revision = revision;
    if (op.operation?.initiatedBy?.username) facts.initiatedBy = op.operation.initiatedBy.username;
    if (op.operation?.initiatedBy?.automated) facts.initiatedBy = "automated sync";
    if (op.retryCount) facts.retries = String(op.retryCount);
    const waiting = (obj.status?.resources ?? [])
        .filter((r: { health?: { status?: string } }) => r.health?.status && r.health.status !== "Healthy")
        .map(
            (r: { kind: string; namespace?: string; name: string; health?: { status?: string } }) =>
                `${r.kind} ${r.namespace ?? ""}/${r.name}: ${r.health?.status}`,
        );
    if (waiting.length > 0) facts.waitingOn = waiting;
    const retry = `argocd app sync ${name} (without the argocd CLI: kubectl patch ${resource} --type merge -p '{"operation":{"initiatedBy":{"username":"<your name>"},"sync":{"syncStrategy":{"hook":{}}}}}')`;
    if (op.phase === "Terminating") {
        return {
            class: "stuck-sync",
            severity: "error",
            cause: `A sync operation of ${name} has been terminating for ${minutes} minutes: the application controller has not finished stopping it.`,
            fix: [
                `Check the application controller: kubectl -n ${ns} logs statefulset/argocd-application-controller --since=30m | grep ${app.name} (an operation blocked by a closed sync window terminates only when the window opens).`,
                `When it has ended (kubectl get ${resource} -o jsonpath='{.status.operationState.phase}' prints Failed, Error or Succeeded), retry: ${retry}.`,
            ],
            facts,
        };
    }
    return {
        class: "stuck-sync",
        severity: "error",
        cause: `A sync operation of ${name} has been running for ${minutes} minutes${/sync window/i.test(op.message ?? "") ? ", blocked by a sync window" : " (a hook or a resource that never becomes healthy?)"}.`,
        fix: [
            `Terminate it: argocd app terminate-op ${name} (without the argocd CLI: kubectl patch ${resource} --type merge -p '{"status":{"operationState":{"phase":"Terminating"}}}').`,
            `Fix what it waits on (facts: waitingOn, message; argocd app get ${name} --show-operation), then, once the operation has ended (phase Failed or Error), retry: ${retry}.`,
        ],
        facts,
    };
}

/**
 * The declaration completed with what the cluster shows: in ApplicationSet mode, the Applications the stack's
 * ApplicationSet generated (owned by it) for app folders found in Git.
 */
export function withGenerated(declared: DeclaredStack, snapshot: ClusterSnapshot): DeclaredStack {
    if (!declared.applicationSet || !snapshot.applications) return declared;
    const known = new Set(declared.applications.map((a) => a.name));
    const generated: DeclaredApplication[] = Object.values(snapshot.applications)
        .filter(
            (o) =>
                !known.has(o.metadata.name) &&
                (o.metadata.ownerReferences ?? []).some(
                    (r) => r.kind === "ApplicationSet" && r.name === declared.applicationSet,
                ),
        )
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
        .map((o) => ({
            name: o.metadata.name,
            role: "generated",
            path: o.spec?.source?.path ?? "",
            destinationNamespace: o.spec?.destination?.namespace ?? "",
            project: o.spec?.project,
            dependsOn: [],
            destinationServer: o.spec?.destination?.server ?? declared.destinationServer,
        }));
    return { ...declared, applications: [...declared.applications, ...generated] };
}

export function diagnoseApplicationSet(ctx: Context, name: string): ObjectReport {
    const { declared, snapshot } = ctx;
    const { report, obj } = lookUpObject(ctx, "ApplicationSet", name, snapshot.applicationSets);
    if (!obj) return report;
    const error = condition(obj, "ErrorOccurred");
    const generated = condition(obj, "ParametersGenerated");
    report.ready = error?.status === "True" ? `Error (${error.reason ?? ""})` : (generated?.status ?? "Unknown");
    report.lastChange = (error?.status === "True" ? error : generated)?.lastTransitionTime;
    const message = error?.status === "True" ? (error.message ?? "") : "";
    if (message || generated?.status === "False") {
        const text = message || generated?.message || "";
        report.findings.push(
            matches(AUTH_PATTERNS, text)
                ? credentialFinding(ctx, text)
                : {
                      class: "reconcile-failed",
                      severity: "error",
                      cause: `The ApplicationSet cannot generate Applications: ${text}`,
                      fix: [
                          `kubectl -n ${declared.namespace} describe applicationset ${name}; check the app folders in Git match the appPathTemplate and the applicationset-controller logs.`,
                      ],
                      facts: { reason: error?.reason ?? generated?.reason ?? "", message: text },
                  },
        );
    }
    report.ok = report.findings.every((f) => f.severity !== "error");
    return report;
}
