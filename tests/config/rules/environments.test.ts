/**
 * Issue 19 §3: cross-environment invariants, stated once (src/config/rules/environments.ts) and checked from both
 * sides: the prod stack refuses what would reach it, and every other stack refuses to send it. Each row is a stack
 * and its configuration; the issue's examples first, then cases beyond them.
 */
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_INVARIANTS, isProdBranch, tierOfName } from "../../../src/config/rules/environments";
import type { StackOptions } from "../../support/stacks";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

const FLUX = "operator=flux";
const apps = (list: unknown[]) => ({ "gitops-stack:apps": JSON.stringify(list) });

describe("the invariants, stated once", () => {
    it("each has a statement", () => {
        for (const i of ENVIRONMENT_INVARIANTS) expect(i.statement, i.name).toMatch(/\.$/);
    });

    it.each([
        ["prod", true],
        ["production", true],
        ["release/prod", true],
        ["prod-eu", true],
        ["main", false],
        ["staging", false],
        ["product", false],
    ])("branch %s is a prod branch: %s", (branch, prod) => expect(isProdBranch(branch)).toBe(prod));

    it.each([
        ["shop-dev", true, "dev"],
        ["dev-tools", true, undefined],
        ["shop-production", true, "prod"],
        ["kind-staging", false, "staging"],
        ["gke_acme_europe-west1_prod", false, "prod"],
    ])("%s names tier (suffix only: %s) %s", (name, suffix, tier) => expect(tierOfName(name, suffix)).toBe(tier));
});

describe("automation never pushes to a branch prod deploys from", () => {
    it.each([
        // The issue's: a staging stack whose Flux revision is prod.
        ["staging", [FLUX, "targetRevision=prod"]],
        ["dev", [FLUX, "targetRevision=production"]],
        ["staging", [FLUX, "targetRevision=release/prod"]],
        // Argo CD Image Updater pushes to targetRevision too.
        ["dev", ["targetRevision=prod"]],
        ["staging", ["targetRevision=prod-eu"]],
    ])("%s refuses %j (the sending side)", (stack, config) => {
        expectRefused(stack, { config }, "targetRevision", null, /is a branch prod deploys from.*image automation/);
    });

    it("is fine without automation, or on the stack's own branch", () => {
        expect(
            parsed("staging", { config: [FLUX, "targetRevision=prod", "imageAutomation=false"] }).repo.fluxRef,
        ).toEqual({ branch: "prod" });
        // Automation on, but no app declares an image to update: nothing is pushed.
        const noImages = apps([{ name: "shop", namespace: "shop-staging" }]);
        expect(parsed("staging", { config: [FLUX, "targetRevision=prod"], raw: noImages }).repo.fluxRef).toEqual({
            branch: "prod",
        });
        expect(parsed("staging", { config: [FLUX, "targetRevision=staging"] }).repo.fluxRef).toEqual({
            branch: "staging",
        });
    });

    it("prod refuses the automation branch without acknowledgement (the receiving side)", () => {
        expectRefused(
            "prod",
            { config: [FLUX, "targetRevision=main"] },
            "acknowledgeProdOverrides",
            null,
            /targetRevision=main/,
        );
    });
});

describe("automation writes to a branch", () => {
    it.each([
        ["dev", ["targetRevision=0123456789abcdef0123456789abcdef01234567"], /is a commit/],
        ["dev", ["targetRevision=deadbee"], /is a commit/],
        ["staging", ["targetRevision=HEAD"], /is HEAD, not a branch/],
        ["dev", [FLUX, "targetRevision=tag:v1.2.0"], /tracks tag v1\.2\.0; expected a branch name/],
        ["staging", [FLUX, "targetRevision=semver:>=1.0.0"], /tracks semver/],
    ])("%s refuses %j with image automation on", (stack, config, why) => {
        expectRefused(stack, { config }, "targetRevision", null, why);
    });

    it("accepts a commit when nothing is written back", () => {
        const rev = "0123456789abcdef0123456789abcdef01234567";
        expect(parsed("dev", { config: [`targetRevision=${rev}`, "imageAutomation=false"] }).repo.revision).toBe(rev);
    });
});

