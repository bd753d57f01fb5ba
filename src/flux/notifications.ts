import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import type { AlertChannel, AlertCredentials, AlertEvent } from "../config/types";
import { childOptions } from "../shared/metadata";
import { FLUX_API_VERSIONS } from "./constants";

/** An object whose events are reported (Alert `spec.eventSources`), in the Alert's namespace. */
export interface EventSource {
    /** Flux kind, e.g. Kustomization or GitRepository. */
    kind: string;
    /** Object name; `*` for every object of the kind. */
    name: pulumi.Input<string>;
}

/** Slack's Web API endpoint, which a bot token (xoxb-...) posts to; the channel comes from the Provider. */
export const SLACK_POST_MESSAGE = "https://slack.com/api/chat.postMessage";

export interface SlackNotificationsArgs {
    /** Namespace Flux runs in; the Secret, Provider and Alert live there, beside the objects they report on. */
    namespace: pulumi.Input<string>;
    /** Channel name without `#`. */
    channel: string;
    /** Slack bot token (xoxb-...); stored only in a Secret, as a Pulumi secret. */
    token: pulumi.Input<string>;
    /**
     * `info` reports every event (progress and success too), `error` only failures
     * (https://fluxcd.io/flux/components/notification/alerts/#event-severity).
     */
    eventSeverity: "info" | "error";
    /** The objects whose events reach Slack (explicit names: nothing else in the namespace is reported). */
    eventSources: readonly EventSource[];
    /** Fields added to every message, e.g. `{ environment: "prod" }`. */
    eventMetadata?: Record<string, string>;
    /**
     * Also report drift corrections when eventSeverity is `error` (which leaves them out): a second Alert
     * `<name>-drift` on the Kustomizations, filtered to kustomize-controller's apply events (DRIFT_INCLUSION).
     */
    driftAlert?: boolean;
    /** Slack API endpoint. @default https://slack.com/api/chat.postMessage (the endpoint for bot tokens) */
    address?: string;
    /** Labels for every object the component creates (the environment's common labels). */
    labels?: Record<string, string>;
}

/** The `spec` of the Provider (exported for the tests and the render). */
export function slackProviderSpec(args: SlackNotificationsArgs, secretName: pulumi.Input<string>) {
    return {
        type: "slack",
        channel: args.channel,
        address: args.address ?? SLACK_POST_MESSAGE,
        secretRef: { name: secretName },
    };
}

/** The `spec` of the Alert (exported for the tests and the render). */
export function alertSpec(args: SlackNotificationsArgs, providerName: pulumi.Input<string>): Record<string, unknown> {
    const spec: Record<string, unknown> = {
        providerRef: { name: providerName },
        eventSeverity: args.eventSeverity,
        eventSources: args.eventSources.map((s) => ({ kind: s.kind, name: s.name })),
    };
    if (args.eventMetadata && Object.keys(args.eventMetadata).length > 0)
        spec.eventMetadata = { ...args.eventMetadata };
    return spec;
}

/**
 * Flux notifications to Slack: the bot token Secret (key `token`), a `slack` Provider for the channel and an Alert
 * that routes the listed objects' events at the given severity to it.
 */
export class SlackNotifications extends pulumi.ComponentResource {
    public readonly providerName: pulumi.Output<string>;
    public readonly alertName: pulumi.Output<string>;

    constructor(name: string, args: SlackNotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:SlackNotifications", name, {}, opts);
        if (args.eventSources.length === 0) {
            throw new pulumi.ResourceError(
                `SlackNotifications ${name}: eventSources is empty; expected the Kustomizations and sources to report on.`,
                this,
            );
        }
        if (args.channel === "" || args.channel.startsWith("#")) {
            throw new pulumi.ResourceError(
                `SlackNotifications ${name}: channel ${JSON.stringify(args.channel)} is not valid; expected a channel name without '#'.`,
                this,
            );
        }
        const child = childOptions(this, opts);

        const secret = new k8s.core.v1.Secret(
            `${name}-token`,
            {
                metadata: { name: `${name}-token`, namespace: args.namespace, labels: args.labels },
                type: "Opaque",
                stringData: pulumi.secret({ token: args.token }),
            },
            child,
        );
        const provider = new k8s.apiextensions.CustomResource(
            `${name}-provider`,
            {
                apiVersion: FLUX_API_VERSIONS.Provider,
                kind: "Provider",
                metadata: { name, namespace: args.namespace, labels: args.labels },
                spec: slackProviderSpec(args, secret.metadata.name),
            },
            child,
        );
        const alert = new k8s.apiextensions.CustomResource(
            `${name}-alert`,
            {
                apiVersion: FLUX_API_VERSIONS.Alert,
                kind: "Alert",
                metadata: { name, namespace: args.namespace, labels: args.labels },
                spec: alertSpec(args, provider.metadata.name),
            },
            child,
        );

        if (args.driftAlert && args.eventSeverity === "error") {
            new k8s.apiextensions.CustomResource(
                `${name}-drift-alert`,
                {
                    apiVersion: FLUX_API_VERSIONS.Alert,
                    kind: "Alert",
                    metadata: { name: `${name}-drift`, namespace: args.namespace, labels: args.labels },
                    spec: {
                        ...alertSpec(
                            { ...args, eventSources: args.eventSources.filter((s) => s.kind === "Kustomization") },
                            provider.metadata.name,
                        ),
                        eventSeverity: "info",
                        inclusionList: [DRIFT_INCLUSION],
                    },
                },
                child,
            );
        }

        this.providerName = provider.metadata.name;
        this.alertName = alert.metadata.name;
        this.registerOutputs({ providerName: this.providerName, alertName: this.alertName });
    }
}

