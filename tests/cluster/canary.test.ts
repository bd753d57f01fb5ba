/**
 * The example's storefront canary, run by the real Argo Rollouts controller (issue 21; v1.9.0, the pinned
 * argo-rollouts chart's app version, built by scripts/cluster/build-release.sh) on kwok pods, deployed by the real
 * Flux from the prod stack (argoRollouts=true) through a loopback git server, as tests/cluster/rollouts-flux.test.ts
 * does with a hand-written status. What the test changes in the example is only the environment's parameter the
 * overlay exists for: the AnalysisTemplate's `prometheus-address`, pointed at a loopback stand-in for Prometheus
 * whose answer the test sets (./release/metricServer.ts). The prod HorizontalPodAutoscaler (minReplicas 4) sizes the
 * Rollout, through kube-controller-manager's real HPA controller.
 *
 * It checks: the steps' setWeight become replica counts (no traffic router); the analysis promotes the canary when
 * the success rate is good, and aborts it and scales the stable version back when it is bad; deployers of prod
 * promote and abort with `kubectl argo rollouts` (the plugin, impersonated) while developers are refused by the
 * apiserver; and the prod Kustomization, which waits, reports the Rollout as its health checks promise: in progress
 * during the canary, Ready once it completed, failed (HealthCheckFailed) when it was aborted.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canI, cluster, kubectl, kubectlJson } from "./support/cluster";
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
import { binaryPath, clusterVersions, startLogged, waitForHttp, type Started } from "./flux/processes";
import { fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { startMetricServer, type MetricServer } from "./release/metricServer";
import { testPorts } from "./support/ports";

/** The cluster tests' release-path range is 29500-29699; this file uses 29520-29559. */
const PORTS = testPorts({
    git: 29520,
    storage: 29521,
    events: 29522,
    webhooks: 29523,
    probesBase: 29524, // to 29529
    rolloutsMetrics: 29530,
    rolloutsHealthz: 29531,
    prometheus: 29532,
});
const FLUX_NS = "flux-canary";
const APP_NS = "storefront-prod-canary";
const KUSTOMIZATION = "kustomizations.kustomize.toolkit.fluxcd.io";
const ROLLOUT = "rollouts.argoproj.io";
const FIELD_MANAGER = "gitops-stack-canary-test";
const OVERLAY = "apps/storefront/overlays/prod/kustomization.yaml";
const BUILD = "scripts/cluster/build-release.sh";
/** Prod's groups (Pulumi.prod.yaml). */
const DEPLOYER = { user: "dana", groups: ["acme:release-managers"] };
const DEVELOPER = { user: "devon", groups: ["acme:developers"] };
/** What the prod HorizontalPodAutoscaler keeps the Rollout at (overlays/prod/hpa.yaml minReplicas). */
const REPLICAS = 4;

