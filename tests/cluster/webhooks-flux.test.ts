/**
 * Git webhooks with the real Flux controllers (issue 22): source-controller, kustomize-controller and
 * notification-controller run out of cluster (tests/cluster/flux/controllers.ts; the notification-controller's
 * receiver listens on this file's `webhooks` port) and read a copy of gitops-repo/ from a loopback SSH git server.
 * The dev stack's own objects (the real program, with its Receiver and token Secret) are applied with an interval of
 * ten minutes, so a commit applied within seconds came through the webhook, not a poll. A signed GitHub push event is
 * sent to the Receiver's path (the stack output gitWebhookPath, which must be the controller's own); a wrong or
 * missing signature must be refused with nothing reconciled early; the secret appears in no render, log or report.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderConfig } from "../../src/offline/render";
import { receiverCallTime, runStatus, type StatusReport } from "../../src/status";
import { ROOT, stackConfig } from "../support/stacks";
import type { GitServer } from "./flux/gitServer";
import {
    applyObjects,
    requestReconcile,
    condition,
    describeConditions,
    getObject,
    waitFor,
    waitForCondition,
    type KubeObject,
} from "./flux/kube";
import { appsWithNamespaces, fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { cluster, kubectl } from "./support/cluster";
import { githubHeaders, post, pushBody } from "./support/gitWebhook";
import { testPorts } from "./support/ports";

/** This file's loopback ports (the webhooks helper's range 29700-29799). */
const PORTS = testPorts({ git: 29700, storage: 29701, events: 29702, webhooks: 29703, probesBase: 29704 });
const FLUX_NS = "flux-webhooks";
const ns = (namespace: string) => `${namespace}-webhooks`;
const FIELD_MANAGER = "gitops-stack-webhooks-test";
/** Long on purpose: what arrives within a minute did not come by polling. */
const INTERVAL = "10m";
/** The webhook secret of this run: 64 random hex characters, never written anywhere but the cluster's Secret. */
const SECRET = crypto.randomBytes(32).toString("hex");
const PODINFO_IMAGE = "ghcr.io/stefanprodan/podinfo";
const overlay = (app: string) => path.join("apps", app, "overlays", "dev", "kustomization.yaml");

let testbed: FluxTestbed;
let git: GitServer;
let webhookPath: string;
let context: string;
const logs = () => testbed.logs(30);

const overrides = () => [
    ...fluxServerConfig(git, FLUX_NS, INTERVAL),
    `apps=${appsWithNamespaces("dev", ns)}`,
    // No Slack: the Provider would post to slack.com, which this machine does not reach.
    "slackChannel=",
];

/** Commits a new podinfo tag on main; returns the commit. */
function commitTag(tag: string): string {
    return git.commit(`podinfo dev: ${tag}`, (work) => {
        const file = path.join(work, overlay("podinfo"));
        const before = fs.readFileSync(file, "utf8");
        const after = before.replace(/newTag: \S+/, `newTag: ${tag}`);
        expect(after).not.toBe(before);
        fs.writeFileSync(file, after);
    });
}

const podinfoImage = async () =>
    (await getObject("deployment", "podinfo", ns("podinfo-dev")))?.spec.template.spec.containers[0].image as
        string | undefined;
const gitRepository = () => getObject("gitrepositories.source.toolkit.fluxcd.io", "gitops-dev", FLUX_NS);

/** A GitHub push event for `sha` on main, signed with `secret` (undefined: unsigned). */
function push(sha: string, secret: string | undefined, to = webhookPath) {
    const body = pushBody({
        branch: "main",
        after: sha,
        repository: { cloneUrl: git.url, htmlUrl: "https://github.com/acme/gitops", fullName: "acme/gitops" },
    });
    return post(PORTS.webhooks, to, body, githubHeaders(body, secret));
}

function status(): StatusReport {
    return runStatus({
        root: ROOT,
        stack: "dev",
        config: [...overrides(), "gitWebhook=true"],
        kubeconfig: cluster().kubeconfig,
        context,
    });
}

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-cluster-webhooks",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: (n) => n.endsWith("-webhooks"),
    });
    git = testbed.git;
    context = (await kubectl(["config", "current-context"])).stdout.trim();
    const run = await fluxStackObjects("dev", overrides(), {
        sshPrivateKey: git.deployKey,
        slackToken: "xoxb-unused",
        gitWebhookSecret: SECRET,
    });
    expect(run.secretObjects).toContain("Secret/gitops-dev-webhook-token");
    // The run's outputs are resolved values (the engine's view), typed as the program's Outputs.
    webhookPath = run.outputs.gitWebhookPath as unknown as string;
    expect(webhookPath).toMatch(/^\/hook\/[0-9a-f]{64}$/);
    await applyObjects(
        run.objects.filter((o) => o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding"),
        FIELD_MANAGER,
    );
    const sha = git.revision("main");
    for (const name of ["dev-platform", "dev-guestbook", "dev-podinfo"]) {
        await waitForCondition(
            "kustomizations.kustomize.toolkit.fluxcd.io",
            name,
            FLUX_NS,
            "Ready",
            "True",
            180_000,
            logs,
            (_, k) => String(k.status?.lastAppliedRevision ?? "").endsWith(sha),
        );
    }
}, 300_000);

afterAll(async () => {
    await testbed?.stop();
}, 120_000);

