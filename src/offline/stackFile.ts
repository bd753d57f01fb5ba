import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { DECLARED_KEYS, PROJECT, SECRET_KEYS, STRUCTURED_KEYS } from "../config";
import { PROVIDER_SETTINGS } from "../config/constants";

/**
 * A stack's configuration as the engine would hand it to the program: every key of the stack file, in every
 * namespace (`gitops-stack:`, `kubernetes:`, a mistyped `kubernets:` too, so config validation can refuse it), as raw
 * strings, and which keys are secret.
 */
export interface EngineConfig {
    /** Full keys ("gitops-stack:repoUrl", "kubernetes:context") to the engine's string form (JSON for structures). */
    values: Record<string, string>;
    /** Full keys whose values are secrets. */
    secretKeys: string[];
    /** The stack the configuration belongs to (set by readStackFile; messages name it). */
    stack?: string;
    /**
     * Secret keys the stack file does not hold, which withSecretPlaceholders filled with the placeholder: a real
     * `pulumi up` would not have them (see missingSecretWarnings).
     */
    placeholders?: string[];
}

/** A `--config` override or a stack file names a key that does not exist, or a stack that does not exist. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/**
 * A `--config` argument that is not `key=value`, or that tries to pass a secret: a bad command line (the CLIs exit 2),
 * not a bad stack.
 */
export class ConfigArgumentError extends StackFileError {
    constructor(message: string) {
        super(message);
        this.name = "ConfigArgumentError";
    }
}

/** The value the render and the tests put where the real secret would be; never a real value. */
export const SECRET_PLACEHOLDER = "[secret]";
/**
 * What withSecretPlaceholders fills a secret with that the stack file does not hold (src/config/constants.ts
 * RENDER_UNSET_SECRET): the stack renders, and a feature turned on by a secret's presence stays off, as in pulumi up.
 * Rendered files show it as SECRET_PLACEHOLDER, as every secret.
 */
export const UNSET_SECRET_PLACEHOLDER = "[secret: not in the stack file]";

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
 * Reads `Pulumi.<stack>.yaml` the way the CLI would pass it to the program: every key of every namespace (runProgram
 * hands them all to the runtime, where loadConfig's `allConfig` sees them). The run is offline by construction: under
 * the mocks there is no engine, so config skips what needs a cluster (the kube-context check runs only when
 * `pulumi.runtime.hasEngine()`). A `secure:` value (ciphertext only the
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
    const doc = parseStackFileYaml(file, fs.readFileSync(file, "utf8"));
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    // The CLI hands the program every default declared in Pulumi.yaml as if the stack had set it.
    for (const [name, declared] of Object.entries(DECLARED_KEYS)) {
        if ("default" in declared) values[`${PROJECT}:${name}`] = engineString(declared.default);
    }
    // And the provider settings Pulumi.yaml gives every stack (its `value:` entries), unless the stack sets them.
    Object.assign(values, PROVIDER_SETTINGS);
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const isSecure = typeof value === "object" && value !== null && "secure" in value;
        values[key] = isSecure ? SECRET_PLACEHOLDER : engineString(value);
        if (isSecure) secretKeys.push(key);
    }
    return { values, secretKeys, stack };
}

/**
 * The stack file's YAML, or an error that names the file and the line (a hand edit that broke the indentation, a
 * duplicate key, a tab), as the Pulumi CLI would refuse it.
 */
function parseStackFileYaml(file: string, text: string): { config?: Record<string, unknown> } {
    const name = path.basename(file);
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch (err) {
        if (err instanceof YAML.YAMLError) {
            const at = err.linePos?.[0];
            const where = at ? `line ${at.line}, column ${at.col}` : "an unknown line";
            // The parser's first line repeats the position; keep its reason only.
            const reason = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
            throw new StackFileError(
                `${name}: ${where}: ${reason}; expected valid YAML (see the committed stack files).`,
            );
        }
        throw err;
    }
    if (doc === null || doc === undefined) return {};
    const config = (doc as { config?: unknown }).config;
    if (
        typeof doc !== "object" ||
        Array.isArray(doc) ||
        (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config)))
    ) {
        throw new StackFileError(
            `${name}: expected a mapping with a "config:" mapping of keys (gitops-stack:<key>: <value>).`,
        );
    }
    return { config: (config ?? {}) as Record<string, unknown> };
}

/** Levenshtein distance, case-insensitive (a key differing only in case is the likeliest typo). */
function distance(a: string, b: string): number {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
    for (let i = 1; i <= x.length; i++) {
        const current = [i];
        for (let j = 1; j <= y.length; j++) {
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1),
            );
        }
        previous = current;
    }
    return previous[y.length];
}

/** The known key closest to `name`, when it is close enough to be a typo of it (at most a third of it differs). */
export function nearestKey(name: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const d = distance(name, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
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
        if (eq <= 0)
            throw new ConfigArgumentError(`--config ${JSON.stringify(override)} is not valid; expected key=value.`);
        const name = override.slice(0, eq);
        const value = override.slice(eq + 1);
        const full = name.includes(":") ? name : `${PROJECT}:${name}`;
        const bare = full.startsWith(`${PROJECT}:`) ? full.slice(PROJECT.length + 1) : undefined;
        if (bare !== undefined && !known.includes(bare)) {
            const nearest = nearestKey(bare, known);
            const stack = config.stack === undefined ? "this stack" : `stack "${config.stack}"`;
            throw new StackFileError(
                `--config ${JSON.stringify(name)}: unknown key for ${stack} (project ${PROJECT}); ` +
                    (nearest
                        ? `did you mean ${JSON.stringify(nearest)}?`
                        : "expected a key of docs/reference/configuration.md."),
            );
        }
        if (bare !== undefined && bare in SECRET_KEYS) {
            throw new ConfigArgumentError(
                `--config ${JSON.stringify(name)}: secrets are not taken on the command line; the render uses a placeholder.`,
            );
        }
        values[full] = value;
    }
    return { ...config, values, secretKeys: [...config.secretKeys] };
}

/**
 * Fills every secret key the stack does not set with the placeholder (marked secret), so a stack renders without
 * any real secret. Which of them the configuration uses is the program's business.
 */
export function withSecretPlaceholders(config: EngineConfig): EngineConfig {
    const values = { ...config.values };
    const secretKeys = new Set(config.secretKeys);
    const placeholders: string[] = [];
    for (const name of Object.keys(SECRET_KEYS)) {
        const full = `${PROJECT}:${name}`;
        // A secret written in plain text into the stack file stays as it is: the program refuses it.
        if (!(full in values)) {
            values[full] = UNSET_SECRET_PLACEHOLDER;
            secretKeys.add(full);
            placeholders.push(full);
        }
    }
    return { ...config, values, secretKeys: [...secretKeys].sort(), placeholders };
}
