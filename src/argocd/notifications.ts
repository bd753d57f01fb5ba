import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import type { AlertChannel, AlertCredentials, AlertEvent, SlackConfig } from "../config/types";

interface EventSpec {
    /** Trigger name, as in the Argo CD notifications catalog (notifications_catalog/triggers) where it has one. */
    readonly trigger: string;
    readonly template: string;
    readonly description: string;
    readonly when: string;
    readonly oncePer?: string;
    readonly color: string;
    readonly title: string;
    /** PagerDuty Events API v2 severity. */
    readonly severity: "critical" | "error" | "warning" | "info";
}

/** The last sync of every resource (Argo CD appends one history entry per full sync, oldest first). */
const LAST_FULL_SYNC = "app.status.history[len(app.status.history)-1]";
/** A self-heal this soon after a full sync re-applies what that sync wrote (see drift-corrected). */
export const SELF_HEAL_SETTLE_SECONDS = 10;

/**
 * Every event a channel can route, with its trigger's condition. Conditions read `app.status?.` and `?.` below it:
 * a just-created Application has no status yet, and the expression engine fails a condition that reads a field of
 * nil ("cannot fetch operationState from <nil>"), logging an error for every trigger of every new Application.
 */
export const ARGO_EVENTS: Readonly<Record<AlertEvent, EventSpec>> = {
    "sync-succeeded": {
        trigger: "on-sync-succeeded",
        template: "app-sync-succeeded",
        description: "Application syncing has succeeded",
        when: "app.status?.operationState?.phase in ['Succeeded']",
        // Once per synced revision: a self-heal or a repeated sync of the same commit does not notify again (the
        // catalog's trigger has no oncePer, so every sync of any kind did).
        oncePer: "app.status?.operationState?.syncResult?.revision",
        color: "#18be52",
        title: "Sync succeeded",
        severity: "info",
    },
    "sync-failed": {
        trigger: "on-sync-failed",
        template: "app-sync-failed",
        description: "Application syncing has failed",
        when: "app.status?.operationState?.phase in ['Error', 'Failed']",
        // Once per revision that failed: the revision the sync ran at, or (when it failed before it started, e.g.
        // manifests that do not build) the revision Argo CD compared with.
        oncePer: "app.status?.operationState?.syncResult?.revision ?? app.status?.sync?.revision",
        color: "#E96D76",
        title: "Sync failed",
        severity: "error",
    },
    "health-degraded": {
        trigger: "on-health-degraded",
        template: "app-health-degraded",
        description: "Application has degraded",
        when: "app.status?.health?.status == 'Degraded'",
        // Once per revision: an app that flaps between Degraded and Progressing at one commit alerts once.
        oncePer: "app.status?.sync?.revision",
        color: "#f4c030",
        title: "Health degraded",
        severity: "critical",
    },
    // The catalog also requires `!time.Parse(app.status.health.lastTransitionTime).Before(...finishedAt)`. Argo CD 3
    // leaves lastTransitionTime unset unless resource health is persisted, and time.Parse(nil) fails the whole
    // trigger, so this keeps the condition without it: healthy after a successful sync, once per revision.
    deployed: {
        trigger: "on-deployed",
        template: "app-deployed",
        description: "Application is synced and healthy. Triggered once per commit.",
        when: "app.status?.operationState?.phase in ['Succeeded'] and app.status?.health?.status == 'Healthy'",
        oncePer: "app.status?.operationState?.syncResult?.revision",
        color: "#18be52",
        title: "Deployed",
        severity: "info",
    },
    // Not in the catalog. Where syncs are manual (prod), OutOfSync means a commit is waiting for a person to sync it:
    // once per waiting revision, so a second commit on top of the first notifies again and nothing repeats.
    "out-of-sync": {
        trigger: "on-out-of-sync",
        template: "app-out-of-sync",
        description: "Application has changes in Git waiting to be synced. Triggered once per revision.",
        when: "app.status?.sync?.status == 'OutOfSync'",
        oncePer: "app.status?.sync?.revision",
        color: "#f4c030",
        title: "Changes waiting to be synced",
        severity: "info",
    },
    // The catalog's on-sync-status-unknown condition: Argo CD cannot compare (repository unreachable, manifests fail
    // to build). Without the catalog's oncePer (the last synced revision), so a second episode at that revision alerts.
    "sync-unknown": {
        trigger: "on-sync-status-unknown",
        template: "app-sync-status-unknown",
        description: "Application status is 'Unknown'",
        when: "app.status?.sync?.status == 'Unknown'",
        color: "#E96D76",
        title: "Sync status unknown",
        severity: "warning",
    },
    // Self-heal: Argo CD's automated sync that re-applies what drifted from the revision it had already synced.
    // The application controller starts it only when that revision's last sync succeeded, counts it in
    // operation.sync.autoHealAttemptsCount and lists the drifted resources in operation.sync.resources
    // (controller/appcontroller.go autoSync). Such a selective sync is not appended to status.history (only a sync of
    // every resource is: controller/sync.go), so the history cannot show it; an automated sync of a new commit and a
    // person's sync carry no autoHealAttemptsCount. Right after a full sync, the controller may compare with a cache
    // that has not seen its own writes yet and "heal" the objects it just applied (seen with v3.2.11 within a second
    // of an app's first sync): a self-heal that starts within SELF_HEAL_SETTLE_SECONDS of the last full sync's end
    // (the history's deployedAt) is that, not a change someone made. Checked against Argo CD v3.2.11's controllers
    // (tests/cluster/argocd-reconcile.test.ts). Once per finished sync.
    "drift-corrected": {
        trigger: "on-drift-corrected",
        template: "app-drift-corrected",
        description: "Self-heal reverted a change made in the cluster outside Git",
        when: [
            "app.status?.operationState?.phase in ['Succeeded']",
            "app.status?.operationState?.operation?.initiatedBy?.automated == true",
            "(app.status?.operationState?.operation?.sync?.autoHealAttemptsCount ?? 0) > 0",
            "app.status?.health?.status == 'Healthy'",
            "len(app.status?.history ?? []) > 0",
            "app.status.operationState.startedAt != nil",
            `${LAST_FULL_SYNC}.deployedAt != nil`,
            `time.Parse(app.status.operationState.startedAt).Sub(time.Parse(${LAST_FULL_SYNC}.deployedAt)).Seconds() >= ${SELF_HEAL_SETTLE_SECONDS}`,
        ].join(" and "),
        oncePer: "app.status?.operationState?.finishedAt",
        color: "#f4c030",
        title: "Manual change reverted by self-heal",
        severity: "warning",
    },
};

