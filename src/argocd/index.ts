import * as pulumi from "@pulumi/pulumi";
import { appObjectName } from "../config";
import { CLUSTER_ENVIRONMENT_LABEL } from "../config/rules/clusters";
import type { StackConfig } from "../config/types";
import { GitOpsAccessControl, readOnlyGroups } from "../shared/accessControl";
import { EXISTING_INSTALL } from "../shared/chartSource";
import { deployDeliveryAddons, type DeliveryOutputs } from "../shared/delivery";
import { commonLabels, PROD_ACK_ANNOTATION } from "../shared/metadata";
import { rolloutActionPolicies } from "../shared/rollouts";
import { AppProject } from "./appProject";
import { EnvironmentApplicationSet, type AppRequirement } from "./applicationSet";
import { EnvironmentClusters } from "./clusters";
import { ArgoCd, type ArgoGitWebhook } from "./argocd";
import { ARGOCD_WEBHOOK_PATH } from "./constants";
import { ExistingArgoCd } from "./existingInstall";
import { ArgoCdImageUpdater } from "./imageUpdater";
import { DefaultProjectRestriction } from "./defaultProject";
import { EnvironmentApplications } from "./environmentApplications";
import { argoNotifications, subscriptionAnnotations } from "./notifications";
import { argoPolicyCsv, deployerRole, projectRoles } from "./rbac";
import { REPOSITORY_TIMEOUT_SECONDS, REPOSITORY_WARN_AFTER_SECONDS } from "./ordering";
import { RepositoryCredentials } from "./repositoryCredentials";

export { AppProject, appProjectSpec } from "./appProject";
export {
    APP_REQUIREMENTS,
    EnvironmentApplicationSet,
    REQUIREMENT_LABEL_PREFIX,
    applicationSetSpec,
    requirementSelector,
} from "./applicationSet";
export { EnvironmentClusters, argoClusterConfig } from "./clusters";
export { ArgoCd, argoCdValues } from "./argocd";
export { ExistingArgoCd, existingArgoCdConfigMaps } from "./existingInstall";
export { ArgoCdImageUpdater, imageUpdaterSpec, imageUpdaterValues } from "./imageUpdater";
export { DefaultProjectRestriction, RESTRICTED_DEFAULT_SPEC } from "./defaultProject";
export { EnvironmentApplications, applicationSpec } from "./environmentApplications";
export { RepositoryCredentials } from "./repositoryCredentials";

/** Argo CD objects that users change GitOps configuration through. */
export const ARGOCD_GITOPS_RESOURCES = [
    { apiGroup: "argoproj.io", resources: ["applications", "applicationsets", "appprojects"] },
];

export interface ArgoCdStackOutputs {
    operator: "argocd";
    namespace: pulumi.Output<string>;
    chartVersion: pulumi.Output<string>;
    projects: pulumi.Output<string>[];
    applications: pulumi.Output<string[]>;
    /** Argo Rollouts / Sealed Secrets outputs (issue 12). */
    delivery: DeliveryOutputs;
    /** gitWebhook: the path of the API server's webhook (and of the ApplicationSet controller's) to register. */
    gitWebhookPath?: pulumi.Output<string>;
}

/** What an Argo CD stack can deploy besides plain objects (see APP_REQUIREMENTS). Never SOPS: Argo CD cannot decrypt. */
export function argoProvides(config: Pick<StackConfig, "delivery">): AppRequirement[] {
    const { rollouts, secretsInGit } = config.delivery;
    return [
        ...(rollouts ? (["argo-rollouts"] as const) : []),
        ...(secretsInGit === "sealed-secrets" || secretsInGit === "external-secrets" ? [secretsInGit] : []),
    ];
}

/**
 * The Argo CD path of the program: install, credentials, projects, applications and access control. `scope` holds the
 * options of every object created here: the GitOpsStack as parent, and the alias to its URN from before GitOpsStack.
 */
