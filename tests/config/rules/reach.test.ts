/**
 * Issue 19 §4: values that are valid text but provably match nothing or everything are refused, with why: semver
 * ranges (rules/semver.ts), sync windows (rules/syncWindows.ts windowReachProblem), ApplicationSet path templates
 * (rules/appsMode.ts) and webhook HMAC keys (tests/config/rules/secretShapes.test.ts). Tables include the issue's
 * examples and cases beyond them.
 */
import { describe, expect, it } from "vitest";
import { appPathTemplateProblem } from "../../../src/config/rules/appsMode";
import { isSemverRange, semverRangeProblem } from "../../../src/config/rules/semver";
import { windowReachProblem } from "../../../src/config/rules/syncWindows";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

const H = 3_600_000;

describe("semver ranges that match everything or nothing", () => {
    it.each([
        // The issue's: ">=0" is "*" in disguise.
        [">=0", /matches every version, as "\*" would/],
        ["*", /matches every version/],
        ["x", /matches every version/],
        [">=0.0.0", /matches every version/],
        [">=0.0.0-0", /matches every version/],
        ["<1 || >=1", /matches every version/],
        [">=0.0.0 <2.0.0 || >=1.5.0", /matches every version/],
        ["~0 || >=1", /matches every version/],
        ["<=1.2 || >1.2", /matches every version/],
        [">=2.0.0 <1.0.0", /matches no version \(it asks for >=2\.0\.0 and <1\.0\.0, which exclude each other\)/],
        ["<0", /matches no version/],
        ["<0.0.0", /matches no version/],
        [">1.2.3 <1.2.4", /matches no version/],
        [">1 <2", /matches no version/],
        ["~1.2 >=1.3", /matches no version/],
        ["^0.0.3 >0.0.3", /matches no version/],
        ["1.2.3 2.0.0", /matches no version/],
        ["", /is empty/],
        ["latest", /not a semver constraint/],
        [">= 1.0.0", /not a semver constraint/],
        ["!=1.0.0", /not a semver constraint/],
    ])("%j is refused: %s", (range, why) => expect(semverRangeProblem(range)).toMatch(why));

    it.each([
        ">=1.0.0 <2.0.0",
        "^1.2.3",
        "~1.2",
        "1.x",
        "<1.0.0",
        ">=0.1.0 <0.2.0",
        ">=5.0.0 <6.0.0 || >=7.0.0",
        ">0.0.0",
        "=1.2.3",
        "v1.2.3",
        "1.2.3-rc.1",
    ])("%j is accepted", (range) => {
        expect(isSemverRange(range)).toBe(true);
        expect(semverRangeProblem(range)).toBeUndefined();
    });

    it("refuses an app's semverRange and a Flux semver: ref that match everything, saying why", () => {
        const apps = JSON.stringify([
            { name: "shop", namespace: "shop-dev", image: "ghcr.io/acme/shop", semverRange: ">=0" },
        ]);
        expectRefused(
            "dev",
            { raw: { "gitops-stack:apps": apps } },
            "apps",
            ">=0",
            /matches every version, as "\*" would/,
        );
        expectRefused(
            "prod",
            { config: ["operator=flux", "targetRevision=semver:>=0.0.0"] },
            "targetRevision",
            "semver:>=0.0.0",
            /the range matches every version/,
        );
        expectRefused(
            "staging",
            { config: ["operator=flux", "imageAutomation=false", "targetRevision=semver:>=2 <1"] },
            "targetRevision",
            null,
            /matches no version/,
        );
    });
});

describe("sync windows that never open or are always open", () => {
    it.each([
        // The issue's.
        ["0 8 31 2 *", 10 * H, /never opens: no date matches/],
        ["@every 1s", 10 * H, /is always open: it opens every 1s and stays open 10h/],
        // Beyond: other impossible dates, windows as long as their period.
        ["0 0 30 2 *", H, /never opens/],
        ["0 0 31 4,6,9,11 *", H, /never opens/],
        ["0 0 31 2,4 *", H, /never opens/],
        ["* * * * *", 60_000, /always open: it opens at least every 1m/],
        ["@hourly", H, /always open: it opens at least every 1h/],
        ["0 */2 * * *", 2 * H, /always open/],
        ["0 8 * * *", 24 * H, /always open: it opens at least every 1d and stays open 1d/],
        ["@daily", 30 * H, /always open/],
        ["0 8 * * 1-5", 72 * H, /always open: it opens at least every 3d/],
        ["0 0,12 * * *", 12 * H, /always open/],
        ["@every 5m", 5 * 60_000, /always open/],
    ])("%s for %d ms is refused: %s", (schedule, duration, why) => {
        expect(windowReachProblem(schedule, duration)).toMatch(why);
    });

    it.each([
        ["0 8 * * 1-5", 10 * H],
        ["0 9 * * 1-4", 8 * H],
        ["0 0 29 2 *", H], // every fourth year
        ["0 0 31 * *", H], // seven months have a 31st
        ["0 0 31 2 1", H], // both day fields restricted: robfig reads them as either, so every Monday
        ["@every 1h", 59 * 60_000],
        ["0 8 * * *", 23 * H],
        ["0 */2 * * *", H],
    ])("%s for %d ms is accepted", (schedule, duration) => {
        expect(windowReachProblem(schedule, duration)).toBeUndefined();
    });

    it("refuses them on a stack with the schedule, the duration and why", () => {
        expectRefused(
            "prod",
            { config: ["syncWindowSchedule=0 8 31 2 *"] },
            "syncWindowSchedule",
            "0 8 31 2 *",
            /with syncWindowDuration "8h" never opens.*expected a window that opens and closes/,
        );
        expectRefused(
            "prod",
            { config: ["syncWindowSchedule=@every 1s"] },
            "syncWindowSchedule",
            "@every 1s",
            /is always open.*restricts nothing/,
        );
        expectRefused(
            "staging",
            { config: ["syncWindowSchedule=0 8 * * *", "syncWindowDuration=24h"] },
            "syncWindowSchedule",
            null,
            /always open/,
        );
    });
});

describe("ApplicationSet path templates Go's path.Match cannot match", () => {
    it.each([
        // The issue's.
        ["./apps/{app}/overlays/{env}", /a "\." segment/],
        ["apps//{app}/overlays/{env}", /an empty segment \(\/\/\)/],
        // Beyond.
        ["/apps/{app}/overlays/{env}", /starts with \//],
        ["apps/{app}/overlays/{env}/", /ends with \//],
        ["apps/../{app}/{env}", /a "\.\." segment/],
        ["apps/{app}/./{env}", /a "\." segment/],
    ])("%s is refused: %s", (template, why) => {
        expect(appPathTemplateProblem(template)).toMatch(why);
        expectRefused(
            "dev",
            { config: ["appsMode=applicationset", `appPathTemplate=${template}`] },
            "appPathTemplate",
            template,
            why,
        );
    });

    it("still accepts ./ in applications mode, where Argo CD and Flux join the path themselves", () => {
        expect(parsed("dev", { config: ["appPathTemplate=./apps/{app}/overlays/{env}"] }).apps[0].path).toBe(
            "./apps/platform/overlays/dev",
        );
    });
});
