import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
    EnvironmentKustomizations,
    EnvironmentTenancy,
    GitSource,
    ImageAutomation,
    SlackNotifications,
    fluxGitUrl,
    fluxValues,
    gitRepositorySpec,
    kustomizationSpec,
} from "../../src/flux";
import type { EnvironmentKustomizationsArgs } from "../../src/flux/environmentKustomizations";
import type { FluxArgs } from "../../src/flux/flux";
import { runComponents } from "../support/stacks";
import { validateFluxObject } from "./schema";

async function failureOf(program: () => unknown): Promise<string> {
    try {
        await runComponents(program);
    } catch (err) {
        // Let the registrations the component made before it threw reach this run's mock monitor, not the next.
        await pulumi.runtime.disconnect().catch(() => undefined);
        return (err as Error).message;
    }
    throw new Error("expected the program to fail");
}

const install: FluxArgs = {
    namespace: "flux-system",
    chartVersion: "2.18.3",
    multitenancy: true,
    imageAutomation: false,
    highAvailability: false,
};

const kustomizationArgs: EnvironmentKustomizationsArgs = {
    namespace: "flux-system",
    sourceName: "gitops-dev",
    serviceAccountName: "gitops-dev",
    apps: [
        { name: "dev-a", path: "apps/a/overlays/dev", targetNamespace: "a", dependsOn: [] },
        { name: "dev-b", path: "./apps/b/overlays/dev", targetNamespace: "b", dependsOn: ["dev-a"] },
    ],
    interval: "1m",
    timeout: "3m",
    wait: false,
    cascadeDelete: true,
};

describe("fluxValues", () => {
    it("switches the image controllers with image automation", () => {
        expect(fluxValues({ ...install, imageAutomation: true })).toMatchObject({
            imageReflectionController: { create: true },
            imageAutomationController: { create: true },
        });
        expect(fluxValues(install)).toMatchObject({
            imageReflectionController: { create: false },
            imageAutomationController: { create: false },
        });
    });

    it("keeps the controllers privileged only without the lockdown", () => {
        expect((fluxValues(install) as any).multitenancy.privileged).toBe(false);
        expect((fluxValues({ ...install, multitenancy: false }) as any).multitenancy).toEqual({
            enabled: false,
            defaultServiceAccount: "default",
            privileged: true,
        });
    });

    it("never scales controllers out: Flux controllers are single-leader", () => {
        const values = JSON.stringify(fluxValues({ ...install, highAvailability: true }));
        expect(values).not.toMatch(/replicas/);
    });
});

describe("fluxGitUrl", () => {
    it.each([
        ["git@github.com:acme/gitops.git", "ssh://git@github.com/acme/gitops.git"],
        ["git@gitlab.example.com:group/sub/repo.git", "ssh://git@gitlab.example.com/group/sub/repo.git"],
        ["ssh://git@github.com/acme/gitops.git", "ssh://git@github.com/acme/gitops.git"],
        ["ssh://git@ghe.example.com:2222/acme/gitops.git", "ssh://git@ghe.example.com:2222/acme/gitops.git"],
        ["https://github.com/acme/gitops.git", "https://github.com/acme/gitops.git"],
    ])("%s -> %s", (url, expected) => {
        expect(fluxGitUrl(url)).toBe(expected);
    });
});

describe("specs", () => {
    it("writes Kustomization paths relative to the repository root with ./", () => {
        expect(kustomizationSpec(kustomizationArgs, kustomizationArgs.apps[0]).path).toBe("./apps/a/overlays/dev");
        expect(kustomizationSpec(kustomizationArgs, kustomizationArgs.apps[1]).path).toBe("./apps/b/overlays/dev");
    });

    it("retries after the interval unless told otherwise", () => {
        expect(kustomizationSpec(kustomizationArgs, kustomizationArgs.apps[0]).retryInterval).toBe("1m");
        expect(
            kustomizationSpec({ ...kustomizationArgs, retryInterval: "20s" }, kustomizationArgs.apps[0]).retryInterval,
        ).toBe("20s");
    });

    it("refuses a GitRepository ref that is not exactly one of branch, tag or semver", () => {
        const args = {
            namespace: "flux-system",
            repositoryName: "r",
            url: "https://github.com/acme/gitops.git",
            secretName: "s",
            interval: "1m",
        };
        expect(() => gitRepositorySpec({ ...args, ref: { branch: "main", tag: "v1" } })).toThrow(
            /ref must name exactly one of branch, tag or semver/,
        );
        expect(() => gitRepositorySpec({ ...args, ref: {} })).toThrow(/exactly one/);
    });
});

describe("the schema check", () => {
    it("catches a field the API does not declare, however deep", async () => {
        const k = {
            apiVersion: "kustomize.toolkit.fluxcd.io/v1",
            kind: "Kustomization",
            metadata: { name: "a", namespace: "flux-system" },
            spec: { interval: "1m", prune: true, sourceRef: { kind: "GitRepository", name: "x" } },
        };
        await validateFluxObject(k);
        await expect(validateFluxObject({ ...k, spec: { ...k.spec, healthcheck: [] } })).rejects.toThrow(
            /fields the API does not declare: Kustomization.spec.healthcheck/,
        );
        await expect(
            validateFluxObject({ ...k, spec: { ...k.spec, dependsOn: [{ name: "b", namespce: "x" }] } }),
        ).rejects.toThrow(/Kustomization.spec.dependsOn\[0\].namespce/);
    });

    it("catches a removed API version and a bad enum", async () => {
        await expect(
            validateFluxObject({ apiVersion: "source.toolkit.fluxcd.io/v1beta2", kind: "GitRepository", spec: {} }),
        ).rejects.toThrow(/not the version Flux 2.8 serves/);
        await expect(
            validateFluxObject({
                apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
                kind: "Alert",
                metadata: { name: "a" },
                spec: { providerRef: { name: "p" }, eventSources: [], eventSeverity: "warning" },
            }),
        ).rejects.toThrow(/eventSeverity/);
    });
});

