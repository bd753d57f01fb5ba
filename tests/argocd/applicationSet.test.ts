import { describe, expect, it } from "vitest";
import { appPathPattern, applicationSetSpec, type ApplicationSetArgs } from "../../src/argocd/applicationSet";
import { CASCADE_FINALIZER } from "../../src/argocd/constants";
import { validateArgoObject } from "../support/schemas";
import { customResources, runStack, STACKS } from "../support/stacks";

const base: ApplicationSetArgs = {
    applicationSetName: "dev-apps",
    namespace: "argocd",
    project: "dev",
    environment: "dev",
    repoUrl: "git@github.com:acme/gitops.git",
    targetRevision: "main",
    destinationServer: "https://kubernetes.default.svc",
    appPathTemplate: "apps/{app}/overlays/{env}",
    autoSync: true,
    cascadeDelete: true,
    retryLimit: 5,
    preserveOnDeletion: false,
};
const object = (spec: Record<string, unknown>) => ({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "dev-apps", namespace: "argocd" },
    spec,
});

describe("appPathPattern", () => {
    it.each([
        ["apps/{app}/overlays/{env}", "dev", "apps/*/overlays/dev", 1],
        ["{env}/{app}", "prod", "prod/*", 1],
        ["clusters/{env}/apps/{app}", "staging", "clusters/staging/apps/*", 3],
    ])("%s in %s finds %s with the app at segment %d", (template, env, glob, segment) => {
        expect(appPathPattern(template, env)).toEqual({ glob, appSegment: segment });
    });

    it("refuses a template whose {app} is part of a segment (the generator globs whole segments)", () => {
        expect(() => appPathPattern("apps/app-{app}/{env}", "dev")).toThrow(/one whole path segment/);
    });
});

describe("ApplicationSet spec", () => {
    it("generates <env>-<app> Applications in <app>-<env> namespaces from the env's folders, as per-app ones are", async () => {
        const spec = applicationSetSpec(base) as any;
        expect(spec.goTemplate).toBe(true);
        expect(spec.goTemplateOptions).toEqual(["missingkey=error"]);
        expect(spec.generators).toEqual([
            { git: { repoURL: base.repoUrl, revision: "main", directories: [{ path: "apps/*/overlays/dev" }] } },
        ]);
        expect(spec.template.metadata).toMatchObject({
            name: "dev-{{ index .path.segments 1 }}",
            namespace: "argocd",
            finalizers: [CASCADE_FINALIZER],
        });
        expect(spec.template.spec).toMatchObject({
            project: "dev",
            source: { repoURL: base.repoUrl, targetRevision: "main", path: "{{ .path.path }}" },
            destination: { server: base.destinationServer, namespace: "{{ index .path.segments 1 }}-dev" },
            syncPolicy: { automated: { prune: true, selfHeal: true } },
        });
        expect(spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: false });
        await validateArgoObject(object(spec));
    });

    it("in prod never deletes generated Applications nor, when it goes, their workloads", async () => {
        const spec = applicationSetSpec({
            ...base,
            environment: "prod",
            project: "prod",
            autoSync: false,
            cascadeDelete: false,
            preserveOnDeletion: true,
        }) as any;
        expect(spec.syncPolicy).toEqual({ applicationsSync: "create-update", preserveResourcesOnDeletion: true });
        expect(spec.template.metadata.finalizers).toBeUndefined();
        expect(spec.template.spec.syncPolicy.automated).toBeUndefined();
        await validateArgoObject(object(spec));
    });

    it("skips the folders of apps the stack declares one by one", () => {
        const spec = applicationSetSpec({ ...base, excludeApps: ["guestbook"] }) as any;
        expect(spec.generators[0].git.directories).toEqual([
            { path: "apps/*/overlays/dev" },
            { path: "apps/guestbook/overlays/dev", exclude: true },
        ]);
    });

    it("with a cluster selector, lands each app on each selected cluster as <env>-<app>-<cluster>", async () => {
        const spec = applicationSetSpec({ ...base, clusterSelector: { "gitops-stack.io/environment": "dev" } }) as any;
        expect(spec.generators).toHaveLength(1);
        expect(spec.generators[0].matrix.generators).toEqual([
            { clusters: { selector: { matchLabels: { "gitops-stack.io/environment": "dev" } } } },
            expect.objectContaining({
                git: expect.objectContaining({ directories: [{ path: "apps/*/overlays/dev" }] }),
            }),
        ]);
        expect(spec.template.metadata.name).toBe("dev-{{ index .path.segments 1 }}-{{ .name }}");
        expect(spec.template.spec.destination.server).toBe("{{ .server }}");
        await validateArgoObject(object(spec));
    });
});

