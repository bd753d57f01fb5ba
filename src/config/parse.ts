import { ConfigError } from "./errors";
import { validateApps } from "./rules/apps";
import { validateApplicationSetScope, validateAppsMode } from "./rules/appsMode";
import { validateClusters, withHomeCluster } from "./rules/clusters";
import { validateDelivery } from "./rules/delivery";
import {
    validateChartCaFile,
    validateChartSources,
    validateLocalChartVersions,
    warnUnusedChartKeys,
} from "./rules/chart";
import { validateAccess } from "./rules/access";
import { validateCharacters } from "./rules/characters";
import { ConfigInput } from "./rules/context";
import { validateEnvironmentInvariants } from "./rules/environments";
import { validateFlux } from "./rules/flux";
import { warnFleetSize } from "./rules/fleetSize";
import { validateGitWebhook } from "./rules/gitWebhook";
import { validateImageUpdater } from "./rules/imageUpdater";
import { ignoredKeys, validateKnownKeys } from "./rules/keys";
import { validateKubeContext } from "./rules/kubeContext";
import { validateOperatorChoice, validateOperatorInstall, validateSwitches } from "./rules/operator";
import { validateProdSafeguards } from "./rules/prodSafeguards";
import { validateProviderSettings } from "./rules/provider";
import { validateProjectScope } from "./rules/project";
import { parseRepoUrl, validateRepository, validateRevision } from "./rules/repository";
import { validateSso } from "./rules/sso";
import { validateAlertChannels, validateNotifications } from "./rules/notifications";
import { validateSyncWindow } from "./rules/syncWindows";
import { validateTier } from "./rules/tier";
import type { ConfigSource } from "./source";
import { TIER_DEFAULTS } from "./tiers";
import type { StackConfig } from "./types";

export { PROJECT } from "./constants";
export { isSemverRange, parseRepoUrl } from "./rules/repository";
export type { ConfigSource } from "./source";

/**
 * Reads and validates a stack's whole configuration. Each concern has its rule module under ./rules; this function
 * only runs them in order and assembles the result. Every problem is collected and reported in one ConfigError,
 * thrown before the program registers anything. Secret values are never read here, only their presence.
 */
