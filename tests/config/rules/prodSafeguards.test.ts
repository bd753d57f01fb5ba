import { describe, expect, it } from "vitest";
import { AUTOMATION_BRANCHES, PROD_SAFEGUARDS } from "../../../src/config/rules/prodSafeguards";
import { TIER_DEFAULTS } from "../../../src/config/tiers";
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

describe("PROD_SAFEGUARDS: every prod relaxation needs acknowledgeProdOverrides", () => {
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
                for (const ack of ["false", "true"])
                    expectRefused("prod", { config: [...config, `acknowledgeProdOverrides=${ack}`] }, key, null, shows);
            });
        } else {
            it("is refused in prod without the acknowledgement, naming the key, the value and the safe value", () => {
                const problem = expectRefused("prod", { config }, "acknowledgeProdOverrides", null, shows);
                expect(problem).toContain(`expected ${row.safe}, or acknowledgeProdOverrides=true`);
            });
            it("is accepted with the acknowledgement, which is recorded", () => {
                const c = parsed("prod", { config: [...config, "acknowledgeProdOverrides=true"] });
                expect(c.prodOverridesAcknowledged).toBe(true);
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
