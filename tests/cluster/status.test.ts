/**
 * `npm run status` against the real apiserver (issue 13 §3): the stack's own objects (the real program under the
 * mocks) applied server-side, then the states the operators would report written by the test, and the command's
 * findings, output and exit code asserted for each failure class.
 *
 * No Argo CD controller runs here. Argo CD's Application CRD has no status subresource (`subresources: {}`: the
 * application-controller writes `status` with ordinary updates), so the test writes it the same way; Flux's CRDs
 * have one, and the test writes Kustomization and GitRepository status through `--subresource=status`, as the Flux
 * controllers do. The pods are real: one the real scheduler cannot place, one on a cordoned node whose container
 * status the test writes as the kubelet would.
 *
 * The cluster is shared, so this file uses its own operator namespaces (status-argocd, status-flux) and renames the
 * apps' namespaces (<app>-<env>-status).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT } from "../../src/config";
import { readStackFile } from "../../src/offline/stackFile";
import { runStatus, type Finding, type StatusReport } from "../../src/status";
import { plain, ROOT, runStack } from "../support/stacks";
import { cluster, kubectl, kubectlJson } from "./support/cluster";

const ARGO_NS = "status-argocd";
/** Prod's Argo CD namespace: dev and prod share this cluster but would have one each (same Secret names). */
const ARGO_NS_PROD = "status-argocd-prod";
const argoNs = (stack: string) => (stack === "prod" ? ARGO_NS_PROD : ARGO_NS);
const FLUX_NS = "status-flux";
const FIELD_MANAGER = "gitops-stack-status-test";
const NODE = "status-test-cordoned";
const ns = (namespace: string) => `${namespace}-status`;

interface Obj {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
    [key: string]: unknown;
}

let tmp: string;
let repoDir: string;
let repoCommit: string;
let context: string;
let deployKey: string;
let deployKeyFingerprint: string;

function appsOverride(stack: string): string {
    const apps = JSON.parse(readStackFile(ROOT, stack).values[`${PROJECT}:apps`]) as Array<{ namespace: string }>;
    return `apps=${JSON.stringify(apps.map((a) => ({ ...a, namespace: ns(a.namespace) })))}`;
}
const overrides = (stack: string, operator: "argocd" | "flux") =>
    operator === "argocd"
        ? [`argocdNamespace=${argoNs(stack)}`, appsOverride(stack)]
        : ["operator=flux", `fluxNamespace=${FLUX_NS}`, appsOverride(stack)];

/** The real program's objects the status command reads (namespaces, credential Secret, Argo CD / Flux objects). */
async function applyStack(stack: string, operator: "argocd" | "flux"): Promise<void> {
    const run = await runStack(stack, {
        config: overrides(stack, operator),
        secrets: { sshPrivateKey: deployKey },
    });
    const wanted = new Set(["Namespace", "Secret", "AppProject", "Application", "GitRepository", "Kustomization"]);
    const objects = run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.endsWith("Patch"))
        .map((r) => plain(r.inputs) as Obj)
        .filter((o) => wanted.has(o.kind))
        .sort((a, b) => Number(b.kind === "Namespace") - Number(a.kind === "Namespace"));
    for (const o of objects) {
        await kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager", FIELD_MANAGER, "-f", "-"], {
            input: JSON.stringify(o),
        });
    }
}

const RESOURCE: Record<string, string> = {
    Application: "applications.argoproj.io",
    Kustomization: "kustomizations.kustomize.toolkit.fluxcd.io",
    GitRepository: "gitrepositories.source.toolkit.fluxcd.io",
};

