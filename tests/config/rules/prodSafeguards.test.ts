import { describe, expect, it } from "vitest";
import { AUTOMATION_BRANCHES, PROD_SAFEGUARDS } from "../../../src/config/rules/prodSafeguards";
import { TIER_DEFAULTS } from "../../../src/config/tiers";
import { customResources, runStack } from "../../support/stacks";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

const FLUX = "operator=flux";

/** One relaxing configuration per row of PROD_SAFEGUARDS, with what the message must show. */
const RELAXATIONS: Record<string, { config: string[]; shows: string }> = {
    autoSync: { config: ["autoSync=true"], shows: "autoSync=true" },
    cascadeDelete: { config: [FLUX, "cascadeDelete=true"], shows: "cascadeDelete=true" },
    highAvailability: { config: ["highAvailability=false"], shows: "highAvailability=false" },
    adminEnabled: { config: ["adminEnabled=true"], shows: "adminEnabled=true" },
    rbacDefaultPolicy: { config: ["rbacDefaultPolicy=role:admin"], shows: "rbacDefaultPolicy=role:admin" },
    restrictDefaultProject: { config: ["restrictDefaultProject=false"], shows: "restrictDefaultProject=false" },
    extraClusterResources: {
        config: ['extraClusterResources=["/Namespace","rbac.authorization.k8s.io/ClusterRoleBinding"]'],
        shows: "extraClusterResources=rbac.authorization.k8s.io/ClusterRoleBinding",
    },
    fluxMultitenancy: { config: [FLUX, "fluxMultitenancy=false"], shows: "fluxMultitenancy=false" },
    targetRevision: { config: [FLUX, "targetRevision=main"], shows: "targetRevision=main" },
    imageAutomation: { config: [FLUX, "imageAutomation=true"], shows: "is true in prod" },
};

describe("PROD_SAFEGUARDS: every prod relaxation needs acknowledgeProdOverrides, by name", () => {
    it("has a tested relaxation for every row, and a row for every key issue 8 names", () => {
        expect(PROD_SAFEGUARDS.map((r) => r.key).sort()).toEqual(Object.keys(RELAXATIONS).sort());
    });

    it("takes the automation branch from the dev/staging defaults (the branch their GitRepository tracks)", () => {
        expect(AUTOMATION_BRANCHES).toEqual([TIER_DEFAULTS.dev.fluxRevision]);
        expect(AUTOMATION_BRANCHES).not.toContain(TIER_DEFAULTS.prod.fluxRevision);
    });

    describe.each(PROD_SAFEGUARDS.map((row) => [row.key, row] as const))("%s", (key, row) => {
        const { config, shows } = RELAXATIONS[key];

        if (row.acknowledgeable === false) {
            it("is refused in prod even when acknowledged", () => {
                for (const ack of ["false", "true", "[autoSync]"])
                    expectRefused("prod", { config: [...config, `acknowledgeProdOverrides=${ack}`] }, key, null, shows);
                expectRefused(
                    "prod",
                    { config: [`acknowledgeProdOverrides=[${key}]`] },
                    "acknowledgeProdOverrides",
                    key,
                    "cannot be acknowledged: prod never relaxes it",
                );
            });
        } else {
            it("is refused in prod without the acknowledgement, naming the key, the value and the safe value", () => {
                const problem = expectRefused("prod", { config }, "acknowledgeProdOverrides", null, shows);
                expect(problem).toContain(`expected ${row.safe}, or acknowledgeProdOverrides: [${key}]`);
            });
            it("is accepted when acknowledged by name, which is recorded and listed as a warning", () => {
                const c = parsed("prod", { config: [...config, `acknowledgeProdOverrides=${JSON.stringify([key])}`] });
                expect(c.prodOverridesAcknowledged).toBe(true);
                expect(c.relaxedSafeguards).toEqual([key]);
                expect(c.warnings.join("\n")).toContain(`relaxes 1 prod safeguard, acknowledged: ${key} (`);
            });
            it("is still accepted with true, deprecated, which names what to write instead", () => {
                const c = parsed("prod", { config: [...config, "acknowledgeProdOverrides=true"] });
                expect(c.relaxedSafeguards).toEqual([key]);
                expect(c.warnings.join("\n")).toContain(
                    `true is deprecated: it acknowledges every prod safeguard, including relaxations nobody has made yet; name the ones the stack relaxes instead: acknowledgeProdOverrides: [${key}]`,
                );
            });
            it("is refused when another safeguard is named instead", () => {
                const other = key === "autoSync" ? "adminEnabled" : "autoSync";
                expectRefused(
                    "prod",
                    { config: [...config, `acknowledgeProdOverrides=[${other}]`] },
                    "acknowledgeProdOverrides",
                    null,
                    shows,
                );
            });
            it("also holds for a prod stack by token (prod-eu)", () => {
                expectRefused("prod", { config }, "acknowledgeProdOverrides", null, shows, "prod-eu");
            });
        }
        it("is not a relaxation outside prod", () => {
            if (key === "targetRevision" || key === "imageAutomation") return; // these are dev/staging defaults
            expect(parsed("staging", { config }).prodOverridesAcknowledged).toBe(false);
        });
    });

    it("does not count Namespace or another Flux branch as relaxations", () => {
        expect(parsed("prod", { config: ['extraClusterResources=["/Namespace"]'] }).prodOverridesAcknowledged).toBe(
            false,
        );
        expect(parsed("prod", { config: [FLUX, "targetRevision=release"] }).repo.fluxRef).toEqual({
            branch: "release",
        });
    });
});

