import type { AppConfig, AppsMode, ClusterConfig, Operator } from "../types";
import type { ConfigInput } from "./context";

/**
 * Per-app objects (Applications or Kustomizations: apps × clusters) past which one stack's `pulumi up` stops being
 * practical. Measured with a real engine and the local file backend on the dev stack (issue 25 §10): up took 22 s at
 * 10 apps, 26 s at 100, 134 s at 500 and 423 s at 1000; preview 12, 13, 37 and 104 s. The engine's own CPU grows with
 * the square of the resources, because after every step it rebuilds, encrypts and writes the whole state (about
 * 5-7 KB per Application). appsMode=applicationset at 500 apps: 20 s.
 */
export const PER_APP_PRACTICAL_LIMIT = 300;

/** Warns, with the measurements, when a stack declares more per-app objects than PER_APP_PRACTICAL_LIMIT. */
export function warnFleetSize(
    input: ConfigInput,
    operator: Operator,
    appsMode: AppsMode,
    apps: readonly AppConfig[],
    clusters: readonly ClusterConfig[],
): void {
    const count = apps.length * Math.max(1, clusters.length);
    if (count <= PER_APP_PRACTICAL_LIMIT) return;
    const objects = operator === "argocd" ? "Applications" : "Kustomizations";
    const instead =
        operator === "argocd"
            ? appsMode === "applicationset"
                ? "list in apps only the apps that need their own settings (the ApplicationSet finds the others in Git), or split the apps over several stacks"
                : "use appsMode=applicationset (one ApplicationSet; 500 apps took 20 s) or split the apps over several stacks"
            : "split the apps over several stacks (Flux has no ApplicationSet)";
    input.warn(
        "apps",
        `${count} per-app ${objects} (${apps.length} apps${clusters.length > 1 ? ` × ${clusters.length} clusters` : ""}) is past the practical size of one stack (${PER_APP_PRACTICAL_LIMIT}): with a real engine, pulumi up took 134 s at 500 apps and 423 s at 1000 (22 s at 10, 26 s at 100; previews 12-104 s), growing with the square of the objects because the engine rewrites the whole state after every step; ${instead}.`,
    );
}
