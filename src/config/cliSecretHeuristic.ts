/**
 * The Pulumi CLI judges configuration keys by their names: `pulumi config set <key> <value>` without `--secret` or
 * `--plaintext` fails with "config value for '<key>' looks like a secret; rerun with --secret to encrypt it, or
 * --plaintext if you meant to store in plaintext" when the key's name (the part after the namespace, the root of a
 * `--path`) matches this pattern and the value's zxcvbn entropy passes a threshold (pulumi/pulumi
 * pkg/cmd/pulumi/config/config.go: `keyPattern`, `looksLikeSecret`). A URL or a version easily passes it, so every
 * command the docs and messages give for such a key says `--plaintext` (issue 25 §5), whatever its value.
 */
export const CLI_SECRET_NAME_PATTERN = /passwd|pass|password|pwd|secret|token/i;

/** Whether the CLI may refuse `pulumi config set <key> <value>` as a secret (`kubernetes:context`: by `context`). */
export function cliMayTakeForSecret(key: string): boolean {
    const name = key.includes(":") ? key.slice(key.indexOf(":") + 1) : key;
    return CLI_SECRET_NAME_PATTERN.test(name);
}