describe("acknowledgeProdOverrides by name (issue 19)", () => {
    it.each([
        ['["autoSync","adminEnabled"]'], // the stack file's YAML list, as the engine passes it
        ["[autoSync, adminEnabled]"], // pulumi config set acknowledgeProdOverrides '[autoSync, adminEnabled]'
        ["autoSync,adminEnabled"],
        [" adminEnabled , autoSync "],
    ])("accepts the names written as %s, and lists both relaxations", (value) => {
        const c = parsed("prod", {
            config: ["autoSync=true", "adminEnabled=true", `acknowledgeProdOverrides=${value}`],
        });
        expect(c.relaxedSafeguards).toEqual(["autoSync", "adminEnabled"]);
        expect(c.warnings.join("\n")).toMatch(
            /gitops-stack:acknowledgeProdOverrides: stack relaxes 2 prod safeguards, acknowledged: autoSync \(autoSync=true \(automated sync\)\); adminEnabled \(adminEnabled=true \(local admin account\)\)\./,
        );
    });

    it("refuses a relaxation left out of the list, naming the list to write", () => {
        expectRefused(
            "prod",
            { config: ["autoSync=true", "adminEnabled=true", "acknowledgeProdOverrides=[autoSync]"] },
            "acknowledgeProdOverrides",
            null,
            "or acknowledgeProdOverrides: [autoSync, adminEnabled] to accept the risk",
        );
    });

    it.each([
        ["[autoSinc]", /"autoSinc" is not a prod safeguard; expected any of autoSync, cascadeDelete/],
        ["[autoSync]", /acknowledges autoSync, which the stack does not relax.*expected no acknowledgeProdOverrides/],
        ["yes", /"yes" is not a prod safeguard/],
        ['[{"a":1}]', /is neither true, false nor a list of safeguard names/],
        ['["auto sync"]', /names "auto sync", which is not a key name/],
    ])("refuses %s", (value, why) => {
        expectRefused("prod", { config: [`acknowledgeProdOverrides=${value}`] }, "acknowledgeProdOverrides", null, why);
    });

    it("warns that true does nothing outside prod", () => {
        const c = parsed("staging", { config: ["acknowledgeProdOverrides=true"] });
        expect(c.relaxedSafeguards).toEqual([]);
        expect(c.warnings.join("\n")).toContain("true is deprecated and has no effect outside prod");
    });

    it("records the names on prod objects for the policy pack", async () => {
        const run = await runStack("prod", {
            config: ["autoSync=true", "cascadeDelete=true", "acknowledgeProdOverrides=[autoSync, cascadeDelete]"],
        });
        const apps = customResources(run.resources, "Application").filter((a) => a.metadata.name !== "prod-root");
        expect(apps.length).toBeGreaterThan(0);
        for (const a of apps)
            expect(a.metadata.annotations?.["gitops-stack.io/prod-overrides-acknowledged"]).toBe(
                "autoSync,cascadeDelete",
            );
    });
});
