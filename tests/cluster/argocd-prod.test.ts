/**
 * Argo CD running the prod stack for real (issue 18, steps 3, 5, 6 and 10): the same testbed as
 * argocd-reconcile.test.ts (Argo CD v3.2.11's controllers, the chart's ConfigMaps for the stack's values, the
 * program's objects in the engine's order), for prod. Overrides: the repository (SSH with a deploy key made for the
 * run, instead of the committed GitHub App) and the Argo CD namespace. Prod syncs are a person's: here requested as
 * `argocd app sync` requests them, by writing the Application's `operation` with the person as initiator (the API
 * server does exactly that after its RBAC check; tests/cluster/argocd-rbac.test.ts asks Argo CD's RBAC who may).
 *
 * The second part turns automated sync on with the acknowledgement a prod stack needs, and moves the sync window
 * around the test's clock, to see Argo CD hold automated syncs outside the window while letting a person's through.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStatus, type StatusReport } from "../../src/status";
import { ROOT } from "../support/stacks";
import { cluster, kubectl } from "./support/cluster";
import { testPorts } from "./support/ports";
import { getObject, waitFor, type KubeObject } from "./flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27120-27139. */
const PORTS = testPorts(argoPortTable(27120));
const ARGO_NS = "argocd-prod";
const CHANGE_MS = 90_000;
const APPS = ["prod-platform", "prod-guestbook", "prod-podinfo"];

let testbed: ArgoCdTestbed;
const logs = () => testbed.logs();
const app = (name: string) => testbed.get(APPLICATIONS, name);

function describeApp(a: KubeObject | undefined): string {
    if (!a) return "(no such Application)";
    const s = a.status ?? {};
    return JSON.stringify({
        sync: s.sync?.status,
        revision: s.sync?.revision,
        health: s.health?.status,
        conditions: s.conditions,
        operation: s.operationState?.phase,
        message: s.operationState?.message,
    });
}

function appWhere(name: string, what: string, check: (a: KubeObject) => boolean, ms = CHANGE_MS) {
    let last: KubeObject | undefined;
    return waitFor(
        `Application ${name}: ${what}`,
        ms,
        async () => {
            last = await app(name);
            return last && check(last) ? last : undefined;
        },
        () => `${describeApp(last)}\n${logs()}`,
    );
}

/**
 * A sync as `argocd app sync <app>` requests it: the API server writes this operation (the app's own sync options
 * and retry, the target revision, the person as initiator) once RBAC allows it; the application controller runs it.
 */
async function requestSync(name: string, who = "release-manager@acme.example"): Promise<void> {
    const a = (await app(name))!;
    const operation = {
        initiatedBy: { username: who },
        sync: {
            revision: a.spec.source.targetRevision,
            syncOptions: a.spec.syncPolicy?.syncOptions,
        },
        ...(a.spec.syncPolicy?.retry ? { retry: a.spec.syncPolicy.retry } : {}),
    };
    await kubectl([
        "patch",
        `${APPLICATIONS}/${name}`,
        "-n",
        testbed.namespace,
        "--type=merge",
        "-p",
        JSON.stringify({ operation }),
    ]);
}

/** Waits until the Application's last sync ran at `sha` and finished (whatever its health, see below). */
const syncedAt = (name: string, sha: string) =>
    appWhere(
        name,
        `Synced at ${sha.slice(0, 8)}`,
        (a) =>
            a.status?.sync?.status === "Synced" &&
            a.status?.sync?.revision === sha &&
            a.status?.operationState?.phase === "Succeeded" &&
            !a.operation,
    );

const status = (t: ArgoCdTestbed, now?: Date): StatusReport =>
    runStatus({ root: ROOT, stack: "prod", config: t.overrides, kubeconfig: cluster().kubeconfig, now });