describe.each(STACKS)("appsMode applicationset, stack %s", (stack) => {
    const config = ["appsMode=applicationset"];

    it("declares one ApplicationSet that passes the upstream schema, with per-app Applications kept for declared apps", async () => {
        const { resources } = await runStack(stack, { config });
        const sets = customResources(resources, "ApplicationSet");
        expect(sets.map((s) => s.metadata.name)).toEqual([`${stack}-apps`]);
        const [appSet] = sets;
        await validateArgoObject(appSet);
        const declared = customResources(resources, "Application").filter((a) => a.metadata.name !== `${stack}-root`);
        expect(declared.length).toBeGreaterThan(0);
        // Declared apps keep their Applications and the generator skips their folders.
        const excluded = appSet.spec.generators[0].git.directories
            .filter((d: any) => d.exclude)
            .map((d: any) => d.path);
        expect(excluded).toEqual(
            declared.map((a) => `apps/${a.metadata.name.slice(stack.length + 1)}/overlays/${stack}`),
        );
        // The template carries exactly what a per-app Application carries, but for the generated path and namespace.
        const [sample] = declared;
        const strip = (spec: any) => ({
            ...spec,
            source: { ...spec.source, path: "" },
            destination: { ...spec.destination, namespace: "" },
        });
        expect(strip(appSet.spec.template.spec)).toEqual(strip(sample.spec));
        // pulumi.com/ annotations are Pulumi's wait for a dependency (src/argocd/ordering.ts), not Argo CD settings.
        const argoAnnotations = Object.fromEntries(
            Object.entries(sample.metadata.annotations ?? {}).filter(([k]) => !k.startsWith("pulumi.com/")),
        );
        const sampleMetadata = { ...sample.metadata, annotations: argoAnnotations };
        if (Object.keys(argoAnnotations).length === 0) delete sampleMetadata.annotations;
        expect({ ...appSet.spec.template.metadata, name: "" }).toEqual({ ...sampleMetadata, name: "" });
        expect(appSet.spec.template.spec.destination.namespace).toBe(`{{ index .path.segments 1 }}-${stack}`);
    });

    it(
        stack === "prod"
            ? "never deletes prod workloads: create-update, preserveResourcesOnDeletion, no cascade finalizer, manual sync"
            : "deletes what it generated with the ApplicationSet (cascade, as dev/staging Applications do)",
        async () => {
            const { resources } = await runStack(stack, { config });
            const [appSet] = customResources(resources, "ApplicationSet");
            if (stack === "prod") {
                expect(appSet.spec.syncPolicy).toEqual({
                    applicationsSync: "create-update",
                    preserveResourcesOnDeletion: true,
                });
                expect(appSet.spec.template.metadata.finalizers).toBeUndefined();
                expect(appSet.spec.template.spec.syncPolicy.automated).toBeUndefined();
            } else {
                expect(appSet.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: false });
                expect(appSet.spec.template.metadata.finalizers).toEqual([CASCADE_FINALIZER]);
            }
        },
    );

    it(
        stack === "prod"
            ? "admits only explicit namespaces in prod (no pattern): declared apps and applicationSetNamespaces"
            : `admits the pattern *-${stack} beside the declared namespaces`,
        async () => {
            const extra = stack === "prod" ? ['applicationSetNamespaces=["shop-prod"]'] : [];
            const { resources } = await runStack(stack, { config: [...config, ...extra] });
            const [project] = customResources(resources, "AppProject").filter((p) => p.metadata.name === stack);
            const namespaces = project.spec.destinations.map((d: any) => d.namespace);
            if (stack === "prod") {
                expect(namespaces).toContain("shop-prod");
                expect(namespaces.some((n: string) => n.includes("*"))).toBe(false);
            } else {
                expect(namespaces).toContain(`*-${stack}`);
            }
            await validateArgoObject(project);
        },
    );

    it("with apps unset, declares no per-app Application, only the root and the ApplicationSet", async () => {
        const extra = stack === "prod" ? ['applicationSetNamespaces=["shop-prod"]'] : [];
        const { resources } = await runStack(stack, { config: [...config, "apps=[]", ...extra] });
        expect(customResources(resources, "Application").map((a) => a.metadata.name)).toEqual([`${stack}-root`]);
        const [appSet] = customResources(resources, "ApplicationSet");
        expect(appSet.spec.generators[0].git.directories).toEqual([{ path: `apps/*/overlays/${stack}` }]);
    });
});
