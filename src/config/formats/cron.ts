/**
 * Next-fire times of Argo CD sync window schedules. Argo CD parses a window's `schedule` with robfig/cron's standard
 * parser (5 fields: minute hour day-of-month month day-of-week, or a descriptor such as @daily) and evaluates it in
 * the window's `timeZone`. This is a small re-implementation for the status command: when a window is closed, the
 * person on call needs to know when it opens next, in the window's zone and in UTC.
 *
 * Daylight saving time: candidates are real instants (UTC minutes) whose wall-clock time in the zone matches, so a
 * time that does not exist on the day clocks go forward does not fire that day, and a time that happens twice on
 * the day they go back fires at its first occurrence.
 */

/** The sets of values each field allows. */
export interface CronSchedule {
    readonly source: string;
    readonly minutes: ReadonlySet<number>;
    readonly hours: ReadonlySet<number>;
    readonly daysOfMonth: ReadonlySet<number>;
    readonly months: ReadonlySet<number>;
    /** 0 = Sunday ... 6 = Saturday. */
    readonly daysOfWeek: ReadonlySet<number>;
    /** robfig: when both day fields are restricted (neither starts with `*` or `?`), a day matches either. */
    readonly dayOr: boolean;
}

export class CronError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CronError";
    }
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const DESCRIPTORS: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

interface FieldSpec {
    name: string;
    min: number;
    max: number;
    /** Names for the values min, min+1, ... (months start at 1, days of week at 0). */
    names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTH_NAMES },
    { name: "day of week", min: 0, max: 6, names: DAY_NAMES },
];

function fieldValue(text: string, spec: FieldSpec, schedule: string): number {
    const lower = text.toLowerCase();
    const named = spec.names?.indexOf(lower) ?? -1;
    if (named >= 0) return named + spec.min;
    if (!/^\d+$/.test(text)) {
        throw new CronError(`${JSON.stringify(schedule)}: ${spec.name} value ${JSON.stringify(text)} is not a number.`);
    }
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
        throw new CronError(
            `${JSON.stringify(schedule)}: ${spec.name} value ${value} is out of range ${spec.min}-${spec.max}.`,
        );
    }
    return value;
}

/** One field: a comma list of `*`, `?`, `a`, `a-b`, each optionally `/step` (`a/step` runs to the maximum). */
function parseField(text: string, spec: FieldSpec, schedule: string): Set<number> {
    const values = new Set<number>();
    for (const part of text.split(",")) {
        const [range, stepText, extra] = part.split("/");
        if (extra !== undefined || range === "") {
            throw new CronError(`${JSON.stringify(schedule)}: ${spec.name} ${JSON.stringify(part)} is not valid.`);
        }
        let step = 1;
        if (stepText !== undefined) {
            if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
                throw new CronError(
                    `${JSON.stringify(schedule)}: ${spec.name} step ${JSON.stringify(stepText)} is not valid.`,
                );
            }
            step = Number(stepText);
        }
        let low: number;
        let high: number;
        if (range === "*" || range === "?") {
            low = spec.min;
            high = spec.max;
        } else if (range.includes("-")) {
            const [a, b, more] = range.split("-");
            if (more !== undefined) {
                throw new CronError(`${JSON.stringify(schedule)}: ${spec.name} ${JSON.stringify(range)} is not valid.`);
            }
            low = fieldValue(a, spec, schedule);
            high = fieldValue(b, spec, schedule);
        } else {
            low = fieldValue(range, spec, schedule);
            high = stepText === undefined ? low : spec.max;
        }
        if (low > high) {
            throw new CronError(`${JSON.stringify(schedule)}: ${spec.name} range ${low}-${high} is empty.`);
        }
        for (let v = low; v <= high; v += step) values.add(v);
    }
    return values;
}

/** Parses a 5-field schedule or descriptor as robfig/cron's standard parser does (Argo CD's sync windows). */
export function parseCron(schedule: string): CronSchedule {
    const trimmed = schedule.trim();
    const expanded = DESCRIPTORS[trimmed.toLowerCase()] ?? trimmed;
    const parts = expanded.split(/\s+/);
    if (parts.length !== 5) {
        throw new CronError(
            `${JSON.stringify(schedule)}: expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}.`,
        );
    }
    const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((p, i) => parseField(p, FIELDS[i], schedule));
    const starred = (field: string) => field.startsWith("*") || field.startsWith("?");
    return {
        source: schedule,
        minutes,
        hours,
        daysOfMonth,
        months,
        daysOfWeek,
        dayOr: !starred(parts[2]) && !starred(parts[4]),
    };
}

