/**
 * ApplicationSet mode under Argo CD's own ApplicationSet controller (issue 18, step 7): the stacks with
 * `appsMode=applicationset` and no per-app `apps`, so every app folder of the environment is found in Git. The testbed
 * is argocd-reconcile.test.ts's (Argo CD v3.2.11, the chart's ConfigMaps, the program's objects in engine order).
 *
 * What is checked: folders generate Applications, and only the folders Argo CD can deploy (the example repository's
 * Rollouts app and SOPS app declare what they require, and a stack without it skips them); removing a folder deletes
 * the generated Application in dev and keeps it in prod (applicationsSync: create-update); a stack that provides
 * Argo Rollouts generates the Rollouts app.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "./support/cluster";
import { testPorts } from "./support/ports";
import { getObject, waitFor, type KubeObject } from "./flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27140-27159. */
const PORTS = testPorts(argoPortTable(27140));
const CHANGE_MS = 120_000;

async function applicationNames(t: ArgoCdTestbed): Promise<string[]> {
    const out = await kubectl(["get", APPLICATIONS, "-n", t.namespace, "-o", "json"]);
    return (JSON.parse(out.stdout).items as KubeObject[]).map((a) => a.metadata.name).sort();
}

/** Waits until the Applications in the testbed's namespace are exactly `names`. */
async function generated(t: ArgoCdTestbed, names: string[], what: string): Promise<void> {
    let last: string[] = [];
    await waitFor(
        what,
        CHANGE_MS,
        async () => {
            last = await applicationNames(t);
            return JSON.stringify(last) === JSON.stringify([...names].sort()) ? true : undefined;
        },
        async () => {
            const set = await t.get("applicationsets.argoproj.io", `${t.run.stack}-apps`);
            return `Applications: ${last.join(", ")}\nApplicationSet status: ${JSON.stringify(set?.status)}\n${t.logs()}`;
        },
    );
}

/** Asks the ApplicationSet controller to regenerate now (what its Git webhook does; it otherwise polls every 3 min). */
async function regenerate(t: ArgoCdTestbed): Promise<void> {
    await kubectl([
        "annotate",
        "--overwrite",
        `applicationsets.argoproj.io/${t.run.stack}-apps`,
        "-n",
        t.namespace,
        "argocd.argoproj.io/application-set-refresh=true",
    ]);
}

const removeFolder = (t: ArgoCdTestbed, app: string): string =>
    t.git.commit(`Remove the ${app} app`, (work) => fs.rmSync(path.join(work, "apps", app), { recursive: true }));

describe("dev in ApplicationSet mode", () => {
    let testbed: ArgoCdTestbed;

    beforeAll(async () => {
        testbed = await startArgoCdTestbed({
            name: "argocd-appset-dev",
            stack: "dev",
            namespace: "argocd-appset",
            ports: PORTS,
            config: ["appsMode=applicationset", "apps=[]"],
        });
        await testbed.deploy();
    }, 300_000);

    afterAll(async () => {
        await testbed?.stop();
    }, 240_000);

    it("generates an Application per app folder Argo CD can deploy, skipping the Rollouts app and the SOPS app", async () => {
        await generated(testbed, ["dev-root", "dev-guestbook", "dev-platform", "dev-podinfo"], "the generated apps");
        const sha = testbed.git.revision("main");
        // The generated Applications sync like per-app ones: automated, into <app>-dev.
        await waitFor(
            "dev-podinfo to be Synced and Healthy",
            CHANGE_MS,
            async () => {
                const a = await testbed.get(APPLICATIONS, "dev-podinfo");
                return a?.status?.sync?.status === "Synced" &&
                    a.status.sync.revision === sha &&
                    a.status.health?.status === "Healthy"
                    ? a
                    : undefined;
            },
            () => testbed.logs(),
        );
        expect(await getObject("deployment", "podinfo", "podinfo-dev")).toBeDefined();
        // Without the guard, storefront (Rollout kinds, no Argo Rollouts here) and storefront-secrets (SOPS, which
        // Argo CD cannot decrypt) were generated and stayed failed.
        const set = await testbed.get("applicationsets.argoproj.io", "dev-apps");
        expect(JSON.stringify(set?.status?.conditions ?? [])).not.toMatch(/storefront/);
    });

    it("deletes the generated Application, and its workloads, when the app's folder is removed", async () => {
        removeFolder(testbed, "guestbook");
        await regenerate(testbed);
        await generated(testbed, ["dev-root", "dev-platform", "dev-podinfo"], "dev-guestbook to be deleted");
        await waitFor(
            "guestbook's Deployment to be deleted with its Application (cascade)",
            CHANGE_MS,
            async () =>
                (await getObject("deployment", "guestbook", "guestbook-dev")) === undefined ? true : undefined,
            () => testbed.logs(),
        );
    });

    it("generates the Rollouts app once the stack provides Argo Rollouts (a pulumi up with argoRollouts=true)", async () => {
        await testbed.update(["appsMode=applicationset", "apps=[]", "argoRollouts=true"]);
        await regenerate(testbed);
        await generated(
            testbed,
            ["dev-root", "dev-platform", "dev-podinfo", "dev-storefront"],
            "dev-storefront to be generated",
        );
    });
});

