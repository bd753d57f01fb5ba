/**
 * Semantic versions and ranges as the image automation of both operators reads them, so that set-image can tell
 * before committing whether the automation would keep a tag or replace it:
 * - Flux's ImagePolicy (image-reflector-controller, internal/policy/semver.go) parses each tag with
 *   fluxcd/pkg/version.ParseVersion (a strict semantic version, optionally with a leading "v") and checks it against
 *   the range with github.com/Masterminds/semver/v3 constraints.
 * - Argo CD Image Updater's semver strategy uses the same Masterminds constraints.
 * This is a port of the Masterminds v3.3.0 constraint checks (constraints.go, version.go); tests/delivery/semver.test.ts
 * holds cases from its own test table.
 */

export interface Version {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** The prerelease part without its '-', or "". */
    readonly pre: string;
    readonly original: string;
}

const NUMERIC = /^(0|[1-9][0-9]*)$/;
const PRE_PART = /^[0-9A-Za-z-]+$/;
const STRICT = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

function validPre(pre: string): boolean {
    return pre.split(".").every((p) => PRE_PART.test(p) && (!/^[0-9]+$/.test(p) || NUMERIC.test(p)));
}

/**
 * A tag as the ImagePolicy reads it: `1.2.3`, `v1.2.3`, `1.2.3-rc.1`, `1.2.3+build`; undefined for anything else
 * (`latest`, `1.2`, `01.2.3`), which the policy never selects.
 */
export function parseVersion(tag: string): Version | undefined {
    const m = STRICT.exec(tag.startsWith("v") ? tag.slice(1) : tag);
    if (!m) return undefined;
    const pre = m[4] ?? "";
    if (pre !== "" && !validPre(pre)) return undefined;
    if (m[5] !== undefined && !m[5].split(".").every((p) => PRE_PART.test(p))) return undefined;
    return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre, original: tag };
}

function comparePrePart(s: string, o: string): number {
    if (s === o) return 0;
    if (s === "") return -1;
    if (o === "") return 1;
    const sNum = /^[0-9]+$/.test(s);
    const oNum = /^[0-9]+$/.test(o);
    if (!sNum && !oNum) return s > o ? 1 : -1;
    if (!oNum) return -1;
    if (!sNum) return 1;
    return Number(s) > Number(o) ? 1 : -1;
}

function comparePrerelease(s: string, o: string): number {
    const a = s.split(".");
    const b = o.split(".");
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const d = comparePrePart(a[i] ?? "", b[i] ?? "");
        if (d !== 0) return d;
    }
    return 0;
}

/** -1, 0 or 1, as semver precedence orders them (build metadata ignored). */
export function compareVersions(v: Version, o: Version): number {
    for (const k of ["major", "minor", "patch"] as const) {
        if (v[k] !== o[k]) return v[k] > o[k] ? 1 : -1;
    }
    if (v.pre === "" && o.pre === "") return 0;
    if (v.pre === "") return 1;
    if (o.pre === "") return -1;
    return comparePrerelease(v.pre, o.pre);
}

interface Constraint {
    readonly op: string;
    readonly con: Version;
    readonly dirty: boolean;
    readonly minorDirty: boolean;
    readonly patchDirty: boolean;
}