/** Writes `status` as the operator would: Argo CD with an ordinary update, Flux through the status subresource. */
async function writeStatus(kind: string, name: string, status: Record<string, any>): Promise<void> {
    const flux = kind !== "Application";
    if (!flux && status.sync) {
        // Argo CD records what it compared with: the Application's source and destination.
        const app = await kubectlJson<{ spec: { source: unknown; destination: unknown } }>([
            "get",
            RESOURCE[kind],
            name,
            "-n",
            argoNs(name.split("-")[0]),
        ]);
        status = {
            ...status,
            sync: { ...status.sync, comparedTo: { source: app.spec.source, destination: app.spec.destination } },
        };
    }
    await kubectl([
        "patch",
        RESOURCE[kind],
        name,
        "-n",
        flux ? FLUX_NS : argoNs(name.split("-")[0]),
        "--type",
        "merge",
        ...(flux ? ["--subresource=status"] : []),
        "-p",
        JSON.stringify({ status }),
    ]);
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** What Argo CD reports for an Application that synced `COMMIT` and is healthy. */
const argoStatus = (overridesOf: Record<string, unknown> = {}) => ({
    sync: { status: "Synced", revision: repoCommit },
    health: { status: "Healthy" },
    conditions: [],
    resources: [],
    reconciledAt: now(),
    operationState: {
        operation: { sync: { revision: repoCommit } },
        phase: "Succeeded",
        message: "successfully synced (all tasks run)",
        startedAt: now(),
        finishedAt: now(),
        syncResult: { revision: repoCommit, resources: [] },
    },
    ...overridesOf,
});

const fluxReady = (message: string) => ({
    observedGeneration: 1,
    conditions: [
        {
            type: "Ready",
            status: "True",
            reason: "ReconciliationSucceeded",
            message,
            lastTransitionTime: now(),
            observedGeneration: 1,
        },
    ],
});
const fluxFailed = (reason: string, message: string, extra: Record<string, unknown> = {}) => ({
    observedGeneration: 1,
    conditions: [
        { type: "Ready", status: "False", reason, message, lastTransitionTime: now(), observedGeneration: 1 },
        { type: "Stalled", status: "False", reason, message, lastTransitionTime: now(), observedGeneration: 1 },
    ],
    ...extra,
});

function status(
    stack: string,
    operator: "argocd" | "flux",
    options: { repo?: boolean; now?: Date } = {},
): StatusReport {
    return runStatus({
        root: ROOT,
        stack,
        config: overrides(stack, operator),
        kubeconfig: cluster().kubeconfig,
        context,
        repoDir: options.repo ? repoDir : undefined,
        now: options.now,
    });
}

/** The CLI itself, for the exit code and the printed report. */
function cli(args: string[]): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/status.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const cliArgs = (stack: string, operator: "argocd" | "flux") => [
    "--stack",
    stack,
    "--kubeconfig",
    cluster().kubeconfig,
    "--context",
    context,
    ...overrides(stack, operator).flatMap((o) => ["--config", o]),
];

function finding(report: StatusReport, name: string, cls: Finding["class"]): Finding {
    const entry = report.objects.find((o) => o.name === name);
    const f = entry?.findings.find((x) => x.class === cls);
    if (!f) throw new Error(`${name}: no ${cls} finding in ${JSON.stringify(entry, null, 2)}`);
    return f;
}

beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-status-"));
    context = execFileSync("kubectl", ["--kubeconfig", cluster().kubeconfig, "config", "current-context"], {
        encoding: "utf8",
    }).trim();
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "status-test", "-f", path.join(tmp, "key")]);
    deployKey = fs.readFileSync(path.join(tmp, "key"), "utf8");
    deployKeyFingerprint = execFileSync("ssh-keygen", ["-lf", path.join(tmp, "key.pub")], { encoding: "utf8" }).split(
        " ",
    )[1];
    // A checkout of the example GitOps repository, for --repo.
    repoDir = path.join(tmp, "gitops");
    fs.cpSync(path.join(ROOT, "gitops-repo"), repoDir, { recursive: true });
    const git = (...args: string[]) =>
        execFileSync("git", ["-C", repoDir, "-c", "user.name=t", "-c", "user.email=t@t.invalid", ...args], {
            encoding: "utf8",
            env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
        }).trim();
    git("init", "-q", "-b", "main");
    git("add", ".");
    git("commit", "-q", "-m", "gitops");
    repoCommit = git("rev-parse", "HEAD");

    await applyStack("dev", "argocd");
    await applyStack("prod", "argocd");
    await applyStack("dev", "flux");
    // A node nothing schedules to and no kubelet (or kwok) reports for: the test writes its pods' status.
    await kubectl(["apply", "--server-side", "--field-manager", FIELD_MANAGER, "-f", "-"], {
        input: JSON.stringify({
            apiVersion: "v1",
            kind: "Node",
            metadata: { name: NODE },
            spec: { unschedulable: true, taints: [{ key: "gitops-stack/status-test", effect: "NoSchedule" }] },
        }),
    });
}, 300_000);

