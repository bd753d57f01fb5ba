import type {
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import {
    everyoneGroupReason,
    isSystemNamespace,
    namespaceTier,
    patternWidth,
    redactSecrets,
} from "../src/config/guards";
import { TIER_DEFAULTS } from "../src/config/tiers";
import { describeStack, engineConfigFromEnv, stackContext, type EngineConfig, type StackContext } from "./context";
import { plainSecretsInPath } from "../src/shared/plainSecrets";

/**
 * Guardrails that hold whatever the program's code or configuration says: run them with
 * `pulumi preview --policy-pack policy` (and in CI before `pulumi up`). The config module already refuses these
 * settings; the pack catches a code change that bypasses it, or another program in the same organization.
 *
 * Prod is the tier of the stack the engine runs (policy/context.ts), not the label the program writes.
 */

type Props = Record<string, any>;

/** A problem found in one object; `urn` names the object when a stack policy reports it. */
interface Finding {
    readonly message: string;
    readonly urn?: string;
}

const SERVED_FLUX_VERSIONS: Record<string, string> = {
    "source.toolkit.fluxcd.io": "v1",
    "kustomize.toolkit.fluxcd.io": "v1",
    "helm.toolkit.fluxcd.io": "v2",
    "image.toolkit.fluxcd.io": "v1",
};
// Provider and Alert are served at v1beta3, Receiver at v1 (flux2 v2.8 CRDs).
const SERVED_NOTIFICATION_VERSIONS: Record<string, string> = { Provider: "v1beta3", Alert: "v1beta3", Receiver: "v1" };

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
/** How a message says a prod relaxation can be accepted: by naming its safeguard (issue 19). */
const ackHint = (safeguard: string) =>
    `or acknowledge it on the stack to accept the risk: acknowledgeProdOverrides: [${safeguard}]`;

const isKind = (type: string, apiGroup: string, kind: string) =>
    type.startsWith(`kubernetes:${apiGroup}/`) && type.endsWith(`:${kind}`);
const nameOf = (props: Props, fallback = "") => String(props.metadata?.name ?? fallback);
const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const quote = (value: unknown) => JSON.stringify(value);

/**
 * The chart a Helm release installs, by its chart name: the last path segment of a repository chart, an oci://
 * reference or a local chart directory (a mirrored `argo-cd-10.1.1/` directory counts too).
 */
function chartOf(props: Props): string {
    return (
        String(props.chart ?? "")
            .replace(/\/+$/, "")
            .split("/")
            .pop() ?? ""
    );
}
/** The argo-cd chart, by name or, for a local directory named otherwise, by the values only that chart takes. */
const isArgoRelease = (type: string, props: Props) =>
    type === HELM_RELEASE &&
    (/^argo-cd(-\d.*)?$/.test(chartOf(props)) ||
        (props.values?.configs?.cm !== undefined && props.values?.["redis-ha"] !== undefined));
/** The flux2 chart, by name or by its multitenancy values. */
const isFluxRelease = (type: string, props: Props) =>
    type === HELM_RELEASE &&
    (/^flux2(-\d.*)?$/.test(chartOf(props)) ||
        (props.values?.multitenancy !== undefined && props.values?.installCRDs !== undefined));

/**
 * A ConfigMap the program declares, or patches server-side into an existing install (operatorInstall=existing writes
 * Argo CD's settings into argocd-cm and argocd-rbac-cm as ConfigMapPatch).
 */
const isConfigMap = (type: string) =>
    type === "kubernetes:core/v1:ConfigMap" || type === "kubernetes:core/v1:ConfigMapPatch";

/** `p, <subject>, <resource>, <action>, <object>, <effect>` and `g, <group>, <role>` lines of an Argo CD policy.csv. */
function policyLines(csv: unknown): string[][] {
    if (typeof csv !== "string") return [];
    return csv
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => line.split(",").map((field) => field.trim()));
}

/** The policy.csv texts an object carries: argocd-rbac-cm data, or the argo-cd chart's configs.rbac values. */
function policyCsvs(type: string, props: Props): string[] {
    if (isConfigMap(type) && nameOf(props) === "argocd-rbac-cm") {
        const data = props.data ?? {};
        return Object.entries(data)
            .filter(([k]) => k === "policy.csv" || /^policy\..+\.csv$/.test(k))
            .map(([, v]) => String(v));
    }
    if (isArgoRelease(type, props)) {
        const rbac = props.values?.configs?.rbac ?? {};
        return Object.entries(rbac)
            .filter(([k]) => k === "policy.csv" || /^policy\..+\.csv$/.test(k))
            .map(([, v]) => String(v));
    }
    return [];
}

