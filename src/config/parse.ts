import type * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { SSO_SECRET, SSO_SECRET_REF } from "../argocd/constants";
import { describeRef } from "../flux/constants";
import { ConfigError, type ConfigProblem } from "./errors";
import {
    DECLARED_KEYS,
    OPERATOR_ONLY_KEYS,
    SECRET_KEYS,
    STRUCTURED_KEYS,
    type DeclaredKey,
    type DeclaredKeyName,
    type SecretKeyName,
} from "./keys";
import { TIER_DEFAULTS } from "./tiers";
import {
    AUTH_KINDS,
    OPERATORS,
    SLACK_EVENTS,
    TIERS,
    type AppConfig,
    type FluxRef,
    type GitAuth,
    type GroupKind,
    type Operator,
    type SlackConfig,
    type SlackEvent,
    type StackConfig,
    type Tier,
} from "./types";

export const PROJECT = "gitops-stack";

/** Where configuration comes from: the Pulumi engine in a real run, the stack file in tests and the render. */
export interface ConfigSource {
    readonly stack: string;
    /** The raw value of a project key as the engine stores it (JSON text for arrays and objects). */
    get(key: string): string | undefined;
    /** A secret project key as a secret Output, or undefined when the stack does not set it. */
    getSecret(key: SecretKeyName): pulumi.Output<string> | undefined;
    /** Whether the stack stores the key encrypted (`pulumi config set --secret`). */
    isSecret(key: string): boolean;
    /** Names (without the project prefix) of every project key the stack sets. */
    keys(): string[];
}

/** Any reference into the Secret the program stores the SSO client secret in. */
const SSO_SECRET_PREFIX = `$${SSO_SECRET}:`;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CHART_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const GIT_REVISION = /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/;
const GO_DURATION = /^(\d+(ms|s|m|h))+$/;
const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9._:@/+-]*$/;
const SLACK_CHANNEL = /^#?([A-Za-z0-9][A-Za-z0-9._-]{0,79})$/;
const IMAGE_REPO = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+$/;
const SEMVER_COMPARATOR = /^(>=|<=|>|<|=|~|\^)?v?\d+(\.(\d+|x|\*)){0,2}(-[0-9A-Za-z.-]+)?$/;
const GROUP_KIND = /^([a-z0-9.-]*)\/([A-Z][A-Za-z0-9]*)$/;
const KNOWN_HOST_LINE =
    /^(\S+)\s+(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+[A-Za-z0-9+/]+={0,3}(\s.*)?$/;
/** Namespaces an application must never deploy into: the cluster's own and the operators'. */
const RESERVED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"];
const APP_FIELDS = ["name", "namespace", "path", "dependsOn", "image", "semverRange"];

interface ParsedRepoUrl {
    readonly scheme: "ssh" | "https";
    readonly host: string;
    readonly port?: string;
    readonly path: string;
}

/** Parses the Git URL forms Argo CD and Flux both accept. http:// is refused: credentials would travel in clear. */
export function parseRepoUrl(url: string): ParsedRepoUrl | undefined {
    const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):([A-Za-z0-9._~/-]+)$/.exec(url);
    if (scp && !scp[2].startsWith("/")) return { scheme: "ssh", host: scp[1], path: scp[2] };
    const ssh = /^ssh:\/\/[A-Za-z0-9._-]+@([A-Za-z0-9.-]+)(?::(\d+))?\/([A-Za-z0-9._~/-]+)$/.exec(url);
    if (ssh) return { scheme: "ssh", host: ssh[1], port: ssh[2], path: ssh[3] };
    const https = /^https:\/\/([A-Za-z0-9.-]+)(?::(\d+))?\/([A-Za-z0-9._~/-]+)$/.exec(url);
    if (https) return { scheme: "https", host: https[1], port: https[2], path: https[3] };
    return undefined;
}

/** Flux's ref forms. Argo CD's targetRevision is the same text without a prefix. */
function parseFluxRef(revision: string): FluxRef | undefined {
    const [prefix, ...rest] = revision.split(":");
    const value = rest.join(":");
    if (rest.length === 0) return GIT_REVISION.test(revision) ? { branch: revision } : undefined;
    if (prefix === "tag") return GIT_REVISION.test(value) ? { tag: value } : undefined;
    if (prefix === "semver") return isSemverRange(value) ? { semver: value } : undefined;
    return undefined;
}

export function isSemverRange(range: string): boolean {
    const alternatives = range.split("||").map((s) => s.trim());
    return alternatives.every((alt) => {
        const parts = alt.split(/\s+/).filter((p) => p !== "");
        return parts.length > 0 && parts.every((p) => SEMVER_COMPARATOR.test(p));
    });
}