describe("prod in ApplicationSet mode", () => {
    let testbed: ArgoCdTestbed;

    beforeAll(async () => {
        testbed = await startArgoCdTestbed({
            name: "argocd-appset-prod",
            stack: "prod",
            namespace: "argocd-appset-prod",
            ports: PORTS,
            // Prod admits no namespace pattern: the namespaces of the apps found in Git are listed.
            config: [
                "appsMode=applicationset",
                "apps=[]",
                'applicationSetNamespaces=["guestbook-prod","platform-prod","podinfo-prod","shop-prod"]',
            ],
        });
        await testbed.deploy();
    }, 300_000);

    afterAll(async () => {
        await testbed?.stop();
    }, 240_000);

    it("keeps the generated Application when the app's folder is removed (create-update), and its workloads", async () => {
        await generated(
            testbed,
            ["prod-root", "prod-guestbook", "prod-platform", "prod-podinfo"],
            "the generated apps",
        );
        // Prod syncs are a person's (see argocd-prod.test.ts): guestbook runs before its folder goes.
        const a = (await testbed.get(APPLICATIONS, "prod-guestbook"))!;
        expect(a.spec.syncPolicy.automated).toBeUndefined();
        await kubectl([
            "patch",
            `${APPLICATIONS}/prod-guestbook`,
            "-n",
            testbed.namespace,
            "--type=merge",
            "-p",
            JSON.stringify({
                operation: {
                    initiatedBy: { username: "release-manager@acme.example" },
                    sync: { revision: "main", syncOptions: a.spec.syncPolicy.syncOptions },
                },
            }),
        ]);
        await waitFor(
            "guestbook's Deployment in guestbook-prod",
            CHANGE_MS,
            async () => getObject("deployment", "guestbook", "guestbook-prod"),
            () => testbed.logs(),
        );
        const uid = a.metadata.uid;

        // One commit removes guestbook's folder and adds a shop app: the shop's Application shows that the
        // ApplicationSet regenerated from that commit.
        testbed.git.commit("Remove the guestbook app, add a shop app", (work) => {
            fs.rmSync(path.join(work, "apps/guestbook"), { recursive: true });
            fs.cpSync(path.join(work, "apps/podinfo"), path.join(work, "apps/shop"), { recursive: true });
            const overlay = path.join(work, "apps/shop/overlays/prod/kustomization.yaml");
            fs.writeFileSync(
                overlay,
                fs.readFileSync(overlay, "utf8").replace("namespace: podinfo-prod", "namespace: shop-prod"),
            );
        });
        await regenerate(testbed);
        await generated(
            testbed,
            ["prod-root", "prod-guestbook", "prod-platform", "prod-podinfo", "prod-shop"],
            "prod-shop to be generated and prod-guestbook kept",
        );
        await new Promise((r) => setTimeout(r, 10_000));
        expect((await testbed.get(APPLICATIONS, "prod-guestbook"))?.metadata.uid).toBe(uid);
        expect(await getObject("deployment", "guestbook", "guestbook-prod")).toBeDefined();
    });
});