describe("an environment deploys only into namespaces of its own", () => {
    it.each([
        // The issue's: prod admits a -dev namespace through applicationSetNamespaces.
        [
            "prod",
            { config: ["appsMode=applicationset", 'applicationSetNamespaces=["shop-dev"]'] },
            "applicationSetNamespaces",
            /"shop-dev" is a dev namespace by its name/,
        ],
        [
            "dev",
            { config: ["appsMode=applicationset", 'applicationSetNamespaces=["shop-prod"]'] },
            "applicationSetNamespaces",
            /"shop-prod" is a prod namespace/,
        ],
        [
            "staging",
            { config: ["appsMode=applicationset", 'applicationSetNamespaces=["shop-production"]'] },
            "applicationSetNamespaces",
            /prod namespace/,
        ],
        [
            "prod",
            { raw: apps([{ name: "shop", namespace: "shop-staging" }]) },
            "apps",
            /app "shop" deploys into "shop-staging", a staging namespace/,
        ],
        ["dev", { raw: apps([{ name: "shop", namespace: "shop-prod" }]) }, "apps", /a prod namespace by its name/],
    ] as Array<[string, StackOptions, string, RegExp]>)("%s: %j", (stack, options, key, why) => {
        expectRefused(stack, options, key, null, why);
    });

    it("reads only the last part of the name (dev-tools is no tier)", () => {
        expect(parsed("prod", { raw: apps([{ name: "tools", namespace: "dev-tools" }]) }).apps[0].namespace).toBe(
            "dev-tools",
        );
    });
});

describe("Image Updater's write credential", () => {
    it.each([
        ["kube-system/gitops-write", /a namespace of the cluster itself/],
        ["default/gitops-write", /a namespace of the cluster itself/],
        ["argocd-prod/gitops-write", /a prod namespace by its name/],
    ])("dev refuses %s", (secret, why) => {
        expectRefused("dev", { config: [`imageUpdaterWriteSecret=${secret}`] }, "imageUpdaterWriteSecret", secret, why);
    });
    it("accepts Argo CD's namespace", () => {
        expect(
            parsed("dev", { config: ["imageUpdaterWriteSecret=argocd/gitops-write"] }).argocd.imageUpdater?.writeSecret,
        ).toBe("argocd/gitops-write");
    });
});

describe("the kube context is this environment's", () => {
    it.each([
        ["dev", "prod-cluster", "prod"],
        ["prod", "kind-dev", "dev"],
        ["staging", "arn:aws:eks:eu-west-1:123456789012:cluster/production", "prod"],
        ["dev", "gke_acme_europe-west1_staging", "staging"],
    ])("%s refuses the context %s", (stack, context, tier) => {
        expectRefused(
            stack,
            { raw: { "kubernetes:context": context } },
            "kubernetes:context",
            context,
            new RegExp(`names the ${tier} environment`),
        );
    });
    it("accepts this environment's and unnamed contexts, and one that names several tiers", () => {
        // A GKE context embeds the project's name: a project called ...-prod-... may hold a dev cluster.
        for (const context of ["kind-dev", "acme-eu-1", "dev", "gke_acme-prod-project_europe-west1_dev-1"])
            expect(() => parsed("dev", { raw: { "kubernetes:context": context } })).not.toThrow();
    });
});

describe("warnings from both sides", () => {
    it("warns when a stack notifies another environment's Slack channel", () => {
        const c = parsed("staging", { config: ["slackChannel=deploys-prod"] });
        expect(c.warnings.join("\n")).toMatch(
            /gitops-stack:slackChannel: Slack channel "deploys-prod" is named for prod/,
        );
    });

    it("warns outside prod, and needs acknowledgement in prod, when Flux's tenancy lockdown is an existing install's", () => {
        const c = parsed("staging", { config: [FLUX, "operatorInstall=existing"] });
        expect(c.warnings.join("\n")).toMatch(
            /gitops-stack:operatorInstall: "existing": Flux's multi-tenancy lockdown/,
        );
        expectRefused(
            "prod",
            { config: [FLUX, "operatorInstall=existing"] },
            "acknowledgeProdOverrides",
            null,
            /operatorInstall=existing with fluxMultitenancy=true/,
        );
        expect(
            parsed("prod", { config: [FLUX, "operatorInstall=existing", "acknowledgeProdOverrides=true"] })
                .prodOverridesAcknowledged,
        ).toBe(true);
    });
});