describe("prod stack under Argo CD: every sync is a person's", () => {
    let initialSha: string;

    beforeAll(async () => {
        testbed = await startArgoCdTestbed({ name: "argocd-prod", stack: "prod", namespace: ARGO_NS, ports: PORTS });
        initialSha = testbed.git.revision("main");
        await testbed.deploy();
    }, 300_000);

    afterAll(async () => {
        await testbed?.stop();
    }, 240_000);

    it("declares every prod Application without automated sync or cascade finalizer, and applies nothing by itself", async () => {
        for (const name of APPS) {
            const a = await appWhere(name, "compared with Git", (x) => x.status?.sync?.status === "OutOfSync");
            expect(a.spec.syncPolicy.automated).toBeUndefined();
            expect(a.metadata.finalizers ?? []).toEqual([]);
            expect(a.status?.sync?.revision).toBe(initialSha);
            expect(a.status?.operationState).toBeUndefined();
        }
        // Argo CD creates namespaces only when it syncs: nothing of prod exists.
        await new Promise((r) => setTimeout(r, 10_000));
        for (const ns of ["platform-prod", "guestbook-prod", "podinfo-prod"]) {
            expect(await getObject("namespace", ns), ns).toBeUndefined();
        }
        // `npm run status`: every app waits for a person, with the command that syncs it.
        const report = status(testbed);
        for (const name of APPS) {
            const o = report.objects.find((x) => x.name === name)!;
            expect(o.ok, name).toBe(false);
            const finding = o.findings.find((f) => f.class === "manual-sync");
            expect(finding, JSON.stringify(o.findings)).toBeDefined();
            expect(finding!.fix.join("\n")).toContain(`argocd app sync ${ARGO_NS}/${name}`);
        }
    });

    it("applies a sync a person requests, platform first, and reports it synced", async () => {
        for (const name of APPS) {
            await requestSync(name);
            const a = await syncedAt(name, initialSha);
            expect(a.status?.operationState?.operation?.initiatedBy).toEqual({
                username: "release-manager@acme.example",
            });
        }
        const d = await waitFor(
            "guestbook's Deployment in guestbook-prod",
            CHANGE_MS,
            async () => getObject("deployment", "guestbook", "guestbook-prod"),
            logs,
        );
        // The HPA owns prod's replica count; Git sets none.
        expect(d.spec.replicas).toBeGreaterThanOrEqual(1);
        expect(await getObject("horizontalpodautoscaler", "guestbook", "guestbook-prod")).toBeDefined();
    });

    it("leaves a new commit waiting (OutOfSync at the new revision, nothing applied), and `npm run status` says so", async () => {
        const sha = testbed.git.commit("podinfo prod: 6.6.3 -> 6.7.0", (work) => {
            const file = path.join(work, "apps/podinfo/overlays/prod/kustomization.yaml");
            const before = fs.readFileSync(file, "utf8");
            const after = before.replace(/newTag: 6\.6\.3\b/, "newTag: 6.7.0");
            expect(after).not.toBe(before);
            fs.writeFileSync(file, after);
        });
        await testbed.refresh("prod-podinfo");
        await appWhere(
            "prod-podinfo",
            "OutOfSync at the new commit",
            (a) => a.status?.sync?.status === "OutOfSync" && a.status?.sync?.revision === sha,
        );
        await new Promise((r) => setTimeout(r, 10_000));
        const d = await getObject("deployment", "podinfo", "podinfo-prod");
        expect(d?.spec.template.spec.containers[0].image).toBe("ghcr.io/stefanprodan/podinfo:6.6.3");
        expect((await app("prod-podinfo"))?.status?.operationState?.syncResult?.revision).toBe(initialSha);

        const report = status(testbed);
        const podinfo = report.objects.find((o) => o.name === "prod-podinfo")!;
        expect(podinfo.findings.map((f) => f.class)).toContain("manual-sync");
        expect(podinfo.revision).toBe(initialSha);

        // The person syncs: the commit reaches the Deployment.
        await requestSync("prod-podinfo");
        await syncedAt("prod-podinfo", sha);
        expect((await getObject("deployment", "podinfo", "podinfo-prod"))?.spec.template.spec.containers[0].image).toBe(
            "ghcr.io/stefanprodan/podinfo:6.7.0",
        );
    });

    it("refuses an Application of the prod project whose source is not in the project's sourceRepos", async () => {
        await kubectl(["apply", "-f", "-"], {
            input: JSON.stringify({
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Application",
                metadata: { name: "prod-elsewhere", namespace: ARGO_NS },
                spec: {
                    project: "prod",
                    source: {
                        repoURL: "https://github.com/someone-else/gitops.git",
                        path: "apps/x",
                        targetRevision: "main",
                    },
                    destination: { server: "https://kubernetes.default.svc", namespace: "guestbook-prod" },
                },
            }),
        });
        const refused = await appWhere("prod-elsewhere", "an InvalidSpecError", (a) =>
            (a.status?.conditions ?? []).some((c: { type: string }) => c.type === "InvalidSpecError"),
        );
        expect(JSON.stringify(refused.status?.conditions)).toMatch(
            /application repo https:\/\/github\.com\/someone-else\/gitops\.git is not permitted in project 'prod'/,
        );
        await kubectl(["delete", `${APPLICATIONS}/prod-elsewhere`, "-n", ARGO_NS]);
    });

    it("leaves a prod Application's workloads when the Application is deleted", async () => {
        await kubectl(["delete", `${APPLICATIONS}/prod-guestbook`, "-n", ARGO_NS, "--wait", "--timeout=60s"]);
        expect(await app("prod-guestbook")).toBeUndefined();
        await new Promise((r) => setTimeout(r, 10_000));
        expect(await getObject("deployment", "guestbook", "guestbook-prod")).toBeDefined();
        expect(await getObject("service", "guestbook", "guestbook-prod")).toBeDefined();
    });
});