/** As in rollouts-flux.test.ts: the chart's aggregate-to-admin role, which the Flux tenant applies Rollouts through. */
const AGGREGATE_TO_ADMIN: KubeObject = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: {
        name: "gitops-stack-test-canary-argo-rollouts-aggregate-to-admin",
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

const run = promisify(execFile);
let testbed: FluxTestbed;
let controller: Started;
let prometheus: MetricServer;
/** The stack's Rollouts RBAC for people (cluster-scoped parts are deleted after the file). */
let rbac: KubeObject[] = [];

const logs = () => `${testbed.logs(15)}\n--- rollouts-controller\n${controller?.tail(40)}`;
const rollout = () => getObject(ROLLOUT, "storefront", APP_NS);
/** Where the pods are and why they are not available: the app's pods' phase and Ready, and the node's Ready. */
async function podsAndNode(): Promise<string> {
    const pods = await kubectl(["get", "pods", "-n", APP_NS, "-o", "wide"], { ok: false });
    const node = await kubectl(["get", "nodes", "-o", "wide"], { ok: false });
    return `--- pods\n${pods.stdout}${pods.stderr}--- nodes\n${node.stdout}${node.stderr}`;
}
const reconcileNow = () => requestReconcile(KUSTOMIZATION, "prod-storefront", FLUX_NS);

/** `kubectl argo rollouts <args>` as `who` (impersonated with the kubeconfig's admin credentials). */
async function plugin(who: { user: string; groups: string[] }, args: string[]) {
    const bin = binaryPath("kubectl-argo-rollouts", clusterVersions().ARGO_ROLLOUTS_VERSION, BUILD);
    const as = ["--as", who.user, ...who.groups.flatMap((g) => ["--as-group", g])];
    try {
        const { stdout, stderr } = await run(bin, [...args, "-n", APP_NS, "--kubeconfig", cluster().kubeconfig, ...as]);
        return { code: 0, out: stdout + stderr };
    } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
}

/** Commits a change of the prod overlay's `images:` tag (what `promote` into prod merges) and has Flux apply it. */
async function release(tag: string): Promise<void> {
    testbed.git.commit(
        `Promote storefront to ${tag} in prod`,
        (work) => {
            const file = path.join(work, OVERLAY);
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/newTag: .*/, `newTag: ${tag}`));
        },
        "prod",
    );
    await reconcileNow();
}

/** Waits until the Rollout's spec carries `tag` and the controller stands at step `index` of its canary. */
function atStep(tag: string, index: number, ms = 180_000): Promise<KubeObject> {
    let last: KubeObject | undefined;
    return waitFor(
        `the storefront Rollout at ${tag} to pause at canary step ${index}`,
        ms,
        async () => {
            last = await rollout();
            const image = last?.spec?.template?.spec?.containers?.[0]?.image as string | undefined;
            // Every step the tests stop at is a pause: the controller moves currentStepIndex onto it a moment
            // before it pauses, and a promote in that moment would act on a Rollout that is not paused yet.
            return image?.endsWith(`:${tag}`) &&
                last?.status?.currentStepIndex === index &&
                last.status.phase === "Paused"
                ? last
                : undefined;
        },
        () => `${JSON.stringify(last?.status ?? "no Rollout", null, 2)}\n${logs()}`,
    );
}

/** The ReplicaSets of the Rollout: replicas and available replicas of the canary and the stable one. */
async function replicaSets(r: KubeObject): Promise<{ canary: number[]; stable: number[] }> {
    const list = await kubectlJson<{ items: KubeObject[] }>([
        "get",
        "replicasets.apps",
        "-n",
        APP_NS,
        "-l",
        "app.kubernetes.io/name=storefront",
    ]);
    const byHash = (hash: string) => {
        const rs = list.items.find((i) => i.metadata.labels?.["rollouts-pod-template-hash"] === hash);
        return [rs?.spec?.replicas ?? 0, rs?.status?.availableReplicas ?? 0];
    };
    return { canary: byHash(r.status!.currentPodHash), stable: byHash(r.status!.stableRS) };
}

/** Whether the Kustomization's last attempt was at the prod branch's current commit. */
const atRevision = (k: KubeObject) =>
    String(k.status?.lastAttemptedRevision ?? "").endsWith(testbed.git.revision("prod"));

