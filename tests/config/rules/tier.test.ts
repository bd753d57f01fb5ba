import { describe, expect, it } from "vitest";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

describe("tier: a stack's name sets its tier, environment may only repeat it", () => {
    it.each([
        ["prod", "prod", "prod"],
        ["prod-eu", "prod", "prod"],
        ["eu.production", "prod", "prod"],
        ["Prod_1", "prod", "prod"],
        ["stage", "staging", "staging"],
        ["eu-staging-2", "staging", "staging"],
        ["development", "dev", "dev"],
        ["dev-eu-1", "dev", "dev"],
        // Two tier tokens: the highest wins, so a name never lowers the protection it suggests.
        ["prod-to-dev", "prod", "prod"],
        ["staging-dev", "staging", "staging"],
    ])("%s is %s", (name, file, tier) => {
        expect(parsed(file, {}, name).tier).toBe(tier);
        expect(parsed(file, { config: [`environment=${tier}`] }, name).tier).toBe(tier);
    });

    it.each([
        ["prod", "prod", "dev"],
        ["prod", "prod", "staging"],
        ["prod-eu", "prod", "dev"],
        ["staging", "staging", "dev"],
        ["dev", "dev", "prod"],
        ["prod-to-dev", "prod", "dev"],
    ])("refuses %s with environment=%s→%s, acknowledged or not", (name, file, env) => {
        for (const ack of ["false", "true"]) {
            const problem = expectRefused(
                file,
                { config: [`environment=${env}`, `acknowledgeProdOverrides=${ack}`] },
                "environment",
                env,
                /rename the stack or create a new one/,
                name,
            );
            expect(problem).toContain(`expected ${file} or empty`);
            expect(problem).toContain(`"${name}"`);
        }
    });

    it.each(["qa", "eu-1", "products", "devops", "staged"])("requires environment for %s (no tier token)", (name) => {
        expectRefused("staging", {}, "environment", name, /expected one of dev, staging, prod/, name);
        expect(parsed("staging", { config: ["environment=staging"] }, name).tier).toBe("staging");
    });

    it("refuses a value that is not a tier", () => {
        expectRefused(
            "prod",
            { config: ["environment=Prod"] },
            "environment",
            "Prod",
            "expected one of dev, staging, prod",
        );
    });
});
