import { cliMayTakeForSecret } from "../cliSecretHeuristic";
import { PROJECT } from "../constants";
import { DECLARED_KEYS, OPERATOR_ONLY_KEYS, SECRET_KEYS, STRUCTURED_KEYS, type DeclaredKey } from "../keys";
import { OPERATORS, type Operator } from "../types";
import { quote, type ConfigInput } from "./context";

/** Every key of the project namespace the program reads. */
export const PROJECT_KEYS: readonly string[] = [
    ...Object.keys(DECLARED_KEYS),
    ...Object.keys(SECRET_KEYS),
    ...Object.keys(STRUCTURED_KEYS),
];

/**
 * Configuration keys of the Kubernetes provider (ProviderArgs of @pulumi/kubernetes). The provider ignores a key it
 * does not know, so a misspelt `kubernetes:contxt` would silently deploy to the current context.
 */
export const KUBERNETES_KEYS: readonly string[] = [
    "alwaysRender",
    "cluster",
    "clusterIdentifier",
    "context",
    "deleteUnreachable",
    "enableConfigMapMutable",
    "enablePatchForce",
    "enableSecretMutable",
    "enableServerSideApply",
    "helmReleaseSettings",
    "kubeClientSettings",
    "kubeconfig",
    "namespace",
    "renderYamlToDirectory",
    "skipUpdateUnreachable",
    "suppressDeprecationWarnings",
    "suppressHelmHookWarnings",
    "upsertExistingObjects",
];

/** The configuration namespaces this program's stacks use. */
const NAMESPACES: Readonly<Record<string, readonly string[]>> = {
    [PROJECT]: PROJECT_KEYS,
    kubernetes: KUBERNETES_KEYS,
};

/** Damerau-Levenshtein distance (optimal string alignment): one swap of neighbours counts as one edit. */
export function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/** How far a name may be from a real one to count as its typo: case, separators and up to 2 edits (1 for short names). */
function isNear(name: string, real: string): boolean {
    const norm = (s: string) => s.toLowerCase().replace(/[-_.]/g, "");
    if (norm(name) === norm(real)) return true;
    return editDistance(name.toLowerCase(), real.toLowerCase()) <= (real.length <= 6 ? 1 : 2);
}

/** The nearest of `candidates` to `name`, when it is near enough to be what was meant. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        if (!isNear(name, c)) continue;
        const distance = editDistance(name.toLowerCase(), c.toLowerCase());
        if (distance < bestDistance) [best, bestDistance] = [c, distance];
    }
    return best;
}

/**
 * Misspelt keys would otherwise be ignored silently and their defaults used. Reads the full configuration the engine
 * passes (every namespace): a namespace that is almost ours or almost the Kubernetes provider's is refused (with a
 * real engine a mistyped `kubernetes:context` deploys to whatever context is current), as is an unknown key in
 * our namespace, or an unknown `kubernetes:` key close to a real one. Other namespaces (other providers) are left alone.
 */
export function validateKnownKeys(input: ConfigInput): void {
    const all =
        input.source.allConfig?.() ?? Object.fromEntries(input.source.keys().map((k) => [`${PROJECT}:${k}`, ""]));
    for (const fullKey of Object.keys(all)) {
        const colon = fullKey.indexOf(":");
        if (colon < 0) continue;
        const ns = fullKey.slice(0, colon);
        const name = fullKey.slice(colon + 1);
        const known = NAMESPACES[ns];
        if (known === undefined) {
            const meant = nearest(ns, Object.keys(NAMESPACES));
            if (meant === undefined) continue;
            const key = NAMESPACES[meant].includes(name) ? name : (nearest(name, NAMESPACES[meant]) ?? name);
            const option =
                meant === PROJECT && key in SECRET_KEYS ? "--secret " : cliMayTakeForSecret(key) ? "--plaintext " : "";
            input.problemFull(
                fullKey,
                `is under the namespace ${quote(ns)}, which nothing reads; expected ${meant}:${key} (the key has no effect as written: pulumi config rm ${quote(fullKey)} and pulumi config set ${option}${meant}:${key} <value>).`,
            );
        } else if (!known.includes(name)) {
            const suggestion = nearest(name, known);
            if (ns === PROJECT)
                input.problem(
                    name,
                    `is not a gitops-stack key; expected ${suggestion ? `${suggestion} (the nearest key)` : "one of the keys in docs/reference/configuration.md"} (remove it, or fix its spelling).`,
                );
            else if (suggestion)
                input.problemFull(
                    fullKey,
                    `is not a key of the Kubernetes provider, which would ignore it; expected ${ns}:${suggestion}.`,
                );
        }
    }
}

/** Whether a raw engine value is the default Pulumi.yaml declares for the key. */
function isDeclaredDefault(name: string, value: string | undefined): boolean {
    const declared = (DECLARED_KEYS as Record<string, DeclaredKey>)[name];
    if (!declared || !("default" in declared) || value === undefined) return false;
    if (!Array.isArray(declared.default)) return value.trim() === String(declared.default);
    try {
        return JSON.stringify(JSON.parse(value)) === JSON.stringify(declared.default);
    } catch {
        return false;
    }
}

/**
 * Keys the stack sets that only the other operator reads, in the order of OPERATOR_ONLY_KEYS. The CLI passes
 * Pulumi.yaml's defaults as set keys: only a value other than the default is the stack's own.
 */
export function ignoredKeys(input: ConfigInput, operator: Operator): string[] {
    const set = input.source.keys().filter((name) => !isDeclaredDefault(name, input.source.get(name)));
    const other = OPERATORS.filter((o) => o !== operator);
    return other.flatMap((o) => OPERATOR_ONLY_KEYS[o]).filter((k) => set.includes(k));
}
