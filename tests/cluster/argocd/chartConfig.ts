/**
 * The Argo CD configuration objects the pinned argo-cd chart (10.1.1, Argo CD v3.4.4) renders from the program's
 * Helm values: argocd-cm, argocd-rbac-cm, argocd-cmd-params-cm, argocd-ssh-known-hosts-cm, argocd-notifications-cm
 * and argocd-secret, plus the environment the chart's pod templates give each controller from those ConfigMaps.
 *
 * The Argo CD testbed applies these instead of installing the chart: the chart itself is not obtainable from the
 * registries the test machines reach, so this is a documented mapping of its templates, written by reading
 * argoproj/argo-helm charts/argo-cd at 10.1.1:
 *   - templates/argocd-configs/argocd-cm.yaml with _helpers.tpl "argo-cd.config.cm" (presets merged under
 *     configs.cm, every value stringified, empty strings dropped);
 *   - argocd-rbac-cm.yaml (configs.rbac without create/annotations, as YAML);
 *   - argocd-cmd-params-cm.yaml with "argo-cd.config.params" (presets: repo.server, redis.server, strict TLS,
 *     leader election, log format and level per component; configs.params over them);
 *   - argocd-ssh-known-hosts-cm.yaml (configs.ssh.knownHosts and extraHosts as one block);
 *   - argocd-notifications-cm.yaml (context.argocdUrl, then notifiers, subscriptions, templates, triggers);
 *   - argocd-secret.yaml (webhook secrets and extra keys, base64'd by the chart);
 *   - values.yaml for the defaults Helm merges the program's values over (only the keys these templates read).
 * tests/cluster/argocd-chart.test.ts pins every rule of the mapping, and compares it with `helm template` of the real
 * chart when one is at hand (GITOPS_STACK_ARGOCD_CHART=<chart directory>). Anything the program sets that this
 * mapping does not read is reported by `unreadValues`, so a values key the chart would ignore fails a test.
 */
import YAML from "yaml";

export type Values = Record<string, unknown>;

/**
 * The chart's default configs.ssh.knownHosts: the host keys GitHub, GitLab, Bitbucket and Azure DevOps publish. A stack
 * that sets sshKnownHosts replaces them (the program passes only the pinned hosts); an HTTPS stack leaves them.
 */
