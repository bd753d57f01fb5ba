import { isSecretValue, type RecordedResource } from "../../../src/offline/mockRun";
import { plain, runStack, type StackOptions } from "../../support/stacks";
import type { KubeObject } from "../flux/kube";
import type { GitServer } from "../flux/gitServer";
import type { Values } from "./chartConfig";

/** One Kubernetes object the program declares, with what the engine would wait for before creating it. */
export interface StackObject {
    urn: string;
    object: KubeObject;
    /** URNs of the objects (not components) that must exist first: the engine's recorded dependencies. */
    after: string[];
    /** A server-side-apply patch of an object someone else owns (CustomResourcePatch: Argo CD's default project). */
    patch: boolean;
    /** The object's inputs were a Pulumi secret (credentials). */
    secret: boolean;
    /** The engine leaves it in the cluster when it leaves the stack (retainOnDelete). */
    retain: boolean;
}

export interface ArgoStackRun {
    stack: string;
    /** Every Kubernetes object of the stack but the Helm releases, in the order the engine may create them. */
    objects: StackObject[];
    /** The argo-cd Helm release's values (what the chart renders the testbed's ConfigMaps from). */
    argoCdValues: Values;
    /** The other Helm releases the stack installs (Image Updater, Rollouts...), by chart name: not run here. */
    otherReleases: string[];
    /** Their values, by chart name (what a test running one of them out of cluster configures it from). */
    releaseValues: Record<string, Values>;
}

/**
 * The overrides that point an Argo CD stack at the test's loopback git server, with Argo CD in the test's own
 * namespace: SSH with the server's pinned host key (the deploy key is passed as the sshPrivateKey secret).
 */
export function argoServerConfig(git: GitServer, argocdNamespace: string): string[] {
    return [
        "operator=argocd",
        `argocdNamespace=${argocdNamespace}`,
        "authKind=ssh",
        `repoUrl=${git.url}`,
        `sshKnownHosts=${git.knownHosts}`,
    ];
}

const isKubeObject = (r: RecordedResource) =>
    r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release";

/**
 * Runs the real program for a committed stack under the offline engine with the given overrides and secrets, and
 * returns its Kubernetes objects as the engine would send them, each with the objects it waits for (a component
 * dependency stands for every object under it, as the engine waits for a component's children).
 */
export async function argoStackObjects(stack: string, options: StackOptions): Promise<ArgoStackRun> {
    const run = await runStack(stack, options);
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const children = new Map<string, string[]>();
    for (const r of run.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
    // The objects a dependency stands for: itself, or every object below a component.
    const objectsOf = (urn: string): string[] => {
        const r = byUrn.get(urn);
        if (!r) return [];
        if (isKubeObject(r)) return [urn];
        if (r.custom) return []; // a Helm release: the testbed runs the controllers instead
        return (children.get(urn) ?? []).flatMap(objectsOf);
    };
    const objects: StackObject[] = [];
    let argoCdValues: Values | undefined;
    const otherReleases: string[] = [];
    const releaseValues: Record<string, Values> = {};
    for (const r of run.resources) {
        if (r.type === "kubernetes:helm.sh/v3:Release") {
            const inputs = plain(r.inputs) as { chart: string; values: Values };
            if (inputs.chart === "argo-cd") argoCdValues = inputs.values;
            else {
                otherReleases.push(inputs.chart);
                releaseValues[inputs.chart] = inputs.values;
            }
            continue;
        }
        if (!isKubeObject(r)) continue;
        // The recorded dependencies are the engine's (the components pass their dependsOn to their children).
        const after = [...new Set(r.dependencies.flatMap(objectsOf))].filter((u) => u !== r.urn);
        objects.push({
            urn: r.urn,
            object: plain(r.inputs) as KubeObject,
            after,
            patch: r.type.endsWith("Patch"),
            secret: Object.values(r.inputs).some(isSecretValue),
            retain: r.retainOnDelete,
        });
    }
    if (!argoCdValues) throw new Error(`stack ${stack} installs no argo-cd chart (operatorInstall=existing?)`);
    return { stack, objects, argoCdValues, otherReleases, releaseValues };
}

/** The objects in waves: each wave only after every object the engine would wait for is done. */
export function creationWaves(objects: readonly StackObject[]): StackObject[][] {
    const done = new Set<string>();
    const known = new Set(objects.map((o) => o.urn));
    const waves: StackObject[][] = [];
    let left = [...objects];
    while (left.length > 0) {
        const wave = left.filter((o) => o.after.every((u) => done.has(u) || !known.has(u)));
        if (wave.length === 0) throw new Error(`dependency cycle among ${left.map((o) => o.urn).join(", ")}`);
        waves.push(wave);
        for (const o of wave) done.add(o.urn);
        left = left.filter((o) => !wave.includes(o));
    }
    return waves;
}
