import { describe, expect, it } from "vitest";
import { compareVersions, parseVersion, SemverRange } from "../../src/delivery/semver";

describe("semver (Masterminds v3 constraints, Flux's tag parsing)", () => {
    it.each([
        ["1.2.3", true],
        ["v1.2.3", true],
        ["1.2.3-rc.1+build.5", true],
        ["1.2", false],
        ["latest", false],
        ["01.2.3", false],
        ["1.2.3-01", false],
        ["V1.2.3", false],
    ])("parses the tag %s as a version: %s", (tag, ok) => {
        expect(parseVersion(tag) !== undefined).toBe(ok);
    });

    it("orders versions by semver precedence", () => {
        const order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0"];
        for (let i = 1; i < order.length; i++) {
            expect(compareVersions(parseVersion(order[i - 1])!, parseVersion(order[i])!)).toBe(-1);
        }
        expect(compareVersions(parseVersion("v2.0.0")!, parseVersion("2.0.0+meta")!)).toBe(0);
    });

    // From Masterminds/semver v3.3.0 constraints_test.go (TestConstraintsCheck), the cases with strict versions.
    it.each([
        ["*", "1.2.3", true],
        ["~0.0.0", "1.2.3", true],
        ["0.x.x", "1.2.3", false],
        ["0.0.0", "1.2.3", false],
        ["^0.0.0", "1.2.3", false],
        ["= 2.0", "2.0.0", true],
        ["4.1", "4.1.0", true],
        ["4.1.x", "4.1.3", true],
        ["!=4.1", "4.1.0", false],
        ["!=4.1-alpha", "4.1.0-alpha", false],
        ["!=4.1-alpha", "4.1.1-alpha", false],
        ["!=4.1-alpha", "4.1.0", true],
        ["!=4.x", "5.1.0", true],
        ["!=4.x", "4.1.0", false],
        ["!=4.1.x", "4.2.0", true],
        ["!=4.2.x", "4.2.3", false],
        [">1.1", "4.1.0", true],
        [">1.1", "1.1.0", false],
        ["<1.1", "1.1.1", false],
        ["<1.x", "0.1.1", true],
        ["<1.1.x", "1.1.500", false],
        [">=1.1", "4.1.0-beta", false],
        ["<=1.1", "0.1.0-alpha", false],
        ["<=1.1-a", "0.1.0-alpha", true],
        ["<=1.1", "1.1.1", true],
        ["<=1.1.x", "1.2.500", false],
        ["<=4.5", "4.6.3", false],
        [">1.1, <2", "1.2.1", true],
        [">=1.1 <2 !=1.2.3", "1.2.3", false],
        [">= 1.1, <2, !=1.2.3 || > 3", "4.1.2", true],
        [">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false],
        ["1.1 - 2", "1.1.1", true],
        ["1.5.0 - 4.5", "3.7.0", true],
        ["^1.1", "4.3.2", false],
        ["^1.x", "1.1.1-beta1", false],
        ["^1.1.2-alpha", "1.2.1-beta1", true],
        ["^0.0.1", "0.3.1", false],
        ["~1", "1.3.5", true],
        ["~1.1", "1.1.1-alpha", false],
        ["~1.1-alpha", "1.1.1-beta", true],
        ["~1.1.1-beta", "1.1.1-alpha", false],
        ["~1.2.3", "1.3.2", false],
        ["1.0.0 - 2.0.0, <=2.0.0", "1.5.0", true],
        // The example stacks' ranges.
        [">=5.0.0 <6.0.0", "5.9.1", true],
        [">=5.0.0 <6.0.0", "6.0.0", false],
        [">=6.0.0 <7.0.0", "v6.1.0", true],
    ])("%s contains %s: %s", (range, version, expected) => {
        expect(SemverRange.parse(range)!.contains(parseVersion(version)!)).toBe(expected);
    });

    it("refuses what Masterminds refuses", () => {
        expect(SemverRange.parse("not a range")).toBeUndefined();
        expect(SemverRange.parse(">=1.0.0 <")).toBeUndefined();
    });
});