const CHART_KNOWN_HOSTS = [
    "[ssh.github.com]:443 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
    "[ssh.github.com]:443 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    "[ssh.github.com]:443 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=",
    "bitbucket.org ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPIQmuzMBuKdWeF4+a2sjSSpBK0iqitSQ+5BM9KhpexuGt20JpTVM7u5BDZngncgrqDMbWdxMWWOGtZ9UgbqgZE=",
    "bitbucket.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIazEu89wgQZ4bqs3d63QSMzYVa0MuJ2e2gKTKqu+UUO",
    "bitbucket.org ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDQeJzhupRu0u0cdegZIa8e86EG2qOCsIsD1Xw0xSeiPDlCr7kq97NLmMbpKTX6Esc30NuoqEEHCuc7yWtwp8dI76EEEB1VqY9QJq6vk+aySyboD5QF61I/1WeTwu+deCbgKMGbUijeXhtfbxSxm6JwGrXrhBdofTsbKRUsrN1WoNgUa8uqN1Vx6WAJw1JHPhglEGGHea6QICwJOAr/6mrui/oB7pkaWKHj3z7d1IC4KWLtY47elvjbaTlkN04Kc/5LFEirorGYVbt15kAUlqGM65pk6ZBxtaO3+30LVlORZkxOh+LKL/BvbZ/iRNhItLqNyieoQj/uh/7Iv4uyH/cV/0b4WDSd3DptigWq84lJubb9t/DnZlrJazxyDCulTmKdOR7vs9gMTo+uoIrPSb8ScTtvw65+odKAlBj59dhnVp9zd7QUojOpXlL62Aw56U4oO+FALuevvMjiWeavKhJqlR7i5n9srYcrNV7ttmDw7kf/97P5zauIhxcjX+xHv4M=",
    "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
    "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    "github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=",
    "gitlab.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFSMqzJeV9rUzU4kWitGjeR4PWSa29SPqJ1fVkhtj3Hw9xjLVXVYrU9QlYWrOLXBpQ6KWjbjTDTdDkoohFzgbEY=",
    "gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf",
    "gitlab.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCsj2bNKTBSpIYDEGk9KxsGh3mySTRgMtXL583qmBpzeQ+jqCMRgBqB98u3z++J1sKlXHWfM9dyhSevkMwSbhoR8XIq/U0tCNyokEi/ueaBMCvbcTHhO7FcwzY92WK4Yt0aGROY5qX2UKSeOvuP4D6TPqKF1onrSzH9bx9XUf2lEdWT/ia1NEKjunUqu1xOB/StKDHMoX4/OKyIzuS0q/T1zOATthvasJFoPrAjkohTyaDUz2LN5JoH839hViyEG82yB+MjcFV5MU3N1l1QL3cVUCh93xSaua1N85qivl+siMkPGbO5xR/En4iEY6K2XPASUEMaieWVNTRCtJ4S8H+9",
    "ssh.dev.azure.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Hr1oTWqNqOlzGJOfGJ4NakVyIzf1rXYd4d7wo6jBlkLvCA4odBlL0mDUyZ0/QUfTTqeu+tm22gOsv+VrVTMk6vwRU75gY/y9ut5Mb3bR5BV58dKXyq9A9UeB5Cakehn5Zgm6x1mKoVyf+FFn26iYqXJRgzIZZcZ5V6hrE0Qg39kZm4az48o0AUbf6Sp4SLdvnuMa2sVNwHBboS7EJkm57XQPVU3/QpyNLHbWDdzwtrlS+ez30S3AdYhLKEOxAG8weOnyrtLJAUen9mTkol8oII1edf7mWWbWVf0nBmly21+nZcmCTISQBtdcyPaEno7fFQMDD26/s0lfKob4Kw8H",
    "vs-ssh.visualstudio.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Hr1oTWqNqOlzGJOfGJ4NakVyIzf1rXYd4d7wo6jBlkLvCA4odBlL0mDUyZ0/QUfTTqeu+tm22gOsv+VrVTMk6vwRU75gY/y9ut5Mb3bR5BV58dKXyq9A9UeB5Cakehn5Zgm6x1mKoVyf+FFn26iYqXJRgzIZZcZ5V6hrE0Qg39kZm4az48o0AUbf6Sp4SLdvnuMa2sVNwHBboS7EJkm57XQPVU3/QpyNLHbWDdzwtrlS+ez30S3AdYhLKEOxAG8weOnyrtLJAUen9mTkol8oII1edf7mWWbWVf0nBmly21+nZcmCTISQBtdcyPaEno7fFQMDD26/s0lfKob4Kw8H",
].join("\n");

