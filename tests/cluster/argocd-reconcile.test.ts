/**
 * Argo CD reconciling the dev stack for real (issue 18): Argo CD v3.2.11's repo-server, application controller,
 * ApplicationSet controller, notifications controller and API server (scripts/cluster/build-argocd.sh) run out of
 * cluster against the test cluster, configured by the ConfigMaps the pinned argo-cd chart renders from the stack's
 * Helm values (tests/cluster/argocd/chartConfig.ts), and read a copy of gitops-repo/ from a loopback SSH git server
 * that only the stack's deploy key may read. The Argo CD objects are the real program's (run under the offline
 * engine, created in the engine's dependency order). Notifications go to loopback stand-ins for Slack, PagerDuty,
 * Teams and a webhook (an HTTPS interceptor) and to an SMTP sink, through the controller's own notifier code.
 *
 * Overrides besides the repository and namespaces: every alert channel type, and retryLimit=1 so that a failing
 * sync gives up after one retry (10 s) instead of the default five (about 5 min); the sync policy is otherwise dev's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStatus } from "../../src/status";
import { ROOT } from "../support/stacks";
import { cluster, kubectl } from "./support/cluster";
import { testPorts } from "./support/ports";
import {
    startInterceptor,
    startSmtpSink,
    type InterceptedRequest,
    type Interceptor,
    type SmtpSink,
} from "./support/receivers";
import { getObject, waitFor, type KubeObject } from "./flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27100-27119. */
const PORTS = testPorts({ ...argoPortTable(27100), interceptor: 27111, smtp: 27112 });
const ARGO_NS = "argocd-reconcile";
const ns = (namespace: string) => namespace;
/** How long a change may take once Argo CD was asked to refresh (the webhook's path) on a busy 2-core machine. */
const CHANGE_MS = 90_000;

const SLACK_TOKEN = "xoxb-argocd-reconcile-token";
const SECRETS = {
    deploys: { token: "xoxb-argocd-alert-channel-token" },
    mail: { password: "smtp-password-argocd-test" },
    teams: { url: "https://teams.test.example/workflows/argocd-test" },
    hook: { url: "https://hooks.test.example/argocd", headers: { Authorization: "Bearer hook-token-argocd-test" } },
    oncall: { routingKey: "pagerduty-routing-key-argocd-test" },
};
const channels = (smtpPort: number) => [
    {
        type: "slack",
        name: "deploys",
        channel: "deploys-team",
        events: ["sync-succeeded", "sync-failed", "health-degraded", "drift-corrected"],
    },
    {
        type: "email",
        name: "mail",
        to: ["oncall@acme.example"],
        smtpHost: "127.0.0.1",
        smtpPort,
        from: "argocd@acme.example",
        username: "argocd",
        events: ["sync-failed", "health-degraded"],
    },
    { type: "teams", name: "teams", events: ["deployed"] },
    { type: "webhook", name: "hook", headers: ["Authorization"], events: ["sync-succeeded", "sync-failed"] },
    { type: "pagerduty", name: "oncall", events: ["health-degraded"] },
];

let testbed: ArgoCdTestbed;
let interceptor: Interceptor;
let smtp: SmtpSink;
let initialSha: string;
const logs = () => testbed.logs();

const app = (name: string) => testbed.get(APPLICATIONS, name);
const overlay = (name: string, env: string) => path.join("apps", name, "overlays", env, "kustomization.yaml");

/** Waits until the Application is Synced and Healthy at `sha` (and no operation runs). */
function syncedAt(name: string, sha: string, ms = CHANGE_MS): Promise<KubeObject> {
    let last: KubeObject | undefined;
    return waitFor(
        `Application ${name} to be Synced and Healthy at ${sha.slice(0, 8)}`,
        ms,
        async () => {
            last = await app(name);
            const s = last?.status;
            return s?.sync?.status === "Synced" &&
                s?.sync?.revision === sha &&
                s?.health?.status === "Healthy" &&
                !last?.operation
                ? last
                : undefined;
        },
        () =>
            `${JSON.stringify(last?.status?.conditions ?? [])} ${JSON.stringify(last?.status?.operationState?.message)}\n${logs()}`,
    );
}