/** One rule's check on one object. `ctx` is the stack as policy/context.ts reads it. */
type ResourceCheck = (type: string, props: Props, ctx: StackContext) => string[];
/** One rule's check on the whole stack. */
type StackCheck = (resources: readonly PolicyResource[], ctx: StackContext, policyConfig: Props) => Finding[];

export interface PolicyOptions {
    /** The engine configuration of the run (default: PULUMI_CONFIG, as the CLI passes it to a policy pack). */
    readonly engineConfig?: () => EngineConfig;
}

/** Where a check applies: every tier, only prod, or only outside prod (the advisory twin of a prod rule). */
type Scope = "all" | "prod" | "outsideProd";
const inScope = (scope: Scope, ctx: StackContext) => scope === "all" || (scope === "prod" ? ctx.isProd : !ctx.isProd);

// ---------------------------------------------------------------------------------------------------------------
// Checks on one object.

const notInDefaultProject: ResourceCheck = (type, props) => {
    if (isKind(type, "argoproj.io", "Application"))
        return (props.spec?.project ?? "default") === "default"
            ? [`Application ${nameOf(props)} is in the default project; expected its environment's AppProject.`]
            : [];
    // The Applications an ApplicationSet generates take their project from its template.
    if (isKind(type, "argoproj.io", "ApplicationSet"))
        return (props.spec?.template?.spec?.project ?? "default") === "default"
            ? [
                  `ApplicationSet ${nameOf(props)} generates Applications in the default project; expected its environment's AppProject in spec.template.spec.project.`,
              ]
            : [];
    return [];
};

/** sourceRepos entries Argo CD would read as more than one repository (issue 8 §3). */
const exactSources: ResourceCheck = (type, props, ctx) => {
    if (!isKind(type, "argoproj.io", "AppProject")) return [];
    return list(props.spec?.sourceRepos)
        .map((repo) => [repo, patternWidth(String(repo), "repo")] as const)
        .filter(([, reason]) => reason !== undefined)
        .map(
            ([, reason]) =>
                `AppProject ${nameOf(props)} in ${describeStack(ctx)} lists a sourceRepos pattern that admits more than one repository: ${reason}`,
        );
};

/**
 * A pattern that matches everything (`*`, `**`) or everything but one name (a `!` deny pattern): wide in any tier.
 * Narrower globs (`team-*`, `*-dev`, `?`, `[ab]`, `{a,b}`) are wide too, but only refused in prod (issue 8 §3:
 * "refuse (prod) or warn (elsewhere)"); the ApplicationSet mode admits `*-<env>` outside prod on purpose.
 */
const matchesAll = (pattern: string) => /^\*+$/.test(pattern.trim()) || pattern.trim().startsWith("!");

/**
 * Destinations, in every tier: never every namespace or cluster, never a system namespace (issue 8 §3, §5).
 * `globs`: also report narrower globs (the prod rule and its advisory twin).
 */
const destinationsCheck =
    (globs: boolean): ResourceCheck =>
    (type, props, ctx) => {
        if (!isKind(type, "argoproj.io", "AppProject")) return [];
        const found: string[] = [];
        const report = (reason: string | undefined, value: string) =>
            reason !== undefined && (globs ? !matchesAll(value) : matchesAll(value));
        for (const d of list(props.spec?.destinations)) {
            const where = `AppProject ${nameOf(props)} destination ${quote(d)}${globs ? ` in ${describeStack(ctx)}` : ""}`;
            const ns = String(d?.namespace ?? "");
            const nsReason = patternWidth(ns, "namespace");
            if (report(nsReason, ns)) found.push(`${where} has a wildcard namespace: ${nsReason}`);
            else if (!globs && nsReason === undefined && isSystemNamespace(ns))
                found.push(
                    `${where} lets applications deploy into the system namespace ${quote(ns)}; expected an application namespace of its own (never default or kube-*).`,
                );
            else if (
                !globs &&
                nsReason === undefined &&
                ctx.tier &&
                namespaceTier(ns) &&
                namespaceTier(ns) !== ctx.tier
            )
                // The pack's side of the config's own-namespaces invariant (src/config/rules/environments.ts).
                found.push(
                    `${where} in ${describeStack(ctx)} admits ${quote(ns)}, a ${namespaceTier(ns)} namespace by its name: an environment deploys only into namespaces of its own; expected namespaces ending in -${ctx.tier}.`,
                );
            for (const field of ["server", "name"]) {
                if (d?.[field] === undefined) continue;
                const value = String(d[field]);
                const reason = patternWidth(value, "cluster");
                if (report(reason, value)) found.push(`${where} has a wildcard ${field}: ${reason}`);
            }
        }
        return found;
    };

