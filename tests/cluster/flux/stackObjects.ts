import { PROJECT } from "../../../src/config";
import { isSecretValue } from "../../../src/offline/mockRun";
import { readStackFile } from "../../../src/offline/stackFile";
import type { StackOutputs } from "../../../src/program";
import { ROOT, plain, runStack, type StackOptions } from "../../support/stacks";
import type { GitServer } from "./gitServer";
import type { KubeObject } from "./kube";

export interface FluxStackRun {
    /** Every Kubernetes object the program declares, except the flux2 Helm release (the controllers run here). */
    objects: KubeObject[];
    /** Names of the objects whose inputs were Pulumi secrets (the test asserts the credentials stayed secret). */
    secretObjects: string[];
    /** The stack outputs, resolved (secret ones still wrapped, as the engine would keep them). */
    outputs: StackOutputs;
}

/**
 * The overrides that point a stack at the test's loopback git server, with Flux in the test's own namespace: SSH with
 * the server's pinned host key, and `fluxInterval` (the config's floor by default, so Git changes land in seconds).
 */
export function fluxServerConfig(git: GitServer, fluxNamespace: string, interval = "10s"): string[] {
    return [
        "operator=flux",
        `fluxNamespace=${fluxNamespace}`,
        "authKind=ssh",
        `repoUrl=${git.url}`,
        `sshKnownHosts=${git.knownHosts}`,
        `fluxInterval=${interval}`,
    ];
}

/** The committed stack's apps, with each namespace renamed (the test cluster is shared with other tests). */
export function appsWithNamespaces(stack: string, rename: (namespace: string) => string): string {
    const apps = JSON.parse(readStackFile(ROOT, stack).values[`${PROJECT}:apps`]) as Array<{ namespace: string }>;
    return JSON.stringify(apps.map((a) => ({ ...a, namespace: rename(a.namespace) })));
}

/**
 * Runs the real program for a committed stack under Pulumi's mocks with `config` overrides and the given secrets,
 * and returns the Kubernetes objects it declares, as the engine would send them to the cluster. Secrets stay in
 * memory: nothing here is written to disk or printed.
 */
export async function fluxStackObjects(
    stack: string,
    config: string[],
    secrets: { sshPrivateKey: string; slackToken: string } & NonNullable<StackOptions["secrets"]>,
): Promise<FluxStackRun> {
    const run = await runStack(stack, { config, secrets });
    const objects: KubeObject[] = [];
    const secretObjects: string[] = [];
    for (const r of run.resources) {
        if (!r.custom || !r.type.startsWith("kubernetes:") || r.type === "kubernetes:helm.sh/v3:Release") continue;
        const obj = plain(r.inputs) as KubeObject;
        if (Object.values(r.inputs).some(isSecretValue)) secretObjects.push(`${obj.kind}/${obj.metadata.name}`);
        objects.push(obj);
    }
    return { objects, secretObjects, outputs: run.outputs };
}
