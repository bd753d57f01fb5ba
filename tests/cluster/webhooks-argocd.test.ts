/**
 * Git webhooks with the real Argo CD (issue 22): the testbed of argocd-reconcile.test.ts (Argo CD v3.2.11's
 * repo-server, application controller, ApplicationSet controller and API server out of cluster, the chart's
 * ConfigMaps and argocd-secret rendered from the stack's Helm values) runs the dev stack with a webhook secret of this
 * run. The secret reaches argocd-secret's `webhook.github.secret` the way the program puts it there (the chart's
 * configs.secret.githubSecret), and argocd-server's /api/webhook and the ApplicationSet controller's webhook check
 * GitHub's X-Hub-Signature-256 with it.
 *
 * Argo CD compares an Application with Git on its own only when its last comparison (status.reconciledAt) is older
 * than timeout.reconciliation (120 s, plus up to 60 s of jitter); the ApplicationSet controller regenerates every
 * 3 minutes. Each check below starts right after a comparison or generation, so what happens in the window before the
 * next poll came from the webhook, and what does not happen was not asked for (the test asserts it stayed inside that
 * window rather than timing Argo CD: speed is the latency benchmark's, tests/cluster/latency/).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderConfig } from "../../src/offline/render";
import { stackConfig } from "../support/stacks";
import { kubectl } from "./support/cluster";
import { githubHeaders, post, pushBody } from "./support/gitWebhook";
import { testPorts } from "./support/ports";
import { getObject, waitFor, type KubeObject } from "./flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27180-27199 (both parts, one after the other). */
const PORTS = testPorts(argoPortTable(27180));
/** The webhook secret of this run, never written anywhere but the stack's secret and the cluster's argocd-secret. */
const SECRET = crypto.randomBytes(32).toString("hex");
/** argocd-cm's timeout.reconciliation as the chart renders it (the jitter only adds to it). */
const POLL_MS = 120_000;
/** How long a change may take once the webhook was accepted, on a busy 2-core machine (well inside POLL_MS). */
const CHANGE_MS = 90_000;
/** How long a refused request is given to show an effect it must not have. */
const QUIET_MS = 15_000;
const PODINFO_IMAGE = "ghcr.io/stefanprodan/podinfo";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A GitHub push event of `sha` on main, as GitHub describes the repository the Applications read. */
function pushEvent(t: ArgoCdTestbed, sha: string): string {
    return pushBody({
        branch: "main",
        after: sha,
        // Argo CD matches the event's html_url against each source's repoURL by host and path (webhook.go
        // GetWebURLRegex): ssh://git@127.0.0.1:<port>/gitops.git is the repository of https://127.0.0.1/gitops.
        repository: { cloneUrl: t.git.url, htmlUrl: "https://127.0.0.1/gitops", fullName: "acme/gitops" },
    });
}

/** The log of one of the testbed's processes, whole. */
const processLog = (t: ArgoCdTestbed, name: string) =>
    fs.readFileSync(t.argocd.processes.find((p) => p.name === name)!.logFile, "utf8");

function describeApp(a: KubeObject | undefined): string {
    if (!a) return "(no such Application)";
    const s = a.status ?? {};
    return JSON.stringify({
        sync: s.sync?.status,
        revision: s.sync?.revision,
        health: s.health?.status,
        reconciledAt: s.reconciledAt,
        operation: s.operationState?.phase,
    });
}

