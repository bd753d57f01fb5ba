import * as fs from "node:fs";
import type { SyncWindowConfig } from "../types";
import { quote, type ConfigInput } from "./context";
import { CronError, dayMatches, parseCron, type CronSchedule } from "../formats/cron";
import { parseGoDuration } from "./durations";

interface CronField {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    readonly names?: Readonly<Record<string, number>>;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
/** The five fields of robfig/cron's standard parser, with its bounds and names (matched case-insensitively). */
const CRON_FIELDS: readonly CronField[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
    { name: "day of week", min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
];
const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** One comma-separated part of a field, as robfig/cron's getRange reads it. */
function rangeProblem(expr: string, field: CronField): string | undefined {
    const value = (text: string): number | undefined => {
        const named = field.names?.[text.toLowerCase()];
        if (named !== undefined) return named;
        return /^\d+$/.test(text) ? Number(text) : undefined;
    };
    const rangeAndStep = expr.split("/");
    if (rangeAndStep.length > 2) return `${quote(expr)} has more than one '/'`;
    const lowAndHigh = rangeAndStep[0].split("-");
    if (lowAndHigh.length > 2) return `${quote(expr)} has more than one '-'`;
    let start: number | undefined;
    let end: number | undefined;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
        if (lowAndHigh.length > 1) return `${quote(expr)} is not a range`;
        [start, end] = [field.min, field.max];
    } else {
        start = value(lowAndHigh[0]);
        end = lowAndHigh.length === 2 ? value(lowAndHigh[1]) : start;
        if (start === undefined || end === undefined)
            return `${quote(expr)} is not a number${field.names ? " or name" : ""}`;
    }
    if (rangeAndStep.length === 2) {
        if (!/^\d+$/.test(rangeAndStep[1]) || Number(rangeAndStep[1]) === 0)
            return `${quote(expr)} has a step that is not a positive number`;
        if (lowAndHigh.length === 1 && lowAndHigh[0] !== "*" && lowAndHigh[0] !== "?") end = field.max;
    }
    if (start < field.min || end > field.max) return `${quote(expr)} is outside ${field.min}-${field.max}`;
    if (start > end) return `${quote(expr)} starts after it ends`;
    return undefined;
}

/**
 * Why Argo CD would refuse a sync window schedule, or undefined. Argo CD parses it with robfig/cron's standard parser
 * (minute hour day-of-month month day-of-week, or a descriptor such as @daily); `*` and `?` mean every value,
 * `a-b` a range, `/n` a step, `,` a list; months JAN-DEC and days SUN-SAT by name. A `TZ=`/`CRON_TZ=` prefix is
 * refused here: the window's time zone is syncWindowTimeZone, and two would contradict each other.
 */
export function cronProblem(schedule: string): string | undefined {
    const spec = schedule.trim();
    if (spec === "") return "is empty";
    if (/^(CRON_)?TZ=/.test(spec)) return "sets its own time zone; set syncWindowTimeZone instead";
    if (spec.startsWith("@")) {
        if (DESCRIPTORS.includes(spec)) return undefined;
        const every = /^@every\s+(\S+)$/.exec(spec);
        if (every) {
            const ms = parseGoDuration(every[1]);
            return ms !== undefined && ms > 0 ? undefined : `@every needs a positive duration, not ${quote(every[1])}`;
        }
        return `${quote(spec)} is not a descriptor (${DESCRIPTORS.join(", ")}, @every <duration>)`;
    }
    const fields = spec.split(/\s+/);
    if (fields.length !== 5) return `has ${fields.length} fields, not 5`;
    for (const [i, field] of CRON_FIELDS.entries()) {
        for (const part of fields[i].split(",")) {
            const problem = rangeProblem(part, field);
            if (problem) return `${field.name} field: ${problem}`;
        }
    }
    return undefined;
}

/** Segments of a time zone name in the IANA database's spelling (Europe/Berlin, Etc/GMT+5, EST5EDT, America/Port-au-Prince). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9][A-Za-z0-9_+-]*)*$/;

/**
 * Why Go's time.LoadLocation (on the Argo CD controller) would not load a zone, or undefined. Go looks the name up
 * in the IANA database by its exact spelling: `europe/berlin` and offsets like `+05:00` fail there although
 * JavaScript accepts them. "Local" loads, but means the controller host's zone, which the stack does not know.
 */
export function timeZoneProblem(zone: string): string | undefined {
    if (zone === "Local") return "is the Argo CD controller's local zone, which depends on the host it runs on";
    if (zone === "" || !ZONE_NAME.test(zone)) return "is not an IANA time zone name";
    // The common case without loading ICU's zone formatter (about 13 ms the first time, issue 11): UTC, and the
    // zones ICU lists as canonical, each of which it resolves to itself (so the check below would accept it too).
    if (zone === "UTC" || Intl.supportedValuesOf("timeZone").includes(zone)) return undefined;
    let resolved: string;
    try {
        resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
        return "is not in the IANA time zone database";
    }
    if (resolved === zone) return undefined;
    if (resolved.toLowerCase() === zone.toLowerCase())
        return `is not spelt as the IANA database spells it (${resolved})`;
    // An alias (US/Eastern, Asia/Kolkata): Go loads it when the zoneinfo file of that exact name exists.
    const zoneinfo = `/usr/share/zoneinfo/${zone}`;
    if (fs.existsSync("/usr/share/zoneinfo/UTC"))
        return fs.existsSync(zoneinfo) ? undefined : "is not in the IANA time zone database";
    return zone.split("/").every((s) => /^[A-Z0-9]/.test(s))
        ? undefined
        : `is not spelt as the IANA database spells it (${resolved})`;
}

const DAY_MS = 24 * 60 * 60_000;
/** Days examined for a schedule's firing days: eight years from 2024 hold every Feb 29 pattern (2024, 2028). */
const EXAMINED_DAYS = 8 * 366;

const minutes = (ms: number): string => {
    const m = Math.round(ms / 60_000);
    if (m % (24 * 60) === 0) return `${m / (24 * 60)}d`;
    if (m % 60 === 0) return `${m / 60}h`;
    return m >= 60 ? `${Math.floor(m / 60)}h${m % 60}m` : `${m}m`;
};

/**
 * Why a window that parses still restricts nothing or allows nothing (issue 19 §4), or undefined: a schedule no date
 * matches (`0 8 31 2 *`) never opens, so automated syncs never run; a window whose duration reaches the next opening
 * (`@every 1s`, `0 * * * *` for 1h, `0 8 * * *` for 24h) is always open, so it restricts nothing. Computed on the
 * wall clock (a daylight-saving change shifts one opening a year by an hour).
 */
export function windowReachProblem(schedule: string, durationMs: number): string | undefined {
    const spec = schedule.trim();
    const every = /^@every\s+(\S+)$/.exec(spec);
    if (every) {
        const period = parseGoDuration(every[1]);
        return period !== undefined && period > 0 && durationMs >= period
            ? `is always open: it opens every ${every[1]} and stays open ${minutes(durationMs)}, so it restricts nothing`
            : undefined;
    }
    let cron: CronSchedule;
    try {
        cron = parseCron(spec);
    } catch (err) {
        if (err instanceof CronError) return undefined; // cronProblem reports the syntax
        throw err;
    }
    const start = Date.UTC(2024, 0, 1);
    const days: number[] = [];
    for (let d = 0; d < EXAMINED_DAYS; d++) {
        const date = new Date(start + d * DAY_MS);
        if (dayMatches(cron, { month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekday: date.getUTCDay() }))
            days.push(d);
    }
    if (days.length === 0)
        return "never opens: no date matches its day-of-month and month fields (such as 31 February), so automated syncs would never run";
    const times = [...cron.hours].flatMap((h) => [...cron.minutes].map((m) => h * 60 + m)).sort((a, b) => a - b);
    let gap = 0; // the longest time between two openings, in minutes
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
    for (let i = 1; i < days.length; i++)
        gap = Math.max(gap, (days[i] - days[i - 1]) * 24 * 60 - times[times.length - 1] + times[0]);
    return durationMs >= gap * 60_000
        ? `is always open: it opens at least every ${minutes(gap * 60_000)} and stays open ${minutes(durationMs)}, so it restricts nothing`
        : undefined;
}

/** The prod sync window (checked on every stack, so a stack can be promoted to prod without surprises). */
export function validateSyncWindow(input: ConfigInput): SyncWindowConfig {
    const schedule = input.str("syncWindowSchedule");
    const cron = cronProblem(schedule);
    if (cron)
        input.problem(
            "syncWindowSchedule",
            `${quote(schedule)} is not valid; expected a 5-field cron schedule such as "0 8 * * 1-5" (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT), as Argo CD parses it (${cron}).`,
        );
    const duration = input.str("syncWindowDuration");
    const ms = parseGoDuration(duration);
    if (ms === undefined || ms <= 0)
        input.problem(
            "syncWindowDuration",
            `${quote(duration)} is not valid; expected a duration such as 10h or 90m, longer than zero${ms === undefined ? " (units h, m, s, ms; no days)" : ""}.`,
        );
    const reach = cron === undefined && ms !== undefined && ms > 0 ? windowReachProblem(schedule, ms) : undefined;
    if (reach)
        input.problem(
            "syncWindowSchedule",
            `${quote(schedule)} with syncWindowDuration ${quote(duration)} ${reach}; expected a window that opens and closes, such as "0 8 * * 1-5" for 10h (and autoSync=false, not a window that never opens, to keep automated syncs off).`,
        );
    const timeZone = input.str("syncWindowTimeZone");
    const zone = timeZoneProblem(timeZone);
    if (zone)
        input.problem(
            "syncWindowTimeZone",
            `${quote(timeZone)} is not valid; expected an IANA time zone such as UTC or Europe/Berlin, spelt exactly as Go's time.LoadLocation reads it (it ${zone}).`,
        );
    return { schedule, duration, timeZone };
}