/** Slack posts (chat.postMessage through the interceptor) whose attachment title is `app`, and their text. */
function slackPosts(channel: string, title?: string): Array<{ req: InterceptedRequest; body: Record<string, string> }> {
    return interceptor.requests
        .filter((r) => r.host === "slack.com" && r.path === "/api/chat.postMessage")
        .map((req) => ({ req, body: Object.fromEntries(new URLSearchParams(req.body)) as Record<string, string> }))
        .filter(({ body }) => body.channel === channel && (title === undefined || (body.text ?? "").startsWith(title)));
}

/** The bot token a Slack post carried: slack-go sends it as a bearer header or as the form's `token`. */
function slackToken(post: { req: InterceptedRequest; body: Record<string, string> }): string | undefined {
    const bearer = /^Bearer (.+)$/.exec(String(post.req.headers.authorization ?? ""));
    return bearer ? bearer[1] : post.body.token;
}

beforeAll(async () => {
    interceptor = await startInterceptor(PORTS.interceptor, fs.mkdtempSync("/tmp/argocd-reconcile-ca-"), [
        "slack.com",
        "events.pagerduty.com",
        "teams.test.example",
        "hooks.test.example",
    ]);
    smtp = await startSmtpSink(PORTS.smtp);
    testbed = await startArgoCdTestbed({
        name: "argocd-reconcile",
        stack: "dev",
        namespace: ARGO_NS,
        ports: PORTS,
        config: [`alertChannels=${JSON.stringify(channels(PORTS.smtp))}`, "retryLimit=1"],
        secrets: { slackToken: SLACK_TOKEN, alertSecrets: JSON.stringify(SECRETS) },
        notificationsEnv: interceptor.env,
    });
    initialSha = testbed.git.revision("main");
}, 240_000);

afterAll(async () => {
    await testbed?.stop();
    await interceptor?.close();
    await smtp?.close();
}, 240_000);