/** Waits for the Rollout's phase, returning it. */
function phase(expected: string, ms = 240_000): Promise<KubeObject> {
    let last: KubeObject | undefined;
    return waitFor(
        `the storefront Rollout to be ${expected}`,
        ms,
        async () => {
            last = await rollout();
            return last?.status?.phase === expected &&
                last.status.observedGeneration === String(last.metadata.generation)
                ? last
                : undefined;
        },
        () => `${JSON.stringify(last?.status ?? "no Rollout", null, 2)}\n${logs()}`,
    );
}

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-cluster-canary",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: [APP_NS],
    });
    prometheus = await startMetricServer(PORTS.prometheus);
    const { git } = testbed;
    git.branch("prod");
    // Prod's Prometheus, for this test: the stand-in on loopback (the controller runs out of cluster).
    git.commit(
        "Point prod's canary analysis at the test's Prometheus",
        (work) => {
            const file = path.join(work, OVERLAY);
            const text = fs.readFileSync(file, "utf8");
            const changed = text.replace(/value: http:\/\/thanos-query[^\n]*/, `value: ${prometheus.address}`);
            expect(changed).not.toBe(text);
            fs.writeFileSync(file, changed);
        },
        "prod",
    );
    const stack = await fluxStackObjects(
        "prod",
        [
            ...fluxServerConfig(git, FLUX_NS),
            "argoRollouts=true",
            "slackChannel=",
            `apps=${JSON.stringify([{ name: "storefront", namespace: APP_NS }])}`,
        ],
        { sshPrivateKey: git.deployKey, slackToken: "unused" },
    );
    // Flux's objects, the tenancy and the Rollouts RBAC for people; not the argo-rollouts namespace (the chart's
    // controller runs here out of cluster) nor Flux's own access ClusterRoles (tests/cluster/accessControl.test.ts).
    const isRolloutsRbac = (o: KubeObject) =>
        /^(Cluster)?Role(Binding)?$/.test(o.kind) && o.metadata.name.includes("rollouts");
    rbac = stack.objects.filter(isRolloutsRbac);
    const objects = stack.objects.filter(
        (o) =>
            (!/^Cluster/.test(o.kind) || isRolloutsRbac(o)) &&
            !(o.kind === "Namespace" && o.metadata.name === "argo-rollouts"),
    );
    await applyObjects([AGGREGATE_TO_ADMIN], FIELD_MANAGER);
    await applyObjects(objects, FIELD_MANAGER);

    const v = clusterVersions();
    const dir = path.join(testbed.tmp, "rollouts");
    fs.mkdirSync(dir, { recursive: true });
    // Namespaced: only the test's app namespace is watched (the cluster is shared with the other test files). Its
    // metrics and health ports bind every address (no flag chooses one), as in the chart's pod.
    controller = startLogged(
        dir,
        "rollouts-controller",
        binaryPath("rollouts-controller", v.ARGO_ROLLOUTS_VERSION, BUILD),
        [
            "--kubeconfig",
            cluster().kubeconfig,
            "--namespaced",
            "--namespace",
            APP_NS,
            "--leader-elect=false",
            `--metricsPort=${PORTS.rolloutsMetrics}`,
            `--healthzPort=${PORTS.rolloutsHealthz}`,
            "--loglevel=info",
        ],
    );
    await waitForHttp(PORTS.rolloutsHealthz, "/healthz", 30_000, () => controller.tail());
}, 240_000);

afterAll(async () => {
    // The Rollout and its ReplicaSets go with the namespace; the controller stops first so it does not recreate them.
    await controller?.stop();
    await testbed?.stop();
    await prometheus?.stop();
    for (const o of [...rbac.filter((r) => !r.metadata.namespace), AGGREGATE_TO_ADMIN]) {
        await kubectl(["delete", `${o.kind.toLowerCase()}.rbac.authorization.k8s.io`, o.metadata.name], { ok: false });
    }
}, 180_000);