export function deployArgoCd(config: StackConfig, scope: pulumi.ComponentResourceOptions): ArgoCdStackOutputs {
    const { tier, argocd, repo, access, slack } = config;
    const notifications = argoNotifications(slack, config.alertChannels);
    const labels = commonLabels(tier);
    const project = tier;
    const rootProject = `${tier}-bootstrap`;

    const settings = {
        namespace: argocd.namespace,
        adminEnabled: argocd.adminEnabled,
        url: argocd.url,
        dexConfig: argocd.dexConfig,
        oidcConfig: argocd.oidcConfig,
        ssoClientSecret: argocd.ssoClientSecret,
        secretValues: argocd.ssoConfigIsSecret,
        sshKnownHosts: repo.auth.kind === "ssh" ? repo.auth.knownHosts : undefined,
        rbac: {
            // With Argo Rollouts, deployers also promote and abort canaries of their project (resource actions).
            policyCsv:
                argoPolicyCsv(access, tier, project) +
                (config.delivery.rollouts ? rolloutActionPolicies(deployerRole(tier), project).join("\n") + "\n" : ""),
            policyDefault: access.defaultPolicy,
        },
        notifications,
        // Config validation refuses the generic provider for Argo CD, which has no unsigned webhook.
        gitWebhook: config.gitWebhook as ArgoGitWebhook | undefined,
        labels,
    };
    const install =
        argocd.install === "existing"
            ? new ExistingArgoCd("argocd", settings, scope)
            : new ArgoCd(
                  "argocd",
                  {
                      ...settings,
                      chartVersion: argocd.chart.version,
                      chartRepository: argocd.chart.repository,
                      imageRegistry: argocd.imageRegistry,
                      highAvailability: argocd.highAvailability,
                      applicationSetFileGlobbing: config.appsMode === "applicationset",
                  },
                  scope,
              );
    // Custom resources wait for the release (its CRDs must be established first), or for the patched configuration
    // of an existing install.
    const installed: pulumi.Resource[] = install instanceof ArgoCd ? [install.release] : install.ready;
    const afterInstall = { ...scope, dependsOn: installed };

    // Fleet scale (issue 11): the apps go to each of the environment's clusters (default: the one destination) and,
    // in ApplicationSet mode, apps not listed in `apps` are found in Git. Discovered apps deploy into <app>-<env>:
    // the AppProject admits the listed applicationSetNamespaces and, outside prod only, the pattern *-<env> (config
    // validation warns about it).
    const applicationSetMode = config.appsMode === "applicationset";
    const multiCluster = config.clusters.length > 0;
    const destinationServers = multiCluster ? config.clusters.map((c) => c.server) : [argocd.destinationServer];
    const discoveredNamespaces = applicationSetMode
        ? [...config.applicationSetNamespaces, ...(tier === "prod" ? [] : [`*-${tier}`])]
        : [];
    const clusters = multiCluster
        ? [
              new EnvironmentClusters(
                  "clusters",
                  { namespace: install.namespace, environment: tier, clusters: config.clusters, labels },
                  { ...scope, dependsOn: [install] },
              ),
          ]
        : [];

    const credentials = new RepositoryCredentials(
        "repo",
        {
            namespace: install.namespace,
            url: repo.credentialUrl,
            scope: repo.credentialScope,
            auth: repo.auth,
            secretName: `gitops-repo-${repo.credentialScope}`,
            labels,
        },
        { ...scope, dependsOn: [install] },
    );

    const appProject = new AppProject(
        "project",
        {
            namespace: argocd.namespace,
            projectName: project,
            description: `${tier} environment applications (managed by gitops-stack, stack ${config.stack})`,
            sourceRepos: argocd.sourceRepos,
            destinationServer: argocd.destinationServer,
            destinationServers,
            destinationNamespaces: [...config.apps.map((a) => a.namespace), ...discoveredNamespaces],
            clusterResourceWhitelist: argocd.clusterResources,
            roles: projectRoles(access, project),
            syncWindow: argocd.syncWindow,
            labels,
            annotations: subscriptionAnnotations(notifications),
        },
        afterInstall,
    );
    // The root may only create Applications in the Argo CD namespace: an app of the environment project could
    // otherwise write Secrets (repository credentials) there.
    const bootstrapProject = new AppProject(
        "bootstrap-project",
        {
            namespace: argocd.namespace,
            projectName: rootProject,
            description: `${tier} app-of-apps root: Applications added through Git (managed by gitops-stack)`,
            sourceRepos: [repo.url],
            destinationServer: argocd.destinationServer,
            destinationNamespaces: [argocd.namespace],
            clusterResourceWhitelist: [],
            namespaceResourceWhitelist: [{ group: "argoproj.io", kind: "Application" }],
            namespaceResourceBlacklist: [],
            labels,
        },
        afterInstall,
    );

    // Before the root syncs: an Application it adds through Git must not find an open `default` project.
    const restrictions = argocd.restrictDefaultProject
        ? [new DefaultProjectRestriction("default-project", { namespace: install.namespace }, afterInstall)]
        : [];

    const applications = new EnvironmentApplications(
        "apps",
        {
            namespace: argocd.namespace,
            project,
            rootProject,
            repoUrl: repo.url,
            targetRevision: repo.revision,
            destinationServer: argocd.destinationServer,
            root: { name: `${tier}-root`, path: argocd.rootPath },
            // One Application per app and cluster (<env>-<app>-<cluster>) when the environment has several clusters.
            // The home cluster's keep <env>-<app> (appObjectName): adding `clusters` renames none of them.
            apps: config.apps.flatMap((a) =>
                multiCluster
                    ? config.clusters.map((c) => ({
                          name: appObjectName(tier, a.name, c),
                          path: a.path,
                          namespace: a.namespace,
                          server: c.server,
                          // An app waits for its dependencies on the same cluster (as Flux's dependsOn does).
                          dependsOn: a.dependsOn.map((d) => appObjectName(tier, d, c)),
                      }))
                    : [
                          {
                              name: `${tier}-${a.name}`,
                              path: a.path,
                              namespace: a.namespace,
                              dependsOn: a.dependsOn.map((d) => `${tier}-${d}`),
                          },
                      ],
            ),
            autoSync: argocd.autoSync,
            // A dependency's health holds `pulumi up` only where Argo CD syncs it by itself at any time: not with
            // manual sync, and not under a sync window (prod), which can hold automated syncs for hours.
            waitForDependencies: argocd.autoSync && argocd.syncWindow === undefined,
            cascadeDelete: argocd.cascadeDelete,
            retryLimit: argocd.retryLimit,
            revisionHistoryLimit: argocd.revisionHistoryLimit,
            labels,
            // The policy pack lets prod Applications sync automatically or cascade-delete only with this mark.
            annotations: config.prodOverridesAcknowledged
                ? { [PROD_ACK_ANNOTATION]: config.relaxedSafeguards.join(",") }
                : undefined,
            repositoryWait: { hint: repositoryWaitHint(config) },
        },
        // With the credentials first, the first reconciliation of a private repository does not fail; on destroy
        // the Applications go while Argo CD can still read the repository.
        {
            ...scope,
            dependsOn: [...installed, appProject, bootstrapProject, credentials, ...restrictions, ...clusters],
        },
    );

    // Image Updater (imageAutomation, never in prod): same app keys as Flux's image automation. It finds the
    // Applications by exact name and writes to the overlay each one syncs, on the branch the environment tracks.
    if (argocd.imageUpdater) {
        const imageApps = config.apps.filter((a) => a.image !== undefined && a.semverRange !== undefined);
        new ArgoCdImageUpdater(
            "image-updater",
            {
                namespace: install.namespace,
                chartVersion: argocd.imageUpdater.chart.version,
                chartRepository: argocd.imageUpdater.chart.repository,
                imageRegistry: argocd.imageRegistry,
                updaterName: `${tier}-images`,
                repoUrl: repo.url,
                branch: repo.revision,
                images: imageApps.flatMap((a) =>
                    (multiCluster
                        ? config.clusters.map((c) => appObjectName(tier, a.name, c))
                        : [appObjectName(tier, a.name)]
                    ).map((applicationName) => ({
                        applicationName,
                        alias: a.name,
                        image: a.image!,
                        semverRange: a.semverRange!,
                    })),
                ),
                writeCredentialSecret: argocd.imageUpdater.writeSecret,
                labels,
            },
            // Writes go through the repository credentials; the Applications it updates exist first.
            { ...scope, dependsOn: [...installed, credentials, applications] },
        );
    }

    if (applicationSetMode) {
        new EnvironmentApplicationSet(
            "appset",
            {
                applicationSetName: `${tier}-apps`,
                namespace: argocd.namespace,
                project,
                environment: tier,
                repoUrl: repo.url,
                targetRevision: repo.revision,
                destinationServer: argocd.destinationServer,
                appPathTemplate: config.appPathTemplate,
                // Apps listed in `apps` keep their own Applications (and their overrides): the generator skips them.
                excludeApps: config.apps.map((a) => a.name),
                // Folders whose overlay requires what this stack lacks (Rollouts without the controller, SOPS files,
                // which Argo CD cannot decrypt) generate nothing.
                provides: argoProvides(config),
                preserveOnDeletion: tier === "prod",
                // Every cluster Secret of the environment carries the environment label (EnvironmentClusters).
                clusterSelector: multiCluster ? { [CLUSTER_ENVIRONMENT_LABEL]: tier } : undefined,
                homeCluster: config.clusters.find((c) => c.home)?.name,
                autoSync: argocd.autoSync,
                cascadeDelete: argocd.cascadeDelete,
                retryLimit: argocd.retryLimit,
                revisionHistoryLimit: argocd.revisionHistoryLimit,
                labels,
                annotations: config.prodOverridesAcknowledged
                    ? { [PROD_ACK_ANNOTATION]: config.relaxedSafeguards.join(",") }
                    : undefined,
            },
            { ...scope, dependsOn: [...installed, appProject, credentials, ...restrictions, ...clusters] },
        );
    }

    new GitOpsAccessControl(
        "access",
        {
            namespace: install.namespace,
            namePrefix: "gitops-stack-argocd",
            resources: ARGOCD_GITOPS_RESOURCES,
            platformGroups: access.platformAdminGroups,
            readOnlyGroups: readOnlyGroups(access),
            labels,
        },
        afterInstall,
    );

    // Operator-neutral add-ons (issue 12): Argo Rollouts, Sealed Secrets. Deployers steer canaries through Argo CD's
    // resource actions (policy above), so no Kubernetes write access is given to them here.
    const delivery = deployDeliveryAddons(config, scope);

    return {
        operator: "argocd",
        namespace: install.namespace,
        chartVersion: install instanceof ArgoCd ? install.chartVersion : pulumi.output(EXISTING_INSTALL),
        projects: [appProject.projectName, bootstrapProject.projectName],
        applications: applications.applicationNames,
        delivery: delivery.outputs,
        ...(config.gitWebhook ? { gitWebhookPath: pulumi.output(ARGOCD_WEBHOOK_PATH) } : {}),
    };
}

