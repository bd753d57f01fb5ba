import * as pulumi from "@pulumi/pulumi";
import { outputValue } from "../shared/batches";

/**
 * Ordered rollout of dependent apps with Argo CD (issue 13 §2).
 *
 * Argo CD has no `dependsOn` between Applications. For the Applications this stack creates, the order is Pulumi's:
 * a dependent Application is created only after its dependency's resource is done, and in tiers that sync
 * automatically the dependency's resource is done only once Argo CD reports it Healthy and Synced
 * (pulumi-kubernetes waits on a custom resource's fields when it carries `pulumi.com/waitFor`). Where syncs are
 * manual (prod), nothing becomes Healthy until a person syncs, so waiting would hold `pulumi up` until its timeout
 * (and prod's sync window can hold even automated syncs for hours): the Applications are still created in
 * dependency order, without the wait, and the deployer syncs in that order.
 *
 * For Applications added through Git under the app-of-apps root, the order is the root's sync waves
 * (`argocd.argoproj.io/sync-wave` on the child Applications), which only wait for a child's health when Argo CD
 * assesses Application health: APPLICATION_HEALTH_CHECK restores that assessment (removed in Argo CD 1.8).
 */

/** pulumi-kubernetes: wait, on create and update, until every listed JSONPath matches (a JSON array: all of them). */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";
/** pulumi-kubernetes: how long the wait may take before the create or update fails. */
export const TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds";
/** Healthy and Synced: the dependency's manifests are applied at the tracked revision and its resources are up. */
export const HEALTHY_AND_SYNCED = JSON.stringify([
    "jsonpath={.status.health.status}=Healthy",
    "jsonpath={.status.sync.status}=Synced",
]);
/** Default wait for a dependency (the first sync pulls images and waits for rollouts): 15 minutes. */
export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 900;
/** The Application whose sync waves order child Applications: Argo CD's own sync-wave annotation. */
export const SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave";

/** argocd-cm key of a custom health check for argoproj.io Applications. */
export const APPLICATION_HEALTH_KEY = "resource.customizations.health.argoproj.io_Application";
/**
 * The health of a child Application is the health it reports itself (Progressing until it reports one), so the
 * app-of-apps root's next sync wave starts only when the children of the previous wave are Healthy
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/health/#argocd-app).
 */
export const APPLICATION_HEALTH_CHECK = [
    "hs = {}",
    'hs.status = "Progressing"',
    'hs.message = ""',
    "if obj.status ~= nil and obj.status.health ~= nil and obj.status.health.status ~= nil then",
    "  hs.status = obj.status.health.status",
    "  if obj.status.health.message ~= nil then",
    "    hs.message = obj.status.health.message",
    "  end",
    "end",
    "return hs",
    "",
].join("\n");

export interface OrderedApp {
    readonly name: string;
    /** Names of the Applications (of the same list) that must be Healthy before this one is created. */
    readonly dependsOn?: readonly string[];
}

/**
 * The apps in an order where each comes after its dependencies (stable: otherwise the given order). Unknown names
 * and cycles are errors (config validation refuses both before this runs, so this guards the component's contract).
 */
export function creationOrder<T extends OrderedApp>(apps: readonly T[]): T[] {
    const byName = new Map(apps.map((a) => [a.name, a]));
    const done = new Set<string>();
    const visiting = new Set<string>();
    const order: T[] = [];
    const visit = (app: T, path: string[]) => {
        if (done.has(app.name)) return;
        if (visiting.has(app.name))
            throw new Error(`Applications depend on each other in a cycle: ${[...path, app.name].join(" -> ")}.`);
        visiting.add(app.name);
        for (const dep of app.dependsOn ?? []) {
            const target = byName.get(dep);
            if (!target) throw new Error(`Application ${app.name} depends on ${dep}, which is not in the list.`);
            visit(target, [...path, app.name]);
        }
        visiting.delete(app.name);
        done.add(app.name);
        order.push(app);
    };
    for (const app of apps) visit(app, []);
    return order;
}

/** Names of the apps some other app depends on. */
export function dependencies(apps: readonly OrderedApp[]): Set<string> {
    return new Set(apps.flatMap((a) => a.dependsOn ?? []));
}

/**
 * The annotations that make Pulumi wait for an Application that others depend on: only where Argo CD syncs it by
 * itself (autoSync); with manual sync, none (a wait would block `pulumi up` until a person syncs).
 */
export function healthGate(autoSync: boolean, timeoutSeconds = DEFAULT_HEALTH_TIMEOUT_SECONDS): Record<string, string> {
    if (!autoSync) return {};
    return { [WAIT_FOR_ANNOTATION]: HEALTHY_AND_SYNCED, [TIMEOUT_ANNOTATION]: String(timeoutSeconds) };
}

/**
 * The repository gate (issue 25 §1). Before anything else waits on Argo CD, the app-of-apps root (created first, in
 * every tier) waits until Argo CD has read the repository and compared the root's path at the tracked revision: its
 * sync status is Synced or OutOfSync, where it stays Unknown (with a ComparisonError) while the repository cannot
 * be read. Comparing needs no sync, so this holds with manual sync and sync windows too. Every other Application
 * waits for the root, so a repository Argo CD cannot read (the deploy key not yet registered) fails the first
 * `pulumi up` at the root after REPOSITORY_TIMEOUT_SECONDS, instead of holding it for a dependency's health gate
 * (DEFAULT_HEALTH_TIMEOUT_SECONDS per Application) and leaving half the Applications uncreated.
 *
 * An RFC 9535 filter (pulumi-kubernetes parses waitFor JSONPaths so since 4.24): it selects the members of
 * `.status.sync` equal to either value, and matches once it selects something. `!=` cannot be used: the provider
 * splits the expression on a single `=`.
 */
export const REPOSITORY_READ = 'jsonpath={.status.sync[?@ == "Synced" || @ == "OutOfSync"]}';
/** How long the root waits for Argo CD to read the repository: the chart is up by then, so this is Argo CD's time. */
export const REPOSITORY_TIMEOUT_SECONDS = 300;
/** When the program says what to check while the root still waits (a readable repository takes seconds). */
export const REPOSITORY_WARN_AFTER_SECONDS = 60;

/** The annotations of the repository gate. */
export function repositoryGate(timeoutSeconds = REPOSITORY_TIMEOUT_SECONDS): Record<string, string> {
    return { [WAIT_FOR_ANNOTATION]: REPOSITORY_READ, [TIMEOUT_ANNOTATION]: String(timeoutSeconds) };
}

/**
 * Prints `message` as a warning on `resource` if the engine has not finished registering it after `afterSeconds`:
 * a real engine answers a registration once the create or update is done, including the provider's wait for
 * `pulumi.com/waitFor`, so the warning appears (beside the resource, and in the diagnostics at the end) exactly when
 * that wait is long, and never in a preview or a run where the wait ends at once. The timer never keeps the program
 * alive.
 */
export function warnWhileWaiting(resource: pulumi.Resource, afterSeconds: number, message: string): void {
    const timer = setTimeout(() => void pulumi.log.warn(message, resource), afterSeconds * 1000);
    timer.unref?.();
    const done = () => clearTimeout(timer);
    outputValue(resource.urn).then(done, done);
}
