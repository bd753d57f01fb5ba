/**
 * Changes to a running stack (issue 25 §2): which configuration changes keep every Application, ApplicationSet,
 * Kustomization and Namespace the stack owns (the same Pulumi URN and the same Kubernetes name and namespace: an
 * update in place), and which rename or replace one. A Kubernetes name is an identity: the engine creates the
 * renamed object and deletes the old one, and deleting an Application with the cascade finalizer (or a Kustomization
 * with deletionPolicy Delete, or a Namespace) deletes its workloads before the new object has taken them over. The
 * docs/how-to/rename-safely.md lists the same keys; these tests keep it true.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applicationSetSpec } from "../src/argocd/applicationSet";
import type { RecordedResource } from "../src/offline/mockRun";
import { TEST_SECRETS, customResources, plain, runStack, type StackOptions } from "./support/stacks";

const CREDENTIALS = JSON.parse(TEST_SECRETS.clusterCredentials) as Record<string, unknown>;

/** The kinds whose identity carries workloads. */
const OWNING = ["Application", "ApplicationSet", "Kustomization", "Namespace"];

/** Each owning object's identity: Pulumi URN -> `<Kind> <namespace>/<name>`. */
function identities(resources: RecordedResource[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources) {
        const inputs = plain(r.inputs) as { kind?: string; metadata?: { name?: string; namespace?: string } };
        if (!r.type.startsWith("kubernetes:") || !OWNING.includes(inputs.kind ?? r.type.split(":").at(-1)!)) continue;
        const kind = inputs.kind ?? r.type.split(":").at(-1)!;
        out.set(r.urn, `${kind} ${inputs.metadata?.namespace ?? ""}/${inputs.metadata?.name ?? ""}`);
    }
    return out;
}

/** What a change does to the owning objects: those it deletes (by URN or name) and those it adds. */
async function transition(stack: string, before: StackOptions, after: StackOptions) {
    const [a, b] = [
        identities((await runStack(stack, before)).resources),
        identities((await runStack(stack, after)).resources),
    ];
    const deleted = [...a].filter(([urn, id]) => b.get(urn) !== id).map(([, id]) => id);
    const added = [...b].filter(([urn, id]) => a.get(urn) !== id).map(([, id]) => id);
    return {
        deleted: deleted.sort(),
        added: added.sort(),
        kept: [...a].filter(([urn, id]) => b.get(urn) === id).length,
    };
}