describe("the storefront canary in prod, run by Argo Rollouts and reported by Flux", () => {
    it("deploys the first version at once, sized by the HorizontalPodAutoscaler, and Flux reports it Ready", async () => {
        // The controller writes spec.replicas (1) where Git has none, so that the HPA can scale it to minReplicas.
        const r = await waitFor(
            `the Rollout to run ${REPLICAS} available replicas`,
            240_000,
            async () => {
                const got = await rollout();
                return got?.status?.phase === "Healthy" && got.status.availableReplicas === REPLICAS ? got : undefined;
            },
            async () =>
                `${JSON.stringify((await rollout())?.status ?? "no Rollout", null, 2)}\n${await podsAndNode()}\n${logs()}`,
        );
        expect(r.spec.replicas).toBe(REPLICAS);
        expect(r.status!.stableRS).toBe(r.status!.currentPodHash);
        const k = await waitForCondition(KUSTOMIZATION, "prod-storefront", FLUX_NS, "Ready", "True", 180_000, logs);
        expect(condition(k, "Healthy")?.status, describeConditions(k)).toBe("True");
    });

    it("who may steer it: deployers of prod may patch the Rollout and its status, developers may not", async () => {
        const access = (verb: string, resource: string) => ({ verb, resource, namespace: APP_NS });
        const steer = [access("patch", "rollouts.argoproj.io"), access("patch", "rollouts.argoproj.io/status")];
        expect(await canI(DEPLOYER, steer)).toEqual([true, true]);
        expect(await canI(DEVELOPER, steer)).toEqual([false, false]);
        expect(await canI(DEVELOPER, [access("get", "rollouts.argoproj.io")])).toEqual([true]);
    });

    it("a good analysis: setWeight steps by replica counts, promoted by a deployer, completes at the new version", async () => {
        prometheus.set(1);
        await release("6.7.2");

        // Step 1 is the pause after setWeight 5: one canary pod beside every stable one (no traffic router, so
        // the weight is a share of pods: ceil(4 * 5%) canary, ceil(4 * 95%) stable, within maxSurge 1).
        let r = await atStep("6.7.2", 1);
        expect(r.status!.phase).toBe("Paused");
        expect(await replicaSets(r)).toEqual({ canary: [1, 1], stable: [REPLICAS, REPLICAS] });
        // Flux waits (prod): the Kustomization is not Ready while the canary runs.
        await reconcileNow();
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        const waiting = await getObject(KUSTOMIZATION, "prod-storefront", FLUX_NS);
        expect(condition(waiting, "Ready")?.status, describeConditions(waiting)).not.toBe("True");

        // A developer cannot skip the pause; the apiserver refuses the plugin's patch.
        const refused = await plugin(DEVELOPER, ["promote", "storefront"]);
        expect(refused.code, refused.out).not.toBe(0);
        expect(refused.out).toMatch(/forbidden/i);
        expect((await rollout())?.status?.currentStepIndex).toBe(1);

        // A deployer skips it; step 2 is the analysis, which measures three times 20 s apart before step 3.
        const promoted = await plugin(DEPLOYER, ["promote", "storefront"]);
        expect(promoted.code, promoted.out).toBe(0);
        r = await atStep("6.7.2", 4);
        expect(await replicaSets(r)).toEqual({ canary: [1, 1], stable: [3, 3] }); // 25%: ceil(1), ceil(3)
        const runs = await kubectlJson<{ items: KubeObject[] }>(["get", "analysisruns.argoproj.io", "-n", APP_NS]);
        const first = runs.items.find((a) => a.status?.phase === "Successful");
        expect(first?.status?.metricResults?.[0]).toMatchObject({
            name: "success-rate",
            phase: "Successful",
            count: 3,
        });
        // The real provider asked the template's query, with the overlay's namespace and the service.
        expect(prometheus.queries[0]).toContain('namespace="storefront-prod",service="storefront"');

        expect((await plugin(DEPLOYER, ["promote", "storefront"])).code).toBe(0);
        r = await atStep("6.7.2", 7);
        expect(await replicaSets(r)).toEqual({ canary: [2, 2], stable: [2, 2] }); // 50%
        expect((await plugin(DEPLOYER, ["promote", "storefront"])).code).toBe(0);

        // After the last analysis the canary becomes the stable version, at full size.
        r = await phase("Healthy");
        expect(r.status!.stableRS).toBe(r.status!.currentPodHash);
        expect(await replicaSets(r)).toEqual({ canary: [REPLICAS, REPLICAS], stable: [REPLICAS, REPLICAS] });
        const k = await waitForCondition(
            KUSTOMIZATION,
            "prod-storefront",
            FLUX_NS,
            "Ready",
            "True",
            180_000,
            logs,
            (c) => c.message?.includes(testbed.git.revision("prod")) ?? false,
        );
        expect(condition(k, "Healthy")?.status).toBe("True");
    });

    it("a deployer aborts a canary at a pause (a developer may not): the stable version takes all pods back", async () => {
        await release("6.7.3");
        const paused = await atStep("6.7.3", 1);
        const stableBefore = paused.status!.stableRS;

        const refused = await plugin(DEVELOPER, ["abort", "storefront"]);
        expect(refused.code, refused.out).not.toBe(0);
        expect(refused.out).toMatch(/forbidden/i);
        expect((await rollout())?.status?.abort).toBeFalsy();

        const aborted = await plugin(DEPLOYER, ["abort", "storefront"]);
        expect(aborted.code, aborted.out).toBe(0);
        const r = await phase("Degraded");
        expect(r.status!.abort).toBe(true);
        expect(r.status!.stableRS).toBe(stableBefore);
        await waitFor(
            "the canary to be scaled down and the stable version to run every replica",
            120_000,
            async () => {
                const rs = await replicaSets((await rollout())!);
                return rs.canary[0] === 0 && rs.stable[1] === REPLICAS ? rs : undefined;
            },
            logs,
        );
        // Flux reports the aborted canary: the wait fails on the health check (the CEL of the stack's healthCheckExprs).
        await reconcileNow();
        const k = await waitForCondition(
            KUSTOMIZATION,
            "prod-storefront",
            FLUX_NS,
            "Ready",
            "False",
            180_000,
            logs,
            (c, obj) => c.reason === "HealthCheckFailed" && atRevision(obj),
        );
        expect(condition(k, "Ready")?.message).toMatch(/Rollout\/storefront-prod-canary\/storefront/);
    });

    it("a bad analysis aborts the canary and scales the stable version back; Flux fails the reconciliation", async () => {
        prometheus.set(0.5); // half the requests fail: below the template's 0.99
        await release("6.7.4");
        await atStep("6.7.4", 1);
        const stable = (await rollout())!.status!.stableRS;
        expect((await plugin(DEPLOYER, ["promote", "storefront"])).code).toBe(0);

        const r = await phase("Degraded");
        expect(r.status!.abort).toBe(true);
        expect(r.status!.stableRS).toBe(stable);
        expect(r.status!.message).toMatch(/success-rate/);
        const runs = await kubectlJson<{ items: KubeObject[] }>(["get", "analysisruns.argoproj.io", "-n", APP_NS]);
        const failed = runs.items.filter((a) => a.status?.phase === "Failed");
        expect(failed).toHaveLength(1);
        expect(failed[0].status!.metricResults[0]).toMatchObject({ name: "success-rate", phase: "Failed" });
        await waitFor(
            "the stable version to run every replica again",
            120_000,
            async () => {
                const rs = await replicaSets((await rollout())!);
                return rs.canary[0] === 0 && rs.stable[1] === REPLICAS ? rs : undefined;
            },
            logs,
        );
        await reconcileNow();
        const k = await waitForCondition(
            KUSTOMIZATION,
            "prod-storefront",
            FLUX_NS,
            "Ready",
            "False",
            180_000,
            logs,
            (c, obj) => c.reason === "HealthCheckFailed" && atRevision(obj),
        );
        expect(condition(k, "Ready")?.message).toMatch(/Rollout\/storefront-prod-canary\/storefront/);
        // What the YAML in Git says stays what Flux applied: the aborted tag (Git is where it gets reverted).
        expect((await rollout())!.spec.template.spec.containers[0].image).toBe("ghcr.io/stefanprodan/podinfo:6.7.4");
    });
});
