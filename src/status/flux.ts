/**
 * Flux: the GitRepository and each Kustomization from their kstatus conditions (Ready, Reconciling, Stalled) and the
 * controllers' reasons (GitOperationFailed, AuthenticationFailed, ArtifactFailed, BuildFailed, HealthCheckFailed,
 * ReconciliationFailed, DependencyNotReady), `spec.suspend` and the revisions they record.
 */
import {
    AUTH_PATTERNS,
    EXISTS_PATTERNS,
    PROGRESSING_LIMIT_MS,
    REVISION_PATTERNS,
    ageMs,
    condition,
    conflictFinding,
    credentialFinding,
    lookUpObject,
    matches,
    pathFacts,
    unhealthyFinding,
    type Condition,
    type Context,
} from "./findings";
import type { DeclaredApplication } from "./declared";
import type { Finding, KubeObject, ObjectReport } from "./types";

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

export function diagnoseGitRepository(ctx: Context): ObjectReport | undefined {
    const { declared, snapshot } = ctx;
    const name = declared.gitRepository;
    if (!name) return undefined;
    const { report, obj } = lookUpObject(ctx, "GitRepository", name, snapshot.gitRepositories);
    if (!obj) return report;
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

/**
 * Ready Unknown (Reconciling): fine for a while, a problem when it lasts (or Stalled). A reconciliation stuck in
 * progress (issue 24) names the object and the commands that stop it and retry it: Flux has no "terminate", so the
 * stop is a suspend (the running reconciliation ends at its spec.timeout, no new one starts), and the retry resumes
 * it with a reconcile request.
 */
function fluxProgressing(ctx: Context, obj: KubeObject, ready: Condition | undefined): Finding {
    const stalled = condition(obj, "Stalled");
    const since = ready?.lastTransitionTime;
    const age = ageMs(since, ctx.snapshot.now);
    const stuck = stalled?.status === "True" || age === undefined || age > PROGRESSING_LIMIT_MS;
    const ns = ctx.declared.namespace;
    const name = obj.metadata.name;
    const kustomization = obj.kind === "Kustomization";
    const flux = kustomization ? `kustomization ${name}` : `source git ${name}`;
    const resource = kustomization
        ? `kustomizations.kustomize.toolkit.fluxcd.io ${name}`
        : `gitrepositories.source.toolkit.fluxcd.io ${name}`;
    const describe = `kubectl -n ${ns} describe ${obj.kind?.toLowerCase()} ${name}`;
    // Stalled: Flux gave up on an error it will not retry by itself (a bad path, an invalid object): no reconciliation
    // runs to stop; the configuration or Git must change.
    if (!stuck || stalled?.status === "True")
        return {
            class: "progressing",
            severity: stuck ? "error" : "info",
            cause:
                stalled?.status === "True"
                    ? `Stalled: ${stalled.reason ?? ""}: ${stalled.message ?? ""}`
                    : `Reconciling${since ? ` since ${since}` : ""}: ${ready?.message ?? "no Ready condition yet"}.`,
            fix: [describe],
            facts: { reason: ready?.reason ?? "", message: ready?.message ?? "" },
        };
    const minutes = age === undefined ? undefined : Math.floor(age / 60_000);
    return {
        class: "stuck-sync",
        severity: "error",
        cause: `${obj.kind} ${ns}/${name} has been reconciling${minutes !== undefined ? ` for ${minutes} minutes` : ""} without becoming ready: ${ready?.message ?? "no Ready condition yet"}.`,
        fix: [
            `See what it waits on: ${describe}; flux events --for ${obj.kind}/${name} -n ${ns}.`,
            `Stop it: flux suspend ${flux} -n ${ns} (without the flux CLI: kubectl -n ${ns} patch ${resource} --type merge -p '{"spec":{"suspend":true}}'); the reconciliation under way ends at its timeout and no new one starts.`,
            `Once the cause is fixed, retry: flux resume ${flux} -n ${ns} (without the flux CLI: kubectl -n ${ns} patch ${resource} --type merge -p '{"spec":{"suspend":false}}' && kubectl -n ${ns} annotate --overwrite ${resource} reconcile.fluxcd.io/requestedAt="$(date +%s)").`,
        ],
        facts: {
            reason: ready?.reason ?? "",
            message: ready?.message ?? "",
            ...(since ? { since } : {}),
            ...(minutes !== undefined ? { runningFor: `${minutes}m` } : {}),
        },
    };
}

/** The revision kustomize-controller last tried (`main@sha1:<commit>`), or the source's, or its ref. */
export function attemptedRevision(obj: KubeObject, source: KubeObject | undefined): string {
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
export function checkableRevision(attempted: string, source: KubeObject | undefined): string {
    const commit = /sha1:([0-9a-f]{40})/.exec(attempted)?.[1];
    if (commit) return commit;
    return attempted.split("@")[0] || source?.spec?.ref?.branch || "HEAD";
}

export function diagnoseKustomization(ctx: Context, app: DeclaredApplication): ObjectReport {
    const { declared, snapshot } = ctx;
    const { report, obj } = lookUpObject(ctx, "Kustomization", app.name, snapshot.kustomizations);
    if (!obj) return report;
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