const CLUSTERS = [
    { name: "local", server: "https://kubernetes.default.svc" },
    { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer" },
];
const withClusters = (clusters: unknown[] = CLUSTERS): StackOptions => ({
    raw: { "gitops-stack:clusters": JSON.stringify(clusters) },
});
const FLUX_CLUSTERS = CLUSTERS.map((c) => c);

describe("adding clusters to a running stack renames nothing (issue 25 §2)", () => {
    it.each(["dev", "staging", "prod"])(
        "Argo CD %s: the in-cluster Applications keep their URNs and names; only eu-1's are added",
        async (stack) => {
            const t = await transition(stack, {}, withClusters());
            expect(t.deleted).toEqual([]);
            expect(t.added).toEqual(
                ["guestbook", "platform", "podinfo"].map((app) => `Application argocd/${stack}-${app}-eu-1`),
            );
        },
    );

    it("Argo CD: the in-cluster Applications are unchanged, spec and all (the destination is the same server)", async () => {
        const one = customResources((await runStack("dev")).resources, "Application");
        const two = customResources((await runStack("dev", withClusters())).resources, "Application");
        for (const app of one) {
            expect(two.find((a) => a.metadata.name === app.metadata.name)).toEqual(app);
        }
    });

    it.each(["dev", "prod"])("Flux %s: the in-cluster Kustomizations keep their URNs and names", async (stack) => {
        const flux = { config: ["operator=flux"] };
        const t = await transition(stack, flux, { ...flux, ...withClusters(FLUX_CLUSTERS) });
        expect(t.deleted).toEqual([]);
        expect(t.added).toEqual(
            ["guestbook", "platform", "podinfo"].map((app) => `Kustomization flux-system/${stack}-${app}-eu-1`),
        );
    });

    it("Argo CD with destinationServer elsewhere: the cluster at destinationServer is the home one", async () => {
        const remote = { config: ["destinationServer=https://eu-1.k8s.example.com:6443"] };
        const t = await transition("dev", remote, {
            ...remote,
            ...withClusters([CLUSTERS[1], { name: "us-1", server: "https://us-1.k8s.example.com", auth: "exec" }]),
        });
        expect(t.deleted).toEqual([]);
        expect(t.added).toEqual(
            ["guestbook", "platform", "podinfo"].map((app) => `Application argocd/dev-${app}-us-1`),
        );
    });

    it("a list without the home cluster moves the apps off it: their objects are deleted, with a warning", async () => {
        const t = await transition("dev", {}, withClusters([CLUSTERS[1]]));
        expect(t.deleted).toEqual(["guestbook", "platform", "podinfo"].map((app) => `Application argocd/dev-${app}`));
    });
});

describe("ApplicationSet mode: the generated names keep the home cluster's (issue 25 §2)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-appset-names-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * Renders a name template with Go's text/template and the options Argo CD's ApplicationSet controller uses for
     * goTemplate (missingkey=error), for each set of generator parameters: the real template engine, not a reading.
     */
    function renderGoTemplate(template: string, params: Array<Record<string, unknown>>): string[] {
        fs.writeFileSync(
            path.join(dir, "main.go"),
            [
                "package main",
                'import ("encoding/json"; "fmt"; "os"; "text/template")',
                "func main() {",
                "  var params []map[string]any",
                "  if err := json.Unmarshal([]byte(os.Args[2]), &params); err != nil { panic(err) }",
                '  t := template.Must(template.New("name").Option("missingkey=error").Parse(os.Args[1]))',
                "  for _, p := range params { if err := t.Execute(os.Stdout, p); err != nil { panic(err) }; fmt.Println() }",
                "}",
            ].join("\n"),
        );
        fs.writeFileSync(path.join(dir, "go.mod"), "module names\n\ngo 1.22\n");
        return execFileSync("go", ["run", ".", template, JSON.stringify(params)], {
            cwd: dir,
            encoding: "utf8",
            env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" },
        })
            .trim()
            .split("\n");
    }

    /** The generated Applications' name template of the dev ApplicationSet, with or without clusters. */
    const nameTemplate = (extra: Partial<Parameters<typeof applicationSetSpec>[0]>): string =>
        (
            applicationSetSpec({
                namespace: "argocd",
                project: "dev",
                repoUrl: "git@github.com:acme/gitops.git",
                targetRevision: "main",
                destinationServer: "https://kubernetes.default.svc",
                autoSync: true,
                cascadeDelete: true,
                retryLimit: 5,
                applicationSetName: "dev-apps",
                environment: "dev",
                appPathTemplate: "apps/{app}/overlays/{env}",
                preserveOnDeletion: false,
                ...extra,
            }) as { template: { metadata: { name: string } } }
        ).template.metadata.name;

    const params = (cluster: string) => ({
        name: cluster,
        server: cluster === "local" ? "https://kubernetes.default.svc" : `https://${cluster}.example.com`,
        path: { path: "apps/shop/overlays/dev", segments: ["apps", "shop", "overlays", "dev"] },
    });

    it("names the home cluster's Applications <env>-<app> and the others <env>-<app>-<cluster>", async () => {
        const { resources } = await runStack("dev", {
            config: ["appsMode=applicationset"],
            ...withClusters(),
        });
        const [appSet] = customResources(resources, "ApplicationSet");
        const template = appSet.spec.template.metadata.name as string;
        expect(renderGoTemplate(template, [params("local"), params("eu-1")])).toEqual(["dev-shop", "dev-shop-eu-1"]);
        // Without clusters the generator names the same Application dev-shop: adding clusters renames none.
        expect(renderGoTemplate(nameTemplate({}), [params("local")])).toEqual(["dev-shop"]);
    });

    it("without a home cluster every generated name has its cluster", () => {
        const template = nameTemplate({ clusterSelector: { "gitops-stack.io/environment": "dev" } });
        expect(renderGoTemplate(template, [params("eu-1")])).toEqual(["dev-shop-eu-1"]);
    });
});

/** One change of configuration to a running stack, and what it does to the objects that own workloads. */
interface Change {
    key: string;
    stack: string;
    before?: StackOptions;
    after: StackOptions;
}

const apps = (list: unknown[]): StackOptions => ({ raw: { "gitops-stack:apps": JSON.stringify(list) } });
const DEV_APPS = [
    { name: "platform", namespace: "platform-dev" },
    { name: "guestbook", namespace: "guestbook-dev", dependsOn: ["platform"] },
    { name: "podinfo", namespace: "podinfo-dev", dependsOn: ["platform"] },
];