describe("dev stack reconciled by Argo CD", () => {
    it("reads the repository with the stack's credentials and brings every Application to Synced and Healthy, dependencies first", async () => {
        // The credentials reach the cluster only as Pulumi secrets.
        const secretObjects = testbed.run.objects.filter((o) => o.secret).map((o) => o.object.metadata.name);
        expect(secretObjects).toEqual(
            expect.arrayContaining(["gitops-repo-repository", "argocd-notifications-secret"]),
        );

        const started = Date.now();
        await testbed.deploy();
        const names = ["dev-root", "dev-platform", "dev-guestbook", "dev-podinfo"];
        const apps = new Map<string, KubeObject>();
        for (const name of names) apps.set(name, await syncedAt(name, initialSha, 180_000));
        console.log(`dev Synced and Healthy ${((Date.now() - started) / 1000).toFixed(1)} s after the first object`);
        // Only the deploy key generated for this run may read the repository, and it did.
        expect(testbed.git.log()).toContain(`gitserver: accepted key ${testbed.git.deployKeyFingerprint}`);

        // Ordering (README "Dependent apps"): guestbook and podinfo were created only once dev-platform had synced
        // and was healthy, so their first sync started after dev-platform's finished.
        const finished = (n: string) => Date.parse(apps.get(n)!.status!.operationState.finishedAt);
        const createdAt = (n: string) => Date.parse(apps.get(n)!.metadata.creationTimestamp);
        for (const dependent of ["dev-guestbook", "dev-podinfo"]) {
            expect(createdAt(dependent)).toBeGreaterThanOrEqual(finished("dev-platform") - 1000);
        }

        // The apps' objects exist in their namespaces, created by Argo CD (CreateNamespace=true) and tracked by it.
        for (const a of ["guestbook", "podinfo"]) {
            const d = await waitFor(
                "Deployment available",
                60_000,
                async () => {
                    const o = await getObject("deployment", a, ns(`${a}-dev`));
                    return o?.status?.availableReplicas === 1 ? o : undefined;
                },
                logs,
            );
            expect(d.metadata.annotations?.["argocd.argoproj.io/tracking-id"]).toBe(
                `dev-${a}:apps/Deployment:${ns(`${a}-dev`)}/${a}`,
            );
        }
        expect((await getObject("configmap", "platform-settings", ns("platform-dev")))?.data).toMatchObject({
            ENVIRONMENT: "dev",
        });
    });

    it("applies an image tag committed to Git once Argo CD refreshes (what the Git webhook triggers)", async () => {
        const sha = testbed.git.commit("podinfo dev: 6.7.1 -> 6.8.0", (work) => {
            const file = path.join(work, overlay("podinfo", "dev"));
            const before = fs.readFileSync(file, "utf8");
            const after = before.replace(/newTag: 6\.7\.1 /, "newTag: 6.8.0 ");
            expect(after).not.toBe(before);
            fs.writeFileSync(file, after);
        });
        const started = Date.now();
        await testbed.refresh("dev-podinfo");
        await syncedAt("dev-podinfo", sha);
        const d = await getObject("deployment", "podinfo", ns("podinfo-dev"));
        expect(d?.spec.template.spec.containers[0].image).toBe("ghcr.io/stefanprodan/podinfo:6.8.0");
        console.log(`image tag applied ${((Date.now() - started) / 1000).toFixed(1)} s after the refresh`);
    });

    it("reverts a Deployment scaled by hand (selfHeal) and says so once on Slack (on-drift-corrected)", async () => {
        const before = slackPosts("deploys-team").length;
        await kubectl(["scale", "deployment/podinfo", "--replicas=3", "-n", ns("podinfo-dev")]);
        await waitFor(
            "Argo CD to set podinfo's replicas back to 1 (the dev overlay's count)",
            CHANGE_MS,
            async () =>
                (await getObject("deployment", "podinfo", ns("podinfo-dev")))?.spec.replicas === 1 ? true : undefined,
            logs,
        );
        const healed = await app("dev-podinfo");
        // Argo CD's self-heal: an automated, selective sync of the drifted resources.
        expect(healed?.status?.operationState?.operation?.sync?.autoHealAttemptsCount).toBeGreaterThanOrEqual(1);
        const drift = await waitFor(
            "the drift-corrected notification on Slack",
            CHANGE_MS,
            async () => {
                const posts = slackPosts("deploys-team")
                    .slice(before)
                    .filter((p) => /self-heal/i.test(p.body.text));
                return posts.length > 0 ? posts : undefined;
            },
            logs,
        );
        expect(drift[0].body.text).toContain("dev-podinfo");
        // The channel's own token (not the stack's default Slack token), as slack-go sends it.
        expect(slackToken(drift[0])).toBe(SECRETS.deploys.token);
        // Exactly once for that self-heal.
        await new Promise((r) => setTimeout(r, 10_000));
        expect(
            slackPosts("deploys-team")
                .slice(before)
                .filter((p) => /self-heal/i.test(p.body.text)),
        ).toHaveLength(1);
    });

    it("prunes an object removed from an overlay's folder, and keeps the rest", async () => {
        const sha = testbed.git.commit("podinfo: no Service", (work) => {
            const base = path.join(work, "apps/podinfo/base");
            fs.rmSync(path.join(base, "service.yaml"));
            const file = path.join(base, "kustomization.yaml");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("  - service.yaml\n", ""));
        });
        await testbed.refresh("dev-podinfo");
        await syncedAt("dev-podinfo", sha);
        expect(await getObject("service", "podinfo", ns("podinfo-dev"))).toBeUndefined();
        expect(await getObject("deployment", "podinfo", ns("podinfo-dev"))).toBeDefined();
    });

    it("reports the stack healthy through `npm run status`, read from the real controller's state", async () => {
        const report = runStatus({
            root: ROOT,
            stack: "dev",
            config: testbed.overrides,
            kubeconfig: cluster().kubeconfig,
        });
        expect(report.ok, JSON.stringify(report.objects, null, 1)).toBe(true);
        const platform = report.objects.find((o) => o.name === "dev-platform");
        expect(platform).toMatchObject({ kind: "Application", sync: "Synced", health: "Healthy", ok: true });
    });
});
