import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { isSecretValue } from "../../src/offline/mockRun";
import { TEST_SECRETS, customResources, findOne, plain, runStack, stackConfig } from "../support/stacks";

const CHANNELS = [
    { type: "slack", name: "deploys", channel: "deploys-team", events: ["sync-failed", "drift-corrected"] },
    {
        type: "email",
        name: "mail",
        to: ["oncall@acme.example", "platform@acme.example"],
        smtpHost: "smtp.acme.example",
        smtpPort: 587,
        from: "argocd@acme.example",
        username: "argocd",
        events: ["sync-failed", "health-degraded"],
    },
    { type: "teams", name: "teams", events: ["deployed"] },
    { type: "webhook", name: "hook", headers: ["Authorization"], events: ["sync-failed", "out-of-sync"] },
    { type: "pagerduty", name: "oncall", events: ["health-degraded", "sync-unknown"] },
];
const channelsConfig = (list: unknown[]) => ({ "gitops-stack:alertChannels": JSON.stringify(list) });
const SECRETS = JSON.parse(TEST_SECRETS.alertSecrets);
const ALL_SECRET_VALUES = [
    TEST_SECRETS.slackToken,
    SECRETS.deploys.token,
    SECRETS.mail.password,
    SECRETS.teams.url,
    SECRETS.hook.url,
    SECRETS.hook.headers.Authorization,
    SECRETS.oncall.routingKey,
];

const runWith = (stack: string, extra: string[] = [], list: unknown[] = CHANNELS) =>
    runStack(stack, { raw: channelsConfig(list), config: extra });
const valuesOf = (run: Awaited<ReturnType<typeof runStack>>) =>
    plain(findOne(run.resources, "kubernetes:helm.sh/v3:Release", "argocd").inputs.values) as any;