/** AppProject role policies: objects inside the project (issue 8 §3). */
const projectRoleObjects: ResourceCheck = (type, props, ctx) => {
    if (!isKind(type, "argoproj.io", "AppProject")) return [];
    const project = nameOf(props);
    const found: string[] = [];
    for (const role of list(props.spec?.roles)) {
        for (const line of policyLines(list(role?.policies).join("\n"))) {
            const object = line[0] === "p" ? line[4] : undefined;
            const reason = object === undefined ? undefined : patternWidth(object, "rbacObject", { project });
            if (reason)
                found.push(
                    `AppProject ${project} role ${quote(role?.name)} in ${describeStack(ctx)} grants ${quote(line.join(", "))} on a wide object: ${reason}`,
                );
        }
    }
    return found;
};

/** Groups that hand access to everyone, wherever the program grants access (issue 8 §4). */
const noEveryoneGroups: ResourceCheck = (type, props) => {
    const found: string[] = [];
    const refuse = (where: string, group: unknown) => {
        const reason = everyoneGroupReason(String(group));
        if (reason) found.push(`${where}: ${reason}`);
    };
    if (isKind(type, "argoproj.io", "AppProject")) {
        for (const role of list(props.spec?.roles))
            for (const g of list(role?.groups))
                refuse(`AppProject ${nameOf(props)} role ${quote(role?.name)} binds a group`, g);
    }
    if (/^kubernetes:rbac\.authorization\.k8s\.io\/v1:(Cluster)?RoleBinding$/.test(type)) {
        const kind = type.split(":").pop();
        for (const s of list(props.subjects)) {
            // system:anonymous is a user, the one every unauthenticated request runs as.
            if (s?.kind === "Group" || (s?.kind === "User" && String(s?.name).toLowerCase() === "system:anonymous"))
                refuse(`${kind} ${nameOf(props)} binds ${s.kind} ${quote(s.name)}`, s.name);
        }
    }
    for (const csv of policyCsvs(type, props)) {
        for (const line of policyLines(csv)) {
            if (line[0] === "g") refuse(`Argo CD RBAC line ${quote(line.join(", "))} (${nameOf(props, "")})`, line[1]);
        }
    }
    return found;
};

const prodAutomatedSync: ResourceCheck = (type, props, ctx) =>
    isKind(type, "argoproj.io", "Application") && props.spec?.syncPolicy?.automated !== undefined
        ? [
              `Application ${nameOf(props)} syncs automatically in ${describeStack(ctx)}; expected manual sync (or autoSync acknowledged: acknowledgeProdOverrides: [autoSync]).`,
          ]
        : [];

const prodCascadeDelete: ResourceCheck = (type, props, ctx) =>
    isKind(type, "argoproj.io", "Application") &&
    list(props.metadata?.finalizers).some((f) => String(f).startsWith("resources-finalizer.argocd.argoproj.io"))
        ? [
              `Application ${nameOf(props)} would delete prod workloads on deletion in ${describeStack(ctx)}; expected no resources finalizer in prod (or cascadeDelete acknowledged: acknowledgeProdOverrides: [cascadeDelete]).`,
          ]
        : [];

const prodFluxDeletion: ResourceCheck = (type, props, ctx) => {
    if (!isKind(type, "kustomize.toolkit.fluxcd.io", "Kustomization")) return [];
    // Flux's default, MirrorPrune, deletes the workloads whenever prune is on.
    const deletionPolicy = props.spec?.deletionPolicy ?? "MirrorPrune";
    return deletionPolicy !== "Orphan"
        ? [
              `Kustomization ${nameOf(props)} has deletionPolicy ${deletionPolicy}, which deletes prod workloads with it (${describeStack(ctx)}); expected Orphan in prod (or cascadeDelete acknowledged: acknowledgeProdOverrides: [cascadeDelete]).`,
          ]
        : [];
};

const impersonates: ResourceCheck = (type, props) =>
    isKind(type, "kustomize.toolkit.fluxcd.io", "Kustomization") && !props.spec?.serviceAccountName
        ? [
              `Kustomization ${nameOf(props)} sets no serviceAccountName; expected the environment's ServiceAccount (impersonation).`,
          ]
        : [];

const pinnedChart: ResourceCheck = (type, props) =>
    type === HELM_RELEASE && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(String(props.version ?? ""))
        ? [`Helm release ${props.name} has version ${quote(props.version)}; expected an exact version such as 10.1.1.`]
        : [];

const hostVerification: ResourceCheck = (type, props) => {
    if (type !== "kubernetes:core/v1:Secret") return [];
    const data = { ...(props.data ?? {}), ...(props.stringData ?? {}) };
    const insecure = data.insecure === "true" || data.insecure === Buffer.from("true").toString("base64");
    return insecure
        ? [`Secret ${nameOf(props)} sets insecure=true; expected pinned known_hosts or a trusted certificate.`]
        : [];
};

