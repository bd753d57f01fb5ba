/**
 * What both operators' diagnoses share: the seed's error table as message patterns, the findings built from it
 * (credentials, conflicts, unhealthy pods, missing objects) and the Kubernetes condition helpers.
 */
import { isInClusterServer } from "../config/rules/urls";
import type { DeclaredApplication, DeclaredStack } from "./declared";
import type { ClusterSnapshot, Finding, KubeObject, ObjectReport } from "./types";

/** A rollout still Progressing after this long is reported as a problem (Argo CD's own default deadline is 10m). */
export const PROGRESSING_LIMIT_MS = 10 * 60_000;

export const AUTH_PATTERNS = [
    /authentication (failed|required)/i,
    /ssh: handshake failed/i,
    /unable to authenticate/i,
    /permission denied \(publickey/i,
    /invalid (username|credentials)|invalid username or (password|token)/i,
    /could not read username/i,
    /knownhosts: key (mismatch|is unknown)|host key mismatch/i,
    /bad credentials|installation .*not found|failed to get .*access token|could not get installation token/i,
];
export const PATH_PATTERNS = [
    /app path does not exist/i,
    /kustomization path not found/i,
    /path not found/i,
    /failed to load target state/i,
];
export const REVISION_PATTERNS = [
    /unable to resolve ['"]?[^'"\s]+['"]? to a commit sha/i,
    /couldn't find remote ref/i,
    /reference not found/i,
    /no matching .*tag|unable to find (tag|branch)/i,
];
export const EXISTS_PATTERNS = [
    /already exists/i,
    /exists and cannot be imported/i,
    /is not managed/i,
    /is part of (applications|different applications)/i,
];

export const matches = (patterns: RegExp[], text: string) => patterns.some((p) => p.test(text));

/** `kind/name` or `kind "name"` of the object an "already exists" message names. */
export function conflictingObject(
    message: string,
    defaultNamespace: string,
): { kind: string; group: string; name: string; namespace: string } | undefined {
    const found = parseObject(message, defaultNamespace);
    // Cluster-scoped objects have no namespace (Argo CD's tracking id then reads `<app>:/Namespace:/<name>`).
    return found && CLUSTER_SCOPED.has(found.kind) ? { ...found, namespace: "" } : found;
}

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]);

function parseObject(
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
            namespace: /in namespace "([^"]+)"/.exec(message)?.[1] ?? defaultNamespace,
        };
    }
    // Argo CD sync results `apps/Deployment/podinfo-dev/podinfo`; Flux `Service/podinfo-dev/podinfo`; Argo CD
    // warnings `Deployment/podinfo`; Helm `ConfigMap "x" in namespace "y"`.
    const full = /\b([a-z0-9.-]*)\/([A-Z][A-Za-z]+)\/([a-z0-9-]+)\/([a-z0-9.-]+)/.exec(message);
    if (full) return { group: full[1], kind: full[2], namespace: full[3], name: full[4] };
    const flux = /\b([A-Z][A-Za-z]+)\/([a-z0-9-]+)\/([a-z0-9.-]+)/.exec(message);
    if (flux) return { group: groupOf(flux[1]), kind: flux[1], namespace: flux[2], name: flux[3] };
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

export interface Condition {
    type: string;
    status?: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
}
export const conditionsOf = (obj: KubeObject): Condition[] =>
    Array.isArray(obj.status?.conditions) ? (obj.status.conditions as Condition[]) : [];
export const condition = (obj: KubeObject, type: string) => conditionsOf(obj).find((c) => c.type === type);

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

export const ageMs = (since: string | undefined, now: Date) => (since ? now.getTime() - Date.parse(since) : undefined);

/** How to check whether a path exists at a revision, and what --repo found. */
export function pathFacts(
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

export interface Context {
    declared: DeclaredStack;
    snapshot: ClusterSnapshot;
}

export function credentialFinding(ctx: Context, message: string): Finding {
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
                    `Compare ${state.fingerprint} (the key in the cluster) with the deploy key registered on the Git host (GitHub: repository Settings → Deploy keys) and with the stack's key (pulumi stack output sshPublicKey | ssh-keygen -lf -).`,
                    `Not on the Git host: register the stack's public key there (read access). The stack's key differs: pulumi up -s ${declared.stack} restores the Secret. To use the registered key instead: pulumi config set --secret sshPrivateKey < <key file>, then pulumi up -s ${declared.stack}.`,
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

export function conflictFinding(ctx: Context, app: DeclaredApplication, message: string): Finding {
    const object = conflictingObject(message, app.destinationNamespace);
    const facts: Record<string, string | boolean | string[]> = { message };
    const fix: string[] = [];
    if (object) {
        facts.object = `${object.group ? `${object.group}/` : ""}${object.kind}/${object.namespace ? `${object.namespace}/` : ""}${object.name}`;
        const target = `${object.namespace ? `-n ${object.namespace} ` : ""}${object.kind.toLowerCase()}${object.group ? `.${object.group}` : ""} ${object.name}`;
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
            ? `${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name} already exists and is not managed by ${app.name}.`
            : `An object ${app.name} applies already exists and is not managed by it.`,
        fix,
        facts,
    };
}

/** An app on another cluster than the operator's (compared in canonical form: an alias of in-cluster is local). */
export const isRemote = (app: DeclaredApplication) =>
    app.cluster !== undefined && !isInClusterServer(app.destinationServer);

export function unhealthyFinding(
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

export function missingFinding(ctx: Context, kind: string, name: string): Finding {
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

export function operatorMissingFinding(ctx: Context, kind: string): Finding {
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

/**
 * The report of one declared object and the object itself when the cluster has it. Without the object the report
 * already says why: the cluster does not serve the kind (`objects` undefined: the operator's CRDs are missing) or
 * the object does not exist.
 */
export function lookUpObject(
    ctx: Context,
    kind: ObjectReport["kind"],
    name: string,
    objects: Record<string, KubeObject> | undefined,
): { report: ObjectReport; obj?: KubeObject } {
    const report: ObjectReport = {
        kind,
        name,
        namespace: ctx.declared.namespace,
        found: false,
        ok: false,
        findings: [],
    };
    if (!objects) {
        report.findings.push(operatorMissingFinding(ctx, kind));
        return { report };
    }
    const obj = objects[name];
    if (!obj) {
        report.findings.push(missingFinding(ctx, kind, name));
        return { report };
    }
    report.found = true;
    return { report, obj };
}
