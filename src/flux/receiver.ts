import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GitWebhookProvider } from "../config/types";
import { childOptions } from "../shared/metadata";
import { FLUX_API_VERSIONS } from "./constants";

/**
 * The push events each Git host sends that are worth a fetch (Receiver `spec.events`), from the notification
 * controller's Receiver docs (https://fluxcd.io/flux/components/notification/receivers/): a branch or tag push, and
 * the host's test delivery (GitHub `ping`, Bitbucket Server `diagnostics:ping`), so that "test the webhook" at the
 * host shows the Receiver answering. Flux's `generic` receiver reads no event.
 */
export const RECEIVER_EVENTS: Readonly<Record<GitWebhookProvider, readonly string[]>> = {
    github: ["ping", "push"],
    gitlab: ["Push Hook", "Tag Push Hook"],
    bitbucket: ["repo:refs_changed", "diagnostics:ping"],
    generic: [],
};

/** Where the notification controller serves a Receiver (`/hook/` + sha256 of token, name and namespace). */
export const RECEIVER_PATH_PREFIX = "/hook/";

/**
 * The path notification-controller serves a Receiver at, as it computes it (api/v1 `Receiver.GetWebhookPath`):
 * `/hook/` and the hex SHA-256 of token + name + namespace. The cluster test checks it against the controller's own
 * `status.webhookPath`.
 */
export function receiverWebhookPath(token: string, name: string, namespace: string): string {
    return (
        RECEIVER_PATH_PREFIX +
        crypto
            .createHash("sha256")
            .update(token + name + namespace)
            .digest("hex")
    );
}

export interface GitWebhookReceiverArgs {
    /** Namespace Flux runs in; the Secret and the Receiver live there, beside the GitRepository they trigger. */
    namespace: string;
    /** Name of the Receiver (part of its webhook path, with the token and the namespace). */
    receiverName: string;
    /** The GitRepository a push makes source-controller fetch at once; its Kustomizations follow the new revision. */
    repositoryName: string;
    /** Git host that sends the webhooks (Receiver `spec.type`). */
    provider: GitWebhookProvider;
    /** The shared secret (HMAC key or token); stored only in a Secret, as a Pulumi secret. */
    token: pulumi.Input<string>;
    /** Labels for every object the component creates (the environment's common labels). */
    labels?: Record<string, string>;
}

/** The `spec` of the Receiver (exported for the tests and the render). */
export function receiverSpec(args: GitWebhookReceiverArgs, secretName: pulumi.Input<string>): Record<string, unknown> {
    const events = RECEIVER_EVENTS[args.provider];
    return {
        type: args.provider,
        ...(events.length > 0 ? { events: [...events] } : {}),
        resources: [{ apiVersion: FLUX_API_VERSIONS.GitRepository, kind: "GitRepository", name: args.repositoryName }],
        secretRef: { name: secretName },
    };
}

/**
 * A Git push webhook for Flux (issue 22): the token Secret (key `token`) and a `Receiver` that, on a request signed
 * with it (GitHub, Bitbucket Server: HMAC of the body; GitLab: the token in X-Gitlab-Token; generic: none, the path
 * is the secret), asks source-controller to fetch the GitRepository at once. The Kustomizations watch their source's
 * revision, so they apply the new commit without waiting for their own interval.
 *
 * `webhookPath` is what to register at the Git host, after the address the webhook-receiver Service is exposed at.
 * It is derived from the token, and with `generic` it is the only check, so it is a secret output.
 */
export class GitWebhookReceiver extends pulumi.ComponentResource {
    public readonly receiverName: pulumi.Output<string>;
    /** `/hook/<sha256>`, a secret Output. */
    public readonly webhookPath: pulumi.Output<string>;

    constructor(name: string, args: GitWebhookReceiverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:GitWebhookReceiver", name, {}, opts);
        const child = childOptions(this, opts);
        const secret = new k8s.core.v1.Secret(
            `${name}-token`,
            {
                metadata: {
                    name: `${args.receiverName}-webhook-token`,
                    namespace: args.namespace,
                    labels: args.labels,
                },
                type: "Opaque",
                stringData: pulumi.secret({ token: args.token }),
            },
            child,
        );
        const receiver = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: FLUX_API_VERSIONS.Receiver,
                kind: "Receiver",
                metadata: { name: args.receiverName, namespace: args.namespace, labels: args.labels },
                spec: receiverSpec(args, secret.metadata.name),
            },
            child,
        );
        this.receiverName = receiver.metadata.name;
        this.webhookPath = pulumi.secret(
            pulumi.output(args.token).apply((token) => receiverWebhookPath(token, args.receiverName, args.namespace)),
        );
        this.registerOutputs({ receiverName: this.receiverName, webhookPath: this.webhookPath });
    }
}
