import * as pulumi from "@pulumi/pulumi";
import { TIER_SWITCH_KEYS, type GitOpsStackArgs } from "./args";
import { PROJECT } from "./constants";
import { parseJson } from "./rules/context";
import { DECLARED_KEYS, SECRET_KEYS, STRUCTURED_KEYS, type DeclaredKey } from "./keys";
import { parseStackConfig } from "./parse";
import type { ConfigSource } from "./source";
import type { StackConfig } from "./types";

export type { AlertChannel as AlertChannelArgs, App as AppArgs, Cluster as ClusterArgs, GitOpsStackArgs } from "./args";
export { argsConfigSource, resolveArgs, type ResolvedArgs } from "./argsSource";
export { ConfigError } from "./errors";
export { DECLARED_KEYS, SECRET_KEYS, STRUCTURED_KEYS } from "./keys";
export {
    PROJECT,
    SSO_SECRET,
    SSO_SECRET_KEY,
    SSO_SECRET_REF,
    appObjectName,
    describeRef,
    type GitRef,
} from "./constants";
export { parseStackConfig } from "./parse";
export type { ConfigSource } from "./source";
export { TIER_DEFAULTS } from "./tiers";
export * from "./types";

/**
 * The SDK knows which keys the stack stores encrypted (PULUMI_CONFIG_SECRET_KEYS) but marks the function internal.
 * Without it we cannot tell, and assume secret rather than refuse a valid stack.
 */
const runtimeWithSecrets = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
const isConfigSecret = (key: string): boolean => runtimeWithSecrets.isConfigSecret?.(key) ?? true;

/**
 * The current stack's configuration as the Pulumi engine passes it, read once. Secrets are read with getSecret only
 * (they stay Outputs marked secret); nothing else in the program reads config.
 */
function engineSource(): ConfigSource {
    const config = new pulumi.Config(PROJECT);
    // The SDK parses the engine's whole configuration (one JSON text) again on every get: a stack with a thousand
    // apps paid that for each of the hundred or so keys read (issue 11). Parsed once here; the engine does not
    // change the configuration during a run. Secret keys are still read through getSecret, as secret Outputs.
    const all = pulumi.runtime.allConfig();
    return {
        stack: pulumi.getStack(),
        get: (key) => all[`${PROJECT}:${key}`],
        getSecret: (key) => config.getSecret(key),
        isSecret: (fullKey) => isConfigSecret(fullKey),
        keys: () =>
            Object.keys(all)
                .filter((k) => k.startsWith(`${PROJECT}:`))
                .map((k) => k.slice(PROJECT.length + 1)),
        allConfig: () => ({ ...all }),
        // A real engine run (preview or up) has an engine address; the mocked tests and the offline render do not,
        // and need no cluster, so only real runs check the kube context. getEngine, not hasEngine: the SDK connects
        // to the engine lazily, so hasEngine is still false this early in a real run.
        checkKubeContext: pulumi.runtime.getEngine() !== undefined,
    };
}

/** Reads the current stack's configuration from the Pulumi engine and validates all of it. */
export function loadConfig(): StackConfig {
    return parseStackConfig(engineSource());
}

/**
 * Reads the current stack's configuration into the GitOpsStack component's arguments. All of it is validated first,
 * here, with what only a stack's configuration can have wrong (a misspelt key, a secret stored in plain text, the kube
 * context): a bad stack fails before anything is registered, with every problem at once. The component validates its
 * arguments again with the same rules; for a configuration that passed here, it passes.
 */
export function loadStackArgs(): GitOpsStackArgs {
    const source = engineSource();
    parseStackConfig(source);
    return stackArgs(source);
}

const TIER_SWITCHES: ReadonlySet<string> = new Set(TIER_SWITCH_KEYS);

/**
 * A validated configuration source as arguments: each key under its own name, typed as GitOpsStackArgs types it;
 * secrets as the source's secret Outputs. Turned back into configuration text (argsConfigSource), every key reads as
 * the source held it, so the rules see the same stack.
 */
export function stackArgs(source: ConfigSource): GitOpsStackArgs {
    const args: Record<string, unknown> = {};
    for (const name of source.keys()) {
        if (Object.hasOwn(SECRET_KEYS, name)) {
            args[name] = source.getSecret(name as keyof typeof SECRET_KEYS);
            continue;
        }
        const raw = source.get(name);
        if (raw === undefined) continue;
        if (Object.hasOwn(STRUCTURED_KEYS, name)) {
            args[name] = JSON.parse(raw);
            continue;
        }
        const declared = (DECLARED_KEYS as Record<string, DeclaredKey>)[name];
        if (declared === undefined) continue;
        if (TIER_SWITCHES.has(name)) {
            const value = raw.trim();
            if (value !== "") args[name] = value === "true";
        } else if (declared.type === "boolean") args[name] = raw.trim() === "true";
        else if (declared.type === "integer") args[name] = Number(raw.trim());
        else if (declared.type === "array") args[name] = JSON.parse(raw);
        // acknowledgeProdOverrides: a list of names as a list; the deprecated `true` (or a name list written as text)
        // reaches the rule as the text it is (the component's field takes names only).
        else if (declared.type === "any") {
            const value = parseJson(raw);
            args[name] = Array.isArray(value) ? value : raw.trim();
        }
        // A stack may keep its SSO config encrypted: the Helm values that carry it then stay secret too.
        else if (source.isSecret(`${PROJECT}:${name}`) && (name === "ssoDexConfig" || name === "ssoOidcConfig"))
            args[name] = pulumi.secret(raw);
        else args[name] = raw;
    }
    return args as unknown as GitOpsStackArgs;
}