const rbacNoWildcards: ResourceCheck = (type, props) => {
    if (!/^kubernetes:rbac\.authorization\.k8s\.io\/v1:(Cluster)?Role$/.test(type)) return [];
    const wild = list(props.rules).find((r: Props) =>
        ["apiGroups", "resources", "verbs"].some((f) => list(r?.[f]).includes("*")),
    );
    return wild
        ? [
              `${type.split(":").pop()} ${nameOf(props)} has a wildcard rule ${quote(wild)}; expected explicit groups, resources and verbs.`,
          ]
        : [];
};

const servedFluxVersions: ResourceCheck = (type, props) => {
    const match = /^kubernetes:([a-z.]+\.toolkit\.fluxcd\.io)\/([a-z0-9]+):(\w+)$/.exec(type);
    if (!match) return [];
    const [, group, version, kind] = match;
    const served =
        group === "notification.toolkit.fluxcd.io" ? SERVED_NOTIFICATION_VERSIONS[kind] : SERVED_FLUX_VERSIONS[group];
    return served !== version
        ? [`${kind} ${nameOf(props)} uses ${group}/${version}; expected ${group}/${served ?? "a served version"}.`]
        : [];
};

/**
 * Image automation writes to Git; prod is promoted by pull request only (config refuses it outright): no Flux
 * ImageUpdateAutomation, no Argo CD Image Updater object (ImageUpdater) and no argocd-image-updater release.
 */
const prodNoImageAutomation: ResourceCheck = (type, props, ctx) => {
    const what = /^kubernetes:image\.toolkit\.fluxcd\.io\/[a-z0-9]+:ImageUpdateAutomation$/.test(type)
        ? `ImageUpdateAutomation ${nameOf(props)}`
        : /^kubernetes:argocd-image-updater\.argoproj\.io\/[a-z0-9]+:\w+$/.test(type)
          ? `${type.split(":").pop()} ${nameOf(props)}`
          : type === HELM_RELEASE && /^argocd-image-updater(-\d.*)?$/.test(chartOf(props))
            ? `Helm release ${props.name} (argocd-image-updater)`
            : undefined;
    return what
        ? [
              `${what} writes image updates to Git in ${describeStack(ctx)}; expected no image automation in prod (promote by pull request).`,
          ]
        : [];
};

// ---------------------------------------------------------------------------------------------------------------
// Prod relaxations that need the stack's acknowledgement (issue 8 §1, §2). Stack policies: the acknowledgement is
// the stack's, and in the fallback (no engine config) only some objects carry the program's mark.

/**
 * One prod relaxation an object shows, and the safeguard (a PROD_SAFEGUARDS key) whose acknowledgement accepts it.
 * Without one, only the deprecated `acknowledgeProdOverrides=true` accepts it (the program never writes it).
 */
interface Relaxation {
    readonly safeguard?: string;
    readonly message: string;
}

type ObjectCheck = (type: string, props: Props) => Relaxation[];

/** Runs an object check over every resource of a prod stack, keeping what the stack did not acknowledge. */
const unacknowledged =
    (check: ObjectCheck): StackCheck =>
    (resources, ctx) =>
        ctx.isProd
            ? resources.flatMap((r) =>
                  check(r.type, r.props)
                      .filter((x) => !(x.safeguard ? ctx.acknowledges(x.safeguard) : ctx.acknowledgedAll))
                      .map((x) => ({
                          message: `${x.message} (${describeStack(ctx)}; expected the prod default${x.safeguard ? `, ${ackHint(x.safeguard)}` : ""}).`,
                          urn: r.urn,
                      })),
              )
            : [];

const syncWindowMissing: ObjectCheck = (type, props) => {
    if (!isKind(type, "argoproj.io", "AppProject") || type.endsWith("Patch")) return [];
    // The app-of-apps root's project only deploys Applications into Argo CD's own namespace.
    const ownNamespace = props.metadata?.namespace;
    const deploysApps = list(props.spec?.destinations).some((d) => d?.namespace !== ownNamespace);
    return deploysApps && list(props.spec?.syncWindows).length === 0
        ? [{ message: `AppProject ${nameOf(props)} has no sync window, so prod may be synced at any hour` }]
        : [];
};

const clusterResourcesBeyondNamespace: ObjectCheck = (type, props) => {
    if (!isKind(type, "argoproj.io", "AppProject") || type.endsWith("Patch")) return [];
    const extra = list(props.spec?.clusterResourceWhitelist).filter(
        (gk) => !(gk?.group === "" && gk?.kind === "Namespace"),
    );
    return extra.length > 0
        ? [
              {
                  safeguard: "extraClusterResources",
                  message: `AppProject ${nameOf(props)} lets its applications create cluster-scoped ${extra.map((gk) => `${gk?.group || "core"}/${gk?.kind}`).join(", ")} (beyond Namespace)`,
              },
          ]
        : [];
};

