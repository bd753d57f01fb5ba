/**
 * Flux's health checks of a Rollout, evaluated by the real kustomize-controller (issue 12): the prod stack with
 * argoRollouts=true and the example's storefront app, reconciled from a loopback git server. Prod Kustomizations
 * wait, so the CEL expressions the program declares (ROLLOUT_HEALTH_CHECK_EXPRS) decide Ready: in progress while
 * the Rollout has no status, Ready once it is Healthy at the current generation, failed when it is Degraded (an
 * aborted canary). No Rollouts controller runs here: the test writes the Rollout's status as the controller would,
 * through the status subresource.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "./support/cluster";
import {
    applyObjects,
    condition,
    describeConditions,
    getObject,
    requestReconcile,
    waitFor,
    waitForCondition,
    type KubeObject,
} from "./flux/kube";
import { fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { testPorts } from "./support/ports";

/** The cluster tests' port range is 27000-27999; this file uses 27080-27099. */
const PORTS = testPorts({ git: 27080, storage: 27081, events: 27082, webhooks: 27083, probesBase: 27084 });
const FLUX_NS = "flux-rollouts";
const APP_NS = "storefront-prod-rollouts";
const KUSTOMIZATION = "kustomizations.kustomize.toolkit.fluxcd.io";
const FIELD_MANAGER = "gitops-stack-rollouts-flux-test";
/**
 * What the argo-rollouts chart installs for namespace admins (its aggregate-to-admin ClusterRole): the Flux tenant
 * ServiceAccount applies through `admin`, so without it the Rollout could not be applied. The chart is not installed
 * here (no controller runs), so its role is declared as the chart declares it.
 */
const AGGREGATE_TO_ADMIN: KubeObject = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: {
        name: "gitops-stack-test-argo-rollouts-aggregate-to-admin",
        labels: { "rbac.authorization.k8s.io/aggregate-to-admin": "true" },
    },
    rules: [
        {
            apiGroups: ["argoproj.io"],
            resources: [
                "rollouts",
                "rollouts/scale",
                "rollouts/status",
                "experiments",
                "analysistemplates",
                "clusteranalysistemplates",
                "analysisruns",
            ],
            verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        },
    ],
};

let testbed: FluxTestbed;

const logs = () => testbed.logs();

async function setRolloutStatus(phase: string): Promise<void> {
    const rollout = await getObject("rollouts.argoproj.io", "storefront", APP_NS);
    const generation = String(rollout!.metadata.generation);
    await kubectl([
        "patch",
        "rollouts.argoproj.io",
        "storefront",
        "-n",
        APP_NS,
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify({ status: { phase, observedGeneration: generation, message: `set by the test: ${phase}` } }),
    ]);
}

const reconcileNow = () => requestReconcile(KUSTOMIZATION, "prod-storefront", FLUX_NS);

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-cluster-rollouts",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: [APP_NS],
    });
    const { git } = testbed;
    git.branch("prod");
    const run = await fluxStackObjects(
        "prod",
        [
            ...fluxServerConfig(git, FLUX_NS),
            "argoRollouts=true",
            "slackChannel=",
            `apps=${JSON.stringify([{ name: "storefront", namespace: APP_NS }])}`,
        ],
        { sshPrivateKey: git.deployKey, slackToken: "unused" },
    );
    // Flux's objects and the tenancy; the cluster-wide RBAC for people is checked in rollouts.test.ts, and the
    // argo-rollouts namespace belongs to the chart's controller, which does not run here. Left behind under this
    // file's field manager, either would make the later files' applies of the same objects conflict.
    const objects = run.objects.filter(
        (o) =>
            o.kind !== "ClusterRole" &&
            o.kind !== "ClusterRoleBinding" &&
            !(o.kind === "Namespace" && o.metadata.name === "argo-rollouts"),
    );
    await applyObjects([AGGREGATE_TO_ADMIN], FIELD_MANAGER);
    await applyObjects(objects, FIELD_MANAGER);
}, 180_000);

afterAll(async () => {
    await testbed?.stop();
    await kubectl(["delete", "clusterrole", AGGREGATE_TO_ADMIN.metadata.name], { ok: false });
}, 120_000);

describe("prod Kustomization waiting for a Rollout (healthCheckExprs)", () => {
    it("applies the Rollout and stays in progress while the Rollout reports no phase", async () => {
        await waitFor(
            "the storefront Rollout to be applied",
            120_000,
            async () => (await getObject("rollouts.argoproj.io", "storefront", APP_NS)) ?? undefined,
            logs,
        );
        const k = await getObject(KUSTOMIZATION, "prod-storefront", FLUX_NS);
        expect(k?.spec.wait).toBe(true);
        expect(k?.spec.healthCheckExprs?.[0]).toMatchObject({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout" });
        // Give the controller a few health polls: the Rollout without status must not count as healthy.
        await new Promise((r) => setTimeout(r, 8_000));
        const later = await getObject(KUSTOMIZATION, "prod-storefront", FLUX_NS);
        expect(condition(later, "Ready")?.status, describeConditions(later)).not.toBe("True");
    });

    it("becomes Ready once the Rollout is Healthy at its current generation", async () => {
        await setRolloutStatus("Healthy");
        const k = await waitForCondition(KUSTOMIZATION, "prod-storefront", FLUX_NS, "Ready", "True", 180_000, logs);
        expect(condition(k, "Healthy")?.status, describeConditions(k)).toBe("True");
    });

    it("fails the reconciliation when the Rollout is Degraded (an aborted canary)", async () => {
        await setRolloutStatus("Degraded");
        await reconcileNow();
        const k = await waitForCondition(KUSTOMIZATION, "prod-storefront", FLUX_NS, "Ready", "False", 120_000, logs);
        expect(condition(k, "Ready")?.reason, describeConditions(k)).toBe("HealthCheckFailed");
        expect(condition(k, "Ready")?.message).toMatch(/Rollout\/storefront-prod-rollouts\/storefront/);
    });
});
