/**
 * Latency of Argo CD, git push -> the Deployment carrying the new image (issue 22), with Argo CD v3.2.11's own
 * controllers and API server (tests/cluster/argocd/testbed.ts) and the dev stack's own objects (the real program:
 * automated sync, the chart's timeout.reconciliation, the webhook secret in argocd-secret). Each commit changes
 * podinfo's image tag in its dev overlay. With webhooks: a signed GitHub push event to argocd-server's /api/webhook
 * right after the push. Polling only: no event; each commit lands at a random point of the poll cycle.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "../argocd/testbed";
import { githubHeaders, post, pushBody } from "../support/gitWebhook";
import { testPorts } from "../support/ports";
import { commitsFromEnv, ImageWatch, randomDelay, report, type ModeResult } from "./measure";

/**
 * This file's loopback ports: the latency benchmark's range is 29600-29619, and its files run one after the other
 * (vitest.latency.config.mts), so each starts at its beginning.
 */
const PORTS = testPorts(argoPortTable(29600));
const SECRET = crypto.randomBytes(32).toString("hex");
const IMAGE = "ghcr.io/stefanprodan/podinfo";

let testbed: ArgoCdTestbed;
let watch: ImageWatch;
let tagCounter = 100;
const results: ModeResult[] = [];

/** Commits a new podinfo tag; returns the commit and the image it sets, once the push is done. */
function commitTag(): { sha: string; image: string } {
    const tag = `6.${tagCounter++}.1`;
    const sha = testbed.git.commit(`podinfo dev: ${tag}`, (work) => {
        const file = path.join(work, "apps/podinfo/overlays/dev/kustomization.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/newTag: \S+/, `newTag: ${tag}`));
    });
    return { sha, image: `${IMAGE}:${tag}` };
}

/** Waits until dev-podinfo is Synced and Healthy at `sha`, so the next commit starts from a settled state. */
const settled = (sha: string, ms = 300_000) =>
    waitFor(
        `dev-podinfo Synced and Healthy at ${sha.slice(0, 8)}`,
        ms,
        async () => {
            const s = (await testbed.get(APPLICATIONS, "dev-podinfo"))?.status;
            return s?.sync?.status === "Synced" && s.sync.revision === sha && s.health?.status === "Healthy"
                ? true
                : undefined;
        },
        () => testbed.logs(20),
    );

/** argocd-cm's reconciliation settings as the chart renders them for the stack. */
function reconciliation(): { timeout: string; jitter: string } {
    const cm = testbed.chart.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "argocd-cm")?.data;
    return { timeout: cm?.["timeout.reconciliation"] ?? "?", jitter: cm?.["timeout.reconciliation.jitter"] ?? "?" };
}

beforeAll(async () => {
    testbed = await startArgoCdTestbed({
        name: "gitops-latency-argocd",
        stack: "dev",
        namespace: "argocd-latency",
        ports: PORTS,
        secrets: { gitWebhookSecret: SECRET },
    });
    await testbed.deploy();
    await settled(testbed.git.revision("main"));
    watch = ImageWatch.start("podinfo", "podinfo-dev");
}, 600_000);

afterAll(async () => {
    watch?.stop();
    await testbed?.stop();
    if (results.length > 0) console.log(report("Argo CD", "podinfo (dev, automated sync)", results));
}, 240_000);

describe("Argo CD: git push -> Deployment", () => {
    const settings = () => {
        const r = reconciliation();
        return `timeout.reconciliation ${r.timeout}, jitter ${r.jitter} (the chart's defaults; the program leaves them)`;
    };

    it("with webhooks (a signed GitHub push event to argocd-server's /api/webhook right after each push)", async () => {
        const seconds: number[] = [];
        for (let i = 0; i < commitsFromEnv("LATENCY_COMMITS", 10); i++) {
            await randomDelay(3_000);
            const { sha, image } = commitTag();
            const pushed = Date.now();
            const body = pushBody({
                branch: "main",
                after: sha,
                repository: { cloneUrl: testbed.git.url, htmlUrl: "https://127.0.0.1/gitops", fullName: "acme/gitops" },
            });
            const response = await post(PORTS.server, "/api/webhook", body, githubHeaders(body, SECRET), { tls: true });
            expect(response.status).toBe(200);
            seconds.push(((await watch.arrival(image, pushed, 120_000)) - pushed) / 1000);
            await settled(sha);
        }
        results.push({
            mode: "webhooks",
            settings: settings(),
            seconds,
            target: "median <= 5 s and p95 <= 10 s",
            met: (s) => s.median <= 5 && s.p95 <= 10,
        });
    }, 3_600_000);

    it("polling only (no event; each commit at a random point of the poll cycle)", async () => {
        const seconds: number[] = [];
        const r = reconciliation();
        const timeout = Number.parseInt(r.timeout, 10);
        const jitter = Number.parseInt(r.jitter, 10);
        for (let i = 0; i < commitsFromEnv("LATENCY_POLL_COMMITS", 5); i++) {
            await randomDelay(timeout * 1000);
            const { sha, image } = commitTag();
            const pushed = Date.now();
            seconds.push(((await watch.arrival(image, pushed, (timeout + jitter) * 2000 + 120_000)) - pushed) / 1000);
            await settled(sha);
        }
        results.push({
            mode: "polling only",
            settings: settings(),
            seconds,
            target: `max <= timeout.reconciliation plus its jitter (${timeout + jitter} s), plus the sync`,
            met: (s) => s.max <= timeout + jitter + 10,
        });
    }, 3_600_000);
});