/**
 * An ApplicationSet in prod: the Applications it generates must keep prod behaviour too (manual sync, no cascade
 * finalizer), and neither deleting it nor removing a folder from Git may delete workloads.
 */
const applicationSetRelaxations: ObjectCheck = (type, props) => {
    if (!isKind(type, "argoproj.io", "ApplicationSet")) return [];
    const name = `ApplicationSet ${nameOf(props)}`;
    const found: Relaxation[] = [];
    const template = props.spec?.template ?? {};
    if (template.spec?.syncPolicy?.automated !== undefined)
        found.push({ safeguard: "autoSync", message: `${name} generates Applications that sync automatically` });
    if (list(template.metadata?.finalizers).some((f) => String(f).startsWith("resources-finalizer.argocd.argoproj.io")))
        found.push({
            safeguard: "cascadeDelete",
            message: `${name} generates Applications with the cascade finalizer (deleting one deletes its workloads)`,
        });
    if (props.spec?.syncPolicy?.preserveResourcesOnDeletion !== true)
        found.push({
            safeguard: "cascadeDelete",
            message: `${name} does not preserve resources on deletion (deleting it deletes every generated app's workloads)`,
        });
    const applicationsSync = props.spec?.syncPolicy?.applicationsSync;
    if (applicationsSync !== "create-only" && applicationsSync !== "create-update")
        found.push({
            safeguard: "cascadeDelete",
            message: `${name} has applicationsSync ${quote(applicationsSync ?? "sync")}: removing an app's folder from Git deletes its Application`,
        });
    return found;
};

const argoRelaxations: ObjectCheck = (type, props) => {
    const found: Relaxation[] = [];
    const cm = isArgoRelease(type, props)
        ? (props.values?.configs?.cm ?? {})
        : isConfigMap(type) && nameOf(props) === "argocd-cm"
          ? (props.data ?? {})
          : undefined;
    // The argo-cd chart (and Argo CD itself) enable the local admin unless admin.enabled is false. A patch of an
    // existing argocd-cm that does not set the key leaves the install's own value, which the pack cannot see.
    const patch = type.endsWith("Patch");
    if (cm !== undefined && (!patch || "admin.enabled" in cm) && String(cm["admin.enabled"] ?? "true") !== "false")
        found.push({
            safeguard: "adminEnabled",
            message: `Argo CD keeps the local admin account (argocd-cm admin.enabled is not false)`,
        });
    const rbac =
        isConfigMap(type) && nameOf(props) === "argocd-rbac-cm" ? (props.data ?? {}) : props.values?.configs?.rbac;
    if ((isArgoRelease(type, props) || isConfigMap(type)) && String(rbac?.["policy.default"] ?? "") === "role:admin")
        found.push({
            safeguard: "rbacDefaultPolicy",
            message: `Argo CD RBAC policy.default is role:admin: every signed-in user may sync and delete prod`,
        });
    if (isArgoRelease(type, props)) {
        const v = props.values ?? {};
        const small = ["server", "repoServer"].filter((c) => !(Number(v[c]?.replicas ?? 1) >= 2));
        if (v["redis-ha"]?.enabled !== true || small.length > 0)
            found.push({
                safeguard: "highAvailability",
                message: `Argo CD release ${props.name} is not highly available (${[
                    v["redis-ha"]?.enabled !== true ? "redis-ha disabled" : "",
                    ...small.map((c) => `${c}.replicas < 2`),
                ]
                    .filter((s) => s !== "")
                    .join(", ")})`,
            });
    }
    return found;
};

const fluxRelaxations: ObjectCheck = (type, props) => {
    if (!isFluxRelease(type, props)) return [];
    const v = props.values ?? {};
    const found: Relaxation[] = [];
    if (v.multitenancy?.enabled !== true)
        found.push({
            safeguard: "fluxMultitenancy",
            message: `Flux release ${props.name} runs without multi-tenancy lockdown (multitenancy.enabled is not true): Kustomizations without a ServiceAccount act as cluster-admin`,
        });
    const unreserved = ["sourceController", "kustomizeController"].filter((c) => !v[c]?.resources?.requests);
    if (unreserved.length > 0)
        found.push({
            safeguard: "highAvailability",
            message: `Flux release ${props.name} reserves no CPU or memory for ${unreserved.join(", ")} (production sizing)`,
        });
    return found;
};