/** The argo-cd chart 10.1.1's defaults for the values these templates read (charts/argo-cd/values.yaml). */
export const CHART_DEFAULTS: Values = {
    global: { domain: "argocd.example.com", logging: { format: "text", level: "info" } },
    configs: {
        cm: {
            create: true,
            "application.instanceLabelKey": "argocd.argoproj.io/instance",
            "application.sync.impersonation.enabled": false,
            "exec.enabled": false,
            "admin.enabled": true,
            "timeout.reconciliation": "120s",
            "timeout.reconciliation.jitter": "60s",
            "timeout.hard.reconciliation": "0s",
            "statusbadge.enabled": false,
            // The chart's default resource.customizations.ignoreResourceUpdates.* and resource.exclusions, as data
            // (the chart's text adds comments): updates of these fields do not trigger a refresh, and these kinds
            // (control-plane networking, leases, access reviews, CSRs, some vendors' reports) are not watched.
            "resource.customizations.ignoreResourceUpdates.all": YAML.stringify({ jsonPointers: ["/status"] }),
            "resource.customizations.ignoreResourceUpdates.argoproj.io_Application": YAML.stringify({
                jqPathExpressions: [
                    '.metadata.annotations."notified.notifications.argoproj.io"',
                    '.metadata.annotations."argocd.argoproj.io/refresh"',
                    '.metadata.annotations."argocd.argoproj.io/hydrate"',
                    ".operation",
                ],
            }),
            "resource.customizations.ignoreResourceUpdates.argoproj.io_Rollout": YAML.stringify({
                jqPathExpressions: ['.metadata.annotations."notified.notifications.argoproj.io"'],
            }),
            "resource.customizations.ignoreResourceUpdates.autoscaling_HorizontalPodAutoscaler": YAML.stringify({
                jqPathExpressions: ["behavior", "conditions", "metrics", "current-metrics"].map(
                    (a) => `.metadata.annotations."autoscaling.alpha.kubernetes.io/${a}"`,
                ),
            }),
            "resource.customizations.ignoreResourceUpdates.ConfigMap": YAML.stringify({
                jqPathExpressions: [
                    '.metadata.annotations."cluster-autoscaler.kubernetes.io/last-updated"',
                    '.metadata.annotations."control-plane.alpha.kubernetes.io/leader"',
                ],
            }),
            "resource.customizations.ignoreResourceUpdates.apps_ReplicaSet": YAML.stringify({
                jqPathExpressions: [
                    '.metadata.annotations."deployment.kubernetes.io/desired-replicas"',
                    '.metadata.annotations."deployment.kubernetes.io/max-replicas"',
                    '.metadata.annotations."rollout.argoproj.io/desired-replicas"',
                ],
            }),
            "resource.customizations.ignoreResourceUpdates.discovery.k8s.io_EndpointSlice": YAML.stringify({
                jsonPointers: ["/metadata", "/endpoints", "/ports"],
            }),
            "resource.customizations.ignoreResourceUpdates.Endpoints": YAML.stringify({
                jsonPointers: ["/metadata", "/subsets"],
            }),
            "resource.exclusions": YAML.stringify([
                { apiGroups: ["", "discovery.k8s.io"], kinds: ["Endpoints", "EndpointSlice"] },
                { apiGroups: ["coordination.k8s.io"], kinds: ["Lease"] },
                {
                    apiGroups: ["authentication.k8s.io", "authorization.k8s.io"],
                    kinds: [
                        "SelfSubjectReview",
                        "TokenReview",
                        "LocalSubjectAccessReview",
                        "SelfSubjectAccessReview",
                        "SelfSubjectRulesReview",
                        "SubjectAccessReview",
                    ],
                },
                { apiGroups: ["certificates.k8s.io"], kinds: ["CertificateSigningRequest"] },
                { apiGroups: ["cert-manager.io"], kinds: ["CertificateRequest"] },
                { apiGroups: ["cilium.io"], kinds: ["CiliumIdentity", "CiliumEndpoint", "CiliumEndpointSlice"] },
                {
                    apiGroups: ["kyverno.io", "reports.kyverno.io", "wgpolicyk8s.io"],
                    kinds: [
                        "PolicyReport",
                        "ClusterPolicyReport",
                        "EphemeralReport",
                        "ClusterEphemeralReport",
                        "AdmissionReport",
                        "ClusterAdmissionReport",
                        "BackgroundScanReport",
                        "ClusterBackgroundScanReport",
                        "UpdateRequest",
                    ],
                },
            ]),
        },
        params: { create: true },
        rbac: { create: true, "policy.default": "", "policy.csv": "", scopes: "[groups]", "policy.matchMode": "glob" },
        ssh: { create: true, knownHosts: CHART_KNOWN_HOSTS + "\n", extraHosts: "" },
        secret: { createSecret: true, extra: {} },
    },
    notifications: {
        enabled: true,
        argocdUrl: "",
        context: {},
        notifiers: {},
        subscriptions: [],
        templates: {},
        triggers: {},
        cm: { create: true },
        secret: { create: true, name: "argocd-notifications-secret", items: {} },
    },
    applicationSet: { replicas: 1 },
    dex: { enabled: false },
    repoServer: { service: { port: 8081 }, certificateSecret: { enabled: false } },
};

/** The webhook keys of configs.secret and the argocd-secret keys the chart writes them to (argocd-secret.yaml). */
export const WEBHOOK_SECRET_KEYS: Readonly<Record<string, string>> = {
    githubSecret: "webhook.github.secret",
    gitlabSecret: "webhook.gitlab.secret",
    bitbucketServerSecret: "webhook.bitbucketserver.secret",
    bitbucketUUID: "webhook.bitbucket.uuid",
    gogsSecret: "webhook.gogs.secret",
};

