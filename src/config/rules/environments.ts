/**
 * Cross-environment invariants (issue 19 §3), each stated once and checked from both sides. A stack sees only its own
 * configuration, so a rule "X must never reach prod" is checked by prod (refusing X) and by every stack that could
 * send X there (refusing to send it): a staging stack's image automation pushing to the branch prod deploys from is
 * refused by staging, not only a prod stack tracking the branch staging pushes to.
 *
 * ENVIRONMENT_INVARIANTS is the table; each row's check runs on every stack, whatever its tier, and reports on the
 * stack's own keys. Rows that prod may relax on purpose live in PROD_SAFEGUARDS (./prodSafeguards.ts), which takes the
 * branch sets from here.
 */
import { describeRef } from "../constants";
import { isSystemNamespace, namespaceTier, stackTier } from "../guards";
import { TIER_DEFAULTS } from "../tiers";
import type { AppConfig, FluxRef, Operator, OperatorInstall, Tier } from "../types";
import { quote, type ConfigInput } from "./context";

/**
 * The tier a name says it belongs to, by the stack-name rule (guards.ts stackTier: a `-` `_` `.` separated token
 * dev/development, staging/stage, prod/production; the highest wins), or undefined. `suffix`: only the last `-`
 * token counts (namespaces are `<app>-<env>`, so `dev-tools` in prod names no tier).
 */