afterAll(async () => {
    for (const namespace of [
        ARGO_NS,
        FLUX_NS,
        ...["platform", "guestbook", "podinfo"].flatMap((a) => [ns(`${a}-dev`), ns(`${a}-prod`)]),
    ]) {
        await kubectl(["delete", "namespace", namespace, "--ignore-not-found", "--wait=false"], { ok: false });
    }
    await kubectl(["delete", "node", NODE, "--ignore-not-found"], { ok: false });
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("status on the real apiserver: Argo CD", () => {
    it("every declared Application fine: exit 0 and the table", async () => {
        for (const app of ["dev-root", "dev-platform", "dev-guestbook", "dev-podinfo"]) {
            await writeStatus("Application", app, argoStatus());
        }
        const r = cli(cliArgs("dev", "argocd"));
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/ok\s+Application\s+dev-podinfo\s+Synced\/Healthy\s+[0-9a-f]{7}/);
        expect(r.stdout).toMatch(/All 4 fine\./);
    });

    it("ComparisonError 'failed to load target state': the path and revision, and that the path is not at that revision", async () => {
        // Someone pointed the Application at a path that does not exist; Argo CD reports it as a ComparisonError.
        await kubectl([
            "patch",
            RESOURCE.Application,
            "dev-guestbook",
            "-n",
            ARGO_NS,
            "--type",
            "merge",
            "-p",
            JSON.stringify({ spec: { source: { path: "apps/guestbook/overlays/dve" } } }),
        ]);
        await writeStatus(
            "Application",
            "dev-guestbook",
            argoStatus({
                sync: { status: "Unknown" },
                conditions: [
                    {
                        type: "ComparisonError",
                        message:
                            "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = apps/guestbook/overlays/dve: app path does not exist",
                        lastTransitionTime: now(),
                    },
                ],
            }),
        );
        const report = status("dev", "argocd", { repo: true });
        const f = finding(report, "dev-guestbook", "path-or-revision");
        expect(f.facts).toMatchObject({
            path: "apps/guestbook/overlays/dve",
            targetRevision: "main",
            pathExists: false,
            checkedRef: "main",
        });
        expect(finding(report, "dev-guestbook", "drift-from-stack").facts.declaredPath).toBe(
            "apps/guestbook/overlays/dev",
        );

        const r = cli([...cliArgs("dev", "argocd"), "--repo", repoDir]);
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/!!\s+Application\s+dev-guestbook\s+Unknown\/Healthy/);
        expect(r.stdout).toContain(
            "[path-or-revision] Argo CD cannot load the target state: path apps/guestbook/overlays/dve at revision main",
        );
        expect(r.stdout).toContain("fix: The path apps/guestbook/overlays/dve does not exist at main");
        expect(r.stdout).toMatch(/1 of 4 need a person\./);
    });

    it("authentication failed: the Secret, the key type and the fingerprint of the deploy key in the cluster", async () => {
        await writeStatus(
            "Application",
            "dev-root",
            argoStatus({
                sync: { status: "Unknown" },
                conditions: [
                    {
                        type: "ComparisonError",
                        message:
                            "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = failed to list refs: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
                        lastTransitionTime: now(),
                    },
                ],
            }),
        );
        const r = cli([...cliArgs("dev", "argocd"), "--json"]);
        expect(r.code).toBe(1);
        const report = JSON.parse(r.stdout) as StatusReport;
        expect(finding(report, "dev-root", "authentication").facts).toMatchObject({
            secret: `${ARGO_NS}/gitops-repo-repository`,
            authKind: "ssh",
            presentKeys: ["sshPrivateKey", "type", "url"],
            deployKeyFingerprint,
        });
        // Read from the cluster's Secret, never printed.
        expect(r.stdout).not.toContain("PRIVATE KEY");
        expect(r.stdout).not.toContain(deployKey.split("\n")[1]);
    });

    it("resource already exists and is not managed: the object and the tracking-id that adopts it", async () => {
        await writeStatus(
            "Application",
            "dev-podinfo",
            argoStatus({
                sync: { status: "OutOfSync", revision: repoCommit },
                health: { status: "Missing" },
                operationState: {
                    operation: { sync: { revision: repoCommit } },
                    phase: "Failed",
                    message: 'one or more objects failed to apply, reason: deployments.apps "podinfo" already exists',
                    startedAt: now(),
                    finishedAt: now(),
                    syncResult: {
                        revision: repoCommit,
                        resources: [
                            {
                                group: "apps",
                                version: "v1",
                                kind: "Deployment",
                                namespace: ns("podinfo-dev"),
                                name: "podinfo",
                                status: "SyncFailed",
                                message: 'deployments.apps "podinfo" already exists',
                            },
                        ],
                    },
                },
            }),
        );
        const f = finding(status("dev", "argocd"), "dev-podinfo", "already-exists");
        expect(f.facts.adoptWith).toBe(
            `argocd.argoproj.io/tracking-id=dev-podinfo:apps/Deployment:${ns("podinfo-dev")}/podinfo`,
        );
    });

    it("health check timeout: the pods that are not ready and why (scheduler message, image pull back-off)", async () => {
        const namespace = ns("platform-dev");
        // Real scheduler: no node matches the selector.
        await kubectl(["apply", "--server-side", "--field-manager", FIELD_MANAGER, "-f", "-"], {
            input: JSON.stringify({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "platform-unschedulable", namespace },
                spec: {
                    nodeSelector: { "gitops-stack/status-test": "nowhere" },
                    containers: [{ name: "app", image: "registry.invalid/platform:1" }],
                },
            }),
        });
        // On the cordoned node no kubelet reports: the test writes what the kubelet would for a missing image.
        await kubectl(["apply", "--server-side", "--field-manager", FIELD_MANAGER, "-f", "-"], {
            input: JSON.stringify({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "platform-imagepull", namespace },
                spec: {
                    nodeName: NODE,
                    tolerations: [{ operator: "Exists" }],
                    containers: [{ name: "app", image: "registry.invalid/platform:9.9.9" }],
                },
            }),
        });
        await kubectl([
            "patch",
            "pod",
            "platform-imagepull",
            "-n",
            namespace,
            "--subresource=status",
            "--type",
            "merge",
            "-p",
            JSON.stringify({
                status: {
                    phase: "Pending",
                    conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady" }],
                    containerStatuses: [
                        {
                            name: "app",
                            image: "registry.invalid/platform:9.9.9",
                            imageID: "",
                            ready: false,
                            restartCount: 0,
                            started: false,
                            state: {
                                waiting: {
                                    reason: "ImagePullBackOff",
                                    message: 'Back-off pulling image "registry.invalid/platform:9.9.9"',
                                },
                            },
                        },
                    ],
                },
            }),
        ]);
        const unschedulable = async () => {
            for (let i = 0; i < 60; i++) {
                const pod = await kubectlJson<{ status: { conditions?: Array<{ type: string; reason?: string }> } }>([
                    "get",
                    "pod",
                    "platform-unschedulable",
                    "-n",
                    namespace,
                ]);
                if (pod.status.conditions?.some((c) => c.type === "PodScheduled" && c.reason === "Unschedulable"))
                    return;
                await new Promise((r) => setTimeout(r, 1000));
            }
            throw new Error("the scheduler did not mark the pod Unschedulable");
        };
        await unschedulable();
        const since = new Date(Date.now() - 15 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
        await writeStatus(
            "Application",
            "dev-platform",
            argoStatus({
                health: { status: "Progressing", lastTransitionTime: since },
                resources: [
                    {
                        group: "apps",
                        version: "v1",
                        kind: "Deployment",
                        namespace,
                        name: "platform",
                        status: "Synced",
                        health: {
                            status: "Progressing",
                            message: "Waiting for rollout to finish: 0 of 2 updated replicas are available...",
                        },
                    },
                ],
            }),
        );
        const f = finding(status("dev", "argocd"), "dev-platform", "unhealthy");
        expect(f.cause).toMatch(/health check timeout/);
        const notReady = f.facts.notReady as string[];
        expect(notReady).toContain(
            `Deployment ${namespace}/platform: Progressing (Waiting for rollout to finish: 0 of 2 updated replicas are available...)`,
        );
        expect(notReady).toContain(
            `pod ${namespace}/platform-imagepull: container app: ImagePullBackOff (Back-off pulling image "registry.invalid/platform:9.9.9")`,
        );
        // The real scheduler's own message.
        expect(notReady.find((p) => p.includes("platform-unschedulable"))).toMatch(
            /Unschedulable: 0\/\d+ nodes are available: .*node affinity\/selector/,
        );
    });

    it("a declared Application deleted from the cluster: run pulumi up", async () => {
        // dev Applications carry the cascade finalizer, which only Argo CD clears: as if it had finished.
        await kubectl(["delete", RESOURCE.Application, "dev-podinfo", "-n", ARGO_NS, "--wait=false"]);
        await kubectl([
            "patch",
            RESOURCE.Application,
            "dev-podinfo",
            "-n",
            ARGO_NS,
            "--type",
            "json",
            "-p",
            JSON.stringify([{ op: "remove", path: "/metadata/finalizers" }]),
        ]);
        const f = finding(status("dev", "argocd"), "dev-podinfo", "missing");
        expect(f.fix[0]).toBe(
            "Run pulumi up -s dev (someone deleted it, or the stack was never applied to this cluster).",
        );
    });

    it("prod OutOfSync with manual sync: waits for a person; with automated sync and the window closed: when it opens", async () => {
        for (const app of ["prod-root", "prod-platform", "prod-guestbook", "prod-podinfo"]) {
            await writeStatus("Application", app, argoStatus());
        }
        await writeStatus(
            "Application",
            "prod-guestbook",
            argoStatus({
                sync: { status: "OutOfSync", revision: repoCommit },
            }),
        );
        const manual = finding(status("prod", "argocd"), "prod-guestbook", "manual-sync");
        expect(manual.fix[0]).toContain(`argocd app sync ${ARGO_NS_PROD}/prod-guestbook`);

        // Automated sync switched on by hand; the prod AppProject (from the stack) has the Mon-Thu 09:00 8h Berlin window.
        await kubectl([
            "patch",
            RESOURCE.Application,
            "prod-guestbook",
            "-n",
            ARGO_NS_PROD,
            "--type",
            "merge",
            "-p",
            JSON.stringify({ spec: { syncPolicy: { automated: { prune: true, selfHeal: true } } } }),
        ]);
        const r = cli([...cliArgs("prod", "argocd"), "--now", "2026-11-28T10:00:00Z", "--json"]);
        expect(r.code).toBe(1);
        const f = finding(JSON.parse(r.stdout) as StatusReport, "prod-guestbook", "sync-window");
        expect(f.facts).toMatchObject({
            project: "prod",
            nextWindowOpens: "2026-11-30T08:00:00.000Z",
            nextWindowOpensLocal: "2026-11-30 09:00 Europe/Berlin",
        });
    });
});