/**
 * A kustomize-controller event that changed objects in the cluster: one line per object, `Kind/namespace/name
 * configured` (edited back) or `... created` (recreated after a deletion). kustomize-controller emits it, at
 * severity info, only when server-side apply changed something (internal/controller/kustomization_controller.go,
 * `HasChanged`). At a revision already applied, that is Flux undoing a change someone made in the cluster; a new
 * commit that changes objects emits the same lines, and the event's revision (metadata) tells the two apart.
 */
export const DRIFT_INCLUSION = "(?m)^[^\\s/]+(/[^\\s/]+){1,2} (configured|created)$";
/** The error event of a failed health check (`health check failed after <duration>: ...`). */
export const HEALTH_CHECK_FAILED = "^health check failed after ";
/** PagerDuty's Events API (the pagerduty Provider appends the path). */
export const PAGERDUTY_EVENTS_API = "https://events.pagerduty.com";

/** One Alert of a channel: which events (severity and message filters) from which objects. */
export interface FluxAlertRule {
    /** Appended to the channel's object name ("" for the main Alert). */
    readonly suffix: string;
    readonly eventSeverity: "info" | "error";
    readonly inclusionList?: readonly string[];
    readonly exclusionList?: readonly string[];
    /** Only the Kustomizations (drift happens to applied objects), not the Git source. */
    readonly kustomizationsOnly: boolean;
}

/**
 * The Alerts that deliver a channel's events with Flux, which filters by severity and message, not by event name:
 * sync-succeeded or deployed need every event (info, which includes the failures and the drift corrections);
 * otherwise sync-failed and health-degraded are the error events (told apart by the health check's message), and
 * drift-corrected is an info Alert that only lets apply events with changed objects through.
 * out-of-sync and sync-unknown have no Flux event (config validation refuses them for Flux).
 */
export function fluxAlertRules(events: readonly AlertEvent[]): FluxAlertRule[] {
    if (events.includes("sync-succeeded") || events.includes("deployed"))
        return [{ suffix: "", eventSeverity: "info", kustomizationsOnly: false }];
    const rules: FluxAlertRule[] = [];
    const failed = events.includes("sync-failed");
    const degraded = events.includes("health-degraded");
    if (failed || degraded) {
        rules.push({
            suffix: "",
            eventSeverity: "error",
            ...(failed && !degraded ? { exclusionList: [HEALTH_CHECK_FAILED] } : {}),
            ...(degraded && !failed ? { inclusionList: [HEALTH_CHECK_FAILED] } : {}),
            kustomizationsOnly: !failed,
        });
    }
    if (events.includes("drift-corrected"))
        rules.push({
            suffix: rules.length > 0 ? "-drift" : "",
            eventSeverity: "info",
            inclusionList: [DRIFT_INCLUSION],
            kustomizationsOnly: true,
        });
    return rules;
}

/** The Provider `spec` of a channel (exported for the tests and the render); secrets only by reference. */
export function channelProviderSpec(
    channel: AlertChannel,
    secretName: pulumi.Input<string> | undefined,
): Record<string, unknown> {
    const secretRef = secretName === undefined ? {} : { secretRef: { name: secretName } };
    switch (channel.type) {
        case "slack":
            return { type: "slack", channel: channel.channel, address: SLACK_POST_MESSAGE, ...secretRef };
        case "teams":
            // Teams Workflows or (deprecated) Office 365 connector: the controller picks the format from the address.
            return { type: "msteams", ...secretRef };
        case "webhook":
            return { type: channel.hmac ? "generic-hmac" : "generic", ...secretRef };
        case "pagerduty":
            // The routing key has no Secret field in the Provider API: spec.channel, kept a Pulumi secret.
            return {
                type: "pagerduty",
                address: PAGERDUTY_EVENTS_API,
                channel: pulumi.secret(channel.credentials.apply((c) => c.routingKey ?? "")),
            };
        case "email":
            throw new Error(
                `channel ${JSON.stringify(channel.name)}: Flux has no email provider; use a webhook channel to your mail gateway, or slack or teams.`,
            );
    }
}

