import type { AccessConfig, FluxRef, GroupKind, Operator, OperatorInstall } from "../types";
import { TIER_DEFAULTS } from "../tiers";
import type { ConfigInput } from "./context";
import { AUTOMATION_BRANCHES } from "./environments";

/** What the prod safeguards look at: the stack's settings after validation (defaults applied). */
export interface SafeguardInput {
    readonly operator: Operator;
    /** operatorInstall: with `existing`, what the chart sets (Flux's tenancy lockdown) is the install's. */
    readonly install: OperatorInstall;
    readonly autoSync: boolean;
    readonly cascadeDelete: boolean;
    readonly highAvailability: boolean;
    readonly adminEnabled: boolean;
    readonly access: AccessConfig;
    readonly clusterResources: readonly GroupKind[];
    readonly restrictDefaultProject: boolean;
    readonly fluxMultitenancy: boolean;
    readonly imageAutomation: boolean;
    readonly fluxRef?: FluxRef;
}

/** One prod default: the key, what prod gets, and when a stack has relaxed it. */
export interface ProdSafeguard {
    readonly key: string;
    /** The safe prod value, as the message shows it. */
    readonly safe: string;
    /** Whether the stack relaxes this safeguard. */
    readonly relaxed: (s: SafeguardInput) => boolean;
    /** What the relaxation is and why it matters (shown after "stack relaxes a prod safety default: "). */
    readonly what: (s: SafeguardInput) => string;
    /**
     * false: never allowed in prod, acknowledged or not (the problem is reported on the key itself).
     * Default true: allowed with acknowledgeProdOverrides=true.
     */
    readonly acknowledgeable?: boolean;
}

const branchOf = (ref: FluxRef | undefined): string | undefined => (ref && "branch" in ref ? ref.branch : undefined);
const NAMESPACE_ONLY = (gk: GroupKind) => gk.group === "" && gk.kind === "Namespace";

export { AUTOMATION_BRANCHES };

/**
 * Every prod safety default, in one table: a prod stack that relaxes any of them must say acknowledgeProdOverrides
 * (the acknowledgement is recorded on the prod objects, where the policy pack reads it), or, for the rows marked
 * not acknowledgeable, cannot relax it at all. A new safety key is a new row here, so it cannot forget the
 * acknowledgement; tests/config/rules/prodSafeguards.test.ts covers every row.
 */
export const PROD_SAFEGUARDS: readonly ProdSafeguard[] = [
    {
        key: "autoSync",
        safe: "the default",
        relaxed: (s) => s.autoSync,
        what: () => "autoSync=true (automated sync)",
    },
    {
        key: "cascadeDelete",
        safe: "the default",
        relaxed: (s) => s.cascadeDelete,
        what: () => "cascadeDelete=true (destroy deletes workloads)",
    },
    {
        key: "highAvailability",
        safe: "the default",
        relaxed: (s) => !s.highAvailability,
        what: () => "highAvailability=false",
    },
    {
        key: "adminEnabled",
        safe: "the default",
        relaxed: (s) => s.adminEnabled,
        what: () => "adminEnabled=true (local admin account)",
    },
    {
        key: "rbacDefaultPolicy",
        safe: "role:readonly or empty",
        relaxed: (s) => s.access.defaultPolicy === "role:admin",
        what: () => "rbacDefaultPolicy=role:admin (every signed-in user may sync and delete prod)",
    },
    {
        key: "restrictDefaultProject",
        safe: "true (the default)",
        relaxed: (s) => s.operator === "argocd" && !s.restrictDefaultProject,
        what: () =>
            "restrictDefaultProject=false (Applications added through Git can use Argo CD's default project, which allows every repository, cluster and kind)",
    },
    {
        key: "extraClusterResources",
        safe: "no cluster-scoped kind beyond Namespace",
        relaxed: (s) => s.operator === "argocd" && s.clusterResources.some((gk) => !NAMESPACE_ONLY(gk)),
        what: (s) =>
            `extraClusterResources=${s.clusterResources
                .filter((gk) => !NAMESPACE_ONLY(gk))
                .map((gk) => `${gk.group}/${gk.kind}`)
                .join(",")} (prod Applications may create cluster-scoped objects)`,
    },
    {
        key: "fluxMultitenancy",
        safe: "true (the default)",
        // Both sides of the tenancy invariant (./environments.ts): off, or set by an install the program cannot see.
        relaxed: (s) => s.operator === "flux" && (!s.fluxMultitenancy || s.install === "existing"),
        what: (s) =>
            s.fluxMultitenancy
                ? "operatorInstall=existing with fluxMultitenancy=true (the lockdown flags --no-cross-namespace-refs and --default-service-account are whatever the existing Flux was started with: the program cannot set or check them)"
                : "fluxMultitenancy=false (Kustomizations run with the controller's cluster-admin identity and may reference other namespaces)",
    },
    {
        key: "targetRevision",
        safe: `a branch other than ${AUTOMATION_BRANCHES.join(", ")} (default: ${TIER_DEFAULTS.prod.fluxRevision})`,
        relaxed: (s) => s.operator === "flux" && AUTOMATION_BRANCHES.includes(branchOf(s.fluxRef) ?? ""),
        what: (s) =>
            `targetRevision=${branchOf(s.fluxRef)} (the branch dev/staging image automation pushes to: its image bumps would reach prod unreviewed)`,
    },
    {
        key: "imageAutomation",
        safe: "false or empty",
        acknowledgeable: false,
        relaxed: (s) => s.imageAutomation,
        what: () => "is true in prod; image updates are never written by automation in prod (promote by pull request)",
    },
];

/** Reports each prod safeguard the stack relaxes without the acknowledgement (or at all, when not acknowledgeable). */
export function validateProdSafeguards(
    input: ConfigInput,
    settings: SafeguardInput,
    isProd: boolean,
    acknowledged: boolean,
): void {
    if (!isProd) return;
    for (const row of PROD_SAFEGUARDS) {
        if (!row.relaxed(settings)) continue;
        if (row.acknowledgeable === false) {
            input.problem(row.key, `${row.what(settings)}; expected ${row.safe}.`);
        } else if (!acknowledged) {
            input.problem(
                "acknowledgeProdOverrides",
                `stack relaxes a prod safety default: ${row.what(settings)}; expected ${row.safe}, or acknowledgeProdOverrides=true to accept the risk.`,
            );
        }
    }
}
