import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { isSecretValue } from "../../src/offline/mockRun";
import { TEST_SECRETS, byType, customResources, findOne, plain, runStack } from "../support/stacks";

const valuesOf = async (stack: string, config: string[] = []) => {
    const run = await runStack(stack, { config });
    return {
        run,
        values: plain(findOne(run.resources, "kubernetes:helm.sh/v3:Release", "argocd").inputs.values) as any,
    };
};

describe("Slack notifications", () => {
    it("configures the Slack service with the token from argocd-notifications-secret", async () => {
        const { run, values } = await valuesOf("dev");
        expect(values.notifications.enabled).toBe(true);
        expect(values.notifications.argocdUrl).toBe("https://argocd.dev.acme.example");
        expect(values.notifications.notifiers).toEqual({ "service.slack": "token: $slack-token\n" });
        expect(values.notifications.secret).toEqual({ create: false });
        const secret = findOne(run.resources, "kubernetes:core/v1:Secret", "argocd-notifications-secret");
        expect(plain(secret.inputs.metadata)).toMatchObject({
            name: "argocd-notifications-secret",
            namespace: "argocd",
        });
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        expect(plain(secret.inputs.stringData)).toEqual({ "slack-token": TEST_SECRETS.slackToken });
        expect(JSON.stringify(values)).not.toContain(TEST_SECRETS.slackToken);
    });

    it("defines the templates and triggers of all seven events in every environment, linking to the application", async () => {
        // dev subscribes to two of them; the others exist for Applications that subscribe with their own annotation.
        const { values } = await valuesOf("dev");
        expect(Object.keys(values.notifications.triggers).sort()).toEqual([
            "trigger.on-deployed",
            "trigger.on-drift-corrected",
            "trigger.on-health-degraded",
            "trigger.on-out-of-sync",
            "trigger.on-sync-failed",
            "trigger.on-sync-status-unknown",
            "trigger.on-sync-succeeded",
        ]);
        expect(Object.keys(values.notifications.templates).sort()).toEqual([
            "template.app-deployed",
            "template.app-drift-corrected",
            "template.app-health-degraded",
            "template.app-out-of-sync",
            "template.app-sync-failed",
            "template.app-sync-status-unknown",
            "template.app-sync-succeeded",
        ]);
        const failed = YAML.parse(values.notifications.triggers["trigger.on-sync-failed"]);
        expect(failed).toEqual([
            {
                description: "Application syncing has failed",
                send: ["app-sync-failed"],
                when: "app.status?.operationState?.phase in ['Error', 'Failed']",
                // Once per revision (duplicate alerts are the most common complaint about Argo CD notifications).
                oncePer: "app.status?.operationState?.syncResult?.revision ?? app.status?.sync?.revision",
            },
        ]);
        const deployed = YAML.parse(values.notifications.triggers["trigger.on-deployed"]);
        expect(deployed[0].oncePer).toBe("app.status?.operationState?.syncResult?.revision");
        const template = YAML.parse(values.notifications.templates["template.app-health-degraded"]);
        expect(template.message).toContain("{{.context.argocdUrl}}/applications/{{.app.metadata.name}}");
        expect(JSON.parse(template.slack.attachments)[0].title_link).toBe(
            "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}",
        );
    });

    it("routes each environment to its channel through the AppProject's subscriptions", async () => {
        const expected: Record<string, Record<string, string>> = {
            dev: {
                "notifications.argoproj.io/subscribe.on-sync-failed.slack": "deploys-dev",
                "notifications.argoproj.io/subscribe.on-health-degraded.slack": "deploys-dev",
                "notifications.argoproj.io/subscribe.on-drift-corrected.slack": "deploys-dev",
            },
            staging: {
                "notifications.argoproj.io/subscribe.on-sync-failed.slack": "deploys-staging",
                "notifications.argoproj.io/subscribe.on-health-degraded.slack": "deploys-staging",
                "notifications.argoproj.io/subscribe.on-deployed.slack": "deploys-staging",
                "notifications.argoproj.io/subscribe.on-drift-corrected.slack": "deploys-staging",
            },
            // Prod (manual sync) also learns of changes waiting in Git and of a sync status Argo CD cannot determine.
            prod: {
                "notifications.argoproj.io/subscribe.on-sync-failed.slack": "deploys-prod",
                "notifications.argoproj.io/subscribe.on-health-degraded.slack": "deploys-prod",
                "notifications.argoproj.io/subscribe.on-deployed.slack": "deploys-prod",
                "notifications.argoproj.io/subscribe.on-sync-succeeded.slack": "deploys-prod",
                "notifications.argoproj.io/subscribe.on-drift-corrected.slack": "deploys-prod",
                "notifications.argoproj.io/subscribe.on-out-of-sync.slack": "deploys-prod",
                "notifications.argoproj.io/subscribe.on-sync-status-unknown.slack": "deploys-prod",
            },
        };
        for (const [stack, annotations] of Object.entries(expected)) {
            const { run } = await valuesOf(stack);
            const project = customResources(run.resources, "AppProject").find((p) => p.metadata.name === stack)!;
            expect(project.metadata.annotations).toEqual(annotations);
        }
    });

    it("takes the channel and events from config", async () => {
        const { run, values } = await valuesOf("dev", ["slackChannel=#platform-alerts", 'slackTriggers=["deployed"]']);
        // The triggers all exist; only the subscription follows slackTriggers.
        expect(Object.keys(values.notifications.triggers)).toHaveLength(7);
        const project = customResources(run.resources, "AppProject").find((p) => p.metadata.name === "dev")!;
        expect(project.metadata.annotations).toEqual({
            "notifications.argoproj.io/subscribe.on-deployed.slack": "platform-alerts",
        });
    });

    it("is cleanly off without a Slack channel: no notifier, no secret, no annotation", async () => {
        const { run, values } = await valuesOf("dev", ["slackChannel="]);
        expect(values.notifications).toEqual({ enabled: false });
        expect(byType(run.resources, "kubernetes:core/v1:Secret").map((s) => s.name)).toEqual(["repo"]);
        for (const object of [
            ...customResources(run.resources, "AppProject"),
            ...customResources(run.resources, "Application"),
        ]) {
            expect(JSON.stringify(object.metadata.annotations ?? {})).not.toContain("notifications.argoproj.io");
        }
    });
});
