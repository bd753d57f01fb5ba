/**
 * Secret keys whose value is a JSON map of names to credentials (clusterCredentials, alertSecrets). The shape is
 * checked once, from the engine's value, while the stack is validated, so a missing token is a ConfigError and not a
 * failure halfway through a deployment; the credentials are then read from the same value inside an apply.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { SecretKeyName } from "../keys";
import { isRenderPlaceholder } from "../constants";
import { parseJson, type ConfigInput } from "./context";

/** The offline render's stand-ins for secrets (src/config/constants.ts): no shape to check in them. */
export { RENDER_SECRET_PLACEHOLDER, RENDER_UNSET_SECRET, isRenderPlaceholder } from "../constants";

export const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);

/** How {@link checkSecretMap} names the map in its message, e.g. "cluster name to credentials", and an example. */
export interface SecretMapShape {
    what: string;
    example: string;
}

/**
 * Requires the secret key and checks that its value is a JSON map, then each entry with `problemsOf` (whose messages
 * name only names and fields: the value is never quoted). `usable` is true when the credentials may be read from the
 * secret: the map passed every check, or it is the offline render's placeholder.
 */
export function checkSecretMap(
    input: ConfigInput,
    key: SecretKeyName,
    when: string,
    shape: SecretMapShape,
    problemsOf: (map: Record<string, unknown>) => string[],
): { secret: pulumi.Output<string> | undefined; usable: boolean } {
    const secret = input.secret(key, when);
    const stored = input.raw(key);
    if (isRenderPlaceholder(stored)) return { secret, usable: true };
    const map = stored === undefined ? undefined : parseJson(stored);
    if (stored !== undefined && !isObject(map)) {
        input.problem(
            key,
            `is not a JSON map of ${shape.what} (its value is not shown: it is a secret); expected e.g. ${shape.example}.`,
        );
        return { secret, usable: false };
    }
    if (!isObject(map)) return { secret, usable: false };
    const found = problemsOf(map);
    for (const m of found) input.problem(key, m);
    return { secret, usable: found.length === 0 };
}

/**
 * One entry of a map that {@link checkSecretMap} passed, read inside an apply: an empty object when absent, and no
 * error of JSON.parse (which would quote the value) is ever thrown.
 */
export function secretMapEntry(text: string, name: string): Record<string, unknown> {
    const map = parseJson(text);
    const entry = isObject(map) ? map[name] : undefined;
    return isObject(entry) ? entry : {};
}
