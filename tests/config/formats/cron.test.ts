import { describe, expect, it } from "vitest";
import {
    CronError,
    formatZoned,
    nextFire,
    parseCron,
    parseGoDuration,
    previousFire,
} from "../../../src/config/formats/cron";

const next = (schedule: string, after: string, zone = "UTC") =>
    nextFire(parseCron(schedule), new Date(after), zone)?.toISOString();

describe("parseCron (robfig standard parser)", () => {
    it("parses lists, ranges, steps, names and descriptors", () => {
        const s = parseCron("0,30 9-17/4 * jan-mar mon-fri");
        expect([...s.minutes]).toEqual([0, 30]);
        expect([...s.hours]).toEqual([9, 13, 17]);
        expect([...s.months]).toEqual([1, 2, 3]);
        expect([...s.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
        expect(parseCron("@daily").hours).toEqual(new Set([0]));
        expect([...parseCron("5/20 * * * *").minutes]).toEqual([5, 25, 45]);
    });

    it("refuses what robfig refuses, naming the field", () => {
        expect(() => parseCron("0 9 * *")).toThrow(CronError);
        expect(() => parseCron("60 * * * *")).toThrow(/minute value 60 is out of range 0-59/);
        expect(() => parseCron("0 25 * * *")).toThrow(/hour/);
        expect(() => parseCron("0 0 * * 1-0")).toThrow(/empty/);
        expect(() => parseCron("*/0 * * * *")).toThrow(/step/);
        expect(() => parseCron("0 0 * foo *")).toThrow(/month value "foo"/);
    });
});

describe("nextFire", () => {
    it("finds the next fire strictly after the time, in UTC", () => {
        expect(next("0 9 * * *", "2026-11-25T08:59:30Z")).toBe("2026-11-25T09:00:00.000Z");
        expect(next("0 9 * * *", "2026-11-25T09:00:00Z")).toBe("2026-11-26T09:00:00.000Z");
        expect(next("*/15 * * * *", "2026-11-25T10:07:00Z")).toBe("2026-11-25T10:15:00.000Z");
    });

    it("evaluates the schedule in the window's time zone (the prod stack's weekday window)", () => {
        // Wednesday 2026-11-25 20:00 Berlin (CET, UTC+1): Thursday 09:00 CET is 08:00Z.
        expect(next("0 9 * * 1-4", "2026-11-25T19:00:00Z", "Europe/Berlin")).toBe("2026-11-26T08:00:00.000Z");
        // Thursday evening: the next window is Monday (Friday to Sunday excluded).
        expect(next("0 9 * * 1-4", "2026-11-26T17:00:00Z", "Europe/Berlin")).toBe("2026-11-30T08:00:00.000Z");
        // Summer time (CEST, UTC+2).
        expect(next("0 9 * * 1-4", "2026-07-01T12:00:00Z", "Europe/Berlin")).toBe("2026-07-02T07:00:00.000Z");
        // A zone with a 45-minute offset.
        expect(next("0 9 * * *", "2026-11-25T00:00:00Z", "Asia/Kathmandu")).toBe("2026-11-25T03:15:00.000Z");
        expect(next("30 2 * * *", "2026-11-25T12:00:00Z", "America/New_York")).toBe("2026-11-26T07:30:00.000Z");
    });

    it("handles daylight saving transitions: a missing time is skipped, a repeated one fires once", () => {
        // Berlin springs forward 2026-03-29 02:00 → 03:00: 02:30 does not exist that day.
        expect(next("30 2 * * *", "2026-03-28T12:00:00Z", "Europe/Berlin")).toBe("2026-03-30T00:30:00.000Z");
        // Berlin falls back 2026-10-25 03:00 → 02:00: the first 02:30 (CEST, 00:30Z).
        expect(next("30 2 * * *", "2026-10-24T12:00:00Z", "Europe/Berlin")).toBe("2026-10-25T00:30:00.000Z");
        // Midnight right after a spring-forward day is not skipped (the jump lands on the next hour boundary).
        expect(next("15 0 * * *", "2026-03-29T00:30:00Z", "Europe/Berlin")).toBe("2026-03-29T22:15:00.000Z");
    });

    it("day of month and day of week: either matches when both are restricted, both when one is *", () => {
        // 1st of the month or a Monday; from Tue 2026-12-01 10:00Z: next is Mon 2026-12-07.
        expect(next("0 0 1 * mon", "2026-12-01T10:00:00Z")).toBe("2026-12-07T00:00:00.000Z");
        expect(next("0 0 1 * *", "2026-12-01T10:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
        expect(next("0 0 * * mon", "2026-12-01T10:00:00Z")).toBe("2026-12-07T00:00:00.000Z");
    });

    it("finds rare schedules (29 February) and gives up on impossible ones", () => {
        expect(next("0 12 29 2 *", "2026-11-25T00:00:00Z")).toBe("2028-02-29T12:00:00.000Z");
        expect(nextFire(parseCron("0 0 30 2 *"), new Date("2026-01-01T00:00:00Z"), "UTC")).toBeUndefined();
    });

    it("previousFire finds the fire that opened a window still running", () => {
        const s = parseCron("0 9 * * 1-4");
        const at = new Date("2026-11-26T15:00:00Z"); // Thursday 16:00 Berlin
        expect(previousFire(s, at, "Europe/Berlin", 8 * 60)?.toISOString()).toBe("2026-11-26T08:00:00.000Z");
        expect(previousFire(s, new Date("2026-11-28T15:00:00Z"), "Europe/Berlin", 8 * 60)).toBeUndefined();
    });

    it("formats times in the window's zone", () => {
        expect(formatZoned(new Date("2026-11-26T08:00:00Z"), "Europe/Berlin")).toBe("2026-11-26 09:00 Europe/Berlin");
    });
});

describe("parseGoDuration", () => {
    it("reads Go durations and refuses other text", () => {
        expect(parseGoDuration("8h")).toBe(8 * 3_600_000);
        expect(parseGoDuration("1h30m")).toBe(90 * 60_000);
        expect(parseGoDuration("90m")).toBe(90 * 60_000);
        expect(parseGoDuration("8 hours")).toBeUndefined();
        expect(parseGoDuration("")).toBeUndefined();
    });
});
