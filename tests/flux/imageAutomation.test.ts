import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun } from "../../src/offline/mockRun";
import type { StackOutputs } from "../../src/program";
import { ROOT, STACKS, configErrorOf, customResources, findOne, plain, runStack } from "../support/stacks";

const FLUX = "operator=flux";
const runs = new Map<string, ProgramRun<StackOutputs>>();
beforeAll(async () => {
    for (const stack of STACKS) runs.set(stack, await runStack(stack, { config: [FLUX] }));
});
const run = (stack: string) => runs.get(stack)!;
const values = (r: ProgramRun<StackOutputs>) =>
    plain(findOne(r.resources, "kubernetes:helm.sh/v3:Release", "flux").inputs.values) as any;
const IMAGE_KINDS = ["ImageRepository", "ImagePolicy", "ImageUpdateAutomation"];
const images = {
    guestbook: { image: "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend", range: ">=5.0.0 <6.0.0" },
    podinfo: { image: "ghcr.io/stefanprodan/podinfo", range: ">=6.0.0 <7.0.0" },
};

/** The `$imagepolicy` setter markers in an environment's overlays of the example GitOps repository. */
function markers(env: string): string[] {
    const apps = path.join(ROOT, "gitops-repo/apps");
    return fs
        .readdirSync(apps)
        .flatMap((app) => {
            const file = path.join(apps, app, "overlays", env, "kustomization.yaml");
            return fs.existsSync(file)
                ? [...fs.readFileSync(file, "utf8").matchAll(/"\$imagepolicy": "([^"]+)"/g)]
                : [];
        })
        .map((m) => m[1])
        .sort();
}

describe.each(["dev", "staging"])("stack %s: image automation", (stack) => {
    it("scans each app's image and selects the newest tag in its semver range", () => {
        const repositories = customResources(run(stack).resources, "ImageRepository");
        const policies = customResources(run(stack).resources, "ImagePolicy");
        expect(repositories.map((r) => r.metadata.name)).toEqual([`guestbook-${stack}`, `podinfo-${stack}`]);
        for (const [app, { image, range }] of Object.entries(images)) {
            const name = `${app}-${stack}`;
            expect(repositories.find((r) => r.metadata.name === name)).toMatchObject({
                metadata: { namespace: "flux-system" },
                spec: { image, interval: "5m" },
            });
            expect(policies.find((p) => p.metadata.name === name)).toMatchObject({
                metadata: { namespace: "flux-system" },
                spec: { imageRepositoryRef: { name }, policy: { semver: { range } } },
            });
        }
    });

    it("names exactly the policies the overlays' setter markers point at", () => {
        const policies = customResources(run(stack).resources, "ImagePolicy").map(
            (p) => `${p.metadata.namespace}:${p.metadata.name}:tag`,
        );
        expect(markers(stack)).toEqual(policies.sort());
    });

    it("commits the selected tags to ./apps on the branch the environment reconciles, as fluxcdbot", () => {
        const automations = customResources(run(stack).resources, "ImageUpdateAutomation");
        expect(automations).toHaveLength(1);
        const spec = automations[0].spec;
        expect(automations[0].metadata).toMatchObject({ name: `gitops-${stack}`, namespace: "flux-system" });
        expect(spec).toMatchObject({
            interval: stack === "dev" ? "1m" : "5m",
            sourceRef: { kind: "GitRepository", name: `gitops-${stack}` },
            git: {
                checkout: { ref: { branch: "main" } },
                commit: {
                    author: { name: "fluxcdbot", email: "fluxcdbot@users.noreply.github.com" },
                    messageTemplateValues: { environment: stack },
                },
                push: { branch: "main" },
            },
            update: { path: "./apps", strategy: "Setters" },
            policySelector: {
                matchLabels: { "app.kubernetes.io/managed-by": "gitops-stack", "gitops-stack.io/environment": stack },
            },
        });
        // v1 template data: `.Updated` was removed and stalls the automation.
        expect(spec.git.commit.messageTemplate).toContain(".Changed.FileChanges");
        expect(spec.git.commit.messageTemplate).not.toContain(".Updated");
        for (const policy of customResources(run(stack).resources, "ImagePolicy")) {
            expect(policy.metadata.labels).toEqual(expect.objectContaining(spec.policySelector.matchLabels));
        }
    });

    it("runs the image controllers", () => {
        expect(values(run(stack)).imageReflectionController).toEqual({ create: true });
        expect(values(run(stack)).imageAutomationController).toEqual({ create: true });
    });
});

