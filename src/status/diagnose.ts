/**
 * The on-call diagnosis: from what the stack declares and what the cluster reports, every Application or
 * Kustomization (and Flux's GitRepository, Argo CD's ApplicationSet) with its state, and for each one that is not
 * fine the cause and the fix. Pure: the I/O (kubectl, git) happens in kube.ts and fills a ClusterSnapshot first.
 * The operators' rules live in argocd.ts and flux.ts, what they share in findings.ts.
 */
import { diagnoseApplication, diagnoseApplicationSet, withGenerated } from "./argocd";
import type { DeclaredStack } from "./declared";
import { condition, conditionsOf, isRemote, matches, PATH_PATTERNS, REVISION_PATTERNS, type Context } from "./findings";
import { attemptedRevision, checkableRevision, diagnoseGitRepository, diagnoseKustomization } from "./flux";
import type { ClusterSnapshot, ObjectReport, StatusReport } from "./types";
import { diagnoseReceiver, diagnoseWebhookSecret } from "./webhooks";

export { conflictingObject, podProblems, PROGRESSING_LIMIT_MS } from "./findings";
export { withGenerated } from "./argocd";

/** The whole report: one entry per declared object, root first (Argo CD), GitRepository first (Flux). */
export function diagnose(stack: DeclaredStack, snapshot: ClusterSnapshot): StatusReport {
    const declared = withGenerated(stack, snapshot);
    const ctx: Context = { declared, snapshot };
    const objects: ObjectReport[] = [];
    if (declared.operator === "argocd") {
        if (declared.applicationSet) objects.push(diagnoseApplicationSet(ctx, declared.applicationSet));
        for (const app of declared.applications) objects.push(diagnoseApplication(ctx, app));
        const webhook = diagnoseWebhookSecret(ctx);
        if (webhook) objects.push(webhook);
    } else {
        const source = diagnoseGitRepository(ctx);
        if (source) objects.push(source);
        for (const app of declared.applications) objects.push(diagnoseKustomization(ctx, app));
        const receiver = diagnoseReceiver(ctx);
        if (receiver) objects.push(receiver);
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
