import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT, parseStackConfig, type ConfigSource } from "../config";
import type { SecretKeyName } from "../config/keys";
import { SECRET_PLACEHOLDER, type EngineConfig } from "./stackFile";

/**
 * The render fills every secret the stack file does not hold with the placeholder, so it renders without any real
 * secret. A real `pulumi up` has no such placeholder: a secret the configuration needs (authKind=https without
 * httpsToken, slackChannel without slackToken, an SSO config referring to the client secret without
 * ssoClientSecret) stops it. This asks the configuration itself which of the placeholders it needs — by validating
 * the stack once more without them — and returns one warning per needed secret, with the command that sets it.
 * The rule stays in src/config; nothing here restates which mode needs which secret.
 */
export function missingSecretWarnings(config: EngineConfig): string[] {
    const placeholders = new Set(config.placeholders ?? []);
    if (placeholders.size === 0) return [];
    const stack = config.stack ?? "";
    const values = Object.fromEntries(Object.entries(config.values).filter(([key]) => !placeholders.has(key)));
    const secretKeys = config.secretKeys.filter((key) => !placeholders.has(key));
    const prefix = `${PROJECT}:`;
    const source: ConfigSource = {
        stack,
        get: (key) => values[`${prefix}${key}`],
        // The value is never read by validation, only its presence; it stays a secret Output all the same.
        getSecret: (key: SecretKeyName) =>
            `${prefix}${key}` in values ? pulumi.secret(values[`${prefix}${key}`]) : undefined,
        isSecret: (fullKey) => secretKeys.includes(fullKey),
        keys: () =>
            Object.keys(values)
                .filter((k) => k.startsWith(prefix))
                .map((k) => k.slice(prefix.length)),
        allConfig: () => ({ ...values }),
        checkKubeContext: false,
    };
    try {
        parseStackConfig(source);
        return [];
    } catch (err) {
        if (!(err instanceof ConfigError)) return [];
        const seen = new Set<string>();
        return err.problems
            .filter((p) => placeholders.has(p.key) && !seen.has(p.key) && seen.add(p.key))
            .map((p) => {
                const name = p.key.slice(prefix.length);
                const reason = p.message.split(";")[0].trim();
                return (
                    `stack "${stack}" needs the secret ${p.key} (${reason}), which Pulumi.${stack}.yaml does not hold: ` +
                    `the render used ${SECRET_PLACEHOLDER}, pulumi up would stop here. ` +
                    `Set it with: pulumi config set --secret ${name} <value> --stack ${stack}`
                );
            });
    }
}
