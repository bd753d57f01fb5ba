/**
 * Flux reconciling the stacks for real (issue 9 §3): source-controller, kustomize-controller and
 * notification-controller (scripts/cluster/build-flux.sh) run out of cluster against the test cluster, and read a
 * copy of gitops-repo/ from a loopback SSH git server that only the stack's deploy key may read, with the server's
 * host key pinned through the stack's sshKnownHosts. The Flux objects are the real program's (dev and prod, run
 * under the mocks with the repository pointed at that server). This is the "validate the setup" step
 * (docs/explanation/testing.md), automated: everything the stack promises about reconciling, drift, pruning, tenancy and alerts.
 *
 * The cluster is shared with the other cluster tests, so this file keeps to its own Flux namespace (the controllers
 * watch only it) and renames the apps' namespaces; nothing else differs from the committed stacks but the
 * repository, its credentials and a shorter interval.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "./support/cluster";
import type { GitServer } from "./flux/gitServer";
import {
    applyObjects,
    condition,
    describeConditions,
    getObject,
    waitFor,
    waitForCondition,
    type KubeObject,
} from "./flux/kube";
import { startSlackReceiver, type SlackReceiver } from "./flux/slackReceiver";
import { appsWithNamespaces, fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { testPorts } from "./support/ports";

/** The cluster tests' port range is 27000-27999; this file uses 27020-27039. */
const PORTS = testPorts({
    git: 27020,
    storage: 27021,
    events: 27022,
    webhooks: 27023,
    probesBase: 27024,
    slack: 27030,
});
const FLUX_NS = "flux-reconcile";
const ns = (namespace: string) => `${namespace}-reconcile`;
/** The stacks' Flux interval here: the config's floor, so Git changes land within seconds. */
const INTERVAL_S = 10;
/**
 * How long a Git change may take to reach the cluster: the source's poll (the interval), then the Kustomization,
 * which waits for its dependsOn (dev-platform) to apply the same revision first and otherwise retries after
 * kustomize-controller's --requeue-dependency (30 s, the chart's default), plus room for a busy machine.
 */
const GIT_CHANGE_MS = (INTERVAL_S + 30 + 20) * 1000;
const FIELD_MANAGER = "gitops-stack-reconcile-test";
const SLACK_TOKEN = "xoxb-reconcile-test-token";

let testbed: FluxTestbed;
let git: GitServer;
let slack: SlackReceiver;

const logs = () => testbed.logs();

/** The program's objects for a stack, pointed at the test's git server and Slack receiver, applied. */
async function applyStack(stack: "dev" | "prod"): Promise<KubeObject[]> {
    const run = await fluxStackObjects(
        stack,
        [...fluxServerConfig(git, FLUX_NS, `${INTERVAL_S}s`), `apps=${appsWithNamespaces(stack, ns)}`],
        { sshPrivateKey: git.deployKey, slackToken: SLACK_TOKEN },
    );
    // The credentials reach the cluster only as Pulumi secrets (encrypted in the state, never in a diff).
    expect(run.secretObjects).toEqual(
        expect.arrayContaining([`Secret/gitops-${stack}-auth`, `Secret/slack-${stack}-token`]),
    );
    const objects = run.objects
        // The people's ClusterRole and ClusterRoleBinding (gitops-stack-flux-readonly) play no part in reconciling,
        // are the same cluster-wide objects the other cluster tests apply, and are checked in accessControl.test.ts.
        .filter((o) => o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding")
        // The Slack Provider posts to this test's receiver instead of slack.com (its `address`).
        .map((o) => (o.kind === "Provider" ? { ...o, spec: { ...o.spec, address: slack.address } } : o));
    await applyObjects(objects, FIELD_MANAGER);
    return objects;
}

const kustomizationNames = (objects: KubeObject[]) =>
    objects.filter((o) => o.kind === "Kustomization").map((o) => o.metadata.name);

/** Waits for a Kustomization to be Ready with `sha` (a commit) applied. */
function kustomizationReadyAt(name: string, sha: string, ms = 90_000) {
    return waitForCondition(
        "kustomizations.kustomize.toolkit.fluxcd.io",
        name,
        FLUX_NS,
        "Ready",
        "True",
        ms,
        logs,
        (_, obj) => String(obj.status?.lastAppliedRevision ?? "").endsWith(sha),
    );
}

async function deploymentAvailable(name: string, namespace: string, ms = 90_000): Promise<KubeObject> {
    return waitForCondition("deployment", name, namespace, "Available", "True", ms, logs);
}

const overlay = (app: string, env: string) => path.join("apps", app, "overlays", env, "kustomization.yaml");

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-cluster-c2",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: (n) => n.endsWith("-reconcile"),
    });
    git = testbed.git;
    // prod follows its own branch (the tier's default targetRevision).
    git.branch("prod");
    slack = await startSlackReceiver(PORTS.slack);
}, 120_000);