describe("component validation (errors name the component and what is expected)", () => {
    it("EnvironmentKustomizations refuses an unknown dependency and a path outside the repository", async () => {
        expect(
            await failureOf(
                () =>
                    new EnvironmentKustomizations("ks", {
                        ...kustomizationArgs,
                        apps: [{ ...kustomizationArgs.apps[1], dependsOn: ["dev-z"] }],
                    }),
            ),
        ).toMatch(
            /EnvironmentKustomizations ks: dev-b depends on dev-z; expected other Kustomizations of apps \(dev-b\)/,
        );
        expect(
            await failureOf(
                () =>
                    new EnvironmentKustomizations("ks", {
                        ...kustomizationArgs,
                        apps: [{ ...kustomizationArgs.apps[0], path: "../elsewhere" }],
                    }),
            ),
        ).toMatch(/dev-a has path "..\/elsewhere"; expected a path inside the repository/);
    });

    it("GitSource refuses two refs at once", async () => {
        expect(
            await failureOf(
                () =>
                    new GitSource("src", {
                        namespace: "flux-system",
                        repositoryName: "gitops-dev",
                        url: "https://github.com/acme/gitops.git",
                        ref: { branch: "main", semver: ">=1.0.0" },
                        secretName: "s",
                        interval: "1m",
                    }),
            ),
        ).toMatch(/GitSource gitops-dev: ref must name exactly one/);
    });

    it("SlackNotifications refuses an Alert without sources and a channel with #", async () => {
        const args = {
            namespace: "flux-system",
            channel: "deploys",
            token: pulumi.secret("xoxb-1"),
            eventSeverity: "info" as const,
            eventSources: [{ kind: "Kustomization", name: "dev-a" }],
        };
        expect(await failureOf(() => new SlackNotifications("slack", { ...args, eventSources: [] }))).toMatch(
            /SlackNotifications slack: eventSources is empty/,
        );
        expect(await failureOf(() => new SlackNotifications("slack", { ...args, channel: "#deploys" }))).toMatch(
            /channel "#deploys" is not valid; expected a channel name without '#'/,
        );
    });

    it("EnvironmentTenancy refuses an environment without namespaces", async () => {
        expect(
            await failureOf(
                () =>
                    new EnvironmentTenancy("t", {
                        fluxNamespace: "flux-system",
                        serviceAccountName: "gitops-dev",
                        namespaces: [],
                        retainNamespaces: false,
                    }),
            ),
        ).toMatch(/EnvironmentTenancy t: namespaces is empty/);
    });

    it("ImageAutomation refuses a tag source and an empty image list", async () => {
        const args = {
            namespace: "flux-system",
            automationName: "gitops-dev",
            sourceName: "gitops-dev",
            sourceRef: { branch: "main" },
            images: [{ name: "a-dev", image: "ghcr.io/acme/a", semverRange: ">=1.0.0" }],
            interval: "1m",
            environment: "dev",
        };
        expect(await failureOf(() => new ImageAutomation("img", { ...args, sourceRef: { tag: "v1" } }))).toMatch(
            /ImageAutomation img: image automation pushes commits to a branch, but the GitRepository tracks tag v1; expected sourceRef.branch\./,
        );
        expect(await failureOf(() => new ImageAutomation("img", { ...args, images: [] }))).toMatch(
            /ImageAutomation img: images is empty/,
        );
    });
});

describe("EnvironmentTenancy on destroy", () => {
    /** The options each child was registered with, captured by a transformation on the component. */
    async function namespaceOptions(retainNamespaces: boolean) {
        const seen: Record<string, pulumi.ResourceOptions> = {};
        const capture: pulumi.ResourceTransformation = (args) => {
            seen[`${args.type} ${args.name}`] = args.opts;
            return undefined;
        };
        await runComponents(
            () =>
                new EnvironmentTenancy(
                    "t",
                    {
                        fluxNamespace: "flux-system",
                        serviceAccountName: "gitops-prod",
                        namespaces: ["a", "b", "a"],
                        retainNamespaces,
                    },
                    { transformations: [capture] },
                ),
        );
        return seen;
    }

    it("keeps the namespaces (and their workloads) when asked, and creates each namespace once", async () => {
        const kept = await namespaceOptions(true);
        expect(Object.keys(kept).filter((k) => k.startsWith("kubernetes:core/v1:Namespace"))).toEqual([
            "kubernetes:core/v1:Namespace t-a",
            "kubernetes:core/v1:Namespace t-b",
        ]);
        expect(kept["kubernetes:core/v1:Namespace t-a"].retainOnDelete).toBe(true);
        expect(kept["kubernetes:core/v1:ServiceAccount t-sa"].retainOnDelete).toBeUndefined();
        const deleted = await namespaceOptions(false);
        expect(deleted["kubernetes:core/v1:Namespace t-a"].retainOnDelete).toBe(false);
    });
});