describe("Flux Receiver (gitWebhook) with the real notification-controller", () => {
    it("is ready at the path the stack exports (the controller's own sha256 of token, name and namespace)", async () => {
        const receiver = await waitForCondition(
            "receivers.notification.toolkit.fluxcd.io",
            "gitops-dev",
            FLUX_NS,
            "Ready",
            "True",
            60_000,
            logs,
        );
        expect(receiver.spec).toMatchObject({ type: "github", events: ["ping", "push"] });
        expect(receiver.status?.webhookPath).toBe(webhookPath);
        // Before any call: the status command says it has not been called, and fails nothing (no commit since).
        const entry = status().objects.find((o) => o.kind === "Receiver")!;
        expect(entry).toMatchObject({ found: true, ok: true, ready: "True (Succeeded)" });
        expect(entry.findings.map((f) => [f.class, f.severity])).toEqual([["webhook", "info"]]);
    });

    it("refuses a wrong or missing signature, and nothing is fetched early", async () => {
        const before = (await gitRepository())!;
        const image = await podinfoImage();
        const sha = commitTag("6.9.9");
        expect((await push(sha, crypto.randomBytes(32).toString("hex"))).status).toBe(400);
        expect((await push(sha, undefined)).status).toBe(400);
        expect((await push(sha, SECRET, "/hook/" + "0".repeat(64))).status).toBe(404);
        // Long enough for a fetch, an apply and a rollout that a valid request starts (the test below: seconds).
        await new Promise((r) => setTimeout(r, 20_000));
        const after = (await gitRepository())!;
        expect(after.status?.artifact.revision).toBe(before.status?.artifact.revision);
        expect(after.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"]).toBe(
            before.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"],
        );
        expect(await podinfoImage()).toBe(image);
        expect(testbed.flux.logs(200)).toMatch(/unable to validate payload/);
    });

    it("applies a commit within seconds of a signed GitHub push, without waiting for the 10m interval", async () => {
        const sha = commitTag("6.8.0");
        const started = Date.now();
        const response = await push(sha, SECRET);
        expect(response.status).toBe(200);
        const image = await waitFor(
            "podinfo's Deployment to run 6.8.0 after the webhook",
            120_000,
            async () => ((await podinfoImage()) === `${PODINFO_IMAGE}:6.8.0` ? true : undefined),
            async () =>
                `${describeConditions(await getObject("kustomizations.kustomize.toolkit.fluxcd.io", "dev-podinfo", FLUX_NS))}\n${logs()}`,
        );
        expect(image).toBe(true);
        const seconds = (Date.now() - started) / 1000;
        console.log(`webhook: podinfo 6.8.0 in the Deployment ${seconds.toFixed(1)} s after the push`);
        // The 6.9.9 commit refused above came with it: the GitRepository is at the newest commit.
        const repo = (await gitRepository())!;
        expect(repo.status?.artifact.revision).toBe(`main@sha1:${sha}`);
        // notification-controller marked the request (what the status command reads as the last call).
        const call = receiverCallTime(repo.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"]);
        expect(call).toBeDefined();
        expect(Math.abs(call!.getTime() - started)).toBeLessThan(30_000);
        const entry = status().objects.find((o) => o.kind === "Receiver")!;
        expect(entry).toMatchObject({ ok: true, findings: [] });
    });

    it("reports a Receiver whose token Secret is gone, which then refuses every request", async () => {
        await kubectl(["delete", "secret", "gitops-dev-webhook-token", "-n", FLUX_NS]);
        // The controller reads the token for each request: refused at once, before the Receiver itself is re-checked.
        expect((await push(git.revision("main"), SECRET)).status).toBe(400);
        const entry = status().objects.find((o) => o.kind === "Receiver")!;
        expect(entry.ok).toBe(false);
        expect(entry.findings[0].cause).toContain(
            "The webhook secret is missing: Secret flux-webhooks/gitops-dev-webhook-token does not exist",
        );
        // At its next reconciliation (its interval, or a request) the Receiver turns not ready, with the reason the
        // status command reads.
        await requestReconcile("receivers.notification.toolkit.fluxcd.io", "gitops-dev", FLUX_NS);
        const receiver = await waitForCondition(
            "receivers.notification.toolkit.fluxcd.io",
            "gitops-dev",
            FLUX_NS,
            "Ready",
            "False",
            60_000,
            logs,
        );
        expect(condition(receiver, "Ready")?.reason).toBe("TokenNotFound");
        // Without a token the Receiver has no path any more (status.webhookPath is cleared): nothing answers there.
        expect(receiver.status?.webhookPath ?? "").toBe("");
        expect((await push(git.revision("main"), SECRET)).status).toBe(404);
    });

    it("never shows the secret: not in the render, the objects' plain fields, the controllers' logs or the report", async () => {
        const render = await renderConfig(
            "dev",
            stackConfig("dev", { config: ["operator=flux"], secrets: { gitWebhookSecret: SECRET } }),
        );
        for (const [file, content] of render.files) expect(content, file).not.toContain(SECRET);
        expect(render.files.get("flux-system/secret-gitops-dev-webhook-token.yaml")).toContain('token: "[secret]"');
        const receiver: KubeObject = (await getObject(
            "receivers.notification.toolkit.fluxcd.io",
            "gitops-dev",
            FLUX_NS,
        ))!;
        expect(JSON.stringify(receiver)).not.toContain(SECRET);
        expect(testbed.flux.logs(100_000)).not.toContain(SECRET);
        const report = JSON.stringify(status());
        expect(report).not.toContain(SECRET);
        expect(report).not.toContain(webhookPath);
    });
});
