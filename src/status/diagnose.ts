/**
 * The on-call diagnosis: from what the stack declares and what the cluster reports, every Application or
 * Kustomization (and Flux's GitRepository) with its state, and for each one that is not fine the cause and the fix.
 * Pure: the I/O (kubectl, git) happens in kube.ts and fills a ClusterSnapshot first.
 *
 * The causes follow the operators' own status: Argo CD Application `status.sync`, `status.health`,
 * `status.conditions[]` (ComparisonError, SyncError, SharedResourceWarning, ...) and `status.operationState`;
 * Flux `status.conditions[]` Ready / Reconciling / Stalled with the controllers' reasons (ArtifactFailed,
 * BuildFailed, HealthCheckFailed, ReconciliationFailed, DependencyNotReady, GitOperationFailed,
 * AuthenticationFailed).
 */
import type { DeclaredApplication, DeclaredStack } from "./declared";
import { formatZoned } from "./cron";
import { evaluateSyncWindows, type SyncWindow, type WindowInstant } from "./syncWindows";
import type { ClusterSnapshot, Finding, KubeObject, ObjectReport, StatusReport } from "./types";

/** A rollout still Progressing after this long is reported as a problem (Argo CD's own default deadline is 10m). */
export const PROGRESSING_LIMIT_MS = 10 * 60_000;