afterAll(async () => {
    await testbed?.stop();
    await slack?.close();
}, 120_000);

describe("dev stack reconciled by Flux", () => {
    let objects: KubeObject[];
    let initialSha: string;

    beforeAll(async () => {
        initialSha = git.revision("main");
        objects = await applyStack("dev");
    }, 120_000);

    it("fetches the repository with the deploy key, pinning the host key, and makes every Kustomization Ready", async () => {
        const repo = await waitForCondition(
            "gitrepositories.source.toolkit.fluxcd.io",
            "gitops-dev",
            FLUX_NS,
            "Ready",
            "True",
            60_000,
            logs,
        );
        expect(repo.status?.artifact?.revision).toBe(`main@sha1:${initialSha}`);
        // Only the deploy key generated for this run may read the repository, and it did.
        expect(git.log()).toContain(`gitserver: accepted key ${git.deployKeyFingerprint}`);

        const names = kustomizationNames(objects);
        expect(names.sort()).toEqual(["dev-guestbook", "dev-platform", "dev-podinfo"]);
        for (const name of names) {
            const k = await kustomizationReadyAt(name, initialSha);
            expect(condition(k, "Ready")?.reason).toBe("ReconciliationSucceeded");
        }
    });

    it("is refused by the server with another key, and refuses a server whose host key is not the pinned one", async () => {
        const strangers = git.strangers();
        const repo = (name: string, data: Record<string, string>): KubeObject[] => [
            { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: FLUX_NS }, stringData: data },
            {
                apiVersion: "source.toolkit.fluxcd.io/v1",
                kind: "GitRepository",
                metadata: { name, namespace: FLUX_NS },
                spec: { url: git.url, interval: "1m", ref: { branch: "main" }, secretRef: { name } },
            },
        ];
        await applyObjects(
            [
                ...repo("wrong-deploy-key", { identity: strangers.key, known_hosts: git.knownHosts + "\n" }),
                ...repo("wrong-host-key", { identity: git.deployKey, known_hosts: strangers.knownHosts + "\n" }),
            ],
            FIELD_MANAGER,
        );
        const failed = async (name: string) => {
            const r = await waitForCondition(
                "gitrepositories.source.toolkit.fluxcd.io",
                name,
                FLUX_NS,
                "Ready",
                "False",
                60_000,
                logs,
                (c) => c.reason === "GitOperationFailed" || c.reason === "AuthenticationFailed",
            );
            return condition(r, "Ready")!.message ?? "";
        };
        expect(await failed("wrong-deploy-key")).toMatch(/unable to authenticate/);
        expect(await failed("wrong-host-key")).toMatch(/knownhosts: key mismatch|host key/i);
        expect(git.log()).toMatch(/gitserver: rejected key SHA256:/);
        await kubectl([
            "delete",
            "gitrepositories.source.toolkit.fluxcd.io,secrets",
            "wrong-deploy-key",
            "wrong-host-key",
            "-n",
            FLUX_NS,
        ]);
    });

    it("creates the apps' objects in their namespaces, and the Deployments become Available", async () => {
        for (const app of ["platform", "guestbook", "podinfo"]) {
            expect(await getObject("namespace", ns(`${app}-dev`)), `namespace ${ns(`${app}-dev`)}`).toBeDefined();
        }
        const settings = await getObject("configmap", "platform-settings", ns("platform-dev"));
        expect(settings?.data).toMatchObject({ ENVIRONMENT: "dev", LOG_FORMAT: "json" });
        expect(await getObject("networkpolicy", "default-deny-ingress", ns("platform-dev"))).toBeDefined();
        for (const app of ["guestbook", "podinfo"]) {
            const deployment = await deploymentAvailable(app, ns(`${app}-dev`));
            // Applied by kustomize-controller, labelled with the Kustomization that owns it.
            expect(deployment.metadata.labels).toMatchObject({
                "kustomize.toolkit.fluxcd.io/name": `dev-${app}`,
                "kustomize.toolkit.fluxcd.io/namespace": FLUX_NS,
            });
            const service = await getObject("service", app, ns(`${app}-dev`));
            expect(service?.spec.ports[0]).toMatchObject({ name: "http" });
        }
    });

    it("applies an image tag committed to Git at the next reconciliation (interval, then dependsOn)", async () => {
        const started = Date.now();
        const sha = git.commit("podinfo dev: 6.7.1 -> 6.8.0", (work) => {
            const file = path.join(work, overlay("podinfo", "dev"));
            const before = fs.readFileSync(file, "utf8");
            const after = before.replace(/newTag: 6\.7\.1 /, "newTag: 6.8.0 ");
            expect(after).not.toBe(before);
            fs.writeFileSync(file, after);
        });
        const deployment = await waitFor(
            "podinfo's Deployment to run the image tag 6.8.0",
            GIT_CHANGE_MS,
            async () => {
                const d = await getObject("deployment", "podinfo", ns("podinfo-dev"));
                return d?.spec.template.spec.containers[0].image === "ghcr.io/stefanprodan/podinfo:6.8.0"
                    ? d
                    : undefined;
            },
            async () =>
                `${describeConditions(await getObject("kustomizations.kustomize.toolkit.fluxcd.io", "dev-podinfo", FLUX_NS))}\n${logs()}`,
        );
        expect(deployment).toBeDefined();
        console.log(`image tag change applied ${((Date.now() - started) / 1000).toFixed(1)} s after the push`);
        await kustomizationReadyAt("dev-podinfo", sha);
        await deploymentAvailable("podinfo", ns("podinfo-dev"));
    });

    it("reverts a Deployment scaled by hand to the replicas in Git", async () => {
        await kubectl(["scale", "deployment/podinfo", "--replicas=3", "-n", ns("podinfo-dev")]);
        expect((await getObject("deployment", "podinfo", ns("podinfo-dev")))?.spec.replicas).toBe(3);
        await waitFor(
            "Flux to set podinfo's replicas back to 1 (the dev overlay's count)",
            GIT_CHANGE_MS,
            async () =>
                (await getObject("deployment", "podinfo", ns("podinfo-dev")))?.spec.replicas === 1 ? true : undefined,
            logs,
        );
    });

    it("prunes an object removed from an app's folder in Git, and keeps the rest", async () => {
        const sha = git.commit("podinfo: no Service", (work) => {
            const base = path.join(work, "apps/podinfo/base");
            fs.rmSync(path.join(base, "service.yaml"));
            const file = path.join(base, "kustomization.yaml");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("  - service.yaml\n", ""));
        });
        await waitFor(
            "the podinfo Service to be pruned",
            GIT_CHANGE_MS,
            async () => ((await getObject("service", "podinfo", ns("podinfo-dev"))) === undefined ? true : undefined),
            logs,
        );
        await kustomizationReadyAt("dev-podinfo", sha);
        expect(await getObject("deployment", "podinfo", ns("podinfo-dev"))).toBeDefined();
    });

    it("reports a removed app folder as a failed reconciliation, keeps its workloads, and alerts Slack", async () => {
        const before = slack.posts.length;
        const sha = git.commit("Remove the podinfo app's folder", (work) =>
            fs.rmSync(path.join(work, "apps/podinfo"), { recursive: true }),
        );
        await waitFor(
            "the GitRepository to fetch the commit without apps/podinfo",
            GIT_CHANGE_MS,
            async () => {
                const repo = await getObject("gitrepositories.source.toolkit.fluxcd.io", "gitops-dev", FLUX_NS);
                return repo?.status?.artifact?.revision === `main@sha1:${sha}` ? true : undefined;
            },
            logs,
        );
        // A Kustomization whose path is gone fails; Flux does not read a missing folder as "delete everything".
        const failed = await waitForCondition(
            "kustomizations.kustomize.toolkit.fluxcd.io",
            "dev-podinfo",
            FLUX_NS,
            "Ready",
            "False",
            GIT_CHANGE_MS,
            logs,
            (c) => /kustomization path not found/.test(c.message ?? ""),
        );
        expect(condition(failed, "Ready")?.message).toContain("apps/podinfo/overlays/dev");
        expect(await getObject("deployment", "podinfo", ns("podinfo-dev"))).toBeDefined();
        const alert = await waitFor(
            "a Slack alert for dev-podinfo's failure",
            30_000,
            async () =>
                slack.posts
                    .slice(before)
                    .find(
                        (p) =>
                            p.body.attachments?.[0]?.author_name === `kustomization/dev-podinfo.${FLUX_NS}` &&
                            /kustomization path not found/.test(p.body.attachments?.[0]?.text ?? ""),
                    ),
            () => `posts: ${JSON.stringify(slack.posts.slice(before), null, 1)}\n${logs()}`,
        );
        // Reported as an error (Slack's red), not as one of dev's informational events.
        expect(alert.body.attachments?.[0]?.color).toBe("danger");

        // Removing the app from the stack's `apps` deletes its Kustomization; dev's deletionPolicy Delete then
        // removes what it applied.
        await kubectl([
            "delete",
            "kustomizations.kustomize.toolkit.fluxcd.io",
            "dev-podinfo",
            "-n",
            FLUX_NS,
            "--timeout=60s",
        ]);
        await waitFor(
            "podinfo's Deployment to be deleted with its Kustomization (deletionPolicy Delete)",
            60_000,
            async () =>
                (await getObject("deployment", "podinfo", ns("podinfo-dev"))) === undefined ? true : undefined,
            logs,
        );
    });

    it("refuses an overlay that creates a ClusterRole: the tenant ServiceAccount may not, and Slack hears of it", async () => {
        const before = slack.posts.length;
        git.commit("platform dev: a ClusterRole (must be refused)", (work) => {
            const dir = path.join(work, "apps/platform/overlays/dev");
            fs.writeFileSync(
                path.join(dir, "clusterrole.yaml"),
                [
                    "apiVersion: rbac.authorization.k8s.io/v1",
                    "kind: ClusterRole",
                    "metadata:",
                    "  name: reconcile-test-escalation",
                    "rules:",
                    '  - apiGroups: ["*"]',
                    '    resources: ["*"]',
                    '    verbs: ["*"]',
                    "",
                ].join("\n"),
            );
            const file = path.join(dir, "kustomization.yaml");
            fs.writeFileSync(
                file,
                fs.readFileSync(file, "utf8").replace("  - ../../base\n", "  - ../../base\n  - clusterrole.yaml\n"),
            );
        });
        const failed = await waitForCondition(
            "kustomizations.kustomize.toolkit.fluxcd.io",
            "dev-platform",
            FLUX_NS,
            "Ready",
            "False",
            60_000,
            logs,
            (c) => /forbidden/i.test(c.message ?? ""),
        );
        const message = condition(failed, "Ready")!.message!;
        expect(message).toContain("ClusterRole/reconcile-test-escalation");
        expect(message).toContain(`system:serviceaccount:${FLUX_NS}:gitops-dev`);
        expect(message).toMatch(/cannot \w+ resource "clusterroles"/);
        expect(await getObject("clusterrole", "reconcile-test-escalation")).toBeUndefined();

        const alert = await waitFor(
            "a Slack alert for dev-platform's failure",
            30_000,
            async () =>
                slack.posts
                    .slice(before)
                    .find(
                        (p) =>
                            p.body.attachments?.[0]?.author_name === `kustomization/dev-platform.${FLUX_NS}` &&
                            /forbidden/i.test(p.body.attachments?.[0]?.text ?? ""),
                    ),
            () => `posts: ${JSON.stringify(slack.posts.slice(before), null, 1)}\n${logs()}`,
        );
        // The Provider's token (from its Secret) and the stack's channel and environment metadata.
        expect(alert.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
        expect(alert.body.channel).toBe("deploys-dev");
        expect(alert.body.attachments?.[0]?.color).toBe("danger");
        expect(JSON.stringify(alert.body.attachments?.[0]?.fields)).toContain('"environment"');
    });
});

