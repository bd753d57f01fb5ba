import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { fluxKubeconfig } from "../../src/flux/clusters";
import { isSecretValue } from "../../src/offline/mockRun";
import { customResources, plain, runStack, STACKS, TEST_SECRETS, unparentedObjects } from "../support/stacks";
import { validateFluxObject } from "./schema";

const CLUSTERS = [
    { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer", labels: { region: "eu" } },
    { name: "local", server: "https://kubernetes.default.svc" },
];
const options = { config: ["operator=flux"], raw: { "gitops-stack:clusters": JSON.stringify(CLUSTERS) } };
const credentials = JSON.parse(TEST_SECRETS.clusterCredentials);
const TOKEN = credentials["eu-1"].bearerToken as string;

describe("Flux kubeconfig", () => {
    it("is self-contained: server, CA and token, one context", () => {
        const config = YAML.parse(
            fluxKubeconfig({ name: "eu-1", server: "https://eu-1:6443" }, { bearerToken: "t", caData: "Q0E=" }),
        );
        expect(config).toEqual({
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                { name: "eu-1", cluster: { server: "https://eu-1:6443", "certificate-authority-data": "Q0E=" } },
            ],
            users: [{ name: "eu-1", user: { token: "t" } }],
            contexts: [{ name: "eu-1", context: { cluster: "eu-1", user: "eu-1" } }],
            "current-context": "eu-1",
        });
    });

    it("refuses credentials without a token (kustomize-controller runs no exec plugin)", () => {
        expect(() =>
            fluxKubeconfig(
                { name: "x", server: "https://x" },
                { exec: { command: "aws", args: [], env: {}, apiVersion: "v1" } },
            ),
        ).toThrow(/bearer token/);
    });
});

describe.each(STACKS)("Flux, several clusters, stack %s", (stack) => {
    it("declares a Kustomization per app and cluster; remote ones apply through the kubeconfig Secret", async () => {
        const { resources } = await runStack(stack, options);
        const kustomizations = customResources(resources, "Kustomization");
        // The in-cluster (home) entry keeps <tier>-<app>, the names without clusters (issue 25 §2).
        const apps = [...new Set(kustomizations.map((k) => k.metadata.name.replace(/-eu-1$/, "")))];
        expect(kustomizations).toHaveLength(apps.length * CLUSTERS.length);
        for (const k of kustomizations) {
            await validateFluxObject(k);
            // The tenancy boundary holds on every cluster: the environment's ServiceAccount is impersonated.
            expect(k.spec.serviceAccountName).toBe(`gitops-${stack}`);
            if (k.metadata.name.endsWith("-eu-1")) {
                expect(k.spec.kubeConfig).toEqual({ secretRef: { name: `${stack}-eu-1-kubeconfig`, key: "value" } });
                for (const dep of k.spec.dependsOn ?? []) expect(dep.name).toMatch(/-eu-1$/);
            } else {
                expect(apps).toContain(k.metadata.name);
                expect(k.spec.kubeConfig).toBeUndefined();
                for (const dep of k.spec.dependsOn ?? []) expect(apps).toContain(dep.name);
            }
        }
        expect(unparentedObjects(resources)).toEqual([]);
    });

    it("keeps the kubeconfig (token, CA) secret, and declares none for the in-cluster entry", async () => {
        const { resources } = await runStack(stack, options);
        const secrets = resources.filter((r) => r.parent.endsWith("gitops-stack:flux:ClusterKubeconfigs::clusters"));
        expect(secrets.map((s) => (plain(s.inputs.metadata) as { name: string }).name)).toEqual([
            `${stack}-eu-1-kubeconfig`,
        ]);
        const [secret] = secrets;
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        const kubeconfig = YAML.parse((plain(secret.inputs.stringData) as { value: string }).value);
        expect(kubeconfig.users[0].user.token).toBe(TOKEN);
        expect(kubeconfig.clusters[0].cluster.server).toBe(CLUSTERS[0].server);
        // Outside the secrets, the token appears nowhere.
        const clear = (v: unknown): unknown =>
            isSecretValue(v)
                ? "[secret]"
                : Array.isArray(v)
                  ? v.map(clear)
                  : v && typeof v === "object"
                    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clear(x)]))
                    : v;
        expect(JSON.stringify(resources.map((r) => clear(r.inputs)))).not.toContain(TOKEN);
    });

    it("reports every Kustomization of every cluster to Slack", async () => {
        const { resources } = await runStack(stack, options);
        const [alert] = customResources(resources, "Alert");
        if (!alert) return; // no Slack channel on this stack
        const names = alert.spec.eventSources.filter((s: any) => s.kind === "Kustomization").map((s: any) => s.name);
        expect(names.sort()).toEqual(
            customResources(resources, "Kustomization")
                .map((k) => k.metadata.name)
                .sort(),
        );
    });
});
