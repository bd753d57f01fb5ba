/**
 * The control plane the other cluster tests rely on: RBAC authorization, the aggregated built-in ClusterRoles the
 * Flux tenancy binds, a schedulable node that makes pods Ready (kwok), and the pinned CRDs established.
 */
import { describe, expect, it } from "vitest";
import { canI, cluster, kubectl, kubectlJson } from "./support/cluster";

interface Named {
    metadata: { name: string };
}

describe("test control plane", () => {
    it("authorizes with RBAC: an unknown user may do nothing, the admin certificate everything", async () => {
        expect(
            await canI({ user: "nobody" }, [
                { verb: "get", resource: "pods", namespace: "default" },
                { verb: "create", resource: "namespaces" },
            ]),
        ).toEqual([false, false]);
        expect((await kubectl(["auth", "can-i", "*", "*"])).stdout.trim()).toBe("yes");
    });

    it("has the built-in admin ClusterRole aggregated (the Flux tenant RoleBindings reference it)", async () => {
        const admin = await kubectlJson<{ rules?: { resources?: string[]; verbs: string[] }[] }>([
            "get",
            "clusterrole",
            "admin",
        ]);
        const deployments = (admin.rules ?? []).find((rule) => rule.resources?.includes("deployments"));
        expect(deployments?.verbs).toEqual(expect.arrayContaining(["create", "delete", "patch", "update"]));
    });

    it("runs a Deployment to Available on the kwok node", async () => {
        const ns = "control-plane-check";
        await kubectl(["create", "namespace", ns]);
        try {
            await kubectl(["-n", ns, "create", "deployment", "web", "--image=registry.invalid/web:1", "--replicas=2"]);
            await kubectl(["-n", ns, "rollout", "status", "deployment/web", "--timeout=90s"]);
            const pods = await kubectlJson<{ items: { spec: { nodeName?: string }; status: { phase: string } }[] }>([
                "-n",
                ns,
                "get",
                "pods",
            ]);
            expect(pods.items).toHaveLength(2);
            for (const pod of pods.items) expect(pod.status.phase).toBe("Running");
        } finally {
            await kubectl(["delete", "namespace", ns, "--wait=false"]);
        }
    });

    it("has every pinned CRD established", async () => {
        const crds = await kubectlJson<{ items: Named[] }>(["get", "crd"]);
        const names = crds.items.map((crd) => crd.metadata.name);
        expect(cluster().crds.length).toBeGreaterThan(10);
        expect(names).toEqual(expect.arrayContaining(cluster().crds));
        expect(names).toEqual(
            expect.arrayContaining([
                "gitrepositories.source.toolkit.fluxcd.io",
                "kustomizations.kustomize.toolkit.fluxcd.io",
                "alerts.notification.toolkit.fluxcd.io",
                "applications.argoproj.io",
                "appprojects.argoproj.io",
            ]),
        );
    });
});
