import type { AccessConfig, FluxRef, GroupKind, Operator, OperatorInstall } from "../types";
import { TIER_DEFAULTS } from "../tiers";
import { parseAcknowledgement } from "../guards";
import { quote, type ConfigInput } from "./context";
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
     * Default true: allowed when acknowledgeProdOverrides names it (or is true, deprecated).
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

/** The safeguards a stack may name in acknowledgeProdOverrides. */
export const ACKNOWLEDGEABLE: readonly string[] = PROD_SAFEGUARDS.filter((r) => r.acknowledgeable !== false).map(
    (r) => r.key,
);

/** What validateProdSafeguards found: the safeguards the stack relaxes, each acknowledged (or the stack is refused). */
export interface ProdOverrides {
    /** Keys of the relaxed safeguards (prod only), in PROD_SAFEGUARDS order. */
    readonly relaxed: string[];
}

const list = (keys: readonly string[]): string => `[${keys.join(", ")}]`;

/**
 * Reads acknowledgeProdOverrides and reports each prod safeguard the stack relaxes without acknowledging it by name
 * (or at all, when not acknowledgeable), each name that is no safeguard, and each acknowledged safeguard the stack
 * does not relax (an acknowledgement waiting for a relaxation nobody has made would let it through unnoticed).
 * `true` still acknowledges every one, with a deprecation warning that names them. In prod, the relaxations are listed
 * as a warning, which `pulumi preview`, `pulumi up` and the render print (issue 19).
 */
export function validateProdSafeguards(input: ConfigInput, settings: SafeguardInput, isProd: boolean): ProdOverrides {
    const ack = parseAcknowledgement(input.raw("acknowledgeProdOverrides"));
    if (ack.problem)
        input.problem(
            "acknowledgeProdOverrides",
            `${quote(input.raw("acknowledgeProdOverrides")?.trim())} ${ack.problem}; expected a list of the prod safeguards the stack relaxes, e.g. ${list(ACKNOWLEDGEABLE.slice(0, 2))} (any of ${ACKNOWLEDGEABLE.join(", ")}).`,
        );
    for (const name of ack.names) {
        const row = PROD_SAFEGUARDS.find((r) => r.key === name);
        if (row === undefined)
            input.problem(
                "acknowledgeProdOverrides",
                `${quote(name)} is not a prod safeguard; expected any of ${ACKNOWLEDGEABLE.join(", ")}.`,
            );
        else if (row.acknowledgeable === false)
            input.problem(
                "acknowledgeProdOverrides",
                `${quote(name)} cannot be acknowledged: prod never relaxes it (${row.safe}); remove it from the list.`,
            );
    }
    const relaxedRows = isProd ? PROD_SAFEGUARDS.filter((r) => r.relaxed(settings)) : [];
    const relaxed: string[] = [];
    for (const row of relaxedRows) {
        if (row.acknowledgeable === false) {
            input.problem(row.key, `${row.what(settings)}; expected ${row.safe}.`);
        } else if (!ack.all && !ack.names.includes(row.key)) {
            input.problem(
                "acknowledgeProdOverrides",
                `stack relaxes a prod safety default: ${row.what(settings)}; expected ${row.safe}, or acknowledgeProdOverrides: ${list([...ack.names.filter((n) => ACKNOWLEDGEABLE.includes(n)), row.key])} to accept the risk.`,
            );
        } else relaxed.push(row.key);
    }
    if (!isProd) {
        if (ack.all)
            input.warn(
                "acknowledgeProdOverrides",
                "true is deprecated and has no effect outside prod; remove it (in prod, name the safeguards the stack relaxes).",
            );
        return { relaxed: [] };
    }
    const stale = ack.names.filter((n) => ACKNOWLEDGEABLE.includes(n) && !relaxedRows.some((r) => r.key === n));
    if (stale.length > 0)
        input.problem(
            "acknowledgeProdOverrides",
            `acknowledges ${stale.join(", ")}, which the stack does not relax: a standing acknowledgement would let a later relaxation through unnoticed; expected ${relaxed.length > 0 ? list(relaxed) : "no acknowledgeProdOverrides"}.`,
        );
    if (ack.all)
        input.warn(
            "acknowledgeProdOverrides",
            `true is deprecated: it acknowledges every prod safeguard, including relaxations nobody has made yet; name the ones the stack relaxes instead: ${relaxed.length > 0 ? `acknowledgeProdOverrides: ${list(relaxed)}` : "none, so remove the key"}.`,
        );
    if (relaxed.length > 0) {
        const rows = relaxedRows.filter((r) => relaxed.includes(r.key));
        input.warn(
            "acknowledgeProdOverrides",
            `stack relaxes ${rows.length} prod safeguard${rows.length === 1 ? "" : "s"}, acknowledged: ${rows.map((r) => `${r.key} (${r.what(settings)})`).join("; ")}.`,
        );
    }
    return { relaxed };
}
