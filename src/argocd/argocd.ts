import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { mirrorImage, releaseChart, type ChartRepository } from "../shared/chartSource";
import { childOptions, FIXED_NAME } from "../shared/metadata";
import {
    ARGOCD_CHART,
    ARGOCD_CHART_REPO,
    ARGOCD_IMAGES,
    ARGOCD_RELEASE,
    ARGOCD_WEBHOOK_SECRETS,
    NOTIFICATIONS_SECRET,
    SSO_SECRET,
    SSO_SECRET_KEY,
    WEBHOOK_SECRET_ANNOTATION,
    type ArgoWebhookProvider,
} from "./constants";
import { notificationsValues, type ArgoNotifications } from "./notifications";
import { APPLICATION_HEALTH_CHECK, APPLICATION_HEALTH_KEY } from "./ordering";

export interface ArgoCdArgs {
    /** Namespace the program creates and installs Argo CD into. */
    namespace: string;
    /** Exact argo-cd chart version (https://github.com/argoproj/argo-helm/blob/main/charts/argo-cd/Chart.yaml). */
    chartVersion: string;
    /** Where the chart comes from (a mirror, an OCI registry, a local directory). @default the official argo-helm repository */
    chartRepository?: ChartRepository;
    /**
     * Registry every Argo CD image is pulled from instead of the chart's (quay.io, ghcr.io, ...), path kept:
     * `registry.internal/mirror` pulls quay.io/argoproj/argocd as registry.internal/mirror/argoproj/argocd.
     * @default the chart's own registries
     */
    imageRegistry?: string;
    /** HA install: redis-ha, two server/repo-server/applicationset replicas and PDBs (needs at least three nodes). */
    highAvailability: boolean;
    /** Keep the local `admin` account (argocd-cm `admin.enabled`). */
    adminEnabled: boolean;
    /** External URL of the UI (argocd-cm `url`); needed for SSO callbacks and notification links. */
    url?: string;
    /** argocd-cm `dex.config`; enables the Dex deployment. Exclusive with `oidcConfig`. */
    dexConfig?: string;
    /** argocd-cm `oidc.config`. Exclusive with `dexConfig`. */
    oidcConfig?: string;
    /** The SSO client secret, stored in the `argocd-sso` Secret the SSO config refers to (`$argocd-sso:clientSecret`). */
    ssoClientSecret?: pulumi.Input<string>;
    /** Keep the whole Helm values secret (the stack stores the SSO config encrypted). */
    secretValues?: boolean;
    /** known_hosts lines for argocd-ssh-known-hosts-cm; replaces the chart's list so only pinned hosts are trusted. */
    sshKnownHosts?: string;
    /** argocd-rbac-cm: `policy.csv` and `policy.default` (https://argo-cd.readthedocs.io/en/stable/operator-manual/rbac/). */
    rbac: { policyCsv: string; policyDefault: string };
    /**
     * Notification channels (services, secret keys; see argoNotifications); absent: the notifications controller is
     * off and no secret exists.
     */
    notifications?: ArgoNotifications;
    /**
     * Git webhooks (issue 22): the Git host's shared secret, which the chart writes into argocd-secret
     * (`webhook.github.secret`, `webhook.gitlab.secret` or `webhook.bitbucketserver.secret`). The API server's
     * /api/webhook (Applications refresh on push) and the ApplicationSet controller's webhook (ApplicationSets
     * regenerate) check every request with it. Absent: no webhook secret, and the program exposes no webhook.
     */
    gitWebhook?: ArgoGitWebhook;
    /** Labels for the objects the program creates (the chart labels its own). */
    labels?: Record<string, string>;
    /**
     * The ApplicationSet controller matches git files generator paths segment by segment (doublestar), as the
     * directories generator does, instead of as git pathspecs, where `*` also matches `/`. The program's
     * ApplicationSet (appsMode=applicationset) finds app folders by their kustomization.yaml. @default false
     */
    applicationSetFileGlobbing?: boolean;
}

export interface ArgoGitWebhook {
    provider: ArgoWebhookProvider;
    /** The shared secret; kept a Pulumi secret inside the Helm values (the render shows a placeholder). */
    secret: pulumi.Input<string>;
}

/**
 * A short digest of the webhook secret for the ApplicationSet controller's pod annotation: the controller reads the
 * secret once at start (applicationset/webhook NewWebhookHandler), so a new secret must roll it. 16 hex digits of
 * SHA-256 say when the secret changed and nothing about a secret of 32 random characters or more; the annotation is
 * a Pulumi secret all the same.
 */
export const webhookSecretDigest = (secret: string): string =>
    crypto.createHash("sha256").update(secret).digest("hex").slice(0, 16);

const pdb = (ha: boolean) => (ha ? { enabled: true, minAvailable: 1 } : { enabled: false });