const isObject = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

/** Helm's coalescing of user values over chart defaults: maps merge key by key, anything else replaces. */
export function mergeValues(defaults: Values, user: Values): Values {
    const out: Values = { ...defaults };
    for (const [k, v] of Object.entries(user)) {
        out[k] = isObject(v) && isObject(defaults[k]) ? mergeValues(defaults[k] as Values, v) : v;
    }
    return out;
}

/** Sprig's toString as the chart applies it to config values (booleans and numbers as Go prints them). */
function goString(v: unknown): string {
    if (v === null || v === undefined) return "";
    if (typeof v === "string") return v;
    if (typeof v === "boolean" || typeof v === "number") return String(v);
    // A map or list would print as Go's map[...] form, which Argo CD cannot read: the program never sets one.
    throw new Error(`chart config value ${JSON.stringify(v)} is not a scalar; the chart would print it as Go text`);
}

/** `values` without the chart's switches (`create`, `annotations`), which the templates omit from the data. */
function withoutSwitches(values: unknown): Values {
    const out: Values = { ...(values as Values) };
    delete out.create;
    delete out.annotations;
    return out;
}

const get = (values: Values, path: string): unknown =>
    path.split(".").reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), values);

export interface KubeConfigObject {
    apiVersion: "v1";
    kind: "ConfigMap" | "Secret";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    data?: Record<string, string>;
    stringData?: Record<string, string>;
    type?: string;
}

/** The names the chart gives its objects and Services (release `argocd`, the program's ARGOCD_RELEASE). */
export const SERVICES = {
    repoServer: "argocd-repo-server",
    redis: "argocd-redis",
    redisHa: "argocd-redis-ha-haproxy",
    dexServer: "argocd-dex-server",
};

const configMap = (name: string, namespace: string, data: Record<string, string>): KubeConfigObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    // The label every Argo CD settings object carries (the settings manager's informers select on it).
    metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "argocd" } },
    data,
});

/** argocd-cm: presets (url from global.domain) under configs.cm, every value stringified, empty ones dropped. */
function argocdCm(v: Values): Record<string, string> {
    const config = withoutSwitches(get(v, "configs.cm"));
    const presets: Values = { url: `https://${String(get(v, "global.domain"))}` };
    if (goString(config["statusbadge.enabled"]) === "true")
        presets["statusbadge.url"] = `https://${String(get(v, "global.domain"))}/`;
    const merged = { ...presets, ...config };
    return Object.fromEntries(
        Object.entries(merged)
            .map(([k, x]) => [k, goString(x)] as const)
            .filter(([, x]) => x !== ""),
    );
}

/** argocd-cmd-params-cm: the chart's presets, configs.params over them. */
function cmdParamsCm(v: Values): Record<string, string> {
    const presets: Record<string, string> = {
        "repo.server": `${SERVICES.repoServer}:${String(get(v, "repoServer.service.port"))}`,
        "server.repo.server.strict.tls": goString(get(v, "repoServer.certificateSecret.enabled")),
        // "argo-cd.redis.server": the HA subchart's HAProxy when redis-ha is on, else the chart's own Redis.
        "redis.server": get(v, "redis-ha.enabled") === true ? `${SERVICES.redisHa}:6379` : `${SERVICES.redis}:6379`,
        "applicationsetcontroller.enable.leader.election": String(Number(get(v, "applicationSet.replicas")) > 1),
    };
    if (get(v, "dex.enabled") === true) {
        presets["server.dex.server"] = `https://${SERVICES.dexServer}:5556`;
        presets["server.dex.server.strict.tls"] = "false";
    }
    for (const c of [
        "applicationsetcontroller",
        "controller",
        "server",
        "reposerver",
        "notificationscontroller",
        "dexserver",
        "commitserver",
    ]) {
        presets[`${c}.log.format`] = goString(get(v, "global.logging.format"));
        presets[`${c}.log.level`] = goString(get(v, "global.logging.level"));
    }
    const config = withoutSwitches(get(v, "configs.params"));
    return { ...presets, ...Object.fromEntries(Object.entries(config).map(([k, x]) => [k, goString(x)])) };
}

