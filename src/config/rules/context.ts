import type * as pulumi from "@pulumi/pulumi";
import type { ConfigProblem } from "../errors";
import { PROJECT, RENDER_UNSET_SECRET } from "../constants";
import { DECLARED_KEYS, type DeclaredKeyName, type SecretKeyName } from "../keys";
import type { ConfigSource } from "../source";

export const quote = (value: unknown): string => JSON.stringify(value);

/**
 * A key's JSON (or YAML flow) value, or undefined when it does not parse: the rules report the value in their own
 * words, and an error of JSON.parse, which would quote a secret, is never thrown.
 */
export function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/**
 * What every rule reads the stack through: typed access to the raw values (with Pulumi.yaml's defaults applied, so
 * the CLI, the mocks and the render agree) and the one list all problems of the stack are collected in.
 * A value of the wrong type is reported here and replaced by a harmless fallback, so later rules still run and the
 * user sees every problem at once.
 */
export class ConfigInput {
    readonly problems: ConfigProblem[] = [];
    /** Accepted but risky settings: the program prints each with pulumi.log.warn. */
    readonly warnings: string[] = [];

    constructor(readonly source: ConfigSource) {}

    get stack(): string {
        return this.source.stack;
    }

    /** `gitops-stack:<name>`: the key as the user types it in `pulumi config set` and sees it in messages. */
    key(name: string): string {
        return `${PROJECT}:${name}`;
    }

    /** Records one problem of a project key. */
    problem(name: string, message: string): void {
        this.problems.push({ key: this.key(name), message });
    }

    /** Records a warning about a project key (accepted, but the user should know). */
    warn(name: string, message: string): void {
        this.warnings.push(`stack ${quote(this.stack)}: ${this.key(name)}: ${message}`);
    }

    /** Records one problem of a key outside the project namespace (`kubernetes:context`). */
    problemFull(fullKey: string, message: string): void {
        this.problems.push({ key: fullKey, message });
    }

    raw(name: string): string | undefined {
        return this.source.get(name);
    }

    str(name: DeclaredKeyName): string {
        const value = this.raw(name);
        if (value !== undefined) return value.trim();
        const declared = DECLARED_KEYS[name];
        return "default" in declared ? String(declared.default) : "";
    }

    oneOf<T extends string>(name: DeclaredKeyName, allowed: readonly T[], value = this.str(name)): T {
        if ((allowed as readonly string[]).includes(value)) return value as T;
        this.problem(name, `${quote(value)} is not valid; expected one of ${allowed.join(", ")}.`);
        return allowed[0];
    }

    bool(name: DeclaredKeyName): boolean {
        const value = this.str(name);
        if (value === "true" || value === "false") return value === "true";
        this.problem(name, `${quote(value)} is not valid; expected true or false.`);
        return false;
    }

    /** A tier-dependent switch: "" takes the tier default. */
    tierBool(name: DeclaredKeyName, tierDefault: boolean): boolean {
        const value = this.str(name);
        if (value === "") return tierDefault;
        if (value === "true" || value === "false") return value === "true";
        this.problem(name, `${quote(value)} is not valid; expected true, false, or empty for the tier default.`);
        return tierDefault;
    }

    int(name: DeclaredKeyName, min: number, max: number): number {
        const value = this.str(name);
        const n = Number(value);
        if (/^-?\d+$/.test(value) && n >= min && n <= max) return n;
        this.problem(name, `${quote(value)} is not valid; expected a whole number from ${min} to ${max}.`);
        return min;
    }

    list(name: DeclaredKeyName): string[] {
        const value = this.raw(name);
        if (value === undefined) return [...(DECLARED_KEYS[name] as { default: readonly string[] }).default];
        const parsed = parseJson(value);
        if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed.map((v) => v.trim());
        this.problem(
            name,
            `${quote(value)} is not valid; expected a list of strings (YAML sequence in the stack file).`,
        );
        return [];
    }

    pattern(name: DeclaredKeyName, re: RegExp, expected: string, value = this.str(name)): string {
        if (!re.test(value)) this.problem(name, `${quote(value)} is not valid; expected ${expected}.`);
        return value;
    }

    /**
     * Whether the stack sets a secret key, for rules that turn something on when it does (not for required secrets:
     * those use `secret`). The offline render's stand-in for a secret the stack file does not hold counts as unset.
     */
    secretGiven(name: SecretKeyName): boolean {
        return this.source.getSecret(name) !== undefined && this.raw(name) !== RENDER_UNSET_SECRET;
    }

    /** A secret key: present, and stored encrypted. Its value is never read here. */
    secret(name: SecretKeyName, when: string): pulumi.Output<string> | undefined {
        const value = this.source.getSecret(name);
        if (value === undefined) {
            this.problem(name, `is required ${when}; set it with: pulumi config set --secret ${name} <value>.`);
        } else if (!this.source.isSecret(this.key(name))) {
            this.problem(
                name,
                `is stored in plain text; expected a secret: run pulumi config set --secret ${name} <value>.`,
            );
        }
        return value;
    }
}
