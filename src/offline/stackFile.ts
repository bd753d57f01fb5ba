import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { DECLARED_KEYS, PROJECT, SECRET_KEYS, STRUCTURED_KEYS } from "../config";

/** A stack's configuration as the engine would hand it to the program: raw strings, and which keys are secret. */
export interface EngineConfig {
    /** Full keys ("gitops-stack:repoUrl", "kubernetes:context") to the engine's string form (JSON for structures). */
    values: Record<string, string>;
    /** Full keys whose values are secrets. */
    secretKeys: string[];
}

/** A `--config` override or a stack file names a key that does not exist, or a stack that does not exist. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** The value the render and the tests put where the real secret would be; never a real value. */
export const SECRET_PLACEHOLDER = "[secret]";

export const projectKeys = (): string[] => [
    ...Object.keys(DECLARED_KEYS),
    ...Object.keys(SECRET_KEYS),
    ...Object.keys(STRUCTURED_KEYS),
];

/** Stack names with a committed `Pulumi.<stack>.yaml` in `root`. */
export function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

const engineString = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/**
 * Reads `Pulumi.<stack>.yaml` the way the CLI would pass it to the program. A `secure:` value (ciphertext only the
 * stack's secrets provider can open) becomes the placeholder, marked secret: it is never decrypted or printed.
 */
export function readStackFile(root: string, stack: string): EngineConfig {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(file)) {
        const known = listStacks(root);
        throw new StackFileError(
            `Unknown stack "${stack}": no Pulumi.${stack}.yaml; expected one of ${known.join(", ")}.`,
        );
    }
    const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    // The CLI hands the program every default declared in Pulumi.yaml as if the stack had set it.
    for (const [name, declared] of Object.entries(DECLARED_KEYS)) {
        if ("default" in declared) values[`${PROJECT}:${name}`] = engineString(declared.default);
    }
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const isSecure = typeof value === "object" && value !== null && "secure" in value;
        values[key] = isSecure ? SECRET_PLACEHOLDER : engineString(value);
        if (isSecure) secretKeys.push(key);
    }
    return { values, secretKeys };
}

/**
 * Applies `key=value` overrides, as `pulumi config set` would: bare keys are project keys; a value that parses as a
 * JSON list or object is taken as one (e.g. apps or deployerGroups). Secret keys cannot be overridden here: their
 * values would end up in shell history.
 */
export function applyOverrides(config: EngineConfig, overrides: readonly string[]): EngineConfig {
    const values = { ...config.values };
    const known = projectKeys();
    for (const override of overrides) {
        const eq = override.indexOf("=");
        if (eq <= 0) throw new StackFileError(`--config ${JSON.stringify(override)} is not valid; expected key=value.`);
        const name = override.slice(0, eq);
        const value = override.slice(eq + 1);
        const full = name.includes(":") ? name : `${PROJECT}:${name}`;
        const bare = full.startsWith(`${PROJECT}:`) ? full.slice(PROJECT.length + 1) : undefined;
        if (bare !== undefined && !known.includes(bare)) {
            throw new StackFileError(
                `--config ${JSON.stringify(name)}: unknown key; expected one of ${known.join(", ")}.`,
            );
        }
        if (bare !== undefined && bare in SECRET_KEYS) {
            throw new StackFileError(
                `--config ${JSON.stringify(name)}: secrets are not taken on the command line; the render uses a placeholder.`,
            );
        }
        values[full] = value;
    }
    return { values, secretKeys: [...config.secretKeys] };
}

/**
 * Fills every secret key the stack does not set with the placeholder (marked secret), so a stack renders without
 * any real secret. Which of them the configuration uses is the program's business.
 */
export function withSecretPlaceholders(config: EngineConfig): EngineConfig {
    const values = { ...config.values };
    const secretKeys = new Set(config.secretKeys);
    for (const name of Object.keys(SECRET_KEYS)) {
        const full = `${PROJECT}:${name}`;
        // A secret written in plain text into the stack file stays as it is: the program refuses it.
        if (!(full in values)) {
            values[full] = SECRET_PLACEHOLDER;
            secretKeys.add(full);
        }
    }
    return { values, secretKeys: [...secretKeys].sort() };
}
