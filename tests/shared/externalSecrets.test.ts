/**
 * External Secrets Operator (secretsInGit external-secrets) under both operators: the pinned chart (HA by tier,
 * mirrorable) and one ClusterSecretStore per environment for its Vault, valid against the upstream schema, usable
 * only from the environment's app namespaces and without a static credential.
 */
import { describe, expect, it } from "vitest";
import { externalSecretsValues, vaultStoreSpec } from "../../src/shared/secretsInGit";
import { byType, customResources, findOne, plain, runStack, stackConfig } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const VAULT = "externalSecretsVaultServer=https://vault.acme.example:8200";

interface ModelClass {
    new (data: Record<string, unknown>): { validate(): void };
}
async function validateExternalSecretsObject(object: Record<string, any>): Promise<void> {
    const [group, version] = String(object.apiVersion).split("/");
    const module = (await import(`@kubernetes-models/external-secrets/${group}/${version}/${object.kind}`)) as Record<
        string,
        ModelClass
    >;
    new module[object.kind](object).validate();
}

const appNamespaces = (stack: string) =>
    (JSON.parse(stackConfig(stack).values["gitops-stack:apps"]) as Array<{ namespace: string }>).map(
        (a) => a.namespace,
    );

describe.each(["argocd", "flux"] as const)("secretsInGit=external-secrets with operator %s", (operator) => {
    it.each(["dev", "prod"] as const)(
        "%s: one ClusterSecretStore for the environment's Vault, valid upstream",
        async (stack) => {
            const run = await runStack(stack, {
                config: [`operator=${operator}`, "secretsInGit=external-secrets", VAULT],
            });
            const [store] = customResources(run.resources, "ClusterSecretStore");
            await validateExternalSecretsObject(store);
            expect(store.apiVersion).toBe("external-secrets.io/v1");
            expect(store.metadata.name).toBe(`gitops-${stack}-vault`);
            expect(store.spec).toEqual({
                provider: {
                    vault: {
                        server: "https://vault.acme.example:8200",
                        path: "secret",
                        version: "v2",
                        // No namespace on the ServiceAccount: each namespace logs in as its own (referent authentication).
                        auth: {
                            kubernetes: {
                                mountPath: "kubernetes",
                                role: `gitops-${stack}`,
                                serviceAccountRef: { name: "default" },
                            },
                        },
                    },
                },
                // Only this environment's app namespaces may use the store.
                conditions: [{ namespaces: appNamespaces(stack) }],
            });
            // No static credential: no Secret is declared for the store.
            expect(JSON.stringify(store.spec)).not.toMatch(/tokenSecretRef|secretRef/);
            const storeResource = findOne(
                run.resources,
                "kubernetes:external-secrets.io/v1:ClusterSecretStore",
                "external-secrets-store",
            );
            const release = byType(run.resources, RELEASE).find(
                (r) => (r.inputs as { name?: string }).name === "external-secrets",
            )!;
            expect(storeResource.dependencies).toContain(release.urn);
            expect(plain(release.inputs)).toMatchObject({
                chart: "external-secrets",
                version: "2.9.0",
                repositoryOpts: { repo: "https://charts.external-secrets.io" },
                namespace: "external-secrets",
                values: {
                    installCRDs: true,
                    replicaCount: stack === "prod" ? 2 : 1,
                    leaderElect: stack === "prod",
                    podDisruptionBudget: { enabled: stack === "prod", minAvailable: 1 },
                },
            });
        },
    );
});

it("installs nothing for secretsInGit none", async () => {
    const run = await runStack("prod", { config: [VAULT] });
    expect(customResources(run.resources, "ClusterSecretStore")).toEqual([]);
    expect(
        byType(run.resources, RELEASE).some((r) => (r.inputs as { name?: string }).name === "external-secrets"),
    ).toBe(false);
});

it("pulls the controller, webhook and cert controller images from the mirror", () => {
    const values = externalSecretsValues({ highAvailability: false, imageRegistry: "registry.internal:5000/mirror" });
    const image = { repository: "registry.internal:5000/mirror/external-secrets/external-secrets" };
    expect(values.image).toEqual(image);
    expect((values.webhook as any).image).toEqual(image);
    expect((values.certController as any).image).toEqual(image);
});

it("refuses a store without namespaces (it would serve none, or everyone)", () => {
    expect(() => vaultStoreSpec({ server: "https://v", path: "secret", role: "r" }, [])).toThrow(
        /at least one namespace/,
    );
});