export function parseStackConfig(source: ConfigSource): StackConfig {
    const input = new ConfigInput(source);
    validateKnownKeys(input);
    validateCharacters(input);
    if (source.checkKubeContext) validateKubeContext(input, source.allConfig?.() ?? {});
    validateProviderSettings(input, source.allConfig?.() ?? {});

    // Tier first: most defaults depend on it.
    const tier = validateTier(input);
    const defaults = TIER_DEFAULTS[tier];
    const isProd = tier === "prod";
    const operator = validateOperatorChoice(input);

    const repo = validateRepository(input);
    const revision = validateRevision(input, operator, defaults);
    const appsMode = validateAppsMode(input, tier, operator);
    const applicationSet = operator === "argocd" && appsMode.appsMode === "applicationset";
    const { apps, rootPath } = validateApps(input, tier, applicationSet);
    validateApplicationSetScope(input, tier, operator, appsMode, apps.length);
    const validatedClusters = validateClusters(input, tier, operator, apps).clusters;
    const install = validateOperatorInstall(input);
    const chartCaFile = validateChartCaFile(input);
    const charts = validateChartSources(input, chartCaFile);
    const switches = validateSwitches(input, defaults);
    const syncWindow = validateSyncWindow(input);
    const project = validateProjectScope(input, isProd, defaults);
    const clusters = withHomeCluster(input, validatedClusters, operator, project.destinationServer);
    warnFleetSize(input, operator, appsMode.appsMode, apps, clusters);
    const access = validateAccess(input, isProd);
    const sso = validateSso(input, operator);
    const slack = validateNotifications(input, tier, operator, defaults, install.argocdUrl);
    const alertChannels = validateAlertChannels(input, tier, operator, defaults, install.argocdUrl, slack);
    const flux = validateFlux(input, defaults);
    const gitWebhook = validateGitWebhook(input, operator, defaults, appsMode.appsMode);
    const restrictDefaultProject = input.bool("restrictDefaultProject");
    validateLocalChartVersions(input, charts, install);
    const imageUpdater = validateImageUpdater(input, operator, flux.imageAutomation, apps, charts.argocdRepository);
    const delivery = validateDelivery(input, operator, defaults, switches.highAvailability, tier, chartCaFile);
    // Argo Rollouts and Sealed Secrets (issue 12) are add-on charts too: imageRegistry applies to them.
    warnUnusedChartKeys(
        input,
        charts.install,
        imageUpdater.chart !== undefined ||
            delivery.rollouts !== undefined ||
            delivery.sealedSecrets !== undefined ||
            delivery.externalSecrets !== undefined,
    );
    validateEnvironmentInvariants(input, {
        tier,
        operator,
        install: charts.install,
        fluxRef: revision.fluxRef,
        argoRevision: revision.argoRevision,
        // Commits are pushed only where automation is on and an app declares what to update.
        automationWrites:
            flux.imageAutomation && apps.some((a) => a.image !== undefined && a.semverRange !== undefined),
        apps,
        applicationSetNamespaces: appsMode.applicationSetNamespaces,
        imageUpdaterWriteSecret: input.str("imageUpdaterWriteSecret") || undefined,
        fluxMultitenancy: flux.multitenancy,
        slackChannels: [
            ...(slack ? [slack.channel] : []),
            ...alertChannels.flatMap((c) => (c.channel === undefined ? [] : [c.channel])),
        ],
        kubeContext: source.allConfig?.()["kubernetes:context"],
    });
    const overrides = validateProdSafeguards(
        input,
        {
            operator,
            install: charts.install,
            ...switches,
            access,
            clusterResources: project.clusterResources,
            restrictDefaultProject,
            fluxMultitenancy: flux.multitenancy,
            imageAutomation: flux.imageAutomation,
            fluxRef: revision.fluxRef,
        },
        isProd,
    );
    const revisionHistoryLimit = input.int("revisionHistoryLimit", 1, 100);
    const retryLimit = input.int("retryLimit", 0, 20);

    const { url, parsed, auth } = repo;
    if (input.problems.length > 0 || !auth || !url || !parsed) throw new ConfigError(source.stack, input.problems);

    return {
        stack: source.stack,
        tier,
        operator,
        repo: {
            url,
            host: parsed.host,
            revision: revision.argoRevision,
            fluxRef: revision.fluxRef ?? { branch: revision.fluxRevision },
            auth,
            credentialScope: repo.credentialScope,
            credentialUrl: repo.credentialUrl,
        },
        apps,
        ...appsMode,
        clusters,
        argocd: {
            namespace: install.argocdNamespace,
            chartVersion: install.argocdChartVersion,
            chart: { repository: charts.argocdRepository, version: install.argocdChartVersion },
            imageRegistry: charts.imageRegistry,
            install: charts.install,
            url: install.argocdUrl,
            highAvailability: switches.highAvailability,
            adminEnabled: switches.adminEnabled,
            ...sso,
            autoSync: switches.autoSync,
            cascadeDelete: switches.cascadeDelete,
            revisionHistoryLimit,
            retryLimit,
            syncWindow: isProd ? syncWindow : undefined,
            destinationServer: project.destinationServer,
            // The same repository spelt another way (case, .git, the scp form) is the one Argo CD already admits.
            sourceRepos: [
                url,
                ...project.extraSourceRepos.filter((r) => parseRepoUrl(r)?.identity !== parsed.identity),
            ],
            clusterResources: project.clusterResources,
            rootPath,
            restrictDefaultProject,
            imageUpdater: imageUpdater.chart && { chart: imageUpdater.chart, writeSecret: imageUpdater.writeSecret },
        },
        flux: {
            namespace: install.fluxNamespace,
            chartVersion: install.fluxChartVersion,
            chart: { repository: charts.fluxRepository, version: install.fluxChartVersion },
            imageRegistry: charts.imageRegistry,
            install: charts.install,
            interval: flux.interval,
            multitenancy: flux.multitenancy,
            imageAutomation: flux.imageAutomation,
            highAvailability: switches.highAvailability,
        },
        delivery: { ...delivery, imageRegistry: charts.imageRegistry },
        access,
        slack,
        alertChannels,
        gitWebhook,
        prodOverridesAcknowledged: overrides.relaxed.length > 0,
        relaxedSafeguards: overrides.relaxed,
        ignoredKeys: ignoredKeys(input, operator),
        warnings: input.warnings,
    };
}