/** restrictDefaultProject=false: Argo CD's built-in `default` project stays open to anything added through Git. */
const defaultProjectOpen: StackCheck = (resources, ctx) => {
    if (!ctx.isProd || ctx.acknowledges("restrictDefaultProject")) return [];
    // An Argo CD stack: the release, or (operatorInstall=existing) the Applications it declares.
    const release =
        resources.find((r) => isArgoRelease(r.type, r.props)) ??
        resources.find((r) => /^kubernetes:argoproj\.io\/[a-z0-9]+:(Application|ApplicationSet)$/.test(r.type));
    const restricted = resources.some(
        (r) => r.type === "kubernetes:argoproj.io/v1alpha1:AppProjectPatch" && nameOf(r.props) === "default",
    );
    return release && !restricted
        ? [
              {
                  message: `Argo CD's built-in default AppProject is left open in ${describeStack(ctx)}: an Application added through Git could use it to deploy anything; expected the default-project restriction (restrictDefaultProject=true), ${ackHint("restrictDefaultProject")}.`,
                  urn: release.urn,
              },
          ]
        : [];
};

/** The branch dev and staging image automation pushes to (their tier default unless their stacks say otherwise). */
const DEFAULT_AUTOMATION_BRANCHES = [...new Set([TIER_DEFAULTS.dev.fluxRevision, TIER_DEFAULTS.staging.fluxRevision])];

/** A prod GitRepository on the branch automation writes to would deploy unreviewed image updates to prod. */
const prodTracksAutomationBranch: StackCheck = (resources, ctx, policyConfig) => {
    if (!ctx.isProd || ctx.acknowledges("targetRevision")) return [];
    const branches: string[] = Array.isArray(policyConfig.automationBranches)
        ? policyConfig.automationBranches.map(String)
        : DEFAULT_AUTOMATION_BRANCHES;
    return resources
        .filter((r) => isKind(r.type, "source.toolkit.fluxcd.io", "GitRepository"))
        .filter((r) => branches.includes(String(r.props.spec?.ref?.branch ?? "")))
        .map((r) => ({
            message: `GitRepository ${nameOf(r.props)} in ${describeStack(ctx)} tracks branch ${quote(r.props.spec.ref.branch)}, which dev/staging image automation pushes to: prod would deploy unreviewed image updates; expected a prod branch or tag that moves only through reviewed pull requests (targetRevision), ${ackHint("targetRevision")}.`,
            urn: r.urn,
        }));
};

/** argocd-rbac-cm `p` lines: objects inside one project declared by this stack (issue 8 §3). */
const rbacPolicyObjects =
    (scope: Scope): StackCheck =>
    (resources, ctx) => {
        if (!inScope(scope, ctx)) return [];
        const projects = resources
            .filter((r) => isKind(r.type, "argoproj.io", "AppProject") && !r.type.endsWith("Patch"))
            .map((r) => nameOf(r.props));
        const found: Finding[] = [];
        for (const r of resources) {
            for (const csv of policyCsvs(r.type, r.props)) {
                for (const line of policyLines(csv)) {
                    if (line[0] !== "p" || line[4] === undefined) continue;
                    const object = line[4];
                    const reason = patternWidth(object, "rbacObject");
                    if (reason === undefined) continue;
                    if (projects.some((p) => patternWidth(object, "rbacObject", { project: p }) === undefined))
                        continue;
                    found.push({
                        message: `Argo CD RBAC line ${quote(line.join(", "))} in ${describeStack(ctx)} grants a wide object: ${reason}${projects.length > 0 ? ` (projects of this stack: ${projects.join(", ")})` : ""}`,
                        urn: r.urn,
                    });
                }
            }
        }
        return found;
    };

/**
 * No Secret in plain text in the GitOps repository (issue 12): every path an Application or Kustomization of the
 * stack deploys is read from a local checkout of the repository (policy config `repositoryDir`; the pack cannot
 * see Git otherwise, so without it the rule checks nothing). Plain `kind: Secret` documents and secretGenerators
 * are refused; SOPS-encrypted Secrets, SealedSecrets and ExternalSecrets pass.
 */
const plainSecretsInGit: StackCheck = (resources, ctx, policyConfig) => {
    const dir = typeof policyConfig.repositoryDir === "string" ? policyConfig.repositoryDir : "";
    if (dir === "") return [];
    const found: Finding[] = [];
    for (const r of resources) {
        const kustomization = isKind(r.type, "kustomize.toolkit.fluxcd.io", "Kustomization");
        const application = isKind(r.type, "argoproj.io", "Application") && !r.type.endsWith("Patch");
        const deployed = kustomization
            ? [r.props.spec?.path]
            : application
              ? [r.props.spec?.source?.path, ...list(r.props.spec?.sources).map((s) => s?.path)]
              : [];
        for (const p of deployed.filter((x): x is string => typeof x === "string" && x !== "")) {
            for (const secret of plainSecretsInPath(dir, p))
                found.push({
                    message: `${kustomization ? "Kustomization" : "Application"} ${nameOf(r.props)} in ${describeStack(ctx)} deploys ${p}, which commits ${secret.what} in plain text (${secret.file}); expected it encrypted in Git: SOPS (secretsInGit sops, Flux), a SealedSecret (secretsInGit sealed-secrets) or an ExternalSecret.`,
                    urn: r.urn,
                });
        }
    }
    return found;
};

