/**
 * Argo Rollouts on the real apiserver (issue 12), with the CRDs of Argo Rollouts v1.9.0 (the pinned argo-rollouts
 * chart 2.41.0's app version; scripts/cluster/build.sh): the example repository's storefront overlays apply
 * server-side and a second apply changes nothing; an invalid Rollout is refused by the CRD's schema; and who may
 * steer a canary, as the stacks declare it, is answered by the apiserver's authorizer.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { canI, kubectl, kubectlJson } from "./support/cluster";
import { applyStack, renderStack, toYamlStream, type KubeObject } from "./support/rendered";

const ROOT = path.resolve(__dirname, "../..");
const FIELD_MANAGER = "gitops-stack-rollouts-test";
const ns = (env: string) => `storefront-${env}-rollouts`;

function overlayObjects(env: string): KubeObject[] {
    const out = execFileSync("kubectl", ["kustomize", path.join(ROOT, "gitops-repo/apps/storefront/overlays", env)], {
        encoding: "utf8",
    });
    return YAML.parseAllDocuments(out)
        .map((d) => d.toJS() as KubeObject)
        .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns(env) } }));
}

const apply = (objects: KubeObject[]) =>
    kubectl(["apply", "--server-side", "--field-manager", FIELD_MANAGER, "-f", "-"], { input: toYamlStream(objects) });

const versions = async (env: string) => {
    const list = await kubectlJson<{ items: KubeObject[] }>([
        "get",
        "rollouts.argoproj.io,analysistemplates.argoproj.io,services,horizontalpodautoscalers",
        "-n",
        ns(env),
    ]);
    return Object.fromEntries(
        list.items.map((o) => [`${o.kind}/${o.metadata.name}`, String(o.metadata.resourceVersion)]),
    );
};

const ENVS = ["dev", "staging", "prod"];

beforeAll(async () => {
    for (const env of ENVS) await kubectl(["create", "namespace", ns(env)], { ok: false });
});

afterAll(async () => {
    await kubectl(["delete", "namespace", ...ENVS.map(ns), "--wait=false"], { ok: false });
});

describe.each(ENVS)("storefront %s on the apiserver", (env) => {
    it("is accepted as the CRDs define Rollout and AnalysisTemplate, and a second apply changes nothing", async () => {
        const objects = overlayObjects(env);
        expect(objects.map((o) => o.kind).sort()).toEqual(
            ["AnalysisTemplate", "Rollout", "Service", ...(env === "prod" ? ["HorizontalPodAutoscaler"] : [])].sort(),
        );
        await apply(objects);
        const first = await versions(env);
        expect(Object.keys(first)).toHaveLength(objects.length);
        await apply(objects);
        expect(await versions(env)).toEqual(first);
        const rollout = await kubectlJson<KubeObject & { spec: any }>([
            "get",
            "rollout.argoproj.io/storefront",
            "-n",
            ns(env),
        ]);
        expect(
            rollout.spec.strategy.canary.steps.filter((s: { setWeight?: number }) => s.setWeight !== undefined),
        ).toHaveLength(3);
    });
});

it("refuses a Rollout the CRD's schema does not allow (a weight that is not a number)", async () => {
    const [rollout] = overlayObjects("staging").filter((o) => o.kind === "Rollout");
    const bad = structuredClone(rollout) as KubeObject & { spec: any };
    bad.metadata.name = "storefront-bad";
    bad.spec.strategy.canary.steps[0] = { setWeight: "five percent" };
    const result = await kubectl(
        ["apply", "--server-side", "--dry-run=server", "--field-manager", FIELD_MANAGER, "-f", "-"],
        { input: toYamlStream([bad]), ok: false },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(".spec.strategy.canary.steps[0].setWeight: expected numeric");
});

describe("who may steer a canary (Flux stack, argoRollouts=true)", () => {
    const deployer = { user: "dana", groups: ["acme:release-managers"] };
    const developer = { user: "devon", groups: ["acme:developers"] };
    const stranger = { user: "sam", groups: ["acme:someone-else"] };

    beforeAll(async () => {
        // Prod's groups: deployers acme:release-managers, developers acme:developers (Pulumi.prod.yaml).
        const rendered = renderStack("prod", "flux", { config: ["argoRollouts=true"] });
        const rbac = rendered.objects.filter(
            (o) => o.metadata.name.includes("rollouts") && /^(Cluster)?Role(Binding)?$/.test(o.kind),
        );
        const count = (kind: string) => rbac.filter((o) => o.kind === kind).length;
        // Read-only and deployer ClusterRoles, the read-only binding, a deployer RoleBinding per app namespace.
        expect([count("ClusterRole"), count("ClusterRoleBinding"), count("RoleBinding")]).toEqual([2, 1, 3]);
        // The RoleBindings live in the app namespaces, which the tenancy objects create: apply those first.
        const namespaces = rendered.objects.filter((o) => o.kind === "Namespace");
        await applyStack({ ...rendered, objects: [...namespaces, ...rbac], patches: [] });
        applied = rbac;
    });

    let applied: KubeObject[] = [];
    // The Rollouts RBAC goes again (the cluster is shared); the namespaces belong to the stacks' own tests too.
    afterAll(async () => {
        for (const o of applied)
            await kubectl(
                [
                    "delete",
                    `${o.kind.toLowerCase()}.rbac.authorization.k8s.io`,
                    o.metadata.name,
                    ...(o.metadata.namespace ? ["-n", o.metadata.namespace] : []),
                ],
                { ok: false },
            );
    });

    it("deployers promote and abort (patch Rollouts and their status) in prod's app namespaces only", async () => {
        const inApp = (verb: string, resource: string) => ({ verb, resource, namespace: "podinfo-prod" });
        expect(
            await canI(deployer, [
                inApp("patch", "rollouts.argoproj.io"),
                inApp("patch", "rollouts.argoproj.io/status"),
                inApp("get", "analysisruns.argoproj.io"),
                // What `kubectl argo rollouts get rollout --watch` lists besides the Rollout.
                inApp("list", "replicasets.apps"),
                inApp("watch", "pods"),
            ]),
        ).toEqual([true, true, true, true, true]);
        expect(
            await canI(deployer, [
                { verb: "patch", resource: "rollouts.argoproj.io", namespace: "kube-system" },
                inApp("delete", "rollouts.argoproj.io"),
                inApp("create", "rollouts.argoproj.io"),
                inApp("patch", "analysistemplates.argoproj.io"),
                inApp("delete", "pods"),
                { verb: "list", resource: "pods", namespace: "kube-system" },
            ]),
        ).toEqual([false, false, false, false, false, false]);
    });

    it("developers read Rollouts and analyses everywhere but change nothing; others see nothing", async () => {
        expect(
            await canI(developer, [
                { verb: "list", resource: "rollouts.argoproj.io" },
                { verb: "get", resource: "analysisruns.argoproj.io", namespace: "podinfo-prod" },
                { verb: "watch", resource: "experiments.argoproj.io" },
            ]),
        ).toEqual([true, true, true]);
        expect(
            await canI(developer, [
                { verb: "patch", resource: "rollouts.argoproj.io", namespace: "podinfo-prod" },
                { verb: "patch", resource: "rollouts.argoproj.io/status", namespace: "podinfo-prod" },
            ]),
        ).toEqual([false, false]);
        expect(
            await canI(stranger, [{ verb: "get", resource: "rollouts.argoproj.io", namespace: "podinfo-prod" }]),
        ).toEqual([false]);
    });
});