describe("prod stack reconciled by Flux", () => {
    let objects: KubeObject[];
    let prodSha: string;

    beforeAll(async () => {
        prodSha = git.revision("prod");
        objects = await applyStack("prod");
    }, 120_000);

    it("passes the wait: true health checks of every Kustomization", async () => {
        const names = kustomizationNames(objects);
        expect(names.sort()).toEqual(["prod-guestbook", "prod-platform", "prod-podinfo"]);
        for (const name of names) {
            const k = await kustomizationReadyAt(name, prodSha, 180_000);
            expect(k.spec.wait).toBe(true);
            // With wait, Ready means kustomize-controller saw every applied object healthy (kstatus).
            expect(condition(k, "Healthy")?.status, describeConditions(k)).toBe("True");
        }
        for (const app of ["guestbook", "podinfo"]) await deploymentAvailable(app, ns(`${app}-prod`));
    });

    it("leaves the workloads in place when a Kustomization is deleted (deletionPolicy Orphan)", async () => {
        const k = await getObject("kustomizations.kustomize.toolkit.fluxcd.io", "prod-podinfo", FLUX_NS);
        expect(k?.spec.deletionPolicy).toBe("Orphan");
        await kubectl([
            "delete",
            "kustomizations.kustomize.toolkit.fluxcd.io",
            "prod-podinfo",
            "-n",
            FLUX_NS,
            "--timeout=60s",
        ]);
        expect(await getObject("kustomizations.kustomize.toolkit.fluxcd.io", "prod-podinfo", FLUX_NS)).toBeUndefined();
        // Give a (wrong) garbage collection the time it would take, then check nothing went.
        await new Promise((r) => setTimeout(r, 5_000));
        const deployment = await getObject("deployment", "podinfo", ns("podinfo-prod"));
        expect(deployment, "podinfo's Deployment survives its Kustomization").toBeDefined();
        expect(deployment?.metadata.deletionTimestamp).toBeUndefined();
        expect(await getObject("service", "podinfo", ns("podinfo-prod"))).toBeDefined();
        expect(await getObject("horizontalpodautoscaler", "podinfo", ns("podinfo-prod"))).toBeDefined();
    });
});