/** Wall-clock fields of an instant in a time zone. */
export interface ZonedTime {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    /** 0 = Sunday. */
    weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
    let f = formatters.get(timeZone);
    if (!f) {
        // Throws RangeError for an unknown zone: the caller reports it.
        f = new Intl.DateTimeFormat("en-US", {
            timeZone,
            hourCycle: "h23",
            year: "numeric",
            month: "numeric",
            day: "numeric",
            hour: "numeric",
            minute: "numeric",
            weekday: "short",
        });
        formatters.set(timeZone, f);
    }
    return f;
}

export function zonedTime(instant: Date, timeZone: string): ZonedTime {
    const parts: Record<string, string> = {};
    for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
    return {
        year: Number(parts.year),
        month: Number(parts.month),
        day: Number(parts.day),
        hour: Number(parts.hour) % 24,
        minute: Number(parts.minute),
        weekday: DAY_NAMES.indexOf(parts.weekday.toLowerCase().slice(0, 3)),
    };
}

/** `2026-11-26 09:00 Europe/Berlin`: how the status command shows a time in a window's zone. */
export function formatZoned(instant: Date, timeZone: string): string {
    const z = zonedTime(instant, timeZone);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${z.year}-${pad(z.month)}-${pad(z.day)} ${pad(z.hour)}:${pad(z.minute)} ${timeZone}`;
}

/** Whether the schedule fires on a day (month, day of month, weekday), by robfig's day rule. */
export function dayMatches(s: CronSchedule, z: Pick<ZonedTime, "month" | "day" | "weekday">): boolean {
    if (!s.months.has(z.month)) return false;
    return dayFieldsMatch(s, z);
}

function dayFieldsMatch(s: CronSchedule, z: Pick<ZonedTime, "day" | "weekday">): boolean {
    const dom = s.daysOfMonth.has(z.day);
    const dow = s.daysOfWeek.has(z.weekday);
    return s.dayOr ? dom || dow : dom && dow;
}

const MINUTE = 60_000;

/**
 * The first instant strictly after `after` (to the minute) at which the schedule fires in `timeZone`, or undefined
 * when it never fires within `horizonDays` (e.g. `0 0 30 2 *`). Steps skip whole hours when the day or hour cannot
 * match, so a year is searched in a few thousand steps.
 */
export function nextFire(
    schedule: CronSchedule,
    after: Date,
    timeZone: string,
    horizonDays = 366 * 5,
): Date | undefined {
    let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
    const end = after.getTime() + horizonDays * 24 * 60 * MINUTE;
    while (t <= end) {
        const z = zonedTime(new Date(t), timeZone);
        if (!dayMatches(schedule, z) || !schedule.hours.has(z.hour)) {
            // To the next wall-clock hour: never past a time that exists (a DST gap only removes times).
            t += (60 - z.minute) * MINUTE;
            continue;
        }
        if (schedule.minutes.has(z.minute)) return new Date(t);
        t += MINUTE;
    }
    return undefined;
}

/**
 * The latest instant at or before `at` (to the minute) at which the schedule fired, searching back `lookbackMinutes`.
 * Used for "is the window open now": Argo CD's window is open during [fire, fire + duration).
 */
export function previousFire(
    schedule: CronSchedule,
    at: Date,
    timeZone: string,
    lookbackMinutes: number,
): Date | undefined {
    // The first fire after (at - lookback - 1min), repeated while it stays at or before `at`; keep the last one.
    let cursor = new Date(Math.floor(at.getTime() / MINUTE) * MINUTE - lookbackMinutes * MINUTE - MINUTE);
    let last: Date | undefined;
    for (;;) {
        const next = nextFire(schedule, cursor, timeZone, Math.ceil(lookbackMinutes / (24 * 60)) + 2);
        if (!next || next.getTime() > at.getTime()) return last;
        last = next;
        cursor = next;
    }
}

/** Go's time.ParseDuration for the units sync windows use (h, m, s, ms), in milliseconds. */
export function parseGoDuration(text: string): number | undefined {
    const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
    let total = 0;
    let consumed = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
        const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as "h" | "m" | "s" | "ms"];
        total += Number(m[1]) * unit;
        consumed = re.lastIndex;
    }
    return consumed === text.length && text.length > 0 ? total : undefined;
}
