/**
 * A stack's engine configuration as the GitOpsStack component's arguments, value for value: what a caller of the
 * component passes for the same configuration. Values of a field's type are converted to it (a boolean field gets a
 * boolean, a list a list); a value that is not of the field's type (`autoSync: yes`) is passed as it is, as an untyped
 * caller (YAML, or a program that casts) could. Secrets are passed as Pulumi secrets. Keys outside the project's
 * namespace (kubernetes:context) have no argument. A value the stack stores encrypted is passed as a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, SECRET_KEYS, STRUCTURED_KEYS, DECLARED_KEYS, type GitOpsStackArgs } from "../../src/config";
import { TIER_SWITCH_KEYS } from "../../src/config/args";
import type { DeclaredKey } from "../../src/config/keys";
import type { EngineConfig } from "../../src/offline/stackFile";

const parsed = (text: string): unknown => {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
};

export function argsFromEngine(config: EngineConfig): GitOpsStackArgs {
    const args: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(config.values)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const name = fullKey.slice(PROJECT.length + 1);
        const declared = (DECLARED_KEYS as Record<string, DeclaredKey>)[name];
        if (Object.hasOwn(SECRET_KEYS, name)) args[name] = pulumi.secret(text);
        else if (Object.hasOwn(STRUCTURED_KEYS, name)) args[name] = parsed(text);
        else if (declared === undefined) args[name] = text;
        else if ((TIER_SWITCH_KEYS as readonly string[]).includes(name) || declared.type === "boolean") {
            // A tier switch left empty is an unset optional boolean (the tier's default).
            if (text === "true" || text === "false") args[name] = text === "true";
            else if (text !== "" || declared.type === "boolean") args[name] = text;
        } else if (declared.type === "integer") args[name] = /^-?\d+$/.test(text) ? Number(text) : text;
        else if (declared.type === "array") args[name] = parsed(text);
        else args[name] = text;
        // A value the stack stores encrypted (an SSO config may be) comes as a secret.
        if (config.secretKeys.includes(fullKey) && !pulumi.Output.isInstance(args[name]))
            args[name] = pulumi.secret(args[name]);
    }
    return args as unknown as GitOpsStackArgs;
}