/** The Secret `stringData` of a channel (Flux Provider secretRef keys), or undefined when it needs none. */
export function channelSecretData(channel: AlertChannel): Record<string, pulumi.Output<string>> | undefined {
    const field = (read: (c: AlertCredentials) => string | undefined) =>
        pulumi.secret(channel.credentials.apply((c) => read(c) ?? ""));
    switch (channel.type) {
        case "slack":
            return { token: field((c) => c.token) };
        case "teams":
            return { address: field((c) => c.url) };
        case "webhook": {
            const data: Record<string, pulumi.Output<string>> = { address: field((c) => c.url) };
            // The `headers` key: a YAML map of header name to value, sent with every request.
            if ((channel.headerNames ?? []).length > 0)
                data.headers = field((c) =>
                    YAML.stringify(
                        Object.fromEntries((channel.headerNames ?? []).map((h) => [h, c.headers?.[h] ?? ""])),
                    ),
                );
            // generic-hmac signs the body with the `token` key (X-Signature: sha256=<hex>).
            if (channel.hmac) data.token = field((c) => c.hmacKey);
            return data;
        }
        default:
            return undefined;
    }
}

export interface AlertChannelNotificationsArgs {
    /** Namespace Flux runs in; the Secret, Provider and Alerts live there, beside the objects they report on. */
    namespace: pulumi.Input<string>;
    channel: AlertChannel;
    /** The objects whose events reach the channel: the Git source first, then the Kustomizations. */
    eventSources: readonly EventSource[];
    /** Fields added to every message, e.g. `{ environment: "prod" }`. */
    eventMetadata?: Record<string, string>;
    labels?: Record<string, string>;
}

/**
 * One channel of `alertChannels` with Flux: its credentials Secret (when the type has one), a Provider of the
 * channel's type, and the Alerts that deliver its events (fluxAlertRules).
 */
export class AlertChannelNotifications extends pulumi.ComponentResource {
    public readonly providerName: pulumi.Output<string>;
    public readonly alertNames: pulumi.Output<string[]>;

    constructor(name: string, args: AlertChannelNotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:AlertChannelNotifications", name, {}, opts);
        const rules = fluxAlertRules(args.channel.events);
        if (rules.length === 0 || args.channel.type === "email") {
            throw new pulumi.ResourceError(
                `AlertChannelNotifications ${name}: channel ${JSON.stringify(args.channel.name)} (${args.channel.type}, events ${args.channel.events.join(", ")}) has nothing Flux can deliver; expected a slack, teams, webhook or pagerduty channel with sync-succeeded, deployed, sync-failed, health-degraded or drift-corrected.`,
                this,
            );
        }
        if (args.eventSources.length === 0) {
            throw new pulumi.ResourceError(
                `AlertChannelNotifications ${name}: eventSources is empty; expected the Kustomizations and sources to report on.`,
                this,
            );
        }
        const child = childOptions(this, opts);
        const data = channelSecretData(args.channel);
        const secret =
            data &&
            new k8s.core.v1.Secret(
                `${name}-credentials`,
                {
                    metadata: { name: `${name}-credentials`, namespace: args.namespace, labels: args.labels },
                    type: "Opaque",
                    stringData: pulumi.secret(data),
                },
                child,
            );
        const provider = new k8s.apiextensions.CustomResource(
            `${name}-provider`,
            {
                apiVersion: FLUX_API_VERSIONS.Provider,
                kind: "Provider",
                metadata: { name, namespace: args.namespace, labels: args.labels },
                spec: channelProviderSpec(args.channel, secret?.metadata.name),
            },
            child,
        );
        const alerts = rules.map((rule) => {
            const sources = rule.kustomizationsOnly
                ? args.eventSources.filter((s) => s.kind === "Kustomization")
                : args.eventSources;
            const spec: Record<string, unknown> = {
                providerRef: { name: provider.metadata.name },
                eventSeverity: rule.eventSeverity,
                eventSources: sources.map((s) => ({ kind: s.kind, name: s.name })),
            };
            if (rule.inclusionList) spec.inclusionList = [...rule.inclusionList];
            if (rule.exclusionList) spec.exclusionList = [...rule.exclusionList];
            if (args.eventMetadata && Object.keys(args.eventMetadata).length > 0)
                spec.eventMetadata = { ...args.eventMetadata };
            return new k8s.apiextensions.CustomResource(
                `${name}${rule.suffix}-alert`,
                {
                    apiVersion: FLUX_API_VERSIONS.Alert,
                    kind: "Alert",
                    metadata: { name: `${name}${rule.suffix}`, namespace: args.namespace, labels: args.labels },
                    spec,
                },
                child,
            );
        });

        this.providerName = provider.metadata.name;
        this.alertNames = pulumi.all(alerts.map((a) => a.metadata.name));
        this.registerOutputs({ providerName: this.providerName, alertNames: this.alertNames });
    }
}