// ---------------------------------------------------------------------------------------------------------------
// The pack.

function resourcePolicy(
    name: string,
    description: string,
    scope: Scope,
    check: ResourceCheck,
    options: PolicyOptions,
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: scope === "outsideProd" ? "advisory" : "mandatory",
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            const ctx = stackContext(
                [{ urn: args.urn, props: args.props }],
                (options.engineConfig ?? engineConfigFromEnv)(),
            );
            if (!inScope(scope, ctx)) return;
            // No message repeats a credential a resource carries (URL user information, a private key): issue 19 §6.
            for (const message of check(args.type, args.props, ctx)) reportViolation(redactSecrets(message));
        },
    };
}

/**
 * A resource policy for prod that the stack may acknowledge by naming `safeguard` (the program marks such objects
 * with the names, see context.ts).
 */
function prodResourcePolicy(
    name: string,
    description: string,
    safeguard: string,
    check: ResourceCheck,
    options: PolicyOptions,
): ResourceValidationPolicy {
    return resourcePolicy(
        name,
        description,
        "prod",
        (type, props, ctx) => (ctx.acknowledges(safeguard) ? [] : check(type, props, ctx)),
        options,
    );
}

function stackPolicy(
    name: string,
    description: string,
    enforcementLevel: "mandatory" | "advisory",
    check: StackCheck,
    options: PolicyOptions,
    configSchema?: StackValidationPolicy["configSchema"],
): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel,
        configSchema,
        validateStack: (args, reportViolation) => {
            const ctx = stackContext(args.resources, (options.engineConfig ?? engineConfigFromEnv)());
            for (const f of check(args.resources, ctx, args.getConfig<Props>()))
                reportViolation(redactSecrets(f.message), f.urn);
        },
    };
}