function isCron(schedule: string): boolean {
    const fields = schedule.trim().split(/\s+/);
    return fields.length === 5 && fields.every((f) => /^[A-Za-z0-9*,/-]+$/.test(f));
}

function isTimeZone(zone: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}

const quote = (value: unknown): string => JSON.stringify(value);

/**
 * Reads and validates a stack's whole configuration. Every problem is collected and reported in one ConfigError,
 * thrown before the program registers anything. Secret values are never read here, only their presence.
 */
export function parseStackConfig(source: ConfigSource): StackConfig {
    const problems: ConfigProblem[] = [];
    const key = (name: string) => `${PROJECT}:${name}`;
    const problem = (name: string, message: string) => problems.push({ key: key(name), message });

    const raw = (name: DeclaredKeyName): string | undefined => {
        const value = source.get(name);
        return value === undefined ? undefined : value;
    };
    const str = (name: DeclaredKeyName): string => {
        const value = raw(name);
        if (value !== undefined) return value.trim();
        const declared = DECLARED_KEYS[name];
        return "default" in declared ? String(declared.default) : "";
    };
    const oneOf = <T extends string>(name: DeclaredKeyName, allowed: readonly T[], value = str(name)): T => {
        if ((allowed as readonly string[]).includes(value)) return value as T;
        problem(name, `${quote(value)} is not valid; expected one of ${allowed.join(", ")}.`);
        return allowed[0];
    };
    const bool = (name: DeclaredKeyName): boolean => {
        const value = str(name);
        if (value === "true" || value === "false") return value === "true";
        problem(name, `${quote(value)} is not valid; expected true or false.`);
        return false;
    };
    /** A tier-dependent switch: "" takes the tier default. */
    const tierBool = (name: DeclaredKeyName, tierDefault: boolean): boolean => {
        const value = str(name);
        if (value === "") return tierDefault;
        if (value === "true" || value === "false") return value === "true";
        problem(name, `${quote(value)} is not valid; expected true, false, or empty for the tier default.`);
        return tierDefault;
    };
    const int = (name: DeclaredKeyName, min: number, max: number): number => {
        const value = str(name);
        const n = Number(value);
        if (/^-?\d+$/.test(value) && n >= min && n <= max) return n;
        problem(name, `${quote(value)} is not valid; expected a whole number from ${min} to ${max}.`);
        return min;
    };
    const list = (name: DeclaredKeyName): string[] => {
        const value = raw(name);
        if (value === undefined) return [...(DECLARED_KEYS[name] as { default: readonly string[] }).default];
        let parsed: unknown;
        try {
            parsed = JSON.parse(value);
        } catch {
            parsed = undefined;
        }
        if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed.map((v) => v.trim());
        problem(name, `${quote(value)} is not valid; expected a list of strings (YAML sequence in the stack file).`);
        return [];
    };
    const pattern = (name: DeclaredKeyName, re: RegExp, expected: string, value = str(name)): string => {
        if (!re.test(value)) problem(name, `${quote(value)} is not valid; expected ${expected}.`);
        return value;
    };

    // A misspelt key would otherwise be ignored silently and its default used.
    const known = new Set<string>([
        ...Object.keys(DECLARED_KEYS),
        ...Object.keys(SECRET_KEYS),
        ...Object.keys(STRUCTURED_KEYS),
    ]);
    for (const name of source.keys()) {
        if (!known.has(name))
            problem(
                name,
                `is not a gitops-stack key; expected one of the keys in the README's configuration reference (remove it, or fix its spelling).`,
            );
    }

    // Tier first: most defaults depend on it.
    const envValue = str("environment");
    let tier: Tier;
    if (envValue === "") {
        if ((TIERS as readonly string[]).includes(source.stack)) {
            tier = source.stack as Tier;
        } else {
            problem(
                "environment",
                `is not set and the stack name ${quote(source.stack)} is not a tier; expected one of ${TIERS.join(", ")} (pulumi config set environment <tier>).`,
            );
            tier = "prod"; // validate the rest with the strictest rules
        }
    } else {
        tier = oneOf("environment", TIERS, envValue);
    }
    const defaults = TIER_DEFAULTS[tier];
    const isProd = tier === "prod";

    const operator = oneOf("operator", OPERATORS);

    // Repository and credentials.
    const repoUrl = raw("repoUrl")?.trim();
    const parsedUrl = repoUrl === undefined ? undefined : parseRepoUrl(repoUrl);
    if (repoUrl === undefined || repoUrl === "") {
        problem(
            "repoUrl",
            "is required; expected git@host:org/repo.git or https://host/org/repo.git (pulumi config set repoUrl <url>).",
        );
    } else if (!parsedUrl) {
        problem(
            "repoUrl",
            `${quote(repoUrl)} is not valid; expected git@host:org/repo.git, ssh://git@host[:port]/org/repo.git or https://host[:port]/org/repo.git.`,
        );
    }
    const authKind = oneOf("authKind", AUTH_KINDS);
    if (parsedUrl && authKind === "ssh" && parsedUrl.scheme !== "ssh") {
        problem(
            "authKind",
            `"ssh" needs an SSH repoUrl, but repoUrl is ${quote(repoUrl)}; expected git@host:org/repo.git or authKind https/githubApp.`,
        );
    }
    if (parsedUrl && authKind !== "ssh" && parsedUrl.scheme !== "https") {
        problem(
            "authKind",
            `${quote(authKind)} needs an https:// repoUrl, but repoUrl is ${quote(repoUrl)}; expected https://host/org/repo.git or authKind ssh.`,
        );
    }
    const secret = (name: SecretKeyName, when: string): pulumi.Output<string> | undefined => {
        const value = source.getSecret(name);
        if (value === undefined) {
            problem(name, `is required ${when}; set it with: pulumi config set --secret ${name} <value>.`);
        } else if (!source.isSecret(key(name))) {
            problem(
                name,
                `is stored in plain text; expected a secret: run pulumi config set --secret ${name} <value>.`,
            );
        }
        return value;
    };
    let auth: GitAuth | undefined;
    if (authKind === "ssh") {
        const knownHosts = str("sshKnownHosts");
        const lines = knownHosts
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l !== "" && !l.startsWith("#"));
        const bad = lines.find((l) => !KNOWN_HOST_LINE.test(l));
        const hostPattern = parsedUrl?.port ? `[${parsedUrl.host}]:${parsedUrl.port}` : parsedUrl?.host;
        if (lines.length === 0) {
            problem(
                "sshKnownHosts",
                `is required with authKind ssh (host keys are pinned, never skipped); expected known_hosts lines such as "${parsedUrl?.host ?? "github.com"} ssh-ed25519 AAAA...", e.g. from ssh-keyscan ${parsedUrl?.host ?? "<host>"}.`,
            );
        } else if (bad !== undefined) {
            problem(
                "sshKnownHosts",
                `line ${quote(bad.slice(0, 60))} is not valid; expected "<host> <key-type> <base64-key>".`,
            );
        } else if (
            hostPattern &&
            !lines.some((l) =>
                l
                    .split(/\s+/)[0]
                    .split(",")
                    .some((h) => h === hostPattern || h.startsWith("|1|")),
            )
        ) {
            problem(
                "sshKnownHosts",
                `has no entry for the repository host ${quote(hostPattern)}; expected a line starting with ${hostPattern}.`,
            );
        }
        const privateKey = secret("sshPrivateKey", "with authKind ssh");
        if (privateKey) auth = { kind: "ssh", knownHosts: lines.join("\n"), privateKey };
    } else if (authKind === "https") {
        const username = pattern("httpsUsername", /^[^\s:]+$/, "a user name without spaces or colons");
        const token = secret("httpsToken", "with authKind https");
        if (token) auth = { kind: "https", username, token };
    } else {
        const appId = str("githubAppId");
        const installationId = str("githubAppInstallationId");
        pattern("githubAppId", /^\d+$/, "the numeric GitHub App ID (with authKind githubApp)", appId);
        pattern(
            "githubAppInstallationId",
            /^\d+$/,
            "the numeric installation ID (with authKind githubApp)",
            installationId,
        );
        const enterpriseBaseUrl = str("githubAppEnterpriseBaseUrl");
        if (enterpriseBaseUrl !== "")
            pattern("githubAppEnterpriseBaseUrl", /^https:\/\/\S+$/, "an https:// API base URL", enterpriseBaseUrl);
        const privateKey = secret("githubAppPrivateKey", "with authKind githubApp");
        if (privateKey) {
            auth = {
                kind: "githubApp",
                appId,
                installationId,
                privateKey,
                enterpriseBaseUrl: enterpriseBaseUrl || undefined,
            };
        }
    }
    const credentialScope = oneOf("credentialScope", ["repository", "repo-creds"] as const);
    let credentialUrl = repoUrl ?? "";
    if (credentialScope === "repo-creds") {
        const prefix = str("credentialUrlPrefix");
        const owner = repoUrl?.replace(/[^/:]+$/, "") ?? "";
        credentialUrl = prefix === "" ? owner : prefix;
        if (prefix !== "" && repoUrl && !repoUrl.startsWith(prefix)) {
            problem(
                "credentialUrlPrefix",
                `${quote(prefix)} is not a prefix of repoUrl ${quote(repoUrl)}; expected e.g. ${quote(owner)}.`,
            );
        }
    }

    const revisionValue = str("targetRevision");
    const fluxRevision = revisionValue === "" ? defaults.fluxRevision : revisionValue;
    const argoRevision = revisionValue === "" ? defaults.argoRevision : revisionValue;
    const fluxRef = parseFluxRef(fluxRevision);
    if (operator === "flux" && !fluxRef) {
        problem(
            "targetRevision",
            `${quote(revisionValue)} is not valid for Flux; expected a branch name, tag:<tag> or semver:<range>.`,
        );
    }
    if (operator === "argocd" && !GIT_REVISION.test(argoRevision)) {
        problem(
            "targetRevision",
            `${quote(revisionValue)} is not valid for Argo CD; expected a branch, tag or commit (no tag:/semver: prefix).`,
        );
    }

    // Applications.
    const pathTemplate = str("appPathTemplate");
    if (!pathTemplate.includes("{app}") || pathTemplate.startsWith("/") || pathTemplate.split("/").includes("..")) {
        problem(
            "appPathTemplate",
            `${quote(pathTemplate)} is not valid; expected a relative path containing {app}, e.g. apps/{app}/overlays/{env}.`,
        );
    }
    const rootTemplate = str("rootPathTemplate");
    if (rootTemplate === "" || rootTemplate.startsWith("/") || rootTemplate.split("/").includes("..")) {
        problem(
            "rootPathTemplate",
            `${quote(rootTemplate)} is not valid; expected a relative path, e.g. environments/{env}.`,
        );
    }
    const fill = (template: string, app: string) => template.replaceAll("{app}", app).replaceAll("{env}", tier);
    const apps = parseApps(
        source.get("apps"),
        tier,
        (m) => problems.push({ key: key("apps"), message: m }),
        (a) => fill(pathTemplate, a),
    );
    const reserved = [...RESERVED_NAMESPACES, str("argocdNamespace"), str("fluxNamespace")];
    for (const app of apps) {
        if (reserved.includes(app.namespace)) {
            problems.push({
                key: key("apps"),
                message: `app ${quote(app.name)} deploys into the reserved namespace ${quote(app.namespace)}; expected a namespace of its own.`,
            });
        }
    }

    // Operator installs.
    const argocdNamespace = pattern("argocdNamespace", DNS_LABEL, "a namespace name (lowercase letters, digits, '-')");
    const fluxNamespace = pattern("fluxNamespace", DNS_LABEL, "a namespace name (lowercase letters, digits, '-')");
    const argocdChartVersion = pattern(
        "argocdChartVersion",
        CHART_VERSION,
        "an exact chart version such as 10.1.1 (no ranges, never latest)",
    );
    const fluxChartVersion = pattern(
        "fluxChartVersion",
        CHART_VERSION,
        "an exact chart version such as 2.18.3 (no ranges, never latest)",
    );
    let argocdUrl: string | undefined = str("argocdUrl").replace(/\/+$/, "");
    if (argocdUrl === "") argocdUrl = undefined;
    else
        pattern(
            "argocdUrl",
            /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/,
            "the https:// URL of the Argo CD UI",
            argocdUrl,
        );

    // Safety switches, with the prod acknowledgement.
    const autoSync = tierBool("autoSync", defaults.autoSync);
    const cascadeDelete = tierBool("cascadeDelete", defaults.cascadeDelete);
    const highAvailability = tierBool("highAvailability", defaults.highAvailability);
    const adminEnabled = tierBool("adminEnabled", defaults.adminEnabled);
    const acknowledged = bool("acknowledgeProdOverrides");
    if (isProd && !acknowledged) {
        const relaxed = [
            autoSync && "autoSync=true (automated sync)",
            cascadeDelete && "cascadeDelete=true (destroy deletes workloads)",
            !highAvailability && "highAvailability=false",
            adminEnabled && "adminEnabled=true (local admin account)",
        ].filter((x): x is string => typeof x === "string");
        for (const what of relaxed) {
            problem(
                "acknowledgeProdOverrides",
                `stack relaxes a prod safety default: ${what}; expected the default, or acknowledgeProdOverrides=true to accept the risk.`,
            );
        }
    }

    const syncSchedule = str("syncWindowSchedule");
    if (!isCron(syncSchedule))
        problem(
            "syncWindowSchedule",
            `${quote(syncSchedule)} is not valid; expected a 5-field cron schedule such as "0 8 * * 1-5".`,
        );
    const syncDuration = pattern("syncWindowDuration", GO_DURATION, "a duration such as 10h or 90m");
    const syncTimeZone = str("syncWindowTimeZone");
    if (!isTimeZone(syncTimeZone))
        problem(
            "syncWindowTimeZone",
            `${quote(syncTimeZone)} is not valid; expected an IANA time zone such as UTC or Europe/Berlin.`,
        );

    const destinationServer = pattern(
        "destinationServer",
        /^https:\/\/\S+$/,
        "the https:// URL of a Kubernetes API server",
    );
    const extraSourceRepos = list("extraSourceRepos");
    for (const repo of extraSourceRepos) {
        if (repo === "*" && isProd)
            problem("extraSourceRepos", `"*" is not allowed in prod; expected explicit repository URLs.`);
        else if (repo === "" || /\s/.test(repo))
            problem("extraSourceRepos", `${quote(repo)} is not valid; expected a repository URL.`);
    }
    const clusterResources: GroupKind[] = [...defaults.clusterResources];
    for (const entry of list("extraClusterResources")) {
        const m = GROUP_KIND.exec(entry);
        if (!m)
            problem(
                "extraClusterResources",
                `${quote(entry)} is not valid; expected group/Kind, e.g. rbac.authorization.k8s.io/ClusterRole or /Namespace.`,
            );
        else if (!clusterResources.some((gk) => gk.group === m[1] && gk.kind === m[2]))
            clusterResources.push({ group: m[1], kind: m[2] });
    }

    // Access control: one set of group names for Argo CD RBAC, project roles and Kubernetes RBAC.
    const groups = (name: DeclaredKeyName): string[] => {
        const values = list(name);
        for (const g of values) {
            if (!GROUP_NAME.test(g)) {
                problem(
                    name,
                    `group ${quote(g)} is malformed; expected an SSO group name of letters, digits and . _ : @ / + - (no spaces or commas).`,
                );
            }
        }
        return values;
    };
    const platformAdminGroups = groups("platformAdminGroups");
    const deployerGroups = groups("deployerGroups");
    const developerGroups = groups("developerGroups");
    if (isProd && deployerGroups.length === 0) {
        problem(
            "deployerGroups",
            "is empty in prod; expected at least one SSO group allowed to sync prod (e.g. [acme:release-managers]).",
        );
    }
    const defaultPolicy = str("rbacDefaultPolicy");
    if (!["", "role:readonly", "role:admin"].includes(defaultPolicy)) {
        problem(
            "rbacDefaultPolicy",
            `unknown role ${quote(defaultPolicy)}; expected role:readonly, role:admin, or empty to deny by default.`,
        );
    } else if (isProd && defaultPolicy === "role:admin" && !acknowledged) {
        problem(
            "acknowledgeProdOverrides",
            "stack relaxes a prod safety default: rbacDefaultPolicy=role:admin (every signed-in user may sync and delete prod); expected role:readonly or empty, or acknowledgeProdOverrides=true to accept the risk.",
        );
    }
    const dexConfig = str("ssoDexConfig") || undefined;
    const oidcConfig = str("ssoOidcConfig") || undefined;
    if (dexConfig && oidcConfig) {
        problem(
            "ssoOidcConfig",
            "is set together with ssoDexConfig; expected only one of ssoDexConfig and ssoOidcConfig.",
        );
    }
    // Client secrets never sit in the SSO config: it goes into the Helm values, the state and every preview.
    let ssoClientSecret: pulumi.Output<string> | undefined;
    for (const [name, text] of [
        ["ssoDexConfig", dexConfig],
        ["ssoOidcConfig", oidcConfig],
    ] as const) {
        if (!text) continue;
        const sso = checkSsoConfig(text);
        if (sso.invalidYaml) {
            problem(
                name,
                `is not valid YAML (${sso.invalidYaml}); expected the ${name === "ssoDexConfig" ? "dex.config" : "oidc.config"} text Argo CD reads.`,
            );
            continue;
        }
        for (const field of sso.plainText)
            problem(
                name,
                `holds a ${field} in plain text; expected ${field}: ${SSO_SECRET_REF}, with the value set by pulumi config set --secret ssoClientSecret <value>.`,
            );
        for (const [field, value] of sso.argocdSecretKeys)
            problem(
                name,
                `${field} ${quote(value)} refers to a key of argocd-secret, which this program does not fill; expected ${SSO_SECRET_REF} (pulumi config set --secret ssoClientSecret <value>), or $<secret>:<key> of a Secret you manage (labelled app.kubernetes.io/part-of: argocd, in the Argo CD namespace).`,
            );
        for (const value of sso.otherSsoKeys)
            problem(
                name,
                `refers to ${quote(value)}; the argocd-sso Secret holds only clientSecret: expected ${SSO_SECRET_REF}.`,
            );
        // Flux has no SSO: the config is then ignored (with a warning), and so is its secret.
        if (operator === "argocd" && sso.usesSsoSecret)
            ssoClientSecret = secret("ssoClientSecret", `when ${name} refers to ${SSO_SECRET_REF}`);
    }
    const ssoConfigIsSecret =
        (dexConfig !== undefined && source.isSecret(key("ssoDexConfig"))) ||
        (oidcConfig !== undefined && source.isSecret(key("ssoOidcConfig")));

    // Slack: the channel switches notifications on; the token must then be a secret.
    const channel = str("slackChannel");
    const eventsValue = list("slackTriggers");
    let slack: SlackConfig | undefined;
    for (const e of eventsValue) {
        if (!(SLACK_EVENTS as readonly string[]).includes(e))
            problem("slackTriggers", `${quote(e)} is not valid; expected any of ${SLACK_EVENTS.join(", ")}.`);
    }
    if (channel !== "") {
        const m = SLACK_CHANNEL.exec(channel);
        if (!m)
            problem(
                "slackChannel",
                `${quote(channel)} is not valid; expected a Slack channel name such as deploys-${tier}.`,
            );
        const events = eventsValue.length > 0 ? (eventsValue as SlackEvent[]) : [...defaults.slackEvents];
        if (isProd && !(events.includes("sync-failed") && events.includes("health-degraded"))) {
            problem(
                "slackTriggers",
                `${quote(events)} leaves out sync-failed or health-degraded; prod must notify at least those.`,
            );
        }
        if (argocdUrl === undefined && operator === "argocd") {
            problem(
                "argocdUrl",
                "is empty but slackChannel is set; expected the https:// URL of the Argo CD UI, so notifications can link to the application.",
            );
        }
        const token = secret("slackToken", "when slackChannel is set");
        if (m && token) slack = { channel: m[1], token, events };
    } else if (eventsValue.length > 0) {
        problem(
            "slackChannel",
            "is empty but slackTriggers is set; expected a channel to turn Slack notifications on, or no slackTriggers.",
        );
    }

    // Flux.
    const fluxIntervalValue = str("fluxInterval");
    const fluxInterval = fluxIntervalValue === "" ? defaults.fluxInterval : fluxIntervalValue;
    pattern("fluxInterval", GO_DURATION, "a duration such as 5m", fluxInterval);
    const imageAutomation = tierBool("imageAutomation", defaults.imageAutomation);
    if (isProd && imageAutomation) {
        problem(
            "imageAutomation",
            "is true in prod; image updates are never written by automation in prod (promote by pull request); expected false or empty.",
        );
    }
    const fluxMultitenancy = bool("fluxMultitenancy");
    // The automation pushes its commits to the branch the GitRepository tracks; a tag or semver ref has none.
    if (
        operator === "flux" &&
        imageAutomation &&
        fluxRef !== undefined &&
        !("branch" in fluxRef) &&
        apps.some((a) => a.image !== undefined && a.semverRange !== undefined)
    ) {
        problem(
            "targetRevision",
            `image automation pushes commits to a branch, but the GitRepository tracks ${describeRef(fluxRef)}; expected a branch name, or imageAutomation=false (image automation is on by default in ${tier}).`,
        );
    }

    const revisionHistoryLimit = int("revisionHistoryLimit", 1, 100);
    const retryLimit = int("retryLimit", 0, 20);

    if (problems.length > 0 || !auth) throw new ConfigError(source.stack, problems);

    return {
        stack: source.stack,
        tier,
        operator,
        repo: {
            url: repoUrl!,
            host: parsedUrl!.host,
            revision: argoRevision,
            fluxRef: fluxRef ?? { branch: fluxRevision },
            auth,
            credentialScope,
            credentialUrl,
        },
        apps,
        argocd: {
            namespace: argocdNamespace,
            chartVersion: argocdChartVersion,
            url: argocdUrl,
            highAvailability,
            adminEnabled,
            dexConfig,
            oidcConfig,
            ssoClientSecret,
            ssoConfigIsSecret,
            autoSync,
            cascadeDelete,
            revisionHistoryLimit,
            retryLimit,
            syncWindow: isProd ? { schedule: syncSchedule, duration: syncDuration, timeZone: syncTimeZone } : undefined,
            destinationServer,
            sourceRepos: [repoUrl!, ...extraSourceRepos.filter((r) => r !== repoUrl)],
            clusterResources,
            rootPath: fill(rootTemplate, ""),
            restrictDefaultProject: bool("restrictDefaultProject"),
        },
        flux: {
            namespace: fluxNamespace,
            chartVersion: fluxChartVersion,
            interval: fluxInterval,
            multitenancy: fluxMultitenancy,
            imageAutomation,
            highAvailability,
        },
        access: { platformAdminGroups, deployerGroups, developerGroups, defaultPolicy },
        slack,
        prodOverridesAcknowledged: isProd && acknowledged,
        // The CLI passes Pulumi.yaml's defaults as set keys: only a value other than the default is the stack's own.
        ignoredKeys: ignoredKeys(
            operator,
            source.keys().filter((name) => !isDeclaredDefault(name, source.get(name))),
        ),
    };
}

