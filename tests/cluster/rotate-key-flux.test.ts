/**
 * rotate-key against the real Flux controllers (issue 24): while the deploy key is rotated in the order the command
 * prints (new key authorised at the Git server beside the old one, the stack's Secret swapped by applying the real
 * program's objects, the check, the old key revoked), the GitRepository stays Ready and picks up every new commit.
 * The scenario is shared (./support/keyRotation.ts) with the Argo CD file, rotate-key-argocd.test.ts.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, it } from "vitest";
import { appsWithNamespaces, fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { applyObjects, condition, getObject, requestReconcile, waitFor } from "./flux/kube";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { cluster } from "./support/cluster";
import { keyRotationScenario, type RotationTarget } from "./support/keyRotation";
import { testPorts } from "./support/ports";

/** This file's loopback ports (the commands helper's range 29300-29399). */
const PORTS = testPorts({ git: 29300, storage: 29301, events: 29302, webhooks: 29303, probesBase: 29304 });
const FLUX_NS = "rotate-key-flux";
const FIELD_MANAGER = "gitops-stack-rotate-key-test";
const ns = (namespace: string) => `${namespace}-rotate`;
const GIT_REPOSITORY = "gitrepositories.source.toolkit.fluxcd.io";

let testbed: FluxTestbed;

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-rotate-key",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: ["platform", "guestbook", "podinfo"].map((a) => ns(`${a}-dev`)),
        createNamespace: true,
    });
}, 300_000);

afterAll(async () => {
    await testbed?.stop();
});

function fluxTarget(): RotationTarget {
    const { git } = testbed;
    const config = [...fluxServerConfig(git, FLUX_NS), `apps=${appsWithNamespaces("dev", ns)}`];
    const source = () => getObject(GIT_REPOSITORY, "gitops-dev", FLUX_NS);
    const explain = async () => `${JSON.stringify((await source())?.status, null, 2)}\n${testbed.logs(20)}`;
    return {
        stack: "dev",
        config,
        git,
        kubeconfig: cluster().kubeconfig,
        context: execFileSync("kubectl", ["--kubeconfig", cluster().kubeconfig, "config", "current-context"], {
            encoding: "utf8",
        }).trim(),
        tmp: testbed.tmp,
        async applyWithKey(sshPrivateKey) {
            const run = await fluxStackObjects("dev", config, { sshPrivateKey, slackToken: "xoxb-rotate" });
            // Cluster-wide RBAC plays no part here (and is applied by the stacks test under another manager).
            await applyObjects(
                run.objects.filter((o) => o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding"),
                FIELD_MANAGER,
            );
        },
        async waitForRevision(commit) {
            await requestReconcile(GIT_REPOSITORY, "gitops-dev", FLUX_NS);
            await waitFor(
                `GitRepository gitops-dev at main@sha1:${commit}, Ready`,
                120_000,
                async () => {
                    const obj = await source();
                    return obj?.status?.artifact?.revision === `main@sha1:${commit}` &&
                        condition(obj, "Ready")?.status === "True"
                        ? true
                        : undefined;
                },
                explain,
            );
        },
        async waitForAuthFailure() {
            await requestReconcile(GIT_REPOSITORY, "gitops-dev", FLUX_NS);
            await waitFor(
                "GitRepository gitops-dev to fail authentication",
                120_000,
                async () => {
                    const ready = condition(await source(), "Ready");
                    return ready?.status === "False" &&
                        /unable to authenticate|AuthenticationFailed/.test(`${ready.reason} ${ready.message}`)
                        ? true
                        : undefined;
                },
                explain,
            );
        },
        watchReadable() {
            const seen: string[] = [];
            let running = true;
            const loop = (async () => {
                while (running) {
                    const ready = condition(await source(), "Ready");
                    const building =
                        ready?.status === "Unknown" &&
                        /^building artifact: new upstream revision/.test(ready.message ?? "");
                    if (ready?.status !== "True" && !building) {
                        seen.push(`Ready ${ready?.status} ${ready?.reason}: ${ready?.message}`);
                    }
                    await new Promise((r) => setTimeout(r, 250));
                }
            })();
            return {
                async stop() {
                    running = false;
                    await loop;
                    return seen;
                },
            };
        },
    };
}

describe("rotate-key with Flux", () => {
    it("keeps the GitRepository Ready and reading new commits through the whole rotation", async () => {
        await keyRotationScenario(fluxTarget());
    }, 600_000);
});
