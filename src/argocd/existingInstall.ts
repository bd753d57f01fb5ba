import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FIXED_NAME } from "../shared/metadata";
import { argoCdValues, type ArgoCdArgs } from "./argocd";
import { ARGOCD_SECRET, ARGOCD_WEBHOOK_SECRETS, NOTIFICATIONS_SECRET, SSO_SECRET, SSO_SECRET_KEY } from "./constants";

/** What an existing install keeps from ArgoCdArgs: no chart, so nothing about the chart or its sizing. */
export type ExistingArgoCdArgs = Omit<
    ArgoCdArgs,
    "chartVersion" | "chartRepository" | "imageRegistry" | "highAvailability"
>;

/** ConfigMap `data` holds strings only; the chart stringifies booleans and numbers the same way. */
const stringData = (values: Record<string, unknown>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)]));

/**
 * The keys gitops-stack owns in an existing install's ConfigMaps, from the same values a chart install gets, so
 * both paths configure Argo CD identically: argocd-cm (admin, SSO, URL, tracking), argocd-rbac-cm, the pinned SSH
 * host keys and the notifications config.
 */
export function existingArgoCdConfigMaps(args: ExistingArgoCdArgs): Record<string, Record<string, string>> {
    const values = argoCdValues({ ...args, chartVersion: "", highAvailability: false });
    const configs = values.configs as { cm: Record<string, unknown>; rbac: Record<string, unknown> };
    const maps: Record<string, Record<string, string>> = {
        "argocd-cm": stringData(configs.cm),
        "argocd-rbac-cm": stringData(configs.rbac),
    };
    if (args.sshKnownHosts) maps["argocd-ssh-known-hosts-cm"] = { ssh_known_hosts: args.sshKnownHosts + "\n" };
    const notifications = values.notifications as {
        enabled: boolean;
        notifiers?: Record<string, string>;
        templates?: Record<string, string>;
        triggers?: Record<string, string>;
    };
    if (notifications.enabled) {
        maps["argocd-notifications-cm"] = {
            ...(args.url ? { context: `argocdUrl: ${args.url}\n` } : {}),
            ...notifications.notifiers,
            ...notifications.templates,
            ...notifications.triggers,
        };
    }
    return maps;
}

/**
 * Governs an Argo CD that is already installed (operatorInstall=existing: `argocd install`, another team's chart,
 * a migration): no namespace and no release, but the same RBAC, admin, SSO, known hosts and notifications
 * settings and the Git webhook secret, written as server-side-apply patches of the keys gitops-stack owns in the
 * install's own ConfigMaps and Secrets. The patches are retained on destroy: releasing `admin.enabled` or
 * `policy.default` would fall back to Argo CD's defaults (local admin on), the opposite of safe.
 */
export class ExistingArgoCd extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** What the stack waits for before it declares custom resources: the patched configuration. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: ExistingArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:argocd:ExistingArgoCd", name, {}, opts);
        // Take over the keys from the installer's field manager (kubectl, helm): the patch owns them from now on.
        const metadata = (resourceName: string) => ({
            name: resourceName,
            namespace: args.namespace,
            annotations: { "pulumi.com/patchForce": "true" },
        });
        const patchOptions = { parent: this, dependsOn: opts?.dependsOn, retainOnDelete: true };
        const ready: pulumi.Resource[] = Object.entries(existingArgoCdConfigMaps(args)).map(
            ([mapName, data]) =>
                new k8s.core.v1.ConfigMapPatch(
                    `${name}-${mapName}`,
                    { metadata: metadata(mapName), data },
                    patchOptions,
                ),
        );
        if (args.notifications) {
            ready.push(
                new k8s.core.v1.SecretPatch(
                    `${name}-notifications-secret`,
                    {
                        metadata: metadata(NOTIFICATIONS_SECRET),
                        stringData: pulumi.secret({ ...args.notifications.secretData }),
                    },
                    patchOptions,
                ),
            );
        }
        // Git webhooks (issue 22): the one key of argocd-secret Argo CD checks the host's requests with. The API server
        // restarts itself when it changes; the ApplicationSet controller of an install the stack does not own reads it
        // at start only (see the README on turning webhooks on).
        if (args.gitWebhook) {
            ready.push(
                new k8s.core.v1.SecretPatch(
                    `${name}-webhook-secret`,
                    {
                        metadata: metadata(ARGOCD_SECRET),
                        stringData: pulumi.secret({
                            [ARGOCD_WEBHOOK_SECRETS[args.gitWebhook.provider].key]: args.gitWebhook.secret,
                        }),
                    },
                    patchOptions,
                ),
            );
        }
        // The SSO Secret is gitops-stack's own (no install has one): created, and deleted with the stack.
        if (args.ssoClientSecret !== undefined) {
            ready.push(
                new k8s.core.v1.Secret(
                    `${name}-sso-secret`,
                    {
                        metadata: {
                            name: SSO_SECRET,
                            namespace: args.namespace,
                            labels: { ...args.labels, "app.kubernetes.io/part-of": "argocd" },
                        },
                        type: "Opaque",
                        stringData: pulumi.secret({ [SSO_SECRET_KEY]: args.ssoClientSecret }),
                    },
                    { parent: this, dependsOn: opts?.dependsOn, ...FIXED_NAME },
                ),
            );
        }
        this.namespace = pulumi.output(args.namespace);
        this.ready = ready;
        this.registerOutputs({ namespace: this.namespace });
    }
}
