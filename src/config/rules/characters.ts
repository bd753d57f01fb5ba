/**
 * Two checks over every value of the stack that is not a secret, before any rule reads it (issue 19 §1, §5):
 *
 * - No control character: a CR or LF in a URL, header, path or name would split the request line, header or file it
 *   ends up in (injection), and no key but the few multi-line ones (known_hosts lines, SSO YAML) has a use for one.
 * - No private material: a field that is public by design (every key that is not a secret: the stack file keeps it in
 *   clear, the render writes it, stack outputs and messages show it) must never hold a private key or an age
 *   identity. The key is named; the value never appears in the message.
 */
import { privateMaterialIn } from "../guards";
import { DECLARED_KEYS, STRUCTURED_KEYS, type DeclaredKeyName } from "../keys";
import { parseJson, quote, type ConfigInput } from "./context";
import { controlCharacterProblem } from "./urls";

/** Declared keys whose value is several lines by nature. */
const MULTILINE_KEYS: readonly DeclaredKeyName[] = ["sshKnownHosts", "ssoDexConfig", "ssoOidcConfig"];

/** The control-character problem of a multi-line value: line breaks and tabs are its own. */
function multilineProblem(value: string): string | undefined {
    return controlCharacterProblem(value.replace(/[\r\n\t]/g, " "), false);
}

/** Every string in a parsed JSON value (keys too) with its path (`apps[1].path`). */
function strings(value: unknown, path: string, out: Array<[string, string]>): Array<[string, string]> {
    if (typeof value === "string") out.push([path, value]);
    else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
    else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            out.push([`${path} key`, k]);
            strings(v, /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${quote(k)}]`, out);
        }
    }
    return out;
}

/** The values of every key the stack sets that is not a secret, checked for control characters and private material. */
export function validateCharacters(input: ConfigInput): void {
    const set = new Set(input.source.keys());
    for (const name of Object.keys(DECLARED_KEYS) as DeclaredKeyName[]) {
        const raw = input.raw(name);
        if (raw === undefined || !set.has(name)) continue;
        if (privateKeyInPublicKey(input, name, raw)) continue;
        const declared = DECLARED_KEYS[name];
        const values: Array<[string, string]> =
            declared.type === "array" ? strings(parseJson(raw), name, []) : [[name, raw]];
        for (const [where, value] of values) {
            const problem = MULTILINE_KEYS.includes(name)
                ? multilineProblem(value)
                : controlCharacterProblem(value, false);
            if (problem)
                input.problem(
                    name,
                    `${where === name ? "" : `${where} `}${quote(value.length > 80 ? `${value.slice(0, 60)}...` : value)} ${problem}; expected ${MULTILINE_KEYS.includes(name) ? "text lines without other control characters" : "one line of printable characters"}.`,
                );
        }
    }
    for (const name of Object.keys(STRUCTURED_KEYS)) {
        const raw = input.raw(name);
        if (raw === undefined) continue;
        if (privateKeyInPublicKey(input, name, raw)) continue;
        for (const [where, value] of strings(parseJson(raw), name, [])) {
            const problem = controlCharacterProblem(value, false);
            if (problem)
                input.problem(
                    name,
                    `${where} ${quote(value.length > 80 ? `${value.slice(0, 60)}...` : value)} ${problem}; expected one line of printable characters.`,
                );
        }
    }
}

/** Refuses private material in a key that is public by design; true when it did (the value is then not checked further). */
function privateKeyInPublicKey(input: ConfigInput, name: string, raw: string): boolean {
    const found = privateMaterialIn(raw);
    if (found === undefined) return false;
    input.refuseWhole(
        name,
        `holds ${found} (the value is not shown); this key is not a secret: the stack file, the render and the stack's messages show it in clear. Expected no private material here: remove it (pulumi config rm ${name}), treat the key as leaked and replace it, and put private keys only in the secret keys (pulumi config set --secret).`,
    );
    return true;
}