/**
 * What the root's repository wait prints when Argo CD has not read the repository after a minute (issue 25 §1): on
 * a first `up`, almost always a credential the Git host does not know yet, so it says which one and how to get it.
 */
export function repositoryWaitHint(config: StackConfig): string {
    const { repo, stack } = config;
    const where = `${repo.url} at ${repo.revision}`;
    const credential =
        repo.auth.kind === "ssh"
            ? `register the stack's deploy key on ${repo.host} (npm run gitops -- deploy-key --stack ${stack} prints it, its fingerprint and where; the deploy-key stack output exists only after a successful up)`
            : repo.auth.kind === "https"
              ? `check that the token httpsToken (user ${repo.auth.username}) may read ${repo.url}`
              : `check that the GitHub App ${repo.auth.appId} is installed on ${repo.url} (installation ${repo.auth.installationId})`;
    return (
        `Argo CD has not read ${where} after ${REPOSITORY_WARN_AFTER_SECONDS} s; this up waits for it up to ${REPOSITORY_TIMEOUT_SECONDS} s, then fails here and creates no other Application. ` +
        `If the Git host does not know the credential yet, ${credential}; also check that ${config.argocd.rootPath} exists at ${repo.revision}. ` +
        `Argo CD's own message: kubectl -n ${config.argocd.namespace} get application ${config.tier}-root -o jsonpath='{.status.conditions[*].message}'. Then run pulumi up again.`
    );
}