/** argocd-rbac-cm: configs.rbac without create and annotations, values as the YAML strings they are. */
function rbacCm(v: Values): Record<string, string> {
    const config = withoutSwitches(get(v, "configs.rbac"));
    return Object.fromEntries(Object.entries(config).map(([k, x]) => [k, goString(x)]));
}

/** argocd-ssh-known-hosts-cm: knownHosts, then extraHosts, as one block (a literal block ends in one newline). */
function knownHostsCm(v: Values): Record<string, string> {
    const lines = [String(get(v, "configs.ssh.knownHosts") ?? ""), String(get(v, "configs.ssh.extraHosts") ?? "")]
        .join("\n")
        .split("\n")
        .filter((l) => l.trim() !== "");
    return { ssh_known_hosts: lines.join("\n") + "\n" };
}

/** argocd-notifications-cm: context (argocdUrl or https://<global.domain>), notifiers, subscriptions, templates, triggers. */
function notificationsCm(v: Values): Record<string, string> {
    const url = (get(v, "notifications.argocdUrl") as string) || `https://${String(get(v, "global.domain"))}`;
    const context = get(v, "notifications.context") as Values;
    const data: Record<string, string> = {
        context: YAML.stringify({ argocdUrl: url, ...context }),
    };
    for (const block of ["notifiers", "templates", "triggers"]) {
        for (const [k, x] of Object.entries(get(v, `notifications.${block}`) as Values)) data[k] = goString(x);
    }
    const subscriptions = get(v, "notifications.subscriptions") as unknown[];
    if (subscriptions.length > 0) data.subscriptions = YAML.stringify(subscriptions);
    return data;
}

/** argocd-secret: the webhook secrets and extra keys the values carry (the chart base64s them; here as data). */
function argocdSecretData(v: Values): Record<string, string> {
    const data: Record<string, string> = {};
    for (const [valueKey, secretKey] of Object.entries(WEBHOOK_SECRET_KEYS)) {
        const x = get(v, `configs.secret.${valueKey}`);
        if (typeof x === "string" && x !== "") data[secretKey] = x;
    }
    const devops = get(v, "configs.secret.azureDevops") as Values | undefined;
    if (devops?.username && devops.password) {
        data["webhook.azuredevops.username"] = String(devops.username);
        data["webhook.azuredevops.password"] = String(devops.password);
    }
    for (const [k, x] of Object.entries((get(v, "configs.secret.extra") as Values | undefined) ?? {}))
        data[k] = goString(x);
    return data;
}

export interface ChartConfig {
    /** The chart's values after Helm merged the program's over its defaults (what the templates read). */
    values: Values;
    /** The ConfigMaps and Secrets, in the order the chart renders them. */
    objects: KubeConfigObject[];
}

/**
 * What the chart renders for these values into `namespace`. The notifications Secret is left out when the program
 * makes its own (`notifications.secret.create: false`, as it does), and argocd-secret is included even without
 * data: Argo CD's API server fills in its signing key at first start.
 */
export function renderChartConfig(userValues: Values, namespace: string): ChartConfig {
    const values = mergeValues(CHART_DEFAULTS, userValues);
    const enabled = (path: string) => get(values, path) === true;
    const objects: KubeConfigObject[] = [];
    if (enabled("configs.cm.create")) objects.push(configMap("argocd-cm", namespace, argocdCm(values)));
    if (enabled("configs.params.create"))
        objects.push(configMap("argocd-cmd-params-cm", namespace, cmdParamsCm(values)));
    if (enabled("configs.rbac.create")) objects.push(configMap("argocd-rbac-cm", namespace, rbacCm(values)));
    if (enabled("configs.ssh.create"))
        objects.push(configMap("argocd-ssh-known-hosts-cm", namespace, knownHostsCm(values)));
    // The tls-certs and gpg-keys ConfigMaps are empty with the program's values; the controllers read them too.
    objects.push(configMap("argocd-tls-certs-cm", namespace, {}));
    objects.push(configMap("argocd-gpg-keys-cm", namespace, {}));
    if (enabled("notifications.enabled") && enabled("notifications.cm.create"))
        objects.push(configMap("argocd-notifications-cm", namespace, notificationsCm(values)));
    if (enabled("notifications.enabled") && enabled("notifications.secret.create")) {
        objects.push({
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
                name: String(get(values, "notifications.secret.name")),
                namespace,
                labels: { "app.kubernetes.io/part-of": "argocd" },
            },
            type: "Opaque",
            stringData: Object.fromEntries(
                Object.entries(get(values, "notifications.secret.items") as Values).map(([k, x]) => [k, goString(x)]),
            ),
        });
    }
    if (enabled("configs.secret.createSecret")) {
        const data = argocdSecretData(values);
        objects.push({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "argocd-secret", namespace, labels: { "app.kubernetes.io/part-of": "argocd" } },
            type: "Opaque",
            ...(Object.keys(data).length > 0 ? { stringData: data } : {}),
        });
    }
    return { values, objects };
}

