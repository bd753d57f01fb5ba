import { describe, expect, it } from "vitest";
import { imageUpdaterSpec, imageUpdaterValues } from "../../src/argocd/imageUpdater";

const args = {
    namespace: "argocd",
    chartVersion: "1.2.4",
    updaterName: "dev-images",
    repoUrl: "git@github.com:acme/gitops.git",
    branch: "main",
    images: [
        {
            applicationName: "dev-guestbook",
            alias: "guestbook",
            image: "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend",
            semverRange: ">=5.0.0 <6.0.0",
        },
        {
            applicationName: "dev-podinfo",
            alias: "podinfo",
            image: "ghcr.io/stefanprodan/podinfo",
            semverRange: ">=6.0.0 <7.0.0",
        },
    ],
};

// Patterns of the upstream CRD (argocd-image-updater v1.2.2 api/v1alpha1: kubebuilder markers).
const ALIAS = /^[a-zA-Z0-9][a-zA-Z0-9-._]*$/;
const METHOD = /^(argocd|git|git:[a-zA-Z0-9][a-zA-Z0-9-._/:]*)$/;

describe("ImageUpdater spec", () => {
    it("writes semver updates back to the overlay the Application syncs, on the environment's branch", () => {
        const spec = imageUpdaterSpec(args) as any;
        expect(spec.writeBackConfig).toEqual({
            method: "git",
            gitConfig: {
                repository: "git@github.com:acme/gitops.git",
                branch: "main",
                writeBackTarget: "kustomization",
            },
        });
        expect(spec.applicationRefs).toEqual([
            {
                namePattern: "dev-guestbook",
                images: [
                    {
                        alias: "guestbook",
                        imageName: "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:>=5.0.0 <6.0.0",
                        commonUpdateSettings: { updateStrategy: "semver", forceUpdate: false },
                        manifestTargets: {
                            kustomize: { name: "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend" },
                        },
                    },
                ],
            },
            expect.objectContaining({ namePattern: "dev-podinfo" }),
        ]);
        for (const ref of spec.applicationRefs) for (const image of ref.images) expect(image.alias).toMatch(ALIAS);
        expect(spec.writeBackConfig.method).toMatch(METHOD);
    });

    it("names exact Applications, never a glob that could reach another environment's", () => {
        const spec = imageUpdaterSpec(args) as any;
        for (const ref of spec.applicationRefs) expect(ref.namePattern).not.toMatch(/[*?[\]{}!]/);
    });

    it("writes with a separate credential when one is configured", () => {
        const spec = imageUpdaterSpec({ ...args, writeCredentialSecret: "argocd/gitops-write" }) as any;
        expect(spec.writeBackConfig.method).toBe("git:secret:argocd/gitops-write");
        expect(spec.writeBackConfig.method).toMatch(METHOD);
    });

    it("refuses an updater without images", () => {
        expect(() => imageUpdaterSpec({ ...args, images: [] })).toThrow(/at least one image/);
    });
});

describe("ImageUpdater chart values", () => {
    it("keeps the CRDs on uninstall and names the committer", () => {
        expect(imageUpdaterValues({})).toEqual({
            crds: { install: true, keep: true },
            config: {
                "git.user": "argocd-image-updater",
                "git.email": "argocd-image-updater@users.noreply.github.com",
            },
        });
    });

    it("pulls the updater from the mirror registry when one is set", () => {
        expect(imageUpdaterValues({ imageRegistry: "registry.internal/mirror" }).image).toEqual({
            repository: "registry.internal/mirror/argoprojlabs/argocd-image-updater",
            pullPolicy: "IfNotPresent",
        });
    });
});