interface SsoConfigCheck {
    /** The parser's message when the text is not YAML. */
    readonly invalidYaml?: string;
    /** Client-secret fields holding a literal value. */
    readonly plainText: string[];
    /** Client-secret fields naming a key of argocd-secret (`$key`), with the reference. */
    readonly argocdSecretKeys: Array<[string, string]>;
    /** References to the argocd-sso Secret other than its one key. */
    readonly otherSsoKeys: string[];
    /** Some value is the reference to the client secret the program stores. */
    readonly usesSsoSecret: boolean;
}

const CLIENT_SECRET_FIELDS = ["clientSecret", "client_secret"];

/** Reads an SSO config (dex.config or oidc.config YAML) for client secrets and references to Secrets. */
function checkSsoConfig(text: string): SsoConfigCheck {
    const result = {
        plainText: [] as string[],
        argocdSecretKeys: [] as Array<[string, string]>,
        otherSsoKeys: [] as string[],
        usesSsoSecret: false,
    };
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch (err) {
        return { ...result, invalidYaml: (err as Error).message.split("\n")[0] };
    }
    const visit = (value: unknown, field: string | undefined): void => {
        if (Array.isArray(value)) return value.forEach((v) => visit(v, undefined));
        if (value !== null && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) visit(v, k);
            return;
        }
        if (typeof value === "string" && value.startsWith(SSO_SECRET_PREFIX)) {
            if (value === SSO_SECRET_REF) result.usesSsoSecret = true;
            else result.otherSsoKeys.push(value);
            return;
        }
        if (field === undefined || !CLIENT_SECRET_FIELDS.includes(field)) return;
        // An empty secret is a public client (PKCE): nothing to keep secret.
        if (value === null || value === "") return;
        if (typeof value !== "string" || !value.startsWith("$")) result.plainText.push(field);
        else if (!value.includes(":")) result.argocdSecretKeys.push([field, value]);
    };
    visit(doc, undefined);
    return result;
}

