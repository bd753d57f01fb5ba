import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import {
    APP_REQUIREMENTS,
    appPathPattern,
    applicationSetSpec,
    REQUIREMENT_LABEL_PREFIX,
    requirementSelector,
    type ApplicationSetArgs,
} from "../../src/argocd/applicationSet";
import { CASCADE_FINALIZER } from "../../src/argocd/constants";
import { validateArgoObject } from "../support/schemas";
import { customResources, plain, ROOT, runStack, STACKS } from "../support/stacks";

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
/** The selector of a stack that provides nothing beyond plain objects: every requirement excludes its folder. */
const NOTHING_PROVIDED = {
    matchExpressions: ["argo-rollouts", "sops", "sealed-secrets", "external-secrets"].map((r) => ({
        key: `metadata.labels.requires.gitops-stack.io/${r}`,
        operator: "NotIn",
        values: ["true"],
    })),
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
        // Folders with a kustomization.yaml (the layout's overlays); .path.path is the file's folder.
        expect(spec.generators).toEqual([
            {
                git: {
                    repoURL: base.repoUrl,
                    revision: "main",
                    files: [{ path: "apps/*/overlays/dev/kustomization.yaml" }],
                },
                selector: NOTHING_PROVIDED,
            },
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
        expect(spec.generators[0].git.files).toEqual([
            { path: "apps/*/overlays/dev/kustomization.yaml" },
            { path: "apps/guestbook/overlays/dev/kustomization.yaml", exclude: true },
        ]);
    });

    it("generates no Application for a folder whose overlay requires what the stack does not provide", () => {
        // Argo CD's post-selector reads the generator's parameters flattened with dots: the kustomization file's
        // metadata.labels.<key>. NotIn passes a folder without the label.
        expect(requirementSelector([])).toEqual(NOTHING_PROVIDED);
        expect(requirementSelector(["argo-rollouts", "sealed-secrets"])).toEqual({
            matchExpressions: [
                { key: "metadata.labels.requires.gitops-stack.io/sops", operator: "NotIn", values: ["true"] },
                {
                    key: "metadata.labels.requires.gitops-stack.io/external-secrets",
                    operator: "NotIn",
                    values: ["true"],
                },
            ],
        });
        expect(requirementSelector([...APP_REQUIREMENTS])).toBeUndefined();
        const spec = applicationSetSpec({ ...base, provides: [...APP_REQUIREMENTS] }) as any;
        expect(spec.generators[0].selector).toBeUndefined();
    });

    it("with a cluster selector, lands each app on each selected cluster as <env>-<app>-<cluster>", async () => {
        const spec = applicationSetSpec({ ...base, clusterSelector: { "gitops-stack.io/environment": "dev" } }) as any;
        expect(spec.generators).toHaveLength(1);
        expect(spec.generators[0].matrix.generators).toEqual([
            { clusters: { selector: { matchLabels: { "gitops-stack.io/environment": "dev" } } } },
            {
                git: expect.objectContaining({ files: [{ path: "apps/*/overlays/dev/kustomization.yaml" }] }),
                selector: NOTHING_PROVIDED,
            },
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
        const excluded = appSet.spec.generators[0].git.files.filter((d: any) => d.exclude).map((d: any) => d.path);
        expect(excluded).toEqual(
            declared.map((a) => `apps/${a.metadata.name.slice(stack.length + 1)}/overlays/${stack}/kustomization.yaml`),
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
        expect(appSet.spec.generators[0].git.files).toEqual([{ path: `apps/*/overlays/${stack}/kustomization.yaml` }]);
    });

    it("skips the example repository's Rollouts and SOPS apps unless the stack provides what they require", async () => {
        const selected = async (extra: string[]) => {
            const { resources } = await runStack(stack, { config: [...config, ...extra] });
            const [appSet] = customResources(resources, "ApplicationSet");
            return (appSet.spec.generators[0].selector?.matchExpressions ?? []).map((e: any) => e.key.split("/")[1]);
        };
        expect(await selected([])).toEqual(["argo-rollouts", "sops", "sealed-secrets", "external-secrets"]);
        expect(await selected(["argoRollouts=true"])).toEqual(["sops", "sealed-secrets", "external-secrets"]);
        // The chart install matches the generator's paths segment by segment, as the directories generator did.
        const { resources } = await runStack(stack, { config });
        const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "argocd")!;
        expect((plain(release.inputs) as any).values.configs.params).toEqual({
            "applicationsetcontroller.enable.new.git.file.globbing": true,
        });
    });
});

describe("the example repository's requirement labels", () => {
    it.each(STACKS)("marks the %s overlays of the Rollouts app and of the SOPS app, and no other", (stack) => {
        const labelsOf = (app: string) => {
            const file = path.join(ROOT, "gitops-repo/apps", app, "overlays", stack, "kustomization.yaml");
            if (!fs.existsSync(file)) return undefined;
            return (YAML.parse(fs.readFileSync(file, "utf8")).metadata?.labels ?? {}) as Record<string, string>;
        };
        const apps = fs.readdirSync(path.join(ROOT, "gitops-repo/apps"));
        const marked = Object.fromEntries(
            apps
                .map((a) => [a, labelsOf(a)] as const)
                .filter(
                    ([, labels]) => labels && Object.keys(labels).some((k) => k.startsWith(REQUIREMENT_LABEL_PREFIX)),
                ),
        );
        expect(marked).toEqual({
            storefront: { [`${REQUIREMENT_LABEL_PREFIX}argo-rollouts`]: "true" },
            "storefront-secrets": { [`${REQUIREMENT_LABEL_PREFIX}sops`]: "true" },
        });
    });
});
