/**
 * operatorInstall=existing on a real apiserver: the migration path for a cluster whose operator was installed without
 * Helm (`flux bootstrap`, `kubectl apply` of Argo CD's install.yaml). Its CRDs (installed by the globalSetup with
 * kubectl, no Helm ownership metadata: exactly what makes a flux2/argo-cd Helm release fail with "invalid ownership
 * metadata") and its objects are already there; the stack declares its objects beside them and, for Argo CD, takes
 * over only the configuration keys it owns.
 *
 * The operator namespaces are this file's own (argocd-existing, flux-existing), and everything it applies is deleted
 * afterwards, so the other files' re-apply checks are unaffected.
 */
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { kubectl, kubectlJson } from "./support/cluster";
import { applyStack, renderStack, toYamlStream, type KubeObject, type RenderedStack } from "./support/rendered";

const ARGOCD_NS = "argocd-existing";
const FLUX_NS = "flux-existing";
const applied: RenderedStack[] = [];
const installed: KubeObject[] = [];

/** What an installer left in the cluster, created with kubectl's own field manager. */
async function install(objects: KubeObject[]): Promise<void> {
    installed.push(...objects);
    await kubectl(["apply", "--server-side", "--field-manager", "kubectl", "-f", "-"], {
        input: toYamlStream(objects),
    });
}

interface ManagedField {
    manager: string;
    fieldsV1?: { "f:data"?: Record<string, unknown> };
}
interface ConfigMap {
    data: Record<string, string>;
    metadata: { resourceVersion: string; managedFields: ManagedField[]; labels?: Record<string, string> };
}
const configMap = (name: string) =>
    kubectlJson<ConfigMap>(["-n", ARGOCD_NS, "get", "configmap", name, "-o", "json", "--show-managed-fields"]);
/** `kubectl -n <namespace> get <resource> -o json`: the objects of a kind, or one object by name. */
const listIn = (namespace: string, resource: string) =>
    kubectlJson<{ items: KubeObject[] }>(["-n", namespace, "get", resource, "-o", "json"]);
const getIn = (namespace: string, resource: string, name: string) =>
    kubectlJson<KubeObject>(["-n", namespace, "get", resource, name, "-o", "json"]);
const ownedKeys = (cm: ConfigMap, manager: string): string[] =>
    Object.keys(cm.metadata.managedFields.find((f) => f.manager === manager)?.fieldsV1?.["f:data"] ?? {})
        .map((k) => k.replace(/^f:/, ""))
        .sort();

afterAll(async () => {
    for (const rendered of applied.reverse()) {
        await kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], {
            input: toYamlStream([...rendered.objects, ...rendered.patches].filter((o) => o.kind !== "Namespace")),
            ok: false,
        });
    }
    await kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], {
        input: toYamlStream(installed),
        ok: false,
    });
});

describe("operatorInstall=existing with Argo CD (installed by kubectl, not Helm)", () => {
    it("declares the stack's objects beside the install and takes over only the configuration keys it owns", async () => {
        await install([
            { apiVersion: "v1", kind: "Namespace", metadata: { name: ARGOCD_NS } },
            {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: {
                    name: "argocd-cm",
                    namespace: ARGOCD_NS,
                    labels: { "app.kubernetes.io/part-of": "argocd" },
                },
                // Argo CD's install.yaml leaves admin on; the installer also tuned a setting gitops-stack does not own.
                data: { "admin.enabled": "true", "timeout.reconciliation": "300s" },
            },
            {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "argocd-rbac-cm", namespace: ARGOCD_NS },
                data: { "policy.default": "role:admin" },
            },
        ]);
        const rendered = renderStack("prod", "argocd", {
            config: ["operatorInstall=existing", `argocdNamespace=${ARGOCD_NS}`],
        });
        expect(rendered.helmReleases).toEqual([]);
        expect(rendered.objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name)).not.toContain(
            ARGOCD_NS,
        );
        applied.push(rendered);
        await applyStack(rendered);

        const cm = await configMap("argocd-cm");
        // Prod's settings now hold, whatever the installer set; its own key is untouched and still its own.
        expect(cm.data["admin.enabled"]).toBe("false");
        expect(cm.data["exec.enabled"]).toBe("false");
        expect(cm.data["oidc.config"]).toContain("$argocd-sso:clientSecret");
        expect(cm.data["timeout.reconciliation"]).toBe("300s");
        // gitops-stack owns exactly the keys its patch declares, no more.
        const patch = rendered.patches.find((p) => p.kind === "ConfigMap" && p.metadata.name === "argocd-cm");
        expect(ownedKeys(cm, "gitops-stack")).toEqual(Object.keys(patch!.data as object).sort());
        expect(ownedKeys(cm, "kubectl")).toEqual(["timeout.reconciliation"]);

        const rbac = await configMap("argocd-rbac-cm");
        expect(rbac.data["policy.default"]).toBe("role:readonly");
        expect(rbac.data["policy.csv"]).toContain("acme:platform");

        // The AppProjects and Applications are the same as with a chart install, in the install's namespace.
        const projects = await listIn(ARGOCD_NS, "appprojects");
        // Argo CD's own `default` project (made by argocd-server) is emptied by the stack's patch, as with the chart.
        expect(projects.items.map((p) => p.metadata.name).sort()).toEqual(["default", "prod", "prod-bootstrap"]);
        const defaultProject = projects.items.find((p) => p.metadata.name === "default")!;
        expect(JSON.stringify(defaultProject.spec)).not.toContain('"*"');
        const applications = await listIn(ARGOCD_NS, "applications");
        expect(applications.items.map((a) => a.metadata.name)).toContain("prod-guestbook");
    });

    it("a second apply changes nothing", async () => {
        const before = (await configMap("argocd-cm")).metadata.resourceVersion;
        const rbacBefore = (await configMap("argocd-rbac-cm")).metadata.resourceVersion;
        await applyStack(applied[0]);
        expect((await configMap("argocd-cm")).metadata.resourceVersion).toBe(before);
        expect((await configMap("argocd-rbac-cm")).metadata.resourceVersion).toBe(rbacBefore);
    });
});

describe("operatorInstall=existing with Flux (after flux bootstrap)", () => {
    it("declares the stack's source and Kustomizations beside bootstrap's own, which stay as they are", async () => {
        const bootstrapSource = {
            apiVersion: "source.toolkit.fluxcd.io/v1",
            kind: "GitRepository",
            metadata: { name: "flux-system", namespace: FLUX_NS },
            spec: { interval: "1m", url: "ssh://git@github.com/acme/fleet.git", ref: { branch: "main" } },
        };
        await install([{ apiVersion: "v1", kind: "Namespace", metadata: { name: FLUX_NS } }, bootstrapSource]);
        const before = await getIn(FLUX_NS, "gitrepository", "flux-system");

        const rendered = renderStack("staging", "flux", {
            config: ["operatorInstall=existing", `fluxNamespace=${FLUX_NS}`],
        });
        expect(rendered.helmReleases).toEqual([]);
        applied.push(rendered);
        await applyStack(rendered);

        const sources = await listIn(FLUX_NS, "gitrepositories");
        expect(sources.items.map((s) => s.metadata.name).sort()).toEqual(["flux-system", "gitops-staging"]);
        const kustomizations = await listIn(FLUX_NS, "kustomizations");
        expect(kustomizations.items.map((k) => k.metadata.name)).toContain("staging-guestbook");
        const after = await getIn(FLUX_NS, "gitrepository", "flux-system");
        expect(YAML.stringify(after.spec)).toBe(YAML.stringify(before.spec));
        expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    });
});
