/**
 * The add-on objects of issue 12 on the real apiserver: every stack x operator rendered with Argo Rollouts and
 * External Secrets on (the offline render, as `pulumi up` would send it), its add-on objects (namespaces, the
 * environment's ClusterSecretStore against the External Secrets CRDs, the Rollouts RBAC) applied server-side and
 * accepted; a second apply changes nothing; a store the CRD does not allow is refused. (A supplied Sealed Secrets key
 * pair is not rendered, since the render never holds secrets: tests/cluster/sealedSecrets.test.ts deploys one through
 * the program and has the real controller unseal with it.)
 */
import { afterAll, describe, expect, it } from "vitest";
import { kubectl, kubectlJson } from "./support/cluster";
import { renderStack, toYamlStream, type KubeObject } from "./support/rendered";

const FIELD_MANAGER = "gitops-stack";
const VAULT = "externalSecretsVaultServer=https://vault.acme.example:8200";

/** The objects of the add-ons (by name: the program's own names for them). */
const isAddOn = (o: KubeObject) =>
    o.kind === "ClusterSecretStore" ||
    (o.kind === "Namespace" && ["argo-rollouts", "external-secrets", "sealed-secrets"].includes(o.metadata.name)) ||
    (/^(Cluster)?Role(Binding)?$/.test(o.kind) && o.metadata.name.includes("-rollouts-"));

const apply = (objects: KubeObject[], extra: string[] = []) =>
    kubectl(["apply", "--server-side", "--field-manager", FIELD_MANAGER, ...extra, "-f", "-"], {
        input: toYamlStream(objects),
        ok: extra.length === 0 ? undefined : false,
    });

async function resourceVersions(objects: KubeObject[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const o of objects) {
        const ns = o.metadata.namespace ? ["-n", o.metadata.namespace] : [];
        const live = await kubectlJson<KubeObject>([
            "get",
            `${o.kind}.${o.apiVersion.split("/")[0]}`.replace(/\.v1$/, ""),
            o.metadata.name,
            ...ns,
        ]);
        out[`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`] = String(live.metadata.resourceVersion);
    }
    return out;
}

/** Every add-on object this file applied, removed afterwards (the cluster is shared with the other test files). */
const appliedObjects: KubeObject[] = [];
afterAll(async () => {
    for (const o of appliedObjects) {
        const [group, version] = o.apiVersion.split("/");
        const resource = version === undefined ? o.kind : `${o.kind}.${group}`;
        const ns = o.metadata.namespace ? ["-n", o.metadata.namespace] : [];
        await kubectl(["delete", resource, o.metadata.name, ...ns, "--wait=false"], { ok: false });
    }
});

describe.each(["dev", "staging", "prod"] as const)("%s", (stack) => {
    it.each(["argocd", "flux"] as const)(
        "with %s: the add-on objects apply, and again without a change",
        async (operator) => {
            const rendered = renderStack(stack, operator, {
                config: ["argoRollouts=true", "secretsInGit=external-secrets", VAULT],
            });
            const objects = rendered.objects.filter(isAddOn);
            const [store] = objects.filter((o) => o.kind === "ClusterSecretStore");
            expect(store?.metadata.name).toBe(`gitops-${stack}-vault`);
            expect(rendered.helmReleases.length).toBeGreaterThanOrEqual(3);
            // Namespaces first: the RoleBindings of Flux deployers live in the app namespaces, created by the tenancy.
            const appNamespaces = rendered.objects.filter((o) => o.kind === "Namespace");
            await apply([...appNamespaces, ...objects]);
            appliedObjects.push(...objects);
            const first = await resourceVersions(objects);
            await apply([...appNamespaces, ...objects]);
            expect(await resourceVersions(objects)).toEqual(first);
        },
    );
});

it("refuses a ClusterSecretStore the CRD does not allow (a KV version Vault does not have)", async () => {
    const rendered = renderStack("prod", "flux", { config: ["secretsInGit=external-secrets", VAULT] });
    const [store] = rendered.objects.filter((o) => o.kind === "ClusterSecretStore") as Array<
        KubeObject & { spec: any }
    >;
    const bad = structuredClone(store);
    bad.metadata.name = "gitops-prod-vault-bad";
    bad.spec.provider.vault.version = "v3";
    const result = await apply([bad], ["--dry-run=server"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/spec\.provider\.vault\.version: Unsupported value: "v3"/);
});
