/**
 * Argo CD reconciling the dev stack for real (issue 18): Argo CD v3.2.11's repo-server, application controller,
 * ApplicationSet controller, notifications controller and API server (scripts/cluster/build-argocd.sh) run out of
 * cluster against the test cluster, configured by the ConfigMaps the pinned argo-cd chart renders from the stack's
 * Helm values (tests/cluster/argocd/chartConfig.ts), and read a copy of gitops-repo/ from a loopback SSH git server
 * that only the stack's deploy key may read. The Argo CD objects are the real program's (run under the offline
 * engine, created in the engine's dependency order). Notifications go through the controller's own notifier code to
 * loopback stand-ins: an HTTPS interceptor answering as Slack, PagerDuty, a Teams workflow and a webhook would, and
 * an SMTP sink.
 *
 * Overrides besides the repository and the Argo CD namespace: one alert channel of every type, and retryLimit=1 so
 * that a failing sync gives up after one retry (10 s) instead of five (about 5 min). Git changes reach Argo CD by a
 * refresh request (the annotation Argo CD's Git webhook and `argocd app get --refresh` set); without it, Argo CD
 * polls every timeout.reconciliation (120 s + up to 60 s jitter, the chart's defaults).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStatus, type StatusReport } from "../../src/status";
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
import { applyObjects, getObject, waitFor, type KubeObject } from "./flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27100-27119. */
const PORTS = testPorts({ ...argoPortTable(27100), interceptor: 27111, smtp: 27112 });
const ARGO_NS = "argocd-reconcile";
/** How long a change may take once Argo CD was asked to refresh, on a busy 2-core machine. */
const CHANGE_MS = 90_000;

const SLACK_TOKEN = "xoxb-argocd-reconcile-token";
const SECRETS = {
    deploys: { token: "xoxb-argocd-alert-channel-token" },
    mail: { password: "smtp-password-argocd-test" },
    // The notifications engine refuses a Teams Workflows URL outside Power Automate's hosts.
    teams: { url: "https://api.powerautomate.com/workflows/argocd-test" },
    hook: { url: "https://hooks.test.example/argocd", headers: { Authorization: "Bearer hook-token-argocd-test" } },
    oncall: { routingKey: "R0ut1ngKeyArgoCdTest0123456789ab" }, // 32 letters and digits, as PagerDuty issues them
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
        () => `${describeApp(last)}\n${logs()}`,
    );
}

/** Waits until `check` holds for the Application, and returns it. */
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

type Post = { req: InterceptedRequest; body: Record<string, string> };

/** Slack posts (chat.postMessage through the interceptor) to `channel`, whose text starts with `title`. */
function slackPosts(channel: string, title?: string): Post[] {
    return interceptor.requests
        .filter((r) => r.host === "slack.com" && r.path === "/api/chat.postMessage")
        .map((req) => ({ req, body: Object.fromEntries(new URLSearchParams(req.body)) as Record<string, string> }))
        .filter(({ body }) => body.channel === channel && (title === undefined || (body.text ?? "").startsWith(title)));
}

/** Slack posts about Application `app` (the templates say "application <name> (<project>)"). */
const slackAbout = (channel: string, title: string, name: string) =>
    slackPosts(channel, title).filter((p) => p.body.text.includes(`application ${name} `));

/** The bot token a Slack post carried: slack-go sends it as a bearer header or as the form's `token`. */
function slackToken(post: Post): string | undefined {
    const bearer = /^Bearer (.+)$/.exec(String(post.req.headers.authorization ?? ""));
    return bearer ? bearer[1] : post.body.token;
}

/** What the webhook channel received (the program's JSON payload), with the request. */
function hookPosts(name?: string): Post[] {
    return interceptor.requests
        .filter((r) => r.host === "hooks.test.example")
        .map((req) => ({ req, body: JSON.parse(req.body) as Record<string, string> }))
        .filter((p) => name === undefined || p.body.application === name);
}