/** The chart values for an ArgoCd install, separate so tests and the render can read them whole. */
export function argoCdValues(args: ArgoCdArgs): Record<string, unknown> {
    if (args.dexConfig && args.oidcConfig) {
        throw new Error("ArgoCd: dexConfig and oidcConfig are exclusive; set only one.");
    }
    const cm: Record<string, unknown> = {
        "admin.enabled": args.adminEnabled,
        // Annotation tracking (the Argo CD 3 default, stated so a chart bump cannot change it): label tracking
        // copies the app name into a label other tools also use.
        "application.resourceTrackingMethod": "annotation",
        "exec.enabled": false,
        // Child Applications report their own health, so the app-of-apps root's sync waves wait for them (./ordering).
        [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_CHECK,
    };
    if (args.url) cm.url = args.url;
    if (args.dexConfig) cm["dex.config"] = args.dexConfig;
    if (args.oidcConfig) cm["oidc.config"] = args.oidcConfig;

    const configs: Record<string, unknown> = {
        cm,
        ...(args.applicationSetFileGlobbing
            ? { params: { "applicationsetcontroller.enable.new.git.file.globbing": true } }
            : {}),
        rbac: {
            "policy.default": args.rbac.policyDefault,
            "policy.csv": args.rbac.policyCsv,
            scopes: "[groups]",
            "policy.matchMode": "glob",
        },
    };
    if (args.sshKnownHosts) configs.ssh = { knownHosts: args.sshKnownHosts + "\n" };
    // Only this value of the chart's configs.secret is set: the chart then writes argocd-secret's data with it, and
    // Helm's three-way merge keeps the keys Argo CD adds itself (server.secretkey, admin.password). A nested Pulumi
    // secret, so the rest of the values stay readable in previews and the render.
    const webhook = args.gitWebhook;
    if (webhook) configs.secret = { [ARGOCD_WEBHOOK_SECRETS[webhook.provider].value]: pulumi.secret(webhook.secret) };

    const ha = args.highAvailability;
    const replicas = ha ? 2 : 1;
    const values: Record<string, unknown> = {
        // CRDs stay when the release is uninstalled, so a destroy never deletes every Application in the cluster.
        crds: { install: true, keep: true },
        configs,
        dex: { enabled: Boolean(args.dexConfig) },
        notifications: notificationsValues(args.notifications, args.url),
        "redis-ha": { enabled: ha },
        // One application controller (sharding is a separate decision): a PDB could only block node drains.
        controller: { replicas: 1 },
        // The chart's PDBs default to minAvailable 0, which protects nothing: keep one of the two replicas up.
        server: { replicas, pdb: pdb(ha) },
        repoServer: { replicas, pdb: pdb(ha) },
        applicationSet: {
            replicas,
            pdb: pdb(ha),
            ...(webhook
                ? {
                      podAnnotations: {
                          [WEBHOOK_SECRET_ANNOTATION]: pulumi.secret(
                              pulumi.output(webhook.secret).apply(webhookSecretDigest),
                          ),
                      },
                  }
                : {}),
        },
    };
    const global: Record<string, unknown> = {};
    if (args.url) global.domain = new URL(args.url).host;
    if (args.imageRegistry) {
        const image = (repository: string) => ({ repository: mirrorImage(repository, args.imageRegistry) });
        global.image = image(ARGOCD_IMAGES.argocd);
        values.dex = { ...(values.dex as object), image: image(ARGOCD_IMAGES.dex) };
        values.redis = {
            image: image(ARGOCD_IMAGES.redis),
            exporter: { image: image(ARGOCD_IMAGES.redisExporter) },
        };
        values["redis-ha"] = {
            ...(values["redis-ha"] as object),
            image: image(ARGOCD_IMAGES.redis),
            haproxy: { image: image(ARGOCD_IMAGES.haproxy) },
            // The redis-ha subchart names its exporter image as one string.
            exporter: { image: mirrorImage(ARGOCD_IMAGES.redisExporter, args.imageRegistry) },
        };
    }
    if (Object.keys(global).length > 0) values.global = global;
    return values;
}

/**
 * Argo CD from the official argo-cd Helm chart, pinned, in a namespace of its own.
 *
 * Custom resources that need the chart's CRDs must depend on `release` (it finishes only once the CRDs are
 * established), so one `pulumi up` works on an empty cluster (pulumi-kubernetes #1735, #3176).
 */
export class ArgoCd extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    public readonly chartVersion: pulumi.Output<string>;

    constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:argocd:ArgoCd", name, {}, opts);
        const values = argoCdValues(args);

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: args.namespace, labels: args.labels } },
            childOptions(this, opts),
        );

        /** A Secret Argo CD reads (label app.kubernetes.io/part-of: argocd), its values Pulumi secrets end to end. */
        const argoSecret = (suffix: string, secretName: string, data: Record<string, pulumi.Input<string>>) =>
            new k8s.core.v1.Secret(
                `${name}-${suffix}`,
                {
                    metadata: {
                        name: secretName,
                        namespace: args.namespace,
                        labels: { ...args.labels, "app.kubernetes.io/part-of": "argocd" },
                    },
                    type: "Opaque",
                    stringData: pulumi.secret(data),
                },
                { parent: this, dependsOn: [namespace], ...FIXED_NAME },
            );

        const dependsOn: pulumi.Resource[] = [namespace];
        // The chart would create an empty notifications secret; this one carries the channels' credentials.
        if (args.notifications)
            dependsOn.push(
                argoSecret("notifications-secret", NOTIFICATIONS_SECRET, { ...args.notifications.secretData }),
            );
        // Argo CD resolves $argocd-sso:clientSecret in the SSO config from this one (labelled Secrets only).
        if (args.ssoClientSecret !== undefined)
            dependsOn.push(argoSecret("sso-secret", SSO_SECRET, { [SSO_SECRET_KEY]: args.ssoClientSecret }));

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: ARGOCD_RELEASE,
                ...releaseChart(
                    ARGOCD_CHART,
                    args.chartVersion,
                    args.chartRepository ?? { kind: "https", url: ARGOCD_CHART_REPO },
                ),
                namespace: args.namespace,
                values: args.secretValues ? pulumi.secret(values) : values,
                // An HA install rolls out more pods than Helm's 5-minute default allows on a busy cluster.
                timeout: 900,
                maxHistory: 10,
                cleanupOnFail: true,
            },
            { parent: this, dependsOn },
        );

        this.namespace = namespace.metadata.name;
        this.chartVersion = this.release.version;
        this.registerOutputs({ namespace: this.namespace, release: this.release, chartVersion: this.chartVersion });
    }
}