/** Every policy of the pack. `options` lets tests hand in the engine configuration the CLI would pass. */
export function buildPolicies(options: PolicyOptions = {}): Policy[] {
    const r = (name: string, description: string, scope: Scope, check: ResourceCheck) =>
        resourcePolicy(name, description, scope, check, options);
    return [
        r(
            "argocd-application-not-in-default-project",
            "Argo CD Applications (and the ones an ApplicationSet generates) belong to an environment's AppProject, never `default` (which allows everything).",
            "all",
            notInDefaultProject,
        ),
        r(
            "argocd-appproject-exact-sources-in-prod",
            "Prod AppProjects list exact source repositories; a glob (`*`, `**`, `https://*`, `*.git`, `!x`) lets other repositories deploy to prod.",
            "prod",
            exactSources,
        ),
        r(
            "argocd-appproject-exact-sources",
            "AppProjects outside prod should list exact source repositories (advisory twin of the prod rule).",
            "outsideProd",
            exactSources,
        ),
        r(
            "argocd-appproject-explicit-destinations",
            "AppProject destinations never admit every namespace or cluster (`*`, `**`, a `!` deny pattern), a system namespace (default, kube-*), nor a namespace named for another tier (`shop-dev` in prod).",
            "all",
            destinationsCheck(false),
        ),
        r(
            "argocd-appproject-exact-destinations-in-prod",
            "Prod AppProject destinations name one server and one namespace each; a glob (`team-*`, `?`, `[ab]`, `{a,b}`) admits namespaces nobody reviewed.",
            "prod",
            destinationsCheck(true),
        ),
        r(
            "argocd-appproject-exact-destinations",
            "AppProject destinations outside prod should be exact (advisory twin; the ApplicationSet mode's *-<env> pattern shows here).",
            "outsideProd",
            destinationsCheck(true),
        ),
        r(
            "argocd-appproject-role-objects-in-prod",
            "Prod AppProject roles grant on the project's own applications (<project>/* or exact names), never a wider glob.",
            "prod",
            projectRoleObjects,
        ),
        r(
            "argocd-appproject-role-objects",
            "AppProject roles outside prod should grant on the project's own applications (advisory twin).",
            "outsideProd",
            projectRoleObjects,
        ),
        r(
            "access-never-to-everyone",
            "No access group is one Kubernetes fills with everyone (system:authenticated, system:serviceaccounts[:ns], system:masters, ...): AppProject roles, argocd-rbac-cm `g` lines, RoleBindings and ClusterRoleBindings.",
            "all",
            noEveryoneGroups,
        ),
        prodResourcePolicy(
            "argocd-prod-no-cascade-delete-by-surprise",
            "Prod Applications carry no resources finalizer unless the stack acknowledged it.",
            "cascadeDelete",
            prodCascadeDelete,
            options,
        ),
        prodResourcePolicy(
            "argocd-prod-no-unacknowledged-automated-sync",
            "Prod Applications sync by hand unless the stack acknowledged automated sync.",
            "autoSync",
            prodAutomatedSync,
            options,
        ),
        prodResourcePolicy(
            "flux-prod-no-delete-by-surprise",
            "Prod Flux Kustomizations orphan their workloads on deletion unless the stack acknowledged it.",
            "cascadeDelete",
            prodFluxDeletion,
            options,
        ),
        r(
            "prod-no-image-automation",
            "Prod is promoted by pull request: no Flux ImageUpdateAutomation and no Argo CD Image Updater writes to its Git source.",
            "prod",
            prodNoImageAutomation,
        ),
        r(
            "flux-kustomization-impersonates",
            "Flux Kustomizations apply as their environment's ServiceAccount, never with the controller's cluster-wide rights.",
            "all",
            impersonates,
        ),
        r(
            "helm-release-pinned-version",
            "Helm releases pin an exact chart version, so an upgrade is a reviewed change and never a surprise.",
            "all",
            pinnedChart,
        ),
        r(
            "git-credentials-never-skip-host-verification",
            "Repository credentials never disable TLS or SSH host verification.",
            "all",
            hostVerification,
        ),
        r(
            "rbac-no-wildcards",
            "Roles and ClusterRoles name their API groups, resources and verbs; no `*`.",
            "all",
            rbacNoWildcards,
        ),
        r(
            "flux-served-api-versions",
            "Flux objects use the API versions the current Flux CRDs serve (older versions were removed in Flux 2.8).",
            "all",
            servedFluxVersions,
        ),
        stackPolicy(
            "prod-defaults-unless-acknowledged",
            "A prod stack (by the stack's name, not a label) keeps prod behaviour unless it acknowledged the relaxation by name in acknowledgeProdOverrides: sync windows, no cluster-scoped kinds beyond Namespace, no local admin, HA, no role:admin default, ApplicationSets that generate manual-sync Applications and never delete workloads, Flux multi-tenancy and production sizing.",
            "mandatory",
            (resources, ctx, config) =>
                [
                    syncWindowMissing,
                    clusterResourcesBeyondNamespace,
                    argoRelaxations,
                    applicationSetRelaxations,
                    fluxRelaxations,
                ].flatMap((c) => unacknowledged(c)(resources, ctx, config)),
            options,
        ),
        stackPolicy(
            "argocd-prod-default-project-restricted",
            "In prod, Argo CD's built-in default AppProject is emptied (restrictDefaultProject) unless the stack acknowledged it.",
            "mandatory",
            defaultProjectOpen,
            options,
        ),
        stackPolicy(
            "flux-prod-not-on-automation-branch",
            "A prod GitRepository does not track the branch dev/staging image automation pushes to, unless the stack acknowledged it.",
            "mandatory",
            prodTracksAutomationBranch,
            options,
            {
                properties: {
                    automationBranches: {
                        type: "array",
                        items: { type: "string" },
                        default: DEFAULT_AUTOMATION_BRANCHES,
                        description:
                            "Branches that dev/staging image automation pushes to (the targetRevision of those stacks).",
                    },
                },
            },
        ),
        stackPolicy(
            "argocd-rbac-objects-in-prod",
            "Prod argocd-rbac-cm `p` lines grant on an exact object or <project>/* of a project this stack declares.",
            "mandatory",
            rbacPolicyObjects("prod"),
            options,
        ),
        stackPolicy(
            "no-plain-secrets-in-git",
            "The Git paths the stack deploys commit no Secret in plain text (read from a local checkout: policy config repositoryDir); SOPS, SealedSecrets or ExternalSecrets instead.",
            "mandatory",
            plainSecretsInGit,
            options,
            {
                properties: {
                    repositoryDir: {
                        type: "string",
                        default: "",
                        description:
                            "Absolute path of a local checkout of the GitOps repository at the revision being deployed; empty: not checked.",
                    },
                },
            },
        ),
        stackPolicy(
            "argocd-rbac-objects",
            "argocd-rbac-cm `p` lines outside prod should grant on exact objects or <project>/* (advisory twin).",
            "advisory",
            rbacPolicyObjects("outsideProd"),
            options,
        ),
    ];
}

/** The pack as `pulumi preview --policy-pack policy` runs it. */
export const POLICIES: Policy[] = buildPolicies();