describe("argocd-server's /api/webhook (dev, per-app Applications)", () => {
    let testbed: ArgoCdTestbed;
    const app = () => testbed.get(APPLICATIONS, "dev-podinfo");
    const image = async () =>
        (await getObject("deployment", "podinfo", "podinfo-dev"))?.spec.template.spec.containers[0].image as
            string | undefined;
    const push = (sha: string, secret: string | undefined) => {
        const body = pushEvent(testbed, sha);
        return post(PORTS.server, "/api/webhook", body, githubHeaders(body, secret), { tls: true });
    };
    /** Commits a new podinfo tag in the dev overlay; returns the commit. */
    const commitTag = (tag: string) =>
        testbed.git.commit(`podinfo dev: ${tag}`, (work) => {
            const file = path.join(work, "apps/podinfo/overlays/dev/kustomization.yaml");
            const before = fs.readFileSync(file, "utf8");
            const after = before.replace(/newTag: \S+/, `newTag: ${tag}`);
            expect(after).not.toBe(before);
            fs.writeFileSync(file, after);
        });
    /** Waits until dev-podinfo is Synced and Healthy at `sha` with the Deployment at `tag`. */
    const syncedAt = (sha: string, tag: string) => {
        let last: KubeObject | undefined;
        return waitFor(
            `dev-podinfo Synced and Healthy at ${sha.slice(0, 8)}, the Deployment at ${tag}`,
            CHANGE_MS,
            async () => {
                last = await app();
                const s = last?.status;
                return s?.sync?.status === "Synced" &&
                    s.sync.revision === sha &&
                    s.health?.status === "Healthy" &&
                    (await image()) === `${PODINFO_IMAGE}:${tag}`
                    ? last
                    : undefined;
            },
            () => `${describeApp(last)}\n${testbed.logs()}`,
        );
    };
    /** Asks for a comparison now and waits for it: Argo CD's own next poll is then POLL_MS away at least. */
    const freshComparison = async (): Promise<number> => {
        const before = (await app())?.status?.reconciledAt as string | undefined;
        const asked = Date.now();
        await testbed.refresh("dev-podinfo");
        await waitFor(
            "dev-podinfo to be compared again",
            CHANGE_MS,
            async () => {
                const a = await app();
                const at = a?.status?.reconciledAt as string | undefined;
                return at && at !== before && !a?.metadata.annotations?.["argocd.argoproj.io/refresh"] ? at : undefined;
            },
            () => testbed.logs(),
        );
        // reconciledAt has a precision of seconds: the comparison was no earlier than the second of the request.
        return Math.floor(asked / 1000) * 1000;
    };

    beforeAll(async () => {
        testbed = await startArgoCdTestbed({
            name: "argocd-webhooks",
            stack: "dev",
            namespace: "argocd-webhooks",
            ports: PORTS,
            secrets: { gitWebhookSecret: SECRET },
        });
        await testbed.deploy();
        const sha = testbed.git.revision("main");
        await waitFor(
            "dev-podinfo Synced and Healthy",
            CHANGE_MS,
            async () => {
                const s = (await app())?.status;
                return s?.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy"
                    ? true
                    : undefined;
            },
            () => testbed.logs(),
        );
    }, 360_000);

    afterAll(async () => {
        await testbed?.stop();
    }, 240_000);

    it("has the stack's secret in argocd-secret as webhook.github.secret, as a Pulumi secret all the way", async () => {
        const secret = await getObject("secret", "argocd-secret", testbed.namespace);
        expect(Buffer.from(String(secret?.data?.["webhook.github.secret"]), "base64").toString("utf8")).toBe(SECRET);
        // The chart's values carry it as a secret: the render shows its place, never the value.
        const render = await renderConfig(
            "dev",
            stackConfig("dev", { config: testbed.overrides, secrets: { gitWebhookSecret: SECRET } }),
        );
        const files = [...render.files.values()].join("\n");
        expect(files).toContain("githubSecret");
        expect(files).not.toContain(SECRET);
    });

    it("syncs a new commit within seconds of a signed GitHub push, before Argo CD would poll", async () => {
        const noPollBefore = (await freshComparison()) + POLL_MS;
        const sha = commitTag("6.9.1");
        const response = await push(sha, SECRET);
        expect(response.status).toBe(200);
        await syncedAt(sha, "6.9.1");
        // Inside the window in which Argo CD compares with Git only when asked: the webhook asked.
        expect(Date.now()).toBeLessThan(noPollBefore);
        expect(processLog(testbed, "server")).toContain("refreshing app 'dev-podinfo' from webhook");
    });

    it("refuses a push with a wrong or no signature, and nothing is refreshed or synced", async () => {
        const noPollBefore = (await freshComparison()) + POLL_MS;
        const before = (await app())!;
        const imageBefore = await image();
        const refreshes = () => processLog(testbed, "server").split("refreshing app 'dev-podinfo' from webhook").length;
        const refreshesBefore = refreshes();
        const sha = commitTag("6.9.2");
        const wrong = await push(sha, crypto.randomBytes(32).toString("hex"));
        expect(wrong.status).toBe(400);
        expect(wrong.text).toContain("HMAC verification failed");
        const unsigned = await push(sha, undefined);
        expect(unsigned.status).toBe(400);
        // The stack's secret for another body: the signature covers the event, not only the sender.
        const forged = await post(
            PORTS.server,
            "/api/webhook",
            pushEvent(testbed, sha),
            githubHeaders(pushEvent(testbed, before.status?.sync?.revision), SECRET),
            { tls: true },
        );
        expect(forged.status).toBe(400);
        await sleep(QUIET_MS);
        const after = (await app())!;
        expect(after.status?.sync?.revision).toBe(before.status?.sync?.revision);
        expect(after.status?.sync?.status).toBe("Synced");
        expect(await image()).toBe(imageBefore);
        expect(refreshes()).toBe(refreshesBefore);
        expect(processLog(testbed, "server")).toContain("GitHub webhook HMAC verification failed");
        // The quiet window was one in which Argo CD would not have looked at Git by itself.
        expect(Date.now()).toBeLessThan(noPollBefore);
        // The same commit, signed with the stack's secret, is synced: the refusal was the signature's.
        expect((await push(sha, SECRET)).status).toBe(200);
        await syncedAt(sha, "6.9.2");
    });

    it("never shows the secret in the controllers' logs", () => {
        for (const p of testbed.argocd.processes) expect(processLog(testbed, p.name), p.name).not.toContain(SECRET);
    });
});

