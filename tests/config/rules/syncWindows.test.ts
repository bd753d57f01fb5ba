import { describe, expect, it } from "vitest";
import { parseGoDuration } from "../../../src/config/rules/durations";
import { cronProblem, timeZoneProblem } from "../../../src/config/rules/syncWindows";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

describe("sync window schedule (robfig/cron standard parser, as Argo CD)", () => {
    it.each([
        ["99 99 99 99 99", /minute field: "99" is outside 0-59/],
        ["a b c d e", /minute field: "a" is not a number/],
        ["0 24 * * *", /hour field: "24" is outside 0-23/],
        ["0 9 0 * *", /day of month field: "0" is outside 1-31/],
        ["0 9 * 13 *", /month field: "13" is outside 1-12/],
        ["0 9 * * 7", /day of week field: "7" is outside 0-6/],
        ["0 9 * * 1-5 *", /has 6 fields, not 5/],
        ["0 9 * *", /has 4 fields, not 5/],
        ["*/0 9 * * *", /step that is not a positive number/],
        ["5-1 9 * * *", /starts after it ends/],
        ["0 9 * * MON-XYZ", /day of week field: "MON-XYZ" is not a number or name/],
        ["1-2-3 * * * *", /more than one '-'/],
        ["1/2/3 * * * *", /more than one '\/'/],
        ["0,,5 * * * *", /"" is not a number/],
        ["TZ=UTC 0 9 * * *", /syncWindowTimeZone/],
        ["@sometimes", /not a descriptor/],
        ["@every 0s", /positive duration/],
    ])("refuses %s", (schedule, why) => {
        expect(cronProblem(schedule)).toMatch(why);
        expectRefused(
            "prod",
            { config: [`syncWindowSchedule=${schedule}`] },
            "syncWindowSchedule",
            schedule,
            /expected a 5-field cron schedule/,
        );
    });

    it.each([
        "0 9 * * 1-5",
        "*/15 6-18 * * 1-5",
        "0 9 * * MON-FRI",
        "0 9 * jan,Jul sun",
        "0 0 1 1 *",
        "0,30 8-17/2 1-15 1,6,12 *",
        "5/10 * ? * *",
        "@daily",
        "@every 1h30m",
    ])("accepts %s", (schedule) => {
        expect(cronProblem(schedule)).toBeUndefined();
        // A short window, so that none of them is always open (tests/config/rules/reach.test.ts).
        const config = [`syncWindowSchedule=${schedule}`, "syncWindowDuration=1m"];
        expect(parsed("prod", { config }).argocd.syncWindow?.schedule).toBe(schedule);
    });
});

describe("sync window time zone (Go's time.LoadLocation names)", () => {
    it.each([
        ["europe/berlin", /spelt as the IANA database spells it \(Europe\/Berlin\)/],
        ["EUROPE/BERLIN", /Europe\/Berlin/],
        ["+05:00", /not an IANA time zone name/],
        ["UTC+2", /IANA/],
        ["Local", /controller's local zone/],
        ["Europe/Berln", /not in the IANA time zone database/],
        ["", /not an IANA time zone name/],
    ])("refuses %j", (zone, why) => {
        expect(timeZoneProblem(zone)).toMatch(why);
        if (zone !== "")
            expectRefused(
                "prod",
                { config: [`syncWindowTimeZone=${zone}`] },
                "syncWindowTimeZone",
                zone,
                /expected an IANA time zone such as UTC or Europe\/Berlin, spelt exactly/,
            );
    });

    it.each([
        "UTC",
        "Europe/Berlin",
        "America/Argentina/Buenos_Aires",
        "Asia/Kolkata",
        "Etc/GMT+5",
        "America/Port-au-Prince",
    ])("accepts %s", (zone) => {
        expect(timeZoneProblem(zone)).toBeUndefined();
    });

    it("accepts the zones ICU lists without its formatter only because each resolves to itself there", () => {
        // What the fast path relies on: for these, the full check (DateTimeFormat resolution) gives the same answer.
        const zones = Intl.supportedValuesOf("timeZone");
        expect(zones.length).toBeGreaterThan(300);
        const notSelf = zones.filter(
            (zone) => new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone !== zone,
        );
        expect(notSelf).toEqual([]);
        expect(zones.filter((zone) => timeZoneProblem(zone) !== undefined)).toEqual([]);
    });
});

describe("durations (Go's time.ParseDuration)", () => {
    it.each([
        ["10h", 36_000_000],
        ["90m", 5_400_000],
        ["1h30m", 5_400_000],
        ["1.5h", 5_400_000],
        ["500ms", 500],
        ["0", 0],
    ])("%s is %d ms", (text, ms) => expect(parseGoDuration(text)).toBe(ms));

    it.each(["1d", "10", "-1h", "8 hours", "", "h"])("%j is not a Go duration", (text) =>
        expect(parseGoDuration(text)).toBeUndefined(),
    );

    it.each(["0h", "0m", "0s", "-1h", "1d", "10"])("syncWindowDuration %s is refused (must be > 0)", (d) => {
        expectRefused(
            "prod",
            { config: [`syncWindowDuration=${d}`] },
            "syncWindowDuration",
            d,
            /expected a duration such as 10h or 90m, longer than zero/,
        );
    });

    it.each(["0s", "1ms", "5s", "9s", "9999ms", "-1m", "1d", "0m"])(
        "fluxInterval %s is refused (positive, at least 10s)",
        (interval) => {
            expectRefused(
                "dev",
                { config: ["operator=flux", `fluxInterval=${interval}`] },
                "fluxInterval",
                interval,
                /expected a duration such as 5m, at least 10s/,
            );
        },
    );

    it.each(["10s", "1m30s", "1h"])("fluxInterval %s is accepted", (interval) => {
        expect(parsed("staging", { config: ["operator=flux", `fluxInterval=${interval}`] }).flux.interval).toBe(
            interval,
        );
    });
});