/** Whether a raw engine value is the default Pulumi.yaml declares for the key. */
function isDeclaredDefault(name: string, value: string | undefined): boolean {
    const declared = (DECLARED_KEYS as Record<string, DeclaredKey>)[name];
    if (!declared || !("default" in declared) || value === undefined) return false;
    if (!Array.isArray(declared.default)) return value.trim() === String(declared.default);
    try {
        return JSON.stringify(JSON.parse(value)) === JSON.stringify(declared.default);
    } catch {
        return false;
    }
}

/** Keys the stack sets that only the other operator reads, in the order of OPERATOR_ONLY_KEYS. */
function ignoredKeys(operator: Operator, set: readonly string[]): string[] {
    const other = OPERATORS.filter((o) => o !== operator);
    return other.flatMap((o) => OPERATOR_ONLY_KEYS[o]).filter((k) => set.includes(k));
}

/** Validates the structured `apps` key: a non-empty list of objects with known fields only. */
function parseApps(
    value: string | undefined,
    tier: Tier,
    problem: (message: string) => void,
    pathFor: (app: string) => string,
): AppConfig[] {
    const example = "[{ name: guestbook, namespace: guestbook }]";
    if (value === undefined) {
        problem(`is required; expected a list of apps such as ${example} in the stack file.`);
        return [];
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(value);
    } catch {
        parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
        problem(`${quote(value)} is not valid; expected a non-empty list of apps such as ${example}.`);
        return [];
    }
    const apps: AppConfig[] = [];
    // Application names are "<tier>-<app>" and label values are limited to 63 characters.
    const maxName = 63 - tier.length - 1;
    parsed.forEach((entry: unknown, i) => {
        const where = `apps[${i}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problem(`${where} is ${quote(entry)}; expected an object with name and namespace.`);
            return;
        }
        const e = entry as Record<string, unknown>;
        for (const field of Object.keys(e)) {
            if (!APP_FIELDS.includes(field))
                problem(`${where} has unknown field ${quote(field)}; expected only ${APP_FIELDS.join(", ")}.`);
        }
        const name = e.name;
        const label = typeof name === "string" ? `app ${quote(name)}` : where;
        if (typeof name !== "string" || !DNS_LABEL.test(name) || name.length > maxName) {
            problem(
                `${where}.name ${quote(name)} is not valid; expected a lowercase DNS label of at most ${maxName} characters.`,
            );
            return;
        }
        if (apps.some((a) => a.name === name)) problem(`app name ${quote(name)} is used twice; expected unique names.`);
        const namespace = e.namespace;
        if (typeof namespace !== "string" || !DNS_LABEL.test(namespace)) {
            problem(
                `${label}.namespace ${quote(namespace)} is not valid; expected a namespace name (lowercase letters, digits, '-').`,
            );
        }
        let path = pathFor(name);
        if (e.path !== undefined) {
            if (
                typeof e.path !== "string" ||
                e.path === "" ||
                e.path.startsWith("/") ||
                e.path.split("/").includes("..")
            ) {
                problem(`${label}.path ${quote(e.path)} is not valid; expected a relative path inside the repository.`);
            } else {
                path = e.path.replaceAll("{env}", tier);
            }
        }
        const dependsOn = e.dependsOn ?? [];
        if (!Array.isArray(dependsOn) || !dependsOn.every((d) => typeof d === "string")) {
            problem(`${label}.dependsOn ${quote(dependsOn)} is not valid; expected a list of app names.`);
        }
        const image = e.image;
        const semverRange = e.semverRange;
        if (image !== undefined && (typeof image !== "string" || !IMAGE_REPO.test(image))) {
            problem(
                `${label}.image ${quote(image)} is not valid; expected an image repository without tag, e.g. ghcr.io/org/app.`,
            );
        }
        if (semverRange !== undefined && (typeof semverRange !== "string" || !isSemverRange(semverRange))) {
            problem(
                `${label}.semverRange ${quote(semverRange)} is not valid; expected a semver range such as ">=1.0.0 <2.0.0".`,
            );
        }
        if ((image === undefined) !== (semverRange === undefined)) {
            problem(`${label} sets only one of image and semverRange; expected both (image automation) or neither.`);
        }
        apps.push({
            name,
            namespace: String(namespace),
            path,
            dependsOn: Array.isArray(dependsOn) ? dependsOn.map(String) : [],
            image: typeof image === "string" ? image : undefined,
            semverRange: typeof semverRange === "string" ? semverRange : undefined,
        });
    });
    const names = new Set(apps.map((a) => a.name));
    for (const app of apps) {
        for (const dep of app.dependsOn) {
            if (dep === app.name) problem(`app ${quote(app.name)} depends on itself; expected other app names.`);
            else if (!names.has(dep))
                problem(
                    `app ${quote(app.name)} depends on unknown app ${quote(dep)}; expected one of ${[...names].join(", ")}.`,
                );
        }
    }
    const cycle = findCycle(apps);
    if (cycle) problem(`dependsOn has a cycle (${cycle.join(" -> ")}); expected an order in which apps can reconcile.`);
    return apps;
}

function findCycle(apps: readonly AppConfig[]): string[] | undefined {
    const deps = new Map(apps.map((a) => [a.name, a.dependsOn.filter((d) => d !== a.name)]));
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, trail: string[]): string[] | undefined => {
        if (state.get(name) === "done") return undefined;
        if (state.get(name) === "visiting") return [...trail.slice(trail.indexOf(name)), name];
        state.set(name, "visiting");
        for (const dep of deps.get(name) ?? []) {
            const found = visit(dep, [...trail, name]);
            if (found) return found;
        }
        state.set(name, "done");
        return undefined;
    };
    for (const app of apps) {
        const found = visit(app.name, []);
        if (found) return found;
    }
    return undefined;
}
