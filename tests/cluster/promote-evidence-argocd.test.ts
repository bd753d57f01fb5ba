/**
 * promote --from-stack against the states real Argo CD reports (issue 21): the dev stack under the Argo CD testbed
 * (Argo CD v3.2.11's controllers, the chart's ConfigMaps, the program's objects in the engine's order) syncs
 * guestbook from a loopback Git server onto the local control plane, where kube-controller-manager rolls the
 * Deployment out and kwok runs its pods. Synced and Healthy at the pinned image: promoted with the evidence in the
 * pull request body (the revision is the commit Argo CD's sync history records); synced but unavailable (Argo CD
 * says Progressing), or never synced (the overlay does not build: ComparisonError): refused. The scenario is shared
 * with the Flux file (./support/promotionEvidence.ts).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { cluster } from "./support/cluster";
import { testPorts } from "./support/ports";
import { promotionEvidenceScenario, type SourceEnvironment } from "./support/promotionEvidence";
import { getObject, waitFor, type KubeObject } from "./flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27220-27239. */
const PORTS = testPorts(argoPortTable(27220));
const ARGO_NS = "promote-evidence-argocd";
/** How long a change may take once Argo CD was asked to refresh, on a busy 2-core machine. */
const CHANGE_MS = 180_000;

let testbed: ArgoCdTestbed;

beforeAll(async () => {
    testbed = await startArgoCdTestbed({
        name: "gitops-promote-evidence-argocd",
        stack: "dev",
        namespace: ARGO_NS,
        ports: PORTS,
    });
}, 300_000);

afterAll(async () => {
    await testbed?.stop();
}, 240_000);

function describeApp(a: KubeObject | undefined): string {
    if (!a) return "(no such Application)";
    const s = a.status ?? {};
    return JSON.stringify({
        sync: s.sync?.status,
        revision: s.sync?.revision,
        health: s.health?.status,
        reconciledAt: s.reconciledAt,
        conditions: s.conditions,
        operation: s.operationState?.phase,
        synced: s.operationState?.syncResult?.revision,
        message: s.operationState?.message,
        history: (s.history ?? []).map((h: { revision: string }) => h.revision),
    });
}

function argoSource(): SourceEnvironment {
    const { git, tmp } = testbed;
    const checkout = path.join(tmp, "checkout");
    execFileSync("git", ["clone", "--quiet", path.join(tmp, "git", "repos", "gitops.git"), checkout]);
    const appNamespace = "guestbook-dev";
    const application = (app: string) => testbed.get(APPLICATIONS, `dev-${app}`);
    let last: KubeObject | undefined;
    const explain = (app: string) => async () =>
        `${describeApp(last)}\n${JSON.stringify((await getObject("deployment", app, appNamespace))?.status, null, 2)}\n${testbed.logs(20)}`;
    return {
        stack: "dev",
        config: testbed.overrides,
        git,
        kubeconfig: cluster().kubeconfig,
        context: execFileSync("kubectl", ["--kubeconfig", cluster().kubeconfig, "config", "current-context"], {
            encoding: "utf8",
        }).trim(),
        appNamespace,
        checkout,
        // Argo CD records the commit SHA itself (status.sync.revision, status.history[].revision).
        appliedRevision: (commit) => commit,
        deploy: () => testbed.deploy(),
        async waitApplied(app, commit) {
            await testbed.refresh(`dev-${app}`);
            await waitFor(
                `Application dev-${app} Synced at ${commit.slice(0, 8)}, its automated sync at it Succeeded`,
                CHANGE_MS,
                async () => {
                    last = await application(app);
                    const s = last?.status;
                    return s?.sync?.status === "Synced" &&
                        s.sync.revision === commit &&
                        s.operationState?.phase === "Succeeded" &&
                        s.operationState.syncResult?.revision === commit &&
                        !last?.operation
                        ? true
                        : undefined;
                },
                explain(app),
                1000,
            );
        },
        async waitFailed(app, commit) {
            // The commit is pushed: a comparison that starts from now on resolves the branch to it.
            const asked = Math.floor(Date.now() / 1000) * 1000;
            await testbed.refresh(`dev-${app}`);
            await waitFor(
                `Application dev-${app} failing to compare at ${commit.slice(0, 8)} (ComparisonError)`,
                CHANGE_MS,
                async () => {
                    last = await application(app);
                    const s = last?.status;
                    const error = ((s?.conditions ?? []) as Array<{ type: string }>).some(
                        (c) => c.type === "ComparisonError",
                    );
                    return error && s?.sync?.status === "Unknown" && Date.parse(s.reconciledAt ?? "") >= asked
                        ? true
                        : undefined;
                },
                explain(app),
                1000,
            );
        },
        async waitAvailable(app, available) {
            await waitFor(
                `Deployment ${appNamespace}/${app} ${available ? "available" : "not available"} at its current spec`,
                CHANGE_MS,
                async () => {
                    const d = await getObject("deployment", app, appNamespace);
                    const s = d?.status;
                    if (!d || !s || (s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return undefined;
                    const want = d.spec?.replicas ?? 1;
                    const updated = s.updatedReplicas ?? 0;
                    const done = updated >= want && (s.replicas ?? 0) <= updated && (s.availableReplicas ?? 0) >= want;
                    return done === available ? true : undefined;
                },
                explain(app),
            );
        },
    };
}

describe("promote with evidence from Argo CD", () => {
    it("promotes what runs Synced and Healthy at the pinned image, and refuses what is unavailable or not synced", async () => {
        await promotionEvidenceScenario(argoSource(), "staging");
    }, 900_000);
});
