import { describe, expect, it } from "vitest";
import { argoClusterConfig } from "../../src/argocd/clusters";
import { isSecretValue } from "../../src/offline/mockRun";
import { customResources, plain, runStack, STACKS, TEST_SECRETS, unparentedObjects } from "../support/stacks";
import { validateArgoObject } from "../support/schemas";

const CLUSTERS = [
    { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer", labels: { region: "eu" } },
    { name: "us-1", server: "https://us-1.k8s.example.com", auth: "exec" },
    { name: "local", server: "https://kubernetes.default.svc" },
];
const raw = { "gitops-stack:clusters": JSON.stringify(CLUSTERS) };
const credentials = JSON.parse(TEST_SECRETS.clusterCredentials);
const TOKEN = credentials["eu-1"].bearerToken as string;

/** The cluster Secrets, in the order of CLUSTERS (registration order is not deterministic). */
const clusterSecrets = (resources: Awaited<ReturnType<typeof runStack>>["resources"]) =>
    CLUSTERS.map((c) =>
        resources.find(
            (r) =>
                r.name === `clusters-${c.name}` &&
                r.type === "kubernetes:core/v1:Secret" &&
                r.parent.endsWith("gitops-stack:argocd:EnvironmentClusters::clusters"),
        ),
    ).filter((r) => r !== undefined);

describe("Argo CD cluster config JSON", () => {
    it("carries the bearer token and the CA, never insecure", () => {
        expect(JSON.parse(argoClusterConfig({ bearerToken: "t", caData: "Q0E=" }))).toEqual({
            bearerToken: "t",
            tlsClientConfig: { insecure: false, caData: "Q0E=" },
        });
    });

    it("carries an exec provider", () => {
        const exec = {
            command: "argocd-k8s-auth",
            args: ["aws"],
            env: { AWS_REGION: "eu-west-1" },
            apiVersion: "client.authentication.k8s.io/v1beta1",
        };
        expect(JSON.parse(argoClusterConfig({ exec }))).toEqual({
            execProviderConfig: exec,
            tlsClientConfig: { insecure: false },
        });
    });
});

describe.each(STACKS)("Argo CD, several clusters, stack %s", (stack) => {
    it("declares one cluster Secret per cluster, labelled with the environment, the config a secret", async () => {
        const { resources } = await runStack(stack, { raw });
        const secrets = clusterSecrets(resources);
        expect(secrets.map((s) => plain(s.inputs.metadata))).toEqual(
            CLUSTERS.map((c) => ({
                name: `cluster-${stack}-${c.name}`,
                namespace: "argocd",
                labels: {
                    ...(c.labels ?? {}),
                    "app.kubernetes.io/managed-by": "gitops-stack",
                    "gitops-stack.io/environment": stack,
                    "argocd.argoproj.io/secret-type": "cluster",
                },
            })),
        );
        for (const [i, secret] of secrets.entries()) {
            // The Kubernetes SDK marks stringData secret; the config inside is secret in its own right too.
            expect(isSecretValue(secret.inputs.stringData)).toBe(true);
            const data = plain(secret.inputs.stringData) as Record<string, string>;
            expect(data.name).toBe(CLUSTERS[i].name);
            expect(data.server).toBe(CLUSTERS[i].server);
            const config = JSON.parse(data.config);
            expect(config.tlsClientConfig.insecure).toBe(false);
            if (CLUSTERS[i].name === "eu-1")
                expect(config).toMatchObject({
                    bearerToken: TOKEN,
                    tlsClientConfig: { caData: credentials["eu-1"].caData },
                });
            if (CLUSTERS[i].name === "us-1") expect(config.execProviderConfig.command).toBe("argocd-k8s-auth");
            if (CLUSTERS[i].name === "local") expect(config).toEqual({ tlsClientConfig: { insecure: false } });
        }
        expect(unparentedObjects(resources)).toEqual([]);
    });

    it("gives the AppProject a destination per cluster and namespace, and each app an Application per cluster", async () => {
        const { resources } = await runStack(stack, { raw });
        const [project] = customResources(resources, "AppProject").filter((p) => p.metadata.name === stack);
        const namespaces = [...new Set(project.spec.destinations.map((d: any) => d.namespace))];
        expect(project.spec.destinations).toEqual(
            CLUSTERS.flatMap((c) => namespaces.map((namespace) => ({ server: c.server, namespace }))),
        );
        const apps = customResources(resources, "Application").filter((a) => a.metadata.name !== `${stack}-root`);
        expect(apps.length).toBe(namespaces.length * CLUSTERS.length);
        for (const app of apps) {
            // The in-cluster entry is the home cluster (destinationServer): its Applications keep <env>-<app>.
            const cluster =
                CLUSTERS.find((c) => app.metadata.name.endsWith(`-${c.name}`)) ??
                CLUSTERS.find((c) => c.name === "local")!;
            expect(app.metadata.name).toMatch(
                new RegExp(`^${stack}-[a-z]+${cluster.name === "local" ? "" : `-${cluster.name}`}$`),
            );
            expect(app.spec.destination.server).toBe(cluster.server);
            await validateArgoObject(app);
        }
        await validateArgoObject(project);
        // The root stays in Argo CD's own cluster: it only creates Applications there.
        const [root] = customResources(resources, "Application").filter((a) => a.metadata.name === `${stack}-root`);
        expect(root.spec.destination.server).toBe("https://kubernetes.default.svc");
    });

    it("in ApplicationSet mode, matrixes the env's clusters (by label) with the app folders", async () => {
        const { resources } = await runStack(stack, { raw, config: ["appsMode=applicationset"] });
        const [appSet] = customResources(resources, "ApplicationSet");
        expect(appSet.spec.generators[0].matrix.generators[0]).toEqual({
            clusters: { selector: { matchLabels: { "gitops-stack.io/environment": stack } } },
        });
        expect(appSet.spec.template.metadata.name).toBe(
            `${stack}-{{ index .path.segments 1 }}{{ if ne .name "local" }}-{{ .name }}{{ end }}`,
        );
        expect(appSet.spec.template.spec.destination.server).toBe("{{ .server }}");
        await validateArgoObject(appSet);
        // Argo CD's generators read the AppProject and select cluster Secrets when the ApplicationSet is applied: a
        // missing project fails the whole set, and a selector matching no Secret generates nothing, silently. So
        // the ApplicationSet is created after both (and deleted before them).
        const registered = resources.find((r) => r.type === "kubernetes:argoproj.io/v1alpha1:ApplicationSet")!;
        const projectUrn = resources.find(
            (r) =>
                r.type === "kubernetes:argoproj.io/v1alpha1:AppProject" &&
                (r.inputs.metadata as { name?: string }).name === stack,
        )!.urn;
        expect(registered.dependencies).toContain(projectUrn);
        const secrets = clusterSecrets(resources);
        expect(secrets.length).toBeGreaterThanOrEqual(2);
        for (const secret of secrets) expect(registered.dependencies).toContain(secret!.urn);
    });

    it("keeps every credential secret: nothing outside a secret holds the token or the exec plugin", async () => {
        const { resources } = await runStack(stack, { raw });
        const text = JSON.stringify(resources.map((r) => plainOutsideSecrets(r.inputs)));
        expect(text).not.toContain(TOKEN);
        expect(text).not.toContain("argocd-k8s-auth");
        expect(text).not.toContain(credentials["eu-1"].caData);
    });
});

/** The inputs with every secret replaced by a marker: what a diff, the state or the render would show in clear. */
function plainOutsideSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return "[secret]";
    if (Array.isArray(value)) return value.map(plainOutsideSecrets);
    if (value && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainOutsideSecrets(v)]));
    return value;
}