/**
 * Every value path the templates above read, or that chooses what the chart installs and is not a setting of the
 * controllers the testbed runs (replicas, PDBs, images, HA, CRDs, Dex). A program value outside these is one the
 * mapping would silently drop: `unreadValues` lists it and the chart test fails.
 */
const READ_PATHS = [
    "global.domain",
    "global.logging",
    "global.image",
    "configs.cm",
    "configs.params",
    "configs.rbac",
    "configs.ssh.knownHosts",
    "configs.ssh.extraHosts",
    "configs.secret.githubSecret",
    "configs.secret.gitlabSecret",
    "configs.secret.bitbucketServerSecret",
    "configs.secret.bitbucketUUID",
    "configs.secret.gogsSecret",
    "configs.secret.azureDevops",
    "configs.secret.extra",
    "notifications.enabled",
    "notifications.argocdUrl",
    "notifications.context",
    "notifications.notifiers",
    "notifications.subscriptions",
    "notifications.templates",
    "notifications.triggers",
    "notifications.secret",
    "notifications.cm",
    // Install shape only (the testbed runs one process of each component, with no Kubernetes objects of the chart).
    "crds",
    "dex",
    "redis",
    "redis-ha",
    "controller.replicas",
    "server.replicas",
    "server.pdb",
    "repoServer.replicas",
    "repoServer.pdb",
    "applicationSet.replicas",
    "applicationSet.pdb",
    // Pod template only: the digest of the webhook secret that rolls the ApplicationSet controller's pods when the
    // secret changes (it reads the secret at start). The testbed starts its processes after the stack's objects.
    "applicationSet.podAnnotations",
];

/** The program's value paths (leaves) that neither a template above reads nor the install shape covers. */
export function unreadValues(userValues: Values, prefix = ""): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(userValues)) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (READ_PATHS.some((r) => p === r || p.startsWith(`${r}.`))) continue;
        if (isObject(v) && READ_PATHS.some((r) => r.startsWith(`${p}.`))) out.push(...unreadValues(v, p));
        else out.push(p);
    }
    return out;
}

/** The env entries the chart's pod templates fill from a ConfigMap key (only keys the rendered ConfigMaps can hold). */
export const COMPONENT_ENV: Readonly<
    Record<ArgoComponent, ReadonlyArray<[env: string, configMap: string, key: string]>>
