import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as argocd from "../../src/argocd/constants";
import * as config from "../../src/config/constants";
import * as flux from "../../src/flux/constants";

describe("src/config depends on nothing above it", () => {
    it("imports nothing from src/argocd, src/flux, src/offline, src/shared or the program", () => {
        const dir = path.resolve(__dirname, "../../src/config");
        const files = fs
            .readdirSync(dir, { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".ts"))
            .map((f) => path.join(dir, f));
        const upward = files.flatMap((file) =>
            [...fs.readFileSync(file, "utf8").matchAll(/from "([^"]+)"/g)]
                .map((m) => m[1])
                .filter((spec) => spec.startsWith("."))
                .filter((spec) => !path.resolve(path.dirname(file), spec).startsWith(dir))
                .map((spec) => `${path.relative(dir, file)} -> ${spec}`),
        );
        expect(upward).toEqual([]);
    });

    it("shares the SSO secret names and the ref wording with the components (they re-export config's)", () => {
        expect(config.SSO_SECRET).toBe(argocd.SSO_SECRET);
        expect(config.SSO_SECRET_KEY).toBe(argocd.SSO_SECRET_KEY);
        expect(config.SSO_SECRET_REF).toBe(argocd.SSO_SECRET_REF);
        for (const ref of [{ branch: "main" }, { tag: "v1.2.0" }, { semver: ">=1.0.0" }])
            expect(config.describeRef(ref)).toBe(flux.describeRef(ref));
    });
});