describe("Argo CD alert channels", () => {
    it("configures one service per channel, every credential a $reference to argocd-notifications-secret", async () => {
        const run = await runWith("staging");
        const notifiers = valuesOf(run).notifications.notifiers;
        expect(Object.keys(notifiers).sort()).toEqual([
            "service.email.mail",
            "service.pagerdutyv2.oncall",
            "service.slack",
            "service.slack.deploys",
            "service.teams-workflows.teams",
            "service.webhook.hook",
        ]);
        expect(YAML.parse(notifiers["service.slack.deploys"])).toEqual({ token: "$deploys-slack-token" });
        expect(YAML.parse(notifiers["service.email.mail"])).toEqual({
            host: "smtp.acme.example",
            port: 587,
            from: "argocd@acme.example",
            username: "argocd",
            password: "$mail-email-password",
        });
        expect(YAML.parse(notifiers["service.teams-workflows.teams"])).toEqual({
            recipientUrls: { teams: "$teams-teams-url" },
        });
        expect(YAML.parse(notifiers["service.webhook.hook"])).toEqual({
            url: "$hook-webhook-url",
            headers: [{ name: "Authorization", value: "$hook-webhook-header-0" }],
        });
        expect(YAML.parse(notifiers["service.pagerdutyv2.oncall"])).toEqual({
            serviceKeys: { oncall: "$oncall-pagerduty-routing-key" },
        });

        const secret = findOne(run.resources, "kubernetes:core/v1:Secret", "argocd-notifications-secret");
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        expect(plain(secret.inputs.stringData)).toEqual({
            "slack-token": TEST_SECRETS.slackToken,
            "deploys-slack-token": SECRETS.deploys.token,
            "mail-email-password": SECRETS.mail.password,
            "teams-teams-url": SECRETS.teams.url,
            "hook-webhook-url": SECRETS.hook.url,
            "hook-webhook-header-0": SECRETS.hook.headers.Authorization,
            "oncall-pagerduty-routing-key": SECRETS.oncall.routingKey,
        });
        // No credential reaches the Helm values, the ConfigMap values or any annotation in clear.
        const clear = JSON.stringify(
            run.resources
                .filter((r) => r.name !== "argocd-notifications-secret")
                .map((r) => plain({ ...r.inputs, stringData: undefined })),
        );
        for (const v of ALL_SECRET_VALUES) expect(clear).not.toContain(v);
    });

    it("routes each channel's own events through the AppProject's subscriptions", async () => {
        const run = await runWith("staging");
        const project = customResources(run.resources, "AppProject").find((p) => p.metadata.name === "staging")!;
        const sub = "notifications.argoproj.io/subscribe.";
        expect(project.metadata.annotations).toEqual({
            // The Slack keys' channel, with the tier's events.
            [`${sub}on-sync-failed.slack`]: "deploys-staging",
            [`${sub}on-health-degraded.slack`]: "deploys-staging",
            [`${sub}on-deployed.slack`]: "deploys-staging",
            [`${sub}on-drift-corrected.slack`]: "deploys-staging",
            [`${sub}on-sync-failed.deploys`]: "deploys-team",
            [`${sub}on-drift-corrected.deploys`]: "deploys-team",
            [`${sub}on-sync-failed.mail`]: "oncall@acme.example;platform@acme.example",
            [`${sub}on-health-degraded.mail`]: "oncall@acme.example;platform@acme.example",
            [`${sub}on-deployed.teams`]: "teams",
            [`${sub}on-sync-failed.hook`]: "",
            [`${sub}on-out-of-sync.hook`]: "",
            [`${sub}on-health-degraded.oncall`]: "oncall",
            [`${sub}on-sync-status-unknown.oncall`]: "oncall",
        });
    });

    it("gives every template a section for each service type and a JSON body for each webhook", async () => {
        const run = await runWith("dev");
        const templates = valuesOf(run).notifications.templates;
        const failed = YAML.parse(templates["template.app-sync-failed"]);
        expect(failed.email.subject).toBe("Sync failed: application {{.app.metadata.name}} ({{.app.spec.project}})");
        expect(failed["teams-workflows"].title).toBe(failed.email.subject);
        // Slack's link syntax only for Slack; e-mail and Teams get the plain URL.
        expect(failed.message).toBe(
            'Sync failed: application {{.app.metadata.name}} ({{.app.spec.project}}). {{if eq .serviceType "slack"}}<{{.context.argocdUrl}}/applications/{{.app.metadata.name}}|Open in Argo CD>{{else}}{{.context.argocdUrl}}/applications/{{.app.metadata.name}}{{end}}',
        );
        expect(failed.pagerdutyv2).toMatchObject({
            severity: "error",
            source: "{{.app.spec.destination.server}}",
            dedupKey: "argocd-{{.app.metadata.name}}-sync-failed",
        });
        expect(failed.webhook.hook.method).toBe("POST");
        expect(JSON.parse(failed.webhook.hook.body)).toMatchObject({
            event: "sync-failed",
            application: "{{.app.metadata.name}}",
            url: "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}",
        });
        expect(YAML.parse(templates["template.app-health-degraded"]).pagerdutyv2.severity).toBe("critical");
    });

    it("alerts on pending changes, an unknown sync status and a reverted manual change", async () => {
        const run = await runWith("prod");
        const triggers = valuesOf(run).notifications.triggers;
        const outOfSync = YAML.parse(triggers["trigger.on-out-of-sync"])[0];
        expect(outOfSync).toMatchObject({
            send: ["app-out-of-sync"],
            when: "app.status?.sync?.status == 'OutOfSync'",
            oncePer: "app.status?.sync?.revision",
        });
        expect(YAML.parse(triggers["trigger.on-sync-status-unknown"])[0].when).toBe(
            "app.status?.sync?.status == 'Unknown'",
        );
        const drift = YAML.parse(triggers["trigger.on-drift-corrected"])[0];
        expect(drift.send).toEqual(["app-drift-corrected"]);
        for (const clause of [
            "app.status?.operationState?.phase in ['Succeeded']",
            "app.status?.operationState?.operation?.initiatedBy?.automated == true",
            "app.status?.health?.status == 'Healthy'",
            // A self-heal is the automated sync Argo CD counts in autoHealAttemptsCount; it never shows in the
            // history (selective syncs are not recorded): the history only tells when the last full sync ended.
            "(app.status?.operationState?.operation?.sync?.autoHealAttemptsCount ?? 0) > 0",
        ])
            expect(drift.when).toContain(clause);
        // Not Argo CD re-applying what its last full sync wrote, before its cache caught up.
        expect(drift.when).toContain(
            "time.Parse(app.status.operationState.startedAt).Sub(time.Parse(app.status.history[len(app.status.history)-1].deployedAt)).Seconds() >= 10",
        );
        expect(drift.when).not.toMatch(/history\[len\(app\.status\.history\)-2\]/);
        expect(drift.oncePer).toBe("app.status?.operationState?.finishedAt");
    });

    it("subscribes prod's default channel to out-of-sync, sync-unknown and drift-corrected", async () => {
        const run = await runWith("prod", [], [{ type: "pagerduty", name: "oncall" }]);
        const project = customResources(run.resources, "AppProject").find((p) => p.metadata.name === "prod")!;
        expect(
            Object.keys(project.metadata.annotations)
                .filter((k) => k.endsWith(".oncall"))
                .sort(),
        ).toEqual(
            [
                "on-deployed",
                "on-drift-corrected",
                "on-health-degraded",
                "on-out-of-sync",
                "on-sync-failed",
                "on-sync-status-unknown",
                "on-sync-succeeded",
            ].map((t) => `notifications.argoproj.io/subscribe.${t}.oncall`),
        );
    });

    it("patches the same keys into an existing install's argocd-notifications-secret and ConfigMap", async () => {
        const run = await runWith("staging", ["operatorInstall=existing"]);
        const patch = findOne(run.resources, "kubernetes:core/v1:SecretPatch", "argocd-notifications-secret");
        expect(isSecretValue(patch.inputs.stringData)).toBe(true);
        expect(Object.keys(plain(patch.inputs.stringData) as object).sort()).toEqual([
            "deploys-slack-token",
            "hook-webhook-header-0",
            "hook-webhook-url",
            "mail-email-password",
            "oncall-pagerduty-routing-key",
            "slack-token",
            "teams-teams-url",
        ]);
        const cm = findOne(run.resources, "kubernetes:core/v1:ConfigMapPatch", "argocd-argocd-notifications-cm");
        const data = plain(cm.inputs.data) as Record<string, string>;
        expect(Object.keys(data)).toEqual(
            expect.arrayContaining([
                "service.pagerdutyv2.oncall",
                "service.webhook.hook",
                "trigger.on-drift-corrected",
            ]),
        );
        for (const v of ALL_SECRET_VALUES) expect(JSON.stringify(data)).not.toContain(v);
    });

    it("turns notifications on with alertChannels alone (no Slack keys)", async () => {
        const run = await runStack("dev", {
            raw: channelsConfig([{ type: "teams", name: "teams" }]),
            config: ["slackChannel="],
        });
        const values = valuesOf(run);
        expect(values.notifications.enabled).toBe(true);
        expect(Object.keys(values.notifications.notifiers)).toEqual(["service.teams-workflows.teams"]);
        const secret = findOne(run.resources, "kubernetes:core/v1:Secret", "argocd-notifications-secret");
        expect(plain(secret.inputs.stringData)).toEqual({ "teams-teams-url": SECRETS.teams.url });
    });
});

