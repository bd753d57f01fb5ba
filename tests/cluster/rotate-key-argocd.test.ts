/**
 * rotate-key against real Argo CD (issue 24, the Argo CD half of issue 21's release path): the dev stack under the
 * Argo CD testbed (Argo CD v3.2.11's controllers, the chart's ConfigMaps, the program's objects in the engine's
 * order), reading the loopback SSH git server with a deploy key made for the run. The deploy key is rotated in the
 * order the command prints: the new key authorised at the Git server beside the old one, the stack updated with the
 * new sshPrivateKey secret by a later `pulumi up` (testbed.update: the program runs again and its repository Secret
 * is re-applied), the check, the old key revoked. Throughout, no Application reports a ComparisonError, and Argo CD
 * syncs every new commit: each of the scenario's commits changes guestbook's dev overlay (an annotation), so a sync
 * at the commit is what Argo CD did with it, not only a comparison. The last step revokes the new key too, and Argo
 * CD reports the authentication failure that the check then names.
 * The scenario is shared with the Flux file (./support/keyRotation.ts).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { cluster, kubectl } from "./support/cluster";
import { keyRotationScenario, type RotationTarget } from "./support/keyRotation";
import { testPorts } from "./support/ports";
import { waitFor, type KubeObject } from "./flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27200-27219. */
const PORTS = testPorts(argoPortTable(27200));
const ARGO_NS = "rotate-key-argocd";
/** How long a change may take once Argo CD was asked to refresh, on a busy 2-core machine. */
const CHANGE_MS = 180_000;
/** The Application whose overlay the scenario's commits change. */
const CHANGED = "dev-guestbook";
const OVERLAY = "apps/guestbook/overlays/dev/kustomization.yaml";

let testbed: ArgoCdTestbed;

beforeAll(async () => {
    testbed = await startArgoCdTestbed({
        name: "gitops-rotate-key-argocd",
        stack: "dev",
        namespace: ARGO_NS,
        ports: PORTS,
    });
}, 300_000);

afterAll(async () => {
    await testbed?.stop();
}, 240_000);

async function applications(): Promise<KubeObject[]> {
    const r = await kubectl(["get", APPLICATIONS, "-n", ARGO_NS, "-o", "json"], { ok: false });
    return r.code === 0 ? (JSON.parse(r.stdout).items as KubeObject[]) : [];
}

const describeApps = (apps: KubeObject[]) =>
    apps
        .map((a) =>
            JSON.stringify({
                name: a.metadata.name,
                sync: a.status?.sync?.status,
                revision: a.status?.sync?.revision,
                conditions: a.status?.conditions,
                operation: a.status?.operationState?.phase,
                synced: a.status?.operationState?.syncResult?.revision,
                message: a.status?.operationState?.message,
            }),
        )
        .join("\n");

/** A condition of an Application that says Argo CD could not read or render its source. */
const comparisonErrors = (a: KubeObject): Array<{ type: string; message: string }> =>
    ((a.status?.conditions ?? []) as Array<{ type: string; message: string }>).filter(
        (c) => c.type === "ComparisonError",
    );

function argoTarget(): RotationTarget {
    const { git } = testbed;
    let deployed = false;
    let last: KubeObject[] = [];
    const explain = () => `${describeApps(last)}\n${testbed.logs(20)}`;
    const refreshAll = async (kind: "normal" | "hard" = "normal") => {
        for (const a of await applications()) await testbed.refresh(a.metadata.name, kind);
    };
    return {
        stack: "dev",
        config: testbed.overrides,
        git,
        kubeconfig: cluster().kubeconfig,
        context: execFileSync("kubectl", ["--kubeconfig", cluster().kubeconfig, "config", "current-context"], {
            encoding: "utf8",
        }).trim(),
        tmp: testbed.tmp,
        async applyWithKey(sshPrivateKey) {
            // The first `pulumi up` runs with the key the testbed was started with; later ones are updates with the
            // new secret (pulumi config set --secret sshPrivateKey; pulumi up).
            if (!deployed) {
                if (sshPrivateKey !== git.deployKey) throw new Error("the first up runs with the testbed's key");
                await testbed.deploy();
                deployed = true;
                return;
            }
            await testbed.update([], { sshPrivateKey });
        },
        async waitForRevision(commit) {
            await refreshAll();
            await waitFor(
                `every Application Synced at ${commit.slice(0, 8)}, ${CHANGED} synced at it`,
                CHANGE_MS,
                async () => {
                    last = await applications();
                    const changed = last.find((a) => a.metadata.name === CHANGED);
                    const ok =
                        last.length > 0 &&
                        last.every(
                            (a) =>
                                a.status?.sync?.status === "Synced" &&
                                a.status?.sync?.revision === commit &&
                                comparisonErrors(a).length === 0,
                        ) &&
                        changed?.status?.operationState?.phase === "Succeeded" &&
                        changed.status.operationState.syncResult?.revision === commit;
                    return ok ? true : undefined;
                },
                explain,
                1000,
            );
        },
        async waitForAuthFailure() {
            await refreshAll("hard");
            await waitFor(
                "an Application to report that the Git server refused the key",
                CHANGE_MS,
                async () => {
                    last = await applications();
                    return last.some((a) =>
                        comparisonErrors(a).some((c) => /unable to authenticate|handshake failed/.test(c.message)),
                    )
                        ? true
                        : undefined;
                },
                explain,
                1000,
            );
        },
        watchReadable() {
            const seen: string[] = [];
            let running = true;
            const loop = (async () => {
                while (running) {
                    for (const a of await applications()) {
                        for (const c of comparisonErrors(a))
                            seen.push(`${a.metadata.name} ComparisonError: ${c.message}`);
                        if (a.status?.sync?.status === "Unknown") {
                            seen.push(`${a.metadata.name} sync status Unknown`);
                        }
                    }
                    await new Promise((r) => setTimeout(r, 500));
                }
            })();
            return {
                async stop() {
                    running = false;
                    await loop;
                    return [...new Set(seen)];
                },
            };
        },
        change(w, note) {
            // One annotation on guestbook's objects, replaced by each commit: a change Argo CD must sync.
            const file = path.join(w, OVERLAY);
            const text = fs
                .readFileSync(file, "utf8")
                .replace(/commonAnnotations:\n {2}gitops-stack\.io\/rotation: .*\n$/, "");
            fs.writeFileSync(file, `${text}commonAnnotations:\n  gitops-stack.io/rotation: ${JSON.stringify(note)}\n`);
        },
    };
}

describe("rotate-key with Argo CD", () => {
    it("keeps every Application reading and syncing new commits through the whole rotation", async () => {
        await keyRotationScenario(argoTarget());
    }, 900_000);
});