const APP_LINK = "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}";

function template(spec: EventSpec, event: AlertEvent, webhooks: readonly string[]): string {
    const fields = [
        { title: "Application", value: "{{.app.metadata.name}}", short: true },
        { title: "Project", value: "{{.app.spec.project}}", short: true },
        { title: "Sync status", value: "{{.app.status.sync.status}}", short: true },
        { title: "Health", value: "{{.app.status.health.status}}", short: true },
        { title: "Revision", value: "{{.app.status.sync.revision}}", short: false },
    ];
    const text = `${spec.title}: application {{.app.metadata.name}} ({{.app.spec.project}})`;
    const body: Record<string, unknown> = {
        // Slack's link syntax for Slack, the plain URL for every other service (e-mail, Teams text).
        message: `${text}. {{if eq .serviceType "slack"}}<${APP_LINK}|Open in Argo CD>{{else}}${APP_LINK}{{end}}`,
        email: { subject: text },
        slack: {
            attachments: JSON.stringify([
                { title: "{{.app.metadata.name}}", title_link: APP_LINK, color: spec.color, fields },
            ]),
        },
        "teams-workflows": {
            title: text,
            text: `Sync status {{.app.status.sync.status}}, health {{.app.status.health.status}}, revision {{.app.status.sync.revision}}.`,
            themeColor: spec.color,
            potentialAction: JSON.stringify([
                { "@type": "OpenUri", name: "Open in Argo CD", targets: [{ os: "default", uri: APP_LINK }] },
            ]),
        },
        pagerdutyv2: {
            summary: text,
            severity: spec.severity,
            source: "{{.app.spec.destination.server}}",
            component: "{{.app.metadata.name}}",
            group: "{{.app.spec.project}}",
            class: event,
            url: APP_LINK,
            // One incident per application and event: repeated failures of one app add to it.
            dedupKey: `argocd-{{.app.metadata.name}}-${event}`,
        },
    };
    if (webhooks.length > 0) {
        // JSON built by the Go template: every value is a plain name, status or revision (no quotes to escape).
        const payload = JSON.stringify({
            event,
            application: "{{.app.metadata.name}}",
            project: "{{.app.spec.project}}",
            syncStatus: "{{.app.status.sync.status}}",
            health: "{{.app.status.health.status}}",
            revision: "{{.app.status.sync.revision}}",
            url: APP_LINK,
        });
        body.webhook = Object.fromEntries(webhooks.map((w) => [w, { method: "POST", body: payload }]));
    }
    return YAML.stringify(body);
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

/** The services, subscriptions and secret keys of an environment's channels (built by `argoNotifications`). */
export interface ArgoNotifications {
    /** argocd-notifications-cm `service.<type>[.<name>]` entries; secrets only as `$<key>` references. */
    readonly services: Readonly<Record<string, string>>;
    /** Names of the webhook services (each template carries a section for each). */
    readonly webhooks: readonly string[];
    /** argocd-notifications-secret: key to value, every value a secret Output. */
    readonly secretData: Readonly<Record<string, pulumi.Input<string>>>;
    /** AppProject annotations `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipients>`. */
    readonly subscriptions: Readonly<Record<string, string>>;
}

const subscribe = (event: AlertEvent, service: string) =>
    `notifications.argoproj.io/subscribe.${ARGO_EVENTS[event].trigger}.${service}`;

/** One field of a channel's credentials, as a secret Output (never read outside the apply). */
const secretField = (
    credentials: pulumi.Output<AlertCredentials>,
    read: (c: AlertCredentials) => string | undefined,
): pulumi.Output<string> => pulumi.secret(credentials.apply((c) => read(c) ?? ""));

/**
 * Argo CD's side of the environment's channels: one service per channel (`service.slack` for the Slack keys,
 * `service.<type>.<name>` for each entry of alertChannels: slack, email, teams-workflows, webhook, pagerdutyv2),
 * the secret keys they reference, and the subscriptions that route each channel's events to it.
 * undefined: no channel, the notifications controller stays off.
 */
export function argoNotifications(
    slack: SlackConfig | undefined,
    channels: readonly AlertChannel[],
): ArgoNotifications | undefined {
    if (!slack && channels.length === 0) return undefined;
    const services: Record<string, string> = {};
    const secretData: Record<string, pulumi.Input<string>> = {};
    const subscriptions: Record<string, string> = {};
    const webhooks: string[] = [];
    if (slack) {
        services["service.slack"] = "token: $slack-token\n";
        secretData["slack-token"] = slack.token;
        for (const e of slack.events) subscriptions[subscribe(e, "slack")] = slack.channel;
    }
    for (const c of channels) {
        const key = (field: string) => `${c.name}-${c.type}-${field}`;
        let recipient: string;
        switch (c.type) {
            case "slack":
                services[`service.slack.${c.name}`] = YAML.stringify({ token: `$${key("token")}` });
                secretData[key("token")] = secretField(c.credentials, (x) => x.token);
                recipient = c.channel!;
                break;
            case "email": {
                const smtp = c.smtp!;
                const auth = smtp.username ? { username: smtp.username, password: `$${key("password")}` } : {};
                services[`service.email.${c.name}`] = YAML.stringify({
                    host: smtp.host,
                    port: smtp.port,
                    from: smtp.from,
                    ...auth,
                });
                if (smtp.username) secretData[key("password")] = secretField(c.credentials, (x) => x.password);
                recipient = c.to!.join(";");
                break;
            }
            case "teams":
                // Teams Workflows (Power Automate): Office 365 connectors, the legacy `teams` service, are retired.
                services[`service.teams-workflows.${c.name}`] = YAML.stringify({
                    recipientUrls: { [c.name]: `$${key("url")}` },
                });
                secretData[key("url")] = secretField(c.credentials, (x) => x.url);
                recipient = c.name;
                break;
            case "webhook": {
                const headers = (c.headerNames ?? []).map((h, i) => ({ name: h, value: `$${key(`header-${i}`)}` }));
                services[`service.webhook.${c.name}`] = YAML.stringify({
                    url: `$${key("url")}`,
                    ...(headers.length > 0 ? { headers } : {}),
                });
                secretData[key("url")] = secretField(c.credentials, (x) => x.url);
                (c.headerNames ?? []).forEach((h, i) => {
                    secretData[key(`header-${i}`)] = secretField(c.credentials, (x) => x.headers?.[h]);
                });
                webhooks.push(c.name);
                // A webhook has no recipients: the service is the destination.
                recipient = "";
                break;
            }
            case "pagerduty":
                services[`service.pagerdutyv2.${c.name}`] = YAML.stringify({
                    serviceKeys: { [c.name]: `$${key("routing-key")}` },
                });
                secretData[key("routing-key")] = secretField(c.credentials, (x) => x.routingKey);
                recipient = c.name;
                break;
        }
        for (const e of c.events) subscriptions[subscribe(e, c.name)] = recipient;
    }
    return { services, webhooks, secretData, subscriptions };
}

/**
 * The argo-cd chart's `notifications` values. No secret is in the values: each service refers to its keys in
 * argocd-notifications-secret (`$key`), which the program creates from the Pulumi secrets.
 *
 * Every event gets its template and trigger in every environment; which of them reach which channel is decided by
 * the subscriptions (see subscriptionAnnotations), so a team can subscribe one Application to another event with an
 * annotation of its own.
 */
export function notificationsValues(
    notifications: Pick<ArgoNotifications, "services" | "webhooks"> | undefined,
    argocdUrl: string | undefined,
): Record<string, unknown> {
    if (!notifications) return { enabled: false };
    const events = Object.entries(ARGO_EVENTS) as Array<[AlertEvent, EventSpec]>;
    return {
        enabled: true,
        argocdUrl,
        secret: { create: false },
        notifiers: { ...notifications.services },
        templates: Object.fromEntries(
            events.map(([e, s]) => [`template.${s.template}`, template(s, e, notifications.webhooks)]),
        ),
        triggers: Object.fromEntries(events.map(([, s]) => [`trigger.${s.trigger}`, trigger(s)])),
    };
}

/** Subscription annotations that route this environment's events to its channels (set on its AppProject). */
export function subscriptionAnnotations(notifications: ArgoNotifications | undefined): Record<string, string> {
    return { ...notifications?.subscriptions };
}
