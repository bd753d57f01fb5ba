import { DeliveryError } from "./errors";

/**
 * A tag as the OCI distribution spec defines it (`[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`): what a registry accepts and
 * what Kustomize writes after the `:` of an image reference.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * A digest as the OCI image spec defines it, for the registered algorithms: sha256 (64 lowercase hex) and sha512
 * (128). Other algorithms are syntactically allowed by the spec but no registry serves them.
 * https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
 */
const DIGESTS: Record<string, number> = { sha256: 64, sha512: 128 };

export function tagProblem(tag: string): string | undefined {
    if (TAG.test(tag)) return undefined;
    return `tag ${JSON.stringify(tag)} is not a valid OCI tag; expected 1 to 128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-' (e.g. 1.4.2).`;
}

export function digestProblem(digest: string): string | undefined {
    const match = /^([a-z0-9]+):([a-f0-9]+)$/.exec(digest);
    if (match && DIGESTS[match[1]] === match[2].length) return undefined;
    return `digest ${JSON.stringify(digest)} is not a valid OCI digest; expected sha256:<64 lowercase hex digits> (or sha512:<128>).`;
}

/** Refuses an invalid tag or digest with the reason (exit 1). */
export function checkPin(pin: { tag?: string; digest?: string }): void {
    const problems = [
        pin.tag === undefined ? undefined : tagProblem(pin.tag),
        pin.digest === undefined ? undefined : digestProblem(pin.digest),
    ].filter((p): p is string => p !== undefined);
    if (problems.length > 0) throw new DeliveryError(problems.join("\n"));
}

/** What an images entry pins: a tag, a digest, both (Kustomize renders `name:tag@digest`) or neither. */
export interface Pin {
    readonly tag?: string;
    readonly digest?: string;
}

/** `1.4.2`, `sha256:0123abcd…`, `1.4.2@sha256:0123abcd…`, or `(none)`: short enough for a commit subject. */
export function shortPin(pin: Pin): string {
    const digest = pin.digest ? `${pin.digest.slice(0, pin.digest.indexOf(":") + 13)}…` : undefined;
    if (pin.tag && digest) return `${pin.tag}@${digest}`;
    return pin.tag ?? digest ?? "(none)";
}

/** The full form, for commit bodies and PR bodies. */
export function fullPin(pin: Pin): string {
    if (pin.tag && pin.digest) return `${pin.tag}@${pin.digest}`;
    return pin.tag ?? pin.digest ?? "(none)";
}

export const samePin = (a: Pin, b: Pin): boolean => a.tag === b.tag && a.digest === b.digest;
