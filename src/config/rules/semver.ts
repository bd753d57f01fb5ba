/**
 * Semver ranges as Masterminds/semver v3 reads them (Flux's ImagePolicy and GitRepository `semver:`, Argo CD Image
 * Updater's semver strategy), and what they match (issue 19 §4): a range equivalent to "*" (`>=0`, `>=0.0.0 || <1`)
 * lets automation take any new major version, a range that matches nothing (`>=2 <1`, `<0`) makes automation silently
 * do nothing. Both are refused, with why.
 *
 * Versions are compared as MAJOR.MINOR.PATCH release versions: every comparator becomes a half-open interval
 * [low, high) of them (Masterminds' rules for partial versions and x-ranges: `>1.2` is `>=1.3.0`, `<=1.2` is
 * `<1.3.0`, `~1.2.3` is `>=1.2.3 <1.3.0`, `^0.2.3` is `>=0.2.3 <0.3.0`, `^0.0.3` is `>=0.0.3 <0.0.4`), a
 * space-separated list is their intersection and `||` their union.
 */

const COMPARATOR = /^(>=|<=|>|<|=|~|\^)?v?(\d+|x|X|\*)(?:\.(\d+|x|X|\*))?(?:\.(\d+|x|X|\*))?(?:-([0-9A-Za-z.-]+))?$/;

type Version = readonly [number, number, number];
/** [low, high): high undefined is no upper bound. */
interface Interval {
    readonly low: Version;
    readonly high?: Version;
}

const ZERO: Version = [0, 0, 0];
const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const show = (v: Version): string => v.join(".");
const isWild = (part: string | undefined): boolean => part === undefined || /^[xX*]$/.test(part);

/** One comparator as an interval, or undefined when it does not parse. */
function comparatorInterval(text: string): Interval | undefined {
    const m = COMPARATOR.exec(text);
    if (!m) return undefined;
    const [, op = "=", majorText, minorText, patchText] = m;
    if (isWild(majorText)) {
        // `*`, `x`, `>=*`...: any version (Masterminds reads a wildcard major as "any"); `<*`, `>*` match none.
        return op === "<" || op === ">" ? { low: ZERO, high: ZERO } : { low: ZERO };
    }
    const major = Number(majorText);
    const minorWild = isWild(minorText);
    const patchWild = minorWild || isWild(patchText);
    const minor = minorWild ? 0 : Number(minorText);
    const patch = patchWild ? 0 : Number(patchText);
    const base: Version = [major, minor, patch];
    // The first version after the whole x-range the comparator names (1 -> 2.0.0, 1.2 -> 1.3.0, 1.2.3 -> 1.2.4).
    const after: Version = minorWild
        ? [major + 1, 0, 0]
        : patchWild
          ? [major, minor + 1, 0]
          : [major, minor, patch + 1];
    switch (op) {
        case "=":
            return { low: base, high: after };
        case ">=":
            return { low: base };
        case ">":
            return { low: after };
        case "<":
            return { low: ZERO, high: base };
        case "<=":
            return { low: ZERO, high: after };
        case "~":
            return { low: base, high: minorWild ? [major + 1, 0, 0] : [major, minor + 1, 0] };
        case "^": {
            const high: Version =
                major > 0 || minorWild
                    ? [major + 1, 0, 0]
                    : minor > 0 || patchWild
                      ? [0, minor + 1, 0]
                      : [0, 0, patch + 1];
            return { low: base, high };
        }
        default:
            return undefined;
    }
}

const isEmpty = (i: Interval): boolean => i.high !== undefined && compare(i.low, i.high) >= 0;

function intersect(a: Interval, b: Interval): Interval {
    const low = compare(a.low, b.low) >= 0 ? a.low : b.low;
    const high =
        a.high === undefined ? b.high : b.high === undefined ? a.high : compare(a.high, b.high) <= 0 ? a.high : b.high;
    return { low, high };
}

/** The range's alternatives as intervals, or why the range does not parse. */
function rangeIntervals(range: string): Interval[] | string {
    const alternatives = range.split("||").map((s) => s.trim());
    const intervals: Interval[] = [];
    for (const alternative of alternatives) {
        const parts = alternative.split(/\s+/).filter((p) => p !== "");
        if (parts.length === 0) return "has an empty alternative";
        let interval: Interval = { low: ZERO };
        for (const part of parts) {
            const c = comparatorInterval(part);
            if (c === undefined) return `has the comparator ${JSON.stringify(part)}, which is not a semver constraint`;
            interval = intersect(interval, c);
        }
        intervals.push(interval);
    }
    return intervals;
}

/**
 * Why a semver range is not usable, or undefined: it does not parse, it matches every version (as "*" would), or it
 * matches none. `allowAll`: a range that matches every version is fine where the caller says so.
 */
export function semverRangeProblem(range: string): string | undefined {
    if (range.trim() === "") return "is empty";
    const intervals = rangeIntervals(range);
    if (typeof intervals === "string") return intervals;
    const nonEmpty = intervals.filter((i) => !isEmpty(i));
    if (nonEmpty.length === 0) {
        const why = intervals
            .map((i) => (i.high === undefined ? "" : `>=${show(i.low)} and <${show(i.high)}`))
            .filter((w) => w !== "")[0];
        return `matches no version${why ? ` (it asks for ${why}, which exclude each other)` : ""}, so automation would never update anything`;
    }
    // The union covers every version when, sorted by their low ends, the intervals leave no gap from 0.0.0 upwards.
    const sorted = [...nonEmpty].sort((a, b) => compare(a.low, b.low));
    let reach: Version | undefined = ZERO;
    for (const i of sorted) {
        if (reach === undefined) break;
        if (compare(i.low, reach) > 0) return undefined;
        if (i.high === undefined) reach = undefined;
        else if (compare(i.high, reach) > 0) reach = i.high;
    }
    return reach === undefined
        ? `matches every version, as "*" would: automation would take any new major version (breaking changes included)`
        : undefined;
}

/** Whether a text is a semver range Masterminds parses (whatever it matches). */
export function isSemverRange(range: string): boolean {
    return typeof rangeIntervals(range) !== "string";
}
