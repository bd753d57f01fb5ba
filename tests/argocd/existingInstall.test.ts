import { describe, expect, it } from "vitest";
import { existingArgoCdConfigMaps } from "../../src/argocd/existingInstall";
import { APPLICATION_HEALTH_CHECK, APPLICATION_HEALTH_KEY } from "../../src/argocd/ordering";
import { isSecretValue } from "../../src/offline/mockRun";
import { byType, childrenOf, customResources, findOne, plain, runStack, TEST_SECRETS } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const EXISTING = "operatorInstall=existing";

describe("operatorInstall=existing with Argo CD", () => {
    it("installs no chart and creates no namespace, but declares the same projects and Applications", async () => {
        const helm = await runStack("staging");
        const existing = await runStack("staging", { config: [EXISTING] });
        // No argo-cd release; the Image Updater add-on (staging's image automation) is still installed beside it.
        expect(byType(existing.resources, RELEASE).map((r) => r.name)).toEqual(["image-updater"]);
        expect(byType(existing.resources, "kubernetes:core/v1:Namespace").map((r) => r.name)).not.toContain(
            "argocd-namespace",
        );
        for (const kind of ["AppProject", "Application"]) {
            expect(customResources(existing.resources, kind)).toEqual(customResources(helm.resources, kind));
        }
        expect(existing.outputs.chartVersion).toBe("existing");
        expect(existing.outputs.namespace).toBe("argocd");
    });

    it("patches RBAC, admin, SSO and known hosts into the install's own ConfigMaps, retained on destroy", async () => {
        const run = await runStack("prod", { config: [EXISTING] });
        const patches = byType(run.resources, "kubernetes:core/v1:ConfigMapPatch");
        const byName = Object.fromEntries(patches.map((p) => [(plain(p.inputs) as any).metadata.name, p]));
        expect(Object.keys(byName).sort()).toEqual(["argocd-cm", "argocd-notifications-cm", "argocd-rbac-cm"]);
        for (const patch of patches) {
            expect(patch.retainOnDelete).toBe(true);
            expect((plain(patch.inputs) as any).metadata).toMatchObject({
                namespace: "argocd",
                annotations: { "pulumi.com/patchForce": "true" },
            });
        }
        const cm = (plain(byName["argocd-cm"].inputs) as any).data;
        expect(cm).toMatchObject({ "admin.enabled": "false", "exec.enabled": "false" });
        expect(cm["oidc.config"]).toContain("$argocd-sso:clientSecret");
        const rbac = (plain(byName["argocd-rbac-cm"].inputs) as any).data;
        expect(rbac["policy.csv"]).toContain("acme:platform");
        // The same settings as the chart install would get.
        const helm = await runStack("prod");
        const values = plain(findOne(helm.resources, RELEASE, "argocd").inputs.values) as any;
        expect(rbac["policy.csv"]).toBe(values.configs.rbac["policy.csv"]);
        expect(rbac["policy.default"]).toBe(values.configs.rbac["policy.default"]);
        expect(cm["oidc.config"]).toBe(values.configs.cm["oidc.config"]);
    });

    it("keeps the Slack token and the SSO client secret secret", async () => {
        const run = await runStack("prod", { config: [EXISTING] });
        const token = findOne(run.resources, "kubernetes:core/v1:SecretPatch", "argocd-notifications-secret");
        expect(isSecretValue(token.inputs.stringData)).toBe(true);
        expect(JSON.stringify(plain(token.inputs.stringData))).toContain(TEST_SECRETS.slackToken);
        const sso = findOne(run.resources, "kubernetes:core/v1:Secret", "argocd-sso-secret");
        expect(isSecretValue(sso.inputs.stringData)).toBe(true);
    });

    it("declares the custom resources after the patched configuration, parented under the stack's components", async () => {
        const run = await runStack("dev", { config: [EXISTING] });
        const application = findOne(run.resources, "kubernetes:argoproj.io/v1alpha1:Application", "apps-root");
        const patch = findOne(run.resources, "kubernetes:core/v1:ConfigMapPatch", "argocd-argocd-rbac-cm");
        expect(application.dependencies).toContain(patch.urn);
        expect(childrenOf(run.resources, "gitops-stack:argocd:ExistingArgoCd", "argocd").length).toBeGreaterThan(1);
    });
});

describe("existingArgoCdConfigMaps", () => {
    it("writes only the keys gitops-stack owns, as strings", () => {
        const maps = existingArgoCdConfigMaps({
            namespace: "argocd",
            adminEnabled: true,
            rbac: { policyCsv: "g, acme:platform, role:admin", policyDefault: "role:readonly" },
        });
        expect(maps).toEqual({
            "argocd-cm": {
                "admin.enabled": "true",
                "application.resourceTrackingMethod": "annotation",
                "exec.enabled": "false",
                [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_CHECK,
            },
            "argocd-rbac-cm": {
                "policy.csv": "g, acme:platform, role:admin",
                "policy.default": "role:readonly",
                "policy.matchMode": "glob",
                scopes: "[groups]",
            },
        });
    });
});

describe("operatorInstall=existing with Flux", () => {
    it("installs no chart and no namespace; the Flux objects are the same as with a chart install", async () => {
        const helm = await runStack("dev", { config: ["operator=flux"] });
        const existing = await runStack("dev", { config: ["operator=flux", EXISTING] });
        expect(byType(existing.resources, RELEASE)).toEqual([]);
        expect(byType(existing.resources, "kubernetes:core/v1:Namespace").map((r) => r.name)).not.toContain(
            "flux-namespace",
        );
        for (const kind of ["GitRepository", "Kustomization", "ImagePolicy"]) {
            expect(customResources(existing.resources, kind)).toEqual(customResources(helm.resources, kind));
        }
        expect(existing.outputs.chartVersion).toBe("existing");
    });
});

describe("charts from a mirror, through the whole program", () => {
    it("installs Argo CD from an OCI registry with the images from the mirror registry", async () => {
        const run = await runStack("dev", {
            config: ["argocdChartRepository=oci://registry.internal/charts", "imageRegistry=registry.internal/mirror"],
        });
        const release = plain(findOne(run.resources, RELEASE, "argocd").inputs) as any;
        expect(release.chart).toBe("oci://registry.internal/charts/argo-cd");
        expect(release.version).toBe("10.1.1");
        expect(release.repositoryOpts).toBeUndefined();
        expect(release.values.global.image.repository).toBe("registry.internal/mirror/argoproj/argocd");
    });

    it("installs Flux from a mirrored https chart repository", async () => {
        const run = await runStack("prod", {
            config: ["operator=flux", "fluxChartRepository=https://charts.internal/flux"],
        });
        const release = plain(findOne(run.resources, RELEASE, "flux").inputs) as any;
        expect(release).toMatchObject({
            chart: "flux2",
            version: "2.18.3",
            repositoryOpts: { repo: "https://charts.internal/flux" },
        });
    });
});