/** PagerDuty Events API v2 requests (enqueue) about `name`. */
function pagerDutyEvents(name: string): Array<Record<string, any>> {
    return interceptor.requests
        .filter((r) => r.host === "events.pagerduty.com")
        .map((r) => JSON.parse(r.body) as Record<string, any>)
        .filter((e) => e.payload?.component === name);
}

/** Mail the SMTP sink received whose subject names `name`. */
const mailAbout = (name: string, title: string) =>
    smtp.messages.filter((m) => m.data.includes(`Subject: ${title}: application ${name} `));

/** Waits `ms` with nothing to do, so that a duplicate notification would have time to arrive. */
const settle = (ms = 10_000) => new Promise((r) => setTimeout(r, ms));

/** Commits a change of one file in the served repository (a function of its text) and returns the commit. */
function commitFile(message: string, file: string, change: (text: string) => string): string {
    return testbed.git.commit(message, (work) => {
        const target = path.join(work, file);
        const before = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
        const after = change(before);
        expect(after, `${message}: ${file} unchanged`).not.toBe(before);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, after);
    });
}

/** `npm run status` for the stack as the test cluster runs it (the real controllers' states). */
const status = (): StatusReport =>
    runStatus({ root: ROOT, stack: "dev", config: testbed.overrides, kubeconfig: cluster().kubeconfig });