describe("prod", () => {
    it("has no image automation and no image controllers", () => {
        for (const kind of IMAGE_KINDS) expect(customResources(run("prod").resources, kind)).toEqual([]);
        expect(values(run("prod")).imageReflectionController).toEqual({ create: false });
        expect(values(run("prod")).imageAutomationController).toEqual({ create: false });
        expect(markers("prod")).toEqual([]);
    });

    it("refuses image automation in prod before anything is created", async () => {
        expect(await configErrorOf("prod", { config: [FLUX, "imageAutomation=true"] })).toMatch(
            /gitops-stack:imageAutomation: is true in prod/,
        );
    });
});

describe("switches", () => {
    it("turns image automation off in dev when asked, controllers included", async () => {
        const r = await runStack("dev", { config: [FLUX, "imageAutomation=false"] });
        for (const kind of IMAGE_KINDS) expect(customResources(r.resources, kind)).toEqual([]);
        expect(values(r).imageAutomationController).toEqual({ create: false });
    });

    it("creates no image objects when no app declares an image, but keeps the controllers while the switch is on", async () => {
        const r = await runStack("dev", {
            config: [FLUX],
            raw: { "gitops-stack:apps": JSON.stringify([{ name: "platform", namespace: "platform" }]) },
        });
        for (const kind of IMAGE_KINDS) expect(customResources(r.resources, kind)).toEqual([]);
        // Removing the last image deletes its objects in an update that keeps the controllers that clear their
        // finalizers; only imageAutomation=false (a later update) removes the controllers.
        expect(values(r).imageReflectionController).toEqual({ create: true });
        expect(values(r).imageAutomationController).toEqual({ create: true });
    });

    it("refuses image automation when the environment tracks a tag: there is no branch to push to", async () => {
        // Refused before anything is registered (the component refuses it too: see components.test.ts).
        expect(await configErrorOf("dev", { config: [FLUX, "targetRevision=tag:v1.2.0"] })).toMatch(
            /Invalid configuration for stack "dev" \(1 problem\); nothing was created:\n {2}- gitops-stack:targetRevision: image automation pushes commits to a branch, but the GitRepository tracks tag v1\.2\.0; expected a branch name, or imageAutomation=false \(image automation is on by default in dev\)\./,
        );
        expect(await configErrorOf("staging", { config: [FLUX, "targetRevision=semver:>=1.0.0"] })).toMatch(
            /tracks semver >=1\.0\.0/,
        );
    });

    it("accepts a tag once image automation is off", async () => {
        const r = await runStack("dev", { config: [FLUX, "targetRevision=tag:v1.2.0", "imageAutomation=false"] });
        expect(customResources(r.resources, "GitRepository")[0].spec.ref).toEqual({ tag: "v1.2.0" });
    });

    it("pushes to another branch when the environment tracks it", async () => {
        const r = await runStack("staging", { config: [FLUX, "targetRevision=staging"] });
        const spec = customResources(r.resources, "ImageUpdateAutomation")[0].spec;
        expect(spec.git.checkout.ref).toEqual({ branch: "staging" });
        expect(spec.git.push).toEqual({ branch: "staging" });
    });
});

describe.each(STACKS)("stack %s: ordering", (stack) => {
    it("creates the ImageUpdateAutomation after its policies and every image object after the source", () => {
        const resources = run(stack).resources;
        const source = resources.find((r) => r.type === "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository")!;
        const image = resources.filter((r) => r.type.startsWith("kubernetes:image.toolkit.fluxcd.io/"));
        for (const r of image) expect(r.dependencies).toContain(source.urn);
        const automation = image.find((r) => r.type.endsWith(":ImageUpdateAutomation"));
        for (const policy of image.filter((r) => r.type.endsWith(":ImagePolicy")))
            expect(automation?.dependencies).toContain(policy.urn);
    });
});