/**
 * The paths of a Secret whose change makes pulumi-kubernetes replace it rather than update it in place: its identity,
 * and, unless the provider runs with enableSecretMutable, its contents (pulumi-kubernetes
 * provider/pkg/provider/diff.go `forceNewProperties`, read there: the provider itself does not run here).
 */
const secretReplaceKeys = (enableSecretMutable: boolean) => [
    "metadata.name",
    "metadata.namespace",
    "type",
    ...(enableSecretMutable ? [] : ["data", "stringData"]),
];

/** The dotted paths (objects descended, leaves and arrays whole) where two inputs differ. */
function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
        return keys.flatMap((k) => changedPaths((a as any)[k], (b as any)[k], prefix === "" ? k : `${prefix}.${k}`));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

describe("argocd-notifications-secret on a channel or token change (issue 25 §3)", () => {
    const secretOf = (run: Awaited<ReturnType<typeof runStack>>) =>
        findOne(run.resources, "kubernetes:core/v1:Secret", "argocd-notifications-secret");

    it.each([
        ["a channel added", (list: unknown[]) => runWith("dev", [], list), CHANNELS.slice(0, 2), CHANNELS],
        [
            "a token changed",
            (list: unknown[]) =>
                runStack("dev", {
                    raw: channelsConfig(list),
                    secrets: { slackToken: list === CHANNELS ? "xoxb-rotated-4f1c" : TEST_SECRETS.slackToken },
                }),
            CHANNELS.slice(0, 1),
            CHANNELS,
        ],
    ])(
        "is updated in place for %s: only its data changes, and every stack's provider may mutate Secrets",
        async (_, run, before, after) => {
            const [old, changed] = [await run(before), await run(after)];
            const [a, b] = [secretOf(old), secretOf(changed)];
            expect(b.urn).toBe(a.urn);
            const paths = changedPaths(plain(a.inputs), plain(b.inputs));
            expect(paths.length).toBeGreaterThan(0);
            expect(paths.every((p) => p.startsWith("stringData."))).toBe(true);
            // What pulumi-kubernetes would do with that diff: the project's settings make it an update...
            const mutable = stackConfig("dev").values["kubernetes:enableSecretMutable"] === "true";
            expect(mutable).toBe(true);
            const replaces = (m: boolean) =>
                paths.filter((p) => secretReplaceKeys(m).some((k) => p === k || p.startsWith(`${k}.`)));
            expect(replaces(mutable)).toEqual([]);
            // ...where the provider's default (Secrets immutable) replaced it: delete first (fixed name), then create.
            expect(replaces(false).length).toBeGreaterThan(0);
        },
    );
});
