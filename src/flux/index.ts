import * as pulumi from "@pulumi/pulumi";
import { appObjectName } from "../config/constants";
import { TIER_DEFAULTS } from "../config/tiers";
import type { AppConfig, ClusterConfig, StackConfig } from "../config/types";
import { GitOpsAccessControl, readOnlyGroups, type ApiResources } from "../shared/accessControl";
import { EXISTING_INSTALL } from "../shared/chartSource";
import { deployDeliveryAddons, type DeliveryOutputs } from "../shared/delivery";
import { commonLabels, PROD_ACK_ANNOTATION } from "../shared/metadata";
import { ROLLOUT_HEALTH_CHECK_EXPRS } from "../shared/rollouts";
import { ClusterKubeconfigs } from "./clusters";
import { SopsDecryption } from "./decryption";
import { EnvironmentKustomizations } from "./environmentKustomizations";
import { Flux } from "./flux";
import { GitCredentials } from "./gitCredentials";
import { GitSource } from "./gitSource";
import { ImageAutomation } from "./imageAutomation";
import { AlertChannelNotifications, SlackNotifications } from "./notifications";
import { GitWebhookReceiver } from "./receiver";
import { EnvironmentTenancy } from "./tenancy";

export { FLUX_API_VERSIONS } from "./constants";
export { ClusterKubeconfigs, fluxKubeconfig, kubeconfigSecretName } from "./clusters";
export { ageRecipient, SopsDecryption, SOPS_AGE_SECRET_KEY } from "./decryption";
export { EnvironmentKustomizations, kustomizationSpec } from "./environmentKustomizations";
export { Flux, fluxValues, KUSTOMIZE_CONTROLLER_ARGS } from "./flux";
export { fluxGitCredentialData, GitCredentials } from "./gitCredentials";
export { fluxGitUrl, GitSource, gitRepositorySpec } from "./gitSource";
export {
    automationBranch,
    COMMIT_MESSAGE_TEMPLATE,
    ImageAutomation,
    imageUpdateAutomationSpec,
} from "./imageAutomation";
export {
    AlertChannelNotifications,
    alertSpec,
    channelProviderSpec,
    channelSecretData,
    fluxAlertRules,
    SlackNotifications,
    slackProviderSpec,
} from "./notifications";
export { GitWebhookReceiver, RECEIVER_EVENTS, receiverSpec, receiverWebhookPath } from "./receiver";
export { EnvironmentTenancy } from "./tenancy";

/** Flux objects that users change GitOps configuration through (explicit: RBAC here never uses wildcards). */
export const FLUX_GITOPS_RESOURCES: readonly ApiResources[] = [
    {
        apiGroup: "source.toolkit.fluxcd.io",
        resources: ["gitrepositories", "ocirepositories", "helmrepositories", "helmcharts", "buckets"],
    },
    { apiGroup: "kustomize.toolkit.fluxcd.io", resources: ["kustomizations"] },
    { apiGroup: "helm.toolkit.fluxcd.io", resources: ["helmreleases"] },
    { apiGroup: "notification.toolkit.fluxcd.io", resources: ["providers", "alerts", "receivers"] },
    {
        apiGroup: "image.toolkit.fluxcd.io",
        resources: ["imagerepositories", "imagepolicies", "imageupdateautomations"],
    },
];

/** Apps whose image Flux may update: both the image and the range of tags are set. */
const hasImagePolicy = (app: AppConfig): app is AppConfig & { image: string; semverRange: string } =>
    app.image !== undefined && app.semverRange !== undefined;

export interface FluxStackOutputs {
    operator: "flux";
    /** Namespace Flux runs in. */
    namespace: pulumi.Output<string>;
    /** flux2 chart version installed. */
    chartVersion: pulumi.Output<string>;
    /** Argo CD AppProjects: Flux has none. */
    projects: pulumi.Output<string>[];
    /** The environment's Kustomizations, one per app. */
    applications: pulumi.Output<string[]>;
    /** SOPS age recipient, Sealed Secrets certificate (issue 12). */
    delivery: DeliveryOutputs;
    /** gitWebhook: the Receiver's path (`/hook/<sha256>`) to register at the Git host, a secret Output. */
    gitWebhookPath?: pulumi.Output<string>;
}

/**
 * The Flux path of the program: install, Git credentials and source, the environment's namespaces and
 * impersonated ServiceAccount, one Kustomization per app, Slack alerts, image automation and access control. `scope`
 * holds the options of every object created here: the GitOpsStack as parent, and the alias to its URN from before
 * GitOpsStack.
 */
