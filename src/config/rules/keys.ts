import { DECLARED_KEYS, OPERATOR_ONLY_KEYS, SECRET_KEYS, STRUCTURED_KEYS, type DeclaredKey } from "../keys";
import { OPERATORS, type Operator } from "../types";
import type { ConfigInput } from "./context";

/** Every key of the project namespace the program reads. */
export const PROJECT_KEYS: readonly string[] = [
    ...Object.keys(DECLARED_KEYS),
    ...Object.keys(SECRET_KEYS),
    ...Object.keys(STRUCTURED_KEYS),
];

/** A misspelt key would otherwise be ignored silently and its default used. */
export function validateKnownKeys(input: ConfigInput): void {
    for (const name of input.source.keys()) {
        if (!PROJECT_KEYS.includes(name))
            input.problem(
                name,
                `is not a gitops-stack key; expected one of the keys in the README's configuration reference (remove it, or fix its spelling).`,
            );
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