beforeAll(async () => {
    interceptor = await startInterceptor(PORTS.interceptor, fs.mkdtempSync("/tmp/argocd-reconcile-ca-"), [
        "slack.com",
        "events.pagerduty.com",
        "api.powerautomate.com",
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
        // and was healthy (the pulumi.com/waitFor on dev-platform), so they exist only after its sync finished.
        const finished = Date.parse(apps.get("dev-platform")!.status!.operationState.finishedAt);
        for (const dependent of ["dev-guestbook", "dev-podinfo"]) {
            expect(Date.parse(apps.get(dependent)!.metadata.creationTimestamp)).toBeGreaterThanOrEqual(finished - 1000);
        }

        // The apps' objects exist in their namespaces (CreateNamespace=true), tracked by annotation.
        for (const a of ["guestbook", "podinfo"]) {
            const d = await waitFor(
                `${a}'s Deployment to be available`,
                60_000,
                async () => {
                    const o = await getObject("deployment", a, `${a}-dev`);
                    return o?.status?.availableReplicas === 1 ? o : undefined;
                },
                logs,
            );
            expect(d.metadata.annotations?.["argocd.argoproj.io/tracking-id"]).toBe(
                `dev-${a}:apps/Deployment:${a}-dev/${a}`,
            );
        }
        expect((await getObject("configmap", "platform-settings", "platform-dev"))?.data).toMatchObject({
            ENVIRONMENT: "dev",
        });
    });

    it("notifies each channel once per app of the first sync (sync-succeeded, deployed), with the channel's credential", async () => {
        await settle();
        for (const name of ["dev-platform", "dev-guestbook", "dev-podinfo"]) {
            const posts = slackAbout("deploys-team", "Sync succeeded", name);
            expect(posts, `${name}: Slack`).toHaveLength(1);
            // The channel's own token, not the stack's default Slack token.
            expect(slackToken(posts[0])).toBe(SECRETS.deploys.token);
            const hooks = hookPosts(name);
            expect(
                hooks.map((h) => h.body.event),
                `${name}: webhook`,
            ).toEqual(["sync-succeeded"]);
            expect(hooks[0].body).toMatchObject({ project: "dev", revision: initialSha });
            // The Application's state when the message is sent: the controller may not have compared again yet
            // after the sync (seen here: OutOfSync in the sync-succeeded message), so either is the truth then.
            expect(["Synced", "OutOfSync"]).toContain(hooks[0].body.syncStatus);
            expect(hooks[0].req.headers.authorization).toBe(SECRETS.hook.headers.Authorization);
            const teams = interceptor.requests.filter(
                (r) => r.host === "api.powerautomate.com" && r.body.includes(`application ${name} `),
            );
            expect(teams, `${name}: Teams`).toHaveLength(1);
            expect(teams[0].path).toBe("/workflows/argocd-test");
            expect(teams[0].body).toContain("Deployed");
        }
        // The stack's default Slack channel (slackChannel) takes dev's failures and degradations only.
        expect(slackPosts("deploys-dev")).toEqual([]);
    });

    it("applies an image tag committed to Git once Argo CD refreshes (what the Git webhook triggers), and says so once", async () => {
        const sha = commitFile("podinfo dev: 6.7.1 -> 6.8.0", overlay("podinfo", "dev"), (t) =>
            t.replace(/newTag: 6\.7\.1 /, "newTag: 6.8.0 "),
        );
        const started = Date.now();
        await testbed.refresh("dev-podinfo");
        await waitFor(
            "podinfo's Deployment to carry the image tag 6.8.0",
            CHANGE_MS,
            async () => {
                const d = await getObject("deployment", "podinfo", "podinfo-dev");
                return d?.spec.template.spec.containers[0].image === "ghcr.io/stefanprodan/podinfo:6.8.0"
                    ? d
                    : undefined;
            },
            logs,
        );
        console.log(`image tag applied ${((Date.now() - started) / 1000).toFixed(1)} s after the refresh`);
        await syncedAt("dev-podinfo", sha, 180_000);
        // One success message for podinfo's new revision; none for the apps whose manifests did not change.
        await settle();
        expect(slackAbout("deploys-team", "Sync succeeded", "dev-podinfo")).toHaveLength(2);
        expect(hookPosts("dev-podinfo").map((h) => h.body.revision)).toEqual([initialSha, sha]);
        expect(slackAbout("deploys-team", "Sync succeeded", "dev-guestbook")).toHaveLength(1);
    });

    it("reverts a Deployment scaled by hand (selfHeal) and says so once on Slack (on-drift-corrected)", async () => {
        const before = slackPosts("deploys-team").length;
        await kubectl(["scale", "deployment/podinfo", "--replicas=3", "-n", "podinfo-dev"]);
        await waitFor(
            "Argo CD to set podinfo's replicas back to 1 (the dev overlay's count)",
            CHANGE_MS,
            async () =>
                (await getObject("deployment", "podinfo", "podinfo-dev"))?.spec.replicas === 1 ? true : undefined,
            logs,
        );
        // Argo CD's self-heal: an automated, selective sync of the drifted resources.
        const healed = await app("dev-podinfo");
        expect(healed?.status?.operationState?.operation?.sync?.autoHealAttemptsCount).toBeGreaterThanOrEqual(1);
        expect(healed?.status?.operationState?.operation?.sync?.resources).toEqual([
            { group: "apps", kind: "Deployment", name: "podinfo" },
        ]);
        const drift = await waitFor(
            "the drift-corrected notification on Slack",
            CHANGE_MS,
            async () => {
                const posts = slackAbout("deploys-team", "Manual change reverted by self-heal", "dev-podinfo");
                return posts.length > 0 ? posts : undefined;
            },
            logs,
        );
        expect(slackToken(drift[0])).toBe(SECRETS.deploys.token);
        // Exactly once for that self-heal, and a self-heal is no new success of the revision.
        await settle();
        expect(slackAbout("deploys-team", "Manual change reverted by self-heal", "dev-podinfo")).toHaveLength(1);
        expect(slackAbout("deploys-team", "Sync succeeded", "dev-podinfo")).toHaveLength(2);
        expect(slackPosts("deploys-team").length - before).toBe(1);
    });

    it("prunes an object removed from an app's folder, and keeps the rest", async () => {
        const sha = testbed.git.commit("podinfo: no Service", (work) => {
            const base = path.join(work, "apps/podinfo/base");
            fs.rmSync(path.join(base, "service.yaml"));
            const file = path.join(base, "kustomization.yaml");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("  - service.yaml\n", ""));
        });
        await testbed.refresh("dev-podinfo");
        await syncedAt("dev-podinfo", sha);
        expect(await getObject("service", "podinfo", "podinfo-dev")).toBeUndefined();
        expect(await getObject("deployment", "podinfo", "podinfo-dev")).toBeDefined();
    });

    it("reports the stack healthy through `npm run status`, read from the real controller's state", async () => {
        const report = status();
        expect(report.ok, JSON.stringify(report.objects, null, 1)).toBe(true);
        for (const name of ["dev-root", "dev-platform", "dev-guestbook", "dev-podinfo"]) {
            expect(report.objects.find((o) => o.name === name)).toMatchObject({
                kind: "Application",
                sync: "Synced",
                health: "Healthy",
                ok: true,
            });
        }
    });

    it("creates the Applications committed under environments/dev (app of apps), confined to the dev project", async () => {
        // A team adds an app through Git: its manifests, and its Application under the root's folder.
        const child = {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Application",
            metadata: { name: "dev-extra", namespace: ARGO_NS },
            spec: {
                project: "dev",
                source: { repoURL: testbed.git.url, targetRevision: "main", path: "apps/extra/overlays/dev" },
                destination: { server: "https://kubernetes.default.svc", namespace: "platform-dev" },
                syncPolicy: { automated: { prune: true, selfHeal: true } },
            },
        };
        // And one that tries the built-in default project, which the program emptied.
        const escapee = {
            ...child,
            metadata: { name: "dev-escapee", namespace: ARGO_NS },
            spec: { ...child.spec, project: "default" },
        };
        const sha = testbed.git.commit("dev: an app added through Git", (work) => {
            const dir = path.join(work, "apps/extra/overlays/dev");
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(
                path.join(dir, "kustomization.yaml"),
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: platform-dev\nresources:\n  - configmap.yaml\n",
            );
            fs.writeFileSync(
                path.join(dir, "configmap.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra-settings\ndata:\n  FROM: git\n",
            );
            const env = path.join(work, "environments/dev");
            fs.writeFileSync(path.join(env, "extra.yaml"), JSON.stringify(child, null, 1));
            fs.writeFileSync(path.join(env, "escapee.yaml"), JSON.stringify(escapee, null, 1));
            const file = path.join(env, "kustomization.yaml");
            fs.writeFileSync(
                file,
                fs.readFileSync(file, "utf8").replace("resources: []", "resources:\n  - extra.yaml\n  - escapee.yaml"),
            );
        });
        await testbed.refresh("dev-root");
        await syncedAt("dev-root", sha);
        await syncedAt("dev-extra", sha);
        expect((await getObject("configmap", "extra-settings", "platform-dev"))?.data).toEqual({ FROM: "git" });
        // The default project admits no repository: the escapee is created by the root but can deploy nothing.
        const refused = await appWhere("dev-escapee", "an InvalidSpecError", (a) =>
            (a.status?.conditions ?? []).some((c: { type: string }) => c.type === "InvalidSpecError"),
        );
        expect(JSON.stringify(refused.status?.conditions)).toMatch(/not permitted in project 'default'/);
    });

    it("fails a sync that leaves the project's namespaces or adds a cluster-scoped kind it does not allow, applying nothing, and alerts once", async () => {
        const sha = testbed.git.commit("podinfo dev: a ConfigMap in kube-system and a PriorityClass", (work) => {
            const dir = path.join(work, "apps/podinfo/overlays/dev");
            fs.writeFileSync(
                path.join(dir, "escape.yaml"),
                [
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-escape\n  namespace: kube-system\ndata:\n  x: y\n",
                    "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: podinfo-first\nvalue: 1000000\n",
                ].join("---\n"),
            );
            // kustomize's `namespace:` would move the ConfigMap back into podinfo-dev: the overlay drops it, and
            // Argo CD puts the namespaced objects without one into the destination namespace.
            const file = path.join(dir, "kustomization.yaml");
            fs.writeFileSync(
                file,
                fs
                    .readFileSync(file, "utf8")
                    .replace("namespace: podinfo-dev\n", "")
                    .replace("  - ../../base\n", "  - ../../base\n  - escape.yaml\n"),
            );
        });
        await testbed.refresh("dev-podinfo");
        const failed = await appWhere(
            "dev-podinfo",
            "the sync of the commit to fail",
            (a) =>
                ["Failed", "Error"].includes(a.status?.operationState?.phase) &&
                a.status?.operationState?.syncResult?.revision === sha,
        );
        const message = JSON.stringify(failed.status?.operationState);
        expect(message).toMatch(/namespace kube-system is not permitted in project 'dev'/);
        expect(message).toMatch(/resource scheduling\.k8s\.io:PriorityClass is not permitted in project dev/);
        // Nothing of it was applied.
        expect(await getObject("configmap", "podinfo-escape", "kube-system")).toBeUndefined();
        expect(await getObject("priorityclass", "podinfo-first")).toBeUndefined();

        await settle();
        // Exactly one failure alert per channel subscribed to sync-failed.
        for (const channel of ["deploys-team", "deploys-dev"]) {
            const posts = slackAbout(channel, "Sync failed", "dev-podinfo");
            expect(posts, channel).toHaveLength(1);
            expect(slackToken(posts[0])).toBe(channel === "deploys-dev" ? SLACK_TOKEN : SECRETS.deploys.token);
        }
        expect(hookPosts("dev-podinfo").filter((h) => h.body.event === "sync-failed")).toHaveLength(1);
        const mail = mailAbout("dev-podinfo", "Sync failed");
        expect(mail).toHaveLength(1);
        expect(mail[0]).toMatchObject({ auth: `argocd:${SECRETS.mail.password}`, from: "argocd@acme.example" });
        expect(mail[0].to).toEqual(["oncall@acme.example"]);

        // `npm run status` names the Application and why.
        const report = status();
        const podinfo = report.objects.find((o) => o.name === "dev-podinfo")!;
        expect(podinfo.ok).toBe(false);
        expect(podinfo.findings.map((f) => f.class)).toContain("sync-failed");
        expect(JSON.stringify(podinfo.findings)).toMatch(/not permitted in project/);

        // Back to what Git had: the next commit syncs again.
        const fixed = testbed.git.commit("podinfo dev: revert the escape", (work) => {
            const dir = path.join(work, "apps/podinfo/overlays/dev");
            fs.rmSync(path.join(dir, "escape.yaml"));
            const file = path.join(dir, "kustomization.yaml");
            fs.writeFileSync(
                file,
                fs
                    .readFileSync(file, "utf8")
                    .replace("  - escape.yaml\n", "")
                    .replace("kind: Kustomization\n", "kind: Kustomization\nnamespace: podinfo-dev\n"),
            );
        });
        await testbed.refresh("dev-podinfo");
        await syncedAt("dev-podinfo", fixed);
    });

    it("reports a Deployment that cannot roll out as Degraded, once per channel subscribed to it", async () => {
        const sha = commitFile("podinfo dev: pods that fit no node", overlay("podinfo", "dev"), (t) =>
            t.replace(
                /replicas:\n/,
                [
                    "patches:",
                    "  - target: { kind: Deployment, name: podinfo }",
                    "    patch: |-",
                    "      - op: add",
                    "        path: /spec/progressDeadlineSeconds",
                    "        value: 10",
                    "      - op: add",
                    "        path: /spec/template/spec/nodeSelector",
                    '        value: { "gitops-stack.io/no-such-node": "true" }',
                    "replicas:\n",
                ].join("\n"),
            ),
        );
        await testbed.refresh("dev-podinfo");
        await appWhere(
            "dev-podinfo",
            "Degraded at the commit",
            (a) => a.status?.health?.status === "Degraded" && a.status?.sync?.revision === sha,
        );
        await waitFor(
            "the health-degraded alerts",
            CHANGE_MS,
            async () => (pagerDutyEvents("dev-podinfo").length > 0 ? true : undefined),
            logs,
        );
        await settle(15_000);
        for (const channel of ["deploys-team", "deploys-dev"])
            expect(slackAbout(channel, "Health degraded", "dev-podinfo"), channel).toHaveLength(1);
        expect(mailAbout("dev-podinfo", "Health degraded")).toHaveLength(1);
        const [event, ...more] = pagerDutyEvents("dev-podinfo");
        expect(more).toEqual([]);
        expect(event).toMatchObject({
            routing_key: SECRETS.oncall.routingKey,
            event_action: "trigger",
            dedup_key: "argocd-dev-podinfo-health-degraded",
            payload: { severity: "critical", source: "https://kubernetes.default.svc", group: "dev" },
        });

        const report = status();
        const podinfo = report.objects.find((o) => o.name === "dev-podinfo")!;
        expect(podinfo).toMatchObject({ health: "Degraded", ok: false });
        expect(podinfo.findings.map((f) => f.class)).toContain("unhealthy");

        const fixed = commitFile("podinfo dev: pods that fit", overlay("podinfo", "dev"), (t) =>
            t.replace(/patches:\n(.*\n)*?replicas:\n/, "replicas:\n"),
        );
        await testbed.refresh("dev-podinfo");
        await syncedAt("dev-podinfo", fixed, 180_000);
    });

    it("fails with Argo CD's own error when the repository refuses the deploy key, and `npm run status` says so", async () => {
        const secret = testbed.run.objects.find((o) => o.object.metadata.name === "gitops-repo-repository")!.object;
        const { key } = testbed.git.strangers();
        await applyObjects(
            [{ ...secret, stringData: { ...(secret.stringData as Record<string, string>), sshPrivateKey: key } }],
            "pulumi-kubernetes",
        );
        await testbed.refresh("dev-guestbook", "hard");
        const broken = await appWhere("dev-guestbook", "a ComparisonError", (a) =>
            (a.status?.conditions ?? []).some((c: { type: string }) => c.type === "ComparisonError"),
        );
        expect(JSON.stringify(broken.status?.conditions)).toMatch(/ssh: handshake failed|unable to authenticate/);
        expect(testbed.git.log()).toMatch(/gitserver: rejected key SHA256:/);

        const report = status();
        const guestbook = report.objects.find((o) => o.name === "dev-guestbook")!;
        const auth = guestbook.findings.find((f) => f.class === "authentication");
        expect(auth, JSON.stringify(guestbook.findings)).toBeDefined();
        expect(auth!.cause).toContain(testbed.git.url);
        // The fix names the key the cluster holds (its fingerprint), never the key itself.
        expect(JSON.stringify(report)).not.toContain("PRIVATE KEY");

        // The stack's Secret back: Argo CD reads the repository again.
        await applyObjects([secret], "pulumi-kubernetes");
        await testbed.refresh("dev-guestbook", "hard");
        await appWhere(
            "dev-guestbook",
            "no ComparisonError",
            (a) => !(a.status?.conditions ?? []).some((c: { type: string }) => c.type === "ComparisonError"),
        );
    });

    it("deletes a dev Application's workloads with it (the cascade finalizer), and the Application goes", async () => {
        expect((await app("dev-guestbook"))?.metadata.finalizers).toEqual(["resources-finalizer.argocd.argoproj.io"]);
        await kubectl(["delete", APPLICATIONS, "dev-guestbook", "-n", ARGO_NS, "--wait", "--timeout=90s"]);
        expect(await app("dev-guestbook")).toBeUndefined();
        await waitFor(
            "guestbook's Deployment and Service to be deleted",
            CHANGE_MS,
            async () =>
                (await getObject("deployment", "guestbook", "guestbook-dev")) === undefined &&
                (await getObject("service", "guestbook", "guestbook-dev")) === undefined
                    ? true
                    : undefined,
            logs,
        );
    });
});