> = {
    "application-controller": [
        ["ARGOCD_RECONCILIATION_TIMEOUT", "argocd-cm", "timeout.reconciliation"],
        ["ARGOCD_HARD_RECONCILIATION_TIMEOUT", "argocd-cm", "timeout.hard.reconciliation"],
        ["ARGOCD_RECONCILIATION_JITTER", "argocd-cm", "timeout.reconciliation.jitter"],
        ["ARGOCD_APPLICATION_CONTROLLER_REPO_SERVER", "argocd-cmd-params-cm", "repo.server"],
        ["ARGOCD_APPLICATION_CONTROLLER_LOGFORMAT", "argocd-cmd-params-cm", "controller.log.format"],
        ["ARGOCD_APPLICATION_CONTROLLER_LOGLEVEL", "argocd-cmd-params-cm", "controller.log.level"],
        [
            "ARGOCD_APPLICATION_CONTROLLER_REPO_SERVER_PLAINTEXT",
            "argocd-cmd-params-cm",
            "controller.repo.server.plaintext",
        ],
        ["REDIS_SERVER", "argocd-cmd-params-cm", "redis.server"],
        ["ARGOCD_APPLICATION_NAMESPACES", "argocd-cmd-params-cm", "application.namespaces"],
        ["ARGOCD_APPLICATION_CONTROLLER_COMMIT_SERVER", "argocd-cmd-params-cm", "commit.server"],
    ],
    "repo-server": [
        ["ARGOCD_RECONCILIATION_TIMEOUT", "argocd-cm", "timeout.reconciliation"],
        ["ARGOCD_REPO_SERVER_LOGFORMAT", "argocd-cmd-params-cm", "reposerver.log.format"],
        ["ARGOCD_REPO_SERVER_LOGLEVEL", "argocd-cmd-params-cm", "reposerver.log.level"],
        ["ARGOCD_REPO_SERVER_DISABLE_TLS", "argocd-cmd-params-cm", "reposerver.disable.tls"],
        ["REDIS_SERVER", "argocd-cmd-params-cm", "redis.server"],
    ],
    "applicationset-controller": [
        [
            "ARGOCD_APPLICATIONSET_CONTROLLER_ENABLE_LEADER_ELECTION",
            "argocd-cmd-params-cm",
            "applicationsetcontroller.enable.leader.election",
        ],
        ["ARGOCD_APPLICATIONSET_CONTROLLER_REPO_SERVER", "argocd-cmd-params-cm", "repo.server"],
        ["ARGOCD_APPLICATIONSET_CONTROLLER_LOGFORMAT", "argocd-cmd-params-cm", "applicationsetcontroller.log.format"],
        ["ARGOCD_APPLICATIONSET_CONTROLLER_LOGLEVEL", "argocd-cmd-params-cm", "applicationsetcontroller.log.level"],
    ],
    notifications: [
        ["ARGOCD_NOTIFICATIONS_CONTROLLER_LOGLEVEL", "argocd-cmd-params-cm", "notificationscontroller.log.level"],
        ["ARGOCD_NOTIFICATIONS_CONTROLLER_LOGFORMAT", "argocd-cmd-params-cm", "notificationscontroller.log.format"],
        ["ARGOCD_APPLICATION_NAMESPACES", "argocd-cmd-params-cm", "application.namespaces"],
    ],
    server: [
        ["ARGOCD_SERVER_INSECURE", "argocd-cmd-params-cm", "server.insecure"],
        ["ARGOCD_SERVER_LOGFORMAT", "argocd-cmd-params-cm", "server.log.format"],
        ["ARGOCD_SERVER_LOG_LEVEL", "argocd-cmd-params-cm", "server.log.level"],
        ["ARGOCD_SERVER_REPO_SERVER", "argocd-cmd-params-cm", "repo.server"],
        ["ARGOCD_SERVER_DEX_SERVER", "argocd-cmd-params-cm", "server.dex.server"],
        ["ARGOCD_SERVER_REPO_SERVER_STRICT_TLS", "argocd-cmd-params-cm", "server.repo.server.strict.tls"],
        ["REDIS_SERVER", "argocd-cmd-params-cm", "redis.server"],
        ["ARGOCD_APPLICATION_NAMESPACES", "argocd-cmd-params-cm", "application.namespaces"],
    ],
};

export type ArgoComponent =
    "application-controller" | "repo-server" | "applicationset-controller" | "notifications" | "server";

/**
 * A component's environment as the chart's pod template gives it (configMapKeyRef entries, optional: a key the
 * ConfigMap lacks leaves the variable unset), with the Service addresses the chart points at (repo.server,
 * redis.server) replaced by the testbed's loopback ones.
 */
export function componentEnv(
    component: ArgoComponent,
    objects: readonly KubeConfigObject[],
    loopback: { repoServer: string; redis: string },
): Record<string, string> {
    const data = (name: string) => objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name)?.data ?? {};
    const env: Record<string, string> = {};
    for (const [name, cm, key] of COMPONENT_ENV[component]) {
        const value = data(cm)[key];
        if (value === undefined) continue;
        env[name] = key === "repo.server" ? loopback.repoServer : key === "redis.server" ? loopback.redis : value;
    }
    return env;
}
