import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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

        this.providerName = provider.metadata.name;
        this.alertName = alert.metadata.name;
        this.registerOutputs({ providerName: this.providerName, alertName: this.alertName });
    }
}