export function deployFlux(config: StackConfig, scope: pulumi.ComponentResourceOptions): FluxStackOutputs {
    const { tier, flux, repo, access, slack } = config;
    const defaults = TIER_DEFAULTS[tier];
    const labels = commonLabels(tier);
    const environment = `gitops-${tier}`;
    // Several clusters (issue 11): one Kustomization per app and cluster (<env>-<app>-<cluster>), remote clusters
    // through their kubeconfig Secret. No clusters: one per app (<env>-<app>), applied in Flux's own cluster.
    const targets: ReadonlyArray<ClusterConfig | undefined> =
        config.clusters.length > 0 ? config.clusters : [undefined];
    // The home cluster's keep <env>-<app>: adding `clusters` renames none of them (issue 25 §2).
    const kustomizationName = (app: string, cluster?: ClusterConfig) => appObjectName(tier, app, cluster);
    // Same switch as Argo CD's resources finalizer (off in prod unless acknowledged): whether deleting the stack
    // deletes the workloads.
    const cascadeDelete = config.argocd.cascadeDelete;
    const imageApps = flux.imageAutomation ? config.apps.filter(hasImagePolicy) : [];
    // operatorInstall=existing (after `flux bootstrap`, or another team's install): no namespace and no release; the
    // objects below are declared against the Flux that runs there.
    const release =
        flux.install === "existing"
            ? undefined
            : new Flux(
                  "flux",
                  {
                      namespace: flux.namespace,
                      chartVersion: flux.chart.version,
                      chartRepository: flux.chart.repository,
                      imageRegistry: flux.imageRegistry,
                      multitenancy: flux.multitenancy,
                      // The controllers follow the switch, not the apps: removing an app's image then deletes its image
                      // objects while the controllers still run to clear their finalizers (see the README on switching
                      // it off).
                      imageAutomation: flux.imageAutomation,
                      highAvailability: flux.highAvailability,
                      labels,
                  },
                  scope,
              );
    const install = {
        namespace: release ? release.namespace : pulumi.output(flux.namespace),
        chartVersion: release ? release.chartVersion : pulumi.output(EXISTING_INSTALL),
    };
    // Custom resources wait for the release: its CRDs must be established first, and on destroy the controllers
    // must still run to process the objects' finalizers.
    const installed: pulumi.Resource[] = release ? [release.release] : [];
    const afterInstall = { ...scope, dependsOn: installed };

    const credentials = new GitCredentials(
        "git-credentials",
        { namespace: install.namespace, secretName: `${environment}-auth`, auth: repo.auth, labels },
        { ...scope, dependsOn: installed },
    );

    const kubeconfigs = config.clusters.some((c) => !c.inCluster)
        ? new ClusterKubeconfigs(
              "clusters",
              { namespace: install.namespace, environment: tier, clusters: config.clusters, labels },
              { ...scope, dependsOn: installed },
          )
        : undefined;

    const tenancy = new EnvironmentTenancy(
        "tenancy",
        {
            fluxNamespace: install.namespace,
            serviceAccountName: environment,
            namespaces: config.apps.map((a) => a.namespace),
            retainNamespaces: !cascadeDelete,
            labels,
        },
        scope,
    );

    // Slack first: the Alert then exists before the first reconciliation, so its failures are reported too.
    const notifications =
        slack &&
        new SlackNotifications(
            `slack-${tier}`,
            {
                namespace: install.namespace,
                channel: slack.channel,
                token: slack.token,
                eventSeverity: defaults.fluxAlertSeverity,
                eventSources: [
                    { kind: "GitRepository", name: environment },
                    ...config.apps.flatMap((a) =>
                        targets.map((c) => ({ kind: "Kustomization", name: kustomizationName(a.name, c) })),
                    ),
                ],
                eventMetadata: { environment: tier },
                // Where the tier reports errors only (prod), drift corrections get an Alert of their own (issue 13).
                driftAlert: true,
                labels,
            },
            afterInstall,
        );
    // alertChannels (issue 13): one Provider per channel and the Alerts for its events, on the same objects.
    const channels = config.alertChannels.map(
        (channel) =>
            new AlertChannelNotifications(
                `${tier}-${channel.name}`,
                {
                    namespace: install.namespace,
                    channel,
                    eventSources: [
                        { kind: "GitRepository", name: environment },
                        ...config.apps.flatMap((a) =>
                            targets.map((c) => ({ kind: "Kustomization", name: kustomizationName(a.name, c) })),
                        ),
                    ],
                    eventMetadata: { environment: tier },
                    labels,
                },
                afterInstall,
            ),
    );
    const reported = [...(notifications ? [notifications] : []), ...channels];

    const source = new GitSource(
        "git-source",
        {
            namespace: install.namespace,
            repositoryName: environment,
            url: repo.url,
            ref: { ...repo.fluxRef },
            secretName: credentials.secretName,
            provider: repo.auth.kind === "githubApp" ? "github" : "generic",
            interval: flux.interval,
            labels,
        },
        { ...scope, dependsOn: [...installed, credentials, ...reported] },
    );

    // gitWebhook (issue 22): a push makes source-controller fetch at once; the Kustomizations follow the revision.
    // The interval stays what it was: polling is the fallback when a delivery is lost.
    const receiver =
        config.gitWebhook &&
        new GitWebhookReceiver(
            "git-webhook",
            {
                namespace: flux.namespace,
                receiverName: environment,
                repositoryName: environment,
                provider: config.gitWebhook.provider,
                token: config.gitWebhook.secret,
                labels,
            },
            { dependsOn: [...installed, source] },
        );

    // secretsInGit sops: the age key every Kustomization decrypts SOPS-encrypted manifests with.
    const sops =
        config.delivery.sopsAgeKey &&
        new SopsDecryption(
            "sops",
            {
                namespace: install.namespace,
                secretName: `${environment}-sops-age`,
                ageKey: config.delivery.sopsAgeKey,
                labels,
            },
            afterInstall,
        );

    const kustomizations = new EnvironmentKustomizations(
        "kustomizations",
        {
            // Plain strings, not the components' Outputs: the same values, and the dependencies are explicit (the
            // release, the source, `after`). Each Output input costs the SDK several awaits per Kustomization, which
            // at fleet size was a third of the run (issue 11).
            namespace: flux.namespace,
            sourceName: environment,
            serviceAccountName: environment,
            apps: config.apps.flatMap((a) =>
                targets.map((c) => ({
                    name: kustomizationName(a.name, c),
                    path: a.path,
                    targetNamespace: a.namespace,
                    // Dependencies are per cluster: an app waits for its dependencies on the same cluster.
                    dependsOn: a.dependsOn.map((d) => kustomizationName(d, c)),
                    kubeConfigSecret: c && kubeconfigs?.secretNames[c.name],
                    after: tenancy.resourcesFor(a.namespace),
                })),
            ),
            interval: flux.interval,
            retryInterval: defaults.fluxRetryInterval,
            timeout: defaults.fluxTimeout,
            wait: defaults.fluxWait,
            cascadeDelete,
            labels,
            // The policy pack lets prod workloads be deleted with their Kustomization only with this mark.
            annotations: config.prodOverridesAcknowledged
                ? { [PROD_ACK_ANNOTATION]: config.relaxedSafeguards.join(",") }
                : undefined,
            decryptionSecret: sops ? `${environment}-sops-age` : undefined,
            // Argo Rollouts: a Rollout is healthy when its canary finished, failed when aborted (with `wait`).
            healthCheckExprs: config.delivery.rollouts ? ROLLOUT_HEALTH_CHECK_EXPRS : undefined,
        },
        // The ServiceAccount and its RoleBindings outlive the Kustomizations on destroy: pruning impersonates them.
        // Each Kustomization depends on its own namespace's tenancy objects (`after`), not on the whole component.
        {
            ...scope,
            dependsOn: [
                ...installed,
                source,
                ...reported,
                ...(kubeconfigs ? [kubeconfigs] : []),
                ...(sops ? [sops] : []),
            ],
        },
    );

    if (imageApps.length > 0) {
        new ImageAutomation(
            "image-automation",
            {
                namespace: install.namespace,
                automationName: environment,
                sourceName: source.repositoryName,
                sourceRef: { ...repo.fluxRef },
                images: imageApps.map((a) => ({
                    // The example repository's setter markers name these: {"$imagepolicy": "flux-system:<app>-<env>:tag"}.
                    name: `${a.name}-${tier}`,
                    image: a.image,
                    semverRange: a.semverRange,
                })),
                interval: flux.interval,
                environment: tier,
                labels,
            },
            { ...scope, dependsOn: [...installed, source] },
        );
    }

    new GitOpsAccessControl(
        "access",
        {
            namespace: install.namespace,
            namePrefix: "gitops-stack-flux",
            resources: FLUX_GITOPS_RESOURCES,
            platformGroups: access.platformAdminGroups,
            readOnlyGroups: readOnlyGroups(access),
            labels,
        },
        afterInstall,
    );

    // Operator-neutral add-ons (issue 12). Flux has no UI: deployers promote and abort canaries with kubectl in their
    // environment's namespaces (after the tenancy created them).
    const appNamespaces = [...new Set(config.apps.map((a) => a.namespace))];
    const delivery = deployDeliveryAddons(config, scope, {
        deployerNamespaces: appNamespaces,
        // Each namespace's binding waits for that namespace only (not for all N of them: N x 3N dependencies).
        deployerNamespacesAfter: (ns) => tenancy.resourcesFor(ns),
    });

    return {
        operator: "flux",
        namespace: install.namespace,
        chartVersion: install.chartVersion,
        projects: [],
        applications: kustomizations.kustomizationNames,
        delivery: { ...delivery.outputs, ...(sops ? { sopsAgeRecipient: sops.recipient } : {}) },
        ...(receiver ? { gitWebhookPath: receiver.webhookPath } : {}),
    };
}