const AUTH_PATTERNS = [
    /authentication (failed|required)/i,
    /ssh: handshake failed/i,
    /unable to authenticate/i,
    /permission denied \(publickey/i,
    /invalid (username|credentials)|invalid username or (password|token)/i,
    /could not read username/i,
    /knownhosts: key (mismatch|is unknown)|host key mismatch/i,
    /bad credentials|installation .*not found|failed to get .*access token|could not get installation token/i,
];
const PATH_PATTERNS = [
    /app path does not exist/i,
    /kustomization path not found/i,
    /path not found/i,
    /failed to load target state/i,
];
const REVISION_PATTERNS = [
    /unable to resolve ['"]?[^'"\s]+['"]? to a commit sha/i,
    /couldn't find remote ref/i,
    /reference not found/i,
    /no matching .*tag|unable to find (tag|branch)/i,
];
const EXISTS_PATTERNS = [
    /already exists/i,
    /exists and cannot be imported/i,
    /is not managed/i,
    /is part of (applications|different applications)/i,
];

const matches = (patterns: RegExp[], text: string) => patterns.some((p) => p.test(text));

/** `kind/name` or `kind "name"` of the object an "already exists" message names. */
export function conflictingObject(
    message: string,
    defaultNamespace: string,
): { kind: string; group: string; name: string; namespace: string } | undefined {
    // Kubernetes AlreadyExists: `deployments.apps "podinfo" already exists` (resource.group "name").
    const k8s = /([a-z0-9]+)(?:\.([a-z0-9.-]+))? "([^"]+)" already exists/i.exec(message);
    if (k8s) {
        return {
            kind: singularKind(k8s[1]),
            group: k8s[2] ?? "",
            name: k8s[3],
            namespace: /namespace[s]? "([^"]+)"/.exec(message)?.[1] ?? defaultNamespace,
        };
    }
    // Argo CD and Helm: `Deployment/podinfo`, `apps/Deployment/podinfo-dev/podinfo`, `ConfigMap "x" in namespace "y"`.
    const full = /\b([a-z0-9.-]*)\/([A-Z][A-Za-z]+)\/([a-z0-9-]+)\/([a-z0-9.-]+)/.exec(message);
    if (full) return { group: full[1], kind: full[2], namespace: full[3], name: full[4] };
    const short = /\b([A-Z][A-Za-z]+)\/([a-z0-9.-]+)/.exec(message);
    if (short) return { group: groupOf(short[1]), kind: short[1], name: short[2], namespace: defaultNamespace };
    const helm = /\b([A-Z][A-Za-z]+) "([^"]+)" in namespace "([^"]+)"/.exec(message);
    if (helm) return { group: groupOf(helm[1]), kind: helm[1], name: helm[2], namespace: helm[3] };
    return undefined;
}

const KINDS: Record<string, [string, string]> = {
    deployments: ["Deployment", "apps"],
    statefulsets: ["StatefulSet", "apps"],
    daemonsets: ["DaemonSet", "apps"],
    replicasets: ["ReplicaSet", "apps"],
    services: ["Service", ""],
    configmaps: ["ConfigMap", ""],
    secrets: ["Secret", ""],
    serviceaccounts: ["ServiceAccount", ""],
    namespaces: ["Namespace", ""],
    persistentvolumeclaims: ["PersistentVolumeClaim", ""],
    ingresses: ["Ingress", "networking.k8s.io"],
    roles: ["Role", "rbac.authorization.k8s.io"],
    rolebindings: ["RoleBinding", "rbac.authorization.k8s.io"],
    clusterroles: ["ClusterRole", "rbac.authorization.k8s.io"],
    clusterrolebindings: ["ClusterRoleBinding", "rbac.authorization.k8s.io"],
    horizontalpodautoscalers: ["HorizontalPodAutoscaler", "autoscaling"],
    jobs: ["Job", "batch"],
    cronjobs: ["CronJob", "batch"],
};
function singularKind(resource: string): string {
    return KINDS[resource.toLowerCase()]?.[0] ?? resource;
}
function groupOf(kind: string): string {
    return Object.values(KINDS).find(([k]) => k === kind)?.[1] ?? "";
}

interface Condition {
    type: string;
    status?: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
}
const conditionsOf = (obj: KubeObject): Condition[] =>
    Array.isArray(obj.status?.conditions) ? (obj.status.conditions as Condition[]) : [];
const condition = (obj: KubeObject, type: string) => conditionsOf(obj).find((c) => c.type === type);

/** Why the pods of a namespace are not ready: container waiting reasons, crash loops, scheduling. */
export function podProblems(pods: readonly KubeObject[]): string[] {
    const problems: string[] = [];
    for (const pod of pods) {
        const status = pod.status ?? {};
        if (status.phase === "Succeeded") continue;
        const ready = (status.conditions ?? []).find((c: Condition) => c.type === "Ready")?.status === "True";
        if (ready) continue;
        const reasons: string[] = [];
        const scheduled = (status.conditions ?? []).find((c: Condition) => c.type === "PodScheduled");
        if (scheduled?.status === "False") {
            reasons.push(`${scheduled.reason ?? "Unschedulable"}: ${scheduled.message ?? "not scheduled"}`);
        }
        const containers = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
        for (const c of containers) {
            const waiting = c.state?.waiting;
            const terminated = c.lastState?.terminated ?? c.state?.terminated;
            if (waiting?.reason) {
                let text = `container ${c.name}: ${waiting.reason}`;
                if (waiting.message) text += ` (${waiting.message})`;
                if (waiting.reason === "CrashLoopBackOff" && terminated) {
                    text += `; last exit ${terminated.exitCode}${terminated.reason ? ` ${terminated.reason}` : ""}`;
                }
                if (c.restartCount) text += `; ${c.restartCount} restarts`;
                reasons.push(text);
            } else if (c.ready === false && c.state?.running) {
                reasons.push(`container ${c.name}: running but not ready (readiness probe failing)`);
            }
        }
        if (reasons.length === 0)
            reasons.push(`phase ${status.phase ?? "Unknown"}${status.reason ? ` (${status.reason})` : ""}`);
        problems.push(`pod ${pod.metadata.namespace ?? ""}/${pod.metadata.name}: ${reasons.join("; ")}`);
    }
    return problems;
}

const ageMs = (since: string | undefined, now: Date) => (since ? now.getTime() - Date.parse(since) : undefined);

/** How to check whether a path exists at a revision, and what --repo found. */
function pathFacts(
    snapshot: ClusterSnapshot,
    revision: string,
    path: string,
): { facts: Record<string, string | boolean>; fix: string[] } {
    const check = snapshot.pathChecks.find((c) => c.revision === revision && c.path === path);
    const clean = path.replace(/^\.\//, "");
    const command = `git fetch origin && git cat-file -e ${/^[0-9a-f]{40}$/.test(revision) ? revision : `origin/${revision}`}:${clean} && echo exists`;
    if (!check) {
        return {
            facts: {},
            fix: [`Check in a checkout of the repository: ${command} (or run this command with --repo <checkout>).`],
        };
    }
    if (!check.revisionExists) {
        return {
            facts: { revisionExists: false, checkedIn: snapshot.repoDir ?? "" },
            fix: [
                `The revision ${revision} does not exist in ${snapshot.repoDir} (after git fetch): fix targetRevision in the stack, or push the branch/tag.`,
            ],
        };
    }
    return {
        facts: {
            revisionExists: true,
            pathExists: check.exists === true,
            checkedRef: check.checkedRef ?? revision,
            checkedIn: snapshot.repoDir ?? "",
        },
        fix: check.exists
            ? [
                  `The path exists at ${check.checkedRef}: the operator may see an older commit or lack access; refresh it (Argo CD: argocd app get --hard-refresh; Flux: flux reconcile source git).`,
              ]
            : [
                  `The path ${clean} does not exist at ${check.checkedRef}: commit it there, or correct the app's path in the stack (gitops-stack:apps) and run pulumi up.`,
              ],
    };
}

interface Context {
    declared: DeclaredStack;
    snapshot: ClusterSnapshot;
}

function credentialFinding(ctx: Context, message: string): Finding {
    const { declared, snapshot } = ctx;
    const cred = declared.credentials;
    const facts: Record<string, string | boolean | string[]> = {
        secret: `${cred.namespace}/${cred.secretName}`,
        authKind: cred.kind,
        expectedKeys: cred.keys,
        message,
    };
    const fix: string[] = [];
    const state = snapshot.credentials;
    if (state && !state.found) {
        facts.secretFound = false;
        fix.push(`The Secret ${cred.namespace}/${cred.secretName} does not exist: run pulumi up -s ${declared.stack}.`);
    } else if (state && !state.readable) {
        facts.secretReadable = false;
        fix.push(
            `The Secret ${cred.namespace}/${cred.secretName} could not be read with these credentials: ask a platform admin to run this command.`,
        );
    } else if (state) {
        facts.presentKeys = state.keys;
        const missing = cred.keys.filter((k) => !state.keys.includes(k) && k !== "identity.pub");
        if (missing.length > 0) facts.missingKeys = missing;
    }
    switch (cred.kind) {
        case "ssh":
            if (state?.fingerprint) {
                facts.deployKeyFingerprint = state.fingerprint;
                fix.push(
                    `Compare ${state.fingerprint} with the deploy key registered on the Git host (GitHub: repository Settings → Deploy keys). If it differs, register this key (pulumi stack output deployKey), or set the registered one: pulumi config set --secret sshPrivateKey < <key file>, then pulumi up -s ${declared.stack}.`,
                );
            } else if (state?.readable) {
                fix.push(
                    `The key in the Secret could not be read as an SSH key: set it again with pulumi config set --secret sshPrivateKey < <key file> and pulumi up -s ${declared.stack}.`,
                );
            }
            if (/knownhosts|host key/i.test(message)) {
                fix.push(
                    "The host key does not match gitops-stack:sshKnownHosts: update it from the Git host's published keys.",
                );
            }
            break;
        case "https":
            fix.push(
                `The token may be expired, revoked or lack read access to ${declared.repoUrl}: create a new one and set it with pulumi config set --secret httpsToken, then pulumi up -s ${declared.stack}.`,
            );
            break;
        case "githubApp":
            fix.push(
                `Check that the GitHub App (gitops-stack:githubAppId) is installed on the repository with installation gitops-stack:githubAppInstallationId, has Contents: read, and that its private key (githubAppPrivateKey) has not been revoked.`,
            );
            break;
    }
    return {
        class: "authentication",
        severity: "error",
        cause: `The operator cannot authenticate to ${declared.repoUrl} with the ${cred.kind} credentials in Secret ${cred.namespace}/${cred.secretName}.`,
        fix,
        facts,
    };
}

function conflictFinding(ctx: Context, app: DeclaredApplication, message: string): Finding {
    const object = conflictingObject(message, app.destinationNamespace);
    const facts: Record<string, string | boolean | string[]> = { message };
    const fix: string[] = [];
    if (object) {
        facts.object = `${object.group ? `${object.group}/` : ""}${object.kind}/${object.namespace}/${object.name}`;
        const target = `-n ${object.namespace} ${object.kind.toLowerCase()}${object.group ? `.${object.group}` : ""} ${object.name}`;
        if (ctx.declared.operator === "argocd") {
            const trackingId = `${app.name}:${object.group}/${object.kind}:${object.namespace}/${object.name}`;
            facts.adoptWith = `argocd.argoproj.io/tracking-id=${trackingId}`;
            fix.push(
                `If the object should belong to ${app.name}, adopt it: kubectl annotate ${target} argocd.argoproj.io/tracking-id=${trackingId} --overwrite, then sync the Application.`,
            );
        } else {
            facts.adoptWith = `kustomize.toolkit.fluxcd.io/name=${app.name}, kustomize.toolkit.fluxcd.io/namespace=${ctx.declared.namespace}`;
            fix.push(
                `If the object should belong to ${app.name}, adopt it: kubectl label ${target} kustomize.toolkit.fluxcd.io/name=${app.name} kustomize.toolkit.fluxcd.io/namespace=${ctx.declared.namespace} --overwrite, then flux reconcile kustomization ${app.name} -n ${ctx.declared.namespace}.`,
            );
        }
        fix.push("If another app or tool owns it, remove it from one of them (two owners fight over it).");
    } else {
        fix.push(
            "Find the object named in the message; adopt it (Argo CD tracking-id annotation, Flux kustomize.toolkit.fluxcd.io labels) or remove the duplicate.",
        );
    }
    return {
        class: "already-exists",
        severity: "error",
        cause: object
            ? `${object.kind} ${object.namespace}/${object.name} already exists and is not managed by ${app.name}.`
            : `An object ${app.name} applies already exists and is not managed by it.`,
        fix,
        facts,
    };
}

const IN_CLUSTER_SERVER = "https://kubernetes.default.svc";
const isRemote = (app: DeclaredApplication) => app.cluster !== undefined && app.destinationServer !== IN_CLUSTER_SERVER;

function unhealthyFinding(
    ctx: Context,
    app: DeclaredApplication,
    what: string,
    detail: string[],
    severity: Finding["severity"],
): Finding {
    const pods = podProblems(ctx.snapshot.pods[app.destinationNamespace] ?? []);
    const fix: string[] = [];
    if (isRemote(app)) {
        fix.push(
            `The pods run on cluster ${app.cluster} (${app.destinationServer}): kubectl --context <that cluster> get pods,events -n ${app.destinationNamespace}.`,
        );
    }
    if (pods.some((p) => /ImagePullBackOff|ErrImagePull|InvalidImageName/.test(p))) {
        fix.push(
            "Image cannot be pulled: check the image name and tag in the overlay and the registry credentials (imagePullSecrets).",
        );
    }
    if (pods.some((p) => /CrashLoopBackOff|Error/.test(p))) {
        fix.push(`A container crashes: read its logs, kubectl logs -n ${app.destinationNamespace} <pod> --previous.`);
    }
    if (pods.some((p) => /Unschedulable/.test(p))) {
        fix.push(
            "Pods cannot be scheduled: see the scheduler's message (resources, node selectors, taints); scale nodes or lower requests.",
        );
    }
    if (pods.some((p) => /readiness probe/.test(p))) {
        fix.push(`The readiness probe fails: kubectl describe pod -n ${app.destinationNamespace} <pod>.`);
    }
    if (fix.length === 0)
        fix.push(`kubectl get pods,deployments,events -n ${app.destinationNamespace} to see what is not ready.`);
    return {
        class: severity === "error" ? "unhealthy" : "progressing",
        severity,
        cause: what,
        fix,
        facts: { namespace: app.destinationNamespace, notReady: [...detail, ...pods] },
    };
}

function missingFinding(ctx: Context, kind: string, name: string): Finding {
    return {
        class: "missing",
        severity: "error",
        cause: `${kind} ${ctx.declared.namespace}/${name} is declared by stack ${ctx.declared.stack} but does not exist in the cluster.`,
        fix: [
            `Run pulumi up -s ${ctx.declared.stack} (someone deleted it, or the stack was never applied to this cluster).`,
        ],
        facts: {},
    };
}

function operatorMissingFinding(ctx: Context, kind: string): Finding {
    const operator = ctx.declared.operator === "argocd" ? "Argo CD" : "Flux";
    return {
        class: "operator-missing",
        severity: "error",
        cause: `The cluster does not serve ${kind} objects: ${operator} (its CRDs) is not installed in this cluster.`,
        fix: [
            `Check that this is the right cluster (--context); then run pulumi up -s ${ctx.declared.stack} to install ${operator}.`,
        ],
        facts: {},
    };
}

const windowText = (w: WindowInstant) =>
    `${formatZoned(new Date(w.at), w.timeZone)} (${w.at.replace(/:00\.000Z$/, "Z")}, schedule "${w.schedule}")`;

function diagnoseApplication(ctx: Context, app: DeclaredApplication): ObjectReport {
    const { declared, snapshot } = ctx;
    const report: ObjectReport = {
        kind: "Application",
        name: app.name,
        namespace: declared.namespace,
        found: false,
        ok: false,
        findings: [],
    };
    if (!snapshot.applications) {
        report.findings.push(operatorMissingFinding(ctx, "Application"));
        return report;
    }
    const obj = snapshot.applications[app.name];
    if (!obj) {
        report.findings.push(missingFinding(ctx, "Application", app.name));
        return report;
    }
    report.found = true;
    const status = obj.status ?? {};
    const source = obj.spec?.source ?? {};
    const liveRevision: string = source.targetRevision ?? "HEAD";
    const livePath: string = source.path ?? "";
    report.sync = status.sync?.status ?? "Unknown";
    report.health = status.health?.status ?? "Unknown";
    report.revision = status.sync?.revision ?? status.operationState?.syncResult?.revision;
    const history = Array.isArray(status.history) ? status.history : [];
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
                facts: { automatedSync: false, tier: declared.tier, manualSyncAllowedNow: state.manualAllowed },
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

function fluxReadiness(obj: KubeObject): { ready: Condition | undefined; text: string } {
    const ready = condition(obj, "Ready");
    return { ready, text: ready ? `${ready.status}${ready.reason ? ` (${ready.reason})` : ""}` : "Unknown" };
}

function suspendedFinding(ctx: Context, kind: "kustomization" | "source git", name: string): Finding {
    const resource =
        kind === "kustomization"
            ? "kustomizations.kustomize.toolkit.fluxcd.io"
            : "gitrepositories.source.toolkit.fluxcd.io";
    return {
        class: "suspended",
        severity: "error",
        cause: `Suspended (spec.suspend: true): Flux does not reconcile it, so changes in Git are not applied.`,
        fix: [
            `If nobody is working on it, resume it: flux resume ${kind} ${name} -n ${ctx.declared.namespace} (or kubectl patch -n ${ctx.declared.namespace} ${resource} ${name} --type merge -p '{"spec":{"suspend":false}}').`,
        ],
        facts: { suspended: true },
    };
}

function diagnoseGitRepository(ctx: Context): ObjectReport | undefined {
    const { declared, snapshot } = ctx;
    const name = declared.gitRepository;
    if (!name) return undefined;
    const report: ObjectReport = {
        kind: "GitRepository",
        name,
        namespace: declared.namespace,
        found: false,
        ok: false,
        findings: [],
    };
    if (!snapshot.gitRepositories) {
        report.findings.push(operatorMissingFinding(ctx, "GitRepository"));
        return report;
    }
    const obj = snapshot.gitRepositories[name];
    if (!obj) {
        report.findings.push(missingFinding(ctx, "GitRepository", name));
        return report;
    }
    report.found = true;
    const { ready, text } = fluxReadiness(obj);
    report.ready = text;
    report.revision = obj.status?.artifact?.revision;
    report.lastChange = obj.status?.artifact?.lastUpdateTime ?? ready?.lastTransitionTime;
    if (obj.spec?.suspend) report.findings.push(suspendedFinding(ctx, "source git", name));
    const message = ready?.message ?? "";
    const ref = obj.spec?.ref ?? {};
    const refText =
        Object.entries(ref)
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(", ") || "the default branch";
    if (ready?.status === "False") {
        if (ready.reason === "AuthenticationFailed" || matches(AUTH_PATTERNS, message)) {
            report.findings.push(credentialFinding(ctx, message));
        } else if (matches(REVISION_PATTERNS, message)) {
            report.findings.push({
                class: "path-or-revision",
                severity: "error",
                cause: `source-controller cannot find ${refText} in ${obj.spec?.url}.`,
                fix: [
                    `Check that it exists: git ls-remote ${obj.spec?.url} ${String(Object.values(ref)[0] ?? "")}; push it, or correct targetRevision in the stack and run pulumi up -s ${declared.stack}.`,
                ],
                facts: { url: obj.spec?.url ?? "", ref: refText, message },
            });
        } else {
            report.findings.push({
                class: "reconcile-failed",
                severity: "error",
                cause: `Fetching ${obj.spec?.url} (${refText}) fails: ${ready.reason}: ${message}`,
                fix: [
                    `flux reconcile source git ${name} -n ${declared.namespace}; kubectl -n ${declared.namespace} logs deploy/source-controller for details.`,
                ],
                facts: { reason: ready.reason ?? "", message },
            });
        }
    } else if (ready?.status !== "True" && !obj.spec?.suspend) {
        report.findings.push(fluxProgressing(ctx, obj, ready));
    }
    report.ok = report.findings.every((f) => f.severity !== "error");
    return report;
}

/** Ready Unknown (Reconciling): fine for a while, a problem when it lasts (or Stalled). */
function fluxProgressing(ctx: Context, obj: KubeObject, ready: Condition | undefined): Finding {
    const stalled = condition(obj, "Stalled");
    const since = ready?.lastTransitionTime;
    const age = ageMs(since, ctx.snapshot.now);
    const stuck = stalled?.status === "True" || age === undefined || age > PROGRESSING_LIMIT_MS;
    return {
        class: "progressing",
        severity: stuck ? "error" : "info",
        cause:
            stalled?.status === "True"
                ? `Stalled: ${stalled.reason ?? ""}: ${stalled.message ?? ""}`
                : `Reconciling${since ? ` since ${since}` : ""}: ${ready?.message ?? "no Ready condition yet"}.`,
        fix: [`kubectl -n ${ctx.declared.namespace} describe ${obj.kind?.toLowerCase()} ${obj.metadata.name}`],
        facts: { reason: ready?.reason ?? "", message: ready?.message ?? "" },
    };
}

/** The revision kustomize-controller last tried (`main@sha1:<commit>`), or the source's, or its ref. */
function attemptedRevision(obj: KubeObject, source: KubeObject | undefined): string {
    return (
        obj.status?.lastAttemptedRevision ||
        source?.status?.artifact?.revision ||
        source?.spec?.ref?.commit ||
        source?.spec?.ref?.branch ||
        source?.spec?.ref?.tag ||
        "HEAD"
    );
}

/** What git can look up for a Flux revision: the commit of `main@sha1:<commit>`, else the name before `@`. */
function checkableRevision(attempted: string, source: KubeObject | undefined): string {
    const commit = /sha1:([0-9a-f]{40})/.exec(attempted)?.[1];
    if (commit) return commit;
    return attempted.split("@")[0] || source?.spec?.ref?.branch || "HEAD";
}

function diagnoseKustomization(ctx: Context, app: DeclaredApplication): ObjectReport {
    const { declared, snapshot } = ctx;
    const report: ObjectReport = {
        kind: "Kustomization",
        name: app.name,
        namespace: declared.namespace,
        found: false,
        ok: false,
        findings: [],
    };
    if (!snapshot.kustomizations) {
        report.findings.push(operatorMissingFinding(ctx, "Kustomization"));
        return report;
    }
    const obj = snapshot.kustomizations[app.name];
    if (!obj) {
        report.findings.push(missingFinding(ctx, "Kustomization", app.name));
        return report;
    }
    report.found = true;
    const { ready, text } = fluxReadiness(obj);
    report.ready = text;
    report.revision = obj.status?.lastAppliedRevision ?? obj.status?.lastAttemptedRevision;
    report.lastChange = ready?.lastTransitionTime;
    const findings = report.findings;
    if (obj.spec?.suspend) findings.push(suspendedFinding(ctx, "kustomization", app.name));
    const livePath: string = obj.spec?.path ?? "";
    const declaredPath = `./${app.path.replace(/^\.?\/+/, "")}`;
    if (livePath !== declaredPath) {
        findings.push({
            class: "drift-from-stack",
            severity: "error",
            cause: `The Kustomization was edited outside the stack: path ${livePath}, the stack declares ${declaredPath}.`,
            fix: [
                `Run pulumi up -s ${declared.stack} to restore it, or change the stack's configuration if the edit was intended.`,
            ],
            facts: { livePath, declaredPath },
        });
    }
    const message = ready?.message ?? "";
    const reason = ready?.reason ?? "";
    if (ready?.status === "False") {
        const source = snapshot.gitRepositories?.[obj.spec?.sourceRef?.name ?? ""];
        // The revision the controller tried: `main@sha1:<commit>`; the commit is what git can check.
        const attempted = attemptedRevision(obj, source);
        if (/path not found/i.test(message)) {
            const rev = checkableRevision(attempted, source);
            const { facts, fix } = pathFacts(snapshot, rev, livePath);
            findings.push({
                class: "path-or-revision",
                severity: "error",
                cause: `The path ${livePath} does not exist in ${source?.spec?.url ?? declared.repoUrl} at ${attempted}.`,
                fix,
                facts: { path: livePath, revision: attempted, message, ...facts },
            });
        } else if (reason === "ArtifactFailed" || /source .*not (ready|found)|artifact/i.test(message)) {
            findings.push({
                class: "dependency",
                severity: "error",
                cause: `No source artifact: the GitRepository ${obj.spec?.sourceRef?.name} has nothing to apply (${message}).`,
                fix: [
                    `Fix the GitRepository ${declared.namespace}/${obj.spec?.sourceRef?.name} first (see its entry).`,
                ],
                facts: { reason, message },
            });
        } else if (reason === "HealthCheckFailed" || /health check failed|timeout waiting for/i.test(message)) {
            findings.push(
                unhealthyFinding(
                    ctx,
                    app,
                    `Health check failed: the applied workloads did not become ready in time.`,
                    [message],
                    "error",
                ),
            );
        } else if (matches(EXISTS_PATTERNS, message) || /conflict/i.test(message)) {
            findings.push(conflictFinding(ctx, app, message));
        } else if (reason === "DependencyNotReady") {
            findings.push({
                class: "dependency",
                severity: "error",
                cause: `Waiting for a dependency: ${message}`,
                fix: ["Fix the Kustomization it depends on first (see its entry)."],
                facts: { dependsOn: app.dependsOn, message },
            });
        } else if (reason === "BuildFailed") {
            findings.push({
                class: "build-failed",
                severity: "error",
                cause: `kustomize build fails for ${livePath}: ${message}`,
                fix: [`Reproduce in a checkout at ${attempted}: kustomize build ${livePath}; fix the overlay in Git.`],
                facts: { reason, message, revision: attempted },
            });
        } else if (matches(AUTH_PATTERNS, message)) {
            findings.push(credentialFinding(ctx, message));
        } else {
            findings.push({
                class: "reconcile-failed",
                severity: "error",
                cause: `${reason || "Not ready"}: ${message}`,
                fix: [
                    /forbidden|cannot (create|patch|get)/i.test(message)
                        ? `The environment's ServiceAccount may not do this (Flux impersonates it): the overlay must stay inside the app's namespace; remove the object or ask the platform team.`
                        : `flux events --for Kustomization/${app.name} -n ${declared.namespace} for details; fix the manifests in Git.`,
                ],
                facts: { reason, message },
            });
        }
    } else if (ready?.status !== "True" && !obj.spec?.suspend) {
        findings.push(fluxProgressing(ctx, obj, ready));
    }
    report.ok = findings.every((f) => f.severity !== "error");
    return report;
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

function diagnoseApplicationSet(ctx: Context, name: string): ObjectReport {
    const { declared, snapshot } = ctx;
    const report: ObjectReport = {
        kind: "ApplicationSet",
        name,
        namespace: declared.namespace,
        found: false,
        ok: false,
        findings: [],
    };
    const obj = snapshot.applicationSets?.[name];
    if (!snapshot.applicationSets) {
        report.findings.push(operatorMissingFinding(ctx, "ApplicationSet"));
        return report;
    }
    if (!obj) {
        report.findings.push(missingFinding(ctx, "ApplicationSet", name));
        return report;
    }
    report.found = true;
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

/** The whole report: one entry per declared object, root first (Argo CD), GitRepository first (Flux). */
export function diagnose(stack: DeclaredStack, snapshot: ClusterSnapshot): StatusReport {
    const declared = withGenerated(stack, snapshot);
    const ctx: Context = { declared, snapshot };
    const objects: ObjectReport[] = [];
    if (declared.operator === "argocd") {
        if (declared.applicationSet) objects.push(diagnoseApplicationSet(ctx, declared.applicationSet));
        for (const app of declared.applications) objects.push(diagnoseApplication(ctx, app));
    } else {
        const source = diagnoseGitRepository(ctx);
        if (source) objects.push(source);
        for (const app of declared.applications) objects.push(diagnoseKustomization(ctx, app));
    }
    return {
        schemaVersion: 1,
        stack: declared.stack,
        tier: declared.tier,
        operator: declared.operator,
        context: snapshot.context,
        namespace: declared.namespace,
        generatedAt: snapshot.now.toISOString(),
        ok: objects.every((o) => o.ok),
        objects,
    };
}

/**
 * Namespaces whose pods the diagnosis needs (apps that are not healthy), so the I/O layer lists only those.
 */
export function namespacesToInspect(stack: DeclaredStack, snapshot: ClusterSnapshot): string[] {
    const declared = withGenerated(stack, snapshot);
    const namespaces = new Set<string>();
    for (const app of declared.applications) {
        // Pods of a remote cluster are not in this one.
        if (isRemote(app)) continue;
        if (declared.operator === "argocd") {
            const health = snapshot.applications?.[app.name]?.status?.health?.status;
            if (health && health !== "Healthy") namespaces.add(app.destinationNamespace);
        } else {
            const ks = snapshot.kustomizations?.[app.name];
            const ready = ks ? condition(ks, "Ready") : undefined;
            if (ks && ready?.status !== "True") namespaces.add(app.destinationNamespace);
        }
    }
    return [...namespaces];
}

/** (revision, path) pairs worth checking in a local checkout: the ones a path/revision error was reported for. */
export function pathsToCheck(
    stack: DeclaredStack,
    snapshot: ClusterSnapshot,
): Array<{ revision: string; path: string }> {
    const declared = withGenerated(stack, snapshot);
    const pairs: Array<{ revision: string; path: string }> = [];
    for (const app of declared.applications) {
        if (declared.operator === "argocd") {
            const obj = snapshot.applications?.[app.name];
            if (!obj) continue;
            const text = conditionsOf(obj)
                .map((c) => c.message ?? "")
                .join("\n");
            if (matches(PATH_PATTERNS, text) || matches(REVISION_PATTERNS, text)) {
                pairs.push({
                    revision: obj.spec?.source?.targetRevision ?? "HEAD",
                    path: obj.spec?.source?.path ?? "",
                });
            }
        } else {
            const obj = snapshot.kustomizations?.[app.name];
            const ready = obj ? condition(obj, "Ready") : undefined;
            if (obj && ready?.status === "False" && /path not found/i.test(ready.message ?? "")) {
                const source = snapshot.gitRepositories?.[obj.spec?.sourceRef?.name ?? ""];
                const revision = checkableRevision(attemptedRevision(obj, source), source);
                pairs.push({ revision, path: obj.spec?.path ?? "" });
            }
        }
    }
    return pairs;
}
