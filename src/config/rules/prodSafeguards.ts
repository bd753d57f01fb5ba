import type { AccessConfig, FluxRef, GroupKind, Operator } from "../types";
import type { ConfigInput } from "./context";

/** What the prod safeguards look at: the stack's settings after validation (defaults applied). */
export interface SafeguardInput {
    readonly operator: Operator;
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
}

/**
 * Every prod safety default, in one table: a prod stack that relaxes any of them must say acknowledgeProdOverrides
 * (the acknowledgement is recorded on the prod objects, where the policy pack reads it). A new safety key is a new
 * row here, so it cannot forget the acknowledgement; tests/config/rules/prodSafeguards.test.ts covers every row.
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
];

/** Reports each prod safeguard the stack relaxes without the acknowledgement. */
export function validateProdSafeguards(
    input: ConfigInput,
    settings: SafeguardInput,
    isProd: boolean,
    acknowledged: boolean,
): void {
    if (!isProd || acknowledged) return;
    for (const row of PROD_SAFEGUARDS) {
        if (!row.relaxed(settings)) continue;
        input.problem(
            "acknowledgeProdOverrides",
            `stack relaxes a prod safety default: ${row.what(settings)}; expected ${row.safe}, or acknowledgeProdOverrides=true to accept the risk.`,
        );
    }
}
