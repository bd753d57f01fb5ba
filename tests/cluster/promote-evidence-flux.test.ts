/**
 * promote --from-stack against the states the real Flux controllers report (issue 21): the dev stack's Flux objects
 * (the real program) reconcile guestbook from a loopback Git server onto the local control plane, where
 * kube-controller-manager rolls the Deployment out and kwok runs its pods. Healthy at the pinned image: promoted with
 * the evidence in the pull request body; applied but unavailable, or never applied: refused. The scenario is shared
 * (./support/promotionEvidence.ts) with the Argo CD file, promote-evidence-argocd.test.ts.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { appsWithNamespaces, fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { applyObjects, condition, getObject, requestReconcile, waitFor } from "./flux/kube";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { cluster } from "./support/cluster";
import { testPorts } from "./support/ports";
import { promotionEvidenceScenario, type SourceEnvironment } from "./support/promotionEvidence";

/** This file's loopback ports (the commands helper's range 29300-29399). */
const PORTS = testPorts({ git: 29320, storage: 29321, events: 29322, webhooks: 29323, probesBase: 29324 });
const FLUX_NS = "promote-evidence-flux";
const FIELD_MANAGER = "gitops-stack-promote-evidence-test";
const ns = (namespace: string) => `${namespace}-evidence`;
const KUSTOMIZATION = "kustomizations.kustomize.toolkit.fluxcd.io";
const GIT_REPOSITORY = "gitrepositories.source.toolkit.fluxcd.io";

let testbed: FluxTestbed;

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-promote-evidence",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: ["platform", "guestbook", "podinfo"].map((a) => ns(`${a}-dev`)),
        createNamespace: true,
    });
}, 300_000);

afterAll(async () => {
    await testbed?.stop();
});

function fluxSource(): SourceEnvironment {
    const { git, tmp } = testbed;
    const config = [...fluxServerConfig(git, FLUX_NS), `apps=${appsWithNamespaces("dev", ns)}`];
    const checkout = path.join(tmp, "checkout");
    execFileSync("git", ["clone", "--quiet", path.join(tmp, "git", "repos", "gitops.git"), checkout]);
    const appNamespace = ns("guestbook-dev");
    const kustomization = (app: string) => getObject(KUSTOMIZATION, `dev-${app}`, FLUX_NS);
    const explain = (app: string) => async () =>
        `${JSON.stringify((await kustomization(app))?.status, null, 2)}\n${JSON.stringify((await getObject("deployment", app, appNamespace))?.status, null, 2)}\n${testbed.logs(20)}`;
    const reconcile = async (app: string) => {
        await requestReconcile(GIT_REPOSITORY, "gitops-dev", FLUX_NS);
        await requestReconcile(KUSTOMIZATION, `dev-${app}`, FLUX_NS);
    };
    return {
        stack: "dev",
        config,
        git,
        kubeconfig: cluster().kubeconfig,
        context: execFileSync("kubectl", ["--kubeconfig", cluster().kubeconfig, "config", "current-context"], {
            encoding: "utf8",
        }).trim(),
        appNamespace,
        checkout,
        appliedRevision: (commit) => `main@sha1:${commit}`,
        async deploy() {
            const run = await fluxStackObjects("dev", config, {
                sshPrivateKey: git.deployKey,
                slackToken: "xoxb-evidence",
            });
            await applyObjects(
                run.objects.filter((o) => o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding"),
                FIELD_MANAGER,
            );
        },
        async waitApplied(app, commit) {
            await reconcile(app);
            await waitFor(
                `Kustomization dev-${app} Ready at main@sha1:${commit}`,
                180_000,
                async () => {
                    const k = await kustomization(app);
                    return k?.status?.lastAppliedRevision === `main@sha1:${commit}` &&
                        condition(k, "Ready")?.status === "True"
                        ? true
                        : undefined;
                },
                explain(app),
            );
        },
        async waitFailed(app, commit) {
            await reconcile(app);
            await waitFor(
                `Kustomization dev-${app} failing at main@sha1:${commit}`,
                180_000,
                async () => {
                    const k = await kustomization(app);
                    return k?.status?.lastAttemptedRevision === `main@sha1:${commit}` &&
                        condition(k, "Ready")?.status === "False"
                        ? true
                        : undefined;
                },
                explain(app),
            );
        },
        async waitAvailable(app, available) {
            await waitFor(
                `Deployment ${appNamespace}/${app} ${available ? "available" : "not available"} at its current spec`,
                180_000,
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

describe("promote with evidence from Flux", () => {
    it("promotes what runs healthy at the pinned image, and refuses what is unavailable or not applied", async () => {
        await promotionEvidenceScenario(fluxSource(), "staging");
    }, 900_000);
});
