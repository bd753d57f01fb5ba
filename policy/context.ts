import { parseAcknowledgement, stackTier, type StackTier } from "../src/config/guards";

/**
 * What the pack knows about the stack it checks, from the engine rather than from labels the program writes
 * (issue 8 §1: `environment=dev` on the prod stack must not make the pack treat it as dev).
 *
 * - The stack name: every resource URN the engine hands over is `urn:pulumi:<stack>::<project>::<type>::<name>`,
 *   built by the engine from the stack it runs in. The CLI also starts the pack with PULUMI_STACK /
 *   PULUMI_NODEJS_STACK set (pulumi `constructEnv` for policy analyzers); the URN is used because it is present in
 *   every request, whatever the CLI version.
 * - The stack's configuration: the CLI passes it as PULUMI_CONFIG (JSON, `gitops-stack:<key>` to the raw value).
 *   `acknowledgeProdOverrides` is read from there: a code change cannot forge it. Only when a CLI passes no
 *   configuration does the pack fall back to the program's `gitops-stack.io/prod-overrides-acknowledged` mark.
 *
 * The tier is the highest of: the stack name's tier (the rule config applies, `stackTier`), the configured
 * `environment`, and the object's `gitops-stack.io/environment` label. Every signal can raise it, none can lower it.
 */

export const ENVIRONMENT_LABEL = "gitops-stack.io/environment";
export const PROD_ACK_ANNOTATION = "gitops-stack.io/prod-overrides-acknowledged";
const PROJECT = "gitops-stack";
const TIER_ORDER: readonly StackTier[] = ["dev", "staging", "prod"];

type Props = Record<string, any>;

/** The engine configuration of the run: `gitops-stack:<key>` to its raw value, or undefined when none was passed. */
export type EngineConfig = Readonly<Record<string, string>> | undefined;

/** Reads PULUMI_CONFIG as the CLI sets it for a policy pack; undefined when absent or unreadable. */
export function engineConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EngineConfig {
    const text = env.PULUMI_CONFIG;
    if (!text) return undefined;
    try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
        return Object.fromEntries(
            Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
        );
    } catch {
        return undefined;
    }
}

/** The stack name in a resource URN (`urn:pulumi:<stack>::...`), or undefined for anything else. */
export function stackOfUrn(urn: string | undefined): string | undefined {
    return /^urn:pulumi:([^:]+)::/.exec(urn ?? "")?.[1];
}

const higher = (a: StackTier | undefined, b: StackTier | undefined): StackTier | undefined => {
    if (a === undefined) return b;
    if (b === undefined) return a;
    return TIER_ORDER.indexOf(a) >= TIER_ORDER.indexOf(b) ? a : b;
};

const asTier = (value: unknown): StackTier | undefined =>
    typeof value === "string" ? stackTier(value.trim()) : undefined;

/** What a rule knows about the stack: its name, its tier and whether it acknowledged prod relaxations. */
export interface StackContext {
    readonly stack: string | undefined;
    readonly tier: StackTier | undefined;
    readonly isProd: boolean;
    /**
     * Whether the stack acknowledged relaxing this prod safeguard (a key of PROD_SAFEGUARDS: autoSync, cascadeDelete,
     * ...): acknowledgeProdOverrides names it or is true (engine config), or, without engine config, the program's
     * mark on the objects says so. The pack and the configuration read the same value (guards.ts
     * parseAcknowledgement).
     */
    readonly acknowledges: (safeguard: string) => boolean;
    /** `true`: every safeguard acknowledged (deprecated), so even a check no safeguard names is skipped. */
    readonly acknowledgedAll: boolean;
}

/**
 * The context for one resource (`objects` = [it]) or a whole stack (`objects` = every resource). `config` is the
 * engine configuration (engineConfigFromEnv in the real pack; tests pass their own).
 */
export function stackContext(
    objects: ReadonlyArray<{ readonly urn: string; readonly props: Props }>,
    config: EngineConfig,
): StackContext {
    const stack = objects.map((o) => stackOfUrn(o.urn)).find((s) => s !== undefined);
    let tier = stack === undefined ? undefined : stackTier(stack);
    tier = higher(tier, asTier(config?.[`${PROJECT}:environment`]));
    for (const o of objects) tier = higher(tier, asTier(o.props?.metadata?.labels?.[ENVIRONMENT_LABEL]));
    const fromConfig = config !== undefined && Object.keys(config).some((k) => k.startsWith(`${PROJECT}:`));
    const marks = objects
        .map((o) => o.props?.metadata?.annotations?.[PROD_ACK_ANNOTATION])
        .filter((m): m is string => typeof m === "string");
    // The program's mark is `true` (older programs) or the acknowledged names, comma-separated.
    const ack = fromConfig
        ? parseAcknowledgement(config[`${PROJECT}:acknowledgeProdOverrides`])
        : {
              all: marks.includes("true"),
              names: marks.flatMap((m) => m.split(",").map((n) => n.trim())),
          };
    return {
        stack,
        tier,
        isProd: tier === "prod",
        acknowledges: (safeguard) => ack.all || ack.names.includes(safeguard),
        acknowledgedAll: ack.all,
    };
}

/** How a message names the stack: `stack "prod" (tier prod)`. */
export function describeStack(ctx: StackContext): string {
    return ctx.stack === undefined ? `a ${ctx.tier ?? "untiered"} stack` : `stack "${ctx.stack}" (tier ${ctx.tier})`;
}