/** A daily cron schedule starting `minutes` from now (UTC), as `m h * * *`. */
function dailyAt(minutes: number): string {
    const t = new Date(Date.now() + minutes * 60_000);
    return `${t.getUTCMinutes()} ${t.getUTCHours()} * * *`;
}

describe("prod with automated sync acknowledged: the sync window decides when Argo CD syncs", () => {
    let windowed: ArgoCdTestbed;
    // Automated sync in prod is a relaxation: it needs the acknowledgement, and stays inside the window.
    const automated = [
        "autoSync=true",
        "acknowledgeProdOverrides=true",
        "syncWindowTimeZone=UTC",
        "syncWindowDuration=1h",
    ];

    beforeAll(async () => {
        windowed = await startArgoCdTestbed({
            name: "argocd-prod-window",
            stack: "prod",
            // Not the first part's namespace, which may still be terminating.
            namespace: `${ARGO_NS}-window`,
            ports: PORTS,
            // The window opens in three hours: it is closed now.
            config: [...automated, `syncWindowSchedule=${dailyAt(180)}`],
        });
        testbed = windowed;
        await windowed.deploy();
    }, 300_000);

    afterAll(async () => {
        await windowed?.stop();
    }, 240_000);

    it("holds automated syncs while the window is closed, and `npm run status` says when it opens", async () => {
        const project = await windowed.get("appprojects.argoproj.io", "prod");
        expect(project?.spec.syncWindows).toEqual([
            expect.objectContaining({ kind: "allow", manualSync: true, duration: "1h", timeZone: "UTC" }),
        ]);
        const a = await appWhere("prod-platform", "compared with Git", (x) => x.status?.sync?.status === "OutOfSync");
        expect(a.spec.syncPolicy.automated).toMatchObject({ prune: true, selfHeal: true });
        await new Promise((r) => setTimeout(r, 20_000));
        for (const name of APPS) {
            const x = await app(name);
            expect(x?.status?.operationState, name).toBeUndefined();
        }
        const report = status(windowed);
        const platform = report.objects.find((o) => o.name === "prod-platform")!;
        const finding = platform.findings.find((f) => f.class === "sync-window");
        expect(finding, JSON.stringify(platform.findings)).toBeDefined();
        expect(finding!.cause).toMatch(/the sync window is closed; it opens next/);
    });

    it("lets a person's sync through while the window is closed (manualSync)", async () => {
        await requestSync("prod-platform");
        await syncedAt("prod-platform", windowed.git.revision("main"));
    });

    it("syncs by itself once the window is open", async () => {
        // A `pulumi up` that moves the window so that it opened ten minutes ago.
        const update = await windowed.update([...automated, `syncWindowSchedule=${dailyAt(-10)}`]);
        expect(update.updated).toContain(`AppProject/${ARGO_NS}-window/prod`);
        expect(update.deleted).toEqual([]);
        const sha = windowed.git.revision("main");
        // Argo CD does not refresh an Application when its project changes: the window applies from each app's next
        // reconciliation (timeout.reconciliation, 120 s + up to 60 s), or at once on a refresh, as here.
        for (const name of ["prod-guestbook", "prod-podinfo"]) await windowed.refresh(name);
        for (const name of ["prod-guestbook", "prod-podinfo"]) {
            const a = await syncedAt(name, sha);
            expect(a.status?.operationState?.operation?.initiatedBy?.automated).toBe(true);
        }
    });
});
