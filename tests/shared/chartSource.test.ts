import { describe, expect, it } from "vitest";
import { argoCdValues } from "../../src/argocd/argocd";
import { ARGOCD_IMAGES } from "../../src/argocd/constants";
import { FLUX_CONTROLLER_IMAGES } from "../../src/flux/constants";
import { fluxValues } from "../../src/flux/flux";
import { mirrorImage, releaseChart } from "../../src/shared/chartSource";

describe("releaseChart", () => {
    it("points a chart repository at repositoryOpts and pins the version", () => {
        expect(releaseChart("argo-cd", "10.1.1", { kind: "https", url: "https://charts.internal/argo" })).toEqual({
            chart: "argo-cd",
            version: "10.1.1",
            repositoryOpts: { repo: "https://charts.internal/argo" },
        });
    });

    it("addresses an OCI chart by its full reference, without repositoryOpts", () => {
        expect(releaseChart("flux2", "2.18.3", { kind: "oci", url: "oci://registry.internal:5000/charts/" })).toEqual({
            chart: "oci://registry.internal:5000/charts/flux2",
            version: "2.18.3",
        });
    });

    it("uses a local chart directory as the chart", () => {
        expect(releaseChart("argo-cd", "10.1.1", { kind: "local", url: "./charts/argo-cd" })).toEqual({
            chart: "./charts/argo-cd",
            version: "10.1.1",
        });
    });
});

describe("mirrorImage", () => {
    it.each([
        ["quay.io/argoproj/argocd", "registry.internal:5000/mirror", "registry.internal:5000/mirror/argoproj/argocd"],
        ["ghcr.io/fluxcd/source-controller", "mirror.example/", "mirror.example/fluxcd/source-controller"],
        ["localhost/x/y", "mirror.example", "mirror.example/x/y"],
        // Docker Hub names have no registry host: the whole name is the path.
        ["library/redis", "mirror.example", "mirror.example/library/redis"],
        ["redis", "mirror.example", "mirror.example/redis"],
    ])("%s via %s is %s", (image, registry, expected) => {
        expect(mirrorImage(image, registry)).toBe(expected);
    });

    it("leaves the image alone without a registry", () => {
        expect(mirrorImage("quay.io/argoproj/argocd", undefined)).toBe("quay.io/argoproj/argocd");
        expect(mirrorImage("quay.io/argoproj/argocd", "")).toBe("quay.io/argoproj/argocd");
    });
});

const argoArgs = {
    namespace: "argocd",
    chartVersion: "10.1.1",
    highAvailability: true,
    adminEnabled: false,
    rbac: { policyCsv: "", policyDefault: "" },
};

/** Every string value under a key named `repository` or `image` in chart values. */
function imageValues(values: unknown, path = ""): Record<string, string> {
    if (typeof values !== "object" || values === null) return {};
    return Object.entries(values).reduce<Record<string, string>>((found, [key, value]) => {
        const at = path ? `${path}.${key}` : key;
        if ((key === "repository" || key === "image") && typeof value === "string") found[at] = value;
        return { ...found, ...imageValues(value, at) };
    }, {});
}

describe("imageRegistry in the chart values", () => {
    it("moves every Argo CD image to the mirror, HA images included", () => {
        const values = argoCdValues({ ...argoArgs, imageRegistry: "registry.internal/mirror" });
        const images = imageValues(values);
        expect(images).toEqual({
            "dex.image.repository": "registry.internal/mirror/dexidp/dex",
            "redis-ha.image.repository": "registry.internal/mirror/docker/library/redis",
            "redis-ha.haproxy.image.repository": "registry.internal/mirror/docker/library/haproxy",
            "redis-ha.exporter.image": "registry.internal/mirror/oliver006/redis_exporter",
            "redis.image.repository": "registry.internal/mirror/docker/library/redis",
            "redis.exporter.image.repository": "registry.internal/mirror/oliver006/redis_exporter",
            "global.image.repository": "registry.internal/mirror/argoproj/argocd",
        });
        // The switches the images sit beside are kept.
        expect(values["redis-ha"]).toMatchObject({ enabled: true });
        expect(values.dex).toMatchObject({ enabled: false });
        expect(Object.keys(ARGOCD_IMAGES)).toHaveLength(5);
    });

    it("sets no image without a registry (the chart's defaults apply)", () => {
        expect(imageValues(argoCdValues(argoArgs))).toEqual({});
    });

    it("moves every Flux controller image to the mirror and keeps the controllers' other values", () => {
        const values = fluxValues({
            namespace: "flux-system",
            chartVersion: "2.18.3",
            multitenancy: true,
            imageAutomation: false,
            highAvailability: true,
            imageRegistry: "registry.internal/mirror",
        });
        const images = imageValues(values);
        expect(Object.keys(images).sort()).toEqual(
            Object.keys(FLUX_CONTROLLER_IMAGES)
                .map((k) => `${k}.image`)
                .sort(),
        );
        for (const image of Object.values(images)) expect(image).toMatch(/^registry\.internal\/mirror\/fluxcd\//);
        expect(values.imageAutomationController).toMatchObject({ create: false });
        expect(values.sourceController).toMatchObject({ resources: { requests: { cpu: "200m" } } });
    });
});
