import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { imageUpdaterSpec, imageUpdaterValues } from "../../src/argocd/imageUpdater";
import { localChartVersionProblem } from "../../src/config/rules/chart";
import { imageUpdaterRepository } from "../../src/config/rules/imageUpdater";
import { configErrorOf, customResources, findOne, plain, runStack } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";

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

    it("sets only fields the v1.2.2 CRD has (the cluster tests validate against v1.3.0's, which adds optional ones)", () => {
        const text = JSON.stringify(imageUpdaterSpec({ ...args, writeCredentialSecret: "argocd/w" }));
        for (const field of ["imagesVerification", "cosignKey", "plugin", "pullRequest"])
            expect(text).not.toContain(field);
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

describe.each(["dev", "staging"])("stack %s: Argo CD Image Updater", (stack) => {
    it("installs the pinned argocd-image-updater chart beside Argo CD and one ImageUpdater for the env's image apps", async () => {
        const run = await runStack(stack);
        const release = plain(findOne(run.resources, RELEASE, "image-updater").inputs) as any;
        expect(release).toMatchObject({
            chart: "argocd-image-updater",
            version: "1.2.4",
            namespace: "argocd",
            repositoryOpts: { repo: "https://argoproj.github.io/argo-helm" },
        });
        const [updater] = customResources(run.resources, "ImageUpdater");
        expect(updater.apiVersion).toBe("argocd-image-updater.argoproj.io/v1alpha1");
        expect(updater.metadata).toMatchObject({ name: `${stack}-images`, namespace: "argocd" });
        expect(updater.spec.writeBackConfig).toEqual({
            method: "git",
            gitConfig: { repository: run.outputs.repoUrl, branch: "main", writeBackTarget: "kustomization" },
        });
        expect(updater.spec.applicationRefs.map((r: any) => r.namePattern)).toEqual([
            `${stack}-guestbook`,
            `${stack}-podinfo`,
        ]);
        // Every ref names an Application the stack creates.
        const applications = customResources(run.resources, "Application").map((a) => a.metadata.name);
        for (const ref of updater.spec.applicationRefs) expect(applications).toContain(ref.namePattern);
    });

    it("comes after the Applications and the repository credentials it writes with", async () => {
        const run = await runStack(stack);
        const updater = run.resources.find(
            (r) => r.type === "kubernetes:argocd-image-updater.argoproj.io/v1alpha1:ImageUpdater",
        )!;
        const component = findOne(run.resources, "gitops-stack:argocd:ImageUpdater", "image-updater");
        // A component dependency reaches the engine as its children: every Application, and the credential Secret.
        const applications = run.resources.filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:Application");
        expect(applications.length).toBeGreaterThan(0);
        for (const application of applications) expect(component.dependencies).toContain(application.urn);
        const credential = run.resources.find(
            (r) => r.type === "kubernetes:core/v1:Secret" && r.name.startsWith("repo"),
        );
        expect(credential && component.dependencies).toContain(credential!.urn);
        expect(updater.parent).toBe(component.urn);
    });

    it("is off with imageAutomation=false, and writes with a separate credential when one is named", async () => {
        const off = await runStack(stack, { config: ["imageAutomation=false"] });
        expect(customResources(off.resources, "ImageUpdater")).toEqual([]);
        expect(off.resources.filter((r) => r.type === RELEASE).map((r) => r.name)).toEqual(["argocd"]);
        const write = await runStack(stack, { config: ["imageUpdaterWriteSecret=argocd/gitops-write"] });
        expect(customResources(write.resources, "ImageUpdater")[0].spec.writeBackConfig.method).toBe(
            "git:secret:argocd/gitops-write",
        );
    });
});

describe("Argo CD Image Updater is never in prod, and only with Argo CD", () => {
    it("prod has no updater", async () => {
        const run = await runStack("prod");
        expect(customResources(run.resources, "ImageUpdater")).toEqual([]);
        expect(run.resources.filter((r) => r.type === RELEASE).map((r) => r.name)).toEqual(["argocd"]);
    });

    it("prod refuses imageAutomation, even acknowledged", async () => {
        const message = await configErrorOf("prod", {
            config: ["imageAutomation=true", "acknowledgeProdOverrides=true"],
        });
        expect(message).toContain("gitops-stack:imageAutomation");
    });

    it("Flux stacks run Flux's own image automation instead", async () => {
        const run = await runStack("dev", { config: ["operator=flux"] });
        expect(customResources(run.resources, "ImageUpdater")).toEqual([]);
        expect(customResources(run.resources, "ImageUpdateAutomation")).toHaveLength(1);
    });

    it.each([
        [
            "imageUpdaterWriteSecret=gitops-write",
            "imageUpdaterWriteSecret",
            "gitops-write",
            /<namespace>\/<secret name>/,
        ],
        [
            "imageUpdaterWriteSecret=argocd/Bad_Name",
            "imageUpdaterWriteSecret",
            "argocd/Bad_Name",
            /<namespace>\/<secret name>/,
        ],
        ["imageUpdaterChartVersion=^1.2", "imageUpdaterChartVersion", "^1.2", /exact chart version/],
    ])("refuses %s", async (setting, key, value, expected) => {
        const message = await configErrorOf("dev", { config: [setting] });
        expect(message).toContain('stack "dev"');
        expect(message).toContain(`gitops-stack:${key}`);
        expect(message).toContain(JSON.stringify(value));
        expect(message).toMatch(expected);
    });
});

describe("local charts are checked against the pinned version", () => {
    it("refuses a local chart directory whose Chart.yaml carries another version", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-chart-"));
        fs.mkdirSync(path.join(dir, "argocd-image-updater"));
        fs.writeFileSync(
            path.join(dir, "argocd-image-updater", "Chart.yaml"),
            "apiVersion: v2\nname: argocd-image-updater\nversion: 1.1.0\n",
        );
        expect(localChartVersionProblem(path.join(dir, "argocd-image-updater"), "1.2.4")).toMatch(
            /has version "1\.1\.0", but the stack pins "1\.2\.4"/,
        );
        expect(localChartVersionProblem(path.join(dir, "argocd-image-updater"), "1.1.0")).toBeUndefined();
        expect(localChartVersionProblem(path.join(dir, "missing"), "1.1.0")).toMatch(/is not a chart directory/);
        expect(imageUpdaterRepository({ kind: "local", url: path.join(dir, "argo-cd") })).toEqual({
            kind: "local",
            url: path.join(dir, "argocd-image-updater"),
        });
        expect(imageUpdaterRepository({ kind: "oci", url: "oci://r.example/charts" })).toEqual({
            kind: "oci",
            url: "oci://r.example/charts",
        });
    });
});

describe("a local argo-cd or flux2 chart must be the pinned version", () => {
    it.each([
        ["argocdChartRepository", "argo-cd", "dev", []],
        ["fluxChartRepository", "flux2", "staging", ["operator=flux"]],
    ])("%s refuses a %s directory of another version", async (key, chart, stack, extra) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-local-chart-"));
        fs.mkdirSync(path.join(dir, chart));
        fs.writeFileSync(path.join(dir, chart, "Chart.yaml"), `apiVersion: v2\nname: ${chart}\nversion: 0.0.1\n`);
        const message = await configErrorOf(stack, {
            config: [...extra, `${key}=${path.join(dir, chart)}`, "imageAutomation=false"],
        });
        expect(message).toContain(`gitops-stack:${key}`);
        expect(message).toMatch(/has version "0\.0\.1", but the stack pins "(10\.1\.1|2\.18\.3)"/);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