describe("status on the real apiserver: Flux (status written through the status subresource)", () => {
    const KS = ["dev-platform", "dev-guestbook", "dev-podinfo"];
    const applied = () => `main@sha1:${repoCommit}`;

    it("GitRepository and Kustomizations Ready: exit 0", async () => {
        await writeStatus("GitRepository", "gitops-dev", {
            ...fluxReady(`stored artifact for revision '${applied()}'`),
            artifact: {
                revision: applied(),
                path: "gitrepository/x/y.tar.gz",
                url: "http://127.0.0.1/x.tar.gz",
                lastUpdateTime: now(),
                digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            },
        });
        for (const k of KS) {
            await writeStatus("Kustomization", k, {
                ...fluxReady(`Applied revision: ${applied()}`),
                lastAppliedRevision: applied(),
                lastAttemptedRevision: applied(),
            });
        }
        const r = cli(cliArgs("dev", "flux"));
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(
            /ok\s+GitRepository\s+gitops-dev\s+Ready True \(ReconciliationSucceeded\)\s+main@[0-9a-f]{7}/,
        );
    });

    it("Kustomization path not found: whether the path exists at the commit Flux tried", async () => {
        await kubectl([
            "patch",
            RESOURCE.Kustomization,
            "dev-podinfo",
            "-n",
            FLUX_NS,
            "--type",
            "merge",
            "-p",
            JSON.stringify({ spec: { path: "./apps/podinfo/overlays/dve" } }),
        ]);
        await writeStatus(
            "Kustomization",
            "dev-podinfo",
            fluxFailed(
                "ArtifactFailed",
                "kustomization path not found: stat /tmp/kustomization-2457791261/apps/podinfo/overlays/dve: no such file or directory",
                { lastAttemptedRevision: applied() },
            ),
        );
        const f = finding(status("dev", "flux", { repo: true }), "dev-podinfo", "path-or-revision");
        expect(f.facts).toMatchObject({
            path: "./apps/podinfo/overlays/dve",
            revision: applied(),
            pathExists: false,
            checkedRef: repoCommit,
        });
    });

    it("GitRepository authentication failed: Secret gitops-dev-auth, ssh, fingerprint of identity.pub in the cluster", async () => {
        await writeStatus(
            "GitRepository",
            "gitops-dev",
            fluxFailed(
                "GitOperationFailed",
                "failed to checkout and determine revision: unable to list remote for 'ssh://git@github.com/acme/gitops.git': ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
            ),
        );
        const f = finding(status("dev", "flux"), "gitops-dev", "authentication");
        expect(f.facts).toMatchObject({ secret: `${FLUX_NS}/gitops-dev-auth`, authKind: "ssh", deployKeyFingerprint });
    });

    it("suspended Kustomization, and a conflict with an object that already exists", async () => {
        await kubectl([
            "patch",
            RESOURCE.Kustomization,
            "dev-guestbook",
            "-n",
            FLUX_NS,
            "--type",
            "merge",
            "-p",
            JSON.stringify({ spec: { suspend: true } }),
        ]);
        await writeStatus(
            "Kustomization",
            "dev-platform",
            fluxFailed(
                "ReconciliationFailed",
                `Service/${ns("platform-dev")}/platform dry-run failed (AlreadyExists): services "platform" already exists`,
            ),
        );
        const r = cli([...cliArgs("dev", "flux"), "--json"]);
        expect(r.code).toBe(1);
        const report = JSON.parse(r.stdout) as StatusReport;
        expect(finding(report, "dev-guestbook", "suspended").fix[0]).toContain(
            `flux resume kustomization dev-guestbook -n ${FLUX_NS}`,
        );
        expect(finding(report, "dev-platform", "already-exists").facts.adoptWith).toBe(
            `kustomize.toolkit.fluxcd.io/name=dev-platform, kustomize.toolkit.fluxcd.io/namespace=${FLUX_NS}`,
        );
        expect(report.objects.map((o) => o.ok)).toEqual([false, false, false, false]);
    });
});

describe("status: bad arguments", () => {
    it("exit 2 for an unknown stack, an unreadable kubeconfig and a context the kubeconfig does not have", () => {
        expect(cli(["--stack", "qa"]).code).toBe(2);
        const kubeconfig = cli(["--stack", "dev", "--kubeconfig", path.join(tmp, "missing")]);
        expect(kubeconfig.code).toBe(2);
        expect(kubeconfig.stderr).toMatch(/cannot read the kubeconfig .*missing does not exist/);
        const ctx = cli(["--stack", "dev", "--kubeconfig", cluster().kubeconfig, "--context", "no-such-context"]);
        expect(ctx.code).toBe(2);
        expect(ctx.stderr).toContain(`Context "no-such-context" (--context) is not in the kubeconfig`);
        expect(ctx.stderr).toContain(context);
    });
});
