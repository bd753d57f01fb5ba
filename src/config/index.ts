import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./constants";
import { parseStackConfig } from "./parse";
import type { ConfigSource } from "./source";
import type { StackConfig } from "./types";

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
 * Reads the current stack's configuration from the Pulumi engine, once, and validates all of it.
 * Secrets are read with getSecret only (they stay Outputs marked secret); nothing else in the program reads config.
 */
export function loadConfig(): StackConfig {
    const config = new pulumi.Config(PROJECT);
    // The SDK parses the engine's whole configuration (one JSON text) again on every get: a stack with a thousand
    // apps paid that for each of the hundred or so keys read (issue 11). Parsed once here; the engine does not
    // change the configuration during a run. Secret keys are still read through getSecret, as secret Outputs.
    const all = pulumi.runtime.allConfig();
    const source: ConfigSource = {
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
    return parseStackConfig(source);
}
