import type * as pulumi from "@pulumi/pulumi";
import type { ConfigProblem } from "../errors";
import { PROJECT, RENDER_UNSET_SECRET, isRenderPlaceholder } from "../constants";
import { redactSecrets } from "../guards";
import { DECLARED_KEYS, SECRET_KEYS, type DeclaredKeyName, type SecretKeyName } from "../keys";
import { SECRET_FORMS, SECRET_SHAPES } from "./secretShapes";
import type { ConfigSource } from "../source";

export const quote = (value: unknown): string => JSON.stringify(value);

/** How every rule phrases a control character (see urls.ts controlCharacterProblem): reported once per key. */
export const CONTROL_PROBLEM = /contains (a line break \(CR or LF\)|the control character U\+[0-9a-f]{4}|a tab)/;

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

    /**
     * The stack's secret values (and the string leaves of the JSON ones), taken out of every problem and warning
     * by {@link redact}: whatever a rule quotes, no message repeats a secret (issue 19 §6).
     */
    private readonly secretValues: string[];

    constructor(readonly source: ConfigSource) {
        this.secretValues = secretValuesOf(source);
    }

    /** A message with every secret value, URL user information and private key taken out. */
    redact(message: string): string {
        return redactSecrets(message, this.secretValues);
    }

    get stack(): string {
        return this.source.stack;
    }

    /** `gitops-stack:<name>`: the key as the user types it in `pulumi config set` and sees it in messages. */
    key(name: string): string {
        return `${PROJECT}:${name}`;
    }

    /** Keys already refused for what they hold (private material): later rules' problems about them add nothing. */
    private readonly silenced = new Set<string>();

    /** Records one problem of a project key. */
    problem(name: string, message: string): void {
        const key = this.key(name);
        if (this.silenced.has(key)) return;
        // A control character is reported once per key (the character check runs first), not again by each rule
        // that judges the same value.
        const control = CONTROL_PROBLEM.exec(message)?.[0];
        if (control) {
            const quoted = (message.match(/"(?:[^"\\]|\\.)*"/g) ?? []).filter((q) => q.includes("\\"));
            const same = (p: ConfigProblem) =>
                p.key === key && p.message.includes(control) && quoted.some((q) => p.message.includes(q));
            if (this.problems.some(same)) return;
        }
        this.problems.push({ key, message: this.redact(message) });
    }

    /** Records the problem of a key whose content disqualifies it entirely; no other problem of it is reported. */
    refuseWhole(name: string, message: string): void {
        this.problem(name, message);
        this.silenced.add(this.key(name));
    }

    /** Records a warning about a project key (accepted, but the user should know). */
    warn(name: string, message: string): void {
        this.warnings.push(this.redact(`stack ${quote(this.stack)}: ${this.key(name)}: ${message}`));
    }

    /** Records one problem of a key outside the project namespace (`kubernetes:context`). */
    problemFull(fullKey: string, message: string): void {
        this.problems.push({ key: fullKey, message: this.redact(message) });
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
        this.secretShape(name);
        return value;
    }

    /**
     * Parses a secret's value for what it claims to be (issue 19 §1). The reason never quotes the value. The offline
     * render and the status command hold no secret (the placeholder, or nothing): there is no shape to check.
     */
    secretShape(name: SecretKeyName): void {
        const raw = this.source.get(name);
        if (raw === undefined || isRenderPlaceholder(raw)) return;
        const problem = SECRET_SHAPES[name](raw);
        if (problem)
            this.problem(name, `${problem} (the value is not shown: it is a secret); expected ${SECRET_FORMS[name]}.`);
    }
}

/** Every secret value the source holds: each secret key's raw value and, for JSON maps, their string leaves. */
function secretValuesOf(source: ConfigSource): string[] {
    const values: string[] = [];
    // An exec plugin's command and API version are not secret, and messages name the allowed versions.
    const leaves = (v: unknown, field?: string): void => {
        if (typeof v === "string") {
            if (field !== "apiVersion" && field !== "command") values.push(v, v.trim());
        } else if (Array.isArray(v)) v.forEach((item) => leaves(item));
        else if (v !== null && typeof v === "object") Object.entries(v).forEach(([k, item]) => leaves(item, k));
    };
    for (const name of Object.keys(SECRET_KEYS)) {
        const raw = source.get(name);
        if (raw === undefined || isRenderPlaceholder(raw)) continue;
        values.push(raw, raw.trim());
        leaves(parseJson(raw));
        // A key file's lines (a PEM body, an age key file) may be quoted one at a time.
        // (PEM armour lines are not secret: messages name them.)
        for (const line of raw.split(/\r?\n/))
            if (line.trim().length >= 16 && !line.trim().startsWith("-----")) values.push(line.trim());
    }
    // Longest first, so a value is replaced whole before a shorter one inside it.
    return [...new Set(values)].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length);
}
