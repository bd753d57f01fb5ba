import { describe, expect, it } from "vitest";
import { customResources, plain, runStack, STACKS } from "../support/stacks";
import { ARGOCD_WEBHOOK_SECRETS } from "../../src/argocd/constants";
import { declared } from "./fixtures";

/** The status command must look for exactly what the program creates: names checked against a real program run. */
describe.each(STACKS)("stack %s: the status command's declared objects match the program's", (stack) => {
    it("Argo CD: Applications (name, path, destination, project), AppProjects and the credential Secret", async () => {
        const run = await runStack(stack);
        const d = declared(stack);
        const apps = customResources(run.resources, "Application").map((a) => plain(a) as any);
        expect(d.applications.map((a) => a.name).sort()).toEqual(apps.map((a) => a.metadata.name).sort());
        for (const a of d.applications) {
            const app = apps.find((x) => x.metadata.name === a.name);
            expect(app.metadata.namespace).toBe(d.namespace);
            expect(app.spec.source).toMatchObject({ path: a.path, targetRevision: d.revision, repoURL: d.repoUrl });
            expect(app.spec.destination.namespace).toBe(a.destinationNamespace);
            expect(app.spec.project).toBe(a.project);
            expect(Boolean(app.spec.syncPolicy.automated)).toBe(d.autoSync);
        }
        const projects = customResources(run.resources, "AppProject").map((p) => (plain(p) as any).metadata.name);
        // `default` is Argo CD's own project, only patched (restrictDefaultProject): not the stack's to report.
        expect(projects.filter((p) => p !== "default").sort()).toEqual([...d.projects].sort());
        const secret = run.resources.find(
            (r) =>
                r.type === "kubernetes:core/v1:Secret" &&
                (plain(r.inputs) as any).metadata?.name === d.credentials.secretName,
        );
        expect(secret && (plain(secret.inputs) as any).metadata.namespace).toBe(d.credentials.namespace);
        expect(Object.keys((plain(secret!.inputs) as any).stringData)).toEqual(
            expect.arrayContaining(d.credentials.keys),
        );
    });

    it("Flux: GitRepository, Kustomizations (name, path, target namespace, dependsOn) and the credential Secret", async () => {
        const run = await runStack(stack, { config: ["operator=flux"] });
        const d = declared(stack, ["operator=flux"]);
        const repos = customResources(run.resources, "GitRepository").map((r) => plain(r) as any);
        expect(repos.map((r) => r.metadata.name)).toEqual([d.gitRepository]);
        expect(repos[0].spec.secretRef.name).toBe(d.credentials.secretName);
        const ks = customResources(run.resources, "Kustomization").map((k) => plain(k) as any);
        expect(ks.map((k) => k.metadata.name).sort()).toEqual(d.applications.map((a) => a.name).sort());
        for (const a of d.applications) {
            const k = ks.find((x) => x.metadata.name === a.name);
            expect(k.metadata.namespace).toBe(d.namespace);
            expect(k.spec.path).toBe(`./${a.path}`);
            expect(k.spec.targetNamespace).toBe(a.destinationNamespace);
            expect((k.spec.dependsOn ?? []).map((x: { name: string }) => x.name)).toEqual(a.dependsOn);
        }
        const secret = run.resources.find(
            (r) =>
                r.type === "kubernetes:core/v1:Secret" &&
                (plain(r.inputs) as any).metadata?.name === d.credentials.secretName,
        );
        expect(secret && (plain(secret.inputs) as any).metadata.namespace).toBe(d.credentials.namespace);
    });
});

describe("Git webhooks: the declared Receiver and webhook secret follow the program", () => {
    it("Flux: the Receiver and its token Secret", async () => {
        const run = await runStack("dev", { config: ["operator=flux", "gitWebhook=true"] });
        const d = declared("dev", ["operator=flux", "gitWebhook=true"]);
        const [receiver] = customResources(run.resources, "Receiver").map((r) => plain(r) as any);
        expect(receiver.metadata).toMatchObject({ name: d.gitWebhook!.receiver, namespace: d.namespace });
        expect(receiver.spec.secretRef.name).toBe(d.gitWebhook!.secretName);
        const token = run.resources.find(
            (r) =>
                r.type === "kubernetes:core/v1:Secret" &&
                (plain(r.inputs) as any).metadata?.name === d.gitWebhook!.secretName,
        );
        expect(Object.keys((plain(token!.inputs) as any).stringData)).toEqual([d.gitWebhook!.secretKey]);
    });

    it.each(["github", "gitlab", "bitbucket"] as const)(
        "Argo CD (%s): the key of argocd-secret the chart writes",
        (provider) => {
            const d = declared("staging", ["gitWebhook=true", `gitWebhookProvider=${provider}`]);
            expect(d.gitWebhook).toMatchObject({
                secretName: "argocd-secret",
                secretKey: ARGOCD_WEBHOOK_SECRETS[provider].key,
            });
        },
    );
});

describe("fleet options: the declared objects follow the program", () => {
    const local = `clusters=${JSON.stringify([{ name: "local", server: "https://kubernetes.default.svc" }])}`;

    it.each(["argocd", "flux"] as const)(
        "%s with clusters: one object per app and cluster (<tier>-<app>-<cluster>; the home cluster's <tier>-<app>)",
        async (operator) => {
            const config = operator === "flux" ? ["operator=flux", local] : [local];
            const run = await runStack("dev", { config });
            const d = declared("dev", config);
            const kind = operator === "flux" ? "Kustomization" : "Application";
            const names = customResources(run.resources, kind).map((o) => (plain(o) as any).metadata.name);
            expect(d.applications.map((a) => a.name).sort()).toEqual(names.sort());
            expect(
                d.applications
                    .filter((a) => a.role === "app")
                    .every((a) => /^dev-(platform|guestbook|podinfo)$/.test(a.name) && a.cluster === "local"),
            ).toBe(true);
        },
    );

    it("Argo CD appsMode applicationset: the ApplicationSet the program declares", async () => {
        const run = await runStack("dev", { config: ["appsMode=applicationset"] });
        const d = declared("dev", ["appsMode=applicationset"]);
        const sets = customResources(run.resources, "ApplicationSet").map((o) => (plain(o) as any).metadata);
        expect(sets).toEqual([expect.objectContaining({ name: d.applicationSet, namespace: d.namespace })]);
    });
});

describe("a stack with remote clusters", () => {
    it("loads without the cluster credentials (a secret the status command never reads)", () => {
        const clusters = [
            { name: "eu-1", server: "https://eu-1.example.com:6443", auth: "bearer" },
            { name: "local", server: "https://kubernetes.default.svc" },
        ];
        const d = declared("prod", [`clusters=${JSON.stringify(clusters)}`]);
        expect(d.applications.filter((a) => a.cluster === "eu-1").map((a) => [a.name, a.destinationServer])).toEqual([
            ["prod-platform-eu-1", "https://eu-1.example.com:6443"],
            ["prod-guestbook-eu-1", "https://eu-1.example.com:6443"],
            ["prod-podinfo-eu-1", "https://eu-1.example.com:6443"],
        ]);
    });
});