/** Changes docs/how-to/rename-safely.md lists as safe in place: no owning object is deleted or renamed. */
const SAFE: Change[] = [
    { key: "repoUrl", stack: "dev", after: { config: ["repoUrl=git@github.com:acme/gitops-next.git"] } },
    { key: "targetRevision", stack: "dev", after: { config: ["targetRevision=release-1"] } },
    { key: "appPathTemplate", stack: "dev", after: { config: ["appPathTemplate=deploy/{env}/{app}"] } },
    { key: "rootPathTemplate", stack: "dev", after: { config: ["rootPathTemplate=roots/{env}"] } },
    {
        key: "apps[].path",
        stack: "dev",
        after: apps([{ ...DEV_APPS[0], path: "infra/platform/{env}" }, ...DEV_APPS.slice(1)]),
    },
    {
        key: "apps[].dependsOn",
        stack: "dev",
        after: apps(DEV_APPS.map((a) => ({ name: a.name, namespace: a.namespace }))),
    },
    { key: "apps (an app added)", stack: "dev", after: apps([...DEV_APPS, { name: "shop", namespace: "shop-dev" }]) },
    { key: "autoSync", stack: "dev", after: { config: ["autoSync=false"] } },
    { key: "cascadeDelete", stack: "dev", after: { config: ["cascadeDelete=false"] } },
    {
        key: "revisionHistoryLimit, retryLimit",
        stack: "dev",
        after: { config: ["revisionHistoryLimit=5", "retryLimit=2"] },
    },
    { key: "clusters (added, with the home cluster)", stack: "dev", after: withClusters() },
    {
        key: "appsMode applications -> applicationset (apps kept)",
        stack: "dev",
        after: { config: ["appsMode=applicationset"] },
    },
    { key: "slackChannel, alertChannels", stack: "dev", after: { config: ["slackChannel=deploys-other"] } },
    { key: "syncWindowSchedule", stack: "prod", after: { config: ["syncWindowSchedule=0 6 * * 1-5"] } },
    {
        key: "extraSourceRepos",
        stack: "dev",
        after: { config: ['extraSourceRepos=["git@github.com:acme/other.git"]'] },
    },
    { key: "argocdChartVersion", stack: "dev", after: { config: ["argocdChartVersion=10.1.2"] } },
    {
        key: "Flux: fluxInterval",
        stack: "dev",
        before: { config: ["operator=flux"] },
        after: { config: ["operator=flux", "fluxInterval=2m"] },
    },
    {
        key: "Flux: cascadeDelete",
        stack: "dev",
        before: { config: ["operator=flux"] },
        after: { config: ["operator=flux", "cascadeDelete=false"] },
    },
    {
        key: "Flux: clusters (added, with the home cluster)",
        stack: "dev",
        before: { config: ["operator=flux"] },
        after: { config: ["operator=flux"], ...withClusters() },
    },
];

/**
 * Changes that delete or rename an owning object (docs/how-to/rename-safely.md says how to make each without losing
 * workloads).
 */
const RENAMING: Array<Change & { deletes: string[] }> = [
    {
        key: "apps[].name",
        stack: "dev",
        after: apps(DEV_APPS.map((a) => (a.name === "podinfo" ? { ...a, name: "podinfo2" } : a))),
        deletes: ["Application argocd/dev-podinfo"],
    },
    {
        key: "apps (an app removed)",
        stack: "dev",
        after: apps(DEV_APPS.slice(0, 2)),
        deletes: ["Application argocd/dev-podinfo"],
    },
    {
        key: "clusters (a cluster removed)",
        stack: "dev",
        before: withClusters(),
        after: withClusters([CLUSTERS[0]]),
        deletes: ["guestbook", "platform", "podinfo"].map((a) => `Application argocd/dev-${a}-eu-1`),
    },
    {
        key: "clusters[].name",
        stack: "dev",
        before: withClusters([CLUSTERS[0], { name: "us-1", server: "https://us-1.k8s.example.com", auth: "exec" }]),
        after: {
            ...withClusters([CLUSTERS[0], { name: "us-2", server: "https://us-1.k8s.example.com", auth: "exec" }]),
            secrets: { clusterCredentials: JSON.stringify({ "us-2": CREDENTIALS["us-1"] }) },
        },
        deletes: ["guestbook", "platform", "podinfo"].map((a) => `Application argocd/dev-${a}-us-1`),
    },
    {
        key: "argocdNamespace",
        stack: "dev",
        after: { config: ["argocdNamespace=gitops"] },
        deletes: ["guestbook", "platform", "podinfo", "root"]
            .map((a) => `Application argocd/dev-${a}`)
            .concat("Namespace /argocd"),
    },
    {
        key: "Flux: apps[].namespace",
        stack: "dev",
        before: { config: ["operator=flux"] },
        after: {
            config: ["operator=flux"],
            ...apps(DEV_APPS.map((a) => (a.name === "podinfo" ? { ...a, namespace: "podinfo-web-dev" } : a))),
        },
        deletes: ["Namespace /podinfo-dev"],
    },
    {
        key: "Flux: fluxNamespace",
        stack: "dev",
        before: { config: ["operator=flux"] },
        after: { config: ["operator=flux", "fluxNamespace=gitops"] },
        deletes: ["guestbook", "platform", "podinfo"]
            .map((a) => `Kustomization flux-system/dev-${a}`)
            .concat("Namespace /flux-system"),
    },
    {
        key: "operator",
        stack: "dev",
        after: { config: ["operator=flux"] },
        deletes: ["guestbook", "platform", "podinfo", "root"]
            .map((a) => `Application argocd/dev-${a}`)
            .concat("Namespace /argocd"),
    },
];

describe("which changes are safe in place (the list in docs/how-to/rename-safely.md)", () => {
    it.each(SAFE.map((c) => [c.key, c] as const))("%s: deletes and renames nothing", async (_, change) => {
        const t = await transition(change.stack, change.before ?? {}, change.after);
        expect(t.deleted).toEqual([]);
        expect(t.kept).toBeGreaterThan(0);
    });

    it.each(RENAMING.map((c) => [c.key, c] as const))("%s: deletes what it renames", async (_, change) => {
        const t = await transition(change.stack, change.before ?? {}, change.after);
        expect(t.deleted).toEqual(expect.arrayContaining(change.deletes));
    });
});
