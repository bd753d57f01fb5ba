import YAML from "yaml";
import type { SlackConfig, SlackEvent } from "../config/types";

interface EventSpec {
    /** Trigger name, as in the Argo CD notifications catalog (notifications_catalog/triggers). */
    readonly trigger: string;
    readonly template: string;
    readonly description: string;
    readonly when: string;
    readonly oncePer?: string;
    readonly color: string;
    readonly title: string;
}

/** The four events a stack can route to Slack, with the catalog's conditions. */
export const ARGO_EVENTS: Readonly<Record<SlackEvent, EventSpec>> = {
    "sync-succeeded": {
        trigger: "on-sync-succeeded",
        template: "app-sync-succeeded",
        description: "Application syncing has succeeded",
        when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded']",
        color: "#18be52",
        title: "Sync succeeded",
    },
    "sync-failed": {
        trigger: "on-sync-failed",
        template: "app-sync-failed",
        description: "Application syncing has failed",
        when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
        color: "#E96D76",
        title: "Sync failed",
    },
    "health-degraded": {
        trigger: "on-health-degraded",
        template: "app-health-degraded",
        description: "Application has degraded",
        when: "app.status.health.status == 'Degraded'",
        color: "#f4c030",
        title: "Health degraded",
    },
    // The catalog also requires `!time.Parse(app.status.health.lastTransitionTime).Before(...finishedAt)`. Argo CD 3
    // leaves lastTransitionTime unset unless resource health is persisted, and time.Parse(nil) fails the whole
    // trigger, so this keeps the condition without it: healthy after a successful sync, once per revision.
    deployed: {
        trigger: "on-deployed",
        template: "app-deployed",
        description: "Application is synced and healthy. Triggered once per commit.",
        when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'",
        oncePer: "app.status.operationState?.syncResult?.revision",
        color: "#18be52",
        title: "Deployed",
    },
};

const APP_LINK = "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}";

function template(spec: EventSpec): string {
    const fields = [
        { title: "Application", value: "{{.app.metadata.name}}", short: true },
        { title: "Project", value: "{{.app.spec.project}}", short: true },
        { title: "Sync status", value: "{{.app.status.sync.status}}", short: true },
        { title: "Health", value: "{{.app.status.health.status}}", short: true },
        { title: "Revision", value: "{{.app.status.sync.revision}}", short: false },
    ];
    return YAML.stringify({
        message: `${spec.title}: application {{.app.metadata.name}} ({{.app.spec.project}}). <${APP_LINK}|Open in Argo CD>`,
        slack: {
            attachments: JSON.stringify([
                { title: "{{.app.metadata.name}}", title_link: APP_LINK, color: spec.color, fields },
            ]),
        },
    });
}

function trigger(spec: EventSpec): string {
    const condition: Record<string, unknown> = {
        description: spec.description,
        send: [spec.template],
        when: spec.when,
    };
    if (spec.oncePer) condition.oncePer = spec.oncePer;
    return YAML.stringify([condition]);
}

/**
 * The argo-cd chart's `notifications` values for Slack. The token is not in the values: it lives in
 * argocd-notifications-secret (key slack-token), which the program creates from the Pulumi secret.
 *
 * Every event gets its template and trigger in every environment; which of them reach the environment's channel is
 * decided by the subscriptions (see subscriptionAnnotations), so a team can subscribe one Application to another
 * event with an annotation of its own.
 */
export function notificationsValues(enabled: boolean, argocdUrl: string | undefined): Record<string, unknown> {
    if (!enabled) return { enabled: false };
    const specs = Object.values(ARGO_EVENTS);
    return {
        enabled: true,
        argocdUrl,
        secret: { create: false },
        notifiers: { "service.slack": "token: $slack-token\n" },
        templates: Object.fromEntries(specs.map((s) => [`template.${s.template}`, template(s)])),
        triggers: Object.fromEntries(specs.map((s) => [`trigger.${s.trigger}`, trigger(s)])),
    };
}

/** Subscription annotations that route this environment's events to its channel (set on its AppProject). */
export function subscriptionAnnotations(slack: SlackConfig | undefined): Record<string, string> {
    if (!slack) return {};
    return Object.fromEntries(
        slack.events.map((e) => [`notifications.argoproj.io/subscribe.${ARGO_EVENTS[e].trigger}.slack`, slack.channel]),
    );
}
