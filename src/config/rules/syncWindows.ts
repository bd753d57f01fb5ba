import type { SyncWindowConfig } from "../types";
import { quote, type ConfigInput } from "./context";

const GO_DURATION = /^(\d+(ms|s|m|h))+$/;

function isCron(schedule: string): boolean {
    const fields = schedule.trim().split(/\s+/);
    return fields.length === 5 && fields.every((f) => /^[A-Za-z0-9*,/-]+$/.test(f));
}

function isTimeZone(zone: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}

/** The prod sync window (checked on every stack, so a stack can be promoted to prod without surprises). */
export function validateSyncWindow(input: ConfigInput): SyncWindowConfig {
    const schedule = input.str("syncWindowSchedule");
    if (!isCron(schedule))
        input.problem(
            "syncWindowSchedule",
            `${quote(schedule)} is not valid; expected a 5-field cron schedule such as "0 8 * * 1-5".`,
        );
    const duration = input.pattern("syncWindowDuration", GO_DURATION, "a duration such as 10h or 90m");
    const timeZone = input.str("syncWindowTimeZone");
    if (!isTimeZone(timeZone))
        input.problem(
            "syncWindowTimeZone",
            `${quote(timeZone)} is not valid; expected an IANA time zone such as UTC or Europe/Berlin.`,
        );
    return { schedule, duration, timeZone };
}