export function tierOfName(name: string, suffix = false): Tier | undefined {
    if (!suffix) return stackTier(name.replace(/\//g, "-"));
    return namespaceTier(name);
}

/**
 * Branches dev and staging image automation pushes to by default (the automation pushes to the branch the
 * environment tracks, src/flux/imageAutomation.ts and src/argocd/imageUpdater.ts).
 */
export const AUTOMATION_BRANCHES: readonly string[] = [
    ...new Set(
        (["dev", "staging"] as const)
            .filter((t) => TIER_DEFAULTS[t].imageAutomation)
            .map((t) => TIER_DEFAULTS[t].fluxRevision),
    ),
];

/**
 * Whether a branch is one prod deploys from: prod's own default branch (Flux's `prod`), or any branch whose name
 * says prod (`production`, `release/prod`, `prod-eu`), which a dev or staging automation must never push to.
 */
export function isProdBranch(branch: string): boolean {
    return (
        (branch === TIER_DEFAULTS.prod.fluxRevision && !AUTOMATION_BRANCHES.includes(branch)) ||
        tierOfName(branch) === "prod"
    );
}

/** What the invariants read: the stack's settings after validation (defaults applied). */
export interface EnvironmentInput {
    readonly tier: Tier;
    readonly operator: Operator;
    readonly install: OperatorInstall;
    /** Flux: the ref the GitRepository tracks. */
    readonly fluxRef?: FluxRef;
    /** Argo CD: the targetRevision the Applications track (and Image Updater writes to). */
    readonly argoRevision: string;
    /** Image automation is on and some app declares image and semverRange: commits will be pushed. */
    readonly automationWrites: boolean;
    readonly apps: readonly AppConfig[];
    readonly applicationSetNamespaces: readonly string[];
    /** `<namespace>/<name>` of Argo CD Image Updater's write credential, when set. */
    readonly imageUpdaterWriteSecret?: string;
    readonly fluxMultitenancy: boolean;
    /** The Slack channels the stack notifies (slackChannel and alertChannels' Slack channels). */
    readonly slackChannels: readonly string[];
    /** `kubernetes:context`, when set. */
    readonly kubeContext?: string;
}

/** One invariant: the rule in one sentence, and its check from the side of any stack. */
export interface EnvironmentInvariant {
    readonly name: string;
    readonly statement: string;
    readonly check: (s: EnvironmentInput, input: ConfigInput) => void;
}

/** The branch the stack's automation pushes to, or undefined when it pushes nothing or to no branch. */
function automationBranch(s: EnvironmentInput): string | undefined {
    if (!s.automationWrites) return undefined;
    if (s.operator === "flux") return s.fluxRef && "branch" in s.fluxRef ? s.fluxRef.branch : undefined;
    return s.argoRevision;
}

/**
 * The one tier a name says, when it says exactly one: `kind-dev` is dev, while a GKE context such as
 * `gke_acme-prod-project_europe-west1_dev-1` names two and proves nothing (a project called prod holding a dev
 * cluster). For kube contexts and channel names, where such mixes are common.
 */
export function soleTierOfName(name: string): Tier | undefined {
    const parts = name.toLowerCase().split(/[-_.:/]/);
    const tiers = new Set(parts.map((p) => stackTier(p)).filter((t): t is Tier => t !== undefined));
    return tiers.size === 1 ? [...tiers][0] : undefined;
}

const otherTier = (name: string, tier: Tier): Tier | undefined => {
    const named = tierOfName(name, true);
    return named !== undefined && named !== tier ? named : undefined;
};

export const ENVIRONMENT_INVARIANTS: readonly EnvironmentInvariant[] = [
    {
        name: "automation-branch",
        statement: "Image automation never pushes to a branch prod deploys from.",
        // Prod's side is PROD_SAFEGUARDS' targetRevision row (a prod stack on AUTOMATION_BRANCHES); prod itself runs
        // no automation (the imageAutomation row).
        check: (s, input) => {
            const branch = automationBranch(s);
            if (s.tier === "prod" || branch === undefined || !isProdBranch(branch)) return;
            input.problem(
                "targetRevision",
                `${quote(branch)} is a branch prod deploys from, and image automation in ${s.tier} pushes its commits to the branch the stack tracks: unreviewed image updates would land on prod's branch; expected a ${s.tier} branch (default ${TIER_DEFAULTS[s.tier].fluxRevision}), or imageAutomation=false.`,
            );
        },
    },
    {
        name: "automation-writes-a-branch",
        statement: "Image automation writes to a branch: never a tag, a semver range, a commit or HEAD.",
        check: (s, input) => {
            if (!s.automationWrites) return;
            if (s.operator === "flux") {
                if (s.fluxRef !== undefined && !("branch" in s.fluxRef))
                    input.problem(
                        "targetRevision",
                        `image automation pushes commits to a branch, but the GitRepository tracks ${describeRef(s.fluxRef)}; expected a branch name, or imageAutomation=false (image automation is on by default in ${s.tier}).`,
                    );
                return;
            }
            // Argo CD Image Updater writes back to targetRevision; Argo CD reads 7 to 40 hex digits as a commit.
            const rev = s.argoRevision;
            if (/^[0-9a-f]{7,40}$/i.test(rev) || rev === "HEAD")
                input.problem(
                    "targetRevision",
                    `${quote(rev)} is ${rev === "HEAD" ? "HEAD, not a branch" : "a commit (Argo CD reads 7 to 40 hex digits as one)"}, but Argo CD Image Updater pushes its commits to the branch the Applications track; expected a branch name, or imageAutomation=false (image automation is on by default in ${s.tier}).`,
                );
        },
    },
    {
        name: "own-namespaces",
        statement: "An environment deploys only into namespaces of its own, never into one named for another tier.",
        check: (s, input) => {
            for (const app of s.apps) {
                const other = otherTier(app.namespace, s.tier);
                if (other)
                    input.problem(
                        "apps",
                        `app ${quote(app.name)} deploys into ${quote(app.namespace)}, a ${other} namespace by its name, but stack ${quote(input.stack)} is the ${s.tier} environment; expected a namespace of this environment, e.g. ${quote(`${app.name}-${s.tier}`)}.`,
                    );
            }
            for (const ns of s.applicationSetNamespaces) {
                const other = otherTier(ns, s.tier);
                if (other)
                    input.problem(
                        "applicationSetNamespaces",
                        `${quote(ns)} is a ${other} namespace by its name, but stack ${quote(input.stack)} is the ${s.tier} environment: its AppProject would admit another environment's namespace; expected namespaces ending in -${s.tier}.`,
                    );
            }
        },
    },
    {
        name: "write-credential-namespace",
        statement:
            "Image Updater's write credential lives in a namespace of the platform, never the cluster's own nor another tier's.",
        check: (s, input) => {
            const namespace = s.imageUpdaterWriteSecret?.split("/")[0];
            if (namespace === undefined || namespace === "") return;
            if (isSystemNamespace(namespace))
                input.problem(
                    "imageUpdaterWriteSecret",
                    `${quote(s.imageUpdaterWriteSecret)} is in ${quote(namespace)}, a namespace of the cluster itself (default and kube-*): the updater would need to read Secrets there; expected a Secret in Argo CD's namespace, e.g. argocd/gitops-write.`,
                );
            const other = otherTier(namespace, s.tier);
            if (other)
                input.problem(
                    "imageUpdaterWriteSecret",
                    `${quote(s.imageUpdaterWriteSecret)} is in ${quote(namespace)}, a ${other} namespace by its name, but stack ${quote(input.stack)} is the ${s.tier} environment; expected a Secret of this environment, e.g. argocd/gitops-write.`,
                );
        },
    },
    {
        name: "kube-context",
        statement:
            "A stack deploys to its own environment's cluster: a kube context named for another tier is refused.",
        check: (s, input) => {
            const context = s.kubeContext?.trim();
            if (!context) return;
            // The last path part of an EKS ARN, the name of a kind/GKE/AKS context; only when it names one tier.
            const named = soleTierOfName(context.split("/").pop() ?? context);
            const other = named !== undefined && named !== s.tier ? named : undefined;
            if (other)
                input.problemFull(
                    "kubernetes:context",
                    `${quote(context)} names the ${other} environment, but stack ${quote(input.stack)} is the ${s.tier} environment: the stack would deploy to another environment's cluster; expected this environment's context (kubectl config rename-context, if the name misleads).`,
                );
        },
    },
    {
        name: "notification-channel",
        statement: "An environment notifies its own channels (a warning: a shared channel can be intended).",
        check: (s, input) => {
            for (const channel of s.slackChannels) {
                const named = soleTierOfName(channel.replace(/^#/, ""));
                const other = named !== undefined && named !== s.tier ? named : undefined;
                if (other)
                    input.warn(
                        channel === s.slackChannels[0] ? "slackChannel" : "alertChannels",
                        `Slack channel ${quote(channel)} is named for ${other}, but stack ${quote(input.stack)} is the ${s.tier} environment: on call would read ${s.tier}'s events as ${other}'s.`,
                    );
            }
        },
    },
    {
        name: "existing-install-tenancy",
        statement:
            "Flux's tenancy lockdown is set by the chart: on an existing install the program cannot set or see it.",
        // Prod's side is PROD_SAFEGUARDS' fluxMultitenancy row (a relaxation to acknowledge); elsewhere, a warning.
        check: (s, input) => {
            if (s.tier === "prod" || s.operator !== "flux" || s.install !== "existing" || !s.fluxMultitenancy) return;
            input.warn(
                "operatorInstall",
                `"existing": Flux's multi-tenancy lockdown (--no-cross-namespace-refs, --default-service-account) is whatever the existing install was started with; the program declares the tenancy ServiceAccount, but cannot set the controllers' flags or check them.`,
            );
        },
    },
];

/** Runs every invariant on the stack's own settings. */
export function validateEnvironmentInvariants(input: ConfigInput, settings: EnvironmentInput): void {
    for (const invariant of ENVIRONMENT_INVARIANTS) invariant.check(settings, input);
}
