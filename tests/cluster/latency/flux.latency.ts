/**
 * Latency of Flux, git push -> the Deployment carrying the new image (issue 22), with the real source-, kustomize- and
 * notification-controllers (tests/cluster/flux/testbed.ts) and the dev stack's own objects (the real program: the
 * tier's interval, the Receiver, kustomize-controller's flags). Each commit changes podinfo's image tag in its dev
 * overlay; podinfo depends on platform (dependsOn), as in the example repository, so the dependency check is part of
 * the path. With webhooks: a signed GitHub push event right after the push. Polling only: no event; each commit lands
 * at a random point of the poll cycle.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIER_DEFAULTS } from "../../../src/config";
import { KUSTOMIZE_CONTROLLER_ARGS } from "../../../src/flux";
import { parseGoDuration } from "../../../src/config/rules/durations";
import type { GitServer } from "../flux/gitServer";
import { applyObjects, waitForCondition } from "../flux/kube";
import { appsWithNamespaces, fluxServerConfig, fluxStackObjects } from "../flux/stackObjects";
import { startFluxTestbed, type FluxTestbed } from "../flux/testbed";
import { githubHeaders, post, pushBody } from "../support/gitWebhook";
import { testPorts } from "../support/ports";
import { commitsFromEnv, ImageWatch, randomDelay, report, type ModeResult } from "./measure";

/**
 * This file's loopback ports: the latency benchmark's range is 29600-29619, and its files run one after the other
 * (vitest.latency.config.mts), so each starts at its beginning.
 */
const PORTS = testPorts({ git: 29600, storage: 29601, events: 29602, webhooks: 29603, probesBase: 29604 });
const FLUX_NS = "flux-latency";
const ns = (namespace: string) => `${namespace}-latency`;
/** The dev tier's interval: what a dev stack runs with. */
const INTERVAL = TIER_DEFAULTS.dev.fluxInterval;
const INTERVAL_MS = parseGoDuration(INTERVAL)!;
const SECRET = crypto.randomBytes(32).toString("hex");
const IMAGE = "ghcr.io/stefanprodan/podinfo";
const REQUEUE = KUSTOMIZE_CONTROLLER_ARGS.find((a) => a.startsWith("--requeue-dependency="))!.split("=")[1];

let testbed: FluxTestbed;
let git: GitServer;
let webhookPath: string;
let watch: ImageWatch;
let tagCounter = 100;
const results: ModeResult[] = [];

/** Commits a new podinfo tag; returns the commit and the image it sets, once the push is done. */
function commitTag(): { sha: string; image: string } {
    const tag = `6.${tagCounter++}.0`;
    const sha = git.commit(`podinfo dev: ${tag}`, (work) => {
        const file = path.join(work, "apps/podinfo/overlays/dev/kustomization.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/newTag: \S+/, `newTag: ${tag}`));
    });
    return { sha, image: `${IMAGE}:${tag}` };
}

/** Waits until podinfo's Kustomization applied `sha`, so the next commit starts from a settled state. */
const settled = (sha: string) =>
    waitForCondition(
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "dev-podinfo",
        FLUX_NS,
        "Ready",
        "True",
        120_000,
        () => testbed.logs(20),
        (_, k) => String(k.status?.lastAppliedRevision ?? "").endsWith(sha),
    );

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-latency-flux",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: (n) => n.endsWith("-latency"),
    });
    git = testbed.git;
    const run = await fluxStackObjects(
        "dev",
        [...fluxServerConfig(git, FLUX_NS, INTERVAL), `apps=${appsWithNamespaces("dev", ns)}`, "slackChannel="],
        { sshPrivateKey: git.deployKey, slackToken: "xoxb-unused", gitWebhookSecret: SECRET },
    );
    webhookPath = run.outputs.gitWebhookPath as unknown as string;
    await applyObjects(
        run.objects.filter((o) => o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding"),
        "gitops-stack-latency",
    );
    await settled(git.revision("main"));
    await waitForCondition("receivers.notification.toolkit.fluxcd.io", "gitops-dev", FLUX_NS, "Ready", "True", 60_000);
    watch = ImageWatch.start("podinfo", ns("podinfo-dev"));
}, 300_000);

afterAll(async () => {
    watch?.stop();
    await testbed?.stop();
    if (results.length > 0) console.log(report("Flux", "podinfo (dependsOn platform)", results));
}, 120_000);

describe("Flux: git push -> Deployment", () => {
    const settings = `GitRepository and Kustomization interval ${INTERVAL} (dev; source-controller adds up to 5% jitter), kustomize-controller --requeue-dependency=${REQUEUE}`;

    it("with webhooks (a signed GitHub push event sent right after each push)", async () => {
        const seconds: number[] = [];
        for (let i = 0; i < commitsFromEnv("LATENCY_COMMITS", 10); i++) {
            await randomDelay(3_000);
            const { sha, image } = commitTag();
            const pushed = Date.now();
            const body = pushBody({
                branch: "main",
                after: sha,
                repository: { cloneUrl: git.url, htmlUrl: "https://github.com/acme/gitops", fullName: "acme/gitops" },
            });
            expect((await post(PORTS.webhooks, webhookPath, body, githubHeaders(body, SECRET))).status).toBe(200);
            seconds.push(((await watch.arrival(image, pushed, 120_000)) - pushed) / 1000);
            await settled(sha);
        }
        results.push({
            mode: "webhooks",
            settings,
            seconds,
            target: "median <= 5 s and p95 <= 10 s",
            met: (s) => s.median <= 5 && s.p95 <= 10,
        });
    }, 3_600_000);

    it("polling only (no event; each commit at a random point of the poll cycle)", async () => {
        const seconds: number[] = [];
        for (let i = 0; i < commitsFromEnv("LATENCY_POLL_COMMITS", 5); i++) {
            await randomDelay(INTERVAL_MS);
            const { sha, image } = commitTag();
            const pushed = Date.now();
            seconds.push(((await watch.arrival(image, pushed, INTERVAL_MS * 1.05 + 120_000)) - pushed) / 1000);
            await settled(sha);
        }
        const bound = (INTERVAL_MS * 1.05) / 1000 + parseGoDuration(REQUEUE)! / 1000;
        results.push({
            mode: "polling only",
            settings,
            seconds,
            target: `max <= the interval with its jitter plus the dependency re-check (${bound.toFixed(0)} s), plus the apply`,
            met: (s) => s.max <= bound + 5,
        });
    }, 3_600_000);
});