describe("the ApplicationSet controller's webhook (dev, appsMode=applicationset)", () => {
    let testbed: ArgoCdTestbed;
    const names = async () => {
        const out = await kubectl(["get", APPLICATIONS, "-n", testbed.namespace, "-o", "json"]);
        return (JSON.parse(out.stdout).items as KubeObject[]).map((a) => a.metadata.name).sort();
    };
    const push = (sha: string, secret: string | undefined) => {
        const body = pushEvent(testbed, sha);
        return post(PORTS.appsetWebhook, "/api/webhook", body, githubHeaders(body, secret));
    };
    const removeFolder = (folder: string) =>
        testbed.git.commit(`Remove the ${folder} app`, (work) =>
            fs.rmSync(path.join(work, "apps", folder), { recursive: true }),
        );
    /** Asks the ApplicationSet to regenerate now and waits until it did: its own next run is 3 minutes away. */
    const freshGeneration = async (expected: string[]): Promise<number> => {
        const asked = Date.now();
        await kubectl([
            "annotate",
            "--overwrite",
            "applicationsets.argoproj.io/dev-apps",
            "-n",
            testbed.namespace,
            "argocd.argoproj.io/application-set-refresh=true",
        ]);
        await waitFor(
            "dev-apps to regenerate",
            CHANGE_MS,
            async () => {
                const set = await testbed.get("applicationsets.argoproj.io", "dev-apps");
                const pending = set?.metadata.annotations?.["argocd.argoproj.io/application-set-refresh"];
                return !pending && JSON.stringify(await names()) === JSON.stringify(expected) ? true : undefined;
            },
            () => testbed.logs(),
        );
        return asked;
    };

    beforeAll(async () => {
        testbed = await startArgoCdTestbed({
            name: "argocd-webhooks-appset",
            stack: "dev",
            // Not the first part's namespace, which may still be terminating.
            namespace: "argocd-webhooks-appset",
            ports: PORTS,
            config: ["appsMode=applicationset", "apps=[]"],
            secrets: { gitWebhookSecret: SECRET },
        });
        await testbed.deploy();
    }, 360_000);

    afterAll(async () => {
        await testbed?.stop();
    }, 240_000);

    it("regenerates on a signed push, and not on a wrongly signed one", async () => {
        const all = ["dev-guestbook", "dev-platform", "dev-podinfo", "dev-root"];
        const asked = await freshGeneration(all);
        const sha = removeFolder("guestbook");
        const wrong = await push(sha, crypto.randomBytes(32).toString("hex"));
        expect(wrong.status).toBe(400);
        await sleep(QUIET_MS);
        expect(await names()).toEqual(all);
        // Inside the window before the controller's own next run (3 minutes after the one just asked for).
        expect(Date.now()).toBeLessThan(asked + 180_000);
        expect((await push(sha, SECRET)).status).toBe(200);
        await waitFor(
            "dev-guestbook to be deleted after the webhook",
            CHANGE_MS,
            async () => (!(await names()).includes("dev-guestbook") ? true : undefined),
            () => testbed.logs(),
        );
        expect(Date.now()).toBeLessThan(asked + 180_000);
        for (const p of testbed.argocd.processes) expect(processLog(testbed, p.name), p.name).not.toContain(SECRET);
    });
});