const CV = String.raw`v?([0-9xX*]+)(\.[0-9xX*]+)?(\.[0-9xX*]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?`;
const OPS = String.raw`=|!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const ONE = new RegExp(String.raw`^\s*(${OPS}|)\s*(${CV})\s*$`);
const FIND = new RegExp(String.raw`(${OPS}|)\s*(${CV})`, "g");
const RANGE = new RegExp(String.raw`\s*(${CV})\s+-\s+(${CV})\s*`, "g");
const isX = (s: string) => s === "x" || s === "X" || s === "*";

function parseConstraint(text: string): Constraint | undefined {
    const m = ONE.exec(text);
    if (!m) return undefined;
    const op = m[1];
    const [major, minorPart, patchPart, pre] = [m[3], m[4] ?? "", m[5] ?? "", m[7] ?? ""];
    const minor = minorPart.slice(1);
    const patch = patchPart.slice(1);
    let con: Version;
    let dirty = false;
    let minorDirty = false;
    let patchDirty = false;
    if (isX(major)) {
        dirty = true;
        con = { major: 0, minor: 0, patch: 0, pre, original: text };
    } else if (minor === "" || isX(minor)) {
        dirty = minorDirty = true;
        con = { major: Number(major), minor: 0, patch: 0, pre, original: text };
    } else if (patch === "" || isX(patch)) {
        dirty = patchDirty = true;
        con = { major: Number(major), minor: Number(minor), patch: 0, pre, original: text };
    } else {
        con = { major: Number(major), minor: Number(minor), patch: Number(patch), pre, original: text };
    }
    if ([con.major, con.minor, con.patch].some((n) => !Number.isSafeInteger(n))) return undefined;
    return { op, con, dirty, minorDirty, patchDirty };
}

/** A range as Masterminds reads it: `||`-separated alternatives of comparators joined by spaces or commas. */
export class SemverRange {
    private constructor(
        readonly text: string,
        private readonly alternatives: Constraint[][],
    ) {}

    /** The range, or undefined when Masterminds would refuse it. */
    static parse(text: string): SemverRange | undefined {
        const rewritten = text.replace(RANGE, (_all, ...groups: string[]) => `>= ${groups[0]}, <= ${groups[10]} `);
        const alternatives: Constraint[][] = [];
        for (const part of rewritten.split("||")) {
            const found = [...part.matchAll(FIND)].map((m) => m[0]);
            const rest = part.replace(FIND, "").replace(/[\s,]/g, "");
            if (found.length === 0 || rest !== "") return undefined;
            const parsed = found.map(parseConstraint);
            if (parsed.some((c) => c === undefined)) return undefined;
            alternatives.push(parsed as Constraint[]);
        }
        return new SemverRange(text, alternatives);
    }

    contains(v: Version): boolean {
        return this.alternatives.some((all) => all.every((c) => check(v, c)));
    }
}

function tilde(v: Version, c: Constraint): boolean {
    if (compareVersions(v, c.con) < 0) return false;
    if (c.con.major === 0 && c.con.minor === 0 && c.con.patch === 0 && !c.minorDirty && !c.patchDirty) return true;
    if (v.major !== c.con.major) return false;
    return v.minor === c.con.minor || c.minorDirty;
}

function caret(v: Version, c: Constraint): boolean {
    if (compareVersions(v, c.con) < 0) return false;
    if (c.con.major > 0 || c.minorDirty) return v.major === c.con.major;
    if (v.major > 0) return false;
    if (c.con.minor > 0 || c.patchDirty) return v.minor === c.con.minor;
    if (v.minor > 0) return false;
    return v.patch === c.con.patch;
}

function check(v: Version, c: Constraint): boolean {
    const cmp = compareVersions(v, c.con);
    if (c.op === "!=" && !c.dirty) return cmp !== 0;
    // Masterminds: a prerelease satisfies only constraints that name a prerelease themselves.
    if (v.pre !== "" && c.con.pre === "") return false;
    switch (c.op) {
        case "":
        case "=":
            return c.dirty ? tilde(v, c) : cmp === 0;
        case "!=":
            if (c.con.major !== v.major) return true;
            if (c.con.minor !== v.minor && !c.minorDirty) return true;
            if (c.minorDirty) return false;
            if (c.con.patch !== v.patch && !c.patchDirty) return true;
            if (c.patchDirty) return (v.pre !== "" || c.con.pre !== "") && comparePrerelease(v.pre, c.con.pre) !== 0;
            return cmp !== 0;
        case ">":
            if (!c.dirty) return cmp > 0;
            if (v.major !== c.con.major) return v.major > c.con.major;
            if (c.minorDirty) return false;
            if (c.patchDirty) return v.minor > c.con.minor;
            return cmp > 0;
        case "<":
            return cmp < 0;
        case ">=":
        case "=>":
            return cmp >= 0;
        case "<=":
        case "=<":
            if (!c.dirty) return cmp <= 0;
            if (v.major > c.con.major) return false;
            return !(v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty);
        case "~":
        case "~>":
            return tilde(v, c);
        case "^":
            return caret(v, c);
        default:
            return false;
    }
}
